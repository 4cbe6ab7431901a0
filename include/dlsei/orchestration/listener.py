"""Writes the run summary (report/run_summaries.py) of every DAG run as it ends: an Airflow listener, registered by
the plugin.

A listener rather than a last task in each DAG, because:
- it sees the run's final state and end; a last task runs before them, and a trigger_rule="all_done" leaf would
  turn a failed run green (Airflow decides a run's state from its leaves);
- it also covers runs that end without that task: failed upstream, or marked failed in the UI;
- it fires the same way under the scheduler (which ends runs in its loop) and under dag.test() (which ends them in
  the test's process), and the DAG files stay as they are.
Airflow logs and swallows a listener's exception, so a warehouse outage costs a summary row, never a scheduler loop.
Every Airflow process loads plugins: the warehouse code is imported when a run ends, not before.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from airflow.listeners import hookimpl

if TYPE_CHECKING:
    from airflow.models.dagrun import DagRun


@hookimpl
def on_dag_run_success(dag_run: DagRun, msg: str) -> None:
    record_dag_run(dag_run)


@hookimpl
def on_dag_run_failed(dag_run: DagRun, msg: str) -> None:
    record_dag_run(dag_run)


# The size of Airflow's dag_run_note.content column.
NOTE_LIMIT = 1000


def record_dag_run(dag_run: DagRun) -> None:
    from dlsei.quality.docs import data_docs_link
    from dlsei.report.run_summaries import FinishedRun, record_run, render_runs
    from dlsei.resources import resources
    from dlsei.settings import environment_only, load_settings

    # Inside the scheduler's transaction: a Variable lookup would commit the metadata database under its locks.
    with environment_only():
        settings = load_settings()
    summary = record_run(
        resources(settings).warehouse,
        FinishedRun(
            dag_id=dag_run.dag_id,
            run_id=dag_run.run_id,
            state=str(dag_run.state),
            logical_date=dag_run.logical_date,
            queued_at=dag_run.queued_at,
            # Not the run's start_date: dag.test() stamps it with the logical date, which may be days ago.
            started_at=_first_task_start(dag_run) or dag_run.start_date,
            # Airflow stamps end_date whenever a run enters a finished state.
            finished_at=dag_run.end_date,
        ),
        data_docs=data_docs_link(settings),
    )
    # The same summary as the run's note, so the Airflow UI shows files, rows, quarantined files and failed checks.
    _write_note(dag_run, render_runs([summary])[:NOTE_LIMIT])


def _write_note(dag_run: DagRun, text: str) -> None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy.orm import object_session

    if object_session(dag_run) is not None:
        # The scheduler's session commits it with the run's final state; a session of our own would wait on the
        # run's row lock, which the scheduler holds until then.
        dag_run.note = text
        return
    with create_session() as own:
        own.get(DagRun, dag_run.id).note = text


def _first_task_start(dag_run: DagRun) -> datetime | None:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import func, select
    from sqlalchemy.orm import object_session

    ti = TaskInstance
    query = select(func.min(ti.start_date)).where(ti.dag_id == dag_run.dag_id, ti.run_id == dag_run.run_id)
    session = object_session(dag_run)
    if session is not None:
        # The scheduler's session: read in it, never commit it (it holds the scheduler's row locks, and Airflow
        # refuses the commit).
        return session.scalar(query)
    # dag.test() hands over a run no longer bound to a session.
    with create_session() as own:
        return own.scalar(query)
