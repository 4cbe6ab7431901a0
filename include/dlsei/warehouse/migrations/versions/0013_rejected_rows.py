"""dq_rejected_row: the rows a file's row-level rules rejected while the rest of the file loaded

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03

One unknown value in one row used to quarantine the whole file, and with it the day of every university. A row
that breaks a row-level rule (a value that is not a timestamp, a number out of range, an unknown member state) is
now left out and recorded here, up to AIRFLOW_VAR_DLSEI_MAX_REJECTED_ROWS_PCT of the file's rows. The pipeline role
writes it through 0002's default privileges; analysts are not granted it (learner keys).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dq_rejected_row",
        sa.Column("rejected_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False, comment="the file it came from (file_ledger.file_id)"),
        sa.Column(
            "file_name",
            sa.String(length=512),
            nullable=False,
            comment="the export's own name (for a ZIP member: the member's)",
        ),
        sa.Column("kind", sa.String(length=64), nullable=False, comment="course_activity or membership"),
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date the file's other rows were published for",
        ),
        sa.Column(
            "record_no", sa.Integer(), nullable=False, comment="the 1-based data record in the file (header excluded)"
        ),
        sa.Column(
            "rule",
            sa.String(length=64),
            nullable=False,
            comment="the row rule broken: timestamp, number, member_state...",
        ),
        sa.Column(
            "column_name", sa.String(length=200), nullable=False, comment="the column as the file's header names it"
        ),
        sa.Column("value", sa.Text(), comment="the offending value; never kept for an identifier column"),
        sa.Column("program_slug", sa.String(length=200), comment="the Coursera programme (dim_programme.program_slug)"),
        sa.Column("learner_key", sa.String(length=64), comment="HMAC of the trimmed, lower-cased e-mail"),
        sa.Column(
            "status",
            sa.String(length=16),
            nullable=False,
            comment="open, replay_requested (dlsei replay) or replayed",
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that rejected the row"),
        sa.Column("logged_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False),
        sa.PrimaryKeyConstraint("rejected_id", name=op.f("pk_dq_rejected_row")),
        comment="One row per rule a delivered row broke: the row was left out and the rest of its file loaded, "
        "its seat counted unknown that day (not inactive) until the file is replayed.",
    )
    op.create_index("ix_dq_rejected_row_as_of_date", "dq_rejected_row", ["as_of_date"])
    op.create_index("ix_dq_rejected_row_file_id", "dq_rejected_row", ["file_id"])


def downgrade() -> None:
    op.drop_index("ix_dq_rejected_row_file_id", table_name="dq_rejected_row")
    op.drop_index("ix_dq_rejected_row_as_of_date", table_name="dq_rejected_row")
    op.drop_table("dq_rejected_row")
