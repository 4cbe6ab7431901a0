"""Load a delivered export file in one pass, chunk by chunk: fold, validate and write each chunk as it streams past.

Memory is bounded by the chunk, whatever the file's size: no chunk outlives its turn. Every row is validated (one
report per export, quality/chunked.py) and written into its snapshot (staging.py) in the caller's transaction,
under the caller's ledger row: the caller commits only if every export passed, so a file refused half-way through
(a bad record, a failed expectation) leaves nothing behind. While Python types and validates one chunk, the
warehouse writes the one before (WriteBehind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Final

import pandas as pd
from sqlalchemy import Connection

from dlsei.canonical import MEMBERSHIP
from dlsei.exports import ExportStream, StreamOptions, open_export
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.rejected_rows import RejectedRows, Rejections, is_rejected_rows
from dlsei.ingest.seen_seats import record_seen_seats
from dlsei.ingest.snapshots import prepare, snapshot_rows
from dlsei.ingest.staging import SnapshotWriter
from dlsei.quality import QualityReport
from dlsei.quality.chunked import ROW_COUNT, ChunkedValidation
from dlsei.quality.definitions import WARNING
from dlsei.warehouse.bulk import WriteBehind, bulk_insert
from dlsei.warehouse.schema import dq_rejected_row

# Chunks of 100,000 rows: a GX run has a fixed cost of about half a second on a loaded machine (1,000 rows: 0.5 s,
# 50,000: 1.0 s, 200,000: 2.2 s), so the fewer runs the better. With these chunks and the checkpoint layer left out
# (quality/validation.py), validation took 14 s of a 200,000-row ingest under cProfile instead of 34 s, for 65 MB
# more at the peak (666 MB against 601 MB). The warehouse keeps no extras: not built. A row breaking a row rule is
# rejected (rejected_rows.py), not the file.
LOADING: Final = StreamOptions(block_rows=100_000, keep_extras=False, reject_rows=True)


@dataclass(frozen=True)
class LoadedExport:
    file_name: str  # the CSV's own name (for a ZIP member: the member's)
    kind: str
    layout: str
    export_ts: datetime | None
    as_of: date
    rows_read: int
    rows_loaded: int  # rows_read less the rejected rows and the repeated rows folded into their twins
    quality: QualityReport
    rejections: Rejections | None = None  # the rows left out for breaking a row rule (dq_rejected_row)


def load_file(
    conn: Connection,
    file_name: str,
    path: Path,
    *,
    file_id: int,
    as_of: Callable[[datetime | None], date],
    pseudonymiser: Pseudonymiser,
    load_id: str,
    max_rejected_pct: float,
    options: StreamOptions = LOADING,
) -> list[LoadedExport]:
    """Load every export of the file (a ZIP holds two) under ledger row `file_id`, all at the as-of date that
    `as_of` gives for the first export's timestamp. Rows breaking a row rule are rejected, up to `max_rejected_pct`
    % of an export's rows. Raises ExportRejected at the first bad record that is not a row's fault, or when too many
    rows were rejected."""
    loaded: list[LoadedExport] = []
    for number, stream in enumerate(open_export(file_name, path, options=options)):
        day = loaded[0].as_of if loaded else as_of(stream.export_ts)
        rejected = RejectedRows(pseudonymiser, file_id, stream.file_name, stream.kind, day, load_id)
        loaded.append(
            _load(conn, stream, pseudonymiser, rejected, staging=f"staged_export_{number}", max_pct=max_rejected_pct)
        )
    return loaded


def _load(
    conn: Connection,
    stream: ExportStream,
    pseudonymiser: Pseudonymiser,
    rejected: RejectedRows,
    *,
    staging: str,
    max_pct: float,
) -> LoadedExport:
    as_of = rejected.as_of
    snapshot = SnapshotWriter(conn, stream.kind, as_of=as_of, file_id=rejected.file_id, staging=staging)
    parameters = {"export_ts": stream.export_ts} if stream.export_ts else None
    validation = ChunkedValidation(stream.kind, source=stream.file_name, parameters=parameters)
    rows_read = 0
    publishable = True

    # The one writer of the connection while the file streams (WriteBehind): snapshot rows and rejected rows alike.
    def write(rows: pd.DataFrame) -> None:
        if is_rejected_rows(rows):
            bulk_insert(conn, dq_rejected_row, rows)
        else:
            snapshot.write(rows)

    with WriteBehind(conn, write) as writer:
        for chunk in stream.blocks:
            if (rejects := rejected.take(stream.rejects)) is not None:
                writer.submit(rejects)
            rows_read += len(chunk)
            prepared = prepare(stream.kind, chunk)
            # After a critical failure the file will not be published: the rest is validated, for the report, but
            # not written (a missing key would break the snapshot's constraints before the report is made).
            publishable = validation.add(prepared.frame) and publishable
            if publishable:
                writer.submit(snapshot_rows(prepared, pseudonymiser)[snapshot.columns])
            # Dropped before the reader types the next chunk, so one chunk is in memory at a time.
            del chunk, prepared
        if (rejects := rejected.take(stream.rejects)) is not None:
            writer.submit(rejects)
    rows_read += rejected.records
    rejected.check_share(rows_read, max_pct)
    rows_loaded = snapshot.finish()
    report = validation.report()
    if rows_read == 0:
        # Only a ZIP's course-activity member, vouched for by its programme member, is read empty (exports/zipped.py):
        # a day nobody studied is recorded as a warning, not a refusal of the whole ZIP.
        report = replace(
            report,
            outcomes=tuple(replace(o, severity=WARNING) if o.expectation == ROW_COUNT else o for o in report.outcomes),
        )
    # Removed seats are read from the seats ever seen (seen_seats.py): kept in this transaction, with the snapshot.
    if stream.kind == MEMBERSHIP and publishable:
        record_seen_seats(conn, as_of)
    return LoadedExport(
        file_name=stream.file_name,
        kind=stream.kind,
        layout=stream.layout,
        export_ts=stream.export_ts,
        as_of=as_of,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        quality=report,
        rejections=rejected.rejections(rows_read),
    )
