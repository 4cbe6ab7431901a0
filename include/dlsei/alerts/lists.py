"""Deliver each university's named lists to its coordinator alone: one e-mail a week per list and university (the
reclaim list, and the credit-eligible completions for its registrar), the list as a CSV attachment, through the same
queue and transports as every digest.

The week is the list's key: the first as-of date of an ISO week composed sends it, a re-run or a later day of the
same week adds nothing. A university without a coordinator address gets no list (the national digest says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

from sqlalchemy import Connection, update

from dlsei.alerts.credits import CreditList, credit_lists
from dlsei.alerts.messages import COORDINATOR_LIST, EMAIL, SENT, Attachment, Recipients, email_body, queue
from dlsei.alerts.picture import University
from dlsei.alerts.reclaim import ACT_WITHIN_DAYS, ReclaimList, reclaim_lists, record_recommendations, week_of
from dlsei.alerts.rules import AlertRules
from dlsei.warehouse.schema import alert_message

# What a delivered list's row keeps: the queue needs a body only until the message is sent.
DELIVERED = "(delivered: the list named learners and is not kept)"


@dataclass
class ListsQueued:
    message_ids: list[int] = field(default_factory=list)
    recommended: int = 0  # new recommendations put on record


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


def credit_list_text(name: str, credits: CreditList, dashboard: str) -> str:
    return "\n".join(
        [
            f"DLSEI credit-eligible completions for {name}, week {week_of(credits.as_of)}, data complete through "
            f"{credits.as_of}: {len(credits.rows):,} completed For Credit courses, {credits.new:,} new this week.",
            "",
            f"What to do: pass the attached {credits.name} to your registrar, who records the credits the seed "
            "programme asks universities to grant for these courses. Rows marked 'yes' in new_this_week were not on "
            "last week's list.",
            f"Your university's page: {dashboard}",
            "",
            "This list names learners: share it with the registrar only. Reply to this e-mail to reach the national "
            "DLSEI team.",
        ]
    )


def _queue_list(
    conn: Connection,
    university: University,
    list_kind: str,
    content: tuple[str, str, Attachment],
    *,
    as_of: date,
    reply_to: str,
) -> int | None:
    subject, text, attachment = content
    key = f"{university.coordinator}|{list_kind}|{university.university_id}|{week_of(as_of)}"
    return queue(
        conn,
        digest_key=key,
        recipient=str(university.coordinator),
        channel=EMAIL,
        audience=COORDINATOR_LIST,
        subject=subject,
        body=email_body(str(university.coordinator), subject, text, key, [attachment], reply_to=reply_to),
        created_for=as_of,
    )


def queue_lists(
    conn: Connection,
    as_of: date,
    *,
    universities: dict[str, University],
    recipients: Recipients,
    rules: AlertRules,
    dashboard: str,
) -> ListsQueued:
    """Queue this week's reclaim list and credit-completions list of every university that has one and a
    coordinator, unless already queued this week, and put the reclaim list's removals on record (the outcome loop:
    reclaim.record_outcomes)."""
    queued = ListsQueued()
    for reclaim in reclaim_lists(conn, as_of, rules):
        university = universities.get(reclaim.university_id)
        if university is None or university.coordinator is None or not reclaim.to_remove:
            continue
        name = f"{university.name} [{university.university_id}]"
        subject = f"DLSEI reclaim list for {name}, week {week_of(as_of)}: {len(reclaim.to_remove):,} seats to free"
        text = reclaim_list_text(name, reclaim, university_page(dashboard, university.university_id))
        content = (subject, text, Attachment(reclaim.name, reclaim.data))
        message_id = _queue_list(conn, university, "reclaim_list", content, as_of=as_of, reply_to=recipients.national)
        if message_id is not None:
            queued.message_ids.append(message_id)
            queued.recommended += record_recommendations(conn, reclaim)
    for credits in credit_lists(conn, as_of):
        university = universities.get(credits.university_id)
        if university is None or university.coordinator is None:
            continue
        name = f"{university.name} [{university.university_id}]"
        subject = f"DLSEI credit-eligible completions for {name}, week {week_of(as_of)}: {credits.new:,} new"
        text = credit_list_text(name, credits, university_page(dashboard, university.university_id))
        content = (subject, text, Attachment(credits.name, credits.data))
        message_id = _queue_list(conn, university, "credit_list", content, as_of=as_of, reply_to=recipients.national)
        if message_id is not None:
            queued.message_ids.append(message_id)
    return queued


def university_page(dashboard_url: str, university_id: str) -> str:
    """The university's dashboard page (AIRFLOW_VAR_DLSEI_DASHBOARD_URL + /universities/<id>)."""
    return f"{dashboard_url.rstrip('/')}/universities/{quote(university_id, safe='')}"


def forget_delivered_lists(conn: Connection) -> int:
    """Empty the bodies of the lists already sent, so the learners they named stay in the identity store alone (the
    row keeps recipient, subject and dates). Returns how many were emptied."""
    m = alert_message
    return conn.execute(
        update(m)
        .where(m.c.audience == COORDINATOR_LIST, m.c.status == SENT, m.c.body != DELIVERED)
        .values(body=DELIVERED)
    ).rowcount
