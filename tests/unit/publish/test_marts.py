"""The utilisation SQL against hand-built snapshots whose every figure is worked out below, on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from warehouse_rows import at, enrolment, ledger_file, load_membership, seat

from dlsei.publish.marts import pending_dates, publish_utilisation, snapshot_totals, utilisation_rows
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    dim_programme,
    dim_seat_allocation,
    mart_quota_utilisation,
    snap_course_activity,
)

A = date(2026, 11, 10)


@pytest.fixture
def seeded(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        ledger_file(conn, 1, A)
        conn.execute(
            insert(dim_seat_allocation),
            [
                {
                    "university_id": "U1",
                    "cohort_id": "C1",
                    "cohort_start": date(2026, 8, 1),
                    "cohort_end": date(2027, 1, 31),
                    "seats": 10,
                },
                {
                    "university_id": "U2",
                    "cohort_id": "C1",
                    "cohort_start": date(2026, 8, 1),
                    "cohort_end": date(2027, 1, 31),
                    "seats": 5,
                },
                # no programme yet: a row of zeros, every seat free
                {
                    "university_id": "U4",
                    "cohort_id": "C1",
                    "cohort_start": date(2026, 8, 1),
                    "cohort_end": date(2027, 1, 31),
                    "seats": 3,
                },
                # cohort over before A: no row at all
                {
                    "university_id": "U1",
                    "cohort_id": "C0",
                    "cohort_start": date(2026, 2, 1),
                    "cohort_end": date(2026, 7, 31),
                    "seats": 7,
                },
                # cohort allocated but not started: no row either
                {
                    "university_id": "U0",
                    "cohort_id": "C1",
                    "cohort_start": date(2026, 11, 11),
                    "cohort_end": date(2027, 1, 31),
                    "seats": 0,
                },
            ],
        )
        conn.execute(
            insert(dim_programme),
            [
                {"program_slug": "p1", "university_id": "U1", "cohort_id": "C1"},
                {"program_slug": "p2", "university_id": "U2", "cohort_id": "C1"},
                {"program_slug": "p0", "university_id": "U1", "cohort_id": "C0"},
            ],
        )
        load_membership(
            conn,
            [
                seat(A, "p1", "L1"),  # active through a course row only
                seat(A, "p1", "L2", last=at(A - timedelta(days=6), 0)),  # first minute of the 7-day window
                seat(A, "p1", "L3", last=at(A - timedelta(days=6), -1)),  # last minute before it: 30d, not 7d
                seat(A, "p1", "L4"),  # joined, never started anything
                seat(A, "p1", "L5", last=at(A - timedelta(days=29), -1)),  # just outside 30 days: dormant
                seat(A, "p1", "L6", state="INVITED"),
                seat(A, "p1", "L7", last=at(A - timedelta(days=29), 0)),  # first minute of the 30-day window
                seat(A, "p2", "L1", last=at(A, 600)),  # the same learner holds a seat in a second programme
                # yesterday's snapshot: L8 held a p1 seat and is gone today (reclaimed); L1 was there too
                seat(A - timedelta(days=1), "p1", "L8"),
                seat(A - timedelta(days=1), "p1", "L1"),
                # a later snapshot must not count towards A
                seat(A + timedelta(days=1), "p1", "L9"),
            ],
        )
        conn.execute(
            insert(snap_course_activity),
            [
                enrolment(A, "p1", "L1", "X", at(A, 300), learning_hours=2.5, completed=True, has_certificate=True),
                enrolment(A, "p1", "L1", "Y", at(A - timedelta(days=40), 0), learning_hours=1.25),
                # an older course row must not pull L2's later membership activity back
                enrolment(A, "p1", "L2", "X", at(A - timedelta(days=50), 0), learning_hours=0.5),
                enrolment(A, "p2", "L1", "Z", None, learning_hours=0.0),
            ],
        )
    return warehouse


def test_every_measure_on_hand_built_snapshots(seeded: Engine) -> None:
    with seeded.connect() as conn:
        rows = utilisation_rows(conn, A).set_index(["university_id", "cohort_id"])
    assert sorted(rows.index) == [("U1", "C1"), ("U2", "C1"), ("U4", "C1")]

    u1 = rows.loc[("U1", "C1")]
    assert u1[["allocated", "invited", "joined", "seats_held", "free_seats"]].tolist() == [10, 1, 6, 7, 3]
    assert u1[["active_7d", "active_30d", "dormant", "never_started", "removed"]].tolist() == [2, 4, 1, 1, 1]
    assert u1[["enrolments", "completions", "certificates"]].tolist() == [3, 1, 1]
    assert u1["learning_hours"] == 4.25
    assert u1["utilisation_pct"] == 40.0
    assert u1["join_rate_pct"] == 60.0

    u2 = rows.loc[("U2", "C1")]
    assert u2[["allocated", "joined", "active_7d", "active_30d", "removed", "enrolments"]].tolist() == [
        5,
        1,
        1,
        1,
        0,
        1,
    ]
    assert u2["utilisation_pct"] == 20.0

    u4 = rows.loc[("U4", "C1")]
    assert u4[["allocated", "seats_held", "free_seats", "joined", "enrolments"]].tolist() == [3, 0, 3, 0, 0]
    assert u4["utilisation_pct"] == 0.0


def test_snapshot_totals_count_the_running_cohorts_rows_once(seeded: Engine) -> None:
    with seeded.connect() as conn:
        totals = snapshot_totals(conn, A)
        rows = utilisation_rows(conn, A)
    # p1 and p2 run on A (p0's cohort is over): 7 + 1 seats, 6 + 1 joined, 3 + 1 course rows; other days not counted.
    assert totals == {"snapshot_enrolments": 4, "snapshot_joined": 7, "snapshot_seats_held": 8}
    assert {name: int(rows[name.removeprefix("snapshot_")].sum()) for name in totals} == totals


def test_publishing_replaces_the_day_and_clears_it_from_pending(seeded: Engine) -> None:
    run = RunContext(load_id="test/run", logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())
    with seeded.connect() as conn:
        assert pending_dates(conn) == [A]
        rows = utilisation_rows(conn, A)
    for _ in range(2):  # a re-run replaces, never appends
        with seeded.begin() as conn:
            publish_utilisation(conn, run, A, rows, through=1)
    with seeded.connect() as conn:
        published = conn.execute(select(mart_quota_utilisation)).all()
        assert len(published) == 3
        assert pending_dates(conn) == []
