"""The Deadline Alert every DAG carries: a run not finished in time tells the data team while it is still running.

How Airflow 3.3 fires it: when a run is queued, the scheduler stores its deadline (queued_at + the interval); each
scheduler loop looks for deadlines passed whose run has not succeeded and hands their callback to the triggerer,
which awaits it. So the callback must be importable in the triggerer: it is, from the installed dlsei package.
Nothing fires under dag.test() (no scheduler, and no queued_at to count from).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference

from dlsei.orchestration.callbacks import notify_run_late
from dlsei.settings import run_deadline_minutes


def run_deadline() -> DeadlineAlert:
    """Counted from the moment the run was queued rather than from its logical date, so a backfilled or re-run day
    gets the same time to finish instead of being late on arrival."""
    return DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(minutes=run_deadline_minutes()),
        callback=AsyncCallback(notify_run_late),
    )
