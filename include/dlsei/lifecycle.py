"""The seat lifecycle: every seat's state on each published as-of date (fact_seat_day), and its history as
episodes with valid_from / valid_to (seat_lifecycle, a slowly changing dimension of type 2).

The states apply docs/measures.md seat by seat: invited; joined (a member with no activity yet); active (last
activity day A-29 or later); dormant (a member whose last activity is older); removed (seen in an earlier snapshot
and missing from A's), recorded for the programmes whose cohort runs on A, as the utilisation mart counts it. A
seat that comes back after a removal opens a new episode in its new state. `reassigned` (a reclaimed seat handed
to another learner) is a later step: it needs the seat rather than the learner as the unit, and Coursera's
exports do not say which freed seat a new invitation took.

The history is a function of fact_seat_day alone and is rebuilt whole each time a date is published, so a re-run,
a backfill in any order and the daily runs all leave the same rows. The rebuild reads every published seat-day
(the size of the membership snapshots); making it start from the earliest changed date is the step to take when
that grows slow.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    union_all,
)

from dlsei.runs import RunContext
from dlsei.seats import removed_seats, running_programmes, seat_activity, window_start
from dlsei.warehouse.schema import fact_seat_day, seat_lifecycle


def seat_states(as_of: date) -> CompoundSelect:
    """program_slug, learner_key, state of every seat on `as_of`: the snapshot's seats and the removed ones."""
    seats = seat_activity(as_of)
    state = case(
        (seats.c.member_state == "INVITED", "invited"),
        (seats.c.last_at.is_(None), "joined"),
        (seats.c.last_at >= window_start(as_of, 30), "active"),
        else_="dormant",
    )
    gone = removed_seats(as_of)
    running = running_programmes(as_of)
    removed = select(gone.c.program_slug, gone.c.learner_key, literal("removed").label("state")).select_from(
        gone.join(running, running.c.program_slug == gone.c.program_slug)
    )
    return union_all(select(seats.c.program_slug, seats.c.learner_key, state.label("state")), removed)


def history_query(load_id: str) -> Select:
    """seat_lifecycle's rows from fact_seat_day: an episode starts on each seat-day whose state differs from the
    seat's previous published day (gaps and islands), and ends where the next one starts."""
    f = fact_seat_day
    seat = (f.c.program_slug, f.c.learner_key)
    marked = select(
        *seat,
        f.c.as_of_date,
        f.c.state,
        func.lag(f.c.state).over(partition_by=seat, order_by=f.c.as_of_date).label("previous_state"),
    ).subquery("marked")
    starts = (
        select(marked.c.program_slug, marked.c.learner_key, marked.c.as_of_date.label("valid_from"), marked.c.state)
        .where(or_(marked.c.previous_state.is_(None), marked.c.previous_state != marked.c.state))
        .subquery("starts")
    )
    next_start = func.lead(starts.c.valid_from).over(
        partition_by=(starts.c.program_slug, starts.c.learner_key), order_by=starts.c.valid_from
    )
    return select(
        starts.c.program_slug,
        starts.c.learner_key,
        starts.c.valid_from,
        next_start.label("valid_to"),
        starts.c.state,
        literal(load_id).label("load_id"),
    )


def publish_lifecycle(conn: Connection, run: RunContext, as_of: date) -> None:
    """Replace `as_of`'s seat states and rebuild the history; the caller's transaction makes it atomic."""
    states = seat_states(as_of).subquery("states")
    conn.execute(delete(fact_seat_day).where(fact_seat_day.c.as_of_date == as_of))
    conn.execute(
        insert(fact_seat_day).from_select(
            ["as_of_date", "program_slug", "learner_key", "state", "load_id"],
            select(literal(as_of), states.c.program_slug, states.c.learner_key, states.c.state, literal(run.load_id)),
        )
    )
    history = history_query(run.load_id)
    conn.execute(delete(seat_lifecycle))
    conn.execute(insert(seat_lifecycle).from_select([c.name for c in history.selected_columns], history))
