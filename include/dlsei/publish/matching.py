"""Match every learner of an as-of date's membership snapshot to the HEC registry's people (dim_person): each seat
of fact_seat_day carries its learner's match (lifecycle.py writes it), and mart_learner_match counts them.

Coursera's External Id holds the roll number and both are keyed as the kind "roll" (pseudonymise.py), so the
first test is `external_id_key = person_key`; a learner without one (or with one the registry does not know) is
tried by e-mail, `learner_key = email_key`. Each learner x programme gets one method: external_id, email,
ambiguous (no roll number match and the e-mail belongs to more than one person) or unmatched. Unmatched and
ambiguous learners are counted per university x cohort, never dropped. It all runs in the warehouse on keys: no
identifier is read back.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    Connection,
    Select,
    Subquery,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    true,
    union_all,
)

from dlsei.publish.seats import registry_on
from dlsei.runs import RunContext
from dlsei.warehouse.schema import (
    MATCH_METHODS,
    dim_person,
    dim_programme,
    dim_seat_allocation,
    fact_seat_day,
    mart_learner_match,
    snap_membership,
)


def with_match(seats: Subquery, as_of: date) -> Select:
    """`seats` (a subquery of `as_of`'s membership snapshot with program_slug, learner_key and external_id_key) with
    two more columns: person_key and match_method."""
    m, people = snap_membership, registry_on(dim_person, as_of)
    by_roll = people.alias("by_roll")
    # Only the e-mails of the day's learners are counted: grouping every person of the registry sorted the whole
    # registry (900,000 people) on disk every day. They are read from the snapshot itself, not from `seats`, which
    # would aggregate the day's course rows a second time.
    day_learners = select(m.c.learner_key).where(m.c.as_of_date == as_of)
    by_email = (
        select(
            people.c.email_key,
            func.count().label("people"),
            func.min(people.c.person_key).label("person_key"),
        )
        .where(people.c.email_key.in_(day_learners))
        .group_by(people.c.email_key)
        .subquery("by_email")
    )
    method = case(
        (by_roll.c.person_key.is_not(None), "external_id"),
        (by_email.c.people == 1, "email"),
        (by_email.c.people > 1, "ambiguous"),
        else_="unmatched",
    )
    person = case(
        (by_roll.c.person_key.is_not(None), by_roll.c.person_key),
        (by_email.c.people == 1, by_email.c.person_key),
        else_=null(),
    )
    return select(*seats.c, person.label("person_key"), method.label("match_method")).select_from(
        seats.outerjoin(by_roll, by_roll.c.person_key == seats.c.external_id_key).outerjoin(
            by_email, by_email.c.email_key == seats.c.learner_key
        )
    )


def match_counts(as_of: date, load_id: str) -> Select:
    """mart_learner_match's rows for `as_of`, from the seats of fact_seat_day (those of the snapshot carry a
    match_method; removed ones do not): every method of every running allocation, zeros included, so a university
    with no unmatched learner says so rather than having no row."""
    seats, p, a = fact_seat_day, registry_on(dim_programme, as_of), registry_on(dim_seat_allocation, as_of)
    methods = union_all(*(select(literal(method).label("match_method")) for method in MATCH_METHODS)).subquery(
        "methods"
    )
    counted = (
        select(p.c.university_id, p.c.cohort_id, seats.c.match_method, func.count().label("learners"))
        .select_from(seats.join(p, p.c.program_slug == seats.c.program_slug))
        .where(seats.c.as_of_date == as_of, seats.c.match_method.is_not(None))
        .group_by(p.c.university_id, p.c.cohort_id, seats.c.match_method)
        .subquery("counted")
    )
    return (
        select(
            literal(as_of).label("as_of_date"),
            a.c.university_id,
            a.c.cohort_id,
            methods.c.match_method,
            func.coalesce(counted.c.learners, 0).label("learners"),
            literal(as_of).label("data_complete_through"),
            literal(load_id).label("load_id"),
        )
        .select_from(
            a.join(methods, true()).outerjoin(
                counted,
                and_(
                    counted.c.university_id == a.c.university_id,
                    counted.c.cohort_id == a.c.cohort_id,
                    counted.c.match_method == methods.c.match_method,
                ),
            )
        )
        .where(a.c.cohort_start <= as_of, a.c.cohort_end >= as_of)
    )


def publish_match_counts(conn: Connection, run: RunContext, as_of: date) -> None:
    """Replace `as_of`'s match counts from its published seats (lifecycle.publish_lifecycle writes them first); the
    caller's transaction makes it atomic with the other marts."""
    counts = match_counts(as_of, run.load_id)
    conn.execute(delete(mart_learner_match).where(mart_learner_match.c.as_of_date == as_of))
    conn.execute(insert(mart_learner_match).from_select([c.name for c in counts.selected_columns], counts))
