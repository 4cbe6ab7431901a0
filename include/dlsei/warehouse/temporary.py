"""Tables that live as long as a connection's transaction needs them and that no other session sees."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Column, Connection, MetaData, Table
from sqlalchemy.schema import CreateTable, DropTable

_TEMPORARY_SCHEMA: Final = {"postgresql": "pg_temp", "sqlite": "temp"}


def temporary_table(conn: Connection, name: str, *columns: Column) -> Table:
    """Create an empty table in the connection's own schema (PostgreSQL's pg_temp, SQLite's temp) and return it;
    the caller drops it when done. One of that name a failed load left behind (SQLite does not roll back its
    creation) is replaced."""
    table = Table(name, MetaData(schema=_TEMPORARY_SCHEMA[conn.dialect.name]), *columns)
    conn.execute(DropTable(table, if_exists=True))
    conn.execute(CreateTable(table))
    return table
