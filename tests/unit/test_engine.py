"""The warehouse engine on both backends: a consistent read does not see what commits while it is open."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select
from warehouse_rows import ledger_file

from dlsei.warehouse.engine import consistent_read
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
