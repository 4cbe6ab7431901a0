"""Replacing a slice of a table writes only what differs: unchanged rows stay as they were (their load_id too),
changed ones are rewritten, gone ones deleted, new ones inserted, and rows outside the slice are not touched; on
both backends, NULLs compared as values."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine, insert, literal, select, union_all

from dlsei.warehouse.replace import replace_slice
from dlsei.warehouse.schema import fact_seat_day

A, EARLIER = date(2026, 11, 7), date(2026, 11, 6)


def replace_day(conn: Connection, load_id: str, *seats: tuple[str, str, str | None]) -> None:
    """Make A's seats of fact_seat_day be `seats` (learner, state, person_key), as the lifecycle would."""
    rows = union_all(
        *(
            select(
                literal(A).label("as_of_date"),
                literal("p1").label("program_slug"),
                literal(learner).label("learner_key"),
                literal(state).label("state"),
                literal(person, fact_seat_day.c.person_key.type).label("person_key"),
                literal(None, fact_seat_day.c.match_method.type).label("match_method"),
                literal(load_id).label("load_id"),
            )
            for learner, state, person in seats
        )
    ).subquery()
    replace_slice(conn, fact_seat_day, fact_seat_day.c.as_of_date == A, select(*rows.c))


def held(engine: Engine) -> set[tuple]:
    f = fact_seat_day
    with engine.connect() as conn:
        rows = conn.execute(select(f.c.as_of_date, f.c.learner_key, f.c.state, f.c.person_key, f.c.load_id))
        return {tuple(row) for row in rows}


def test_a_first_replacement_inserts_the_rows(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        replace_day(conn, "first", ("L1", "joined", None), ("L2", "active", "P2"))
    assert held(warehouse) == {(A, "L1", "joined", None, "first"), (A, "L2", "active", "P2", "first")}


def test_only_the_rows_that_differ_are_rewritten(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        for as_of, learner, state, person in (
            (EARLIER, "L1", "invited", None),
            (A, "L1", "joined", None),
            (A, "L2", "active", "P2"),
            (A, "L3", "active", None),
            (A, "L4", "dormant", None),
        ):
            conn.execute(
                insert(fact_seat_day).values(
                    as_of_date=as_of,
                    program_slug="p1",
                    learner_key=learner,
                    state=state,
                    person_key=person,
                    load_id="first",
                )
            )
    with warehouse.begin() as conn:
        replace_day(
            conn,
            "second",
            ("L1", "joined", None),  # unchanged, NULL person included
            ("L2", "active", None),  # its match went: a NULL where a value was
            ("L3", "active", "P3"),  # matched now: a value where a NULL was
            ("L5", "invited", None),  # new
        )  # L4 is gone
    assert held(warehouse) == {
        (EARLIER, "L1", "invited", None, "first"),
        (A, "L1", "joined", None, "first"),
        (A, "L2", "active", None, "second"),
        (A, "L3", "active", "P3", "second"),
        (A, "L5", "invited", None, "second"),
    }
