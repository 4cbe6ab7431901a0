"""Course activity by domain and by course type (course or guided project) per university x cohort x as-of date.

Enrolments are the learner x course rows of the as-of date's snapshot in the programmes of a running cohort, the
same ones the utilisation mart counts, broken down by an attribute of the course in the catalogue (dim_course); a
course the catalogue lacks is counted as `unclassified`, so each breakdown adds up to the utilisation mart's
enrolments, completions and learning hours. Active learners are distinct learners with an enrolment of that row
active in the 30-day window; one learner can be active in several domains, so they do not add up.

The region, sector and national roll-ups of the utilisation mart need no table: they are views (migration 0002)
that sum the counts and recompute each ratio from the sums.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Column, Connection, Select, Table, case, delete, distinct, func, insert, literal, select

from dlsei.publish.seats import running_programmes, window_start
from dlsei.runs import RunContext
from dlsei.warehouse.expressions import count_if, round2
from dlsei.warehouse.schema import (
    dim_course,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    snap_course_activity,
)

UNCLASSIFIED = "unclassified"
# Each activity mart, the column it breaks enrolments down by, and the catalogue attribute that fills it.
BREAKDOWNS: tuple[tuple[Table, str, Column[str]], ...] = (
    (mart_activity_by_domain, "domain", dim_course.c.domain),
    (mart_activity_by_course_type, "course_type", dim_course.c.content_type),
)


def activity_query(category_name: str, attribute: Column[str], as_of: date, load_id: str) -> Select:
    """The rows of one activity mart for `as_of`, one per university x cohort x category with an enrolment."""
    ca = snap_course_activity
    running = running_programmes(as_of)
    category = func.coalesce(attribute, UNCLASSIFIED)
    recent = ca.c.last_activity_at >= window_start(as_of, 30)
    return (
        select(
            literal(as_of).label("as_of_date"),
            running.c.university_id,
            running.c.cohort_id,
            category.label(category_name),
            func.count().label("enrolments"),
            count_if(ca.c.completed.is_(True)).label("completions"),
            round2(func.coalesce(func.sum(ca.c.learning_hours), 0.0)).label("learning_hours"),
            func.count(distinct(case((recent, ca.c.learner_key)))).label("active_learners"),
            literal(as_of).label("data_complete_through"),
            literal(load_id).label("load_id"),
        )
        .select_from(
            ca.join(running, running.c.program_slug == ca.c.program_slug).outerjoin(
                dim_course, dim_course.c.course_id == ca.c.course_id
            )
        )
        .where(ca.c.as_of_date == as_of)
        .group_by(running.c.university_id, running.c.cohort_id, category)
    )


def publish_activity(conn: Connection, run: RunContext, as_of: date) -> None:
    """Replace `as_of`'s rows of both activity marts; the caller's transaction makes it atomic with the others."""
    for table, category_name, attribute in BREAKDOWNS:
        query = activity_query(category_name, attribute, as_of, run.load_id)
        conn.execute(delete(table).where(table.c.as_of_date == as_of))
        conn.execute(insert(table).from_select([c.name for c in query.selected_columns], query))
