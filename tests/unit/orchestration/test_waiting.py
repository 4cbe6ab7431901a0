"""The trigger answers the run's own question (both exports of the as-of date in?) on the landing area."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from airflow.triggers.base import TriggerEvent
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import run_time

from dlsei.ingest.landing import landing_from_url
from dlsei.orchestration.waiting import ExportsArrivedTrigger
from dlsei.settings import load_settings


def _trigger(as_of_morning: datetime, wait: timedelta) -> ExportsArrivedTrigger:
    return ExportsArrivedTrigger(
        load_id="test/wait",
        logical_dt=as_of_morning.isoformat(),
        give_up_at=(datetime.now(UTC) + wait).isoformat(),
        poll_seconds=0.2,
    )


async def _first_event(trigger: ExportsArrivedTrigger) -> TriggerEvent:
    return await anext(trigger.run())


@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_the_trigger_fires_when_the_late_export_lands_and_names_it_when_time_runs_out(
    tmp_path: Path, dlsei_env: Path, warehouse: object
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=30, days=1))
    (day,) = sample.as_of_dates
    late = next(p for p in sample.files if p.name.startswith("Usage Report"))
    landing = landing_from_url(load_settings().landing_url)
    membership = next(p for p in sample.files if p.name.startswith("Membership Report"))
    landing.put(f"incoming/{membership.name}", membership.read_bytes())

    timed_out = asyncio.run(_first_event(_trigger(run_time(day), timedelta(seconds=1))))
    assert timed_out.payload == {"missing": ["course_activity"]}

    async def arrives_while_waiting() -> TriggerEvent:
        waiting = asyncio.create_task(_first_event(_trigger(run_time(day), timedelta(minutes=5))))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        landing.put(f"incoming/{late.name}", late.read_bytes())
        return await asyncio.wait_for(waiting, timeout=30)

    assert asyncio.run(arrives_while_waiting()).payload == {"missing": []}


def test_the_trigger_serialises_to_names_only() -> None:
    trigger = _trigger(datetime(2026, 11, 2, 8, tzinfo=UTC), timedelta(minutes=1))
    classpath, kwargs = trigger.serialize()
    assert classpath == "dlsei.orchestration.waiting.ExportsArrivedTrigger"
    assert ExportsArrivedTrigger(**kwargs).serialize() == (classpath, kwargs)
    assert set(kwargs) == {"load_id", "logical_dt", "give_up_at", "poll_seconds"}
