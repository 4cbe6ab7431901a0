"""Run-time configuration, read from the environment Airflow itself reads.

Each setting is an Airflow Variable (`AIRFLOW_VAR_<NAME>`) or Connection (`AIRFLOW_CONN_<ID>`), so the same value
serves a task, the CLI and the tests. With nothing set, everything falls back to the embedded defaults under
`DLSEI_HOME` (default `./var`): a local landing folder, a SQLite warehouse file and an e-mail outbox folder.
"""

from __future__ import annotations

import json
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
    # Registry history and restatement (issue 20)
    restatement_window_days: int = 90  # a registry correction republishes the as-of dates this far back
    registry_max_change_pct: int = 20  # a people extract changing more of the people waits for a person to confirm
    # Robustness (issue 22): bounded archives and fields, and the share of a file's rows that may be rejected.
    zip_max_members: int = 64
    zip_max_member_bytes: int = 8 << 30
    zip_max_total_bytes: int = 16 << 30
    zip_max_ratio: int = 100  # uncompressed / compressed size of a member; CSV text compresses 5 to 20 times
    csv_max_field_bytes: int = 2 << 20  # the largest legal field (a 1 MB course name) with room to spare
    max_rejected_rows_pct: float = 0.5
    # Identity store and coordinator lists (issue #20)
    identity_retention_days: int = 180  # identities of people gone from the registry this long are erased
    digest_reminder_days: int = 7  # a coordinator with nothing new hears again after this many days
    # dashboard (issue 18): where people open the plugin's pages; the digests link each university's page
    dashboard_url: str = "http://localhost:8080/dlsei"
    # (Airflow user name, the university ids whose pages alone that user may open); users not listed see every page.
    # Pairs, not a dict: the settings are hashable (resources() keys its cache on them).
    dashboard_coordinators: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def coordinator_universities(self, user_name: str) -> tuple[str, ...] | None:
        """The universities a listed coordinator may see; None for a user the setting does not limit."""
        return dict(self.dashboard_coordinators).get(user_name)


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


def _percent(name: str, default: str) -> float:
    value = _env(name, default)
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 100:
        raise ConfigurationError(f"{name} must be a percentage from 0 to 100, not {value!r}")
    return share


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


def _coordinators(value: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`{"user": ["U001", ...]}` (JSON), refused at start-up when malformed rather than opening pages to everyone."""
    try:
        mapping = json.loads(value)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS is not JSON: {error}") from None
    if not isinstance(mapping, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in mapping.values()
    ):
        raise ConfigurationError('AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS must look like {"user": ["U001"]}')
    return tuple((str(user), tuple(ids)) for user, ids in sorted(mapping.items()))


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
        # Registry history and restatement (issue 20)
        restatement_window_days=_whole("AIRFLOW_VAR_DLSEI_RESTATEMENT_WINDOW_DAYS", "90", "days"),
        registry_max_change_pct=_whole("AIRFLOW_VAR_DLSEI_REGISTRY_MAX_CHANGE_PCT", "20", "percent"),
        # Robustness (issue 22)
        zip_max_members=_whole("AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBERS", "64", "members", minimum=1),
        zip_max_member_bytes=_whole("AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBER_BYTES", str(8 << 30), "bytes", minimum=1),
        zip_max_total_bytes=_whole("AIRFLOW_VAR_DLSEI_ZIP_MAX_TOTAL_BYTES", str(16 << 30), "bytes", minimum=1),
        zip_max_ratio=_whole("AIRFLOW_VAR_DLSEI_ZIP_MAX_RATIO", "100", "times", minimum=1),
        csv_max_field_bytes=_whole("AIRFLOW_VAR_DLSEI_CSV_MAX_FIELD_BYTES", str(2 << 20), "bytes", minimum=1024),
        max_rejected_rows_pct=_percent("AIRFLOW_VAR_DLSEI_MAX_REJECTED_ROWS_PCT", "0.5"),
        # Identity store and coordinator lists (issue #20)
        identity_retention_days=_whole("AIRFLOW_VAR_DLSEI_IDENTITY_RETENTION_DAYS", "180", "days", minimum=1),
        digest_reminder_days=_whole("AIRFLOW_VAR_DLSEI_DIGEST_REMINDER_DAYS", "7", "days", minimum=1),
        # dashboard (issue 18)
        dashboard_url=_env("AIRFLOW_VAR_DLSEI_DASHBOARD_URL", "http://localhost:8080/dlsei").rstrip("/"),
        dashboard_coordinators=_coordinators(_env("AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS", "{}")),
    )
