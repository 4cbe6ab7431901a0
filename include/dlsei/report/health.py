"""The data team's morning check (`dlsei health`): is yesterday's data in, and does anything need a person?

Six checks, each answered from the warehouse or the landing area, never from Airflow's own database, so the report
works wherever the warehouse can be reached: the published data against the date it should be complete through,
Coursera exports missing in the last days, files waiting in quarantine, rows rejected and not yet replayed, failed
runs, messages not delivered.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from dlsei.alerts.messages import DATA_TEAM, PENDING
from dlsei.canonical import COURSERA_KINDS
from dlsei.ingest import ledger
from dlsei.ingest.arrivals import KIND_NAMES, published_kinds
from dlsei.ingest.landing import QUARANTINE, REASON_SUFFIX, Landing
from dlsei.report.overview import latest_as_of
from dlsei.resources import Resources, resources
from dlsei.runs import KARACHI, as_of_date, karachi_date, karachi_midnight_utc, stored_utc
from dlsei.settings import Settings
from dlsei.warehouse.schema import REJECT_OPEN, alert_message, dq_rejected_row, file_ledger, pipeline_run


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    summary: str
    details: list[str] = field(default_factory=list)


def expected_through(day: date, lag_days: int) -> date:
    """The as-of date the morning run of `day` publishes, as the run computes it (arrivals.expected_as_of): the day
    less Coursera's reporting lag, i.e. yesterday with the usual lag of one day."""
    return as_of_date(datetime.combine(day, time(), tzinfo=KARACHI), lag_days)


def check_published(conn: Connection, expected: date) -> Check:
    latest = latest_as_of(conn)
    if latest is None:
        return Check("data", False, f"nothing published yet; expected complete through {expected}")
    return Check("data", latest >= expected, f"published through {latest}, expected {expected}")


def _first_export_date(conn: Connection) -> date | None:
    f = file_ledger
    return conn.execute(
        select(func.min(f.c.as_of_date)).where(f.c.status == ledger.LOADED, ~f.c.kind.like("registry:%"))
    ).scalar_one()


def check_exports(engine: Engine, expected: date, window_days: int) -> Check:
    """Each as-of date of the window (from the first export ever loaded) needs every Coursera export kind."""
    with engine.connect() as conn:
        first = _first_export_date(conn)
    start = max(expected - timedelta(days=window_days - 1), first or expected)
    details = []
    for offset in range((expected - start).days + 1):
        as_of = start + timedelta(days=offset)
        missing = [KIND_NAMES[kind] for kind in COURSERA_KINDS if kind not in published_kinds(engine, as_of)]
        if missing:
            details.append(f"{as_of}: {', '.join(missing)}")
    if details:
        return Check("exports", False, f"{len(details)} as-of date(s) missing an export since {start}", details)
    return Check("exports", True, f"every export loaded from {start} to {expected}")


def replay_command(file_name: str) -> str:
    """What puts a file back in incoming/ for the next run, quoted for a shell."""
    return f"dlsei replay {shlex.quote(file_name)}"


@dataclass(frozen=True)
class Quarantined:
    name: str
    reason: str | None

    @property
    def replay_command(self) -> str:
        return replay_command(self.name)


def quarantined_files(landing: Landing) -> list[Quarantined]:
    """The files waiting in quarantine, with the reason they were set aside."""
    waiting = []
    for landed in landing.list(QUARANTINE):
        if landed.name.endswith(REASON_SUFFIX):
            continue
        with landing.fetch(landed.key + REASON_SUFFIX) as path:
            waiting.append(Quarantined(landed.name, json.loads(path.read_text(encoding="utf-8")).get("reason")))
    return waiting


def check_quarantine(landing: Landing) -> Check:
    details = [f"{f.name}: {f.reason} (after fixing: {f.replay_command})" for f in quarantined_files(landing)]
    if details:
        return Check("quarantine", False, f"{len(details)} file(s) waiting in {QUARANTINE}", details)
    return Check("quarantine", True, "no file waiting")


def _karachi(moment: datetime) -> datetime:
    return stored_utc(moment).astimezone(KARACHI)


def check_runs(conn: Connection, since: date) -> Check:
    """Attention when a DAG's last run failed; the failed runs since `since` are listed for context."""
    r = pipeline_run
    newest = select(r.c.dag_id, func.max(r.c.finished_at).label("finished_at")).group_by(r.c.dag_id).subquery()
    latest = conn.execute(
        select(r.c.dag_id, r.c.state).join(
            newest, (newest.c.dag_id == r.c.dag_id) & (newest.c.finished_at == r.c.finished_at)
        )
    ).all()
    if not latest:
        return Check("runs", False, "no run recorded in pipeline_run")
    failing = sorted(row.dag_id for row in latest if row.state != "success")
    failed = conn.execute(
        select(r.c.dag_id, r.c.run_id, r.c.finished_at)
        .where(r.c.state != "success", r.c.finished_at >= karachi_midnight_utc(since))
        .order_by(r.c.finished_at)
    ).all()
    details = [
        f"{row.dag_id} {row.run_id} failed, finished {_karachi(row.finished_at):%Y-%m-%d %H:%M}" for row in failed
    ]
    if failing:
        return Check("runs", False, f"last run failed: {', '.join(failing)}", details)
    return Check("runs", True, f"the last run of each of {len(latest)} DAGs succeeded", details)


def check_rejected_rows(conn: Connection, since: date) -> Check:
    """Attention while rows rejected by a row rule since `since` wait for their rule to be fixed and their file
    replayed (docs/operations.md, Rejected rows)."""
    r = dq_rejected_row
    waiting = conn.execute(
        select(r.c.file_name, r.c.as_of_date, r.c.rule, r.c.column_name, func.count().label("faults"))
        .where(r.c.status == REJECT_OPEN, r.c.as_of_date >= since)
        .group_by(r.c.file_name, r.c.as_of_date, r.c.rule, r.c.column_name)
        .order_by(r.c.as_of_date, r.c.file_name, r.c.rule, r.c.column_name)
    ).all()
    if not waiting:
        return Check("rejected rows", True, "none waiting for a replay")
    details = [
        f"{row.as_of_date} {row.file_name}: rule '{row.rule}' in '{row.column_name}', {row.faults} row(s)"
        for row in waiting
    ]
    files = len({row.file_name for row in waiting})
    return Check("rejected rows", False, f"{sum(row.faults for row in waiting)} in {files} file(s)", details)


def _first_line(error: str | None) -> str:
    return f"; {error.splitlines()[0][:200]}" if error else ""


def check_messages(conn: Connection) -> Check:
    m = alert_message
    pending = conn.execute(
        select(m.c.audience, m.c.subject, m.c.attempts, m.c.last_error)
        .where(m.c.status == PENDING)
        .order_by(m.c.message_id)
    ).all()
    if not pending:
        return Check("messages", True, "none pending delivery")
    details = [
        f"{row.audience}: {row.subject} ({row.attempts} attempt(s){_first_line(row.last_error)})" for row in pending
    ]
    to_team = sum(row.audience == DATA_TEAM for row in pending)
    return Check("messages", False, f"{len(pending)} pending delivery, {to_team} of them to the data team", details)


def health_checks(res: Resources, day: date, lag_days: int, window_days: int = 7) -> list[Check]:
    expected = expected_through(day, lag_days)
    engine = res.warehouse
    with engine.connect() as conn:
        published = check_published(conn, expected)
        runs = check_runs(conn, day - timedelta(days=window_days))
        messages = check_messages(conn)
        rejected = check_rejected_rows(conn, day - timedelta(days=window_days))
    exports = check_exports(engine, expected, window_days)
    return [published, exports, check_quarantine(res.landing), rejected, runs, messages]


def render(day: date, checks: list[Check]) -> str:
    lines = [f"Pipeline health on {day} (Asia/Karachi)"]
    for check in checks:
        lines.append(f"  {'ok' if check.ok else 'ATTENTION':<10} {check.name}: {check.summary}")
        lines += [f"{'':13}- {detail}" for detail in check.details]
    attention = [c.name for c in checks if not c.ok]
    lines.append(f"Needs attention: {', '.join(attention)}." if attention else f"All {len(checks)} checks are fine.")
    return "\n".join(lines)


# Written by the demo (dlsei_dev/demo.py) into its home: the morning after its last data day. A production home
# never has it.
DEMO_MORNING = "demo-morning.txt"


def demo_morning(home: Path) -> date | None:
    """The demo's last morning, when `home` is a demo's: its sample stops there, so today's clock would find every
    day since missing."""
    marker = home / DEMO_MORNING
    return date.fromisoformat(marker.read_text().strip()) if marker.is_file() else None


def report(settings: Settings, day: date | None = None, window_days: int = 7) -> tuple[str, bool]:
    """The rendered report and whether everything is fine. Without a day: today in Karachi, the one place the
    pipeline reads the clock, because the question is asked by a person about this morning; on a demo's home, the
    demo's last morning instead."""
    on_demo = demo_morning(settings.home) if day is None else None
    day = day or on_demo or karachi_date(datetime.now(UTC))
    checks = health_checks(resources(settings), day, settings.coursera_lag_days, window_days)
    text = render(day, checks)
    if on_demo is not None:
        text += f"\n(On the demo's last morning: {settings.home / DEMO_MORNING} says so; --day picks another.)"
    return text, all(check.ok for check in checks)
