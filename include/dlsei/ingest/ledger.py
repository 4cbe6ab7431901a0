"""The file ledger: one row per delivered file, saying exactly what the pipeline did with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, insert, select, update

from dlsei.warehouse.schema import file_ledger

LOADED = "loaded"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"
FAILED = "failed"
# The kind of a loaded ZIP: one ledger row for its course-activity and membership exports.
BUNDLE = "coursera_bundle"


@dataclass(frozen=True)
class LedgerEntry:
    file_name: str
    landing_key: str
    size_bytes: int
    sha256: str
    status: str
    load_id: str
    kind: str | None = None
    layout: str | None = None
    export_ts: datetime | None = None
    as_of_date: date | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    reason: str | None = None
    stored_key: str | None = None

    def __post_init__(self) -> None:
        # The ledger's promise: every row read is either loaded or rejected with a reason.
        if self.status == LOADED and self.rows_read != self.rows_loaded + self.rows_rejected:
            raise ValueError(
                f"{self.file_name}: rows read ({self.rows_read}) != loaded ({self.rows_loaded})"
                f" + rejected ({self.rows_rejected})"
            )


def loaded_file_id(conn: Connection, sha256: str) -> int | None:
    """The file already loaded with these exact bytes, if any."""
    return conn.execute(
        select(file_ledger.c.file_id).where(file_ledger.c.sha256 == sha256, file_ledger.c.status == LOADED)
    ).scalar_one_or_none()


def record(conn: Connection, entry: LedgerEntry) -> int:
    values = {k: v for k, v in entry.__dict__.items() if v is not None}
    return conn.execute(insert(file_ledger).values(**values).returning(file_ledger.c.file_id)).scalar_one()


def complete(conn: Connection, file_id: int, entry: LedgerEntry) -> None:
    """Replace a row recorded before its file was read (the snapshot rows written as the file streams in point at
    it) with what became of the file, in the same transaction."""
    values = {k: v for k, v in entry.__dict__.items() if v is not None}
    conn.execute(update(file_ledger).where(file_ledger.c.file_id == file_id).values(**values))


def set_stored_key(conn: Connection, file_id: int, stored_key: str) -> None:
    conn.execute(update(file_ledger).where(file_ledger.c.file_id == file_id).values(stored_key=stored_key))
