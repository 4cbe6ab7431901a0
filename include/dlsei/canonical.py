"""The canonical shape of every input kind, shared by the parsers, the quality suites and the loaders.

Every Coursera layout (legacy Usage/Membership reports, current CourseActivity/ProgramActivity files) is mapped
onto one of the two Coursera schemas below; every HEC registry extract has one fixed schema. Raw identifiers
(name, e-mail, external id, roll number, CNIC) exist only in these frames: the loaders pseudonymise them before
anything reaches the warehouse.
"""

from __future__ import annotations

from typing import Final

COURSE_ACTIVITY: Final = "course_activity"
MEMBERSHIP: Final = "membership"
COURSERA_KINDS: Final = (COURSE_ACTIVITY, MEMBERSHIP)

# Column -> logical type. "ts" is a tz-aware UTC pandas timestamp, "str" a pandas string (missing = <NA>),
# "float" a float64 (NaN when missing), "int" a nullable Int64, "bool" a nullable boolean parsed from Yes/No.
COURSE_ACTIVITY_COLUMNS: Final[dict[str, str]] = {
    "name": "str",
    "email": "str",
    "external_id": "str",
    "course_name": "str",
    "course_id": "str",
    "course_slug": "str",
    "university_name": "str",
    "enrollment_time": "ts",
    "class_start_time": "ts",
    "class_end_time": "ts",
    "last_activity_at": "ts",
    "overall_progress": "float",
    "learning_hours": "float",
    "completed": "bool",
    "removed_from_program": "bool",
    "program_slug": "str",
    "program_name": "str",
    "completion_time": "ts",
    "course_grade": "float",
    "certificate_url": "str",
    "course_type": "str",
    "for_credit": "bool",
    "extras": "str",
}

MEMBERSHIP_COLUMNS: Final[dict[str, str]] = {
    "name": "str",
    "email": "str",
    "external_id": "str",
    "program_name": "str",
    "program_slug": "str",
    "enrolled_courses": "int",
    "completed_courses": "int",
    "member_state": "str",
    "join_date": "ts",
    "invitation_date": "ts",
    "last_activity_at": "ts",
    "learning_hours": "float",
    "extras": "str",
}

# Coursera's real value set is not public. A learner still listed after a removal carries a removal-like state:
# the seat lifecycle counts these as removed. Any other state rejects its row (the data team is told its name).
REMOVAL_STATES: Final = ("REMOVED", "DELETED", "DEACTIVATED", "REVOKED", "UNENROLLED", "LEFT")
MEMBER_STATES: Final = ("INVITED", "MEMBER", *REMOVAL_STATES)
# The columns that identify a person: a rejected row's value is never kept from one of them.
IDENTIFIER_COLUMNS: Final = frozenset({"name", "email", "external_id"})

COURSERA_COLUMNS: Final[dict[str, dict[str, str]]] = {
    COURSE_ACTIVITY: COURSE_ACTIVITY_COLUMNS,
    MEMBERSHIP: MEMBERSHIP_COLUMNS,
}

# Every HEC registry extract's name starts with this (hec_<extract>_<YYYY-MM-DD>.csv); a Coursera export's never does.
REGISTRY_PREFIX: Final = "hec_"


def is_registry_file(name: str) -> bool:
    return name.startswith(REGISTRY_PREFIX)


# HEC registry extracts: file name prefix -> columns (all read as strings, typed by the registry loader).
REGISTRY_FILES: Final[dict[str, tuple[str, ...]]] = {
    "universities": ("university_id", "university_name", "region", "sector", "city", "coordinator_email"),
    "people": (
        "roll_number",
        "cnic",
        "full_name",
        "email",
        "university_id",
        "role",
        "status",
        "status_date",
        "gender",
    ),
    "seat_allocations": ("university_id", "cohort_id", "cohort_start", "cohort_end", "seats", "seat_price"),
    "programmes": ("program_slug", "program_name", "university_id", "cohort_id"),
    "course_catalogue": ("course_id", "course_slug", "course_name", "domain", "content_type"),
}

# Columns an extract may leave out: read as blank (not recorded) when absent.
OPTIONAL_REGISTRY_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "people": ("gender",),
    "seat_allocations": ("seat_price",),
}
GENDERS: Final = ("female", "male", "other")

REGIONS: Final = (
    "Islamabad Capital Territory",
    "Punjab",
    "Sindh",
    "Khyber Pakhtunkhwa",
    "Balochistan",
    "Azad Jammu & Kashmir",
    "Gilgit-Baltistan",
)
SECTORS: Final = ("public", "private")
ROLES: Final = ("student", "faculty")
PERSON_STATUSES: Final = ("enrolled", "graduated", "left")
CONTENT_TYPES: Final = ("course", "guided_project")
DOMAINS: Final = (
    "Arts and Humanities",
    "Business",
    "Computer Science",
    "Data Science",
    "Information Technology",
    "Health",
    "Math and Logic",
    "Personal Development",
    "Physical Science and Engineering",
    "Social Sciences",
    "Language Learning",
)
