"""The reclaim-candidate list: one CSV per university, seat-level, for that university's coordinator only."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, select

from dlsei.alerts.candidates import candidate_seats
from dlsei.alerts.rules import AlertRules
from dlsei.publish.csv_safe import csv_bytes
from dlsei.runs import karachi_date, stored_utc

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
COLUMNS = (
    "university_id",
    "cohort_id",
    "program_slug",
    "learner_key",
    "reason",
    "member_state",
    "join_date",
    "last_activity_date",
    "days_since_activity",
    "best_course_progress_pct",
)


@dataclass(frozen=True)
class ReclaimReport:
    university_id: str
    as_of: date
    seats: int
    data: bytes  # UTF-8 CSV with a header row, safe in a spreadsheet (publish/csv_safe.py)

    @property
    def name(self) -> str:
        """The file name, also the attachment's: the caller stores it as reports/<name>."""
        # Registry ids are free text to us: keep the name a safe file name and landing key.
        safe_id = _UNSAFE.sub("-", self.university_id)
        return f"reclaim_candidates_{safe_id}_{self.as_of.isoformat()}.csv"


def _day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return karachi_date(stored_utc(moment))


def reclaim_reports(conn: Connection, as_of: date, rules: AlertRules) -> list[ReclaimReport]:
    """One report per university with at least one candidate seat on `as_of`."""
    c = candidate_seats(as_of, rules)
    query = select(c).order_by(c.c.university_id, c.c.cohort_id, c.c.program_slug, c.c.reason, c.c.learner_key)
    by_university: dict[str, list[dict[str, object]]] = {}
    for row in conn.execute(query).mappings():
        last_day = _day(row["last_activity_at"])
        joined = _day(row["join_date"])
        by_university.setdefault(row["university_id"], []).append(
            {
                "university_id": row["university_id"],
                "cohort_id": row["cohort_id"],
                "program_slug": row["program_slug"],
                "learner_key": row["learner_key"],
                "reason": row["reason"],
                "member_state": row["member_state"],
                "join_date": joined.isoformat() if joined else "",
                "last_activity_date": last_day.isoformat() if last_day else "",
                "days_since_activity": (as_of - last_day).days if last_day else "",
                "best_course_progress_pct": "" if row["best_progress"] is None else round(row["best_progress"], 2),
            }
        )
    return [
        ReclaimReport(university_id=university, as_of=as_of, seats=len(rows), data=csv_bytes(COLUMNS, rows))
        for university, rows in by_university.items()
    ]
