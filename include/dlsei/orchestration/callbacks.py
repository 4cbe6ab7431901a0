"""Airflow callbacks. Imported when DAG files are parsed, so the heavy imports wait inside the functions."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Any

from dlsei.settings import Settings

# The run states Airflow reports once a run is over.
FINISHED_STATES = frozenset({"success", "failed"})


def tell_data_team(settings: Settings, *, subject: str, body: str, as_of: date) -> None:
    """Queue a note for the data team and deliver it now: these notes report a run in trouble, so they cannot wait
    for the next run's delivery step."""
    from dlsei.alerts import deliver_pending, notify_data_team, transport_from_settings
    from dlsei.resources import resources

    engine = resources(settings).warehouse
    with engine.begin() as conn:
        notify_data_team(conn, subject=subject, body=body, as_of=as_of)
    # Delivery commits message by message (a rollback must never forget a message already sent): no outer transaction.
    with engine.connect() as conn:
        deliver_pending(conn, transport_from_settings(settings))


def notify_task_failure(context: dict[str, Any]) -> None:
    """Tell the data team a task failed after its last retry, through the same queue as every other alert."""
    from dlsei.errors import DataQualityError
    from dlsei.orchestration.tasks import run_context
    from dlsei.quality.docs import data_docs_line

    run = run_context(context)
    task_instance = context["ti"]
    error = context.get("exception")
    checks = data_docs_line(run.settings) if isinstance(error, DataQualityError) else ""
    tell_data_team(
        run.settings,
        subject=f"Failed: {task_instance.dag_id}.{task_instance.task_id} for {run.logical_date}",
        body=(
            f"Task {task_instance.task_id} of {task_instance.dag_id} failed after its last try "
            f"(try {task_instance.try_number}).\nRun: {run.load_id}\nError: {error}\n{checks}"
        ),
        as_of=run.logical_date,
    )


async def notify_run_late(context: dict[str, Any]) -> str:
    """The Deadline Alert's callback (deadlines.py): the triggerer awaits it once the scheduler has found a run past
    its deadline. `context` is what the scheduler hands over: the run as the REST API shows it, and the deadline."""
    # The warehouse drivers block; a thread keeps the triggerer's event loop free for the other triggers.
    return await asyncio.to_thread(_report_late_run, context["dag_run"], context["deadline"])


def _report_late_run(dag_run: dict[str, Any], deadline: dict[str, Any]) -> str:
    from dlsei.runs import karachi_date
    from dlsei.settings import load_settings

    dag_id, run_id, state = dag_run["dag_id"], dag_run["dag_run_id"], dag_run["state"]
    if state in FINISHED_STATES:
        # Airflow keeps a failed run's deadline (it prunes them on success only, apache/airflow#60927), but a failed
        # run has had its failure note; and a run that succeeded before the scheduler looked is no longer late.
        return f"{dag_id}/{run_id} already {state}: nothing to report"
    # Asset-triggered runs have no logical date: they stand at the moment they were queued for.
    moment = datetime.fromisoformat(dag_run.get("logical_date") or dag_run["run_after"])
    tell_data_team(
        load_settings(),
        subject=f"Late: {dag_id} run {run_id} has not finished by its deadline",
        body=(
            f"The run {run_id} of {dag_id} was due to finish by {deadline['deadline_time']} and is still {state}.\n"
            f"Queued at: {dag_run.get('queued_at')}\nStarted at: {dag_run.get('start_date')}\n\n"
            "Look at its tasks in the Airflow UI: an export may not have arrived, or a worker may be stuck. "
            "`dlsei health` shows what the warehouse holds."
        ),
        as_of=karachi_date(moment),
    )
    return f"{dag_id}/{run_id} reported late"
