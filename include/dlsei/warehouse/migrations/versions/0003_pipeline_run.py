"""run monitoring: pipeline_run, one summary row per finished DAG run

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29

Written by the plugin's listener (dlsei.orchestration.listener) and read by `dlsei health`. The pipeline role of
0002 can write it through that revision's default privileges; analysts are not granted it (it is operational data).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pipeline_run",
        sa.Column(
            "load_id",
            sa.String(length=250),
            nullable=False,
            comment="dag_id/run_id: the load_id on every row the run wrote",
        ),
        sa.Column("dag_id", sa.String(length=250), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False, comment="success or failed"),
        sa.Column("logical_date", sa.DateTime(timezone=True), nullable=True, comment="none for asset-triggered runs"),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True, comment="when its first task started"),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("files_seen", sa.Integer(), nullable=False),
        sa.Column("files_loaded", sa.Integer(), nullable=False),
        sa.Column("files_quarantined", sa.Integer(), nullable=False),
        sa.Column("files_duplicate", sa.Integer(), nullable=False),
        sa.Column("rows_loaded", sa.BigInteger(), nullable=False),
        sa.Column(
            "dq_critical_failures", sa.Integer(), nullable=False, comment="failed critical expectations (dq_result)"
        ),
        sa.Column("dq_warnings", sa.Integer(), nullable=False, comment="failed warning-level expectations (dq_result)"),
        sa.Column("marts_refreshed", sa.Integer(), nullable=False, comment="as-of dates whose marts the run rebuilt"),
        sa.Column(
            "alerts_sent", sa.Integer(), nullable=False, comment="digests for those dates that have been delivered"
        ),
        sa.Column(
            "data_complete_through",
            sa.Date(),
            nullable=True,
            comment="newest as-of date of the files loaded or marts rebuilt",
        ),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.PrimaryKeyConstraint("load_id", name=op.f("pk_pipeline_run")),
        comment="One row per finished DAG run: what it loaded, validated, published and sent (dlsei health reads it).",
    )
    with op.batch_alter_table("pipeline_run", schema=None) as batch_op:
        batch_op.create_index("ix_pipeline_run_dag_id_finished_at", ["dag_id", "finished_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pipeline_run", schema=None) as batch_op:
        batch_op.drop_index("ix_pipeline_run_dag_id_finished_at")

    op.drop_table("pipeline_run")
