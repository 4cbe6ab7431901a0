"""The seat lifecycle over four hand-built snapshots: each seat's state per day and its SCD-2 history, the same
whatever order the days are published in, on both backends."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import date, timedelta
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, delete, func, insert, select
from warehouse_rows import COHORT, allocations, at, enrolment, ledger_file, load_membership, programmes, seat

from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.landing import landing_from_url
from dlsei.ingest.registry import ingest_registry
from dlsei.publish import marts
from dlsei.publish.lifecycle import publish_lifecycle
from dlsei.publish.seats import running_programmes
from dlsei.resources import Resources
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import fact_seat_day, fact_seat_lifecycle, mart_quota_utilisation, snap_course_activity

D1, D2, D3, D4 = (date(2026, 11, 7) + timedelta(days=i) for i in range(4))


@pytest.fixture
def seeded(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        for file_id, day in enumerate((D1, D2, D3, D4), start=1):
            ledger_file(conn, file_id, day)
        allocations(conn, ("U1", *COHORT, 10), ("U1", "C0", date(2026, 2, 1), date(2026, 7, 31), 5))
        programmes(conn, ("p1", "U1", "C1"), ("p9", "U1", "C0"))
        long_ago = at(D1 - timedelta(days=40), 0)
        load_membership(
            conn,
            [
                # L1: invited, then joined, then active through a course row only
                seat(D1, "p1", "L1", "INVITED", file_id=1),
                seat(D2, "p1", "L1", file_id=2),
                seat(D3, "p1", "L1", file_id=3),
                seat(D4, "p1", "L1", file_id=4),
                # L2: dormant, reclaimed (missing on D3), invited again on D4
                seat(D1, "p1", "L2", last=long_ago, file_id=1),
                seat(D2, "p1", "L2", last=long_ago, file_id=2),
                seat(D4, "p1", "L2", "INVITED", file_id=4),
                # L3: active, then reclaimed for good
                seat(D1, "p1", "L3", last=at(D1, 60), file_id=1),
                seat(D2, "p1", "L3", last=at(D1, 60), file_id=2),
                # L4: a seat of a cohort that is over: gone from D2 on, but not counted as removed
                seat(D1, "p9", "L4", file_id=1),
            ],
        )
        conn.execute(
            insert(snap_course_activity),
            [enrolment(day, "p1", "L1", "X", at(D3, 30), file_id=n) for n, day in ((3, D3), (4, D4))],
        )
    return warehouse


def publish(engine: Engine, days: tuple[date, ...]) -> None:
    for day in days:
        run = RunContext(load_id=f"test/{day}", logical_dt=at(day + timedelta(days=1), 480), settings=load_settings())
        with engine.begin() as conn:
            publish_lifecycle(conn, run, day)


def states(engine: Engine) -> dict[tuple[date, str, str], str]:
    with engine.connect() as conn:
        rows = conn.execute(select(fact_seat_day)).all()
    return {(r.as_of_date, r.program_slug, r.learner_key): r.state for r in rows}


def history(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                fact_seat_lifecycle.c.program_slug,
                fact_seat_lifecycle.c.learner_key,
                fact_seat_lifecycle.c.valid_from,
                fact_seat_lifecycle.c.valid_to,
                fact_seat_lifecycle.c.state,
            ).order_by(
                fact_seat_lifecycle.c.program_slug, fact_seat_lifecycle.c.learner_key, fact_seat_lifecycle.c.valid_from
            )
        ).all()
    return [tuple(r) for r in rows]


EXPECTED_HISTORY = [
    ("p1", "L1", D1, D2, "invited"),
    ("p1", "L1", D2, D3, "joined"),
    ("p1", "L1", D3, None, "active"),
    ("p1", "L2", D1, D3, "dormant"),
    ("p1", "L2", D3, D4, "removed"),
    ("p1", "L2", D4, None, "invited"),
    ("p1", "L3", D1, D3, "active"),
    ("p1", "L3", D3, None, "removed"),
    ("p9", "L4", D1, None, "joined"),
]


def test_states_per_day_and_the_history_of_each_seat(seeded: Engine) -> None:
    publish(seeded, (D1, D2, D3, D4))
    assert states(seeded) == {
        (D1, "p1", "L1"): "invited",
        (D1, "p1", "L2"): "dormant",
        (D1, "p1", "L3"): "active",
        (D1, "p9", "L4"): "joined",
        (D2, "p1", "L1"): "joined",
        (D2, "p1", "L2"): "dormant",
        (D2, "p1", "L3"): "active",
        (D3, "p1", "L1"): "active",
        (D3, "p1", "L2"): "removed",
        (D3, "p1", "L3"): "removed",
        (D4, "p1", "L1"): "active",
        (D4, "p1", "L2"): "invited",
        (D4, "p1", "L3"): "removed",
    }
    assert history(seeded) == EXPECTED_HISTORY


def test_the_history_does_not_depend_on_the_order_days_are_published_or_repeated(seeded: Engine) -> None:
    publish(seeded, (D4, D2, D1, D3, D2))
    assert history(seeded) == EXPECTED_HISTORY


def test_the_history_knows_only_the_days_published_so_far(seeded: Engine) -> None:
    publish(seeded, (D1, D2))
    assert history(seeded) == [
        ("p1", "L1", D1, D2, "invited"),
        ("p1", "L1", D2, None, "joined"),
        ("p1", "L2", D1, None, "dormant"),
        ("p1", "L3", D1, None, "active"),
        ("p9", "L4", D1, None, "joined"),
    ]


def test_every_publishing_order_ends_with_the_same_history(seeded: Engine) -> None:
    # Publishing a date recomputes the history from that date on only: whatever came before, in any order and
    # with repeats, must leave what publishing every day in order leaves.
    for order in itertools.permutations((D1, D2, D3, D4)):
        with seeded.begin() as conn:
            conn.execute(delete(fact_seat_day))
            conn.execute(delete(fact_seat_lifecycle))
        publish(seeded, (*order, order[1]))
        assert history(seeded) == EXPECTED_HISTORY, order


def test_a_day_with_one_removed_row_publishes_every_programme_with_that_seat_removed(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=200, days=2, mess=False))
    settings = load_settings()
    landing = landing_from_url(settings.landing_url)
    res = Resources(warehouse, landing)
    memberships = sorted(path for path in sample.files if path.name.startswith("Membership Report"))
    last = memberships[-1]
    records = list(csv.reader(io.StringIO(last.read_text(encoding="utf-8"))))
    state, slug = records[0].index("Member State"), records[0].index("Program Slug")
    removed_row = next(n for n, record in enumerate(records[1:], start=1) if record[state] == "MEMBER")
    records[removed_row][state] = "REMOVED"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    for path in sample.files:
        data = buffer.getvalue().encode("utf-8") if path == last else path.read_bytes()
        landing.put(f"incoming/{path.name}", data)
    run = RunContext(load_id="test/removed", logical_dt=at(date(2026, 11, 3), 480), settings=settings)
    ingest_registry(run, res)
    outcomes = ingest_coursera_exports(run, res).outcomes
    assert {o.status for o in outcomes} == {"loaded"} and len(outcomes) == 4, [o.reason for o in outcomes]
    days = sorted({o.as_of_date for o in outcomes if o.as_of_date})
    for day in days:
        marts.refresh_utilisation(warehouse, run, day)

    day = days[-1]
    with warehouse.connect() as conn:
        running = set(conn.execute(select(running_programmes(day).c.program_slug)).scalars())
        published = conn.execute(
            select(mart_quota_utilisation.c.cohort_id, func.sum(mart_quota_utilisation.c.removed))
            .where(mart_quota_utilisation.c.as_of_date == day)
            .group_by(mart_quota_utilisation.c.cohort_id)
        ).all()
        removed = (
            conn.execute(
                select(fact_seat_day.c.program_slug).where(
                    fact_seat_day.c.as_of_date == day, fact_seat_day.c.state == "removed"
                )
            )
            .scalars()
            .all()
        )
        states_of_programmes = set(
            conn.execute(select(fact_seat_day.c.program_slug).where(fact_seat_day.c.as_of_date == day)).scalars()
        )
    assert running and states_of_programmes == running, "every running programme is published"
    assert published and sum(count for _, count in published) >= 1
    assert records[removed_row][slug] in removed
