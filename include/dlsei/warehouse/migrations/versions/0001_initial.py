"""initial warehouse: ledger, snapshots, registry, marts, quality, alerts

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("alert_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_key", sa.String(length=300), nullable=False, comment="rule|university|cohort"),
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("university_id", sa.String(length=32), nullable=True),
        sa.Column("cohort_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False, comment="open or closed"),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("observed", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(
            "uq_alert_open_key",
            ["alert_key"],
            unique=True,
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.create_table(
        "alert_message",
        sa.Column("message_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "digest_key",
            sa.String(length=300),
            nullable=False,
            comment="recipient|as_of_date: one digest per recipient per day",
        ),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False, comment="national, university or data_team"),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="pending or sent"),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_for", sa.Date(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_alert_message")),
    )
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.create_index("uq_alert_message_digest_key", ["digest_key"], unique=True)

    op.create_table(
        "dim_course",
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("course_slug", sa.String(length=300), nullable=True),
        sa.Column("course_name", sa.String(length=500), nullable=True),
        sa.Column("domain", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_dim_course")),
    )
    op.create_table(
        "dim_person",
        sa.Column("person_key", sa.String(length=64), nullable=False, comment="HMAC of the roll number"),
        sa.Column("email_key", sa.String(length=64), nullable=False),
        sa.Column("cnic_key", sa.String(length=64), nullable=False),
        sa.Column("university_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("person_key", name=op.f("pk_dim_person")),
    )
    op.create_table(
        "dim_university",
        sa.Column("university_id", sa.String(length=32), nullable=False),
        sa.Column("university_name", sa.String(length=300), nullable=False),
        sa.Column("region", sa.String(length=64), nullable=False),
        sa.Column("sector", sa.String(length=16), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column(
            "coordinator_email",
            sa.String(length=320),
            nullable=True,
            comment="a staff contact for alerts, not a learner",
        ),
        sa.PrimaryKeyConstraint("university_id", name=op.f("pk_dim_university")),
    )
    op.create_table(
        "dq_result",
        sa.Column("result_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("load_id", sa.String(length=250), nullable=False),
        sa.Column("validated_for", sa.Date(), nullable=True, comment="the run's logical date"),
        sa.Column("suite", sa.String(length=128), nullable=False),
        sa.Column("source", sa.String(length=512), nullable=False, comment="file name or table validated"),
        sa.Column("expectation", sa.String(length=128), nullable=False),
        sa.Column("column_name", sa.String(length=128), nullable=True),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("success", sa.Boolean(), nullable=False),
        sa.Column("element_count", sa.BigInteger(), nullable=True),
        sa.Column("unexpected_count", sa.BigInteger(), nullable=True),
        sa.Column("unexpected_percent", sa.Float(), nullable=True),
        sa.Column(
            "observed_value",
            sa.Text(),
            nullable=True,
            comment="numbers and aggregates only, never a row's values",
        ),
        sa.PrimaryKeyConstraint("result_id", name=op.f("pk_dq_result")),
    )
    with op.batch_alter_table("dq_result", schema=None) as batch_op:
        batch_op.create_index("ix_dq_result_suite_validated_for", ["suite", "validated_for"], unique=False)

    op.create_table(
        "file_ledger",
        sa.Column("file_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=512), nullable=False),
        sa.Column("landing_key", sa.String(length=1024), nullable=False, comment="where the file arrived"),
        sa.Column(
            "stored_key",
            sa.String(length=1024),
            nullable=True,
            comment="where it is now: archive/ or quarantine/",
        ),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "kind",
            sa.String(length=64),
            nullable=True,
            comment="course_activity, membership, coursera_bundle or registry:<extract>",
        ),
        sa.Column("layout", sa.String(length=128), nullable=True),
        sa.Column(
            "export_ts",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="export timestamp from the file name (UTC)",
        ),
        sa.Column("as_of_date", sa.Date(), nullable=True, comment="date the file's data is complete through"),
        sa.Column("rows_read", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False, comment="loaded, duplicate, quarantined or failed"),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "load_id",
            sa.String(length=250),
            nullable=False,
            comment="the Airflow run (or CLI call) that handled the file",
        ),
        sa.Column(
            "logged_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("file_id", name=op.f("pk_file_ledger")),
    )
    with op.batch_alter_table("file_ledger", schema=None) as batch_op:
        batch_op.create_index(
            "uq_file_ledger_loaded_sha256",
            ["sha256"],
            unique=True,
            sqlite_where=sa.text("status = 'loaded'"),
            postgresql_where=sa.text("status = 'loaded'"),
        )

    op.create_table(
        "mart_quota_utilisation",
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("university_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.Column("allocated", sa.Integer(), nullable=False),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("joined", sa.Integer(), nullable=False),
        sa.Column("seats_held", sa.Integer(), nullable=False),
        sa.Column("active_7d", sa.Integer(), nullable=False),
        sa.Column("active_30d", sa.Integer(), nullable=False),
        sa.Column("dormant", sa.Integer(), nullable=False),
        sa.Column("never_started", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("free_seats", sa.Integer(), nullable=False),
        sa.Column("enrolments", sa.Integer(), nullable=False),
        sa.Column("completions", sa.Integer(), nullable=False),
        sa.Column("certificates", sa.Integer(), nullable=False),
        sa.Column("utilisation_pct", sa.Float(), nullable=True),
        sa.Column("join_rate_pct", sa.Float(), nullable=True),
        sa.Column("learning_hours", sa.Float(), nullable=False),
        sa.Column("data_complete_through", sa.Date(), nullable=False),
        sa.Column("load_id", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("as_of_date", "university_id", "cohort_id", name=op.f("pk_mart_quota_utilisation")),
    )
    op.create_table(
        "mart_refresh",
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("through_file_id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("as_of_date", name=op.f("pk_mart_refresh")),
    )
    op.create_table(
        "programme",
        sa.Column("program_slug", sa.String(length=200), nullable=False),
        sa.Column("program_name", sa.String(length=300), nullable=True),
        sa.Column("university_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("program_slug", name=op.f("pk_programme")),
    )
    op.create_table(
        "seat_allocation",
        sa.Column("university_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_id", sa.String(length=32), nullable=False),
        sa.Column("cohort_start", sa.Date(), nullable=False),
        sa.Column("cohort_end", sa.Date(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("university_id", "cohort_id", name=op.f("pk_seat_allocation")),
    )
    op.create_table(
        "snap_course_activity",
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("program_slug", sa.String(length=200), nullable=False),
        sa.Column("learner_key", sa.String(length=64), nullable=False),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("external_id_key", sa.String(length=64), nullable=True),
        sa.Column("course_slug", sa.String(length=300), nullable=True),
        sa.Column("course_type", sa.String(length=64), nullable=True),
        sa.Column("enrollment_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overall_progress", sa.Float(), nullable=True),
        sa.Column("learning_hours", sa.Float(), nullable=True),
        sa.Column("completed", sa.Boolean(), nullable=True),
        sa.Column("removed_from_program", sa.Boolean(), nullable=True),
        sa.Column("completion_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("course_grade", sa.Float(), nullable=True),
        sa.Column("has_certificate", sa.Boolean(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["file_ledger.file_id"], name=op.f("fk_snap_course_activity_file_id_file_ledger")
        ),
        sa.PrimaryKeyConstraint(
            "as_of_date", "program_slug", "learner_key", "course_id", name=op.f("pk_snap_course_activity")
        ),
    )
    op.create_table(
        "snap_membership",
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("program_slug", sa.String(length=200), nullable=False),
        sa.Column(
            "learner_key",
            sa.String(length=64),
            nullable=False,
            comment="HMAC of the trimmed, lower-cased e-mail",
        ),
        sa.Column(
            "external_id_key",
            sa.String(length=64),
            nullable=True,
            comment="HMAC of the External Id (the registry roll number)",
        ),
        sa.Column("member_state", sa.String(length=16), nullable=False),
        sa.Column("invitation_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("join_date", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolled_courses", sa.Integer(), nullable=True),
        sa.Column("completed_courses", sa.Integer(), nullable=True),
        sa.Column("learning_hours", sa.Float(), nullable=True),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["file_ledger.file_id"], name=op.f("fk_snap_membership_file_id_file_ledger")
        ),
        sa.PrimaryKeyConstraint("as_of_date", "program_slug", "learner_key", name=op.f("pk_snap_membership")),
    )


def downgrade() -> None:
    op.drop_table("snap_membership")
    op.drop_table("snap_course_activity")
    op.drop_table("seat_allocation")
    op.drop_table("programme")
    op.drop_table("mart_refresh")
    op.drop_table("mart_quota_utilisation")
    with op.batch_alter_table("file_ledger", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_file_ledger_loaded_sha256",
            sqlite_where=sa.text("status = 'loaded'"),
            postgresql_where=sa.text("status = 'loaded'"),
        )

    op.drop_table("file_ledger")
    with op.batch_alter_table("dq_result", schema=None) as batch_op:
        batch_op.drop_index("ix_dq_result_suite_validated_for")

    op.drop_table("dq_result")
    op.drop_table("dim_university")
    op.drop_table("dim_person")
    op.drop_table("dim_course")
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.drop_index("uq_alert_message_digest_key")

    op.drop_table("alert_message")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_alert_open_key",
            sqlite_where=sa.text("status = 'open'"),
            postgresql_where=sa.text("status = 'open'"),
        )

    op.drop_table("alert")
