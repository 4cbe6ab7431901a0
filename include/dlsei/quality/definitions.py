"""Every expectation of every suite, in one readable place: the source of the committed suite JSON.

`python -m dlsei.quality.maintain` writes great_expectations/ from this module, and a test fails when the committed
files and this module drift apart. At run time GX reads only the committed JSON. No GX import here: the DAG files
import this module through `dlsei.quality`.

Severity: a `critical` failure stops the input (the file is quarantined, the mart date is not published); a
`warning` is published and recorded. Critical covers what would make a published number or a load wrong: the
columns, the row count, the types, the keys, the value sets that decide how a row is counted, the timestamps that
decide activity windows, the hours that are summed. Warning covers fields that are kept but drive no measure, and
known Coursera oddities. great_expectations/README.md lists both per suite.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from dlsei.canonical import (
    CONTENT_TYPES,
    COURSE_ACTIVITY,
    COURSE_ACTIVITY_COLUMNS,
    DOMAINS,
    GENDERS,
    MEMBER_STATES,
    MEMBERSHIP,
    MEMBERSHIP_COLUMNS,
    PERSON_STATUSES,
    REGIONS,
    REGISTRY_FILES,
    ROLES,
    SECTORS,
)
from dlsei.exports.dtypes import DTYPES
from dlsei.quality.derived import (
    ACTIVE_30D_PLUS_DORMANT_PLUS_NEVER_STARTED,
    ALLOCATED_MINUS_SEATS_HELD,
    DERIVABLE_CELLS,
    INVITED_PLUS_JOINED,
    OVERLAPS_OTHER_COHORT,
)
from dlsei.quality.disclosure import BREAKDOWNS, COUNTS, NATIONAL
from dlsei.warehouse.schema import MEASURES, mart_quota_utilisation

CRITICAL: Final = "critical"
WARNING: Final = "warning"

SUITES: Final[dict[str, str]] = {
    COURSE_ACTIVITY: "coursera_course_activity",
    MEMBERSHIP: "coursera_membership",
    "registry:universities": "hec_universities",
    "registry:people": "hec_people",
    "registry:seat_allocations": "hec_seat_allocations",
    "registry:programmes": "hec_programmes",
    "registry:course_catalogue": "hec_course_catalogue",
    "mart:quota_utilisation": "mart_quota_utilisation",
    "mart:public_rollup": "mart_public_rollup",
}

# A loose shape: enough to catch a shifted column or a name in the e-mail column, not an RFC 5322 parser.
EMAIL_PATTERN: Final = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
CNIC_PATTERN: Final = r"^\d{5}-\d{7}-\d$"
NON_NEGATIVE_INTEGER_PATTERN: Final = r"^\d+$"
NON_NEGATIVE_DECIMAL_PATTERN: Final = r"^\d+(\.\d+)?$"
ISO_DATE_FORMAT: Final = "%Y-%m-%d"

# Canonical logical type -> pandas dtype name the parsers produce (taken from the parsers' own table, so the check
# follows them). Strings are not type-checked: any value is a string, and the shape checks below say more.
_DTYPES: Final = {kind: str(DTYPES[kind]) for kind in ("ts", "float", "int", "bool")}


@dataclass(frozen=True)
class Check:
    """One expectation: a GX Core expectation class, its arguments, its severity and why it is there."""

    expectation: str
    kwargs: Mapping[str, object]
    severity: str
    notes: str | None = None

    @property
    def type(self) -> str:
        """The expectation's type as GX writes it in suite JSON and results (snake case)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.expectation).lower()

    @property
    def column(self) -> str | None:
        return column_label(self.kwargs)

    @property
    def parameters(self) -> tuple[str, ...]:
        """The run-time suite parameters ({"$PARAMETER": name}) this check reads."""
        return tuple(
            value["$PARAMETER"]
            for value in self.kwargs.values()
            if isinstance(value, Mapping) and "$PARAMETER" in value
        )


def column_label(kwargs: Mapping[str, object]) -> str | None:
    """The column (or columns, comma-separated) an expectation is about; None for a table-level one."""
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(str(c) for c in kwargs["column_list"])  # type: ignore[attr-defined]
    return None


def parameter(name: str) -> dict[str, str]:
    return {"$PARAMETER": name}


# --- building blocks ------------------------------------------------------------------------------------------
def columns_present(columns: Iterable[str]) -> Check:
    return Check(
        "ExpectTableColumnsToMatchSet",
        {"column_set": sorted(columns), "exact_match": False},
        CRITICAL,
        "Every canonical column is present; extra columns are allowed.",
    )


def has_rows(severity: str = CRITICAL, notes: str | None = None) -> Check:
    return Check(
        "ExpectTableRowCountToBeBetween",
        {"min_value": 1},
        severity,
        notes or "A header-only file passes every column check: only a row count catches it.",
    )


def not_null(column: str, severity: str = CRITICAL, notes: str | None = None) -> Check:
    return Check("ExpectColumnValuesToNotBeNull", {"column": column}, severity, notes)


def unique(column: str, severity: str = CRITICAL, notes: str | None = None) -> Check:
    return Check("ExpectColumnValuesToBeUnique", {"column": column}, severity, notes)


def unique_together(*columns: str, notes: str | None = None) -> Check:
    return Check("ExpectCompoundColumnsToBeUnique", {"column_list": list(columns)}, CRITICAL, notes)


def in_set(
    column: str, values: Iterable[object] | dict[str, str], severity: str = CRITICAL, notes: str | None = None
) -> Check:
    value_set = values if isinstance(values, dict) else list(values)
    return Check("ExpectColumnValuesToBeInSet", {"column": column, "value_set": value_set}, severity, notes)


def matches(column: str, pattern: str, severity: str = CRITICAL, notes: str | None = None) -> Check:
    return Check("ExpectColumnValuesToMatchRegex", {"column": column, "regex": pattern}, severity, notes)


def iso_date(column: str) -> Check:
    return Check(
        "ExpectColumnValuesToMatchStrftimeFormat",
        {"column": column, "strftime_format": ISO_DATE_FORMAT},
        CRITICAL,
        "An ISO date (YYYY-MM-DD) that exists in the calendar: the loader parses it.",
    )


def between(
    column: str,
    min_value: object = None,
    max_value: object = None,
    severity: str = CRITICAL,
    notes: str | None = None,
) -> Check:
    kwargs: dict[str, object] = {"column": column}
    if min_value is not None:
        kwargs["min_value"] = min_value
    if max_value is not None:
        kwargs["max_value"] = max_value
    return Check("ExpectColumnValuesToBeBetween", kwargs, severity, notes)


def dtype(column: str, logical_type: str) -> Check:
    return Check(
        "ExpectColumnTypeToBe",
        {"column": column, "type_": _DTYPES[logical_type]},
        CRITICAL,
        "The parser's dtype: one value it could not type (a '10%' among numbers) leaves the whole column text.",
    )


def not_before(later: str, earlier: str, severity: str, notes: str | None = None) -> Check:
    """later >= earlier wherever both are known."""
    return Check(
        "ExpectColumnPairValuesAToBeGreaterThanB",
        {"column_A": later, "column_B": earlier, "or_equal": True, "ignore_row_if": "either_value_is_missing"},
        severity,
        notes,
    )


def equal(column: str, derived: str, notes: str) -> Check:
    return Check(
        "ExpectColumnPairValuesToBeEqual",
        {"column_A": column, "column_B": derived},
        CRITICAL,
        notes,
    )


def sums_to(column: str, snapshot_total: str, notes: str) -> Check:
    """The column's total equals a run-time parameter: a total counted straight from the snapshots."""
    total = parameter(snapshot_total)
    return Check(
        "ExpectColumnSumToBeBetween", {"column": column, "min_value": total, "max_value": total}, CRITICAL, notes
    )


def typed_columns(columns: Mapping[str, str]) -> tuple[Check, ...]:
    return tuple(dtype(column, kind) for column, kind in columns.items() if kind in _DTYPES)


# --- the suites -----------------------------------------------------------------------------------------------
_NOT_AFTER_EXPORT = (
    "Activity after the export's own timestamp means the timestamps were misread (time zone, day/month order); "
    "the activity windows would be wrong. export_ts is a run-time parameter (default: the time of validation)."
)
_EMAIL = "The learner key: a shifted column or a name here would silently mint new learners."
_KNOWN_UNIVERSITY = "In the universities extract (run-time parameter university_ids, read from the warehouse)."

COURSE_ACTIVITY_CHECKS: Final = (
    columns_present(COURSE_ACTIVITY_COLUMNS),
    has_rows(),
    *typed_columns(COURSE_ACTIVITY_COLUMNS),
    not_null("email"),
    not_null("program_slug"),
    not_null("course_id"),
    unique_together(
        "email",
        "program_slug",
        "course_id",
        notes="One enrolment per learner x programme x course, after the loader folds repeated rows.",
    ),
    matches("email", EMAIL_PATTERN, notes=_EMAIL),
    between("last_activity_at", max_value=parameter("export_ts"), notes=_NOT_AFTER_EXPORT),
    between(
        "learning_hours",
        min_value=0,
        notes="Hours are summed into the mart's learning_hours: a negative value would lower the total.",
    ),
    between(
        "overall_progress",
        0,
        100,
        WARNING,
        "Coursera reports 0-100 with two decimals; progress drives no measure.",
    ),
    between("course_grade", 0, 100, WARNING, "Kept for reporting; drives no measure."),
    not_before(
        "last_activity_at",
        "enrollment_time",
        WARNING,
        "Coursera shows activity before enrolment for some re-enrolled learners; recorded, not fatal.",
    ),
)

MEMBERSHIP_CHECKS: Final = (
    columns_present(MEMBERSHIP_COLUMNS),
    has_rows(),
    *typed_columns(MEMBERSHIP_COLUMNS),
    not_null("email"),
    not_null("program_slug"),
    unique_together("email", "program_slug", notes="One seat per learner x programme."),
    matches("email", EMAIL_PATTERN, notes=_EMAIL),
    not_null("member_state", notes="A seat without a state cannot be counted as invited or joined."),
    in_set("member_state", MEMBER_STATES),
    between("last_activity_at", max_value=parameter("export_ts"), notes=_NOT_AFTER_EXPORT),
    between(
        "learning_hours",
        min_value=0,
        notes="Hours are summed into the mart's learning_hours: a negative value would lower the total.",
    ),
    between("enrolled_courses", min_value=0, severity=WARNING),
    between("completed_courses", min_value=0, severity=WARNING),
    not_before(
        "join_date",
        "invitation_date",
        WARNING,
        "Seen when a learner is re-invited after joining; the seat is still counted by its state.",
    ),
)

UNIVERSITIES_CHECKS: Final = (
    columns_present(REGISTRY_FILES["universities"]),
    has_rows(),
    not_null("university_id"),
    unique("university_id"),
    not_null("university_name"),
    not_null("region"),
    in_set("region", REGIONS),
    not_null("sector"),
    in_set("sector", SECTORS),
    matches(
        "coordinator_email",
        EMAIL_PATTERN,
        WARNING,
        "A staff contact for alerts: a bad one loses a university's alerts, not its numbers.",
    ),
)

PEOPLE_CHECKS: Final = (
    columns_present(REGISTRY_FILES["people"]),
    has_rows(),
    not_null("roll_number"),
    unique("roll_number", notes="The person key."),
    not_null("cnic"),
    matches("cnic", CNIC_PATTERN, notes="13 digits as #####-#######-#."),
    not_null("email"),
    matches("email", EMAIL_PATTERN),
    unique(
        "email",
        WARNING,
        "Learners are matched to people by e-mail when External Id is blank: a shared e-mail is ambiguous.",
    ),
    not_null("university_id"),
    in_set(
        "university_id",
        parameter("university_ids"),
        WARNING,
        "A person at a university the registry does not list is still matched to learners; recorded.",
    ),
    not_null("role"),
    in_set("role", ROLES),
    not_null("status"),
    in_set("status", PERSON_STATUSES),
    iso_date("status_date"),
    in_set(
        "gender",
        GENDERS,
        notes="Optional (blank or an absent column: not recorded); any other value would make a group of its own "
        "in v_equity.",
    ),
)

SEAT_ALLOCATIONS_CHECKS: Final = (
    columns_present(REGISTRY_FILES["seat_allocations"]),
    has_rows(),
    not_null("university_id"),
    not_null("cohort_id"),
    unique_together("university_id", "cohort_id", notes="One allocation per university x cohort."),
    in_set("university_id", parameter("university_ids"), notes=_KNOWN_UNIVERSITY),
    not_null("cohort_start"),
    iso_date("cohort_start"),
    not_null("cohort_end"),
    iso_date("cohort_end"),
    not_before(
        "cohort_end",
        "cohort_start",
        CRITICAL,
        "ISO dates compare correctly as text; an inverted window would hide the cohort from every as-of date.",
    ),
    not_null("seats"),
    matches(
        "seats",
        NON_NEGATIVE_INTEGER_PATTERN,
        notes="A whole number of seats, no sign, no decimals, no '%'.",
    ),
    matches(
        "seat_price",
        NON_NEGATIVE_DECIMAL_PATTERN,
        notes="Optional (blank: no price): a plain non-negative amount, no currency sign or thousands separator.",
    ),
    in_set(
        OVERLAPS_OTHER_COHORT,
        [False],
        notes="Cohorts of one university do not share a day (a column derived before validation: derived.py).",
    ),
)

PROGRAMMES_CHECKS: Final = (
    columns_present(REGISTRY_FILES["programmes"]),
    has_rows(),
    not_null("program_slug"),
    unique("program_slug", notes="A programme belongs to one university x cohort."),
    not_null("university_id"),
    in_set("university_id", parameter("university_ids"), notes=_KNOWN_UNIVERSITY),
    not_null("cohort_id"),
)

COURSE_CATALOGUE_CHECKS: Final = (
    columns_present(REGISTRY_FILES["course_catalogue"]),
    has_rows(),
    not_null("course_id"),
    unique("course_id"),
    not_null("domain"),
    in_set("domain", DOMAINS),
    not_null("content_type"),
    in_set("content_type", CONTENT_TYPES),
)

_COUNTS: Final = tuple(m for m in MEASURES if m != "free_seats")  # free seats go negative by definition
_PERCENT_OVER_100 = "Above 100 when more seats are held than allocated: reported, published."

# The mart's totals against the snapshots they were counted from (marts.snapshot_totals, run-time parameters): a
# join that drops or repeats a programme's rows breaks no per-row rule, only these.
RECONCILED: Final = {
    "enrolments": "Total enrolments = the day's course-activity snapshot rows of the running cohorts' programmes.",
    "joined": "Total joined = the day's membership snapshot rows in state MEMBER of the running cohorts' programmes.",
    "seats_held": "Total seats held = the day's membership snapshot rows of the running cohorts' programmes.",
}

QUOTA_UTILISATION_CHECKS: Final = (
    columns_present(c.name for c in mart_quota_utilisation.columns if c.name != "load_id"),
    has_rows(
        WARNING,
        "No allocation's cohort window contains the as-of date: an empty day is possible, but worth a look.",
    ),
    not_null("university_id"),
    not_null("cohort_id"),
    unique_together("university_id", "cohort_id", notes="One row per university x cohort per as-of date."),
    *(between(count, min_value=0) for count in _COUNTS),
    between("learning_hours", min_value=0),
    between("utilisation_pct", 0, 100, WARNING, _PERCENT_OVER_100),
    between("join_rate_pct", 0, 100, WARNING, _PERCENT_OVER_100),
    equal("joined", ACTIVE_30D_PLUS_DORMANT_PLUS_NEVER_STARTED, "joined = active_30d + dormant + never_started"),
    equal("seats_held", INVITED_PLUS_JOINED, "seats_held = invited + joined"),
    equal("free_seats", ALLOCATED_MINUS_SEATS_HELD, "free_seats = allocated - seats_held"),
    not_before("active_30d", "active_7d", CRITICAL, "active_7d <= active_30d"),
    not_before("enrolments", "completions", CRITICAL, "completions <= enrolments"),
    *(sums_to(column, f"snapshot_{column}", notes) for column, notes in RECONCILED.items()),
)

# The publication-safe roll-up (publish/public.py): k is the run-time parameter min_cell (the setting).
PUBLIC_ROLLUP_CHECKS: Final = (
    columns_present(("breakdown", "category", *COUNTS, "learning_hours", "utilisation_pct", "join_rate_pct")),
    not_null("breakdown"),
    in_set("breakdown", (*BREAKDOWNS, NATIONAL)),
    not_null("category"),
    unique_together("breakdown", "category", notes="One row per region, sector and the nation."),
    *(
        between(count, min_value=parameter("min_cell"), notes="No published count below k: it is withheld (NULL).")
        for count in COUNTS
    ),
    in_set(
        DERIVABLE_CELLS,
        [0],
        notes="No withheld figure follows from the published ones: not from a total, a difference, any combination "
        "of the table's sums, or a published percentage (a column derived before validation: disclosure.py).",
    ),
)

CHECKS: Final[dict[str, tuple[Check, ...]]] = {
    "coursera_course_activity": COURSE_ACTIVITY_CHECKS,
    "coursera_membership": MEMBERSHIP_CHECKS,
    "hec_universities": UNIVERSITIES_CHECKS,
    "hec_people": PEOPLE_CHECKS,
    "hec_seat_allocations": SEAT_ALLOCATIONS_CHECKS,
    "hec_programmes": PROGRAMMES_CHECKS,
    "hec_course_catalogue": COURSE_CATALOGUE_CHECKS,
    "mart_quota_utilisation": QUOTA_UTILISATION_CHECKS,
    "mart_public_rollup": PUBLIC_ROLLUP_CHECKS,
}


def suite_for(kind: str) -> str:
    try:
        return SUITES[kind]
    except KeyError:
        raise ValueError(f"no quality suite for input kind {kind!r}; known kinds: {', '.join(SUITES)}") from None


def suite_parameters(suite: str) -> frozenset[str]:
    return frozenset(name for check in CHECKS[suite] for name in check.parameters)
