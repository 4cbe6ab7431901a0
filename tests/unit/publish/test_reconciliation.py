"""Reconciliation with Coursera's own totals: per programme and date, our joined seats and hours beside the
membership export's, a difference beyond the tolerance failed with both figures, and the run summary shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select
from warehouse_rows import at, ledger_file, seat

from dlsei.publish.reconciliation import publish_reconciliation
from dlsei.report.run_summaries import FinishedRun, recent_runs, record_run, render_runs
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import fact_seat_day, reconciliation_check, snap_course_activity, snap_membership

A = date(2026, 11, 20)
LOAD_ID = "quota_utilisation/scheduled__2026-11-21"


def seed(engine: Engine) -> None:
    """p1: Coursera lists 3 members with 10 hours in all, and we published 3 joined seats and 10 hours. p2: Coursera
    lists 4 members (40 hours), we published 3 seats joined (one is missing from our seat states) and 39.8 hours."""
    with engine.begin() as conn:
        ledger_file(conn, 1, A)
        members = [("p1", f"a{i}", h) for i, h in enumerate((2.0, 3.0, 5.0))]
        members += [("p2", f"b{i}", 10.0) for i in range(4)]
        conn.execute(
            insert(snap_membership),
            [seat(A, slug, learner) | {"learning_hours": hours} for slug, learner, hours in members],
        )
        states = [("p1", "a0", "active"), ("p1", "a1", "dormant"), ("p1", "a2", "joined"), ("p1", "z", "invited")]
        states += [("p2", "b0", "active"), ("p2", "b1", "active"), ("p2", "b2", "joined")]
        conn.execute(
            insert(fact_seat_day),
            [
                {"as_of_date": A, "program_slug": s, "learner_key": k, "state": st, "load_id": "t"}
                for s, k, st in states
            ],
        )
        courses = [("p1", "a0", 4.0), ("p1", "a1", 6.0), ("p2", "b0", 20.0), ("p2", "b1", 19.8)]
        conn.execute(
            insert(snap_course_activity),
            [
                {
                    "as_of_date": A,
                    "program_slug": s,
                    "learner_key": k,
                    "course_id": "C",
                    "learning_hours": h,
                    "has_certificate": False,
                    "file_id": 1,
                }
                for s, k, h in courses
            ],
        )


def run_context() -> RunContext:
    return RunContext(load_id=LOAD_ID, logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())


def checks(engine: Engine) -> dict[tuple[str, str], tuple]:
    r = reconciliation_check
    with engine.connect() as conn:
        rows = conn.execute(select(r.c.program_slug, r.c.measure, r.c.ours, r.c.coursera, r.c.tolerance, r.c.passed))
        return {(slug, measure): tuple(rest) for slug, measure, *rest in rows}


def test_coursera_members_differing_from_ours_fail_with_both_figures(warehouse: Engine, dlsei_env: Path) -> None:
    seed(warehouse)
    with warehouse.begin() as conn:
        failed = publish_reconciliation(conn, run_context(), A)

    # Default tolerance 1% of Coursera's figure: 3 members against 4 fails; 39.8 hours against 40 (0.4 allowed) passes.
    assert checks(warehouse) == {
        ("p1", "members"): (3.0, 3.0, 0.03, True),
        ("p1", "learning_hours"): (10.0, 10.0, 0.1, True),
        ("p2", "members"): (3.0, 4.0, 0.04, False),
        ("p2", "learning_hours"): (39.8, 40.0, 0.4, True),
    }
    assert failed[["program_slug", "measure"]].values.tolist() == [["p2", "members"]]

    finished = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
    summary = record_run(
        warehouse,
        FinishedRun(
            dag_id="quota_utilisation",
            run_id="scheduled__2026-11-21",
            state="success",
            logical_date=finished,
            queued_at=finished,
            started_at=finished,
            finished_at=finished,
        ),
    )
    assert summary["reconciliation_failures"] == 1
    with warehouse.connect() as conn:
        shown = render_runs(recent_runs(conn))
    assert "reconciliation with Coursera: 1 check(s) failed\n    - 2026-11-20 p2 members: ours 3, Coursera 4" in shown


def test_the_tolerance_is_a_setting(warehouse: Engine, dlsei_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_RECONCILIATION_TOLERANCE_PCT", "0")
    seed(warehouse)
    with warehouse.begin() as conn:
        failed = publish_reconciliation(conn, run_context(), A)
    # No difference allowed: the 0.2 hours of p2 fail too.
    assert sorted(failed["measure"]) == ["learning_hours", "members"]


def test_no_hours_check_where_the_membership_export_states_no_hours(warehouse: Engine, dlsei_env: Path) -> None:
    # The legacy membership layout has no hours column: Coursera states no figure, so there is nothing to compare.
    seed(warehouse)
    with warehouse.begin() as conn:
        conn.execute(snap_membership.update().where(snap_membership.c.program_slug == "p1").values(learning_hours=None))
        publish_reconciliation(conn, run_context(), A)
    assert set(checks(warehouse)) == {("p1", "members"), ("p2", "members"), ("p2", "learning_hours")}
