"""The snapshots' file_id is no longer a declared foreign key: PostgreSQL checked it row by row

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

A foreign key is checked by a trigger that runs one lookup of file_ledger per inserted row. For a day's
1,000,000-row course-activity export that took as long as the COPY itself (docs/benchmark.md): 9.4 s against
3.5 s for the same COPY into the table without it. The load writes each snapshot row in the transaction that
records its file in file_ledger, with that file's id, and no code deletes a ledger row, so the check never failed;
tests/unit/ingest/test_coursera.py checks instead that each snapshot row names its own file's ledger entry.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_SNAPSHOTS = ("snap_membership", "snap_course_activity")
_BEFORE = "the file it came from"
_AFTER = "the file it came from (file_ledger.file_id)"


def _name(table: str) -> str:
    return f"fk_{table}_file_id_file_ledger"


def _comment(batch_op: BatchOperations, comment: str, before: str) -> None:
    batch_op.alter_column(
        "file_id", existing_type=sa.Integer(), existing_nullable=False, comment=comment, existing_comment=before
    )


def upgrade() -> None:
    for table in _SNAPSHOTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(_name(table), type_="foreignkey")
            _comment(batch_op, _AFTER, _BEFORE)


def downgrade() -> None:
    for table in _SNAPSHOTS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_foreign_key(_name(table), "file_ledger", ["file_id"], ["file_id"])
            _comment(batch_op, _BEFORE, _AFTER)
