"""The registrar's list of one university: its learners who completed a course Coursera marks "For Credit", which
the seed programme asks universities to recognise with credits. Named from the identity store, like the reclaim
list, and sent the same way (lists.py): to that university's coordinator alone, for its registrar."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection, select

from dlsei.alerts.reclaim import week_of
from dlsei.ingest.identities import identities_of
from dlsei.publish.csv_safe import csv_bytes
from dlsei.runs import karachi_date, stored_utc
from dlsei.warehouse.schema import dim_course, dim_programme, snap_course_activity

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
COLUMNS = (
    "email",
    "full_name",
    "roll_number",
    "course_name",
    "course_id",
    "completed_on",
    "course_grade",
    "new_this_week",
    "program_slug",
)


@dataclass(frozen=True)
class CreditList:
    university_id: str
    as_of: date
    rows: list[dict[str, object]] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for row in self.rows if row["new_this_week"] == "yes")

    @property
    def name(self) -> str:
        return f"credit_completions_{_UNSAFE.sub('-', self.university_id)}_{week_of(self.as_of)}.csv"

    @property
    def data(self) -> bytes:
        return csv_bytes(COLUMNS, self.rows)


def credit_lists(conn: Connection, as_of: date) -> list[CreditList]:
    """Per university, every For Credit course its learners had completed by `as_of` (the day's snapshot), those
    completed in the last seven days marked new."""
    ca, p, c = snap_course_activity, dim_programme, dim_course
    query = (
        select(
            p.c.university_id,
            ca.c.program_slug,
            ca.c.learner_key,
            ca.c.course_id,
            c.c.course_name,
            ca.c.completion_time,
            ca.c.course_grade,
        )
        .select_from(ca.join(p, p.c.program_slug == ca.c.program_slug).outerjoin(c, c.c.course_id == ca.c.course_id))
        .where(ca.c.as_of_date == as_of, ca.c.completed.is_(True), ca.c.for_credit.is_(True))
        .order_by(p.c.university_id, ca.c.completion_time.desc(), ca.c.learner_key, ca.c.course_id)
    )
    found = conn.execute(query).all()
    identities = identities_of(conn, sorted({row.learner_key for row in found}))
    week_start = as_of - timedelta(days=6)
    lists: dict[str, CreditList] = {}
    for row in found:
        identity = identities.get(row.learner_key)
        completed = karachi_date(stored_utc(row.completion_time)) if row.completion_time else None
        lists.setdefault(row.university_id, CreditList(row.university_id, as_of)).rows.append(
            {
                "email": identity.email if identity else "",
                "full_name": identity.full_name if identity else "",
                "roll_number": identity.roll_number if identity else "",
                "course_name": row.course_name or "",
                "course_id": row.course_id,
                "completed_on": completed,
                "course_grade": "" if row.course_grade is None else round(row.course_grade, 2),
                "new_this_week": "yes" if completed and completed >= week_start else "",
                "program_slug": row.program_slug,
            }
        )
    return list(lists.values())
