"""Land the Coursera exports waiting in the landing area: check, validate, snapshot, archive, one file at a time.

A bad file is quarantined with its reason and the run goes on with the next: one broken export never stops the
day's other files. A file is published in one transaction (ledger row and snapshot rows together). A file is read
once, in chunks (streaming.py), so a run's memory does not grow with the size of the day's exports.
"""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import Connection, Engine

from dlsei.exports import ExportRejected, export_timestamp
from dlsei.ingest import ledger
from dlsei.ingest.intake import FAILED_CHECK, FileOutcome, IntakeReport, ledger_entry, quarantine, set_aside_duplicate
from dlsei.ingest.landing import LandedFile, Landing
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.registry import is_registry_file
from dlsei.ingest.snapshots import SNAPSHOT_TABLES
from dlsei.ingest.streaming import LoadedExport, load_file
from dlsei.quality import store_results
from dlsei.runs import RunContext, as_of_date, karachi_date
from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.schema import int_seat_seen


def ingest_coursera_exports(run: RunContext, landing: Landing, engine: Engine) -> IntakeReport:
    report = IntakeReport()
    for landed in landing.list_incoming():
        if is_registry_file(landed.name):
            continue
        stamp = export_timestamp(landed.name)
        if stamp is not None and stamp > run.logical_dt:
            continue  # exported after this run's logical time: a later run's file
        report.outcomes.append(_ingest_file(run, landing, engine, landed))
    if report.loaded_dates:
        refresh_statistics(engine, *SNAPSHOT_TABLES.values(), int_seat_seen)
    return report


def _ingest_file(run: RunContext, landing: Landing, engine: Engine, landed: LandedFile) -> FileOutcome:
    sha256 = landing.sha256(landed.key)
    with engine.connect() as conn:
        original = ledger.loaded_file_id(conn, sha256)
    if original is not None:
        return set_aside_duplicate(landing, engine, run, landed, sha256=sha256, original_id=original)

    recorded = ledger_entry(run, landed, sha256, ledger.LOADED)
    try:
        # One transaction from the ledger row to the last snapshot row: a file refused half-way through its records
        # (a bad value, a failed expectation) leaves nothing behind.
        with landing.fetch(landed.key) as path, engine.connect() as conn:
            with conn.begin() as transaction:
                file_id = ledger.record(conn, recorded)
                loaded = load_file(
                    conn,
                    landed.name,
                    path,
                    file_id=file_id,
                    as_of=lambda stamp: as_of_date(stamp or run.logical_dt, run.settings.coursera_lag_days),
                    pseudonymiser=Pseudonymiser(run.settings.pseudonymisation_secret),
                )
                if not loaded:
                    raise ExportRejected(
                        landed.name, "no_data", "the file holds no course-activity or membership export"
                    )
                failures = [export.quality.describe() for export in loaded if not export.quality.passed]
                if failures:
                    transaction.rollback()
                else:
                    _keep_quality(conn, run, loaded)
                    ledger.complete(conn, file_id, _outcome(recorded, loaded))
            if failures:
                with conn.begin():
                    _keep_quality(conn, run, loaded)  # on record, though the file is not published
    except ExportRejected as rejected:
        return quarantine(landing, engine, run, landed, sha256, rule=rejected.rule, reason=str(rejected))
    if failures:
        return quarantine(
            landing,
            engine,
            run,
            landed,
            sha256,
            rule=FAILED_CHECK,
            reason="; ".join(failures),
            kind=_kind(loaded),
            layout=_layout(loaded),
            rows_read=sum(export.rows_read for export in loaded),
        )
    as_of = loaded[0].as_of
    stored = landing.archive(landed.key, as_of.isoformat())
    with engine.begin() as conn:
        ledger.set_stored_key(conn, file_id, stored)
    return FileOutcome(
        landed.name, ledger.LOADED, as_of_date=as_of, rows_loaded=sum(export.rows_loaded for export in loaded)
    )


def _kind(loaded: list[LoadedExport]) -> str:
    return loaded[0].kind if len(loaded) == 1 else "coursera_bundle"


def _layout(loaded: list[LoadedExport]) -> str:
    return "+".join(export.layout for export in loaded)


def _keep_quality(conn: Connection, run: RunContext, loaded: list[LoadedExport]) -> None:
    for export in loaded:
        store_results(conn, export.quality, load_id=run.load_id, validated_for=karachi_date(run.logical_dt))


def _outcome(recorded: ledger.LedgerEntry, loaded: list[LoadedExport]) -> ledger.LedgerEntry:
    """The ledger row of a published file."""
    rows_read = sum(export.rows_read for export in loaded)
    rows_loaded = sum(export.rows_loaded for export in loaded)
    folded = rows_read - rows_loaded
    return replace(
        recorded,
        kind=_kind(loaded),
        layout=_layout(loaded),
        export_ts=loaded[0].export_ts,
        as_of_date=loaded[0].as_of,
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_rejected=folded,
        reason=f"{folded} repeated rows folded into their twins" if folded else None,
    )
