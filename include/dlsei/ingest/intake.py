"""The landing sequence every delivered file goes through, whichever loader reads it:

    checksum -> same bytes loaded before? set aside as a duplicate
             -> ledger row and published rows in one transaction (the loader reads, validates and writes)
             -> refused or failed a critical check? rolled back, quarantined with the reason, the data team told
             -> archived, and the ledger row given the file's stored key

A loader (ingest/coursera.py, ingest/registry.py) says only what differs: how a file is read, validated and
written, and where it is archived.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Final, Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError

from dlsei.alerts import notify_data_team
from dlsei.errors import FileRejected
from dlsei.ingest import ledger
from dlsei.ingest.landing import LandedFile, Landing
from dlsei.ingest.rejected_rows import Rejections, record_rejections
from dlsei.quality import QualityReport, store_results
from dlsei.quality.docs import data_docs_line
from dlsei.resources import Resources
from dlsei.runs import RunContext

# The quarantine rule of a file a critical expectation stopped: its notice links the Data Docs.
FAILED_CHECK: Final = "critical_expectation"
# The quarantine rule of a file whose loading failed in our code, not on a rule about files: not a verdict on it.
INTERNAL_ERROR: Final = "internal_error"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileOutcome:
    file_name: str
    status: str
    reason: str | None = None
    as_of_date: date | None = None
    rows_loaded: int = 0
    rows_rejected: int = 0  # by row rules


@dataclass
class IntakeReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def loaded_dates(self) -> list[date]:
        return sorted({o.as_of_date for o in self.outcomes if o.status == ledger.LOADED and o.as_of_date})

    @property
    def quarantined(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == ledger.QUARANTINED]

    def as_dict(self) -> dict[str, object]:
        """A JSON-able summary for XCom and the run log."""
        counts: dict[str, int] = {}
        for outcome in self.outcomes:
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
        return {
            "files": counts,
            "rows_loaded": sum(o.rows_loaded for o in self.outcomes),
            "rows_rejected": sum(o.rows_rejected for o in self.outcomes),
            "as_of_dates": [d.isoformat() for d in self.loaded_dates],
            "quarantined": [{"file": o.file_name, "reason": o.reason} for o in self.quarantined],
        }


def ledger_entry(
    run: RunContext, landed: LandedFile, sha256: str, status: str, **details: object
) -> ledger.LedgerEntry:
    """The ledger row of one delivered file in this run; `details` are the other LedgerEntry fields."""
    return ledger.LedgerEntry(
        file_name=landed.name,
        landing_key=landed.key,
        size_bytes=landed.size,
        sha256=sha256,
        status=status,
        load_id=run.load_id,
        **details,  # type: ignore[arg-type]
    )


def set_aside_duplicate(
    landing: Landing, engine: Engine, run: RunContext, landed: LandedFile, *, sha256: str, original_id: int
) -> FileOutcome:
    """The same bytes were loaded before: keep the delivery on record and in the archive, load nothing."""
    stored = landing.archive(landed.key, "duplicates")
    reason = f"same bytes as file {original_id}, already loaded"
    with engine.begin() as conn:
        ledger.record(conn, ledger_entry(run, landed, sha256, ledger.DUPLICATE, reason=reason, stored_key=stored))
    return FileOutcome(landed.name, ledger.DUPLICATE, reason)


def quarantine(
    landing: Landing,
    engine: Engine,
    run: RunContext,
    landed: LandedFile,
    sha256: str,
    *,
    rule: str,
    reason: str,
    kind: str | None = None,
    layout: str | None = None,
    rows_read: int = 0,
) -> FileOutcome:
    """Move the untouched file to quarantine/, record why, and tell the data team. Nothing of it is published."""
    stored = landing.quarantine(landed.key, {"file": landed.name, "rule": rule, "reason": reason, "run": run.load_id})
    with engine.begin() as conn:
        entry = ledger_entry(
            run,
            landed,
            sha256,
            ledger.QUARANTINED,
            kind=kind,
            layout=layout,
            rows_read=rows_read,
            reason=reason,
            stored_key=stored,
        )
        ledger.record(conn, entry)
        notify_data_team(
            conn,
            subject=f"Quarantined: {landed.name}",
            body=(
                f"The file {landed.name} was not loaded and now lies in {stored}.\n"
                f"Rule: {rule}\nReason: {reason}\nRun: {run.load_id}\n"
                + (data_docs_line(run.settings) if rule == FAILED_CHECK else "")
                + f"\nAfter fixing it, replay it with: dlsei replay '{PurePosixPath(stored).name}'"
            ),
            as_of=run.logical_date,
        )
    return FileOutcome(landed.name, ledger.QUARANTINED, reason)


@dataclass(frozen=True)
class Loaded:
    """What a loader made of one file: its ledger details, its validation reports and where it is archived."""

    kind: str
    layout: str
    as_of_date: date
    rows_read: int
    rows_loaded: int  # rows_read less the rejected rows and the repeated rows folded into their twins
    quality: Sequence[QualityReport]
    archive_folder: str  # under the landing area's archive/
    export_ts: datetime | None = None
    rejections: Sequence[Rejections] = ()  # rows left out for breaking a row rule (dq_rejected_row), per export
    dated_by: str = ledger.DATED_BY_NAME

    @property
    def passed(self) -> bool:
        return all(report.passed for report in self.quality)

    @property
    def rows_rejected(self) -> int:
        return sum(rejections.rows for rejections in self.rejections)

    def ledger_row(self, recorded: ledger.LedgerEntry) -> ledger.LedgerEntry:
        """The ledger row of the file once published."""
        folded = self.rows_read - self.rows_loaded - self.rows_rejected
        reasons = []
        if self.rows_rejected:
            reasons.append(f"{self.rows_rejected} rows rejected by row rules (dq_rejected_row)")
        if folded:
            reasons.append(f"{folded} repeated rows folded into their twins")
        return replace(
            recorded,
            kind=self.kind,
            layout=self.layout,
            export_ts=self.export_ts,
            as_of_date=self.as_of_date,
            rows_read=self.rows_read,
            rows_loaded=self.rows_loaded,
            rows_rejected=self.rows_rejected + folded,
            reason="; ".join(reasons) or None,
            dated_by=self.dated_by,
        )


class FileLoader(Protocol):
    """What differs between the loaders."""

    # The kind a refused file is recorded as, when the loader knows it before reading (a registry extract's name).
    kind: str | None

    def load(self, conn: Connection, path: Path, file_id: int) -> Loaded:
        """Read and validate the file at `path` and, if every critical check passed, write its rows under ledger
        row `file_id` in the caller's transaction. Raises FileRejected when the file cannot be read as it is."""
        ...


def _unreachable(error: Exception) -> bool:
    """The warehouse went away: no file is to blame, and the task's retry is what helps."""
    return isinstance(error, DisconnectionError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def land_file(run: RunContext, res: Resources, landed: LandedFile, loader: FileLoader) -> FileOutcome:
    """Take one incoming file through the landing sequence (this module's docstring). Whatever goes wrong with the
    file, it ends quarantined with a ledger row, and the caller goes on to the next file."""
    sha256 = res.landing.sha256(landed.key)
    try:
        return _land(run, res, landed, loader, sha256)
    except Exception as error:
        if _unreachable(error):
            raise
        # Our fault or a case nobody foresaw, not a rule the file broke. The traceback goes to the task log, the
        # reason says what kind of failure it was and where to look; the error's message goes nowhere, as it may
        # quote a learner's record.
        failure = f"{type(error).__module__}.{type(error).__qualname__}"
        log.error(
            "internal error while landing %s (run %s): %s\n%s",
            landed.name,
            run.load_id,
            failure,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        reason = (
            f"{landed.name}: internal error while loading ({failure}); the file may be fine: "
            f"the traceback is in the task log of run {run.load_id}"
        )
        return quarantine(
            res.landing, res.warehouse, run, landed, sha256, rule=INTERNAL_ERROR, reason=reason, kind=loader.kind
        )


def _land(run: RunContext, res: Resources, landed: LandedFile, loader: FileLoader, sha256: str) -> FileOutcome:
    landing, engine = res.landing, res.warehouse
    with engine.connect() as conn:
        original = ledger.loaded_file_id(conn, sha256)
    if original is not None:
        return set_aside_duplicate(landing, engine, run, landed, sha256=sha256, original_id=original)

    recorded = ledger_entry(run, landed, sha256, ledger.LOADED)
    try:
        # One transaction from the ledger row to the last published row: a file refused half-way through its
        # records (a bad value, a failed expectation) leaves nothing behind.
        with landing.fetch(landed.key) as path, engine.connect() as conn:
            with conn.begin() as transaction:
                ledger.supersede_replayed(conn, sha256)
                file_id = ledger.record(conn, recorded)
                loaded = loader.load(conn, path, file_id)
                if loaded.passed:
                    _keep_quality(conn, run, loaded)
                    for rejections in loaded.rejections:
                        record_rejections(conn, rejections, load_id=run.load_id, validated_for=run.logical_date)
                    ledger.complete(conn, file_id, loaded.ledger_row(recorded))
                else:
                    transaction.rollback()
            if not loaded.passed:
                with conn.begin():
                    _keep_quality(conn, run, loaded)  # on record, though the file is not published
    except FileRejected as rejected:
        return quarantine(
            landing, engine, run, landed, sha256, rule=rejected.rule, reason=str(rejected), kind=loader.kind
        )
    if not loaded.passed:
        return quarantine(
            landing,
            engine,
            run,
            landed,
            sha256,
            rule=FAILED_CHECK,
            reason="; ".join(report.describe() for report in loaded.quality if not report.passed),
            kind=loaded.kind,
            layout=loaded.layout,
            rows_read=loaded.rows_read,
        )
    stored = landing.archive(landed.key, loaded.archive_folder)
    with engine.begin() as conn:
        ledger.set_stored_key(conn, file_id, stored)
        if loaded.rejections:
            _tell_rejected_rows(conn, run, landed, loaded, stored)
    return FileOutcome(
        landed.name,
        ledger.LOADED,
        as_of_date=loaded.as_of_date,
        rows_loaded=loaded.rows_loaded,
        rows_rejected=loaded.rows_rejected,
    )


def _tell_rejected_rows(conn: Connection, run: RunContext, landed: LandedFile, loaded: Loaded, stored: str) -> None:
    lines = [line for rejections in loaded.rejections for line in rejections.lines()]
    notify_data_team(
        conn,
        subject=f"Rows rejected: {landed.name}",
        body=(
            f"The file {landed.name} was loaded for {loaded.as_of_date} without {loaded.rows_rejected} of its "
            f"{loaded.rows_read} rows, which break row rules (their seats count as unknown that day, not inactive):\n"
            + "\n".join(f"- {line}" for line in lines)
            + f"\nEach row is in dq_rejected_row (file, row, rule, column). Run: {run.load_id}\n"
            f"Once the rule is fixed, load the whole file again with: dlsei replay '{PurePosixPath(stored).name}'"
        ),
        as_of=run.logical_date,
    )


def _keep_quality(conn: Connection, run: RunContext, loaded: Loaded) -> None:
    for report in loaded.quality:
        store_results(conn, report, load_id=run.load_id, validated_for=run.logical_date)
