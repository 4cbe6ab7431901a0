"""Alerts are state, not spam: one alert per rule x university x cohort opens when its condition first holds,
is refreshed while it holds and closes on the first as-of date it does not."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, bindparam, func, insert, select, update

from dlsei.alerts.conditions import Condition, conditions, marts_hold
from dlsei.alerts.rules import AlertRules
from dlsei.warehouse.schema import alert

OPEN = "open"
CLOSED = "closed"


@dataclass(frozen=True)
class AlertChanges:
    as_of: date
    opened: tuple[str, ...] = ()
    refreshed: tuple[str, ...] = ()  # open alerts whose condition still holds, seen on a later date
    closed: tuple[str, ...] = ()
    skipped: str | None = None  # why nothing was evaluated

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of": self.as_of.isoformat(),
            "opened": list(self.opened),
            "refreshed": list(self.refreshed),
            "closed": list(self.closed),
            "skipped": self.skipped,
        }


def evaluated_through(conn: Connection) -> date | None:
    """The latest as-of date alert state was written for."""
    return conn.execute(select(func.max(func.coalesce(alert.c.closed_on, alert.c.last_seen_on)))).scalar_one()


@dataclass(frozen=True)
class Known:
    """An alert already on record, as the diff needs it."""

    alert_id: int
    last_seen_on: date


@dataclass
class AlertDiff:
    """What bringing alert state to a date changes: rows to rewrite (still open, or reopened by a rebuilt day), rows
    to insert, rows to close, and the keys each change concerns."""

    rewrite: list[dict[str, object]] = field(default_factory=list)
    new: list[dict[str, object]] = field(default_factory=list)
    close: list[int] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)


def diff_alerts(
    as_of: date, found: dict[str, Condition], open_now: dict[str, Known], closed_today: dict[str, int]
) -> AlertDiff:
    """The changes that bring state to `as_of`, given the conditions found on it, the alerts open before it and
    those closed on it (a pure function of its arguments)."""
    diff = AlertDiff()
    for key, condition in sorted(found.items()):
        values = {"summary": condition.summary, "observed": condition.observed, "threshold": condition.threshold}
        if key in open_now:
            diff.rewrite.append({"b_id": open_now[key].alert_id, **_bound(values)})
            if open_now[key].last_seen_on < as_of:
                diff.refreshed.append(key)
        elif key in closed_today:
            # Closed on this very date, yet the condition holds after the marts were rebuilt: the re-run takes its
            # own decision back rather than opening a second alert for one episode.
            diff.rewrite.append({"b_id": closed_today[key], **_bound(values)})
            diff.opened.append(key)
        else:
            diff.new.append(
                {
                    "alert_key": key,
                    "rule": condition.rule,
                    "university_id": condition.university_id,
                    "cohort_id": condition.cohort_id,
                    "status": OPEN,
                    "opened_on": as_of,
                    "last_seen_on": as_of,
                    **values,
                }
            )
            diff.opened.append(key)
    for key, known in sorted(open_now.items()):
        if key not in found:
            diff.close.append(known.alert_id)
            diff.closed.append(key)
    return diff


def evaluate_alerts(conn: Connection, as_of: date, rules: AlertRules) -> AlertChanges:
    """Bring alert state to `as_of`. The caller's transaction makes it atomic; re-running a date changes nothing
    unless its marts changed in between."""
    if not marts_hold(conn, as_of):
        return AlertChanges(as_of, skipped=f"the marts hold no data complete through {as_of}")
    through = evaluated_through(conn)
    if through is not None and as_of < through:
        # State is a timeline: evaluating an older date (a backfill) would close or reopen alerts behind newer ones.
        return AlertChanges(as_of, skipped=f"alerts are already evaluated through {through}")
    found = {c.key: c for c in conditions(conn, as_of, rules)}
    open_now = {
        row.alert_key: Known(row.alert_id, row.last_seen_on)
        for row in conn.execute(
            select(alert.c.alert_id, alert.c.alert_key, alert.c.last_seen_on).where(alert.c.status == OPEN)
        )
    }
    closed_today = dict(
        conn.execute(
            select(alert.c.alert_key, alert.c.alert_id).where(alert.c.status == CLOSED, alert.c.closed_on == as_of)
        ).all()
    )
    diff = diff_alerts(as_of, found, open_now, closed_today)
    _apply(conn, as_of, diff)
    return AlertChanges(as_of, opened=tuple(diff.opened), refreshed=tuple(diff.refreshed), closed=tuple(diff.closed))


def _apply(conn: Connection, as_of: date, diff: AlertDiff) -> None:
    if diff.rewrite:
        conn.execute(
            update(alert)
            .where(alert.c.alert_id == bindparam("b_id"))
            .values(
                status=OPEN,
                closed_on=None,
                last_seen_on=as_of,
                **{name: bindparam(f"b_{name}") for name in ("summary", "observed", "threshold")},
            ),
            diff.rewrite,
        )
    if diff.new:
        conn.execute(insert(alert), diff.new)
    if diff.close:
        conn.execute(update(alert).where(alert.c.alert_id.in_(diff.close)).values(status=CLOSED, closed_on=as_of))


def _bound(values: dict[str, object]) -> dict[str, object]:
    # An executemany UPDATE binds by parameter names that must differ from the column names.
    return {f"b_{name}": value for name, value in values.items()}
