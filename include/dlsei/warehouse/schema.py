"""The warehouse schema as SQLAlchemy Core tables: the one definition queries are written against.

Alembic migrations (warehouse/migrations) create it; `tests/unit/test_migrations.py` checks the two never drift.
No table here holds a raw e-mail, name, CNIC or roll number: identifiers arrive as HMAC keys (pseudonymise.py).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Stable constraint names, so migrations can address them on PostgreSQL and SQLite alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

KEY = String(64)  # hex HMAC-SHA256
TS = DateTime(timezone=True)

# --- ingestion record -------------------------------------------------------------------------------------------
file_ledger = Table(
    "file_ledger",
    metadata,
    Column("file_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(512), nullable=False),
    Column("landing_key", String(1024), nullable=False, comment="where the file arrived"),
    Column("stored_key", String(1024), comment="where it is now: archive/ or quarantine/"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("kind", String(64), comment="course_activity, membership, coursera_bundle or registry:<extract>"),
    Column("layout", String(128)),
    Column("export_ts", TS, comment="export timestamp from the file name (UTC)"),
    Column("as_of_date", Date, comment="date the file's data is complete through"),
    Column("rows_read", Integer, nullable=False, server_default=text("0")),
    Column("rows_loaded", Integer, nullable=False, server_default=text("0")),
    Column("rows_rejected", Integer, nullable=False, server_default=text("0")),
    Column("status", String(16), nullable=False, comment="loaded, duplicate, quarantined or failed"),
    Column("reason", Text),
    Column("load_id", String(250), nullable=False, comment="the Airflow run (or CLI call) that handled the file"),
    Column("logged_at", TS, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
)
# The same bytes load once: at most one loaded row per checksum.
Index(
    "uq_file_ledger_loaded_sha256",
    file_ledger.c.sha256,
    unique=True,
    sqlite_where=file_ledger.c.status == "loaded",
    postgresql_where=file_ledger.c.status == "loaded",
)

# --- dated, immutable Coursera snapshots ------------------------------------------------------------------------
snap_membership = Table(
    "snap_membership",
    metadata,
    Column("as_of_date", Date, primary_key=True),
    Column("program_slug", String(200), primary_key=True),
    Column("learner_key", KEY, primary_key=True, comment="HMAC of the trimmed, lower-cased e-mail"),
    Column("external_id_key", KEY, comment="HMAC of the External Id (the registry roll number)"),
    Column("member_state", String(16), nullable=False),
    Column("invitation_date", TS),
    Column("join_date", TS),
    Column("last_activity_at", TS),
    Column("enrolled_courses", Integer),
    Column("completed_courses", Integer),
    Column("learning_hours", Float),
    Column("file_id", Integer, ForeignKey("file_ledger.file_id"), nullable=False),
)

snap_course_activity = Table(
    "snap_course_activity",
    metadata,
    Column("as_of_date", Date, primary_key=True),
    Column("program_slug", String(200), primary_key=True),
    Column("learner_key", KEY, primary_key=True),
    Column("course_id", String(64), primary_key=True),
    Column("external_id_key", KEY),
    Column("course_slug", String(300)),
    Column("course_type", String(64)),
    Column("enrollment_time", TS),
    Column("last_activity_at", TS),
    Column("overall_progress", Float),
    Column("learning_hours", Float),
    Column("completed", Boolean),
    Column("removed_from_program", Boolean),
    Column("completion_time", TS),
    Column("course_grade", Float),
    Column("has_certificate", Boolean, nullable=False),
    Column("file_id", Integer, ForeignKey("file_ledger.file_id"), nullable=False),
)

# --- HEC registry (current state; replaced whole by each validated extract set) ---------------------------------
dim_university = Table(
    "dim_university",
    metadata,
    Column("university_id", String(32), primary_key=True),
    Column("university_name", String(300), nullable=False),
    Column("region", String(64), nullable=False),
    Column("sector", String(16), nullable=False),
    Column("city", String(100)),
    Column("coordinator_email", String(320), comment="a staff contact for alerts, not a learner"),
)

dim_person = Table(
    "dim_person",
    metadata,
    Column("person_key", KEY, primary_key=True, comment="HMAC of the roll number"),
    Column("email_key", KEY, nullable=False),
    Column("cnic_key", KEY, nullable=False),
    Column("university_id", String(32), nullable=False),
    Column("role", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("status_date", Date),
)

seat_allocation = Table(
    "seat_allocation",
    metadata,
    Column("university_id", String(32), primary_key=True),
    Column("cohort_id", String(32), primary_key=True),
    Column("cohort_start", Date, nullable=False),
    Column("cohort_end", Date, nullable=False),
    Column("seats", Integer, nullable=False),
)

programme = Table(
    "programme",
    metadata,
    Column("program_slug", String(200), primary_key=True),
    Column("program_name", String(300)),
    Column("university_id", String(32), nullable=False),
    Column("cohort_id", String(32), nullable=False),
)

dim_course = Table(
    "dim_course",
    metadata,
    Column("course_id", String(64), primary_key=True),
    Column("course_slug", String(300)),
    Column("course_name", String(500)),
    Column("domain", String(64), nullable=False),
    Column("content_type", String(32), nullable=False),
)

# --- marts --------------------------------------------------------------------------------------------------------
MEASURES = (
    "allocated",
    "invited",
    "joined",
    "seats_held",
    "active_7d",
    "active_30d",
    "dormant",
    "never_started",
    "removed",
    "free_seats",
    "enrolments",
    "completions",
    "certificates",
)

mart_quota_utilisation = Table(
    "mart_quota_utilisation",
    metadata,
    Column("as_of_date", Date, primary_key=True),
    Column("university_id", String(32), primary_key=True),
    Column("cohort_id", String(32), primary_key=True),
    *(Column(m, Integer, nullable=False) for m in MEASURES),
    Column("utilisation_pct", Float),
    Column("join_rate_pct", Float),
    Column("learning_hours", Float, nullable=False),
    Column("data_complete_through", Date, nullable=False),
    Column("load_id", String(250), nullable=False),
)

# Which ledger files each as-of date's marts were last built from: a date whose snapshots gained a newer file
# is pending, whatever triggered the run (an asset event, a backfill, a manual run).
mart_refresh = Table(
    "mart_refresh",
    metadata,
    Column("as_of_date", Date, primary_key=True),
    Column("through_file_id", Integer, nullable=False),
    Column("load_id", String(250), nullable=False),
)

# --- data quality ------------------------------------------------------------------------------------------------
dq_result = Table(
    "dq_result",
    metadata,
    Column("result_id", Integer, primary_key=True, autoincrement=True),
    Column("load_id", String(250), nullable=False),
    Column("validated_for", Date, comment="the run's logical date"),
    Column("suite", String(128), nullable=False),
    Column("source", String(512), nullable=False, comment="file name or table validated"),
    Column("expectation", String(128), nullable=False),
    Column("column_name", String(128)),
    Column("severity", String(16), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("element_count", BigInteger),
    Column("unexpected_count", BigInteger),
    Column("unexpected_percent", Float),
    Column("observed_value", Text, comment="numbers and aggregates only, never a row's values"),
)
Index("ix_dq_result_suite_validated_for", dq_result.c.suite, dq_result.c.validated_for)

# --- alerts -------------------------------------------------------------------------------------------------------
alert = Table(
    "alert",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(300), nullable=False, comment="rule|university|cohort"),
    Column("rule", String(64), nullable=False),
    Column("university_id", String(32)),
    Column("cohort_id", String(32)),
    Column("status", String(16), nullable=False, comment="open or closed"),
    Column("opened_on", Date, nullable=False),
    Column("last_seen_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("summary", Text, nullable=False),
    Column("observed", Float),
    Column("threshold", Float),
)
# One open alert per key: the condition opens it once, later runs only refresh it.
Index(
    "uq_alert_open_key",
    alert.c.alert_key,
    unique=True,
    sqlite_where=alert.c.status == "open",
    postgresql_where=alert.c.status == "open",
)

alert_message = Table(
    "alert_message",
    metadata,
    Column("message_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "digest_key",
        String(300),
        nullable=False,
        comment="recipient|as_of_date: one digest per recipient per day",
    ),
    Column("recipient", String(320), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("audience", String(16), nullable=False, comment="national, university or data_team"),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="pending or sent"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("created_for", Date, nullable=False),
    Column("sent_at", TS),
)
Index("uq_alert_message_digest_key", alert_message.c.digest_key, unique=True)
