"""fact_seat_day's and seat_lifecycle's load_id name the run that wrote the row, not the last one that published

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Publishing a date again now rewrites only the seats and episodes whose values changed (dlsei.warehouse.replace):
a row computed the same as before stays as it is, load_id included. Only the columns' comments change.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# table: (comment before, comment after)
_COMMENTS = {
    "fact_seat_day": (
        "the run that published the row",
        "the run that wrote the row: publishing the date again leaves a row it computes the same as it is",
    ),
    "seat_lifecycle": (
        "the run that last rebuilt the history",
        "the run that wrote the episode or last changed its end",
    ),
}


def _comment(table: str, comment: str, before: str) -> None:
    # SQLite keeps no comments: nothing to change there, and no reason to copy the table to change nothing.
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        table,
        "load_id",
        existing_type=sa.String(250),
        existing_nullable=False,
        comment=comment,
        existing_comment=before,
    )


def upgrade() -> None:
    for table, (before, after) in _COMMENTS.items():
        _comment(table, after, before)


def downgrade() -> None:
    for table, (before, after) in _COMMENTS.items():
        _comment(table, before, after)
