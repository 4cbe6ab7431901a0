"""The landing sequence isolates each file: whatever goes wrong with one, it is quarantined with a ledger row and a
reason, and the next file is landed as if nothing had happened."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Connection, Engine, select

from dlsei.ingest.coursera import CourseraLoader
from dlsei.ingest.intake import INTERNAL_ERROR, Loaded, land_file
from dlsei.ingest.landing import Landing, landing_from_url
from dlsei.ingest.ledger import LOADED, QUARANTINED
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import file_ledger, snap_course_activity

RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)


@dataclass(frozen=True)
class BrokenLoader:
    """A loader with a bug: it fails half-way, after writing its ledger row, with an error no rule foresaw."""

    kind: str | None = None

    def load(self, conn: Connection, path: Path, file_id: int) -> Loaded:
        secret = path.read_text(encoding="utf-8").splitlines()[1]
        raise KeyError(secret)  # the message quotes a record of the file: it must reach no reason or e-mail


@pytest.fixture
def landing(dlsei_env: Path, tmp_path: Path) -> Landing:
    return landing_from_url(load_settings().landing_url)


def test_an_internal_error_quarantines_its_file_only_and_the_next_file_loads(
    landing: Landing, warehouse: Engine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=40, days=1, mess=False))
    usage = next(path for path in sample.files if path.name.startswith("Usage Report"))
    landing.put("incoming/broken.csv", usage.read_bytes())
    landing.put(f"incoming/{usage.name}", usage.read_bytes())
    run = RunContext(load_id="test/internal", logical_dt=RUN_AT, settings=load_settings())
    res = Resources(warehouse, landing)
    waiting = {landed.name: landed for landed in landing.list_incoming()}
    broken, good = waiting["broken.csv"], waiting[usage.name]

    with caplog.at_level(logging.ERROR, logger="dlsei.ingest.intake"):
        first = land_file(run, res, broken, BrokenLoader())
    # The same bytes, not set aside as a duplicate: the broken landing loaded nothing.
    second = land_file(run, res, good, CourseraLoader(run, good.name))

    assert (first.status, second.status) == (QUARANTINED, LOADED)
    secret = usage.read_text(encoding="utf-8").splitlines()[1]
    with landing.fetch("quarantine/broken.csv.reason.json") as path:
        reason = json.loads(path.read_text())
    assert reason["rule"] == INTERNAL_ERROR
    assert "internal error while loading (builtins.KeyError)" in reason["reason"]
    assert "task log of run test/internal" in reason["reason"]
    assert secret not in json.dumps(reason)
    # The traceback, with the failing line, is in the task log for whoever fixes the bug; the message, which may
    # quote a learner's record, is not.
    assert "raise KeyError(secret)" in caplog.text and "builtins.KeyError" in caplog.text
    assert secret.split(",")[1] not in caplog.text
    with warehouse.connect() as conn:
        ledger = {row.file_name: row for row in conn.execute(select(file_ledger))}
        loaded_rows = conn.execute(select(snap_course_activity.c.file_id)).scalars().all()
    assert ledger["broken.csv"].status == QUARANTINED and ledger["broken.csv"].reason == reason["reason"]
    assert ledger[usage.name].status == LOADED
    # The broken file's rolled-back transaction left no rows: every snapshot row is the good file's.
    assert set(loaded_rows) == {ledger[usage.name].file_id} and len(loaded_rows) == ledger[usage.name].rows_loaded
