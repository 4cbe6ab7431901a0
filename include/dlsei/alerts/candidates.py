"""Seat-level evidence for the learner rules and the reclaim list, read from the as-of date's snapshots.

It starts from the roster (memberships) and outer-joins activity, because a seat without a single activity row is
the most under-used seat of all. Learners appear only as the pseudonymised keys the snapshots hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Subquery, and_, case, func, null, or_, select

from dlsei.alerts.rules import AlertRules
from dlsei.runs import karachi_midnight_utc
from dlsei.warehouse.expressions import later
from dlsei.warehouse.schema import dim_programme, dim_seat_allocation, snap_course_activity, snap_membership

NOT_JOINED = "not_joined"
NEVER_STARTED = "never_started"
DORMANT = "dormant"
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
    return or_(column.is_(None), column < karachi_midnight_utc(as_of - timedelta(days=days - 1)))


def candidate_seats(as_of: date, rules: AlertRules) -> Subquery:
    """Every seat of a cohort running on `as_of` that an enabled learner rule flags, with the reason."""
    m, ca, p, a = snap_membership, snap_course_activity, dim_programme, dim_seat_allocation
    courses = (
        select(
            ca.c.program_slug,
            ca.c.learner_key,
            func.max(ca.c.last_activity_at).label("course_last"),
            func.max(ca.c.overall_progress).label("best_progress"),
        )
        .where(ca.c.as_of_date == as_of)
        .group_by(ca.c.program_slug, ca.c.learner_key)
        .subquery("courses")
    )
    last_at = later(m.c.last_activity_at, courses.c.course_last)
    member = m.c.member_state == "MEMBER"

    whens: list[tuple[ColumnElement[bool], str]] = []
    if rules.invited_not_joined.enabled:
        overdue = _at_least_days_before(m.c.invitation_date, as_of, rules.invited_not_joined.grace_days)
        whens.append((and_(m.c.member_state == "INVITED", overdue), NOT_JOINED))
    if rules.joined_never_started.enabled:
        overdue = _at_least_days_before(m.c.join_date, as_of, rules.joined_never_started.grace_days)
        whens.append((and_(member, last_at.is_(None), overdue), NEVER_STARTED))
    if rules.dormant_learners.enabled:
        dormant = rules.dormant_learners
        whens.append(
            (
                and_(
                    member,
                    last_at < karachi_midnight_utc(as_of - timedelta(days=dormant.inactive_days - 1)),
                    _at_least_days_before(m.c.join_date, as_of, dormant.join_grace_days),
                    func.coalesce(courses.c.best_progress, 0.0) < dormant.progress_exempt_pct,
                ),
                DORMANT,
            )
        )
    reason = case(*whens, else_=null()) if whens else null()

    seats = (
        select(
            a.c.university_id,
            a.c.cohort_id,
            m.c.program_slug,
            m.c.learner_key,
            m.c.member_state,
            m.c.join_date,
            last_at.label("last_activity_at"),
            courses.c.best_progress,
            reason.label("reason"),
        )
        .select_from(
            m.join(p, p.c.program_slug == m.c.program_slug)
            .join(a, and_(a.c.university_id == p.c.university_id, a.c.cohort_id == p.c.cohort_id))
            .outerjoin(
                courses,
                and_(courses.c.program_slug == m.c.program_slug, courses.c.learner_key == m.c.learner_key),
            )
        )
        .where(m.c.as_of_date == as_of, a.c.cohort_start <= as_of, a.c.cohort_end >= as_of)
        .subquery("seats")
    )
    return select(seats).where(seats.c.reason.is_not(None)).subquery("candidates")


def seat_counts(conn: Connection, as_of: date, rules: AlertRules) -> list[SeatCount]:
    """Flagged seats per university x cohort x reason."""
    c = candidate_seats(as_of, rules)
    query = (
        select(c.c.university_id, c.c.cohort_id, c.c.reason, func.count().label("seats"))
        .group_by(c.c.university_id, c.c.cohort_id, c.c.reason)
        .order_by(c.c.university_id, c.c.cohort_id, c.c.reason)
    )
    return [SeatCount(**row) for row in conn.execute(query).mappings()]
