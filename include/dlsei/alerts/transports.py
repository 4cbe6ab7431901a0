"""How a queued message leaves: an outbox folder (the embedded default), SMTP, or a Slack incoming webhook.

A transport sends one message or raises; deliver_pending does the bookkeeping. Airflow's providers are imported
only when something is sent, so choosing a transport stays cheap.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol

from dlsei.alerts.messages import EMAIL, SLACK, QueuedMessage
from dlsei.settings import DEFAULT_SENDER, SLACK_CONN_ID, SMTP_CONN_ID, Settings, load_settings


class Transport(Protocol):
    channels: frozenset[str]

    def send(self, message: QueuedMessage) -> None: ...


def _wire(message: QueuedMessage, sender: str) -> EmailMessage:
    email = message.email()
    email["From"] = sender
    email["Date"] = format_datetime(datetime.now(UTC))
    return email


def _write_atomically(path: Path, data: bytes) -> None:
    # A reader of the outbox never sees half a message, even if the process dies mid-write.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class OutboxTransport:
    """Writes each e-mail as a .eml file (RFC 5322, attachments included) with a .json twin that summarises it, and
    each Slack post as .json: what would have been sent, where a person or a test can read it."""

    channels = frozenset({EMAIL, SLACK})

    def __init__(self, directory: Path, sender: str = DEFAULT_SENDER) -> None:
        self.directory = directory
        self.sender = sender

    def send(self, message: QueuedMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{message.created_for.isoformat()}_{message.message_id:06d}_{message.audience}_{message.channel}"
        twin: dict[str, object] = {
            "message_id": message.message_id,
            "digest_key": message.digest_key,
            "channel": message.channel,
            "audience": message.audience,
            "recipient": message.recipient,
            "subject": message.subject,
            "created_for": message.created_for.isoformat(),
            "text": message.text(),
            "attachments": [],
            "eml": None,
        }
        if message.channel == EMAIL:
            email = _wire(message, self.sender)
            twin["attachments"] = [
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "size_bytes": len(part.get_payload(decode=True)),
                }
                for part in email.iter_attachments()
            ]
            twin["eml"] = f"{stem}.eml"
            _write_atomically(self.directory / f"{stem}.eml", email.as_bytes(policy=policy.SMTP))
        _write_atomically(self.directory / f"{stem}.json", json.dumps(twin, indent=2).encode("utf-8"))


class SmtpTransport:
    """Sends through the SMTP provider's SmtpHook and its connection (default `dlsei_smtp`, type `smtp`, e.g. env
    `AIRFLOW_CONN_DLSEI_SMTP=smtp://user:password@mail.example:587?from_email=alerts%40hec.example&disable_ssl=true`):
    the hook opens the connection as its extras say (SSL unless disable_ssl, STARTTLS unless disable_tls, timeout,
    retry_limit for connecting, auth_type basic or oauth2) and the From address is its `from_email`.

    The prepared message is handed to the hook's client once, rather than through SmtpHook.send_email_smtp: that
    method rebuilds the message from HTML and attachment file paths, and retries the whole send on any error, which
    could deliver a digest twice."""

    channels = frozenset({EMAIL})

    def __init__(self, conn_id: str = SMTP_CONN_ID) -> None:
        self.conn_id = conn_id

    def send(self, message: QueuedMessage) -> None:
        from airflow.providers.smtp.hooks.smtp import SmtpHook

        with SmtpHook(smtp_conn_id=self.conn_id) as hook:
            # The hook keeps the client it connected and authenticated as _smtp_client; it has no public accessor.
            hook._smtp_client.send_message(_wire(message, hook.from_email or DEFAULT_SENDER))


class SlackWebhookTransport:
    """Posts to a Slack incoming webhook through the Slack provider's SlackWebhookHook. The connection (default
    `dlsei_slack`) holds the webhook URL as its password, e.g. env
    `AIRFLOW_CONN_DLSEI_SLACK='{"conn_type": "slackwebhook", "password": "https://hooks.slack.com/services/T/B/X"}'`;
    the hook posts to any full URL given that way, so a stand-in server works too."""

    channels = frozenset({SLACK})

    def __init__(self, conn_id: str = SLACK_CONN_ID, timeout: int = 30) -> None:
        self.conn_id = conn_id
        self.timeout = timeout

    def send(self, message: QueuedMessage) -> None:
        from airflow.providers.slack.hooks.slack_webhook import SlackWebhookHook

        # The hook raises on any answer but HTTP 200.
        SlackWebhookHook(slack_webhook_conn_id=self.conn_id, timeout=self.timeout).send(text=message.body)


class Router:
    """Hands each message to the first transport that carries its channel."""

    def __init__(self, *transports: Transport) -> None:
        self.transports = transports
        self.channels = frozenset().union(*(t.channels for t in transports))

    def send(self, message: QueuedMessage) -> None:
        for transport in self.transports:
            if message.channel in transport.channels:
                transport.send(message)
                return
        raise ValueError(f"no transport carries channel {message.channel!r}")


def transport_from_settings(settings: Settings | None = None) -> Transport:
    """SMTP when the `dlsei_smtp` connection is set, else the outbox folder; plus Slack when `dlsei_slack` is."""
    settings = settings or load_settings()
    email: Transport
    email = SmtpTransport(settings.smtp_conn_id) if settings.smtp_conn_id else OutboxTransport(settings.outbox_dir)
    if settings.slack_conn_id:
        return Router(SlackWebhookTransport(settings.slack_conn_id), email)
    return email
