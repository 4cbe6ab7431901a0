"""Turn a chunk of a parsed Coursera export into the dated snapshot rows the warehouse keeps forever (staging.py
writes, folds and publishes them)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Table

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.warehouse.schema import snap_course_activity, snap_membership

# The grain of each kind: one seat per learner x programme, one enrolment per learner x programme x course.
GRAIN = {
    MEMBERSHIP: ("email", "program_slug"),
    COURSE_ACTIVITY: ("email", "program_slug", "course_id"),
}
SNAPSHOT_TABLES: dict[str, Table] = {MEMBERSHIP: snap_membership, COURSE_ACTIVITY: snap_course_activity}
RECORD_NO = "record_no"  # a staged row's 1-based record number in its export (staging.py)


@dataclass(frozen=True)
class PreparedExport:
    kind: str
    frame: pd.DataFrame  # canonical columns, e-mails trimmed and lower-cased, one row per grain key, index kept
    duplicates_folded: int


def prepare(kind: str, frame: pd.DataFrame) -> PreparedExport:
    """Normalise e-mails (their case drifts between files of one learner) and fold repeated rows of one key.

    Coursera repeats some learner x course rows; the row with the latest activity is kept, so a fold never loses
    the most recent evidence of use.
    """
    email = frame["email"].str.strip().str.lower()
    # The fold is worked out on the key columns alone and the wide frame copied once, if at all: a chunk of a large
    # export is mostly text, and sorting it whole would hold it several times over.
    keys = frame[list(GRAIN[kind])].assign(email=email, last_activity_at=frame["last_activity_at"])
    ordered = keys.sort_values("last_activity_at", ascending=False, na_position="last", kind="stable")
    kept = ordered.drop_duplicates(subset=list(GRAIN[kind]), keep="first").index.sort_values()
    folded = frame if len(kept) == len(frame) else frame.loc[kept]
    return PreparedExport(kind=kind, frame=folded.assign(email=email), duplicates_folded=len(frame) - len(kept))


def snapshot_rows(prepared: PreparedExport, pseudonymiser: Pseudonymiser) -> pd.DataFrame:
    """The snapshot columns of the prepared rows (identifiers keyed, the certificate URL reduced to a flag) and
    `record_no`, each row's index label: the reader's 1-based record number, the fold's tie-break across chunks."""
    frame = prepared.frame
    rows = pd.DataFrame(
        {
            RECORD_NO: frame.index.to_numpy(),
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
            "for_credit",
        ):
            rows[column] = frame[column]
        rows["has_certificate"] = frame["certificate_url"].fillna("").str.strip() != ""
    return rows
