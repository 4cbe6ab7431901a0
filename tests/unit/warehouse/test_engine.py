"""The warehouse engine on both backends: a consistent read does not see what commits while it is open."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select, text
from warehouse_rows import ledger_file

from dlsei.warehouse.engine import consistent_read, refresh_statistics
from dlsei.warehouse.schema import file_ledger

COUNT = select(func.count()).select_from(file_ledger)


def test_a_consistent_read_keeps_its_snapshot_while_others_commit(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        ledger_file(conn, 1, date(2026, 11, 1))
    with consistent_read(warehouse) as reading:
        assert reading.execute(COUNT).scalar_one() == 1
        with warehouse.begin() as conn:  # a file loaded meanwhile
            ledger_file(conn, 2, date(2026, 11, 1))
        assert reading.execute(COUNT).scalar_one() == 1
    with warehouse.connect() as conn:
        assert conn.execute(COUNT).scalar_one() == 2, "the other commit happened: the check above had teeth"


def test_statistics_are_refreshed_after_a_bulk_load(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        for file_id in (1, 2, 3):
            ledger_file(conn, file_id, date(2026, 11, 1))
    refresh_statistics(warehouse, file_ledger)
    if warehouse.dialect.name != "postgresql":
        return  # SQLite plans without gathered statistics here; nothing to refresh
    with warehouse.connect() as conn:
        planned = conn.execute(text("SELECT reltuples FROM pg_class WHERE oid = 'file_ledger'::regclass")).scalar_one()
    assert planned == 3, "the planner counts the rows just loaded (-1 until analysed)"
