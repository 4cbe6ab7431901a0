"""What each DAG task does, as one call each: the DAG files only wire these together.

Every function takes the Airflow task context and reads the run's logical date from it, never the clock.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Engine

from dlsei.landing import landing_from_url
from dlsei.runs import RunContext
from dlsei.settings import Settings, load_settings
from dlsei.warehouse.engine import make_engine

Context = dict[str, Any]


def run_context(context: Context) -> RunContext:
    dag_run = context["dag_run"]
    # Asset-triggered runs have no logical date in Airflow 3: they stand at the moment they were queued for.
    logical = context.get("logical_date") or dag_run.run_after
    return RunContext(load_id=f"{dag_run.dag_id}/{dag_run.run_id}", logical_dt=logical, settings=load_settings())


@cache
def warehouse(settings: Settings) -> Engine:
    return make_engine(settings.warehouse_url)


def land_coursera_exports(context: Context) -> dict[str, object]:
    from dlsei.ingest_coursera import ingest_coursera_exports
    from dlsei.orchestration.assets import COURSERA_SNAPSHOTS

    run = run_context(context)
    report = ingest_coursera_exports(run, landing_from_url(run.settings.landing_url), warehouse(run.settings))
    summary = report.as_dict()
    context["outlet_events"][COURSERA_SNAPSHOTS].extra = {"as_of_dates": summary["as_of_dates"]}
    return summary


def land_registry(context: Context) -> dict[str, object]:
    from dlsei.orchestration.assets import HEC_REGISTRY
    from dlsei.registry import ingest_registry

    run = run_context(context)
    report = ingest_registry(run, landing_from_url(run.settings.landing_url), warehouse(run.settings))
    summary = report.as_dict()
    context["outlet_events"][HEC_REGISTRY].extra = {"extract_dates": summary["as_of_dates"]}
    return summary


class FilesQuarantined(RuntimeError):
    """Some files of the run were put aside; the rest were published. The run shows red until someone looks."""


def fail_on_quarantine(summary: dict[str, Any]) -> None:
    quarantined = summary.get("quarantined") or []
    if quarantined:
        lines = "\n".join(f"- {q['file']}: {q['reason']}" for q in quarantined)
        raise FilesQuarantined(
            f"{len(quarantined)} file(s) quarantined (the others were published; the data team was told):\n{lines}"
        )


def refresh_marts(context: Context) -> list[str]:
    """Rebuild the marts of the requested as-of dates (param `as_of_dates`), or else of every date whose
    snapshots changed since its marts were built: whatever triggered the run, no date is missed or doubled."""
    from dlsei.marts import has_membership_snapshot, pending_dates, refresh_utilisation

    run = run_context(context)
    engine = warehouse(run.settings)
    requested = (context.get("params") or {}).get("as_of_dates") or []
    with engine.connect() as conn:
        dates = [date.fromisoformat(d) for d in requested] or pending_dates(conn)
        ready = [d for d in dates if has_membership_snapshot(conn, d)]
    for as_of in ready:
        refresh_utilisation(engine, run, as_of)
    return [d.isoformat() for d in ready]


def raise_and_send_alerts(context: Context, refreshed: list[str]) -> dict[str, object]:
    from dlsei.alerts import run_alerts

    run = run_context(context)
    return run_alerts(
        warehouse(run.settings),
        landing_from_url(run.settings.landing_url),
        [date.fromisoformat(d) for d in refreshed],
    )


def build_data_docs() -> str:
    from dlsei.quality import build_data_docs as build

    return str(build())
