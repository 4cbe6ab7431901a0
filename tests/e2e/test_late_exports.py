"""A day whose export never arrives: the run waits, lands what came, names what is missing to the data team,
fails clearly, and publishes nothing half-made; when the export turns up, re-running the day completes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import run_days
from sqlalchemy import Engine, func, select

from dlsei.ingest.landing import landing_from_url
from dlsei.settings import load_settings
from dlsei.warehouse.schema import alert_message, mart_quota_utilisation, snap_membership


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.long
def test_a_missing_export_is_named_and_the_day_completes_when_it_arrives(
    tmp_path: Path, dlsei_env: Path, warehouse: Engine, airflow_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=90, days=1))
    (day,) = sample.as_of_dates
    usage = next(p for p in sample.files if p.name.startswith("Usage Report"))
    landing = landing_from_url(load_settings().landing_url)
    for path in sample.files:
        if path != usage:
            landing.put(f"incoming/{path.name}", path.read_bytes())

    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_EXPORT_WAIT_MINUTES", "0")  # the wait runs out at once
    states = {o.dag_id: o.state for o in run_days([day])}
    assert states == {"hec_registry": "success", "coursera_exports": "failed", "quota_utilisation": "success"}
    with warehouse.connect() as conn:
        subjects = [
            s for (s,) in conn.execute(select(alert_message.c.subject).where(alert_message.c.audience == "data_team"))
        ]
    assert f"Missing Coursera export for {day}: course activity" in subjects
    assert _count(warehouse, snap_membership) > 0, "what did arrive is landed"
    assert _count(warehouse, mart_quota_utilisation) == 0, "half a snapshot is not published"

    landing.put(f"incoming/{usage.name}", usage.read_bytes())
    monkeypatch.delenv("AIRFLOW_VAR_DLSEI_EXPORT_WAIT_MINUTES")
    assert {o.dag_id: o.state for o in run_days([day])} == dict.fromkeys(states, "success")
    assert _count(warehouse, mart_quota_utilisation) > 0
