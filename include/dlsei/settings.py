"""Every run-time setting: its name, its default and its check.

Each setting is an Airflow Variable (`AIRFLOW_VAR_DLSEI_<NAME>`, key `dlsei_<name>`) or Connection
(`AIRFLOW_CONN_DLSEI_<ID>`, id `dlsei_<id>`). Inside Airflow (a task, the plugin, the triggerer) it resolves through
Airflow's own chain, with the Task SDK: the configured secrets backend, then the environment, then the metadata
database. Outside Airflow (the `dlsei` CLI, the benchmark) the environment names alone are read, because importing
Airflow costs seconds; so does the listener (`environment_only()`), because it runs inside the scheduler's own
transaction, where a metadata-database lookup commits under the scheduler's locks and stops the scheduler. With
nothing set, everything falls back to the embedded defaults under `DLSEI_HOME`
(default `./var`): a local landing folder, a SQLite warehouse file and an e-mail outbox folder.

A value that cannot be used stops `load_settings()` (the start of every task) with a ConfigurationError naming
the setting, where its value came from and what was expected. Within one task the settings are read once: each
Variable or Connection lookup is a request to Airflow's execution API, and a task asks for its settings from
several places (about 25 lookups each time).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

# Documented development key: it only pseudonymises the generated sample data. Production refuses to start with
# it (DLSEI_ENV=production), because anyone who knows the key can reverse a CNIC by enumeration.
DEVELOPMENT_PSEUDONYMISATION_SECRET: Final = "dlsei-development-secret-not-for-real-data"
TIMEZONE: Final = "Asia/Karachi"

VARIABLE_PREFIX: Final = "AIRFLOW_VAR_"
CONNECTION_PREFIX: Final = "AIRFLOW_CONN_"
DEFAULT_NATIONAL_TEAM_EMAIL: Final = "dlsei-national@hec.example"
DEFAULT_DATA_TEAM_EMAIL: Final = "data-team@dlsei.example"
# The From address when the SMTP connection names none (extra `from_email`, as the SMTP provider reads it).
DEFAULT_SENDER: Final = "dlsei-alerts@hec.example"
SMTP_CONN_ID: Final = "dlsei_smtp"
SLACK_CONN_ID: Final = "dlsei_slack"
AWS_CONN_ID: Final = "dlsei_aws"
# The connection types each connection may have: the ones whose provider hook reads it (the Slack provider 9.x
# registers `slackwebhook`; `slack_incomingwebhook` is the name older providers and docs use).
CONNECTION_TYPES: Final = {
    SMTP_CONN_ID: ("smtp",),
    SLACK_CONN_ID: ("slackwebhook", "slack_incomingwebhook"),
    AWS_CONN_ID: ("aws",),
}


class ConfigurationError(RuntimeError):
    """A setting is missing or unusable."""


_ENVIRONMENT_ONLY: ContextVar[bool] = ContextVar("dlsei_settings_environment_only", default=False)


@contextmanager
def environment_only() -> Iterator[None]:
    """Read the settings from the environment alone within the block, even in an Airflow process."""
    token = _ENVIRONMENT_ONLY.set(True)
    try:
        yield
    finally:
        _ENVIRONMENT_ONLY.reset(token)


def _inside_airflow() -> bool:
    # An Airflow process (task runner, api-server, scheduler, dag.test) has loaded the Task SDK before it reaches
    # the pipeline; the CLI and the benchmark have not, and must not pay for importing it.
    return "airflow.sdk" in sys.modules and not _ENVIRONMENT_ONLY.get()


def _airflow_key(name: str, prefix: str) -> str:
    return name[len(prefix) :].lower()


def _airflow_variable(name: str) -> str | None:
    from airflow.sdk import Variable

    value = Variable.get(_airflow_key(name, VARIABLE_PREFIX), default=None)
    return None if value is None else str(value)


def _airflow_connection(conn_id: str):  # type: ignore[no-untyped-def]  # airflow.sdk.Connection, imported lazily
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id)
    except AirflowNotFoundException:
        return None


def _connection_uri(name: str) -> str | None:
    """A connection's URI as Airflow's chain finds it; the environment's own text when that is where it came from,
    because Airflow's URI round trip escapes a SQLite path."""
    raw = os.environ.get(name, "").strip()
    connection = _airflow_connection(_airflow_key(name, CONNECTION_PREFIX))
    if connection is None:
        return None
    if raw:
        from airflow.sdk import Connection

        if Connection.from_uri(raw, conn_id=connection.conn_id).get_uri() == connection.get_uri():
            return raw
    if connection.conn_type == "sqlite":
        return f"sqlite:///{connection.host or connection.schema}"
    return str(connection.get_uri())


def _lookup(name: str) -> str | None:
    if _inside_airflow():
        if name.startswith(VARIABLE_PREFIX):
            value = _airflow_variable(name)
        elif name.startswith(CONNECTION_PREFIX):
            value = _connection_uri(name)
        else:
            value = os.environ.get(name)
    else:
        value = os.environ.get(name)
    return (value or "").strip() or None


def _env(name: str, default: str) -> str:
    """The setting `name` (an `AIRFLOW_VAR_*`/`AIRFLOW_CONN_*` name, or a plain environment name such as
    DLSEI_HOME), resolved as the module docstring says, or `default`."""
    return _lookup(name) or default


def origin(name: str) -> str:
    """Where the value of `name` comes from, for a message that must tell an operator what to fix."""
    if _lookup(name) is None:
        return "the embedded default"
    if not _inside_airflow() or not name.startswith((VARIABLE_PREFIX, CONNECTION_PREFIX)):
        return f"the environment variable {name}"
    from airflow.sdk.execution_time.supervisor import ensure_secrets_backend_loaded

    key = _airflow_key(name, VARIABLE_PREFIX if name.startswith(VARIABLE_PREFIX) else CONNECTION_PREFIX)
    kind = "Variable" if name.startswith(VARIABLE_PREFIX) else "Connection"
    for backend in ensure_secrets_backend_loaded():
        try:
            found = backend.get_variable(key) if kind == "Variable" else backend.get_connection(key)
        except Exception:  # a backend that cannot answer is not the one that did
            continue
        if found is not None:
            where = {
                "EnvironmentVariablesBackend": f"the environment variable {name}",
                "MetastoreBackend": "the Airflow metadata database",
                "ExecutionAPISecretsBackend": "the Airflow metadata database",
            }.get(type(backend).__name__, f"the secrets backend {type(backend).__name__}")
            return f"Airflow {kind} {key!r} from {where}"
    return f"Airflow {kind} {key!r}"


def _refuse(name: str, value: str, expected: str) -> ConfigurationError:
    return ConfigurationError(f"{name} = {value!r} (from {origin(name)}) must be {expected}")


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
    # alerts: who hears what, and through which connections (None: that connection is not set)
    national_team_email: str = DEFAULT_NATIONAL_TEAM_EMAIL
    data_team_email: str = DEFAULT_DATA_TEAM_EMAIL
    alert_rules: str = ""  # YAML or JSON laid over alerts/rules.yml
    smtp_conn_id: str | None = None  # e-mail through this SMTP connection; None: the outbox folder
    slack_conn_id: str | None = None  # also post to this Slack incoming webhook
    # S3 (the landing area and the Data Docs mirror): the `aws` connection whose client boto3 uses; None: boto3's
    # own chain (AWS_* variables, instance profile / IAM role)
    aws_conn_id: str | None = None
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
        raise _refuse(name, value, f"a whole number of {unit}, at least {minimum}")
    return int(value)


def _percent(name: str, default: str) -> float:
    value = _env(name, default)
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0 <= share <= 100:
        raise _refuse(name, value, "a percentage from 0 to 100")
    return share


def _minutes(name: str, default: str) -> int:
    # Read on its own, without the rest of the settings, because DAG files need it at parse time.
    return _whole(name, default, "minutes")


def export_wait_minutes() -> int:
    """How long the morning run waits for the day's Coursera exports before telling the data team what is missing."""
    return _minutes("AIRFLOW_VAR_DLSEI_EXPORT_WAIT_MINUTES", "180")


def export_poll_seconds() -> int:
    """How often the deferred wait looks at the landing area for the day's exports."""
    return _whole("AIRFLOW_VAR_DLSEI_EXPORT_POLL_SECONDS", "300", "seconds", minimum=1)


def run_deadline_minutes() -> int:
    """How long after it is queued a run must have finished before the data team hears it is late (Deadline Alert):
    240 minutes puts the deadline of the 08:00 runs at noon, an hour after the export wait runs out."""
    return _minutes("AIRFLOW_VAR_DLSEI_RUN_DEADLINE_MINUTES", "240")


def _coordinators(name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """`{"user": ["U001", ...]}` (JSON), refused at start-up when malformed rather than opening pages to everyone."""
    value = _env(name, "{}")
    expected = 'JSON naming each limited user\'s universities, like {"user": ["U001"]}'
    try:
        mapping = json.loads(value)
    except json.JSONDecodeError:
        raise _refuse(name, value, expected) from None
    if not isinstance(mapping, dict) or not all(
        isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in mapping.values()
    ):
        raise _refuse(name, value, expected)
    return tuple((str(user), tuple(ids)) for user, ids in sorted(mapping.items()))


def s3_bucket_and_prefix(data_docs_url: str) -> tuple[str, str]:
    """The bucket and prefix of `s3://bucket/prefix`: the Data Docs mirror needs a prefix of its own, because it
    deletes whatever else it finds there."""
    parts = urlsplit(data_docs_url)
    prefix = parts.path.strip("/")
    if parts.scheme != "s3" or not parts.netloc or not prefix:
        raise _refuse("AIRFLOW_VAR_DLSEI_DATA_DOCS_URL", data_docs_url, "s3://bucket/prefix")
    return parts.netloc, prefix


def _landing_url(default: str) -> str:
    name = "AIRFLOW_VAR_DLSEI_LANDING_URL"
    url = _env(name, default)
    parts = urlsplit(url)
    if not (parts.scheme == "file" and parts.netloc in ("", "localhost") and parts.path) and not (
        parts.scheme == "s3" and parts.netloc
    ):
        raise _refuse(name, url, "file:///absolute/path or s3://bucket/prefix")
    return url


def _warehouse_url(default: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    name = "AIRFLOW_CONN_DLSEI_WAREHOUSE"
    url = sqlalchemy_url(_env(name, default))
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError:
        backend = ""
    if backend not in ("postgresql", "sqlite"):
        raise _refuse(name, url, "a PostgreSQL or SQLite connection URI (postgres://user:password@host:5432/db)")
    return url


def _email(name: str, default: str) -> str:
    value = _env(name, default)
    if "@" not in value.strip("@") or any(c.isspace() for c in value):
        raise _refuse(name, value, "one e-mail address")
    return value


def _connection(conn_id: str) -> str | None:
    """`conn_id` when that connection is set (and of a type its provider reads), else None."""
    name = f"{CONNECTION_PREFIX}{conn_id.upper()}"
    if not _inside_airflow():
        return conn_id if _lookup(name) else None
    connection = _airflow_connection(conn_id)
    if connection is None:
        return None
    if connection.conn_type not in CONNECTION_TYPES[conn_id]:
        raise ConfigurationError(
            f"connection {conn_id} (from {origin(name)}) has type {connection.conn_type!r}; "
            f"expected {' or '.join(CONNECTION_TYPES[conn_id])}"
        )
    return conn_id


# The running task's settings, under its task instance id: one entry, replaced when the next task starts.
_task_settings: dict[str, Settings] = {}


def _running_task_id() -> str | None:
    """The id of the task instance this process is running, or None outside a task."""
    if not _inside_airflow():
        return None
    from airflow.sdk import get_current_context

    try:
        return str(get_current_context()["ti"].id)
    except RuntimeError:  # no task is running: the plugin, the triggerer, a DAG file being parsed
        return None


def load_settings() -> Settings:
    """The settings, read once per task instance inside a task, and afresh everywhere else."""
    task_id = _running_task_id()
    if task_id is None:
        return _read_settings()
    if task_id not in _task_settings:
        _task_settings.clear()
        _task_settings[task_id] = _read_settings()
    return _task_settings[task_id]


def _read_settings() -> Settings:
    home = Path(_env("DLSEI_HOME", str(Path.cwd() / "var"))).resolve()
    environment = _env("DLSEI_ENV", "development")
    if environment not in ("development", "production"):
        raise _refuse("DLSEI_ENV", environment, "development or production")
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
        landing_url=_landing_url((home / "landing").as_uri()),
        warehouse_url=_warehouse_url(f"sqlite:///{home / 'warehouse.db'}"),
        pseudonymisation_secret=secret,
        outbox_dir=Path(_env("AIRFLOW_VAR_DLSEI_OUTBOX_DIR", str(home / "outbox"))),
        coursera_lag_days=_whole("AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS", "1", "days"),
        environment=environment,
        data_docs_url=data_docs_url,
        data_docs_link=_env("AIRFLOW_VAR_DLSEI_DATA_DOCS_LINK", ""),
        dq_results_keep_days=_whole("AIRFLOW_VAR_DLSEI_DQ_RESULTS_KEEP_DAYS", "90", "days", minimum=1),
        # alerts
        national_team_email=_email("AIRFLOW_VAR_DLSEI_NATIONAL_TEAM_EMAIL", DEFAULT_NATIONAL_TEAM_EMAIL),
        data_team_email=_email("AIRFLOW_VAR_DLSEI_DATA_TEAM_EMAIL", DEFAULT_DATA_TEAM_EMAIL),
        alert_rules=_env("AIRFLOW_VAR_DLSEI_ALERT_RULES", ""),
        smtp_conn_id=_connection(SMTP_CONN_ID),
        slack_conn_id=_connection(SLACK_CONN_ID),
        # S3 through an Airflow connection
        aws_conn_id=_connection(AWS_CONN_ID),
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
        dashboard_coordinators=_coordinators("AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS"),
    )
