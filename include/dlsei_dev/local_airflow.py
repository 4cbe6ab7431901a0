"""A local Airflow (SQLite metadata DB) for the project's real DAGs, and their runs in-process, one logical day at a
time.

The end-to-end tests use run_days(): the same DAG files the scheduler would run, executed with `dag.test()`, so a
run exercises Airflow's task runner, XComs, params and asset outlets without a scheduler, in seconds. The demo runs
its days under a real scheduler instead (backfill.py), for the history the UI shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from dlsei.runs import KARACHI

REPO_ROOT = Path(__file__).resolve().parents[2]
LANDING_DAGS = ("hec_registry", "coursera_exports")
PUBLISH_DAG = "quota_utilisation"


def airflow_environment(airflow_home: Path) -> dict[str, str]:
    """The settings a local Airflow needs; set them before anything imports airflow."""
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(REPO_ROOT / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # Several processes write to it when the scheduler runs (the demo, the scheduler, the api-server): a writer
        # waits up to a minute for another's transaction instead of SQLite's default 5 s.
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}?timeout=60",
        # What `airflow standalone` runs on SQLite; two task processes, as many as the demo machine has cores.
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": "2",
        # The local Airflow runs what is backfilled or triggered, never a morning of the wall clock: the demo's
        # sample stops on its last data day, and today's morning run would wait for exports that never come.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "GX_ANALYTICS_ENABLED": "false",
    }


def prepare_airflow(airflow_home: Path) -> None:
    """Point this process at a local Airflow home and create or migrate its metadata database."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    os.environ.update(airflow_environment(airflow_home))
    subprocess.run(
        [str(Path(sys.executable).with_name("airflow")), "db", "migrate"],
        check=True,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )


def run_time(as_of: date) -> datetime:
    """When the daily run for an as-of date happens: 08:00 Karachi the next morning, once its export is in."""
    return datetime.combine(as_of + timedelta(days=1), time(8), tzinfo=KARACHI)


@dataclass(frozen=True)
class DagOutcome:
    dag_id: str
    logical_dt: datetime
    state: str


def run_days(
    as_of_dates: Iterable[date],
    on_day: Callable[[date, list[DagOutcome]], None] | None = None,
    dag_ids: Iterable[str] = (*LANDING_DAGS, PUBLISH_DAG),
) -> list[DagOutcome]:
    """Run the landing DAGs, then the publishing DAG (or only `dag_ids`, in that order), for each day in order, as
    the scheduler would."""
    # dag.test() serves Airflow's execution API in-process with FastAPI's TestClient, which Starlette warns about
    # (a UserWarning subclass) at every start: Airflow's to change, and nothing a demo user can act on.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    for dag in bag.dags.values():
        # Deadlines are the scheduler's to fire, and there is none here; Airflow 3.3.2's dag.test() also fails a
        # successful run of a DAG that has one (apache/airflow#73428).
        dag.deadline = None
    outcomes: list[DagOutcome] = []
    for as_of in as_of_dates:
        moment = run_time(as_of)
        day: list[DagOutcome] = []
        for dag_id in dag_ids:
            dag = bag.get_dag(dag_id)
            # The publishing DAG is asset-scheduled; giving it the morning as logical date too lets a re-run of a
            # day replace that day's local run instead of piling up runs stamped with the wall clock.
            dag_run = dag.test(logical_date=moment)
            day.append(DagOutcome(dag_id, moment, str(dag_run.state)))
        if on_day is not None:
            on_day(as_of, day)
        outcomes += day
    return outcomes
