"""A run still going past its deadline tells the data team, through the path Airflow 3.3 takes.

In a deployment the dag-processor stores the DAG with its Deadline Alert, the scheduler creates the run's deadline
when it queues the run, later finds it passed and hands the callback to the triggerer as a trigger, and the
triggerer runs it. tests/distributed/test_celery.py shows exactly that with the real services; this test takes the
same steps in-process (same Airflow functions, same metadata database tables), so a change in any of them shows up
in the ordinary test run, in seconds. Only the scheduler's loop is not running: its deadline step is called here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow._shared.module_loading import import_string
from airflow._shared.timezones import timezone
from airflow.dag_processing.bundles.manager import DagBundlesManager
from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
from airflow.models import DagRun, Deadline, Trigger
from airflow.models.serialized_dag import SerializedDagModel
from airflow.utils.session import create_session
from airflow.utils.state import DagRunState
from airflow.utils.types import DagRunTriggeredByType, DagRunType
from dlsei_dev.local_airflow import REPO_ROOT
from sqlalchemy import Engine, delete, select

from dlsei.alerts.messages import DATA_TEAM, SENT
from dlsei.warehouse.schema import alert_message

DAG_ID = "hec_registry"
# 08:00 in Karachi, on a morning no other test runs the DAG for: the tests of one process share its Airflow metadata
# DB, and the end-to-end runs (2026-11-02 onwards), which run first, leave their runs of hec_registry there.
MORNING = datetime(2026, 10, 5, 3, tzinfo=UTC)


@pytest.fixture
def queued_run(airflow_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The real DAG parsed with a deadline of zero minutes, stored as the dag-processor stores it, and a run queued
    as the scheduler queues a morning run; removed afterwards."""
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES", "0")
    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    sync_bag_to_db(bag, "dags-folder", None)
    dag = SerializedDagModel.get_dag(DAG_ID)
    run_id = f"scheduled__deadline_test_{timezone.utcnow():%H%M%S%f}"
    with create_session() as session:
        dag.create_dagrun(
            run_id=run_id,
            logical_date=MORNING,
            data_interval=(MORNING, MORNING),
            run_after=MORNING,
            run_type=DagRunType.SCHEDULED,
            triggered_by=DagRunTriggeredByType.TIMETABLE,
            state=DagRunState.QUEUED,
            session=session,
        )
    yield run_id
    with create_session() as session:
        session.execute(delete(DagRun).where(DagRun.run_id == run_id))


def scheduler_deadline_step() -> None:
    """The scheduler loop's deadline step (SchedulerJobRunner._execute loop, Airflow 3.3): every passed deadline
    not yet handled is marked missed and its callback queued."""
    with create_session() as session:
        passed = select(Deadline).where(Deadline.deadline_time < timezone.utcnow(), ~Deadline.missed)
        for deadline in session.scalars(passed):
            deadline.handle_miss(session)


async def run_trigger(trigger: Trigger) -> list[dict]:
    """What the triggerer does with a trigger row: rebuild the trigger from its class path and (decrypted)
    arguments, and run it to the end."""
    instance = import_string(trigger.classpath)(**trigger.kwargs)
    return [event.payload async for event in instance.run()]


def fire_missed_deadline(run_id: str) -> list[dict]:
    """The scheduler's step, then the triggerer's work on the trigger it left; the trigger's events."""
    scheduler_deadline_step()
    with create_session() as session:
        run = session.scalars(select(DagRun).where(DagRun.run_id == run_id)).one()
        deadline = session.scalars(select(Deadline).where(Deadline.dagrun_id == run.id)).one()
        assert deadline.missed
        return asyncio.run(run_trigger(deadline.callback.trigger))


def test_a_run_past_its_deadline_tells_the_data_team(queued_run: str, dlsei_env: Path, warehouse: Engine) -> None:
    with create_session() as session:
        run = session.scalars(select(DagRun).where(DagRun.run_id == queued_run)).one()
        (deadline,) = session.scalars(select(Deadline).where(Deadline.dagrun_id == run.id)).all()
        assert deadline.deadline_time == run.queued_at, "counted from the moment the run was queued"

    payloads = fire_missed_deadline(queued_run)

    assert payloads[-1]["state"] == "success", payloads
    with warehouse.connect() as conn:
        (message,) = conn.execute(select(alert_message)).mappings().all()
    assert message["subject"] == f"Late: {DAG_ID} run {queued_run} has not finished by its deadline"
    assert (message["audience"], message["status"], message["created_for"]) == (DATA_TEAM, SENT, MORNING.date())
    (delivered,) = (dlsei_env / "outbox").glob("*.eml")
    assert "is still queued" in delivered.read_text()


def test_a_run_that_already_failed_is_not_reported_late(queued_run: str, dlsei_env: Path, warehouse: Engine) -> None:
    """Airflow keeps a failed run's deadline and fires it; the failure note has already said what there is to say."""
    with create_session() as session:
        session.scalars(select(DagRun).where(DagRun.run_id == queued_run)).one().state = DagRunState.FAILED

    payloads = fire_missed_deadline(queued_run)

    assert payloads[-1] == {"state": "success", "body": f"{DAG_ID}/{queued_run} already failed: nothing to report"}
    with warehouse.connect() as conn:
        assert conn.execute(select(alert_message)).all() == []
