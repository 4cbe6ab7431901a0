"""snap_course_activity.for_credit: Coursera's For Credit, for the registrars' lists of credit-eligible completions

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03

The seed programme asks universities to recognise "For Credit" courses completed with credits. The legacy usage
report carries the flag (the current CourseActivity export does not: NULL there); it was kept only in the parser's
extras, never loaded. Snapshots loaded before this revision hold NULL.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "snap_course_activity",
        sa.Column(
            "for_credit",
            sa.Boolean(),
            nullable=True,
            comment="Coursera's For Credit: the course counts for university credit (NULL where the layout has no "
            "such column)",
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("snap_course_activity") as batch:
        batch.drop_column("for_credit")
