"""The seat lifecycle: every seat's state on each published as-of date, with its learner's registry match
(fact_seat_day: one table for both, since a seat-level row a day is the widest write of the marts), and its history
as episodes with valid_from / valid_to (fact_seat_lifecycle, a slowly changing dimension of type 2).

The states apply docs/measures.md seat by seat: invited; joined (a member with no activity yet); active (last
activity day A-29 or later); dormant (a member whose last activity is older); removed (seen in an earlier snapshot
and missing from A's, or listed with a removal-like state), recorded for the programmes whose cohort runs on A, as
the utilisation mart counts it. A seat that comes back after a removal opens a new episode in its new state.
`reassigned` (a reclaimed seat handed to another learner) is a later step: it needs the seat rather than the
learner as the unit, and Coursera's exports do not say which freed seat a new invitation took.

The history is a function of fact_seat_day alone, so a re-run, a backfill in any order and the daily runs all
leave the same rows. Publishing a date recomputes the history from that date on only (publish_lifecycle): the
daily run reads one day of seats, not the whole history, which grows by a day of seats every day.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Connection,
    Date,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)

from dlsei.publish.matching import with_match
from dlsei.publish.seats import removed_seats, running_programmes, seat_activity, window_start
from dlsei.runs import RunContext
from dlsei.warehouse.replace import replace_slice
from dlsei.warehouse.schema import fact_seat_day, fact_seat_lifecycle


def seat_states(as_of: date) -> CompoundSelect:
    """program_slug, learner_key, state, person_key, match_method of every seat on `as_of`: the snapshot's seats,
    each with its learner's match to the registry, and the removed ones (no match: they are not in the snapshot)."""
    seats = with_match(seat_activity(as_of), as_of).subquery("matched_seats")
    state = case(
        (seats.c.member_state == "INVITED", "invited"),
        (seats.c.last_at.is_(None), "joined"),
        (seats.c.last_at >= window_start(as_of, 30), "active"),
        else_="dormant",
    )
    gone = removed_seats(as_of)
    running = running_programmes(as_of)
    removed = select(
        gone.c.program_slug,
        gone.c.learner_key,
        literal("removed").label("state"),
        null().label("person_key"),
        null().label("match_method"),
    ).select_from(gone.join(running, running.c.program_slug == gone.c.program_slug))
    listed = select(
        seats.c.program_slug, seats.c.learner_key, state.label("state"), seats.c.person_key, seats.c.match_method
    )
    return union_all(listed, removed)


def _new_episodes(as_of: date, load_id: str, *, later_days: bool) -> Select:
    """The episodes that start on `as_of` or later (gaps and islands over each seat's rows from `as_of` on), each
    ending where its seat's next one starts. A seat's first row from `as_of` on starts an episode only if its state
    differs from the episode in force just before `as_of` (the one kept in fact_seat_lifecycle), so a state that goes
    on across `as_of` stays one episode.

    Without `later_days` (fact_seat_day has no date after `as_of`: the daily run) each seat has one row from `as_of`
    on, no previous row and no next episode, so the two window functions, each a sort of every seat, are left out."""
    f, lifecycle = fact_seat_day, fact_seat_lifecycle
    seat = (f.c.program_slug, f.c.learner_key)
    previous = func.lag(f.c.state).over(partition_by=seat, order_by=f.c.as_of_date) if later_days else null()
    marked = (
        select(*seat, f.c.as_of_date, f.c.state, previous.label("previous_state"))
        .where(f.c.as_of_date >= as_of if later_days else f.c.as_of_date == as_of)
        .subquery("marked")
    )
    in_force = (
        select(lifecycle.c.program_slug, lifecycle.c.learner_key, lifecycle.c.state)
        .where(_spans(as_of))
        .subquery("in_force")
    )
    before = func.coalesce(marked.c.previous_state, in_force.c.state)
    starts = (
        select(marked.c.program_slug, marked.c.learner_key, marked.c.as_of_date.label("valid_from"), marked.c.state)
        .select_from(
            marked.outerjoin(
                in_force,
                and_(
                    in_force.c.program_slug == marked.c.program_slug,
                    in_force.c.learner_key == marked.c.learner_key,
                ),
            )
        )
        .where(or_(before.is_(None), before != marked.c.state))
        .subquery("starts")
    )
    next_start = (
        func.lead(starts.c.valid_from).over(
            partition_by=(starts.c.program_slug, starts.c.learner_key), order_by=starts.c.valid_from
        )
        if later_days
        else null()
    )
    return select(
        starts.c.program_slug,
        starts.c.learner_key,
        starts.c.valid_from,
        next_start.label("valid_to"),
        starts.c.state,
        literal(load_id).label("load_id"),
    )


def _spans(as_of: date) -> ColumnElement[bool]:
    """An episode in force on the last day before `as_of` (it started before it and had not ended by then)."""
    lifecycle = fact_seat_lifecycle
    return and_(lifecycle.c.valid_from < as_of, or_(lifecycle.c.valid_to.is_(None), lifecycle.c.valid_to >= as_of))


def publish_lifecycle(conn: Connection, run: RunContext, as_of: date) -> None:
    """Replace `as_of`'s seat states and bring the history up to date; the caller's transaction makes it atomic.

    Episodes that ended before `as_of` depend on earlier days only and stay as they are. Those from `as_of` on are
    recomputed from fact_seat_day, and the episode in force before `as_of` gets its new end: for the daily run
    that is a read of one day and a write per seat whose state changed, whatever the length of the history. A date
    published again rewrites only the seats and episodes that changed (replace_slice)."""
    states = seat_states(as_of).subquery("states")
    day = select(literal(as_of, Date).label("as_of_date"), *states.c, literal(run.load_id).label("load_id"))
    replace_slice(conn, fact_seat_day, fact_seat_day.c.as_of_date == as_of, day)
    lifecycle = fact_seat_lifecycle
    later_days = conn.execute(select(exists().where(fact_seat_day.c.as_of_date > as_of))).scalar_one()
    episodes = _new_episodes(as_of, run.load_id, later_days=later_days)
    replace_slice(conn, lifecycle, lifecycle.c.valid_from >= as_of, episodes)
    later = lifecycle.alias("later")
    next_start = (
        select(func.min(later.c.valid_from))
        .where(
            later.c.program_slug == lifecycle.c.program_slug,
            later.c.learner_key == lifecycle.c.learner_key,
            later.c.valid_from >= as_of,
        )
        .scalar_subquery()
    )
    conn.execute(
        update(lifecycle)
        .where(_spans(as_of), lifecycle.c.valid_to.is_distinct_from(next_start))
        .values(valid_to=next_start, load_id=run.load_id)
    )
