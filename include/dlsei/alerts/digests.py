"""Queue the day's digests: the national picture for the national team (and Slack), each coordinator's own
university, and the data team's notes. One message per recipient per as-of date: re-running adds nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection, func, select

from dlsei.alerts.conditions import marts_hold
from dlsei.alerts.messages import (
    DATA_TEAM,
    EMAIL,
    NATIONAL,
    SLACK,
    UNIVERSITY,
    Attachment,
    Recipients,
    email_body,
    queue,
    slack_body,
    slack_recipient,
    subject_line,
)
from dlsei.alerts.picture import take_picture
from dlsei.alerts.reclaim import ReclaimReport, reclaim_reports
from dlsei.alerts.rules import AlertRules, load_rules
from dlsei.alerts.texts import (
    coordinator_subject,
    coordinator_text,
    national_subject,
    national_text,
)
from dlsei.warehouse.schema import alert_message

# Chat is for the headline; the e-mail carries the full list.
SLACK_MAX_UNIVERSITIES = 15


@dataclass(frozen=True)
class Digests:
    as_of: date
    message_ids: list[int] = field(default_factory=list)  # messages queued by this call (none on a re-run)
    # Every university's reclaim list for the date, re-run or not, for the caller to store as reports/<name>.
    reports: list[ReclaimReport] = field(default_factory=list)
    skipped: str | None = None


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
) -> int | None:
    body = email_body(to, subject, text, key, attachments)
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


def compose_digests(conn: Connection, as_of: date, recipients: Recipients, rules: AlertRules | None = None) -> Digests:
    """Queue the digests of `as_of` from the alert state evaluate_alerts left. `rules` must be the ones alerts were
    evaluated with: they decide which seats the reclaim lists hold (default: load_rules())."""
    if not marts_hold(conn, as_of):
        return Digests(as_of, skipped=f"the marts hold no data complete through {as_of}")
    rules = rules or load_rules()
    reports = reclaim_reports(conn, as_of, rules)
    through = _digests_through(conn)
    if through is not None and as_of < through:
        # A backfilled day must not send yesterday's news after today's digest went out.
        return Digests(as_of, reports=reports, skipped=f"digests were already composed for {through}")

    picture = take_picture(conn, as_of, {report.university_id: report.seats for report in reports})
    subject, national = national_subject(picture), recipients.national
    text = national_text(picture)
    queued = [
        _email(
            conn, digest_key(national, as_of), to=national, audience=NATIONAL, subject=subject, text=text, as_of=as_of
        )
    ]
    reports_of = {report.university_id: report for report in reports}
    by_coordinator: dict[str, list[str]] = {}
    for university_id in picture.alerted():
        university = picture.universities.get(university_id)
        if university and university.coordinator:
            by_coordinator.setdefault(university.coordinator, []).append(university_id)
    for coordinator, university_ids in sorted(by_coordinator.items()):
        attached = [reports_of[uid] for uid in university_ids if uid in reports_of]
        queued.append(
            _email(
                conn,
                digest_key(coordinator, as_of),
                to=coordinator,
                audience=UNIVERSITY,
                subject=coordinator_subject(picture, university_ids),
                text=coordinator_text(picture, university_ids, attached),
                as_of=as_of,
                attachments=[Attachment(report.name, report.data) for report in attached],
            )
        )
    if recipients.slack:
        channel = slack_recipient(recipients.slack)
        short = national_text(picture, SLACK_MAX_UNIVERSITIES)
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
    return Digests(as_of, message_ids=[m for m in queued if m is not None], reports=reports)


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
