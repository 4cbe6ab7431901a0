"""Rows for hand-built warehouses: snapshots, ledger files and the registry, with only the columns a test means.

Learner, person and course keys are plain strings here: the SQL compares keys, it never reads them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, insert

from dlsei.ingest.seen_seats import record_seen_seats
from dlsei.runs import karachi_midnight_utc
from dlsei.warehouse.schema import dim_programme, dim_seat_allocation, file_ledger, snap_membership

COHORT = ("C1", date(2026, 8, 1), date(2027, 1, 31))


def at(day: date, minutes_after_karachi_midnight: int) -> datetime:
    return karachi_midnight_utc(day) + timedelta(minutes=minutes_after_karachi_midnight)


def ledger_file(conn: Connection, file_id: int, as_of: date, kind: str = "membership") -> None:
    """A loaded ledger row: snapshots reference the file they came from."""
    conn.execute(
        insert(file_ledger).values(
            file_id=file_id,
            file_name=f"f{file_id}.csv",
            landing_key=f"incoming/f{file_id}.csv",
            size_bytes=1,
            sha256=f"{file_id:064d}",
            status="loaded",
            load_id="test",
            kind=kind,
            as_of_date=as_of,
        )
    )


def seat(
    as_of: date,
    slug: str,
    learner: str,
    state: str = "MEMBER",
    last: datetime | None = None,
    *,
    external_id: str | None = None,
    file_id: int = 1,
) -> dict:
    return {
        "as_of_date": as_of,
        "program_slug": slug,
        "learner_key": learner,
        "external_id_key": external_id,
        "member_state": state,
        "last_activity_at": last,
        "file_id": file_id,
    }


def load_membership(conn: Connection, rows: list[dict]) -> None:
    """Write membership snapshot rows (seat()) as a load does: with the seats they list recorded as seen."""
    conn.execute(insert(snap_membership), rows)
    record_seen_seats(conn, min(row["as_of_date"] for row in rows))


def enrolment(
    as_of: date, slug: str, learner: str, course: str, last: datetime | None, *, file_id: int = 1, **values: object
) -> dict:
    row = {
        "as_of_date": as_of,
        "program_slug": slug,
        "learner_key": learner,
        "course_id": course,
        "last_activity_at": last,
        "learning_hours": 0.0,
        "completed": False,
        "has_certificate": False,
        "file_id": file_id,
    }
    return row | values


def allocations(conn: Connection, *rows: tuple[str, str, date, date, int]) -> None:
    """(university_id, cohort_id, cohort_start, cohort_end, seats) rows."""
    keys = ("university_id", "cohort_id", "cohort_start", "cohort_end", "seats")
    conn.execute(insert(dim_seat_allocation), [dict(zip(keys, row, strict=True)) for row in rows])


def programmes(conn: Connection, *rows: tuple[str, str, str]) -> None:
    """(program_slug, university_id, cohort_id) rows."""
    keys = ("program_slug", "university_id", "cohort_id")
    conn.execute(insert(dim_programme), [dict(zip(keys, row, strict=True)) for row in rows])
