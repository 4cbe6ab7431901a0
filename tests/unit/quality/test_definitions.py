"""The committed GX suites on crafted frames: each good frame meets every expectation, and for each expectation
one crafted input fails it alone. Runs against a copy of the committed great_expectations/ project, so the
validation results and Data Docs the tests write can be scanned for personal data."""

from __future__ import annotations

import filecmp
import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from quality_frames import EXPORT_TS, course_activity, membership, strings
from sqlalchemy import select

from dlsei.canonical import REGISTRY_FILES
from dlsei.quality import SUITES, QualityReport, build_data_docs, store_results, validate
from dlsei.quality.context import ROOT_ENV, gx_root
from dlsei.quality.definitions import CHECKS, CRITICAL, RECONCILED, WARNING
from dlsei.quality.derived import DERIVABLE_CELLS
from dlsei.quality.disclosure import COUNTS as DISCLOSURE_COUNTS
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade
from dlsei.warehouse.schema import dq_result, mart_quota_utilisation

COMMITTED = gx_root()
UNIVERSITY_IDS = ["NUST", "PU"]


@pytest.fixture(scope="module", autouse=True)
def gx_project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A copy of the committed project: results and Data Docs land in its uncommitted/, not the repository's."""
    root = tmp_path_factory.mktemp("gx") / "great_expectations"
    shutil.copytree(COMMITTED, root, ignore=shutil.ignore_patterns("uncommitted"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ROOT_ENV, str(root))
        yield root


# --- good frames (the two exports' are in quality_frames.py) ----------------------------------------------------------
def _registry(extract: str, **columns: tuple[object, ...]) -> pd.DataFrame:
    frame = pd.DataFrame({name: strings(*values) for name, values in columns.items()})
    assert tuple(frame) == REGISTRY_FILES[extract]
    return frame


def universities() -> pd.DataFrame:
    return _registry(
        "universities",
        university_id=("PU", "NUST"),
        university_name=("University of the Punjab", "National University of Sciences and Technology"),
        region=("Punjab", "Islamabad Capital Territory"),
        sector=("public", "public"),
        city=("Lahore", None),
        coordinator_email=("coordinator@pu.edu.pk", "dlsei@nust.edu.pk"),
    )


def people() -> pd.DataFrame:
    return _registry(
        "people",
        roll_number=("PU-2023-0001", "NUST-2023-0042", "PU-2019-7781"),
        cnic=("35202-1234567-2", "61101-7654321-3", "35201-1111111-1"),
        full_name=("Ayesha Siddiqui", "Bilal Ahmed", "Tariq Mahmood"),
        email=("ayesha.siddiqui@pu.edu.pk", "bilal.ahmed@nust.edu.pk", "tariq.mahmood@pu.edu.pk"),
        university_id=("PU", "NUST", "PU"),
        role=("student", "student", "faculty"),
        status=("enrolled", "graduated", "enrolled"),
        status_date=("2023-01-15", None, "2019-09-01"),
        gender=("female", "male", None),
    )


def seat_allocations() -> pd.DataFrame:
    return _registry(
        "seat_allocations",
        university_id=("PU", "PU", "NUST"),
        cohort_id=("C1", "C2", "C1"),
        cohort_start=("2023-01-01", "2023-08-01", "2023-01-01"),
        cohort_end=("2023-07-31", "2024-01-31", "2023-07-31"),
        seats=("1200", "800", "0"),
        seat_price=("24.50", None, "21"),
    )


def programmes() -> pd.DataFrame:
    return _registry(
        "programmes",
        program_slug=("pu-cohort-1-ab12c", "pu-cohort-2-cd34e", "nust-cohort-1-xy9z8"),
        program_name=("PU Cohort 1", None, "NUST Cohort 1"),
        university_id=("PU", "PU", "NUST"),
        cohort_id=("C1", "C2", "C1"),
    )


def course_catalogue() -> pd.DataFrame:
    return _registry(
        "course_catalogue",
        course_id=("W_mOXCrdEeeNPQ68_4aPpA", "Gtv4Xb1-EeS-ViIACwYKVQ"),
        course_slug=("python", None),
        course_name=("Python for Everybody", "Machine Learning"),
        domain=("Computer Science", "Data Science"),
        content_type=("course", "guided_project"),
    )


_MART_BASE = {
    "allocated": 100,
    "invited": 10,
    "active_7d": 20,
    "active_30d": 40,
    "dormant": 15,
    "never_started": 5,
    "removed": 2,
    "enrolments": 120,
    "completions": 30,
    "certificates": 25,
    "learning_hours": 250.5,
}


def mart(**first_row: float) -> pd.DataFrame:
    """Two mart rows built as publish/marts.py builds them; `first_row` overrides a measure of the first row, and the
    measures derived from it follow unless they are overridden too."""
    rows = []
    for university_id, changes in (("PU", first_row), ("NUST", {})):
        row: dict[str, object] = {**_MART_BASE, **changes}
        row.setdefault("joined", row["active_30d"] + row["dormant"] + row["never_started"])
        row.setdefault("seats_held", row["invited"] + row["joined"])
        row.setdefault("free_seats", row["allocated"] - row["seats_held"])
        for pct, part in (("utilisation_pct", "active_30d"), ("join_rate_pct", "joined")):
            row.setdefault(pct, round(100 * row[part] / row["allocated"], 2) if row["allocated"] > 0 else None)
        rows.append(
            {
                "as_of_date": date(2024, 3, 4),
                "university_id": university_id,
                "cohort_id": "C1",
                **row,
                "data_complete_through": date(2024, 3, 4),
            }
        )
    frame = pd.DataFrame(rows)
    assert set(frame) == {c.name for c in mart_quota_utilisation.columns} - {"load_id"}
    return frame


def public_rollup() -> pd.DataFrame:
    """The nation, two regions and two sectors, every count at least k = 5: nothing withheld."""
    rows = []
    for breakdown, category, share in (
        ("national", "national", 2),
        ("region", "Punjab", 1),
        ("region", "Sindh", 1),
        ("sector", "public", 1),
        ("sector", "private", 1),
    ):
        row = {name: share * value for name, value in _MART_BASE.items()}
        row["joined"] = row["active_30d"] + row["dormant"] + row["never_started"]
        row["seats_held"] = row["invited"] + row["joined"]
        row["free_seats"] = row["allocated"] - row["seats_held"]
        row["removed"] = share * 5
        row["utilisation_pct"] = round(100 * row["active_30d"] / row["allocated"], 2)
        row["join_rate_pct"] = round(100 * row["joined"] / row["allocated"], 2)
        rows.append({"breakdown": breakdown, "category": category, **row})
    return pd.DataFrame(rows)


GOOD: dict[str, Callable[[], pd.DataFrame]] = {
    "course_activity": course_activity,
    "membership": membership,
    "registry:universities": universities,
    "registry:people": people,
    "registry:seat_allocations": seat_allocations,
    "registry:programmes": programmes,
    "registry:course_catalogue": course_catalogue,
    "mart:quota_utilisation": mart,
    "mart:public_rollup": public_rollup,
}
PARAMETERS: dict[str, dict[str, object]] = {
    "course_activity": {"export_ts": EXPORT_TS},
    "membership": {"export_ts": EXPORT_TS},
    **{kind: {"university_ids": UNIVERSITY_IDS} for kind in GOOD if kind.startswith("registry:")},
    # The snapshots the good mart was counted from hold exactly its totals.
    "mart:quota_utilisation": {f"snapshot_{column}": int(mart()[column].sum()) for column in RECONCILED},
    "mart:public_rollup": {"min_cell": 5},
}


def run_suite(kind: str, frame: pd.DataFrame) -> QualityReport:
    return validate(kind, frame, source="crafted.csv", parameters=PARAMETERS.get(kind))


# --- crafted failures -------------------------------------------------------------------------------------------
Mutation = Callable[[pd.DataFrame], pd.DataFrame]


def set_cell(column: str, value: object, row: int = 0) -> Mutation:
    def mutate(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[row, column] = value
        return frame

    return mutate


def drop(column: str) -> Mutation:
    return lambda frame: frame.drop(columns=[column])


def retype(column: str, dtype: str) -> Mutation:
    return lambda frame: frame.astype({column: dtype})


def karachi_time(column: str) -> Mutation:
    return lambda frame: frame.assign(**{column: frame[column].dt.tz_convert("Asia/Karachi")})


def repeat_first_row(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([frame, frame.iloc[[0]]], ignore_index=True)


def no_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0]


def add_row(**values: str) -> Mutation:
    return lambda frame: pd.concat([frame, pd.DataFrame([values], dtype="string")], ignore_index=True)


def rebuilt_mart(**first_row: float) -> Mutation:
    return lambda _frame: mart(**first_row)


AFTER_EXPORT = EXPORT_TS + pd.Timedelta(hours=1)
COLUMNS = "expect_table_columns_to_match_set"
ROWS = "expect_table_row_count_to_be_between"
TYPE = "expect_column_type_to_be"
NOT_NULL = "expect_column_values_to_not_be_null"
UNIQUE = "expect_column_values_to_be_unique"
COMPOUND = "expect_compound_columns_to_be_unique"
REGEX = "expect_column_values_to_match_regex"
IN_SET = "expect_column_values_to_be_in_set"
BETWEEN = "expect_column_values_to_be_between"
ORDERED = "expect_column_pair_values_a_to_be_greater_than_b"
EQUAL = "expect_column_pair_values_to_be_equal"
ISO = "expect_column_values_to_match_strftime_format"
SUM = "expect_column_sum_to_be_between"

# (kind, expectation, column, mutation, other expectations that cannot help failing with it)
CASES: list[tuple[str, str, str | None, Mutation, tuple[tuple[str, str | None], ...]]] = [
    ("course_activity", COLUMNS, None, drop("course_name"), ()),
    ("course_activity", ROWS, None, no_rows, ()),
    *(
        ("course_activity", TYPE, column, karachi_time(column), ())
        for column in ("enrollment_time", "class_start_time", "class_end_time", "last_activity_at")
    ),
    ("course_activity", TYPE, "completion_time", karachi_time("completion_time"), ()),
    *(
        ("course_activity", TYPE, column, retype(column, "Float64"), ())
        for column in ("overall_progress", "learning_hours", "course_grade")
    ),
    *(
        ("course_activity", TYPE, column, retype(column, "object"), ())
        for column in ("completed", "removed_from_program", "for_credit")
    ),
    ("course_activity", NOT_NULL, "email", set_cell("email", pd.NA), ()),
    ("course_activity", NOT_NULL, "program_slug", set_cell("program_slug", pd.NA), ()),
    ("course_activity", NOT_NULL, "course_id", set_cell("course_id", pd.NA), ()),
    ("course_activity", COMPOUND, "email, program_slug, course_id", repeat_first_row, ()),
    ("course_activity", REGEX, "email", set_cell("email", "Ayesha Siddiqui"), ()),
    ("course_activity", BETWEEN, "last_activity_at", set_cell("last_activity_at", AFTER_EXPORT), ()),
    ("course_activity", BETWEEN, "learning_hours", set_cell("learning_hours", -0.5), ()),
    ("course_activity", BETWEEN, "overall_progress", set_cell("overall_progress", 157.73), ()),
    ("course_activity", BETWEEN, "course_grade", set_cell("course_grade", 101.0), ()),
    (
        "course_activity",
        ORDERED,
        "last_activity_at, enrollment_time",
        set_cell("enrollment_time", pd.Timestamp("2024-03-02T00:00:00Z")),
        (),
    ),
    ("membership", COLUMNS, None, drop("program_name"), ()),
    ("membership", ROWS, None, no_rows, ()),
    *(
        ("membership", TYPE, column, karachi_time(column), ())
        for column in ("join_date", "invitation_date", "last_activity_at")
    ),
    ("membership", TYPE, "enrolled_courses", retype("enrolled_courses", "int64"), ()),
    ("membership", TYPE, "completed_courses", retype("completed_courses", "int64"), ()),
    ("membership", TYPE, "learning_hours", retype("learning_hours", "Float64"), ()),
    ("membership", NOT_NULL, "email", set_cell("email", pd.NA), ()),
    ("membership", NOT_NULL, "program_slug", set_cell("program_slug", pd.NA), ()),
    ("membership", COMPOUND, "email, program_slug", repeat_first_row, ()),
    ("membership", REGEX, "email", set_cell("email", "ayesha.siddiqui at pu.edu.pk"), ()),
    ("membership", NOT_NULL, "member_state", set_cell("member_state", pd.NA), ()),
    ("membership", IN_SET, "member_state", set_cell("member_state", "SUSPENDED"), ()),
    ("membership", BETWEEN, "last_activity_at", set_cell("last_activity_at", AFTER_EXPORT), ()),
    ("membership", BETWEEN, "learning_hours", set_cell("learning_hours", -1.0), ()),
    ("membership", BETWEEN, "enrolled_courses", set_cell("enrolled_courses", -1), ()),
    ("membership", BETWEEN, "completed_courses", set_cell("completed_courses", -1), ()),
    (
        "membership",
        ORDERED,
        "join_date, invitation_date",
        set_cell("invitation_date", pd.Timestamp("2024-01-10T00:00:00Z")),
        (),
    ),
    ("registry:universities", COLUMNS, None, drop("city"), ()),
    ("registry:universities", ROWS, None, no_rows, ()),
    ("registry:universities", NOT_NULL, "university_id", set_cell("university_id", pd.NA), ()),
    ("registry:universities", UNIQUE, "university_id", set_cell("university_id", "NUST"), ()),
    ("registry:universities", NOT_NULL, "university_name", set_cell("university_name", pd.NA), ()),
    ("registry:universities", NOT_NULL, "region", set_cell("region", pd.NA), ()),
    ("registry:universities", IN_SET, "region", set_cell("region", "Lahore"), ()),
    ("registry:universities", NOT_NULL, "sector", set_cell("sector", pd.NA), ()),
    ("registry:universities", IN_SET, "sector", set_cell("sector", "Public"), ()),
    ("registry:universities", REGEX, "coordinator_email", set_cell("coordinator_email", "n/a"), ()),
    ("registry:people", COLUMNS, None, drop("full_name"), ()),
    ("registry:people", ROWS, None, no_rows, ()),
    ("registry:people", IN_SET, "gender", set_cell("gender", "F"), ()),
    ("registry:people", NOT_NULL, "roll_number", set_cell("roll_number", pd.NA), ()),
    ("registry:people", UNIQUE, "roll_number", set_cell("roll_number", "PU-2019-7781"), ()),
    ("registry:people", NOT_NULL, "cnic", set_cell("cnic", pd.NA), ()),
    ("registry:people", REGEX, "cnic", set_cell("cnic", "3520212345672"), ()),
    ("registry:people", NOT_NULL, "email", set_cell("email", pd.NA), ()),
    ("registry:people", REGEX, "email", set_cell("email", "Ayesha Siddiqui"), ()),
    ("registry:people", UNIQUE, "email", set_cell("email", "bilal.ahmed@nust.edu.pk"), ()),
    ("registry:people", NOT_NULL, "university_id", set_cell("university_id", pd.NA), ()),
    ("registry:people", IN_SET, "university_id", set_cell("university_id", "UET"), ()),
    ("registry:people", NOT_NULL, "role", set_cell("role", pd.NA), ()),
    ("registry:people", IN_SET, "role", set_cell("role", "staff"), ()),
    ("registry:people", NOT_NULL, "status", set_cell("status", pd.NA), ()),
    ("registry:people", IN_SET, "status", set_cell("status", "expelled"), ()),
    ("registry:people", ISO, "status_date", set_cell("status_date", "15/01/2023"), ()),
    (
        "registry:seat_allocations",
        COLUMNS,
        None,
        drop("seats"),
        ((NOT_NULL, "seats"), (REGEX, "seats")),  # every allocation column has checks of its own
    ),
    ("registry:seat_allocations", ROWS, None, no_rows, ()),
    ("registry:seat_allocations", NOT_NULL, "university_id", set_cell("university_id", pd.NA), ()),
    ("registry:seat_allocations", NOT_NULL, "cohort_id", set_cell("cohort_id", pd.NA), ()),
    (
        "registry:seat_allocations",
        COMPOUND,
        "university_id, cohort_id",
        add_row(university_id="NUST", cohort_id="C1", cohort_start="2024-01-01", cohort_end="2024-06-30", seats="5"),
        (),
    ),
    ("registry:seat_allocations", IN_SET, "university_id", set_cell("university_id", "UET", row=2), ()),
    ("registry:seat_allocations", NOT_NULL, "cohort_start", set_cell("cohort_start", pd.NA), ()),
    ("registry:seat_allocations", ISO, "cohort_start", set_cell("cohort_start", "2023-02-30"), ()),
    ("registry:seat_allocations", NOT_NULL, "cohort_end", set_cell("cohort_end", pd.NA), ()),
    ("registry:seat_allocations", ISO, "cohort_end", set_cell("cohort_end", "31/07/2023"), ()),
    (
        "registry:seat_allocations",
        ORDERED,
        "cohort_end, cohort_start",
        set_cell("cohort_end", "2022-12-31", row=2),
        (),
    ),
    ("registry:seat_allocations", NOT_NULL, "seats", set_cell("seats", pd.NA), ()),
    ("registry:seat_allocations", REGEX, "seats", set_cell("seats", "10%"), ()),
    ("registry:seat_allocations", REGEX, "seat_price", set_cell("seat_price", "$24"), ()),
    (
        "registry:seat_allocations",
        IN_SET,
        "dq_overlaps_other_cohort",
        set_cell("cohort_start", "2023-07-31", row=1),  # the day PU's first cohort ends
        (),
    ),
    ("registry:programmes", COLUMNS, None, drop("program_name"), ()),
    ("registry:programmes", ROWS, None, no_rows, ()),
    ("registry:programmes", NOT_NULL, "program_slug", set_cell("program_slug", pd.NA), ()),
    ("registry:programmes", UNIQUE, "program_slug", set_cell("program_slug", "pu-cohort-2-cd34e"), ()),
    ("registry:programmes", NOT_NULL, "university_id", set_cell("university_id", pd.NA), ()),
    ("registry:programmes", IN_SET, "university_id", set_cell("university_id", "UET"), ()),
    ("registry:programmes", NOT_NULL, "cohort_id", set_cell("cohort_id", pd.NA), ()),
    ("registry:course_catalogue", COLUMNS, None, drop("course_name"), ()),
    ("registry:course_catalogue", ROWS, None, no_rows, ()),
    ("registry:course_catalogue", NOT_NULL, "course_id", set_cell("course_id", pd.NA), ()),
    ("registry:course_catalogue", UNIQUE, "course_id", set_cell("course_id", "Gtv4Xb1-EeS-ViIACwYKVQ"), ()),
    ("registry:course_catalogue", NOT_NULL, "domain", set_cell("domain", pd.NA), ()),
    ("registry:course_catalogue", IN_SET, "domain", set_cell("domain", "Engineering"), ()),
    ("registry:course_catalogue", NOT_NULL, "content_type", set_cell("content_type", pd.NA), ()),
    ("registry:course_catalogue", IN_SET, "content_type", set_cell("content_type", "specialization"), ()),
    ("mart:quota_utilisation", COLUMNS, None, drop("data_complete_through"), ()),
    ("mart:quota_utilisation", ROWS, None, no_rows, ()),
    ("mart:quota_utilisation", NOT_NULL, "university_id", set_cell("university_id", None), ()),
    ("mart:quota_utilisation", NOT_NULL, "cohort_id", set_cell("cohort_id", None), ()),
    ("mart:quota_utilisation", COMPOUND, "university_id, cohort_id", repeat_first_row, ()),
    *(
        ("mart:quota_utilisation", BETWEEN, measure, rebuilt_mart(**{measure: -1}), ())
        for measure in (
            "allocated",
            "invited",
            "active_7d",
            "dormant",
            "never_started",
            "removed",
            "completions",
            "certificates",
            "learning_hours",
        )
    ),
    # A negative total needs a negative part, or breaks the identity it is the total of.
    (
        "mart:quota_utilisation",
        BETWEEN,
        "joined",
        rebuilt_mart(joined=-1, join_rate_pct=0.0),
        ((EQUAL, "joined, dq_active_30d_plus_dormant_plus_never_started"),),
    ),
    (
        "mart:quota_utilisation",
        BETWEEN,
        "seats_held",
        rebuilt_mart(seats_held=-1),
        ((EQUAL, "seats_held, dq_invited_plus_joined"),),
    ),
    (
        "mart:quota_utilisation",
        BETWEEN,
        "active_30d",
        rebuilt_mart(active_30d=-1, utilisation_pct=0.0),
        ((ORDERED, "active_30d, active_7d"),),
    ),
    (
        "mart:quota_utilisation",
        BETWEEN,
        "enrolments",
        rebuilt_mart(enrolments=-1),
        ((ORDERED, "enrolments, completions"),),
    ),
    ("mart:quota_utilisation", BETWEEN, "utilisation_pct", rebuilt_mart(utilisation_pct=112.5), ()),
    ("mart:quota_utilisation", BETWEEN, "join_rate_pct", rebuilt_mart(join_rate_pct=-3.0), ()),
    (
        "mart:quota_utilisation",
        EQUAL,
        "joined, dq_active_30d_plus_dormant_plus_never_started",
        rebuilt_mart(joined=61),
        (),
    ),
    ("mart:quota_utilisation", EQUAL, "seats_held, dq_invited_plus_joined", rebuilt_mart(seats_held=71), ()),
    ("mart:quota_utilisation", EQUAL, "free_seats, dq_allocated_minus_seats_held", rebuilt_mart(free_seats=31), ()),
    ("mart:quota_utilisation", ORDERED, "active_30d, active_7d", rebuilt_mart(active_7d=41), ()),
    ("mart:quota_utilisation", ORDERED, "enrolments, completions", rebuilt_mart(completions=121), ()),
    # One enrolment, one member, one invitation fewer than the snapshots hold: every per-row rule still holds.
    ("mart:quota_utilisation", SUM, "enrolments", rebuilt_mart(enrolments=119), ()),
    ("mart:quota_utilisation", SUM, "joined", rebuilt_mart(dormant=9), ()),
    ("mart:quota_utilisation", SUM, "seats_held", rebuilt_mart(invited=9), ()),
    ("mart:public_rollup", COLUMNS, None, drop("certificates"), ((BETWEEN, "certificates"),)),
    ("mart:public_rollup", NOT_NULL, "breakdown", set_cell("breakdown", None, 1), ()),
    ("mart:public_rollup", IN_SET, "breakdown", set_cell("breakdown", "province", 1), ()),
    ("mart:public_rollup", NOT_NULL, "category", set_cell("category", None, 1), ()),
    ("mart:public_rollup", COMPOUND, "breakdown, category", repeat_first_row, ()),
    # A count of 3 published (k = 5): it should have been withheld.
    *(("mart:public_rollup", BETWEEN, count, set_cell(count, 3, 1), ()) for count in DISCLOSURE_COUNTS),
    # Punjab's removed seats withheld alone: the national total minus Sindh's gives them back.
    ("mart:public_rollup", IN_SET, DERIVABLE_CELLS, set_cell("removed", None, 1), ()),
]


def _unreconciled(kind: str, frame: pd.DataFrame) -> set[tuple[str, str | None]]:
    """A crafted mart whose total moved away from the snapshots' also fails that total's reconciliation."""
    if kind != "mart:quota_utilisation":
        return set()
    totals = PARAMETERS[kind]
    return {
        (SUM, column)
        for column in RECONCILED
        if column in frame and frame[column].sum() != totals[f"snapshot_{column}"]
    }


def _severity(suite: str, expectation: str, column: str | None) -> str:
    (severity,) = {c.severity for c in CHECKS[suite] if (c.type, c.column) == (expectation, column)}
    return severity


def _failed(report: QualityReport) -> set[tuple[str, str | None]]:
    return {(o.expectation, o.column_name) for o in report.outcomes if not o.success}


# --- tests ------------------------------------------------------------------------------------------------------
def test_committed_project_is_what_definitions_py_writes(tmp_path: Path) -> None:
    import great_expectations as gx

    from dlsei.quality.maintain import write_project

    regenerated = tmp_path / "great_expectations"
    shutil.copytree(COMMITTED, regenerated, ignore=shutil.ignore_patterns("uncommitted"))
    write_project(gx.get_context(mode="file", context_root_dir=str(regenerated)))
    committed = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if _is_committed(p, COMMITTED))
    written = sorted(p.relative_to(regenerated) for p in regenerated.rglob("*") if _is_committed(p, regenerated))
    assert written == committed
    drifted = [str(p) for p in committed if not filecmp.cmp(COMMITTED / p, regenerated / p, shallow=False)]
    assert drifted == [], "run `python -m dlsei.quality.maintain` and commit great_expectations/"


def _is_committed(path: Path, root: Path) -> bool:
    return path.is_file() and path.relative_to(root).parts[0] != "uncommitted"


def test_every_expectation_has_a_crafted_failure() -> None:
    defined = {(suite, c.type, c.column) for suite, checks in CHECKS.items() for c in checks}
    crafted = [(SUITES[kind], expectation, column) for kind, expectation, column, _, _ in CASES]
    assert len(crafted) == len(set(crafted))
    assert set(crafted) == defined


def test_one_expectation_per_type_and_column() -> None:
    # dq_result names an expectation by suite, type and column: two alike would be indistinguishable.
    for checks in CHECKS.values():
        keys = [(c.type, c.column) for c in checks]
        assert len(keys) == len(set(keys))


@pytest.mark.parametrize("kind", list(GOOD))
def test_good_frame_meets_every_expectation(kind: str) -> None:
    report = run_suite(kind, GOOD[kind]())
    assert report.suite == SUITES[kind]
    assert len(report.outcomes) == len(CHECKS[SUITES[kind]])
    assert _failed(report) == set()
    assert report.passed
    assert report.describe().endswith(f"all {len(CHECKS[SUITES[kind]])} expectations met")


@pytest.mark.parametrize(
    ("kind", "expectation", "column", "mutate", "also"),
    CASES,
    ids=[f"{SUITES[k]}:{e.removeprefix('expect_')}:{c}" for k, e, c, _, _ in CASES],
)
def test_crafted_input_fails_exactly_its_expectation(
    kind: str,
    expectation: str,
    column: str | None,
    mutate: Mutation,
    also: tuple[tuple[str, str | None], ...],
) -> None:
    frame = mutate(GOOD[kind]())
    report = run_suite(kind, frame)
    also = (*also, *_unreconciled(kind, frame))
    assert _failed(report) == {(expectation, column), *also}
    severity = _severity(report.suite, expectation, column)
    # Severity routing: a warning alone publishes (and is recorded), a critical failure does not.
    assert report.passed is (severity == WARNING and not also)
    target = next(o for o in report.outcomes if (o.expectation, o.column_name) == (expectation, column))
    assert target.severity == severity
    assert target in (report.warnings if severity == WARNING else report.critical_failures)
    assert f"{severity} {expectation}" in report.describe()


def test_text_in_a_number_column_is_caught_by_the_type_check() -> None:
    frame = membership().astype({"learning_hours": "object"})
    frame.loc[0, "learning_hours"] = "10%"
    report = run_suite("membership", frame)
    assert _failed(report) == {(TYPE, "learning_hours"), (BETWEEN, "learning_hours")}
    (typed,) = [o for o in report.critical_failures if o.expectation == TYPE]
    assert typed.observed_value == "object"


def test_a_warning_beside_a_critical_failure_is_not_published() -> None:
    frame = universities()
    frame.loc[0, "coordinator_email"] = "n/a"
    frame.loc[1, "sector"] = "semi-government"
    report = run_suite("registry:universities", frame)
    assert [o.column_name for o in report.warnings] == ["coordinator_email"]
    assert [o.column_name for o in report.critical_failures] == ["sector"]
    assert not report.passed
    assert report.describe().splitlines()[0].startswith("crafted.csv: hec_universities: critical")


def test_missing_column_is_reported_not_raised() -> None:
    report = run_suite("membership", membership().drop(columns=["learning_hours"]))
    outcomes = {(o.expectation, o.column_name): o for o in report.critical_failures}
    assert outcomes[(COLUMNS, None)].observed_value == "missing columns: learning_hours"
    assert outcomes[(TYPE, "learning_hours")].observed_value.startswith("not evaluated")


def test_export_time_defaults_to_now_and_accepts_naive_utc() -> None:
    frame = membership()
    assert validate("membership", frame, source="no-stamp.csv").passed
    frame.loc[0, "last_activity_at"] = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    assert not validate("membership", frame, source="no-stamp.csv", parameters={"export_ts": None}).passed
    naive = pd.Timestamp("2024-03-04T23:58:00")  # a minute before the latest activity: too early
    assert _failed(validate("membership", membership(), source="x.csv", parameters={"export_ts": naive})) == {
        (BETWEEN, "last_activity_at")
    }


def test_reference_checks_need_the_known_university_ids() -> None:
    with pytest.raises(ValueError, match="university_ids"):
        validate("registry:programmes", programmes(), source="hec_programmes_2024-03-01.csv")
    with pytest.raises(ValueError, match="no quality suite"):
        validate("registry:students", programmes(), source="hec_students_2024-03-01.csv")


def test_timestamps_of_any_resolution_are_utc_timestamps() -> None:
    frame = membership()
    frame["last_activity_at"] = frame["last_activity_at"].dt.as_unit("ns")
    assert _failed(run_suite("membership", frame)) == set()


def test_no_personal_data_in_results_dq_result_or_data_docs(gx_project: Path, tmp_path: Path) -> None:
    """Validate frames full of names, e-mails, CNICs and roll numbers, most of them failing, keep the results
    in dq_result, build Data Docs, then look for every one of those values everywhere they could have gone."""
    bad_people = people()
    bad_people.loc[0, "email"] = "ayesha siddiqui pu.edu.pk"
    bad_people.loc[1, "cnic"] = "6110176543213"
    bad_people.loc[2, "roll_number"] = "PU-2023-0001"
    bad_membership = repeat_first_row(membership())
    bad_membership.loc[1, "email"] = "Bilal Ahmed"
    bad_activity = repeat_first_row(course_activity())
    bad_activity.loc[2, "email"] = "bilal.ahmed@nust"
    frames = {
        "registry:people": [people(), bad_people],
        "membership": [membership(), bad_membership],
        "course_activity": [course_activity(), bad_activity],
        "registry:universities": [universities(), set_cell("coordinator_email", "Coordinator PU")(universities())],
    }
    engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        for kind, kind_frames in frames.items():
            for frame in kind_frames:
                store_results(conn, run_suite(kind, frame), load_id="privacy", validated_for=date(2024, 3, 5))
    index = build_data_docs()
    assert index.is_file()

    personal = {
        str(value)
        for kind_frames in frames.values()
        for frame in kind_frames
        for column in ("name", "full_name", "email", "external_id", "cnic", "roll_number", "coordinator_email")
        if column in frame
        for value in frame[column].dropna()
    }
    assert "ayesha.siddiqui@pu.edu.pk" in personal and "35202-1234567-2" in personal
    files = [p for p in (gx_project / "uncommitted").rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files) and any(p.suffix == ".json" for p in files)
    leaks = [(p.name, v) for p in files for v in personal if v in p.read_text(errors="replace")]
    assert leaks == []
    with engine.connect() as conn:
        rows = conn.execute(select(dq_result)).all()
    assert rows
    assert [(row.result_id, v) for row in rows for v in personal if v in " ".join(map(str, row))] == []


def test_store_results_writes_one_row_per_expectation(tmp_path: Path) -> None:
    report = run_suite("registry:seat_allocations", set_cell("seats", "10%")(seat_allocations()))
    engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(engine)
    with engine.begin() as conn:
        written = store_results(conn, report, load_id="manual__2024-03-05", validated_for=date(2024, 3, 5))
    with engine.connect() as conn:
        rows = conn.execute(select(dq_result).order_by(dq_result.c.result_id)).mappings().all()
    assert written == len(rows) == len(CHECKS["hec_seat_allocations"])
    assert {r["load_id"] for r in rows} == {"manual__2024-03-05"}
    assert {r["validated_for"] for r in rows} == {date(2024, 3, 5)}
    assert {r["source"] for r in rows} == {"crafted.csv"}
    (failed,) = [r for r in rows if not r["success"]]
    assert (failed["expectation"], failed["column_name"], failed["severity"]) == (REGEX, "seats", CRITICAL)
    assert (failed["element_count"], failed["unexpected_count"]) == (3, 1)
    assert failed["unexpected_percent"] == pytest.approx(100 / 3)
    (row_count,) = [r for r in rows if r["expectation"] == ROWS]
    assert row_count["observed_value"] == "3"


def test_build_data_docs_writes_the_site(gx_project: Path) -> None:
    run_suite("registry:programmes", programmes())
    index = build_data_docs()
    assert index == gx_project / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert "hec_programmes" in index.read_text()
