"""The quality module's plain-Python parts: no GX import at package import, the derived columns, the report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dlsei.quality import ExpectationOutcome, QualityReport
from dlsei.quality.context import ROOT_ENV, get_context, gx_root
from dlsei.quality.derived import overlaps_other_cohort, with_derived_columns


def test_importing_the_package_does_not_import_great_expectations() -> None:
    # DAG files import dlsei.quality; GX takes 10-15 s to import and the DAG parse timeout is 30 s.
    code = "import sys, dlsei.quality; sys.exit('great_expectations' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_gx_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(ROOT_ENV, raising=False)
    assert (gx_root() / "great_expectations.yml").is_file()
    monkeypatch.setenv(ROOT_ENV, str(tmp_path))
    assert gx_root() == tmp_path.resolve()
    with pytest.raises(FileNotFoundError, match=ROOT_ENV):
        get_context()  # no project there: refused, not scaffolded
    assert list(tmp_path.iterdir()) == []


def _allocations(*rows: tuple[str | None, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["university_id", "cohort_start", "cohort_end"], dtype="string")


def test_cohorts_overlap_when_they_share_a_day_at_one_university() -> None:
    frame = _allocations(
        ("PU", "2023-01-01", "2023-07-31"),
        ("PU", "2023-07-31", "2024-01-31"),  # starts the day the first ends: windows are inclusive
        ("PU", "2024-02-01", "2024-07-31"),
        ("NUST", "2023-01-01", "2023-07-31"),  # same dates, other university
    )
    assert overlaps_other_cohort(frame).tolist() == [True, True, False, False]


def test_rows_without_a_university_or_a_date_are_left_to_their_own_checks() -> None:
    frame = _allocations(
        ("PU", "2023-01-01", "2023-07-31"),
        (None, "2023-01-01", "2023-07-31"),
        ("PU", "31/03/2023", "2023-07-31"),
    ).set_axis([10, 20, 30])
    overlaps = overlaps_other_cohort(frame)
    assert overlaps.index.tolist() == [10, 20, 30]
    assert overlaps.tolist() == [False, False, False]


def test_derived_columns_leave_the_callers_frame_alone() -> None:
    frame = pd.DataFrame(
        {"allocated": [10], "invited": [2], "joined": [5], "seats_held": [7], "free_seats": [3]}
        | {"active_30d": [1], "dormant": [2], "never_started": [2]}
    )
    derived = with_derived_columns("mart:quota_utilisation", frame)
    assert derived.filter(like="dq_").iloc[0].to_dict() == {
        "dq_active_30d_plus_dormant_plus_never_started": 5,
        "dq_invited_plus_joined": 7,
        "dq_allocated_minus_seats_held": 3,
    }
    assert not any(c.startswith("dq_") for c in frame)


def test_timestamps_are_validated_at_one_resolution() -> None:
    frame = pd.DataFrame({"at": pd.to_datetime(["2024-03-01T10:00:00Z"], utc=True).as_unit("ns")})
    assert str(with_derived_columns("membership", frame)["at"].dtype) == "datetime64[us, UTC]"
    assert str(frame["at"].dtype) == "datetime64[ns, UTC]"


def _outcome(severity: str, success: bool, **counts: int) -> ExpectationOutcome:
    return ExpectationOutcome(
        suite="hec_people",
        expectation="expect_column_values_to_match_regex",
        column_name="email",
        severity=severity,
        success=success,
        element_count=counts.get("element_count"),
        unexpected_count=counts.get("unexpected_count"),
        unexpected_percent=None,
        observed_value=None,
    )


def test_report_routes_failures_by_severity() -> None:
    met = _outcome("critical", True, element_count=9, unexpected_count=0)
    warning = _outcome("warning", False, element_count=9, unexpected_count=2)
    critical = _outcome("critical", False, element_count=9, unexpected_count=1)

    warned = QualityReport("hec_people", "hec_people_2024-03-01.csv", (met, warning))
    assert warned.passed and warned.warnings == (warning,) and warned.critical_failures == ()
    assert warned.describe() == (
        "hec_people_2024-03-01.csv: hec_people: warning expect_column_values_to_match_regex on email: "
        "2 of 9 rows unexpected"
    )

    stopped = QualityReport("hec_people", "hec_people_2024-03-01.csv", (warning, critical))
    assert not stopped.passed
    assert [line.split(": ")[2].split()[0] for line in stopped.describe().splitlines()] == ["critical", "warning"]

    clean = QualityReport("hec_people", "hec_people_2024-03-01.csv", (met,))
    assert clean.passed
    assert clean.describe() == "hec_people: hec_people_2024-03-01.csv: all 1 expectations met"
