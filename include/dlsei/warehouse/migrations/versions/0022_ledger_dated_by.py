"""file_ledger.dated_by: what gave a loaded file its as-of date

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03

A file whose name carries no export time (a legacy report saved as `usage-report-2026-11-01.csv`) was invisible to
the late-file sensor and dated by the run. It is now dated by its delivery time (file modification time, S3
LastModified), and the ledger says which dating was used.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both backends: no table copy, and the views over file_ledger stay as they are.
    op.add_column(
        "file_ledger",
        sa.Column(
            "dated_by",
            sa.String(length=16),
            comment="what gave the as-of date: file_name (its export time), delivery_time (a name without one) "
            "or run_time",
        ),
    )


def downgrade() -> None:
    op.drop_column("file_ledger", "dated_by")
