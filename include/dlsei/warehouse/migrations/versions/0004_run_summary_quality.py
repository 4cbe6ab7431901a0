"""run summary: which warnings a run's checks raised, and where its Data Docs are

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

Both columns are filled by the run summary (dlsei.report.run_summaries) from then on; rows recorded before stay NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pipeline_run", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "dq_warning_details",
                sa.Text(),
                nullable=True,
                comment="one line per failed warning-level expectation: suite, expectation, column, source, count",
            )
        )
        batch_op.add_column(
            sa.Column(
                "data_docs_url",
                sa.String(length=1000),
                nullable=True,
                comment="the Data Docs site holding the run's validations; none when the run validated nothing",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("pipeline_run", schema=None) as batch_op:
        batch_op.drop_column("data_docs_url")
        batch_op.drop_column("dq_warning_details")
