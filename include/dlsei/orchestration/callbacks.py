"""Airflow callbacks. Imported when DAG files are parsed, so the heavy imports wait inside the functions."""

from __future__ import annotations

from typing import Any


def notify_task_failure(context: dict[str, Any]) -> None:
    """Tell the data team a task failed after its last retry, through the same queue as every other alert."""
    from dlsei.alerts import deliver_pending, notify_data_team, transport_from_settings
    from dlsei.orchestration.tasks import run_context, warehouse

    run = run_context(context)
    task_instance = context["ti"]
    error = context.get("exception")
    engine = warehouse(run.settings)
    with engine.begin() as conn:
        notify_data_team(
            conn,
            subject=f"Failed: {task_instance.dag_id}.{task_instance.task_id} for {run.logical_date}",
            body=(
                f"Task {task_instance.task_id} of {task_instance.dag_id} failed after its last try "
                f"(try {task_instance.try_number}).\nRun: {run.load_id}\nError: {error}\n"
            ),
            as_of=run.logical_date,
        )
    # Delivery commits message by message (a rollback must never forget a message already sent): no outer transaction.
    with engine.connect() as conn:
        deliver_pending(conn, transport_from_settings())
