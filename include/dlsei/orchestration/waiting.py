"""The morning wait for the day's Coursera exports, deferred to the triggerer: no worker slot is held while Coursera
is late. The trigger polls the landing area (a folder or S3, whatever the settings name) with the same question
the run asks (ingest/arrivals.missing_exports); when the wait runs out the task is skipped, as the soft-failing
sensor it replaces was, so the landing task still lands what came and check_day names what is missing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowSkipException
from airflow.triggers.base import BaseTrigger, TriggerEvent
from asgiref.sync import sync_to_async

from dlsei.runs import RunContext


def _missing(load_id: str, logical_dt: datetime) -> list[str]:
    from dlsei.ingest.arrivals import missing_exports
    from dlsei.resources import resources
    from dlsei.settings import load_settings

    run = RunContext(load_id=load_id, logical_dt=logical_dt, settings=load_settings())
    return missing_exports(run, resources(run.settings))


class ExportsArrivedTrigger(BaseTrigger):
    """Fires `{"missing": []}` once both exports of the run's as-of date are published or waiting in incoming/, or
    `{"missing": [kinds...]}` at `give_up_at`. Its arguments name the run only: the triggerer reads the settings
    (warehouse credentials included) itself, so none is written into the trigger table."""

    def __init__(self, load_id: str, logical_dt: str, give_up_at: str, poll_seconds: float) -> None:
        super().__init__()
        self.load_id = load_id
        self.logical_dt = logical_dt
        self.give_up_at = give_up_at
        self.poll_seconds = poll_seconds

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "load_id": self.load_id,
                "logical_dt": self.logical_dt,
                "give_up_at": self.give_up_at,
                "poll_seconds": self.poll_seconds,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        logical_dt = datetime.fromisoformat(self.logical_dt)
        give_up_at = datetime.fromisoformat(self.give_up_at)
        while True:
            # Settings, database and S3 calls block: a thread keeps the triggerer's event loop free for others.
            missing = await sync_to_async(_missing)(self.load_id, logical_dt)
            left = (give_up_at - datetime.now(UTC)).total_seconds()
            if not missing or left <= 0:
                yield TriggerEvent({"missing": missing})
                return
            self.log.info("Still waiting for %s; polling again in %.0f s", ", ".join(missing), self.poll_seconds)
            await asyncio.sleep(min(self.poll_seconds, left))


class WaitForExports(BaseOperator):
    """Looks once; if an export of the day is missing, defers to ExportsArrivedTrigger for the export wait. The wait
    and the poll interval are read when the task runs, not when the DAG file is parsed: a changed Variable applies
    to the next run, and parsing asks no Variable of the metadata database."""

    ui_color = "#e8f0fe"

    def execute(self, context: Any) -> None:
        from dlsei.orchestration.tasks import run_context
        from dlsei.settings import export_poll_seconds, export_wait_minutes

        run = run_context(context)
        if not _missing(run.load_id, run.logical_dt):
            return
        wait_minutes = export_wait_minutes()
        self.defer(
            trigger=ExportsArrivedTrigger(
                load_id=run.load_id,
                logical_dt=run.logical_dt.isoformat(),
                give_up_at=(datetime.now(UTC) + timedelta(minutes=wait_minutes)).isoformat(),
                poll_seconds=export_poll_seconds(),
            ),
            method_name="execute_complete",
            kwargs={"wait_minutes": wait_minutes},
        )

    def execute_complete(self, context: Any, event: dict[str, Any], wait_minutes: int) -> None:
        if event["missing"]:
            raise AirflowSkipException(
                f"after {wait_minutes} minutes still missing: {', '.join(event['missing'])}; landing what did arrive"
            )
