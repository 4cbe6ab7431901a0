"""Turn a parsed Coursera export into the dated snapshot rows the warehouse keeps forever."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Table, delete, insert

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.frames import records
from dlsei.pseudonymise import Pseudonymiser
from dlsei.warehouse.schema import snap_course_activity, snap_membership

# The grain of each kind: one seat per learner x programme, one enrolment per learner x programme x course.
GRAIN = {
    MEMBERSHIP: ("email", "program_slug"),
    COURSE_ACTIVITY: ("email", "program_slug", "course_id"),
}
TABLES: dict[str, Table] = {MEMBERSHIP: snap_membership, COURSE_ACTIVITY: snap_course_activity}


@dataclass(frozen=True)
class PreparedExport:
    kind: str
    frame: pd.DataFrame  # canonical columns, e-mails trimmed and lower-cased, one row per grain key
    duplicates_folded: int


def prepare(kind: str, frame: pd.DataFrame) -> PreparedExport:
    """Normalise e-mails (their case drifts between files of one learner) and fold repeated rows of one key.

    Coursera repeats some learner x course rows; the row with the latest activity is kept, so a fold never loses
    the most recent evidence of use.
    """
    frame = frame.assign(email=frame["email"].str.strip().str.lower())
    ordered = frame.sort_values("last_activity_at", ascending=False, na_position="last", kind="stable")
    kept = ordered.drop_duplicates(subset=list(GRAIN[kind]), keep="first").sort_index()
    return PreparedExport(kind=kind, frame=kept.reset_index(drop=True), duplicates_folded=len(frame) - len(kept))


def _snapshot_frame(prepared: PreparedExport, pseudonymiser: Pseudonymiser) -> pd.DataFrame:
    frame = prepared.frame
    rows = pd.DataFrame(
        {
            "program_slug": frame["program_slug"],
            "learner_key": pseudonymiser.keys("email", frame["email"]),
            "external_id_key": pseudonymiser.keys("roll", frame["external_id"]),
            "last_activity_at": frame["last_activity_at"],
            "learning_hours": frame["learning_hours"],
        }
    )
    if prepared.kind == MEMBERSHIP:
        for column in (
            "member_state",
            "invitation_date",
            "join_date",
            "enrolled_courses",
            "completed_courses",
        ):
            rows[column] = frame[column]
    else:
        for column in (
            "course_id",
            "course_slug",
            "course_type",
            "enrollment_time",
            "overall_progress",
            "completed",
            "removed_from_program",
            "completion_time",
            "course_grade",
        ):
            rows[column] = frame[column]
        rows["has_certificate"] = frame["certificate_url"].fillna("").str.strip() != ""
    return rows


def write_snapshot(
    conn: Connection,
    prepared: PreparedExport,
    *,
    as_of: date,
    file_id: int,
    pseudonymiser: Pseudonymiser,
) -> int:
    """Replace the as-of date's rows of the export's programmes; the caller owns the transaction, so the ledger
    row and the snapshot rows commit together or not at all. Returns the rows written."""
    table = TABLES[prepared.kind]
    rows = _snapshot_frame(prepared, pseudonymiser).assign(as_of_date=as_of, file_id=file_id)
    programmes = sorted(rows["program_slug"].dropna().unique().tolist())
    conn.execute(delete(table).where(table.c.as_of_date == as_of, table.c.program_slug.in_(programmes)))
    rows_out = records(rows)
    if rows_out:
        conn.execute(insert(table), rows_out)
    return len(rows_out)
