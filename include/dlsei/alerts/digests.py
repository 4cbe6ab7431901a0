"""Queue the day's digests: the national picture for the national team (and Slack), each coordinator's own
university (when something changed, or as a reminder: cadence.py) with its weekly reclaim list (lists.py), and the
data team's notes. One message per recipient per as-of date: re-running adds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from dlsei.alerts.cadence import REMINDER, digest_due, mark_sent
from dlsei.alerts.candidates import university_counts
from dlsei.alerts.conditions import marts_hold
from dlsei.alerts.lists import queue_lists, university_page
from dlsei.alerts.messages import (
    DATA_TEAM,
    EMAIL,
    NATIONAL,
    SLACK,
    UNIVERSITY,
    Attachment,
    InlineImage,
    Recipients,
    email_body,
    queue,
    slack_body,
    slack_recipient,
    subject_line,
)
from dlsei.alerts.picture import take_picture
from dlsei.alerts.reclaim import outcome_counts, record_outcomes
from dlsei.alerts.rules import AlertRules, load_rules
from dlsei.alerts.texts import (
    coordinator_subject,
    coordinator_text,
    national_subject,
    national_text,
)
from dlsei.alerts.trend_images import trend_images
from dlsei.settings import Settings, load_settings
from dlsei.warehouse.schema import alert_message

# Chat is for the headline; the e-mail carries the full list.
SLACK_MAX_UNIVERSITIES = 15


@dataclass(frozen=True)
class Digests:
    as_of: date
    message_ids: list[int] = field(default_factory=list)  # messages queued by this call (none on a re-run)
    skipped: str | None = None
    recommended: int = 0  # seats the reclaim lists queued by this call recommended for the first time


def digest_key(recipient: str, as_of: date) -> str:
    return f"{recipient}|{as_of.isoformat()}"


def _digests_through(conn: Connection) -> date | None:
    m = alert_message
    return conn.execute(select(func.max(m.c.created_for)).where(m.c.audience.in_((NATIONAL, UNIVERSITY)))).scalar_one()


def _email(
    conn: Connection,
    key: str,
    *,
    to: str,
    audience: str,
    subject: str,
    text: str,
    as_of: date,
    attachments: Sequence[Attachment] = (),
    reply_to: str | None = None,
    images: Sequence[InlineImage] = (),
) -> int | None:
    body = email_body(to, subject, text, key, attachments, reply_to=reply_to, images=images)
    return queue(
        conn,
        digest_key=key,
        recipient=to,
        channel=EMAIL,
        audience=audience,
        subject=subject,
        body=body,
        created_for=as_of,
    )


def _slack(
    conn: Connection, key: str, *, channel: str, audience: str, subject: str, text: str, as_of: date
) -> int | None:
    body = slack_body(subject, text)
    return queue(
        conn,
        digest_key=key,
        recipient=channel,
        channel=SLACK,
        audience=audience,
        subject=subject,
        body=body,
        created_for=as_of,
    )


def compose_digests(
    conn: Connection,
    as_of: date,
    recipients: Recipients,
    rules: AlertRules | None = None,
    settings: Settings | None = None,
) -> Digests:
    """Queue the digests of `as_of` from the alert state evaluate_alerts left, and the week's reclaim lists. `rules`
    must be the ones alerts were evaluated with: they decide which seats the lists hold (default: load_rules()). A
    coordinator's e-mail shows each university's 30-day trend and links its dashboard page."""
    if not marts_hold(conn, as_of):
        return Digests(as_of, skipped=f"the marts hold no data complete through {as_of}")
    rules, settings = rules or load_rules(), settings or load_settings()
    through = _digests_through(conn)
    if through is not None and as_of < through:
        # A backfilled day must not send yesterday's news after today's digest went out.
        return Digests(as_of, skipped=f"digests were already composed for {through}")
    record_outcomes(conn, as_of)  # the seats earlier lists recommended that this day's export shows removed

    picture = take_picture(conn, as_of, university_counts(conn, as_of, rules))
    outcomes = outcome_counts(conn)
    subject, national = national_subject(picture), recipients.national
    text = national_text(picture, outcomes=outcomes)
    queued = [
        _email(
            conn, digest_key(national, as_of), to=national, audience=NATIONAL, subject=subject, text=text, as_of=as_of
        )
    ]
    by_coordinator: dict[str, list[str]] = {}
    for university_id in picture.alerted():
        university = picture.universities.get(university_id)
        if university and university.coordinator:
            by_coordinator.setdefault(university.coordinator, []).append(university_id)
    for coordinator, university_ids in sorted(by_coordinator.items()):
        due = digest_due(conn, picture, coordinator, university_ids, settings.digest_reminder_days)
        if due is None:
            continue
        pages = {uid: university_page(settings.dashboard_url, uid) for uid in university_ids}
        names = {uid: picture.name_of(uid) for uid in university_ids}
        queued.append(
            _email(
                conn,
                digest_key(coordinator, as_of),
                to=coordinator,
                audience=UNIVERSITY,
                subject=coordinator_subject(picture, university_ids, reminder=due == REMINDER),
                text=coordinator_text(picture, university_ids, pages, outcomes),
                as_of=as_of,
                reply_to=national,
                images=trend_images(conn, as_of, names),
            )
        )
        mark_sent(conn, picture, coordinator, university_ids)
    lists = queue_lists(
        conn,
        as_of,
        universities=picture.universities,
        recipients=recipients,
        rules=rules,
        dashboard=settings.dashboard_url,
    )
    queued += lists.message_ids
    if recipients.slack:
        channel = slack_recipient(recipients.slack)
        short = national_text(picture, SLACK_MAX_UNIVERSITIES, outcomes)
        queued.append(
            _slack(
                conn,
                digest_key(channel, as_of),
                channel=channel,
                audience=NATIONAL,
                subject=subject,
                text=short,
                as_of=as_of,
            )
        )
    return Digests(as_of, message_ids=[m for m in queued if m is not None], recommended=lists.recommended)


def notify_data_team(
    conn: Connection, subject: str, body: str, as_of: date, recipients: Recipients | None = None
) -> list[int]:
    """Queue a note for the data team (a failed run, a quarantined file, failed validation), delivered by
    deliver_pending like every digest. The same subject on the same date is queued once, so a retried task does
    not repeat itself. Returns the ids queued."""
    recipients = recipients or Recipients.from_settings()
    subject = subject_line(subject)
    # Several notes a day are normal; the subject tells them apart within the one-per-recipient-and-date key.
    note = hashlib.sha256(subject.encode()).hexdigest()[:16]
    team = recipients.data_team
    key = f"{digest_key(team, as_of)}|{note}"
    queued = [_email(conn, key, to=team, audience=DATA_TEAM, subject=subject, text=body, as_of=as_of)]
    if recipients.slack:
        channel = slack_recipient(recipients.slack)
        key = f"{digest_key(channel, as_of)}|{note}"
        queued.append(_slack(conn, key, channel=channel, audience=DATA_TEAM, subject=subject, text=body, as_of=as_of))
    return [m for m in queued if m is not None]
