"""Publishing a date is one transaction over every mart; re-runs and backfills give the rows the daily runs gave.

Runs refresh_utilisation itself (validation included) over three hand-built days, on both backends.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, Table, delete, insert, select
from warehouse_rows import COHORT, allocations, at, enrolment, ledger_file, load_membership, programmes, seat

from dlsei.errors import DataQualityError
from dlsei.publish import marts
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    dim_course,
    dim_person,
    dq_result,
    fact_seat_day,
    fact_seat_lifecycle,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_learner_match,
    mart_quota_utilisation,
    mart_refresh,
    snap_course_activity,
)

D1, D2, D3 = (date(2026, 11, 7) + timedelta(days=i) for i in range(3))
DAYS = (D1, D2, D3)
# Everything refresh_utilisation writes for a date.
PUBLISHED: tuple[Table, ...] = (
    mart_quota_utilisation,
    mart_refresh,
    mart_learner_match,
    mart_activity_by_domain,
    mart_activity_by_course_type,
    fact_seat_day,
    fact_seat_lifecycle,
)


def person(roll: str, email: str, university: str) -> dict:
    return {
        "person_key": roll,
        "email_key": email,
        "cnic_key": roll,
        "university_id": university,
        "role": "student",
        "status": "enrolled",
    }


@pytest.fixture
def registry(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        allocations(conn, ("U1", *COHORT, 10), ("U2", *COHORT, 5))
        programmes(conn, ("p1", "U1", "C1"), ("p2", "U2", "C1"))
        conn.execute(insert(dim_person), [person("R1", "e1", "U1"), person("R2", "e2", "U1")])
        conn.execute(insert(dim_course), [{"course_id": "X", "domain": "Data Science", "content_type": "course"}])
    return warehouse


def deliver(engine: Engine, day: date) -> None:
    """The day's membership and course-activity exports, as the landing step would snapshot them."""
    n = DAYS.index(day) + 1
    members = {
        D1: [
            seat(D1, "p1", "e1", last=at(D1, 60), external_id="R1"),
            seat(D1, "p1", "e2", "INVITED"),
            seat(D1, "p2", "x1"),
        ],
        D2: [seat(D2, "p1", "e1", last=at(D1, 60), external_id="R1"), seat(D2, "p1", "e2")],
        D3: [
            seat(D3, "p1", "e1", last=at(D3, 60), external_id="R1"),
            seat(D3, "p1", "e2"),
            seat(D3, "p2", "x2", "INVITED"),
        ],
    }[day]
    with engine.begin() as conn:
        ledger_file(conn, 2 * n - 1, day)
        ledger_file(conn, 2 * n, day, kind="course_activity")
        load_membership(conn, [row | {"file_id": 2 * n - 1} for row in members])
        conn.execute(
            insert(snap_course_activity),
            [enrolment(day, "p1", "e1", "X", at(D1, 60), file_id=2 * n, learning_hours=0.5 * n, completed=n == 3)],
        )


def run_for(day: date, attempt: str = "scheduled") -> RunContext:
    return RunContext(
        load_id=f"quota_utilisation/{attempt}__{day}",
        logical_dt=at(day + timedelta(days=1), 480),
        settings=load_settings(),
    )


def refresh(engine: Engine, days: tuple[date, ...], attempt: str = "scheduled") -> None:
    for day in days:
        marts.refresh_utilisation(engine, run_for(day, attempt), day)


def contents(engine: Engine) -> dict[str, list[tuple]]:
    """Every published row, without the run that wrote it."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(*(c for c in table.c if c.name != "load_id")))), key=repr
            )
            for table in PUBLISHED
        }


def test_daily_runs_reruns_and_a_backfill_leave_the_same_rows(registry: Engine) -> None:
    for day in DAYS:  # the daily runs: each day's exports arrive, then that day is published
        deliver(registry, day)
        refresh(registry, (day,))
    daily = contents(registry)
    assert all(daily[table.name] for table in PUBLISHED), "every table holds rows"
    assert {row[0] for row in daily["mart_refresh"]} == set(DAYS)

    refresh(registry, (D2,), attempt="rerun")
    assert contents(registry) == daily
    refresh(registry, DAYS, attempt="rerun")
    assert contents(registry) == daily

    with registry.begin() as conn:  # start again from the snapshots alone, and backfill the range backwards
        for table in PUBLISHED:
            conn.execute(delete(table))
    refresh(registry, tuple(reversed(DAYS)), attempt="backfill")
    assert contents(registry) == daily


def test_a_failure_half_way_through_publishing_leaves_every_mart_as_it_was(
    registry: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    for day in (D1, D2):
        deliver(registry, day)
    refresh(registry, (D1, D2))
    before = contents(registry)

    # New evidence for D2 that would change every mart: a late export with x1 back and studying, and a registry
    # that now knows x1.
    with registry.begin() as conn:
        ledger_file(conn, 99, D2)
        load_membership(conn, [seat(D2, "p2", "x1", last=at(D2, 60), file_id=99)])
        conn.execute(insert(snap_course_activity), [enrolment(D2, "p2", "x1", "X", at(D2, 60), file_id=99)])
        conn.execute(insert(dim_person), [person("R3", "x1", "U2")])

    real = marts.publish_activity

    def fails_after_writing(*args: object) -> None:
        real(*args)  # the activity marts are written inside the transaction, then the step dies
        raise RuntimeError("injected failure")

    monkeypatch.setattr(marts, "publish_activity", fails_after_writing)
    with pytest.raises(RuntimeError, match="injected failure"):
        refresh(registry, (D2,), attempt="failing")
    assert contents(registry) == before

    monkeypatch.undo()  # the same refresh without the failure does change them: the check above had teeth
    refresh(registry, (D2,), attempt="retry")
    after = contents(registry)
    assert [t.name for t in PUBLISHED if after[t.name] == before[t.name]] == []


def test_a_mart_that_does_not_add_up_to_its_snapshots_is_not_published(
    registry: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    deliver(registry, D1)
    refresh(registry, (D1,))
    before = contents(registry)

    real = marts.utilisation_rows

    def counts_an_enrolment_twice(*args: object) -> object:
        # A join that repeats one programme's course rows: every per-row rule still holds.
        rows = real(*args)
        rows.loc[0, "enrolments"] += 1
        return rows

    monkeypatch.setattr(marts, "utilisation_rows", counts_an_enrolment_twice)
    with pytest.raises(DataQualityError, match="expect_column_sum_to_be_between"):
        refresh(registry, (D1,), attempt="miscounted")
    assert contents(registry) == before
    with registry.connect() as conn:
        failed = conn.execute(
            select(dq_result.c.column_name, dq_result.c.observed_value).where(
                dq_result.c.load_id == run_for(D1, "miscounted").load_id, dq_result.c.success.is_(False)
            )
        ).all()
    assert [column for column, _ in failed] == ["enrolments"]
