"""A snapshot written chunk by chunk into the warehouse, in the transaction that records its file.

Each chunk arrives folded (snapshots.prepare keeps one row per key within it), is bulk-loaded into a chunk-sized
temporary table and upserted from there into the snapshot. The upsert is the fold across chunks: where a key was
already written by an earlier chunk of the same file, the row with the later activity stays (the earlier record
among equals, as within a chunk); where it was left by an earlier load of the same as-of date, the new row replaces
it. When the export ends, the as-of date's rows of its programmes that this file did not write are deleted, so
those programmes' snapshot is exactly this export, as if the day had been deleted and inserted whole, but without
holding the export anywhere (memory or temporary table) or sorting it at the end.

The temporary table belongs to the publishing connection (PostgreSQL's pg_temp, SQLite's temp schema): no other
session sees it, and it is dropped when the export ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    MetaData,
    Table,
    and_,
    delete,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable, DropTable

from dlsei.snapshots import RECORD_NO, TABLES
from dlsei.warehouse.bulk import bulk_insert

_PER_FILE: Final = ("as_of_date", "file_id")  # the snapshot's columns that are the same for a whole file
_TEMPORARY_SCHEMA: Final = {"postgresql": "pg_temp", "sqlite": "temp"}
_UPSERT: Final = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


@dataclass(frozen=True)
class SnapshotLoad:
    """One export being written into the snapshot of its kind, for one as-of date and one ledger file."""

    kind: str
    as_of: date
    file_id: int
    staging: Table

    @property
    def columns(self) -> list[str]:
        """The columns of the rows write_chunk takes: snapshots.snapshot_rows' (record number included)."""
        return [c.name for c in self.staging.columns]


def start_snapshot(conn: Connection, kind: str, *, as_of: date, file_id: int, name: str) -> SnapshotLoad:
    """Create the chunk-sized staging table (replacing one of that name a failed load left behind)."""
    snapshot = TABLES[kind]
    staging = Table(
        name,
        MetaData(schema=_TEMPORARY_SCHEMA[conn.dialect.name]),
        *(Column(c.name, c.type) for c in snapshot.columns if c.name not in _PER_FILE),
        Column(RECORD_NO, BigInteger, nullable=False),
    )
    conn.execute(DropTable(staging, if_exists=True))
    conn.execute(CreateTable(staging))
    return SnapshotLoad(kind=kind, as_of=as_of, file_id=file_id, staging=staging)


def write_chunk(conn: Connection, load: SnapshotLoad, rows: pd.DataFrame) -> int:
    """Upsert one folded chunk (one row per key) into the snapshot; return its rows."""
    conn.execute(delete(load.staging))
    bulk_insert(conn, load.staging, rows[load.columns])
    snapshot = TABLES[load.kind]
    columns = [name for name in load.columns if name != RECORD_NO]
    chunk = select(
        *(load.staging.c[name] for name in columns),
        literal(load.as_of, snapshot.c.as_of_date.type).label("as_of_date"),
        literal(load.file_id, Integer).label("file_id"),
    ).where(load.staging.c[RECORD_NO].is_not(None))  # SQLite needs a WHERE to tell the SELECT from ON CONFLICT
    upsert = _UPSERT[conn.dialect.name](snapshot).from_select([*columns, *_PER_FILE], chunk)
    key = [c.name for c in snapshot.primary_key.columns]
    kept, new = snapshot.c, upsert.excluded
    conn.execute(
        upsert.on_conflict_do_update(
            index_elements=key,
            set_={name: new[name] for name in [*columns, "file_id"] if name not in key},
            where=or_(
                kept.file_id != new.file_id,  # left by an earlier load of the day: replaced
                new.last_activity_at > kept.last_activity_at,  # a later activity than the earlier chunk's twin
                and_(kept.last_activity_at.is_(None), new.last_activity_at.is_not(None)),
            ),
        )
    )
    return len(rows)


def finish_snapshot(conn: Connection, load: SnapshotLoad, programmes: set[str]) -> int:
    """Delete the as-of date's rows of `programmes` this file did not write, drop the staging table, and return
    the rows the file holds in the snapshot (its chunks' rows less the repeats folded across chunks)."""
    snapshot = TABLES[load.kind]
    day = snapshot.c.as_of_date == load.as_of
    if programmes:
        conn.execute(
            delete(snapshot).where(
                day, snapshot.c.program_slug.in_(sorted(programmes)), snapshot.c.file_id != load.file_id
            )
        )
    conn.execute(DropTable(load.staging))
    return conn.execute(select(func.count()).where(day, snapshot.c.file_id == load.file_id)).scalar_one()
