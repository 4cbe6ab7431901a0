"""Deliver each university's named lists to its coordinator alone: one e-mail a week per university, the list as a
CSV attachment, through the same queue and transports as every digest.

The week is the list's key: the first as-of date of an ISO week composed sends it, a re-run or a later day of the
same week adds nothing. A university without a coordinator address gets no list (the national digest says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Connection

from dlsei.alerts.config import Recipients
from dlsei.alerts.messages import COORDINATOR_LIST, EMAIL, Attachment, email_body, queue
from dlsei.alerts.picture import University
from dlsei.alerts.reclaim import ACT_WITHIN_DAYS, ReclaimList, reclaim_lists, record_recommendations, week_of
from dlsei.alerts.rules import AlertRules


@dataclass
class ListsQueued:
    message_ids: list[int] = field(default_factory=list)
    recommended: int = 0  # new recommendations put on record


def list_key(recipient: str, university_id: str, as_of: date) -> str:
    return f"{recipient}|reclaim_list|{university_id}|{week_of(as_of)}"


def reclaim_list_text(name: str, reclaim: ReclaimList, dashboard: str) -> str:
    due = reclaim.as_of + timedelta(days=ACT_WITHIN_DAYS)
    return "\n".join(
        [
            f"DLSEI reclaim list for {name}, week {week_of(reclaim.as_of)}, data complete through {reclaim.as_of}.",
            "",
            f"What to do by {due}: remove the {len(reclaim.to_remove):,} learners marked 'remove' in the attached "
            f"{reclaim.name} in Coursera's admin UI (Programs > Members, search by e-mail, Remove), or message them "
            "if you believe they will start. Each row says why. The seats you free can be offered to other students.",
            f"The {reclaim.kept:,} learners marked 'keep' are idle but protected (near completion, or still in their "
            "grace period): nothing to do yet.",
            "",
            "Removals show in the pipeline once Coursera's export no longer lists the learner, usually the next day;",
            f"your progress (recommended, acted on, seats freed) is on {dashboard}.",
            "",
            "This list names learners: keep it within your office and delete it once you have acted on it. "
            "Reply to this e-mail to reach the national DLSEI team.",
        ]
    )


def queue_reclaim_lists(
    conn: Connection,
    as_of: date,
    *,
    universities: dict[str, University],
    recipients: Recipients,
    rules: AlertRules,
    dashboard: str,
) -> ListsQueued:
    """Queue this week's reclaim list of every university that has one and a coordinator, unless already queued this
    week, and put its removals on record (the outcome loop: reclaim.record_outcomes)."""
    queued = ListsQueued()
    for reclaim in reclaim_lists(conn, as_of, rules):
        university = universities.get(reclaim.university_id)
        if university is None or university.coordinator is None or not reclaim.to_remove:
            continue
        name = f"{university.name} [{university.university_id}]"
        subject = f"DLSEI reclaim list for {name}, week {week_of(as_of)}: {len(reclaim.to_remove):,} seats to free"
        key = list_key(university.coordinator, university.university_id, as_of)
        text = reclaim_list_text(name, reclaim, university_page(dashboard, university.university_id))
        body = email_body(
            university.coordinator,
            subject,
            text,
            key,
            [Attachment(reclaim.name, reclaim.data)],
            reply_to=recipients.national,
        )
        message_id = queue(
            conn,
            digest_key=key,
            recipient=university.coordinator,
            channel=EMAIL,
            audience=COORDINATOR_LIST,
            subject=subject,
            body=body,
            created_for=as_of,
        )
        if message_id is not None:
            queued.message_ids.append(message_id)
            queued.recommended += record_recommendations(conn, reclaim)
    return queued


def university_page(dashboard_url: str, university_id: str) -> str:
    """The university's dashboard page (AIRFLOW_VAR_DLSEI_DASHBOARD_URL + /dlsei/universities/<id>)."""
    return f"{dashboard_url.rstrip('/')}/dlsei/universities/{university_id}"
