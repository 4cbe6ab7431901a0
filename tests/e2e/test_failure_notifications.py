"""A failing task tells the data team once, after its last retry; a data-quality failure tells them at once; and
the run summary records the failed run.

The DAG is written by the test with the project's own task defaults (the failure callback, the retry policy, two
retries) and run through dag.test(): Airflow's task runner does the retries and calls the callbacks, as on a
worker. Only the retry delay is zero, so the test does not wait ten minutes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from sqlalchemy import Engine, select

from dlsei.alerts.messages import DATA_TEAM, SENT, QueuedMessage
from dlsei.warehouse.schema import alert_message, pipeline_run

DAG_ID = "dlsei_failing_test"
DAG_FILE = """
from datetime import timedelta
from pathlib import Path

from airflow.sdk import dag, task

from dlsei.errors import DataQualityError
from dlsei.orchestration.defaults import default_args

TRIES = Path({tries!r})


def attempt(name: str) -> None:
    with TRIES.open("a") as tries:
        tries.write(name + "\\n")


@dag(dag_id={dag_id!r}, schedule=None, default_args={{**default_args(), "retry_delay": timedelta(0)}})
def failing():
    @task
    def flaky_database() -> None:
        attempt("flaky_database")
        raise ConnectionError("the warehouse did not answer")

    @task
    def bad_data() -> None:
        attempt("bad_data")
        raise DataQualityError("a critical expectation failed")

    flaky_database()
    bad_data()


failing()
"""
LOGICAL = datetime(2026, 11, 2, 3, tzinfo=UTC)


@pytest.fixture
def failing_dag_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test DAG in a DAG bundle of its own beside the project's: dag.test() runs only DAGs it finds in a bundle."""
    folder = tmp_path / "test_dags"
    folder.mkdir()
    (folder / "failing.py").write_text(DAG_FILE.format(dag_id=DAG_ID, tries=str(tmp_path / "tries.txt")))
    local = "airflow.dag_processing.bundles.local.LocalDagBundle"
    bundles = [
        {"name": "dags-folder", "classpath": local, "kwargs": {}},
        {"name": "dlsei-test-dags", "classpath": local, "kwargs": {"path": str(folder)}},
    ]
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps(bundles))
    return folder


def test_a_failing_task_notifies_once_after_its_last_retry(
    failing_dag_bundle: Path, dlsei_env: Path, warehouse: Engine, airflow_db: Path, tmp_path: Path
) -> None:
    dag = DagBag(dag_folder=str(failing_dag_bundle)).get_dag(DAG_ID)
    dag_run = dag.test(logical_date=LOGICAL)

    assert str(dag_run.state) == "failed"
    tries = (tmp_path / "tries.txt").read_text().split()
    assert tries.count("flaky_database") == 3, "two retries after the first try"
    assert tries.count("bad_data") == 1, "the retry policy fails a data-quality error at once"

    with warehouse.connect() as conn:
        rows = conn.execute(select(alert_message)).mappings().all()
    messages = {row["subject"]: row for row in rows}
    flaky, bad = (f"Failed: {DAG_ID}.{task} for 2026-11-02" for task in ("flaky_database", "bad_data"))
    assert set(messages) == {flaky, bad}
    # A note is queued once per subject and day, so a callback on an earlier try would have left its own try
    # number in the one message: "try 3" shows the first (and only) call came after the last retry.
    flaky_text, bad_text = (QueuedMessage.from_row(messages[subject]).text() for subject in (flaky, bad))
    assert "(try 3)" in flaky_text and "the warehouse did not answer" in flaky_text
    assert "(try 1)" in bad_text and "a critical expectation failed" in bad_text
    assert {row["audience"] for row in rows} == {DATA_TEAM}
    assert {row["status"] for row in rows} == {SENT}, "delivered at once, not at the next run"
    assert len(list((dlsei_env / "outbox").glob("*.eml"))) == 2

    with warehouse.connect() as conn:
        (summary,) = conn.execute(select(pipeline_run)).mappings().all()
    assert (summary["dag_id"], summary["run_id"], summary["state"]) == (DAG_ID, dag_run.run_id, "failed")
    assert summary["files_seen"] == summary["marts_refreshed"] == summary["alerts_sent"] == 0
    assert summary["duration_seconds"] > 0
