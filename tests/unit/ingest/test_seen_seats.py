"""int_seat_seen follows the membership snapshots whatever order the dates load in and whatever an export replaces, and
removed seats read from it are those the snapshots define (seen before, missing now), on both backends."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, delete, select
from warehouse_rows import COHORT, allocations, ledger_file, load_membership, programmes, seat

from dlsei.ingest.seen_seats import record_seen_seats
from dlsei.publish.seats import removed_seats
from dlsei.warehouse.schema import int_seat_seen, snap_membership

D1, D2, D3 = (date(2026, 11, 7) + timedelta(days=i) for i in range(3))


def seen(engine: Engine) -> dict[str, date]:
    with engine.connect() as conn:
        return dict(conn.execute(select(int_seat_seen.c.learner_key, int_seat_seen.c.first_seen)).tuples().all())


def removed(engine: Engine, as_of: date) -> set[str]:
    gone = removed_seats(as_of)
    with engine.connect() as conn:
        return set(conn.execute(select(gone.c.learner_key)).scalars())


def load(engine: Engine, file_id: int, day: date, *learners: str) -> None:
    with engine.begin() as conn:
        ledger_file(conn, file_id, day)
        load_membership(conn, [seat(day, "p1", learner, file_id=file_id) for learner in learners])


def test_a_seat_is_seen_from_the_first_date_a_snapshot_lists_it_whatever_the_loading_order(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        allocations(conn, ("U1", *COHORT, 10))
        programmes(conn, ("p1", "U1", "C1"))
    load(warehouse, 1, D3, "L1", "L3")
    load(warehouse, 2, D1, "L1", "L2")  # a date loaded late
    load(warehouse, 3, D2, "L1")
    assert seen(warehouse) == {"L1": D1, "L2": D1, "L3": D3}
    assert removed(warehouse, D1) == set()
    assert removed(warehouse, D2) == {"L2"}
    assert removed(warehouse, D3) == {"L2"}  # L3 is new on D3, not removed


def test_a_replaced_export_takes_back_the_seats_only_it_listed(warehouse: Engine) -> None:
    load(warehouse, 1, D1, "L1", "L2")
    load(warehouse, 2, D2, "L1")
    with warehouse.begin() as conn:
        # D1 loaded again from a corrected export that does not list L2: the writer replaces the day's rows.
        conn.execute(delete(snap_membership).where(snap_membership.c.as_of_date == D1))
        ledger_file(conn, 3, D1)
        load_membership(conn, [seat(D1, "p1", "L1", file_id=3)])
    assert seen(warehouse) == {"L1": D1}
    assert removed(warehouse, D2) == set()


def test_recording_again_changes_nothing(warehouse: Engine) -> None:
    load(warehouse, 1, D1, "L1", "L2")
    load(warehouse, 2, D2, "L1", "L3")
    before = seen(warehouse)
    with warehouse.begin() as conn:
        record_seen_seats(conn, D1)
    assert seen(warehouse) == before == {"L1": D1, "L2": D1, "L3": D2}
