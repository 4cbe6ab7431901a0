"""Land the Coursera exports waiting in the landing area: check, validate, snapshot, archive, one file at a time.

A bad file is quarantined with its reason and the run goes on with the next: one broken export never stops the
day's other files. A file is published in one transaction (ledger row and snapshot rows together).
"""

from __future__ import annotations

from sqlalchemy import Engine

from dlsei import ledger
from dlsei.exports import ExportRejected, ParsedExport, export_timestamp, read_export
from dlsei.intake import FileOutcome, IntakeReport, quarantine, set_aside_duplicate
from dlsei.landing import LandedFile, Landing
from dlsei.pseudonymise import Pseudonymiser
from dlsei.quality import store_results, validate
from dlsei.registry import is_registry_file
from dlsei.runs import RunContext, as_of_date, karachi_date
from dlsei.snapshots import PreparedExport, prepare, write_snapshot


def ingest_coursera_exports(run: RunContext, landing: Landing, engine: Engine) -> IntakeReport:
    report = IntakeReport()
    for landed in landing.list_incoming():
        if is_registry_file(landed.name):
            continue
        stamp = export_timestamp(landed.name)
        if stamp is not None and stamp > run.logical_dt:
            continue  # exported after this run's logical time: a later run's file
        report.outcomes.append(_ingest_file(run, landing, engine, landed))
    return report


def _ingest_file(run: RunContext, landing: Landing, engine: Engine, landed: LandedFile) -> FileOutcome:
    sha256 = landing.sha256(landed.key)
    with engine.connect() as conn:
        original = ledger.loaded_file_id(conn, sha256)
    if original is not None:
        return set_aside_duplicate(landing, engine, run, landed, sha256=sha256, original_id=original)

    try:
        with landing.fetch(landed.key) as path:
            parsed = read_export(landed.name, path)
        if not parsed:
            raise ExportRejected(landed.name, "no_data", "the file holds no course-activity or membership export")
    except ExportRejected as rejected:
        return quarantine(landing, engine, run, landed, sha256, rule=rejected.rule, reason=str(rejected))

    stamp = parsed[0].export_ts or run.logical_dt
    as_of = as_of_date(stamp, run.settings.coursera_lag_days)
    kind = parsed[0].kind if len(parsed) == 1 else "coursera_bundle"
    layout = "+".join(p.layout for p in parsed)
    rows_read = sum(p.rows_read for p in parsed)
    prepared = [prepare(p.kind, p.frame) for p in parsed]

    failures = _validate(run, engine, parsed, prepared)
    if failures:
        return quarantine(
            landing,
            engine,
            run,
            landed,
            sha256,
            rule="critical_expectation",
            reason="; ".join(failures),
            kind=kind,
            layout=layout,
            rows_read=rows_read,
        )

    pseudonymiser = Pseudonymiser(run.settings.pseudonymisation_secret)
    folded = sum(p.duplicates_folded for p in prepared)
    with engine.begin() as conn:
        file_id = ledger.record(
            conn,
            ledger.LedgerEntry(
                file_name=landed.name,
                landing_key=landed.key,
                size_bytes=landed.size,
                sha256=sha256,
                status=ledger.LOADED,
                load_id=run.load_id,
                kind=kind,
                layout=layout,
                export_ts=parsed[0].export_ts,
                as_of_date=as_of,
                rows_read=rows_read,
                rows_loaded=sum(len(p.frame) for p in prepared),
                rows_rejected=folded,
                reason=f"{folded} repeated rows folded into their twins" if folded else None,
            ),
        )
        written = sum(
            write_snapshot(conn, p, as_of=as_of, file_id=file_id, pseudonymiser=pseudonymiser) for p in prepared
        )
    stored = landing.archive(landed.key, as_of.isoformat())
    with engine.begin() as conn:
        ledger.set_stored_key(conn, file_id, stored)
    return FileOutcome(landed.name, ledger.LOADED, as_of_date=as_of, rows_loaded=written)


def _validate(run: RunContext, engine: Engine, parsed: list[ParsedExport], prepared: list[PreparedExport]) -> list[str]:
    """Validate every export of the file and keep every result on record; return the critical failures."""
    failures: list[str] = []
    for export, ready in zip(parsed, prepared, strict=True):
        parameters = {"export_ts": export.export_ts} if export.export_ts else None
        quality = validate(ready.kind, ready.frame, source=export.file_name, parameters=parameters)
        with engine.begin() as conn:
            store_results(conn, quality, load_id=run.load_id, validated_for=karachi_date(run.logical_dt))
        if not quality.passed:
            failures.append(quality.describe())
    return failures
