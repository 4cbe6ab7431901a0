"""The late-file sensor's view of incoming/: a legacy pair saved under names without an export time counts as
arrived, dated by its delivery, and lands without waiting."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, select

from dlsei.ingest.arrivals import missing_exports
from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.landing import LocalLanding, landing_from_url
from dlsei.ingest.ledger import DATED_BY_DELIVERY, LOADED
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import file_ledger

RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)
DELIVERED = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # 06:30 in Karachi, before the morning run


def test_a_stamp_less_legacy_pair_is_dated_by_its_delivery_and_lands_without_waiting(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=60, days=1, mess=False))
    landing = landing_from_url(load_settings().landing_url)
    assert isinstance(landing, LocalLanding)
    renamed = {"Usage Report": "usage-report-2026-11-01.csv", "Membership Report": "membership-report-2026-11-01.csv"}
    for path in sample.files:
        for prefix, name in renamed.items():
            if path.name.startswith(prefix):
                landing.put(f"incoming/{name}", path.read_bytes())
                os.utime(landing.root / "incoming" / name, (DELIVERED.timestamp(), DELIVERED.timestamp()))
    run = RunContext(load_id="test/stampless", logical_dt=RUN_AT, settings=load_settings())
    res = Resources(warehouse, landing)

    assert missing_exports(run, res) == [], "both exports count as arrived: the sensor does not wait"
    outcomes = ingest_coursera_exports(run, res).outcomes
    assert {(o.file_name, o.status) for o in outcomes} == {(name, LOADED) for name in renamed.values()}
    with warehouse.connect() as conn:
        rows = conn.execute(select(file_ledger.c.as_of_date, file_ledger.c.dated_by, file_ledger.c.export_ts)).all()
    assert rows == [(date(2026, 11, 1), DATED_BY_DELIVERY, None)] * 2


def test_a_stamp_less_file_delivered_after_the_run_waits_for_a_later_run(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    landing = landing_from_url(load_settings().landing_url)
    assert isinstance(landing, LocalLanding)
    landing.put("incoming/usage-report.csv", b"anything")
    later = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    os.utime(landing.root / "incoming" / "usage-report.csv", (later.timestamp(), later.timestamp()))
    run = RunContext(load_id="test/stampless-later", logical_dt=RUN_AT, settings=load_settings())
    assert ingest_coursera_exports(run, Resources(warehouse, landing)).outcomes == []
    assert [f.name for f in landing.list_incoming()] == ["usage-report.csv"]
