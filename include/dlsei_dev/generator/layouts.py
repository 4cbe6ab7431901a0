"""The Coursera export layouts the sample writes (coursera-exports.md §1-§3) and their file names."""

from __future__ import annotations

from datetime import datetime

from dlsei.exports.layouts import (
    CURRENT_COURSE_ACTIVITY_35,
    CURRENT_PROGRAM_ACTIVITY_23,
    LEGACY_MEMBERSHIP_16,
    LEGACY_USAGE_28,
)

# The header layouts are the reader's own (dlsei.exports.layouts): one definition of what Coursera writes.
LEGACY_USAGE = LEGACY_USAGE_28
LEGACY_MEMBERSHIP = LEGACY_MEMBERSHIP_16
CURRENT_COURSE_ACTIVITY = CURRENT_COURSE_ACTIVITY_35
CURRENT_PROGRAM_ACTIVITY = CURRENT_PROGRAM_ACTIVITY_23

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
