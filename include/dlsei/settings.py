"""Run-time configuration, read from the environment Airflow itself reads.

Each setting is an Airflow Variable (`AIRFLOW_VAR_<NAME>`) or Connection (`AIRFLOW_CONN_<ID>`), so the same value
serves a task, the CLI and the tests. With nothing set, everything falls back to the embedded defaults under
`DLSEI_HOME` (default `./var`): a local landing folder, a SQLite warehouse file and an e-mail outbox folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

# Documented development key: it only pseudonymises the generated sample data. Production refuses to start with
# it (DLSEI_ENV=production), because anyone who knows the key can reverse a CNIC by enumeration.
DEVELOPMENT_PSEUDONYMISATION_SECRET: Final = "dlsei-development-secret-not-for-real-data"
TIMEZONE: Final = "Asia/Karachi"


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable."""


@dataclass(frozen=True)
class Settings:
    home: Path
    landing_url: str
    warehouse_url: str
    pseudonymisation_secret: str
    outbox_dir: Path
    coursera_lag_days: int
    environment: str
    data_docs_url: str = ""  # s3://bucket/prefix the Data Docs site is mirrored to; empty: the local site only
    data_docs_link: str = ""  # the address people open the site at (an S3 website or CDN); empty: derived
    dq_results_keep_days: int = 90  # GX validation results (and their Data Docs pages) kept; dq_result keeps all
    # Programme view (issue 21)
    public_min_cell: int = 5  # k: a count below it is withheld from the v_public_* views
    reconciliation_tolerance_pct: int = 1  # how far (in % of Coursera's figure) ours may differ from Coursera's
    programme_report_to: tuple[str, ...] = ()  # e-mail addresses of the monthly programme report; empty: none

    @property
    def is_production(self) -> bool:
        return self.environment == "production"


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def sqlalchemy_url(uri: str) -> str:
    """Turn an Airflow connection URI into a SQLAlchemy URL (Airflow writes `postgres://`, SQLAlchemy wants
    `postgresql+psycopg2://`)."""
    if uri.startswith("postgres://"):
        return "postgresql+psycopg2://" + uri[len("postgres://") :]
    if uri.startswith("postgresql://"):
        return "postgresql+psycopg2://" + uri[len("postgresql://") :]
    return uri


def _whole(name: str, default: str, unit: str, minimum: int = 0) -> int:
    value = _env(name, default)
    if not value.isdigit() or int(value) < minimum:
        raise ConfigurationError(f"{name} must be a whole number of {unit}, not {value!r}")
    return int(value)


def _minutes(name: str, default: str) -> int:
    # Read on its own, without the rest of the settings, because DAG files need it at parse time.
    return _whole(name, default, "minutes")


def export_wait_minutes() -> int:
    """How long the morning run waits for the day's Coursera exports before telling the data team what is missing."""
    return _minutes("AIRFLOW_VAR_DLSEI_EXPORT_WAIT_MINUTES", "180")


def run_deadline_minutes() -> int:
    """How long after it is queued a run must have finished before the data team hears it is late (Deadline Alert):
    240 minutes puts the deadline of the 08:00 runs at noon, an hour after the export wait runs out."""
    return _minutes("AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES", "240")


def s3_bucket_and_prefix(data_docs_url: str) -> tuple[str, str]:
    """The bucket and prefix of `s3://bucket/prefix`: the Data Docs mirror needs a prefix of its own, because it
    deletes whatever else it finds there."""
    parts = urlsplit(data_docs_url)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not parts.netloc or not prefix:
        raise ConfigurationError(f"AIRFLOW_VAR_DLSEI_DATA_DOCS_URL must be s3://bucket/prefix, not {data_docs_url!r}")
    return parts.netloc, prefix


def load_settings() -> Settings:
    home = Path(_env("DLSEI_HOME", str(Path.cwd() / "var"))).resolve()
    environment = _env("DLSEI_ENV", "development")
    secret = _env("AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET", DEVELOPMENT_PSEUDONYMISATION_SECRET)
    if environment == "production" and secret == DEVELOPMENT_PSEUDONYMISATION_SECRET:
        raise ConfigurationError(
            "DLSEI_ENV=production needs AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET: the development key is public"
        )
    data_docs_url = _env("AIRFLOW_VAR_DLSEI_DATA_DOCS_URL", "")
    if data_docs_url:
        s3_bucket_and_prefix(data_docs_url)  # refused here, at start-up, rather than in a run's notices
    return Settings(
        home=home,
        landing_url=_env("AIRFLOW_VAR_DLSEI_LANDING_URL", (home / "landing").as_uri()),
        warehouse_url=sqlalchemy_url(_env("AIRFLOW_CONN_DLSEI_WAREHOUSE", f"sqlite:///{home / 'warehouse.db'}")),
        pseudonymisation_secret=secret,
        outbox_dir=Path(_env("AIRFLOW_VAR_DLSEI_OUTBOX_DIR", str(home / "outbox"))),
        coursera_lag_days=_whole("AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS", "1", "days"),
        environment=environment,
        data_docs_url=data_docs_url,
        data_docs_link=_env("AIRFLOW_VAR_DLSEI_DATA_DOCS_LINK", ""),
        dq_results_keep_days=_whole("AIRFLOW_VAR_DLSEI_DQ_RESULTS_KEEP_DAYS", "90", "days", minimum=1),
        # Programme view (issue 21)
        public_min_cell=_whole("AIRFLOW_VAR_DLSEI_PUBLIC_MIN_CELL", "5", "learners", minimum=1),
        reconciliation_tolerance_pct=_whole("AIRFLOW_VAR_DLSEI_RECONCILIATION_TOLERANCE_PCT", "1", "percent"),
        programme_report_to=tuple(
            address.strip()
            for address in _env("AIRFLOW_VAR_DLSEI_PROGRAMME_REPORT_TO", "").split(",")
            if address.strip()
        ),
    )
