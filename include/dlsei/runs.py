"""What every pipeline step knows about the run it belongs to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from dlsei.settings import TIMEZONE, Settings

KARACHI = ZoneInfo(TIMEZONE)


@dataclass(frozen=True)
class RunContext:
    """A step reads this, never the clock: re-running a day gives the same result."""

    load_id: str  # the Airflow run (dag_id/run_id) or CLI call that did the work, recorded on every row written
    logical_dt: datetime  # tz-aware; files stamped after it are left for a later run
    settings: Settings

    def __post_init__(self) -> None:
        if self.logical_dt.tzinfo is None:
            raise ValueError("RunContext.logical_dt must be timezone-aware")

    @property
    def logical_date(self) -> date:
        return karachi_date(self.logical_dt)


def airflow_load_id(dag_id: str, run_id: str) -> str:
    """The load_id of an Airflow run: stamped on every row the run writes, and the key of its run summary."""
    return f"{dag_id}/{run_id}"


def stored_utc(moment: datetime) -> datetime:
    """A timestamp read back from the warehouse, as an aware UTC instant: SQLite hands back the stored UTC instant
    without its zone, PostgreSQL in the session's zone."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def karachi_date(moment: datetime) -> date:
    return moment.astimezone(KARACHI).date()


def karachi_midnight_utc(day: date) -> datetime:
    """The UTC instant a Karachi calendar day starts: activity days are Karachi days (docs/measures.md)."""
    return datetime(day.year, day.month, day.day, tzinfo=KARACHI).astimezone(ZoneInfo("UTC"))


def as_of_date(export_ts: datetime, lag_days: int) -> date:
    """The date an export's data is complete through: its Karachi date minus Coursera's reporting lag."""
    return karachi_date(export_ts) - timedelta(days=lag_days)
