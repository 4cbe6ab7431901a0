"""The message queue (table alert_message) and the shape of what it holds.

`body` holds exactly what goes over the wire, fixed when the message is queued: for e-mail a complete RFC 5322
message (its CSV attachments included) lacking only From and Date, which the transport adds when it sends; for
Slack the text of the post. A retry days later therefore sends the same bytes, whatever the registry says by then.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from email import message_from_string, policy
from email.message import EmailMessage

from sqlalchemy import Connection, RowMapping, insert, select

from dlsei.settings import Settings, load_settings
from dlsei.warehouse.schema import alert_message

EMAIL = "email"
SLACK = "slack"
NATIONAL = "national"
UNIVERSITY = "university"
COORDINATOR_LIST = "coordinator_list"  # a university's named lists: for its coordinator or registrar alone
DATA_TEAM = "data_team"
PENDING = "pending"
SENT = "sent"
_SUBJECT_LIMIT: int = alert_message.c.subject.type.length  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Recipients:
    national: str
    data_team: str
    # The Slack webhook connection that also gets the national picture and data-team notes; None = e-mail only.
    slack: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Recipients:
        settings = settings or load_settings()
        return cls(
            national=settings.national_team_email, data_team=settings.data_team_email, slack=settings.slack_conn_id
        )


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "text/csv"


@dataclass(frozen=True)
class InlineImage:
    """A PNG shown inside the e-mail's HTML part (multipart/related, referenced by its Content-ID)."""

    content_id: str  # without the angle brackets
    data: bytes
    alt: str


@dataclass(frozen=True)
class QueuedMessage:
    """A row of alert_message, as a transport needs it."""

    message_id: int
    digest_key: str
    recipient: str
    channel: str
    audience: str
    subject: str
    body: str
    created_for: date

    @classmethod
    def from_row(cls, row: RowMapping) -> QueuedMessage:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})

    def email(self) -> EmailMessage:
        return message_from_string(self.body, policy=policy.default)  # type: ignore[return-value]

    def text(self) -> str:
        """The human-readable part, whatever the channel."""
        if self.channel != EMAIL:
            return self.body
        return self.email().get_body(preferencelist=("plain",)).get_content()


def subject_line(text: str) -> str:
    """One header-safe line that fits the column: subjects carry file and university names from outside."""
    return " ".join(text.split())[:_SUBJECT_LIMIT]


def slack_recipient(conn_id: str) -> str:
    return f"slack:{conn_id}"


def slack_body(subject: str, text: str, limit: int = 3500) -> str:
    """A bold headline over the text in a code block, which keeps the columns of the figures aligned. Slack folds
    long posts away, so the text is cut at `limit` characters."""
    if len(text) > limit:
        text = text[:limit].rstrip() + "\n... (cut; the e-mail has it all)"
    return f"*{subject}*\n```\n{text.rstrip()}\n```"


def _text_encoding(text: str) -> str:
    # Plain ASCII within RFC 5322's line limit goes as is, so the queued body stays readable in the warehouse;
    # anything else (an Urdu university name, a long error line) is quoted-printable, safe on any mail server.
    if text.isascii() and all(len(line) <= 998 for line in text.splitlines()):
        return "7bit"
    return "quoted-printable"


def _html(text: str, images: Sequence[InlineImage]) -> str:
    """The plain text as HTML (its columns kept), each picture below it."""
    pictures = "".join(
        f'<p><img src="cid:{html.escape(image.content_id)}" alt="{html.escape(image.alt)}" width="560"></p>'
        for image in images
    )
    return f"<!doctype html><html><body><pre>{html.escape(text)}</pre>{pictures}</body></html>"


def email_body(
    recipient: str,
    subject: str,
    text: str,
    digest_key: str,
    attachments: Sequence[Attachment] = (),
    *,
    reply_to: str | None = None,
    images: Sequence[InlineImage] = (),
) -> str:
    message = EmailMessage()
    message["To"] = recipient
    if reply_to:  # a coordinator's answer goes to the national team, not to an unread alerts mailbox
        message["Reply-To"] = reply_to
    message["Subject"] = subject_line(subject)
    # Derived from the digest key, so a receiving system can recognise the same digest should it ever arrive twice.
    message["Message-ID"] = f"<{hashlib.sha256(digest_key.encode()).hexdigest()[:32]}@dlsei.alerts>"
    message.set_content(text, cte=_text_encoding(text))
    if images:
        # The plain text stays the first alternative: mail readers that show no HTML (or no images) keep it all.
        message.add_alternative(_html(text, images), subtype="html", cte="quoted-printable")
        html_part = message.get_payload()[1]
        for image in images:
            html_part.add_related(image.data, maintype="image", subtype="png", cid=f"<{image.content_id}>")
    for attachment in attachments:
        maintype, subtype = attachment.content_type.split("/", 1)
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename)
    return message.as_string()


def queue(
    conn: Connection,
    *,
    digest_key: str,
    recipient: str,
    channel: str,
    audience: str,
    subject: str,
    body: str,
    created_for: date,
) -> int | None:
    """Queue a message unless its digest key is already queued (pending or sent). Returns the new id, or None."""
    existing = conn.execute(select(alert_message.c.message_id).where(alert_message.c.digest_key == digest_key))
    if existing.first() is not None:
        return None
    return conn.execute(
        insert(alert_message)
        .values(
            digest_key=digest_key,
            recipient=recipient,
            channel=channel,
            audience=audience,
            subject=subject_line(subject),
            body=body,
            status=PENDING,
            attempts=0,
            created_for=created_for,
        )
        .returning(alert_message.c.message_id)
    ).scalar_one()
