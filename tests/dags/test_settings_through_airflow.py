"""Settings resolve through Airflow's own chain inside Airflow: a Variable kept in the metadata database (set with
the Airflow CLI) and one kept in a secrets backend (the local-filesystem backend) are what a real run uses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, func, select

from dlsei.warehouse.schema import alert_message, dim_university, file_ledger

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
CLI_TEAM = "cli-data-team@hec.example"


def _airflow(*args: str) -> None:
    subprocess.run([AIRFLOW, *args], check=True, env=os.environ.copy(), stdout=subprocess.DEVNULL)


@pytest.fixture
def data_team_in_metadata_db(airflow_db: Path) -> Iterator[str]:
    """The data team's address set the way an operator does it, in Airflow's metadata database."""
    _airflow("variables", "set", "dlsei_data_team_email", CLI_TEAM)
    yield CLI_TEAM
    _airflow("variables", "delete", "dlsei_data_team_email")


def _secrets_backend(tmp_path: Path, variables: dict[str, str]) -> dict[str, str]:
    """Environment that points Airflow at a local-filesystem secrets backend holding `variables`."""
    path = tmp_path / "secrets" / "variables.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(variables), encoding="utf-8")
    kwargs = json.dumps({"variables_file_path": str(path)})
    return {
        "AIRFLOW__SECRETS__BACKEND": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        "AIRFLOW__SECRETS__BACKEND_KWARGS": kwargs,
        # A worker reads its own backend settings (the worker may run where the scheduler's backend is not reachable).
        "AIRFLOW__WORKERS__SECRETS_BACKEND": "airflow.secrets.local_filesystem.LocalFilesystemBackend",
        "AIRFLOW__WORKERS__SECRETS_BACKEND_KWARGS": kwargs,
    }


def _run_registry_dag(day: str, env: dict[str, str]) -> str:
    # A process of its own, like a worker: it reads the secrets backend configuration when Airflow starts.
    script = (
        "import sys; from datetime import date; from dlsei_dev.local_airflow import run_days\n"
        f"(outcome,) = run_days([date.fromisoformat({day!r})], dag_ids=['hec_registry'])\n"
        "print(outcome.state)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, **env}, capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.long
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_a_run_uses_the_metadata_db_variable_and_the_secrets_backend_variable(
    tmp_path: Path, dlsei_env: Path, warehouse: Engine, airflow_db: Path, data_team_in_metadata_db: str
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=60, days=1))
    (day,) = sample.as_of_dates
    landing = tmp_path / "landing-named-by-the-secrets-backend"
    (landing / "incoming").mkdir(parents=True)
    for path in sample.files:
        if path.name.startswith("hec_"):
            (landing / "incoming" / path.name).write_bytes(path.read_bytes())
    bad = f"hec_people_{day - timedelta(days=1)}.csv"
    (landing / "incoming" / bad).write_text("not,a,registry\nextract,at,all\n", encoding="utf-8")

    state = _run_registry_dag(day.isoformat(), _secrets_backend(tmp_path, {"dlsei_landing_url": landing.as_uri()}))

    assert state == "failed", "the quarantined extract fails the day, after the others landed"
    assert (landing / "archive").is_dir() and not (dlsei_env / "landing").exists()
    assert sorted(p.name for p in (landing / "quarantine").iterdir()) == [bad, f"{bad}.reason.json"]
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(dim_university)).scalar_one() == 3
        assert conn.execute(select(func.count()).select_from(file_ledger)).scalar_one() == 6
        to = conn.execute(
            select(alert_message.c.recipient).where(alert_message.c.subject == f"Quarantined: {bad}")
        ).scalar_one()
    assert to == data_team_in_metadata_db
    # The run's summary is its note in the Airflow UI.
    with sqlite3.connect(airflow_db / "airflow.db") as db:
        (note,) = db.execute(
            "SELECT n.content FROM dag_run_note n JOIN dag_run r ON r.id = n.dag_run_id WHERE r.dag_id = 'hec_registry'"
            " ORDER BY r.id DESC LIMIT 1"
        ).fetchone()
    assert "files: 6 seen, 5 loaded" in note and "1 quarantined" in note, note


PER_TASK_DAG = """
import json, os
from pathlib import Path
from airflow.sdk import DAG, task
from dlsei.settings import load_settings

SEEN = Path(os.environ["SEEN_FILE"])

with DAG("settings_per_task", schedule=None):

    @task
    def first():
        settings = load_settings()
        os.environ["AIRFLOW_VAR_DLSEI_OUTBOX_DIR"] = "after"  # as an operator changing the Variable meanwhile
        again = load_settings()
        SEEN.write_text(json.dumps([str(settings.outbox_dir), again is settings, str(again.outbox_dir)]))

    @task
    def second():
        SEEN.write_text(json.dumps([*json.loads(SEEN.read_text()), str(load_settings().outbox_dir)]))

    first() >> second()
"""


def test_a_task_reads_its_settings_once_and_the_next_task_afresh(
    airflow_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each lookup is a request to Airflow's execution API: a task that asks for its settings from several places
    pays for them once. A change (an operator setting a Variable) reaches the next task."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db

    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "settings_per_task.py").write_text(PER_TASK_DAG, encoding="utf-8")
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_OUTBOX_DIR", "before")
    monkeypatch.setenv("SEEN_FILE", str(tmp_path / "seen.json"))

    bag = DagBag(dag_folder=str(dags))
    DagBundlesManager().sync_bundles_to_db()
    sync_bag_to_db(bag, "dags-folder", None)  # as the dag processor would, for a DAG outside the DAGs folder
    dag = bag.get_dag("settings_per_task")
    assert str(dag.test().state) == "success"
    assert json.loads((tmp_path / "seen.json").read_text()) == ["before", True, "before", "after"]
