"""The wait for the day's Coursera exports defers to the triggerer and resumes when the late export arrives."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import run_days
from sqlalchemy import Engine, func, select

from dlsei.ingest.landing import landing_from_url
from dlsei.settings import load_settings
from dlsei.warehouse.schema import snap_course_activity

WAIT_TASK = ("coursera_exports", "wait_for_exports")


@pytest.fixture
def deferrals(airflow_db: Path) -> Iterator[Callable[[], list[tuple[str, str]]]]:
    """Every state the wait task's instance is written with, recorded by the metadata database itself (dag.test()
    queues a deferred task again at once, so polling could miss the deferred state)."""
    metadata_db = airflow_db / "airflow.db"
    with sqlite3.connect(metadata_db) as db:
        db.executescript(
            """
            CREATE TABLE test_wait_states (state TEXT, next_method TEXT);
            CREATE TRIGGER test_wait_states AFTER UPDATE OF state ON task_instance
            WHEN NEW.dag_id = 'coursera_exports' AND NEW.task_id = 'wait_for_exports'
            BEGIN INSERT INTO test_wait_states VALUES (NEW.state, NEW.next_method); END;
            """
        )

    def states() -> list[tuple[str, str]]:
        with sqlite3.connect(metadata_db) as db:
            return db.execute("SELECT state, next_method FROM test_wait_states WHERE state = 'deferred'").fetchall()

    yield states
    with sqlite3.connect(metadata_db) as db:
        db.executescript("DROP TRIGGER test_wait_states; DROP TABLE test_wait_states;")


def _deferral(metadata_db: Path) -> tuple[str, str | None, str | None] | None:
    """The wait task's state, resume method and trigger class, once the Execution API has recorded a deferral."""
    with sqlite3.connect(metadata_db) as db:
        return db.execute(
            "SELECT ti.state, ti.next_method, t.classpath FROM task_instance ti JOIN trigger t ON t.id = ti.trigger_id"
            " WHERE ti.dag_id = ? AND ti.task_id = ?",
            WAIT_TASK,
        ).fetchone()


@pytest.mark.long
@pytest.mark.usefixtures("dlsei_env")
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_the_wait_defers_and_resumes_when_the_export_arrives(
    tmp_path: Path,
    warehouse: Engine,
    airflow_db: Path,
    deferrals: Callable[[], list[tuple[str, str]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=60, days=1))
    (day,) = sample.as_of_dates
    late = next(p for p in sample.files if p.name.startswith("Usage Report"))
    landing = landing_from_url(load_settings().landing_url)
    for path in sample.files:
        if path != late:
            landing.put(f"incoming/{path.name}", path.read_bytes())
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_EXPORT_POLL_SECONDS", "1")
    metadata_db = airflow_db / "airflow.db"
    seen: list[tuple[str, str | None, str | None]] = []

    def deliver_when_deferred() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not seen:
            found = _deferral(metadata_db)
            if found:
                seen.append(found)
            time.sleep(0.05)
        landing.put(f"incoming/{late.name}", late.read_bytes())  # Coursera's export arrives, late

    courier = threading.Thread(target=deliver_when_deferred, daemon=True)
    courier.start()
    states = {o.dag_id: o.state for o in run_days([day], dag_ids=["hec_registry", "coursera_exports"])}
    courier.join(timeout=10)

    assert seen, "the trigger never ran"
    (_, next_method, classpath) = seen[0]
    assert (next_method, classpath) == ("execute_complete", "dlsei.orchestration.waiting.ExportsArrivedTrigger")
    assert deferrals() == [("deferred", "execute_complete")], "the task instance was deferred, once"
    assert states == {"hec_registry": "success", "coursera_exports": "success"}
    with warehouse.connect() as conn:
        assert conn.execute(select(func.count()).select_from(snap_course_activity)).scalar_one() > 0
