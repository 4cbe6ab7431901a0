"""Under-used seat alerts: rules evaluated into alert state, digests queued per recipient, delivered at most once.

evaluate_alerts  rules.yml conditions over the marts and snapshots -> table alert (state.py)
compose_digests  alert state -> one alert_message per recipient per as-of date (digests.py)
deliver_pending  alert_message -> outbox folder | SMTP | Slack webhook (delivery.py, transports.py)
"""

from dlsei.alerts.delivery import DeliveryReport, deliver_pending
from dlsei.alerts.digests import Digests, compose_digests, notify_data_team
from dlsei.alerts.messages import Recipients
from dlsei.alerts.reclaim import ReclaimList
from dlsei.alerts.rules import AlertRules, load_rules
from dlsei.alerts.run import DeliveryFailed, run_alerts
from dlsei.alerts.state import AlertChanges, evaluate_alerts
from dlsei.alerts.transports import (
    OutboxTransport,
    Router,
    SlackWebhookTransport,
    SmtpTransport,
    Transport,
    transport_from_settings,
)

__all__ = [
    "AlertChanges",
    "AlertRules",
    "DeliveryFailed",
    "DeliveryReport",
    "Digests",
    "OutboxTransport",
    "Recipients",
    "ReclaimList",
    "Router",
    "SlackWebhookTransport",
    "SmtpTransport",
    "Transport",
    "compose_digests",
    "deliver_pending",
    "evaluate_alerts",
    "load_rules",
    "notify_data_team",
    "run_alerts",
    "transport_from_settings",
]
