"""The file ledger: one row per delivered file, saying exactly what the pipeline did with it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, exists, insert, select, update

from dlsei.warehouse.schema import REJECT_REPLAY_REQUESTED, REJECT_REPLAYED, dq_rejected_row, file_ledger

LOADED = "loaded"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"
FAILED = "failed"
# The kind of a loaded ZIP: one ledger row for its course-activity and membership exports.
BUNDLE = "coursera_bundle"
# What gave a file its as-of date: the export time in its name, else its delivery time, else the run's time.
DATED_BY_NAME = "file_name"
DATED_BY_DELIVERY = "delivery_time"
DATED_BY_RUN = "run_time"
# A loaded file whose rows were rejected, loaded again whole once the rule was fixed (dlsei replay): the new row
# is the file's loaded one.
REPLAYED = "replayed"


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
    dated_by: str | None = None  # DATED_BY_*: what gave the file its as-of date

    def __post_init__(self) -> None:
        # The ledger's promise: every row read is either loaded or rejected with a reason.
        if self.status == LOADED and self.rows_read != self.rows_loaded + self.rows_rejected:
            raise ValueError(
                f"{self.file_name}: rows read ({self.rows_read}) != loaded ({self.rows_loaded})"
                f" + rejected ({self.rows_rejected})"
            )


def _replay_requested(file_id: object) -> object:
    r = dq_rejected_row
    return exists().where(r.c.file_id == file_id, r.c.status == REJECT_REPLAY_REQUESTED)


def loaded_file_id(conn: Connection, sha256: str) -> int | None:
    """The file already loaded with these exact bytes, if any; not one whose rejected rows are to be replayed."""
    f = file_ledger
    return conn.execute(
        select(f.c.file_id).where(f.c.sha256 == sha256, f.c.status == LOADED, ~_replay_requested(f.c.file_id))
    ).scalar_one_or_none()


def supersede_replayed(conn: Connection, sha256: str) -> None:
    """The file with these bytes is being loaded again for its rejected rows: its earlier ledger row and those rows
    are marked replayed, in the transaction of the new load (a new load that fails leaves them as they were)."""
    f = file_ledger
    replayed = select(f.c.file_id).where(f.c.sha256 == sha256, f.c.status == LOADED, _replay_requested(f.c.file_id))
    file_ids = list(conn.execute(replayed).scalars())
    if not file_ids:
        return
    conn.execute(update(f).where(f.c.file_id.in_(file_ids)).values(status=REPLAYED))
    r = dq_rejected_row
    conn.execute(
        update(r).where(r.c.file_id.in_(file_ids), r.c.status == REJECT_REPLAY_REQUESTED).values(status=REJECT_REPLAYED)
    )


def request_replay(conn: Connection, file_name: str) -> str | None:
    """Mark the open rejected rows of the newest loaded file of that name to be replayed; return the key the file
    is stored at, or None when no loaded file of that name has rejected rows."""
    f, r = file_ledger, dq_rejected_row
    row = conn.execute(
        select(f.c.file_id, f.c.stored_key)
        .where(
            f.c.file_name == file_name,
            f.c.status == LOADED,
            f.c.stored_key.is_not(None),
            exists().where(r.c.file_id == f.c.file_id, r.c.status != REJECT_REPLAYED),
        )
        .order_by(f.c.file_id.desc())
        .limit(1)
    ).one_or_none()
    if row is None:
        return None
    conn.execute(update(r).where(r.c.file_id == row.file_id).values(status=REJECT_REPLAY_REQUESTED))
    return row.stored_key


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
