"""The weekly reclaim list of one university: the learners its coordinator should remove in Coursera's admin UI (by
the e-mail the UI finds them by), why, and the seats kept although idle; and what became of each recommendation.

The list is the one place the identity store is read (ingest/identities.py): it goes to that university's
coordinator alone (lists.py), never into a digest's text, a mart or a log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, or_, select, update

from dlsei.alerts.candidates import DORMANT, GRACE_PERIOD, NEAR_COMPLETION, NEVER_STARTED, NOT_JOINED, judged_seats
from dlsei.alerts.rules import AlertRules
from dlsei.ingest.identities import Identity, identities_of
from dlsei.publish.csv_safe import csv_bytes
from dlsei.publish.seats import removed_seats
from dlsei.runs import karachi_date, stored_utc
from dlsei.warehouse.schema import fact_seat_day, reclaim_recommendation
from dlsei.warehouse.views import v_reclaim_outcome

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
REMOVE = "remove"
KEEP = "keep"
REMOVED = "removed"
RECOVERED = "recovered"
# How long a coordinator has to act on a list or an alert before the next list or reminder restates what is left.
ACT_WITHIN_DAYS = 7
COLUMNS = (
    "action",
    "email",
    "full_name",
    "roll_number",
    "why",
    "cohort_id",
    "program_slug",
    "member_state",
    "invited_on",
    "joined_on",
    "last_activity_on",
    "best_course_progress_pct",
)


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Entry:
    cohort_id: str
    program_slug: str
    learner_key: str
    reason: str | None  # the rule flagging the seat: the coordinator should remove it
    row: dict[str, object]  # the list's columns


@dataclass(frozen=True)
class ReclaimList:
    university_id: str
    as_of: date
    entries: list[Entry] = field(default_factory=list)

    @property
    def to_remove(self) -> list[Entry]:
        return [entry for entry in self.entries if entry.reason is not None]

    @property
    def kept(self) -> int:
        return len(self.entries) - len(self.to_remove)

    @property
    def name(self) -> str:
        """The attachment's file name. Registry ids are free text to us: kept a safe file name."""
        return f"reclaim_list_{_UNSAFE.sub('-', self.university_id)}_{week_of(self.as_of)}.csv"

    @property
    def data(self) -> bytes:
        return csv_bytes(COLUMNS, [entry.row for entry in self.entries])


def _day(moment: datetime | None) -> date | None:
    return None if moment is None else karachi_date(stored_utc(moment))


def _why(reason: str | None, kept: str | None, as_of: date, row: dict[str, object]) -> str:
    invited, joined, last = row["invited_on"], row["joined_on"], row["last_activity_on"]

    def ago(day: object) -> str:
        return f"{day}, {(as_of - day).days} days ago" if isinstance(day, date) else "date unknown"

    if reason == NOT_JOINED:
        return f"never joined: invited {ago(invited)}"
    if reason == NEVER_STARTED:
        return f"never started: joined {ago(joined)}"
    if reason == DORMANT:
        return f"dormant since {ago(last)}"
    if kept == NEAR_COMPLETION:
        return f"kept: near completion, {row['best_course_progress_pct']}% of a course done"
    if kept == GRACE_PERIOD:
        start = joined if row["member_state"] == "MEMBER" else invited
        return f"kept: still in its grace period ({'joined' if joined else 'invited'} {ago(start)})"
    return ""


def _row(found: dict[str, object], identity: Identity | None, as_of: date) -> dict[str, object]:
    row: dict[str, object] = {
        "action": REMOVE if found["reason"] else KEEP,
        "email": identity.email if identity else "",
        "full_name": identity.full_name if identity else "",
        "roll_number": identity.roll_number if identity else "",
        "cohort_id": found["cohort_id"],
        "program_slug": found["program_slug"],
        "member_state": found["member_state"],
        "invited_on": _day(found["invitation_date"]),
        "joined_on": _day(found["join_date"]),
        "last_activity_on": _day(found["last_activity_at"]),
        "best_course_progress_pct": "" if found["best_progress"] is None else round(found["best_progress"], 2),
    }
    why = _why(found["reason"], found["kept"], as_of, row)
    row["why"] = why if identity else f"{why} (not in the HEC registry: find the learner in the programme)"
    return row


def reclaim_lists(conn: Connection, as_of: date, rules: AlertRules) -> list[ReclaimList]:
    """One list per university with a seat to remove or keep on `as_of`: removals first, each group by cohort."""
    j = judged_seats(as_of, rules)
    query = (
        select(j)
        .where(or_(j.c.reason.is_not(None), j.c.kept.is_not(None)))
        .order_by(j.c.university_id, j.c.reason.is_(None), j.c.cohort_id, j.c.program_slug, j.c.learner_key)
    )
    found = [dict(row) for row in conn.execute(query).mappings()]
    identities = identities_of(conn, sorted({row["learner_key"] for row in found}))
    lists: dict[str, ReclaimList] = {}
    for row in found:
        uid = row["university_id"]
        entry = Entry(
            row["cohort_id"],
            row["program_slug"],
            row["learner_key"],
            row["reason"],
            _row(row, identities.get(row["learner_key"]), as_of),
        )
        lists.setdefault(uid, ReclaimList(uid, as_of)).entries.append(entry)
    return list(lists.values())


def record_recommendations(conn: Connection, reclaim: ReclaimList) -> int:
    """Put the list's removals on record: a new seat opens a recommendation, a seat already recommended is listed
    again (reopened if its learner had recovered and went idle again). Returns the new recommendations."""
    r = reclaim_recommendation
    listed = reclaim.to_remove
    if not listed:
        return 0
    known = {
        (row.program_slug, row.learner_key): row.outcome
        for row in conn.execute(
            select(r.c.program_slug, r.c.learner_key, r.c.outcome).where(r.c.university_id == reclaim.university_id)
        )
    }
    new = [
        {
            "program_slug": e.program_slug,
            "learner_key": e.learner_key,
            "university_id": reclaim.university_id,
            "cohort_id": e.cohort_id,
            "reason": e.reason,
            "recommended_on": reclaim.as_of,
            "last_listed_on": reclaim.as_of,
        }
        for e in listed
        if (e.program_slug, e.learner_key) not in known
    ]
    again = [
        {"b_slug": e.program_slug, "b_learner": e.learner_key, "b_reason": e.reason}
        for e in listed
        if (e.program_slug, e.learner_key) in known and known[(e.program_slug, e.learner_key)] != REMOVED
    ]
    if new:
        conn.execute(insert(r), new)
    if again:
        conn.execute(
            update(r)
            .where(r.c.program_slug == bindparam("b_slug"), r.c.learner_key == bindparam("b_learner"))
            .values(reason=bindparam("b_reason"), last_listed_on=reclaim.as_of, outcome=None, outcome_on=None),
            again,
        )
    return len(new)


def record_outcomes(conn: Connection, as_of: date) -> dict[str, int]:
    """Close the open recommendations `as_of`'s export settles: the seat is gone from Coursera's membership export
    (removed: a seat freed) or its learner is active again (recovered). Returns how many of each."""
    r = reclaim_recommendation
    still_open = and_(r.c.outcome.is_(None), r.c.recommended_on <= as_of)
    gone = removed_seats(as_of)
    removed = conn.execute(
        update(r)
        .where(
            still_open,
            exists().where(gone.c.program_slug == r.c.program_slug, gone.c.learner_key == r.c.learner_key),
        )
        .values(outcome=REMOVED, outcome_on=as_of)
    ).rowcount
    f = fact_seat_day
    recovered = conn.execute(
        update(r)
        .where(
            still_open,
            exists().where(
                f.c.as_of_date == as_of,
                f.c.program_slug == r.c.program_slug,
                f.c.learner_key == r.c.learner_key,
                f.c.state == "active",
            ),
        )
        .values(outcome=RECOVERED, outcome_on=as_of)
    ).rowcount
    return {REMOVED: removed, RECOVERED: recovered}


@dataclass(frozen=True)
class Outcome:
    recommended: int = 0
    acted_on: int = 0
    seats_freed: int = 0


def outcome_counts(conn: Connection) -> dict[str, Outcome]:
    """Per university, the lists' recommendations so far, those acted on and the seats freed (v_reclaim_outcome)."""
    v = v_reclaim_outcome
    query = select(
        v.c.university_id,
        func.sum(v.c.recommended).label("recommended"),
        func.sum(v.c.acted_on).label("acted_on"),
        func.sum(v.c.seats_freed).label("seats_freed"),
    ).group_by(v.c.university_id)
    return {
        row.university_id: Outcome(int(row.recommended), int(row.acted_on), int(row.seats_freed))
        for row in conn.execute(query)
    }
