"""The seats of one as-of date, as docs/measures.md defines them: the one reading of the snapshots that the
utilisation mart counts and the seat lifecycle records seat by seat, and of the registry as it stood that date.

A seat is a membership row of the as-of date's snapshot; its last activity is the later of the membership's own
and the latest of its course rows. A removed seat is one seen in an earlier snapshot and missing from this one, or
one the snapshot still lists with a removal-like state (canonical.REMOVAL_STATES). A seat with a row rejected that
day (dq_rejected_row) is unknown that day: neither removed nor inactive.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Subquery, Table, and_, exists, func, or_, select, union_all

from dlsei.canonical import REMOVAL_STATES
from dlsei.runs import karachi_midnight_utc
from dlsei.warehouse.expressions import later, valid_on
from dlsei.warehouse.schema import (
    REJECT_REPLAYED,
    dim_programme,
    dim_seat_allocation,
    dq_rejected_row,
    int_seat_seen,
    snap_course_activity,
    snap_membership,
)


def window_start(as_of: date, days: int) -> datetime:
    """The first instant of the `days` Karachi days ending with `as_of` (active_7d: 7, active_30d: 30): a moment
    before it is `days` or more days before `as_of`."""
    return karachi_midnight_utc(as_of - timedelta(days=days - 1))


def registry_on(table: Table, as_of: date) -> Subquery:
    """The registry table's versions valid on `as_of` (one per key), under the table's own name: every mart of a date
    joins the registry of that date, so a later extract never rewrites an earlier date unless it restates it."""
    return select(table).where(valid_on(table, as_of)).subquery(table.name)


def running_programmes(as_of: date) -> Subquery:
    """The programmes (program_slug, university_id, cohort_id) of every allocation whose cohort window contains
    `as_of`: the university x cohorts the marts publish for that date."""
    p, a = registry_on(dim_programme, as_of), registry_on(dim_seat_allocation, as_of)
    return (
        select(p.c.program_slug, p.c.university_id, p.c.cohort_id)
        .select_from(p.join(a, and_(a.c.university_id == p.c.university_id, a.c.cohort_id == p.c.cohort_id)))
        .where(a.c.cohort_start <= as_of, a.c.cohort_end >= as_of)
        .subquery("running_programmes")
    )


def seat_activity(as_of: date, *, with_progress: bool = False) -> Subquery:
    """Every seat in the as-of date's membership snapshot: program_slug, learner_key, external_id_key, member_state,
    invitation_date, join_date, last_at, and with `with_progress` best_progress (the highest course progress of
    the seat's learner in the programme; the alerts' exemption, not a measure of the marts).

    The membership is the roster and course rows are outer-joined to it, so a seat without a single activity row
    is kept (with last_at NULL): that is the most under-used seat of all."""
    m, ca = snap_membership, snap_course_activity
    progress = [func.max(ca.c.overall_progress).label("best_progress")] if with_progress else []
    courses = (
        select(ca.c.program_slug, ca.c.learner_key, func.max(ca.c.last_activity_at).label("course_last"), *progress)
        .where(ca.c.as_of_date == as_of)
        .group_by(ca.c.program_slug, ca.c.learner_key)
        .subquery("courses")
    )
    return (
        select(
            m.c.program_slug,
            m.c.learner_key,
            m.c.external_id_key,
            m.c.member_state,
            m.c.invitation_date,
            m.c.join_date,
            later(m.c.last_activity_at, courses.c.course_last).label("last_at"),
            *([courses.c.best_progress] if with_progress else []),
        )
        .select_from(
            m.outerjoin(
                courses,
                and_(courses.c.program_slug == m.c.program_slug, courses.c.learner_key == m.c.learner_key),
            )
        )
        .where(m.c.as_of_date == as_of, holds_seat(m.c.member_state))
        .subquery("seats")
    )


def holds_seat(member_state: ColumnElement[str]) -> ColumnElement[bool]:
    """A membership row that holds its seat: any state but a removal-like one."""
    return or_(member_state.is_(None), member_state.not_in(REMOVAL_STATES))


def removed_seats(as_of: date) -> Subquery:
    """Seats (program_slug, learner_key) of any snapshot before `as_of` that `as_of`'s snapshot no longer lists:
    Coursera deletes a reclaimed seat from later exports, so only the warehouse's history remembers it
    (int_seat_seen, seen_seats.py)."""
    seen, m = int_seat_seen, snap_membership
    gone = select(seen.c.program_slug, seen.c.learner_key).where(
        seen.c.first_seen < as_of,
        ~exists().where(
            m.c.as_of_date == as_of, m.c.program_slug == seen.c.program_slug, m.c.learner_key == seen.c.learner_key
        ),
        ~has_rejected_row(as_of, seen.c.program_slug, seen.c.learner_key),
    )
    # Still listed, as removed: Coursera's value set is not public, and a learner can outlive the removal in a list.
    listed_removed = select(m.c.program_slug, m.c.learner_key).where(
        m.c.as_of_date == as_of, ~holds_seat(m.c.member_state)
    )
    return union_all(gone, listed_removed).subquery("removed_seats")


def has_rejected_row(
    as_of: date, program_slug: ColumnElement[str], learner_key: ColumnElement[str]
) -> ColumnElement[bool]:
    """The seat had a row of `as_of`'s exports rejected by a row rule, and its file has not been replayed since: what
    the warehouse holds of the seat that day is incomplete."""
    r = dq_rejected_row
    return exists().where(
        r.c.as_of_date == as_of,
        r.c.program_slug == program_slug,
        r.c.learner_key == learner_key,
        r.c.status != REJECT_REPLAYED,
    )
