"""When a coordinator hears from the pipeline: a digest the day something opened, worsened or closed for one of
their universities, otherwise a reminder once the reminder period (AIRFLOW_VAR_DLSEI_DIGEST_REMINDER_DAYS) has passed
since the last one. Not the same "5 open, 0 new" every morning."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, insert, select

from dlsei.alerts.picture import Picture
from dlsei.warehouse.schema import digest_watermark

CHANGED = "changed"
REMINDER = "reminder"


@dataclass(frozen=True)
class Said:
    """What the last digest told a coordinator about one university."""

    sent_for: date
    open_alerts: int
    candidates: int


def _said(conn: Connection, recipient: str) -> dict[str, Said]:
    w = digest_watermark
    rows = conn.execute(
        select(w.c.university_id, w.c.sent_for, w.c.open_alerts, w.c.candidates).where(w.c.recipient == recipient)
    )
    return {row.university_id: Said(row.sent_for, row.open_alerts, row.candidates) for row in rows}


def _changed(picture: Picture, university_id: str, said: Said | None) -> bool:
    alerts = picture.open_of(university_id)
    if said is None or picture.closed_of(university_id) or len(alerts) != said.open_alerts:
        return True
    if any(row["opened_on"] > said.sent_for for row in alerts):  # one alert closed as another opened
        return True
    return picture.candidates.get(university_id, 0) > said.candidates  # worsened: more seats to reclaim


def digest_due(
    conn: Connection, picture: Picture, recipient: str, university_ids: Sequence[str], reminder_days: int
) -> str | None:
    """CHANGED, REMINDER or None (nothing to send today) for the coordinator of `university_ids`."""
    said = _said(conn, recipient)
    if any(_changed(picture, uid, said.get(uid)) for uid in university_ids):
        return CHANGED
    last = max(said[uid].sent_for for uid in university_ids)
    return REMINDER if (picture.as_of - last).days >= reminder_days else None


def mark_sent(conn: Connection, picture: Picture, recipient: str, university_ids: Sequence[str]) -> None:
    w = digest_watermark
    conn.execute(delete(w).where(w.c.recipient == recipient, w.c.university_id.in_(list(university_ids))))
    conn.execute(
        insert(w),
        [
            {
                "recipient": recipient,
                "university_id": uid,
                "sent_for": picture.as_of,
                "open_alerts": len(picture.open_of(uid)),
                "candidates": picture.candidates.get(uid, 0),
            }
            for uid in university_ids
        ],
    )
