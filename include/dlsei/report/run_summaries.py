"""The run summary (table pipeline_run): what one finished DAG run did, one row per run.

Every figure is counted from the rows the run itself wrote under its load_id (file_ledger, dq_result, mart_refresh),
so the summary agrees with the warehouse by construction and a re-run of the same run replaces its row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy import Connection, Engine, delete, exists, func, insert, select

from dlsei.alerts.messages import DATA_TEAM, SENT
from dlsei.ingest import ledger
from dlsei.quality.definitions import CRITICAL, WARNING
from dlsei.runs import airflow_load_id, stored_utc
from dlsei.warehouse.schema import (
    alert_message,
    dq_result,
    file_ledger,
    mart_refresh,
    pipeline_run,
    reconciliation_check,
    restatement,
)


@dataclass(frozen=True)
class FinishedRun:
    """What Airflow knows about a run when it ends."""

    dag_id: str
    run_id: str
    state: str
    logical_date: datetime | None
    queued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime

    @property
    def load_id(self) -> str:
        return airflow_load_id(self.dag_id, self.run_id)


def _files(conn: Connection, load_id: str) -> dict[str, int]:
    f = file_ledger
    rows = conn.execute(
        select(f.c.status, func.count(), func.coalesce(func.sum(f.c.rows_loaded), 0))
        .where(f.c.load_id == load_id)
        .group_by(f.c.status)
    ).all()
    counts = {status: count for status, count, _ in rows}
    return {
        "files_seen": sum(counts.values()),
        "files_loaded": counts.get(ledger.LOADED, 0),
        "files_quarantined": counts.get(ledger.QUARANTINED, 0),
        "files_duplicate": counts.get(ledger.DUPLICATE, 0),
        "rows_loaded": sum(rows_loaded for status, _, rows_loaded in rows if status == ledger.LOADED),
    }


def _failed_expectations(conn: Connection, load_id: str) -> dict[str, int]:
    rows = conn.execute(
        select(dq_result.c.severity, func.count())
        .where(dq_result.c.load_id == load_id, dq_result.c.success.is_(False))
        .group_by(dq_result.c.severity)
    ).all()
    counts = dict(rows)
    return {"dq_critical_failures": counts.get(CRITICAL, 0), "dq_warnings": counts.get(WARNING, 0)}


# A run that checked hundreds of files could list as many warnings; dq_result keeps them all.
_WARNINGS_LISTED: Final = 50


def _warning_details(conn: Connection, load_id: str) -> str | None:
    """One line per failed warning-level expectation, as the data team reads it in the summary."""
    r = dq_result
    rows = conn.execute(
        select(r.c.suite, r.c.expectation, r.c.column_name, r.c.source, r.c.unexpected_count, r.c.element_count)
        .where(r.c.load_id == load_id, r.c.severity == WARNING, r.c.success.is_(False))
        .order_by(r.c.suite, r.c.source, r.c.expectation, r.c.column_name)
    ).all()
    lines = [
        f"{row.suite}: {row.expectation}({row.column_name or ''}) on {row.source}"
        + (f": {row.unexpected_count} of {row.element_count} rows" if row.unexpected_count is not None else "")
        for row in rows[:_WARNINGS_LISTED]
    ]
    if len(rows) > _WARNINGS_LISTED:
        lines.append(f"... and {len(rows) - _WARNINGS_LISTED} more in dq_result (load_id {load_id})")
    return "\n".join(lines) or None


def _reconciliation(conn: Connection, load_id: str) -> dict[str, object]:
    """The failed reconciliation checks the run wrote: how many, and one line each with both figures."""
    r = reconciliation_check
    rows = conn.execute(
        select(r.c.as_of_date, r.c.program_slug, r.c.measure, r.c.ours, r.c.coursera)
        .where(r.c.load_id == load_id, r.c.passed.is_(False))
        .order_by(r.c.as_of_date, r.c.program_slug, r.c.measure)
    ).all()
    lines = [
        f"{row.as_of_date} {row.program_slug} {row.measure}: ours {row.ours:g}, Coursera {row.coursera:g}"
        for row in rows
    ]
    if len(lines) > _WARNINGS_LISTED:
        lines = [*lines[:_WARNINGS_LISTED], f"... and {len(lines) - _WARNINGS_LISTED} more in reconciliation_check"]
    return {"reconciliation_failures": len(rows), "reconciliation_details": "\n".join(lines) or None}


def _validated(conn: Connection, load_id: str) -> bool:
    return conn.execute(select(exists().where(dq_result.c.load_id == load_id))).scalar_one()


def _loaded_dates(conn: Connection, load_id: str) -> list[date]:
    f = file_ledger
    return list(
        conn.execute(
            select(f.c.as_of_date).distinct().where(f.c.load_id == load_id, f.c.status == ledger.LOADED)
        ).scalars()
    )


def _refreshed_dates(conn: Connection, load_id: str) -> list[date]:
    return list(conn.execute(select(mart_refresh.c.as_of_date).where(mart_refresh.c.load_id == load_id)).scalars())


def _restated_dates(conn: Connection, load_id: str) -> int:
    """As-of dates the run republished because a registry extract changed them (publish/restatement.py)."""
    r = restatement
    return conn.execute(select(func.count(r.c.as_of_date.distinct())).where(r.c.load_id == load_id)).scalar_one()


def _alerts_sent(conn: Connection, as_of_dates: list[date]) -> int:
    # Digests are queued once per recipient and date, so they belong to the dates the run rebuilt, not to a run id.
    m = alert_message
    return conn.execute(
        select(func.count()).where(m.c.created_for.in_(as_of_dates), m.c.audience != DATA_TEAM, m.c.status == SENT)
    ).scalar_one()


def summarise(conn: Connection, run: FinishedRun, data_docs: str | None = None) -> dict[str, object]:
    """The run's row; `data_docs` is the Data Docs site's address, kept when the run validated anything."""
    refreshed = _refreshed_dates(conn, run.load_id)
    through = [d for d in (*_loaded_dates(conn, run.load_id), *refreshed) if d is not None]
    duration = (run.finished_at - run.started_at).total_seconds() if run.started_at else None
    return {
        "load_id": run.load_id,
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": run.state,
        "logical_date": run.logical_date,
        "queued_at": run.queued_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_seconds": duration,
        **_files(conn, run.load_id),
        **_failed_expectations(conn, run.load_id),
        "dq_warning_details": _warning_details(conn, run.load_id),
        "data_docs_url": data_docs if data_docs and _validated(conn, run.load_id) else None,
        "marts_refreshed": len(refreshed),
        "alerts_sent": _alerts_sent(conn, refreshed),
        "data_complete_through": max(through, default=None),
        "dates_restated": _restated_dates(conn, run.load_id),
        **_reconciliation(conn, run.load_id),
    }


def record_run(engine: Engine, run: FinishedRun, data_docs: str | None = None) -> dict[str, object]:
    """Write (or, for a cleared and re-run run, replace) the run's summary row, in one transaction."""
    with engine.begin() as conn:
        row = summarise(conn, run, data_docs)
        conn.execute(delete(pipeline_run).where(pipeline_run.c.load_id == run.load_id))
        conn.execute(insert(pipeline_run).values(**row))
    return row


def recent_runs(conn: Connection, limit: int = 10) -> list[dict[str, object]]:
    """The newest run summaries, newest first."""
    r = pipeline_run
    query = select(r).order_by(r.c.finished_at.desc(), r.c.load_id).limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]


def render_runs(runs: list[dict[str, object]]) -> str:
    """The run summaries as the data team reads them: one block per run, warnings listed, Data Docs linked."""
    if not runs:
        return "No run recorded in pipeline_run yet."
    blocks = []
    for run in runs:
        finished = stored_utc(run["finished_at"])  # type: ignore[arg-type]
        lines = [
            f"{run['dag_id']} {run['run_id']}: {run['state']}, finished {finished:%Y-%m-%d %H:%M} UTC"
            + (f" after {run['duration_seconds']:.0f} s" if run["duration_seconds"] is not None else ""),
            f"  files: {run['files_seen']} seen, {run['files_loaded']} loaded ({run['rows_loaded']} rows), "
            f"{run['files_quarantined']} quarantined, {run['files_duplicate']} duplicate",
            f"  checks: {run['dq_critical_failures']} critical failure(s), {run['dq_warnings']} warning(s)",
            *(f"    - {line}" for line in str(run["dq_warning_details"] or "").splitlines()),
            f"  marts: {run['marts_refreshed']} date(s) rebuilt, {run['alerts_sent']} digest(s) delivered; "
            f"data complete through {run['data_complete_through'] or '-'}",
        ]
        if run.get("reconciliation_failures"):
            lines.append(f"  reconciliation with Coursera: {run['reconciliation_failures']} check(s) failed")
            lines += [f"    - {line}" for line in str(run["reconciliation_details"] or "").splitlines()]
        if run.get("dates_restated"):
            lines.append(f"  registry: restated {run['dates_restated']} date(s) (v_restatement says what moved)")
        if run["data_docs_url"]:
            lines.append(f"  Data Docs: {run['data_docs_url']}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
