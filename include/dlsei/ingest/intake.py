"""What the landing steps share: the outcome of one file, and the way a bad or repeated file is put aside."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Final

from sqlalchemy import Engine

from dlsei.alerts import notify_data_team
from dlsei.ingest import ledger
from dlsei.ingest.landing import LandedFile, Landing
from dlsei.quality.docs import data_docs_line
from dlsei.runs import RunContext

# The quarantine rule of a file a critical expectation stopped: its notice links the Data Docs.
FAILED_CHECK: Final = "critical_expectation"


@dataclass(frozen=True)
class FileOutcome:
    file_name: str
    status: str
    reason: str | None = None
    as_of_date: date | None = None
    rows_loaded: int = 0


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
