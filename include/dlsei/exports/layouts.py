"""The Coursera export layouts seen in the wild, and how a header is matched to one of them.

A file is recognised by its header, never by its name: names are free text an admin can change. Each layout lists
its columns as seen, the ones mapped onto canonical columns, and a required core: the columns the warehouse cannot
do without. Any other column (organisation attributes such as `Business Unit`, `Job Title`, or a column Coursera
adds tomorrow) is kept in `extras`. Headers are compared normalised (see headers.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.exports.headers import clean_header, normalise_header
from dlsei.exports.rejections import InvalidContent


@dataclass(frozen=True)
class Layout:
    name: str
    kind: str
    columns: tuple[str, ...]  # the layout's headers as seen, in file order
    mapping: Mapping[str, str]  # normalised header -> canonical column
    required: tuple[str, ...]  # headers as seen

    @property
    def normalised_columns(self) -> frozenset[str]:
        return frozenset(normalise_header(column) for column in self.columns)

    @property
    def normalised_required(self) -> frozenset[str]:
        return frozenset(normalise_header(column) for column in self.required)


@dataclass(frozen=True)
class HeaderMap:
    """Where each canonical column sits in one concrete file, and which columns go to `extras`."""

    canonical: Mapping[str, int]  # canonical column -> position
    headers: Mapping[str, str]  # canonical column -> the header as written, for messages
    extras: tuple[tuple[int, str], ...]  # (position, header as written)


_COURSE_MAPPING = {
    "Name": "name",
    "Email": "email",
    "External Id": "external_id",
    "Course": "course_name",
    "Course ID": "course_id",
    "Course Slug": "course_slug",
    "University": "university_name",
    "Enrollment Time": "enrollment_time",
    "Class Start Time": "class_start_time",
    "Class End Time": "class_end_time",
    "Last Course Activity Time": "last_activity_at",
    "Overall Progress": "overall_progress",
    "Completed": "completed",
    "Removed From Program": "removed_from_program",
    "Program Slug": "program_slug",
    "Program Name": "program_name",
    "Completion Time": "completion_time",
    "Course Grade": "course_grade",
    "Course Certificate URL": "certificate_url",
    "Course Type": "course_type",
    "For Credit": "for_credit",
}
_COURSE_REQUIRED = (
    "Email",
    "External Id",
    "Course ID",
    "Course Slug",
    "Enrollment Time",
    "Last Course Activity Time",
    "Overall Progress",
    "Completed",
    "Removed From Program",
    "Program Slug",
    "Completion Time",
    "Course Grade",
)
_MEMBERSHIP_MAPPING = {
    "Name": "name",
    "Email": "email",
    "External Id": "external_id",
    "Program Name": "program_name",
    "Program Slug": "program_slug",
    "# Enrolled Courses": "enrolled_courses",
    "# Completed Courses": "completed_courses",
    "Member State": "member_state",
    "Join Date": "join_date",
    "Invitation Date": "invitation_date",
}
_MEMBERSHIP_REQUIRED = (
    "Email",
    "External Id",
    "Program Slug",
    "# Enrolled Courses",
    "# Completed Courses",
    "Member State",
    "Join Date",
    "Invitation Date",
)

# Legacy files count the hours a learner spent as `Estimated Learning Hours`; current ones as `Learning Hours`,
# beside a `Total Estimated Learning Hours (since enrolled)` that is kept raw in extras.
_LEGACY_COURSE = {**_COURSE_MAPPING, "Estimated Learning Hours": "learning_hours"}
_CURRENT_COURSE = {**_COURSE_MAPPING, "Learning Hours": "learning_hours"}
_LEGACY_MEMBERSHIP = {**_MEMBERSHIP_MAPPING, "Latest Program Activity Date": "last_activity_at"}
_CURRENT_MEMBERSHIP = {
    **_MEMBERSHIP_MAPPING,
    "Last Program Activity Date": "last_activity_at",
    "Learning Hours": "learning_hours",
}
_STARRED_MEMBERSHIP = {**{k: v for k, v in _CURRENT_MEMBERSHIP.items() if k != "Name"}, "Full Name": "name"}

LEGACY_USAGE_28 = (
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
# The older file: no Class End Time, nothing after Course Grade.
LEGACY_USAGE_19 = tuple(
    column for column in LEGACY_USAGE_28[: LEGACY_USAGE_28.index("Course Grade") + 1] if column != "Class End Time"
)
# No For Credit / Location Region / Location Country, but the organisation's own Business Unit columns.
LEGACY_USAGE_27 = (
    *(c for c in LEGACY_USAGE_28[: LEGACY_USAGE_28.index("Job Type") + 1] if c != "For Credit"),
    "Business Unit",
    "Business Unit 2",
    "Location City",
)
CURRENT_COURSE_ACTIVITY_35 = (
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
LEGACY_MEMBERSHIP_16 = (
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
# The column order of the current programme file is not documented; matching is by name, so it does not matter.
CURRENT_PROGRAM_ACTIVITY_23 = (
    "Name",
    "Email",
    "External ID",
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
    "Job Title",
    "Job Type",
    "Manager Name",
    "Manager Email",
    "Business Unit",
    "Business Unit 2",
    "Location City",
    "Location Region",
    "Location Country",
)
# Only the two starred columns of this user export are known for sure, so only they are required; whatever
# membership columns it also carries are mapped by name and the other canonical columns stay empty (the quality
# suite then decides whether such a file can be published).
USER_EXPORT_STARRED = ("Full Name*", "Email*")


def _layout(
    name: str, kind: str, columns: Sequence[str], mapping: Mapping[str, str], required: Sequence[str]
) -> Layout:
    normalised = {normalise_header(header): column for header, column in mapping.items()}
    return Layout(name, kind, tuple(columns), normalised, tuple(required))


LAYOUTS: tuple[Layout, ...] = (
    _layout(
        "legacy_usage_28",
        COURSE_ACTIVITY,
        LEGACY_USAGE_28,
        _LEGACY_COURSE,
        (*_COURSE_REQUIRED, "Estimated Learning Hours"),
    ),
    _layout(
        "legacy_usage_27",
        COURSE_ACTIVITY,
        LEGACY_USAGE_27,
        _LEGACY_COURSE,
        (*_COURSE_REQUIRED, "Estimated Learning Hours"),
    ),
    _layout(
        "legacy_usage_19",
        COURSE_ACTIVITY,
        LEGACY_USAGE_19,
        _LEGACY_COURSE,
        (*_COURSE_REQUIRED, "Estimated Learning Hours"),
    ),
    _layout(
        "current_course_activity_35",
        COURSE_ACTIVITY,
        CURRENT_COURSE_ACTIVITY_35,
        _CURRENT_COURSE,
        (*_COURSE_REQUIRED, "Learning Hours"),
    ),
    _layout(
        "legacy_membership_16",
        MEMBERSHIP,
        LEGACY_MEMBERSHIP_16,
        _LEGACY_MEMBERSHIP,
        (*_MEMBERSHIP_REQUIRED, "Latest Program Activity Date"),
    ),
    _layout(
        "current_program_activity_23",
        MEMBERSHIP,
        CURRENT_PROGRAM_ACTIVITY_23,
        _CURRENT_MEMBERSHIP,
        (*_MEMBERSHIP_REQUIRED, "Last Program Activity Date"),
    ),
    _layout("user_export_starred", MEMBERSHIP, USER_EXPORT_STARRED, _STARRED_MEMBERSHIP, USER_EXPORT_STARRED),
)


def detect_layout(header: list[str]) -> Layout:
    """The layout whose columns differ least from the header (as sets, so reordering and organisation-specific
    columns weigh the same for every layout), among those whose required core the header mostly carries.

    Raises InvalidContent with rule `unknown_layout`, `duplicate_column` or `missing_column`.
    """
    seen: set[str] = set()
    for cell in header:
        name = normalise_header(cell)
        if name and name in seen:
            raise InvalidContent("duplicate_column", f"the header repeats the column '{clean_header(cell)}'")
        seen.add(name)

    candidates = [layout for layout in LAYOUTS if 2 * len(layout.normalised_required & seen) > len(layout.required)]
    if not candidates:
        raise InvalidContent("unknown_layout", "the header matches no known Coursera usage or membership export")
    layout = min(candidates, key=lambda candidate: len(seen.symmetric_difference(candidate.normalised_columns)))
    missing = [clean_header(column) for column in layout.required if normalise_header(column) not in seen]
    if missing:
        listed = ", ".join(f"'{column}'" for column in missing)
        raise InvalidContent("missing_column", f"the {layout.name} layout needs the column(s) {listed}")
    return layout


def map_header(layout: Layout, header: list[str]) -> HeaderMap:
    canonical: dict[str, int] = {}
    headers: dict[str, str] = {}
    extras: list[tuple[int, str]] = []
    for position, cell in enumerate(header):
        column = layout.mapping.get(normalise_header(cell))
        if column is None:
            extras.append((position, clean_header(cell) or f"column {position + 1}"))
        else:
            canonical[column] = position
            headers[column] = clean_header(cell)
    return HeaderMap(canonical, headers, tuple(extras))
