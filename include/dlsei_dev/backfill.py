"""Run the real DAGs over past days the way production catches up: a backfill of each daily DAG, executed by a real
`airflow scheduler` (LocalExecutor) with a triggerer, on the local Airflow of local_airflow.py.

Unlike dag.test(), this leaves the history an operator sees in the UI: backfill runs named by their morning
(`backfill__2026-11-08T03:00:00+00:00`), their real start and end, and a log file for every task try, a failed
one's included. The publishing DAG is asset-scheduled, so it cannot be backfilled: each day it is triggered for
the same morning, after the landing runs, as the scheduler would queue it on their asset events that morning.

The days run in order and one DAG at a time, as run_days() runs them: a morning's landing runs come before its
publishing run, and a landing run takes every file exported up to its morning.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from datetime import date, datetime
from pathlib import Path

from dlsei_dev.local_airflow import LANDING_DAGS, PUBLISH_DAG, REPO_ROOT, DagOutcome, run_time

DEMO_DAGS = (*LANDING_DAGS, PUBLISH_DAG)
# Who the runs say created them (the UI's "triggered by" user).
TRIGGERED_BY = "dlsei-demo"
FINISHED = frozenset({"success", "failed"})


def reset_dags(dag_ids: Iterable[str]) -> None:
    """Forget the DAGs' earlier runs, backfills and task logs: a second demo replaces the first one's history
    rather than mixing with it (a backfill would otherwise skip the mornings it already ran)."""
    import shutil

    from airflow.api.common.delete_dag import delete_dag
    from airflow.exceptions import DagNotFound
    from airflow.utils.session import create_session

    for dag_id in dag_ids:
        with create_session() as session, suppress(DagNotFound):  # never stored: nothing to forget
            delete_dag(dag_id, session=session)
        shutil.rmtree(Path(os.environ["AIRFLOW_HOME"]) / "logs" / f"dag_id={dag_id}", ignore_errors=True)


def store_dags(dag_ids: Iterable[str]) -> None:
    """Parse the DAG files and store them as the dag-processor does (the scheduler reads DAGs from the metadata
    database only), unpaused: the scheduler starts no run of a paused DAG, a backfill's included."""
    from airflow.dag_processing.bundles.manager import DagBundlesManager
    from airflow.dag_processing.dagbag import DagBag, sync_bag_to_db
    from airflow.models import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    bag = DagBag(dag_folder=str(REPO_ROOT / "dags"))
    if bag.import_errors:
        raise RuntimeError(f"DAG import errors: {bag.import_errors}")
    with create_session() as session:
        DagBundlesManager().sync_bundles_to_db(session=session)
    sync_bag_to_db(bag, "dags-folder", None)
    with create_session() as session:
        session.execute(update(DagModel).where(DagModel.dag_id.in_(list(dag_ids))).values(is_paused=False))


@contextmanager
def airflow_services(log_dir: Path) -> Iterator[None]:
    """The services a run needs, for the duration of the block, their output in `log_dir`: the api-server (task
    processes report to its execution API), the scheduler (its LocalExecutor runs the tasks) and the triggerer
    (deferred waits, deadline callbacks). The api-server listens on a free port, not 8080, so a running `./dev ui`
    or another Airflow on the machine is left alone."""
    port = _free_port()
    airflow = str(Path(sys.executable).with_name("airflow"))
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__WORKERS": "1",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        # Task logs as in production, whatever the demo's terminal is quietened to.
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
    }
    # The LocalExecutor reads task logs from its own folder: no log-serving process is needed.
    services = {
        "api-server": [airflow, "api-server"],
        "scheduler": [sys.executable, "-m", "dlsei_dev.warm_scheduler", "--skip-serve-logs"],
        "triggerer": [airflow, "triggerer", "--skip-serve-logs"],
    }
    with ExitStack() as stack:
        for service, command in services.items():
            out = stack.enter_context((log_dir / f"{service}.log").open("w"))
            # Each in a process group of its own, so stopping it stops the processes it forked (executor workers,
            # task processes) too.
            process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            stack.callback(_stop, process)
        _wait_until_serving(f"http://127.0.0.1:{port}/api/v2/monitor/health", log_dir / "api-server.log")
        yield


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, log: Path, timeout: float = 600) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except OSError:  # refused, reset or timed out (URLError is one) while it starts
            if time.monotonic() > deadline:
                raise RuntimeError(f"the api-server did not answer {url} within {timeout:.0f} s: see {log}") from None
            time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    """Ask the service to stop, give it half a minute, then end whatever is left of its group."""
    import contextlib
    import signal

    os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def start_run(dag_id: str, morning: datetime) -> None:
    """Queue the DAG's run for `morning` for the scheduler: a one-morning backfill of a daily DAG (what `airflow
    backfill create --dag-id ... --from-date ... --to-date ...` does), a triggered run of the asset-scheduled one."""
    from airflow.api.common.trigger_dag import trigger_dag
    from airflow.models.backfill import ReprocessBehavior, _create_backfill
    from airflow.models.serialized_dag import SerializedDagModel
    from airflow.utils.types import DagRunTriggeredByType

    if SerializedDagModel.get_dag(dag_id).timetable.periodic:
        _create_backfill(
            dag_id=dag_id,
            from_date=morning,
            to_date=morning,
            max_active_runs=1,
            reverse=False,
            dag_run_conf=None,
            triggering_user_name=TRIGGERED_BY,
            reprocess_behavior=ReprocessBehavior.COMPLETED,
        )
        return
    trigger_dag(
        dag_id,
        triggered_by=DagRunTriggeredByType.CLI,
        triggering_user_name=TRIGGERED_BY,
        logical_date=morning,
        run_after=morning,
    )


def queue_run(dag_id: str, morning: datetime, attempts: int = 5) -> None:
    """start_run(), again when SQLite refused its write: a reading transaction that turns into a writing one fails
    at once, whatever the busy timeout, when the scheduler wrote in between. A backfill left without its run by such
    a failure is removed first, as Airflow's own cleanup of a partly created backfill does."""
    from sqlalchemy.exc import OperationalError

    for attempt in range(1, attempts + 1):
        try:
            start_run(dag_id, morning)
            return
        except OperationalError as error:
            if "database is locked" not in str(error) or attempt == attempts:
                raise
            _forget_runless_backfills(dag_id)
            time.sleep(attempt)


def _forget_runless_backfills(dag_id: str) -> None:
    from airflow.models import DagRun
    from airflow.models.backfill import Backfill, BackfillDagRun
    from airflow.utils.session import create_session
    from sqlalchemy import delete, select

    runless = select(Backfill.id).where(
        Backfill.dag_id == dag_id, ~select(DagRun.id).where(DagRun.backfill_id == Backfill.id).exists()
    )
    with create_session() as session:
        ids = list(session.scalars(runless))
        session.execute(delete(BackfillDagRun).where(BackfillDagRun.backfill_id.in_(ids)))
        session.execute(delete(Backfill).where(Backfill.id.in_(ids)))


def wait_for_run(dag_id: str, morning: datetime, poll_seconds: float = 0.5) -> str:
    """The final state of the DAG's run for `morning`, its one-morning backfill closed."""
    from airflow.models import DagRun
    from airflow.models.backfill import Backfill
    from airflow.utils import timezone
    from airflow.utils.session import create_session
    from sqlalchemy import select, update

    query = select(DagRun.state).where(DagRun.dag_id == dag_id, DagRun.logical_date == morning)
    while True:
        with create_session() as session:
            state = str(session.scalar(query))
        if state in FINISHED:
            break
        time.sleep(poll_seconds)
    # The scheduler closes a backfill whose runs have all ended in a sweep every 30 s, and refuses another backfill
    # of the DAG until then (AlreadyRunningBackfill): the demo closes its own as that sweep would, at once.
    with create_session() as session:
        session.execute(
            update(Backfill)
            .where(Backfill.dag_id == dag_id, Backfill.completed_at.is_(None))
            .values(completed_at=timezone.utcnow())
        )
    return state


def backfill_days(
    as_of_dates: Iterable[date],
    on_day: Callable[[date, list[DagOutcome]], None] | None = None,
    dag_ids: Iterable[str] = DEMO_DAGS,
) -> list[DagOutcome]:
    """Run `dag_ids` (the landing DAGs, then the publishing one) for each day in order under a real scheduler, on
    the local Airflow prepare_airflow() set up."""
    dag_ids = list(dag_ids)
    reset_dags(dag_ids)
    store_dags(dag_ids)
    outcomes: list[DagOutcome] = []
    with airflow_services(Path(os.environ["AIRFLOW_HOME"])):
        for as_of in as_of_dates:
            moment = run_time(as_of)
            day = []
            for dag_id in dag_ids:
                queue_run(dag_id, moment)
                state = wait_for_run(dag_id, moment)
                day.append(DagOutcome(dag_id, moment, state))
            if on_day is not None:
                on_day(as_of, day)
            outcomes += day
    return outcomes
