"""Activity by domain and course type, and the region / sector / national views, on hand-built data whose every
figure is worked out below, on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, insert, select, text
from warehouse_rows import COHORT, allocations, at, enrolment, ledger_file, programmes

from dlsei.publish.activity import publish_activity
from dlsei.publish.marts import utilisation_rows
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    MEASURES,
    dim_course,
    dim_university,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_quota_utilisation,
    snap_course_activity,
)

A = date(2026, 11, 10)
ACTIVITY = ("enrolments", "completions", "learning_hours", "active_learners")


@pytest.fixture
def seeded(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        ledger_file(conn, 1, A, kind="course_activity")
        allocations(conn, ("U1", *COHORT, 10), ("U2", *COHORT, 5), ("U1", "C0", date(2026, 2, 1), date(2026, 7, 31), 7))
        programmes(conn, ("p1", "U1", "C1"), ("p2", "U2", "C1"), ("p0", "U1", "C0"))
        conn.execute(
            insert(dim_course),
            [
                {"course_id": "X", "domain": "Data Science", "content_type": "course"},
                {"course_id": "Y", "domain": "Data Science", "content_type": "guided_project"},
                {"course_id": "Z", "domain": "Business", "content_type": "course"},
            ],
        )
        window = A - timedelta(days=29)
        conn.execute(
            insert(snap_course_activity),
            [
                enrolment(A, "p1", "L1", "X", at(A, 300), learning_hours=2.5, completed=True),
                enrolment(A, "p1", "L1", "Y", at(A - timedelta(days=40), 0), learning_hours=1.25),
                enrolment(A, "p1", "L2", "X", at(window, 0), learning_hours=0.5),  # first minute of the window
                enrolment(A, "p1", "L3", "Z", None),  # enrolled, never started
                enrolment(A, "p1", "L3", "Q", at(window, -1), learning_hours=1.0, completed=True),  # not catalogued
                enrolment(A, "p2", "L1", "Z", at(A, 10), learning_hours=3.0),
                enrolment(A, "p0", "L9", "X", at(A, 10), learning_hours=9.0),  # cohort over: not counted
                enrolment(A - timedelta(days=1), "p1", "L1", "X", at(A, 1)),  # another day's snapshot
            ],
        )
    return warehouse


def published(engine: Engine, table, category: str) -> dict[tuple[str, str], tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.as_of_date == A)).mappings().all()
    return {(r["university_id"], r[category]): tuple(r[m] for m in ACTIVITY) for r in rows}


def test_activity_by_domain_and_by_course_type(seeded: Engine) -> None:
    run = RunContext(load_id="test/activity", logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())
    with seeded.begin() as conn:
        publish_activity(conn, run, A)
    assert published(seeded, mart_activity_by_domain, "domain") == {
        ("U1", "Data Science"): (3, 1, 4.25, 2),  # L1's course X is active, Y is not; L2 at the window's edge
        ("U1", "Business"): (1, 0, 0.0, 0),
        ("U1", "unclassified"): (1, 1, 1.0, 0),  # a minute before the window
        ("U2", "Business"): (1, 0, 3.0, 1),
    }
    assert published(seeded, mart_activity_by_course_type, "course_type") == {
        ("U1", "course"): (3, 1, 3.0, 2),
        ("U1", "guided_project"): (1, 0, 1.25, 0),
        ("U1", "unclassified"): (1, 1, 1.0, 0),
        ("U2", "course"): (1, 0, 3.0, 1),
    }


def test_each_breakdown_adds_up_to_the_utilisation_mart(seeded: Engine) -> None:
    run = RunContext(load_id="test/activity", logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())
    with seeded.begin() as conn:
        publish_activity(conn, run, A)
        publish_activity(conn, run, A)  # replaced, not appended
    with seeded.connect() as conn:
        mart = utilisation_rows(conn, A).set_index("university_id")
    for table, category in ((mart_activity_by_domain, "domain"), (mart_activity_by_course_type, "course_type")):
        rows = published(seeded, table, category)
        for university in ("U1", "U2"):
            mine = [v for (u, _), v in rows.items() if u == university]
            assert sum(v[0] for v in mine) == mart.loc[university, "enrolments"]
            assert sum(v[1] for v in mine) == mart.loc[university, "completions"]
            assert sum(v[2] for v in mine) == pytest.approx(mart.loc[university, "learning_hours"])


# --- the roll-up views ----------------------------------------------------------------------------------------
def mart_row(university: str, allocated: int, joined: int, active_30d: int, hours: float) -> dict:
    counts = dict.fromkeys(MEASURES, 0) | {
        "allocated": allocated,
        "joined": joined,
        "seats_held": joined,
        "active_30d": active_30d,
        "dormant": joined - active_30d,
        "free_seats": allocated - joined,
    }
    share = (lambda part: round(100 * part / allocated, 2)) if allocated else (lambda _part: None)
    return {
        "as_of_date": A,
        "university_id": university,
        "cohort_id": "C1",
        **counts,
        "utilisation_pct": share(active_30d),
        "join_rate_pct": share(joined),
        "learning_hours": hours,
        "data_complete_through": A,
        "load_id": "test",
    }


@pytest.fixture
def rollup_world(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        conn.execute(
            insert(dim_university),
            [
                {"university_id": "P1", "university_name": "P one", "region": "Punjab", "sector": "public"},
                {"university_id": "P2", "university_name": "P two", "region": "Punjab", "sector": "private"},
                {"university_id": "S1", "university_name": "S one", "region": "Sindh", "sector": "public"},
                {"university_id": "B1", "university_name": "B one", "region": "Balochistan", "sector": "public"},
            ],
        )
        conn.execute(
            insert(mart_quota_utilisation),
            [
                mart_row("P1", 10, 5, 1, 1.25),  # 10 %
                mart_row("P2", 30, 25, 20, 2.5),  # 66.67 %
                mart_row("S1", 3, 2, 1, 0.0),  # 33.33 %
                mart_row("B1", 0, 0, 0, 0.0),  # nothing allocated: no percentage
            ],
        )
    return warehouse


def view(engine: Engine, name: str, key: str | None) -> dict[object, dict]:
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT * FROM {name}")).mappings().all()
    return {(row[key] if key else None): dict(row) for row in rows}


def test_ratios_are_recomputed_from_summed_counts_never_averaged(rollup_world: Engine) -> None:
    regions = view(rollup_world, "v_utilisation_by_region", "region")
    assert set(regions) == {"Punjab", "Sindh", "Balochistan"}
    punjab = regions["Punjab"]
    assert (punjab["allocations"], punjab["allocated"], punjab["joined"], punjab["active_30d"]) == (2, 40, 30, 21)
    assert punjab["utilisation_pct"] == 52.5  # 100 * 21 / 40; the mean of 10 % and 66.67 % would be 38.33
    assert punjab["join_rate_pct"] == 75.0
    assert punjab["free_seats"] == 10
    assert punjab["learning_hours"] == 3.75
    assert regions["Sindh"]["utilisation_pct"] == 33.33
    assert regions["Balochistan"]["utilisation_pct"] is None
    assert {str(r["as_of_date"]) for r in regions.values()} == {A.isoformat()}

    sectors = view(rollup_world, "v_utilisation_by_sector", "sector")
    assert (sectors["public"]["allocated"], sectors["public"]["active_30d"]) == (13, 2)
    assert sectors["public"]["utilisation_pct"] == 15.38  # 100 * 2 / 13
    assert sectors["private"]["utilisation_pct"] == 66.67

    national = view(rollup_world, "v_utilisation_national", None)[None]
    assert (national["allocations"], national["allocated"], national["active_30d"]) == (4, 43, 22)
    assert national["utilisation_pct"] == 51.16  # 100 * 22 / 43
    assert national["join_rate_pct"] == 74.42  # 100 * 32 / 43


def test_the_utilisation_view_names_each_university(rollup_world: Engine) -> None:
    rows = view(rollup_world, "v_quota_utilisation", "university_id")
    assert (rows["P2"]["university_name"], rows["P2"]["region"], rows["P2"]["sector"]) == ("P two", "Punjab", "private")
    assert rows["P2"]["utilisation_pct"] == 66.67
    assert "load_id" not in rows["P2"]
