"""Learner matching against hand-built registry people and snapshots, every outcome worked out, on both backends."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, insert, select
from warehouse_rows import COHORT, allocations, at, ledger_file, load_membership, programmes, seat

from dlsei.publish.lifecycle import publish_lifecycle
from dlsei.publish.marts import utilisation_rows
from dlsei.publish.matching import publish_match_counts
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dim_person, fact_seat_day, mart_learner_match

A = date(2026, 11, 10)


def person(roll: str, email: str) -> dict:
    """Keys stand for HMACs: `roll` for the roll number (= External Id) key, `email` for the e-mail key."""
    return {
        "person_key": roll,
        "email_key": email,
        "cnic_key": f"cnic-{roll}",
        "university_id": "U1",
        "role": "student",
        "status": "enrolled",
    }


@pytest.fixture
def seeded(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        ledger_file(conn, 1, A)
        allocations(conn, ("U1", *COHORT, 10), ("U2", *COHORT, 5), ("U3", *COHORT, 4))  # U3: no programme yet
        programmes(conn, ("p1", "U1", "C1"), ("p2", "U2", "C1"))
        conn.execute(
            insert(dim_person),
            [person("R1", "e1"), person("R2", "e2"), person("R3", "e3"), person("R4", "e3"), person("R5", "e5")],
        )
        load_membership(
            conn,
            [
                seat(A, "p1", "e1", external_id="R1"),  # roll number known: external_id
                seat(A, "p1", "e2"),  # blank External Id, one person with the e-mail: email
                seat(A, "p1", "e5", external_id="R9"),  # a roll number the registry lacks: falls back to email
                seat(A, "p1", "e3"),  # blank External Id, two people share the e-mail: ambiguous
                seat(A, "p1", "x1"),  # neither known: unmatched
                seat(A, "p2", "e1", "INVITED", external_id="R1"),  # the same learner's second seat
                seat(A, "p2", "e3", external_id="R4"),  # the roll number settles what the e-mail cannot
                seat(A, "p2", "x2", external_id="R9"),
                seat(A - timedelta(days=1), "p1", "x3"),  # another day's snapshot: not A's business
            ],
        )
    return warehouse


def run_context() -> RunContext:
    return RunContext(load_id="test/match", logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())


def publish(engine: Engine) -> None:
    """The seats with their matches, then their counts, as refresh_utilisation publishes them."""
    with engine.begin() as conn:
        publish_lifecycle(conn, run_context(), A)
        publish_match_counts(conn, run_context(), A)


def test_each_learner_gets_one_method_and_its_person(seeded: Engine) -> None:
    publish(seeded)
    with seeded.connect() as conn:
        f = fact_seat_day
        rows = conn.execute(
            select(f.c.program_slug, f.c.learner_key, f.c.person_key, f.c.match_method)
            .where(f.c.as_of_date == A)
            .order_by(f.c.program_slug, f.c.learner_key)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("p1", "e1", "R1", "external_id"),
        ("p1", "e2", "R2", "email"),
        ("p1", "e3", None, "ambiguous"),
        ("p1", "e5", "R5", "email"),
        ("p1", "x1", None, "unmatched"),
        ("p1", "x3", None, None),  # the day before's seat, removed: not in the snapshot, so not matched
        ("p2", "e1", "R1", "external_id"),
        ("p2", "e3", "R4", "external_id"),
        ("p2", "x2", None, "unmatched"),
    ]


def test_counts_per_university_cohort_and_method_include_zeros_and_add_up_to_the_seats(seeded: Engine) -> None:
    publish(seeded)
    with seeded.connect() as conn:
        counts = {
            (r.university_id, r.match_method): r.learners
            for r in conn.execute(select(mart_learner_match).where(mart_learner_match.c.as_of_date == A))
        }
        seats_held = utilisation_rows(conn, A).set_index("university_id")["seats_held"]
    assert counts == {
        ("U1", "external_id"): 1,
        ("U1", "email"): 2,
        ("U1", "ambiguous"): 1,
        ("U1", "unmatched"): 1,
        ("U2", "external_id"): 2,
        ("U2", "email"): 0,
        ("U2", "ambiguous"): 0,
        ("U2", "unmatched"): 1,
        **{("U3", method): 0 for method in ("external_id", "email", "ambiguous", "unmatched")},
    }
    for university, held in seats_held.items():
        assert sum(n for (u, _), n in counts.items() if u == university) == held


def test_republishing_replaces_the_day(seeded: Engine) -> None:
    for _ in range(2):
        publish(seeded)
    with seeded.connect() as conn:
        assert len(conn.execute(select(fact_seat_day)).all()) == 9  # the 8 seats of the snapshot and a removed one
        assert len(conn.execute(select(mart_learner_match)).all()) == 12
