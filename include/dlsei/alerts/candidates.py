"""Seat-level evidence for the learner rules and the reclaim lists, read from the as-of date's snapshots.

The seats are the marts' own reading of the snapshots (publish/seats.py: the roster with its activity outer-joined,
last activity, running cohorts, day windows); this module only applies the rules. Learners appear only as the
pseudonymised keys the snapshots hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, func, null, or_, select

from dlsei.alerts.rules import AlertRules
from dlsei.publish.seats import has_rejected_row, running_programmes, seat_activity, window_start

NOT_JOINED = "not_joined"
NEVER_STARTED = "never_started"
DORMANT = "dormant"
# Why a seat a rule would flag is kept: the rule's grace period has not run out, or the learner is near completion.
GRACE_PERIOD = "grace_period"
NEAR_COMPLETION = "near_completion"
# The rule each kind of reclaim candidate counts towards.
RULE_OF_REASON = {
    NOT_JOINED: "invited_not_joined",
    NEVER_STARTED: "joined_never_started",
    DORMANT: "dormant_learners",
}


@dataclass(frozen=True)
class SeatCount:
    university_id: str
    cohort_id: str
    reason: str
    seats: int


def _at_least_days_before(column: ColumnElement[datetime], as_of: date, days: int) -> ColumnElement[bool]:
    """The timestamp's Karachi day is `days` or more days before `as_of`. A missing timestamp counts as old enough:
    a seat with no date can never prove it is still within its grace period."""
    return or_(column.is_(None), column < window_start(as_of, days))


def judged_seats(as_of: date, rules: AlertRules) -> Subquery:
    """Every seat of a cohort running on `as_of`, judged by the enabled learner rules: `reason` names the rule that
    flags it for reclaim, `kept` why a seat that would be flagged is not (still in its grace period, or near
    completion); both NULL for a seat in use. The seat reading of the marts (publish/seats.py)."""
    seats, running = seat_activity(as_of, with_progress=True), running_programmes(as_of)
    member = seats.c.member_state == "MEMBER"
    flags: list[tuple[ColumnElement[bool], str]] = []
    kept: list[tuple[ColumnElement[bool], str]] = []
    if rules.invited_not_joined.enabled:
        overdue = _at_least_days_before(seats.c.invitation_date, as_of, rules.invited_not_joined.grace_days)
        invited = seats.c.member_state == "INVITED"
        flags.append((and_(invited, overdue), NOT_JOINED))
        kept.append((and_(invited, ~overdue), GRACE_PERIOD))
    if rules.joined_never_started.enabled:
        overdue = _at_least_days_before(seats.c.join_date, as_of, rules.joined_never_started.grace_days)
        idle = and_(member, seats.c.last_at.is_(None))
        flags.append((and_(idle, overdue), NEVER_STARTED))
        kept.append((and_(idle, ~overdue), GRACE_PERIOD))
    if rules.dormant_learners.enabled:
        dormant = rules.dormant_learners
        asleep = and_(member, seats.c.last_at < window_start(as_of, dormant.inactive_days))
        settled = _at_least_days_before(seats.c.join_date, as_of, dormant.join_grace_days)
        near_completion = func.coalesce(seats.c.best_progress, 0.0) >= dormant.progress_exempt_pct
        flags.append((and_(asleep, settled, ~near_completion), DORMANT))
        kept.append((and_(asleep, near_completion), NEAR_COMPLETION))
        kept.append((and_(asleep, ~settled), GRACE_PERIOD))
    reason = case(*flags, else_=null()) if flags else null()
    exemption = case(*kept, else_=null()) if kept else null()
    return (
        select(
            running.c.university_id,
            running.c.cohort_id,
            seats.c.program_slug,
            seats.c.learner_key,
            seats.c.member_state,
            seats.c.invitation_date,
            seats.c.join_date,
            seats.c.last_at.label("last_activity_at"),
            seats.c.best_progress,
            reason.label("reason"),
            exemption.label("kept"),
        )
        .select_from(seats.join(running, running.c.program_slug == seats.c.program_slug))
        # A seat with a row rejected that day is unknown, not inactive: no rule judges it on part of its evidence.
        .where(~has_rejected_row(as_of, seats.c.program_slug, seats.c.learner_key))
        .subquery("judged")
    )


def candidate_seats(as_of: date, rules: AlertRules) -> Subquery:
    """Every seat of a cohort running on `as_of` that an enabled learner rule flags, with the reason."""
    judged = judged_seats(as_of, rules)
    return select(judged).where(judged.c.reason.is_not(None)).subquery("candidates")


def seat_counts(conn: Connection, as_of: date, rules: AlertRules) -> list[SeatCount]:
    """Flagged seats per university x cohort x reason."""
    c = candidate_seats(as_of, rules)
    query = (
        select(c.c.university_id, c.c.cohort_id, c.c.reason, func.count().label("seats"))
        .group_by(c.c.university_id, c.c.cohort_id, c.c.reason)
        .order_by(c.c.university_id, c.c.cohort_id, c.c.reason)
    )
    return [SeatCount(**row) for row in conn.execute(query).mappings()]


def university_counts(conn: Connection, as_of: date, rules: AlertRules) -> dict[str, int]:
    """Flagged seats per university (absent: none)."""
    counts: dict[str, int] = {}
    for count in seat_counts(conn, as_of, rules):
        counts[count.university_id] = counts.get(count.university_id, 0) + count.seats
    return counts
