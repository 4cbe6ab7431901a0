"""The Coursera export layouts the sample writes (coursera-exports.md §1-§3) and their file names."""

from __future__ import annotations

from datetime import datetime

LEGACY_USAGE: tuple[str, ...] = (
    "Name",
    "Email",
    "External Id",
    "Course",
    "Course ID",
    "Course Slug",
    "University",
    "Enrollment Time",
    "Class Start Time",
    "Class End Time",
    "Last Course Activity Time",
    "Overall Progress",
    "Estimated Learning Hours",
    "Completed",
    "Removed From Program",
    "Program Slug",
    "Program Name",
    "Enrollment Source",
    "Completion Time",
    "Course Grade",
    "Course Certificate URL",
    "For Credit",
    "Course Type",
    "Job Title",
    "Job Type",
    "Location City",
    "Location Region",
    "Location Country",
)

LEGACY_MEMBERSHIP: tuple[str, ...] = (
    "Name",
    "Email",
    "External Id",
    "Program Name",
    "Program Slug",
    "# Enrolled Courses",
    "# Completed Courses",
    "Member State",
    "Join Date",
    "Invitation Date",
    "Latest Program Activity Date",
    "Job Title",
    "Job Type",
    "Location City",
    "Location Region",
    "Location Country",
)

CURRENT_COURSE_ACTIVITY: tuple[str, ...] = (
    "Name",
    "Email",
    "External ID",
    "Course",
    "Course ID",
    "Course Slug",
    "University",
    "Enrollment Time",
    "Class Start Time",
    "Class End Time",
    "Last Course Activity Time",
    "Overall Progress",
    "Total Estimated Learning Hours (since enrolled)",
    "Completed",
    "Removed From Program",
    "Program Slug",
    "Program Name",
    "Collection Name",
    "Collection ID",
    "Completion Time",
    "Course Grade",
    "Course Certificate URL",
    "Contract",
    "Is Enterprise Contract Active",
    "Learning Hours",
    "Course Type",
    "Manager Name",
    "Manager Email",
    "Job Title",
    "Job Type",
    "Business Unit",
    "Business Unit 2",
    "Location City",
    "Location Region",
    "Location Country",
)

# The legacy 16 columns with the activity date renamed, the programme-level figures (contracts, hours) after the
# activity date they summarise, and the organisation attributes (manager, business units) before location, in
# the order the current CourseActivity file uses for them.
CURRENT_PROGRAM_ACTIVITY: tuple[str, ...] = (
    "Name",
    "Email",
    "External Id",
    "Program Name",
    "Program Slug",
    "# Enrolled Courses",
    "# Completed Courses",
    "Member State",
    "Join Date",
    "Invitation Date",
    "Last Program Activity Date",
    "Contract(s)",
    "Contract ID(s)",
    "Learning Hours",
    "Manager Name",
    "Manager Email",
    "Job Title",
    "Job Type",
    "Business Unit",
    "Business Unit 2",
    "Location City",
    "Location Region",
    "Location Country",
)

AGGREGATE_MEASURES: tuple[str, ...] = (
    "Members",
    "Enrolled Learners",
    "Enrollments",
    "Completed Courses",
    "Learning Hours",
)
LEARNING_PATH_ACTIVITY: tuple[str, ...] = (
    "Learning Path Name",
    "Learning Path ID",
    "Program Name",
    "Program Slug",
    "Enrolled Learners",
    "Enrollments",
    "Completed Courses",
    "Learning Hours",
)
ACTIVITY_BY_BUSINESS_UNIT: tuple[str, ...] = ("Business Unit", *AGGREGATE_MEASURES)
ACTIVITY_BY_COUNTRY: tuple[str, ...] = ("Location Country", *AGGREGATE_MEASURES)
ACTIVITY_BY_CITY: tuple[str, ...] = ("Location City", "Location Country", *AGGREGATE_MEASURES)

ORGANISATION = "HEC DLSEI"


def stamp_text(stamp: datetime) -> str:
    return stamp.strftime("%Y-%m-%d %H-%M-%S UTC")


def legacy_usage_name(stamp: datetime) -> str:
    return f"Usage Report {stamp_text(stamp)}.csv"


def legacy_membership_name(stamp: datetime) -> str:
    return f"Membership Report {stamp_text(stamp)}.csv"


def export_zip_name(stamp: datetime) -> str:
    return f"CourseraEnterpriseExport {stamp_text(stamp)}.zip"


def current_member_name(kind: str, stamp: datetime) -> str:
    """`kind` is CourseActivity, ProgramActivity, LearningPathActivity, ActivityByBusinessUnit, ..."""
    return f"{kind} {ORGANISATION} - CourseraEnterpriseExport {stamp_text(stamp)}.csv"


def registry_name(kind: str, extract_date: str) -> str:
    return f"hec_{kind}_{extract_date}.csv"
