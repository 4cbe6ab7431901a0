"""file_ledger.dated_by: what gave a loaded file its as-of date; dim_course.course_name as text

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

A file whose name carries no export time (a legacy report saved as `usage-report-2026-11-01.csv`) was invisible to
the late-file sensor and dated by the run. It is now dated by its delivery time (file modification time, S3
LastModified), and the ledger says which dating was used.

The course catalogue's names are text of any length: a 1 MB name is legal in the catalogue and must load (the CSV
field limit, AIRFLOW_VAR_DLSEI_CSV_MAX_FIELD_BYTES, is what bounds it). The analysts' view over the table is
recreated around the change, as neither backend changes a column's type under a view.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


_COURSE_VIEW = "SELECT course_id, course_slug, course_name, domain, content_type FROM dim_course"


def _course_name(to: sa.types.TypeEngine, was: sa.types.TypeEngine) -> None:
    op.execute("DROP VIEW v_course")
    with op.batch_alter_table("dim_course") as batch:
        batch.alter_column("course_name", type_=to, existing_type=was, existing_comment="the title Coursera shows")
    op.execute(f"CREATE VIEW v_course AS {_COURSE_VIEW}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT ON v_course TO dlsei_analyst")


def upgrade() -> None:
    _course_name(sa.Text(), sa.String(length=500))
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
    _course_name(sa.String(length=500), sa.Text())
