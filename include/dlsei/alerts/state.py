"""Alerts are state, not spam: one alert per rule x university x cohort opens when its condition first holds,
is refreshed while it holds and closes on the first as-of date it does not."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, bindparam, func, insert, select, update

from dlsei.alerts.conditions import conditions, marts_hold
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
        row.alert_key: row
        for row in conn.execute(
            select(alert.c.alert_id, alert.c.alert_key, alert.c.last_seen_on).where(alert.c.status == OPEN)
        )
    }
    # An alert closed on this very date whose condition holds after the marts were rebuilt: the re-run takes its own
    # decision back rather than opening a second alert for one episode.
    closed_today = dict(
        conn.execute(
            select(alert.c.alert_key, alert.c.alert_id).where(alert.c.status == CLOSED, alert.c.closed_on == as_of)
        ).all()
    )

    opened: list[str] = []
    refreshed: list[str] = []
    rewrite: list[dict[str, object]] = []
    new: list[dict[str, object]] = []
    for key, condition in sorted(found.items()):
        values = {"summary": condition.summary, "observed": condition.observed, "threshold": condition.threshold}
        if key in open_now:
            rewrite.append({"b_id": open_now[key].alert_id, **_bound(values)})
            if open_now[key].last_seen_on < as_of:
                refreshed.append(key)
        elif key in closed_today:
            rewrite.append({"b_id": closed_today[key], **_bound(values)})
            opened.append(key)
        else:
            new.append(
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
            opened.append(key)
    cleared = sorted((key, row.alert_id) for key, row in open_now.items() if key not in found)

    if rewrite:
        conn.execute(
            update(alert)
            .where(alert.c.alert_id == bindparam("b_id"))
            .values(
                status=OPEN,
                closed_on=None,
                last_seen_on=as_of,
                **{name: bindparam(f"b_{name}") for name in ("summary", "observed", "threshold")},
            ),
            rewrite,
        )
    if new:
        conn.execute(insert(alert), new)
    if cleared:
        conn.execute(
            update(alert)
            .where(alert.c.alert_id.in_([alert_id for _, alert_id in cleared]))
            .values(status=CLOSED, closed_on=as_of)
        )
    return AlertChanges(
        as_of, opened=tuple(opened), refreshed=tuple(refreshed), closed=tuple(key for key, _ in cleared)
    )


def _bound(values: dict[str, object]) -> dict[str, object]:
    # An executemany UPDATE binds by parameter names that must differ from the column names.
    return {f"b_{name}": value for name, value in values.items()}
