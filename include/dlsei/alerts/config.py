"""Who the alerts go to and which delivery connections exist, read from the environment Airflow itself reads.

The three Variables (proposed for settings.py; kept here until then):
- `AIRFLOW_VAR_DLSEI_NATIONAL_TEAM_EMAIL`: the national picture (default dlsei-national@hec.example)
- `AIRFLOW_VAR_DLSEI_DATA_TEAM_EMAIL`: failed runs, quarantined files, failed validation
  (default data-team@dlsei.example)
- `AIRFLOW_VAR_DLSEI_ALERT_RULES`: YAML or JSON overriding rules.yml (read by rules.load_rules)

and two Connections: `AIRFLOW_CONN_DLSEI_SMTP` (the SMTP provider's connection) and `AIRFLOW_CONN_DLSEI_SLACK` (an
incoming webhook). With neither, messages go to the outbox folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

NATIONAL_TEAM_EMAIL_VAR: Final = "AIRFLOW_VAR_DLSEI_NATIONAL_TEAM_EMAIL"
DATA_TEAM_EMAIL_VAR: Final = "AIRFLOW_VAR_DLSEI_DATA_TEAM_EMAIL"
ALERT_RULES_VAR: Final = "AIRFLOW_VAR_DLSEI_ALERT_RULES"
DEFAULT_NATIONAL_TEAM_EMAIL: Final = "dlsei-national@hec.example"
DEFAULT_DATA_TEAM_EMAIL: Final = "data-team@dlsei.example"

SMTP_CONN_ID: Final = "dlsei_smtp"
SLACK_CONN_ID: Final = "dlsei_slack"
# The From address when the SMTP connection names none (extra `from_email`, as the SMTP provider reads it).
DEFAULT_SENDER: Final = "dlsei-alerts@hec.example"


def env_text(name: str, default: str = "") -> str:
    return os.environ.get(name, "").strip() or default


def connection_configured(conn_id: str) -> bool:
    """Decided from the environment alone, so choosing a transport needs no Airflow import; a connection kept in the
    metadata DB or a secrets backend still works when the transport is built by name (SmtpTransport(conn_id))."""
    return bool(env_text(f"AIRFLOW_CONN_{conn_id.upper()}"))


@dataclass(frozen=True)
class Recipients:
    national: str
    data_team: str
    # The Slack webhook connection that also gets the national picture and data-team notes; None = e-mail only.
    slack: str | None = None

    @classmethod
    def from_env(cls) -> Recipients:
        return cls(
            national=env_text(NATIONAL_TEAM_EMAIL_VAR, DEFAULT_NATIONAL_TEAM_EMAIL),
            data_team=env_text(DATA_TEAM_EMAIL_VAR, DEFAULT_DATA_TEAM_EMAIL),
            slack=SLACK_CONN_ID if connection_configured(SLACK_CONN_ID) else None,
        )
