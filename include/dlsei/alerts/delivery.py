"""Send what is queued: at most once per message, and a failure only delays it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update

from dlsei.alerts.messages import PENDING, SENT, QueuedMessage
from dlsei.alerts.transports import Transport
from dlsei.warehouse.schema import alert_message

_ERROR_LIMIT = 2000


@dataclass(frozen=True)
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # message id -> error; still pending

    def as_dict(self) -> dict[str, object]:
        return {"sent": self.sent, "failed": {str(k): v for k, v in self.failed.items()}}


def deliver_pending(conn: Connection, transport: Transport) -> DeliveryReport:
    """Send every pending message of the channels `transport` carries, oldest first.

    Each message is its own transaction: claim it (attempts + 1, only while still pending), send it, mark it sent,
    commit. A concurrent deliverer's claim waits for that commit and then finds the message sent, so it is never
    sent twice; a failed send keeps it pending with the error, for the next call. Only a crash between the server
    accepting a message and the commit can repeat it, and the repeat carries the same Message-ID.

    `conn` must not be inside a transaction (use engine.connect(), not engine.begin()): a caller's transaction
    around the sends could roll back records of messages already sent.
    """
    if conn.in_transaction():
        raise ValueError("deliver_pending needs a connection outside any transaction: use engine.connect()")
    m = alert_message
    with conn.begin():
        pending = [
            QueuedMessage.from_row(row)
            for row in conn.execute(
                select(m)
                .where(m.c.status == PENDING, m.c.channel.in_(sorted(transport.channels)))
                .order_by(m.c.message_id)
            ).mappings()
        ]
    report = DeliveryReport()
    for message in pending:
        this = m.c.message_id == message.message_id
        with conn.begin():
            claimed = conn.execute(
                update(m).where(this, m.c.status == PENDING).values(attempts=m.c.attempts + 1)
            ).rowcount
            if not claimed:
                continue
            try:
                transport.send(message)
            except Exception as error:  # whatever the transport raised, the message waits for the next call
                reason = f"{type(error).__name__}: {error}"[:_ERROR_LIMIT]
                conn.execute(update(m).where(this).values(last_error=reason))
                report.failed[message.message_id] = reason
                continue
            conn.execute(update(m).where(this).values(status=SENT, sent_at=datetime.now(UTC)))
            report.sent.append(message.message_id)
    return report
