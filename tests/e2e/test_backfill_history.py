"""A day run the way the demo runs its days (dlsei_dev/backfill.py): a backfill executed by a real `airflow scheduler`
with the api-server and the triggerer, on an Airflow home of its own. What the UI then shows is what production
shows: a run named and dated by its morning, its real start and end, a log for every task try (the failed one's
included), the run summary as note, the Data Docs link of the validating task, the asset event's dates and rows."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import airflow_environment, run_time
from sqlalchemy import Engine


def _backfill(day: str, airflow_home: Path) -> str:
    """In a process of its own: its Airflow home and metadata DB are not the test process's."""
    script = (
        "from datetime import date; from pathlib import Path\n"
        "from dlsei_dev.local_airflow import prepare_airflow; from dlsei_dev.backfill import backfill_days\n"
        f"prepare_airflow(Path({str(airflow_home)!r}))\n"
        f"(outcome,) = backfill_days([date.fromisoformat({day!r})], dag_ids=['hec_registry'])\n"
        "print(outcome.state)"
    )
    env = {**os.environ, **airflow_environment(airflow_home)}
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.long
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_a_backfilled_day_leaves_the_history_production_leaves(
    tmp_path: Path, dlsei_env: Path, warehouse: Engine
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=60, days=1))
    (day,) = sample.as_of_dates
    incoming = dlsei_env / "landing" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    for path in sample.files:
        if path.name.startswith("hec_"):
            (incoming / path.name).write_bytes(path.read_bytes())
    (incoming / f"hec_people_{day - timedelta(days=1)}.csv").write_text("not,a,registry\n", encoding="utf-8")
    airflow_home = tmp_path / "airflow"
    started = datetime.now(UTC).replace(tzinfo=None)

    state = _backfill(day.isoformat(), airflow_home)

    assert state == "failed", "the quarantined extract fails check_quarantine, after the others landed"
    morning = run_time(day)
    with sqlite3.connect(airflow_home / "airflow.db") as db:
        run_id, run_type, logical, start, end, note = db.execute(
            "SELECT r.run_id, r.run_type, r.logical_date, r.start_date, r.end_date, n.content FROM dag_run r"
            " LEFT JOIN dag_run_note n ON n.dag_run_id = r.id WHERE r.dag_id = 'hec_registry'"
        ).fetchone()
        tasks = dict(db.execute("SELECT task_id, state FROM task_instance WHERE run_id = ?", (run_id,)).fetchall())
        (link,) = db.execute("SELECT value FROM xcom WHERE key = '_link_DataDocsLink'").fetchone()
        (extra,) = db.execute("SELECT extra FROM asset_event").fetchone()
    # Named and dated by its morning, as the scheduler names a backfilled run; started when it ran, not on that day.
    assert (run_id, run_type) == (f"backfill__{morning.isoformat()}", "backfill")
    assert datetime.fromisoformat(logical) == morning.astimezone(UTC).replace(tzinfo=None)
    start, end = datetime.fromisoformat(start), datetime.fromisoformat(end)
    assert started <= start <= end <= datetime.now(UTC).replace(tzinfo=None)
    assert tasks == {"land_extracts": "success", "check_quarantine": "failed", "erase_expired_identities": "success"}
    assert "1 quarantined" in note, note
    assert json.loads(link).endswith("index.html")
    assert json.loads(extra)["extract_dates"] == [day.isoformat()] and json.loads(extra)["rows_loaded"] > 0
    # A log file per task try, the failed task's holding why it failed.
    logs = airflow_home / "logs" / "dag_id=hec_registry" / f"run_id={run_id}"
    for task in tasks:
        assert (logs / f"task_id={task}" / "attempt=1.log").stat().st_size > 0, task
    assert "IncompleteDay" in (logs / "task_id=check_quarantine" / "attempt=1.log").read_text()
