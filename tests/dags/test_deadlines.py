"""Every DAG carries the Deadline Alert that tells the data team about a run still going past its deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import AsyncCallback, DeadlineReference
from dlsei_dev.local_airflow import REPO_ROOT

from dlsei.orchestration.callbacks import notify_run_late


@pytest.mark.parametrize(("setting", "interval"), [(None, timedelta(hours=4)), ("45", timedelta(minutes=45))])
def test_every_dag_has_the_run_deadline(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, interval: timedelta
) -> None:
    if setting is None:
        monkeypatch.delenv("AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES", raising=False)
    else:
        monkeypatch.setenv("AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES", setting)
    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    assert bag.dags
    for dag in bag.dags.values():
        (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
        assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT, dag.dag_id
        assert alert.interval == interval
        # Resolved by path in the triggerer: it must name the coroutine function in the installed package.
        assert alert.callback == AsyncCallback(notify_run_late)
        assert alert.callback.path == "dlsei.orchestration.callbacks.notify_run_late"
