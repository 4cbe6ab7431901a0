"""The real DAGs in distributed mode: CeleryExecutor, PostgreSQL metadata database, Redis broker, and Airflow's
services as separate processes (api-server, scheduler, dag-processor, triggerer, Celery worker), as in
docker-compose.yml. A day is triggered through the REST API like an operator would, and the test checks what
reached the warehouse: the published marts against the generator's truth, every run's summary, and the Deadline
Alert the scheduler and the triggerer raised for runs still going past their deadline (set to zero minutes here,
so every run is late).

Isolated from anything else on the machine: its own metadata database, warehouse schema, Celery queue, ports and
AIRFLOW_HOME; every process it started is stopped at the end, whatever the outcome.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pandas as pd
import pytest
import redis
from airflow_services import AirflowApi, AirflowServices, free_port, wait_for
from cryptography.fernet import Fernet
from dlsei_dev.generator import SampleConfig, SampleManifest, generate_sample
from dlsei_dev.local_airflow import REPO_ROOT
from sqlalchemy import Engine, create_engine, make_url, select, text

from dlsei.ingest.landing import landing_from_url
from dlsei.runs import airflow_load_id, karachi_date
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade
from dlsei.warehouse.schema import MEASURES, alert_message, mart_quota_utilisation, pipeline_run

pytestmark = [pytest.mark.postgres, pytest.mark.distributed, pytest.mark.long]

LANDING_DAGS = ("hec_registry", "coursera_exports")
PUBLISH_DAG = "quota_utilisation"
FINISHED = {"success", "failed"}
ADMIN = "admin"
KEYS = ["as_of_date", "university_id", "cohort_id"]


@dataclass
class Deployment:
    services: AirflowServices
    api: AirflowApi
    warehouse: Engine
    landing_url: str
    outbox: Path


@pytest.fixture
def broker_url() -> str:
    url = os.environ.get("DLSEI_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.ConnectionError:
        pytest.skip(f"needs the Redis broker at {url} (.ci/run starts it)")
    return url


@pytest.fixture
def metadata_db(postgres_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for Airflow's metadata and Celery's results, on the warehouse's server; dropped
    afterwards."""
    name = f"dlsei_airflow_{uuid.uuid4().hex[:12]}"
    url = make_url(postgres_url).set(query={})
    server = create_engine(url, isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def airflow_environment(
    home: Path, metadata_url: str, broker_url: str, warehouse_url: str, api_port: int
) -> dict[str, str]:
    """One environment for every service, as x-airflow-common is in docker-compose.yml: the same JWT secret and
    execution API URL (tasks report to the api-server), Fernet key (trigger arguments are encrypted) and settings."""
    return {
        **os.environ,  # the test session's own: PATH, and conftest's copy of the GX project (DLSEI_GX_ROOT)
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        # As in production, the scheduler creates runs: the asset-triggered publishing run among them (the local
        # demo Airflow of this test session's environment turns that off).
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata_url}",
        # A queue of its own: a worker of another test run on this machine never takes these tasks.
        "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"dlsei_test_{uuid.uuid4().hex[:8]}",
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(32),
        "AIRFLOW__API__SECRET_KEY": secrets.token_hex(32),
        "AIRFLOW__API__PORT": str(api_port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
        "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
        "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        "DLSEI_HOME": str(home / "dlsei"),
        "AIRFLOW_CONN_DLSEI_WAREHOUSE": warehouse_url,
        "AIRFLOW_VAR_DLSEI_LANDING_URL": (home / "landing").as_uri(),
        "AIRFLOW_VAR_DLSEI_OUTBOX_DIR": str(home / "outbox"),
        # Every run is late at once, so the scheduler and the triggerer must raise the Deadline Alert.
        "AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES": "0",
        # The exports are waiting before the run starts; should the sensor not see them, it gives up within the test.
        "AIRFLOW_VAR_DLSEI_EXPORT_WAIT_MINUTES": "5",
        "GX_ANALYTICS_ENABLED": "false",
    }


@pytest.fixture
def deployment(tmp_path: Path, metadata_db: str, broker_url: str, postgres_url: str) -> Iterator[Deployment]:
    warehouse = make_engine(postgres_url)
    upgrade(warehouse)
    home = tmp_path / "airflow"
    home.mkdir()
    password = secrets.token_urlsafe(16)
    (home / "passwords.json").write_text(json.dumps({ADMIN: password}))
    api_port = free_port()
    env = airflow_environment(home, metadata_db, broker_url, postgres_url, api_port)
    services = AirflowServices(home, env)
    api = AirflowApi(f"http://127.0.0.1:{api_port}")
    try:
        services.run("db", "migrate", timeout=240)
        services.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port), "--workers", "1")
        services.start("scheduler", "scheduler")
        services.start("dag-processor", "dag-processor")
        services.start("triggerer", "triggerer", "--skip-serve-logs")
        services.start(
            "celery-worker",
            "celery",
            "worker",
            "--queues",
            env["AIRFLOW__OPERATORS__DEFAULT_QUEUE"],
            "--concurrency",
            "2",
            "--celery-hostname",
            f"dlsei-test-{uuid.uuid4().hex[:8]}@%h",
            "--skip-serve-logs",
            "--without-mingle",
            "--without-gossip",
        )
        with services.logs_on_failure():
            wait_for("every Airflow component to report healthy", lambda: healthy(services, api), 240)
            api.log_in(ADMIN, password)
        yield Deployment(services, api, warehouse, env["AIRFLOW_VAR_DLSEI_LANDING_URL"], home / "outbox")
    finally:
        api.close()
        services.stop()
        warehouse.dispose()


def healthy(services: AirflowServices, api: AirflowApi) -> bool | None:
    services.check_alive()
    health = api.health()
    components = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    if health and all((health.get(c) or {}).get("status") == "healthy" for c in components):
        return True
    return None


def deliver_sample(landing_url: str, out: Path, run_day: date) -> SampleManifest:
    """Two days of exports (and the registry) whose export stamps fall before the morning run of `run_day`."""
    manifest = generate_sample(
        SampleConfig(out_dir=out, seed=11, universities=3, people=120, start=run_day - timedelta(days=2), days=2)
    )
    landing = landing_from_url(landing_url)
    for path in manifest.files:
        landing.put(f"incoming/{path.name}", path.read_bytes())
    return manifest


def runs_of(api: AirflowApi, dag_id: str) -> list[dict]:
    return api.get(f"/dags/{dag_id}/dagRuns")["dag_runs"]


def all_settled(deployment: Deployment) -> bool | None:
    """Both landing runs over, the publishing runs they triggered over, and no asset event left to start another."""
    deployment.services.check_alive()
    api = deployment.api
    landing_runs = [run for dag_id in LANDING_DAGS for run in runs_of(api, dag_id)]
    if len(landing_runs) < len(LANDING_DAGS) or any(run["state"] not in FINISHED for run in landing_runs):
        return None
    publishing = runs_of(api, PUBLISH_DAG)
    if not publishing or any(run["state"] not in FINISHED for run in publishing):
        return None
    if api.get(f"/dags/{PUBLISH_DAG}/assets/queuedEvents")["total_entries"]:
        return None
    return True


def test_the_real_dags_run_on_celery_and_publish(deployment: Deployment, tmp_path: Path) -> None:
    api, services = deployment.api, deployment.services
    with services.logs_on_failure():
        dags = wait_for("the dag-processor to parse the DAGs", lambda: _parsed(api), 180)
        # The morning run the scheduler would create next; triggering exactly it (not a second, manual day) keeps
        # the scheduler from adding its own run for that morning when the DAG is unpaused.
        mornings = {dag_id: dags[dag_id]["next_dagrun_logical_date"] for dag_id in LANDING_DAGS}
        run_day = karachi_date(datetime.fromisoformat(mornings["hec_registry"]))
        manifest = deliver_sample(deployment.landing_url, tmp_path / "sample", run_day)

        api.patch(f"/dags/{PUBLISH_DAG}", {"is_paused": False})
        triggered = {
            dag_id: api.post(f"/dags/{dag_id}/dagRuns", {"logical_date": morning})["dag_run_id"]
            for dag_id, morning in mornings.items()
        }
        for dag_id in LANDING_DAGS:
            api.patch(f"/dags/{dag_id}", {"is_paused": False})
        wait_for("the runs to finish", lambda: all_settled(deployment), 420)

        runs = {dag_id: runs_of(api, dag_id) for dag_id in (*LANDING_DAGS, PUBLISH_DAG)}
        assert {dag_id: [r["dag_run_id"] for r in runs[dag_id]] for dag_id in LANDING_DAGS} == {
            dag_id: [run_id] for dag_id, run_id in triggered.items()
        }
        states = {(r["dag_id"], r["dag_run_id"]): r["state"] for dag_runs in runs.values() for r in dag_runs}
        assert set(states.values()) == {"success"}, states

        assert_published_truth(deployment.warehouse, manifest)
        assert_run_summaries(deployment.warehouse, states, manifest)
        wait_for("the deadline alerts of every run to be delivered", lambda: _late_notes_sent(deployment, states), 60)
        delivered = [json.loads(p.read_text()) for p in deployment.outbox.glob("*.json")]
        assert {note["subject"] for note in delivered if note["subject"].startswith("Late: ")} == {
            f"Late: {dag_id} run {run_id} has not finished by its deadline" for dag_id, run_id in states
        }


def _parsed(api: AirflowApi) -> dict | None:
    dags = {dag_id: api.found(f"/dags/{dag_id}") for dag_id in (*LANDING_DAGS, PUBLISH_DAG)}
    if all(dags.values()) and all(dags[d]["next_dagrun_logical_date"] for d in LANDING_DAGS):
        return dags
    return None


def _late_notes_sent(deployment: Deployment, states: dict) -> bool | None:
    m = alert_message
    with deployment.warehouse.connect() as conn:
        notes = conn.execute(select(m.c.subject, m.c.status).where(m.c.subject.like("Late: %"))).all()
    sent = {subject for subject, status in notes if status == "sent"}
    return True if len(sent) == len(states) == len(notes) else None


def assert_published_truth(warehouse: Engine, manifest: SampleManifest) -> None:
    with warehouse.connect() as conn:
        published = pd.DataFrame(conn.execute(select(mart_quota_utilisation)).mappings().all())
    published["as_of_date"] = pd.to_datetime(published["as_of_date"]).dt.date
    truth = pd.read_csv(manifest.truth_path, dtype={"university_id": str, "cohort_id": str})
    truth["as_of_date"] = pd.to_datetime(truth["as_of_date"]).dt.date
    columns = [*KEYS, *MEASURES]
    pd.testing.assert_frame_equal(
        published[columns].sort_values(KEYS).reset_index(drop=True),
        truth[columns].sort_values(KEYS).reset_index(drop=True),
        check_dtype=False,
    )
    assert set(published["as_of_date"]) == set(manifest.as_of_dates)


def assert_run_summaries(warehouse: Engine, states: dict, manifest: SampleManifest) -> None:
    """The listener ran in the scheduler and wrote one summary per run, matching what each run did."""
    with warehouse.connect() as conn:
        rows = {row.load_id: row for row in conn.execute(select(pipeline_run))}
    assert set(rows) == {airflow_load_id(dag_id, run_id) for dag_id, run_id in states}
    by_dag: dict[str, list] = {}
    for row in rows.values():
        by_dag.setdefault(row.dag_id, []).append(row)
    registry = [p for p in manifest.files if p.name.startswith("hec_")]
    exports = [p for p in manifest.files if not p.name.startswith("hec_")]
    (hec,) = by_dag["hec_registry"]
    (coursera,) = by_dag["coursera_exports"]
    assert (hec.state, hec.files_seen, hec.files_loaded) == ("success", len(registry), len(registry))
    assert (coursera.state, coursera.files_seen, coursera.files_loaded) == ("success", len(exports), len(exports))
    assert coursera.rows_loaded > 0 and coursera.dq_critical_failures == 0
    assert coursera.data_complete_through == max(manifest.as_of_dates)
    publishing = by_dag[PUBLISH_DAG]
    assert sum(row.marts_refreshed for row in publishing) >= len(manifest.as_of_dates)
    assert max(row.data_complete_through for row in publishing if row.marts_refreshed) == max(manifest.as_of_dates)
    assert all(row.duration_seconds > 0 and row.queued_at is not None for row in rows.values())
    # Every run that validated links the Data Docs site its validations are in; the worker built it there.
    assert all(row.data_docs_url for row in (hec, coursera, *(r for r in publishing if r.marts_refreshed)))
    (link,) = {row.data_docs_url for row in rows.values()} - {None}
    assert Path(url2pathname(urlsplit(link).path)).is_file()
    assert "mart_quota_utilisation" in Path(url2pathname(urlsplit(link).path)).read_text(encoding="utf-8")
