"""One call for the DAG task: bring alerts up to the refreshed as-of dates, queue the digests and the week's
reclaim lists, deliver."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from dlsei.alerts.delivery import deliver_pending
from dlsei.alerts.digests import compose_digests
from dlsei.alerts.lists import forget_delivered_lists
from dlsei.alerts.messages import Recipients
from dlsei.alerts.rules import AlertRules, load_rules
from dlsei.alerts.state import evaluate_alerts
from dlsei.alerts.transports import Transport, transport_from_settings
from dlsei.resources import Resources

log = logging.getLogger(__name__)


class DeliveryFailed(RuntimeError):
    """Some messages could not be sent. They stay queued and the next run retries them; the task fails so that
    someone notices a broken mail server or webhook."""


def run_alerts(
    res: Resources,
    as_of_dates: Iterable[date],
    *,
    rules: AlertRules | None = None,
    recipients: Recipients | None = None,
    transport: Transport | None = None,
) -> dict[str, object]:
    """Evaluate and compose each date in its own transaction (alert state and its digests commit together), oldest
    first, then deliver everything pending, including messages earlier runs failed to send. Reclaim lists travel
    only as their coordinator's e-mail: no copy is kept in the landing area."""
    engine = res.warehouse
    rules = rules or load_rules()
    recipients = recipients or Recipients.from_settings()
    dates: list[dict[str, object]] = []
    for as_of in sorted(set(as_of_dates)):
        with engine.begin() as conn:
            changes = evaluate_alerts(conn, as_of, rules)
            digests = compose_digests(conn, as_of, recipients, rules)
        dates.append(
            {
                **changes.as_dict(),
                "queued": digests.message_ids,
                "digests_skipped": digests.skipped,
                "recommended": digests.recommended,
            }
        )
    with engine.connect() as conn:
        delivery = deliver_pending(conn, transport or transport_from_settings())
    with engine.begin() as conn:
        forget_delivered_lists(conn)
    summary = {"dates": dates, **delivery.as_dict()}
    log.info("alerts: %s", summary)
    if delivery.failed:
        raise DeliveryFailed(f"{len(delivery.failed)} message(s) not sent, kept for the next run: {delivery.failed}")
    return summary
