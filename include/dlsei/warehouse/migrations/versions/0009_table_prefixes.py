"""table names by layer: dim_programme, dim_seat_allocation, fact_seat_lifecycle, int_seat_seen

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

Every analytical table's name now says its layer, as in dbt and Open edX Aspects: `snap_` (dated snapshots of an
export), `dim_` (nouns: the registry), `fact_` (seat-level events and states), `int_` (the pipeline's intermediate
bookkeeping) and `mart_` (published measures). The four tables without a prefix are renamed; their primary keys and
the comments that name them follow. The public `v_*` views read none of them, so analysts see no change. The
pipeline's operational records (file_ledger, dq_result, alert, alert_message, mart_refresh, pipeline_run) keep
their names: they are named after what they record, and no analyst query joins them as data.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

RENAMED = {
    "programme": "dim_programme",
    "seat_allocation": "dim_seat_allocation",
    "seat_lifecycle": "fact_seat_lifecycle",
    "seat_seen": "int_seat_seen",
}
# How comments named the tables (column comments point at a key, e.g. "programme.program_slug").
_COMMENT_NAMES = {"(seat_allocation)": "(dim_seat_allocation)", "programme.program_slug": "dim_programme.program_slug"}


def _rename(names: dict[str, str], comment_names: dict[str, str]) -> None:
    bind = op.get_bind()
    for old, new in names.items():
        op.rename_table(old, new)
        if bind.dialect.name == "postgresql":
            # SQLite keeps the constraint's name in the table's SQL, where nothing reads it.
            op.execute(f"ALTER TABLE {new} RENAME CONSTRAINT pk_{old} TO pk_{new}")
    if bind.dialect.supports_comments:
        _rewrite_comments(bind, comment_names)


def _rewrite_comments(bind: sa.Connection, comment_names: dict[str, str]) -> None:
    inspector = sa.inspect(bind)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            comment = column.get("comment") or ""
            for old, new in comment_names.items():
                comment = comment.replace(old, new)
            if comment != (column.get("comment") or ""):
                op.alter_column(table, column["name"], comment=comment, existing_type=column["type"])


def upgrade() -> None:
    _rename(RENAMED, _COMMENT_NAMES)


def downgrade() -> None:
    _rename({new: old for old, new in RENAMED.items()}, {new: old for old, new in _COMMENT_NAMES.items()})
