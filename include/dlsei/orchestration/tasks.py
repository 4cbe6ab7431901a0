"""What each DAG task does, as one call each: the DAG files only wire these together.

Every function takes the Airflow task context and reads the run's logical date from it, never the clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from dlsei.errors import IncompleteDay
from dlsei.resources import Resources, resources
from dlsei.runs import RunContext, airflow_load_id
from dlsei.settings import load_settings

if TYPE_CHECKING:
    from airflow.sdk import Asset

    from dlsei.ingest.intake import IntakeReport

Context = dict[str, Any]


def run_context(context: Context) -> RunContext:
    dag_run = context["dag_run"]
    # Asset-triggered runs have no logical date in Airflow 3: they stand at the moment they were queued for.
    logical = context.get("logical_date") or dag_run.run_after
    return RunContext(
        load_id=airflow_load_id(dag_run.dag_id, dag_run.run_id), logical_dt=logical, settings=load_settings()
    )


def land_coursera_exports(context: Context) -> dict[str, object]:
    from dlsei.ingest.coursera import ingest_coursera_exports
    from dlsei.orchestration.assets import COURSERA_SNAPSHOTS

    return _land(context, ingest_coursera_exports, COURSERA_SNAPSHOTS, "as_of_dates")


def land_registry(context: Context) -> dict[str, object]:
    from dlsei.ingest.registry import ingest_registry
    from dlsei.orchestration.assets import HEC_REGISTRY

    return _land(context, ingest_registry, HEC_REGISTRY, "extract_dates")


def erase_expired_identities(context: Context) -> int:
    """Erase the identities of people gone from the registry longer than the retention period (daily)."""
    from dlsei.ingest.identities import apply_retention

    run = run_context(context)
    with resources(run.settings).warehouse.begin() as conn:
        return apply_retention(conn, run.logical_date, run.settings.identity_retention_days)


def _land(
    context: Context, ingest: Callable[[RunContext, Resources], IntakeReport], asset: Asset, dates_key: str
) -> dict[str, object]:
    """Land what waits in incoming/ and say on the asset event (the UI's asset page shows it) which dates it loaded
    and how many rows and files."""
    run = run_context(context)
    summary = ingest(run, resources(run.settings)).as_dict()
    context["outlet_events"][asset].extra = {
        dates_key: summary["as_of_dates"],
        "rows_loaded": summary["rows_loaded"],
        "rows_rejected": summary["rows_rejected"],
        "files": summary["files"],
    }
    return summary


def _quarantine_lines(summary: dict[str, Any]) -> list[str]:
    return [f"- quarantined {q['file']}: {q['reason']}" for q in summary.get("quarantined") or []]


def fail_on_quarantine(summary: dict[str, Any]) -> None:
    lines = _quarantine_lines(summary)
    if lines:
        raise IncompleteDay(
            "some files were not published (the others were; the data team was told):\n" + "\n".join(lines)
        )


def check_day(context: Context, summary: dict[str, Any]) -> None:
    """After landing: name every export still missing for its date, and every quarantined file."""
    from dlsei.alerts import notify_data_team
    from dlsei.ingest.arrivals import KIND_NAMES, expected_as_of, missing_exports

    run = run_context(context)
    res = resources(run.settings)
    as_of = expected_as_of(run)
    missing = missing_exports(run, res, include_waiting=False)
    lines = [f"- missing the {KIND_NAMES[kind]} export for {as_of}" for kind in missing]
    if missing:
        with res.warehouse.begin() as conn:
            notify_data_team(
                conn,
                subject=f"Missing Coursera export for {as_of}: {', '.join(KIND_NAMES[k] for k in missing)}",
                body=(
                    f"The run {run.load_id} waited for the exports with data complete through {as_of} and did not "
                    "find:\n" + "\n".join(lines) + "\n\nThe marts for that date are not published until it arrives; "
                    "drop it into the landing area's incoming/ folder and re-run the day."
                ),
                as_of=run.logical_date,
            )
    lines += _quarantine_lines(summary)
    if lines:
        raise IncompleteDay(f"the day {as_of} is incomplete (the data team was told):\n" + "\n".join(lines))


def refresh_marts(context: Context) -> list[str]:
    """Rebuild the marts of the requested as-of dates (param `as_of_dates`), or else of every date whose
    snapshots changed since its marts were built: whatever triggered the run, no date is missed or doubled. First,
    the published dates a registry extract changed are restated (publish/restatement.py); the alerts of the run are
    raised for the rebuilt dates only, not for restated history."""
    from dlsei.canonical import COURSERA_KINDS
    from dlsei.ingest.arrivals import published_kinds
    from dlsei.orchestration.assets import QUOTA_UTILISATION
    from dlsei.publish.marts import pending_dates, published_rows, refresh_utilisation
    from dlsei.publish.restatement import restate

    run = run_context(context)
    engine = resources(run.settings).warehouse
    restate(engine, run)
    requested = (context.get("params") or {}).get("as_of_dates") or []
    with engine.connect() as conn:
        dates = [date.fromisoformat(d) for d in requested] or pending_dates(conn)
    # Half a snapshot would publish zero enrolments and understate activity: a date waits for both exports.
    ready = [d for d in dates if published_kinds(engine, d) == set(COURSERA_KINDS)]
    for as_of in ready:
        refresh_utilisation(engine, run, as_of)
    with engine.connect() as conn:
        rows = published_rows(conn, ready)
    # The asset event says which dates were published and with how many university-cohort rows each.
    context["outlet_events"][QUOTA_UTILISATION].extra = {
        "as_of_dates": [d.isoformat() for d in ready],
        "rows": {d.isoformat(): n for d, n in rows.items()},
    }
    return [d.isoformat() for d in ready]


def raise_and_send_alerts(context: Context, refreshed: list[str]) -> dict[str, object]:
    from dlsei.alerts import run_alerts

    run = run_context(context)
    return run_alerts(resources(run.settings), [date.fromisoformat(d) for d in refreshed])


def build_data_docs(context: Context) -> str:
    from dlsei.quality.docs import publish_data_docs

    run = run_context(context)
    return publish_data_docs(run.settings, run.logical_dt)


def programme_report(context: Context) -> str:
    """Write and send the report of the month before the run's (Karachi) date; returns the report's key."""
    from dlsei.report.programme import publish_report

    run = run_context(context)
    month = run.logical_date.replace(day=1) - timedelta(days=1)
    return publish_report(run.settings, month)
