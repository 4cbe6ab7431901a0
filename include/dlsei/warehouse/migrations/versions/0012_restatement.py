"""restatement log: registry_change, restatement, restatement_measure, v_restatement; the change guard's confirmations

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03

A registry extract that changes what was true for earlier dates is recorded in registry_change; the run that
republishes the affected as-of dates records each date (restatement) and each measure it moved, before and after
(restatement_measure). Analysts read the three through v_restatement. registry_confirmation keeps the checksums of
the extracts a person confirmed after the change guard held them; pipeline_run counts the dates a run restated.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CHANGE = "the registry change restated (registry_change.change_id)"
VIEW = (
    "SELECT c.change_id, c.extract, c.extract_date, c.valid_from AS changed_from, c.valid_to AS changed_until,\n"
    "    c.keys_before, c.added, c.removed, c.changed, c.changed_columns,\n"
    "    r.as_of_date, r.load_id AS restated_by, x.university_id, x.cohort_id, x.measure, x.before_value,\n"
    "    x.after_value\n"
    "FROM registry_change c\n"
    "JOIN restatement r ON r.change_id = c.change_id\n"
    "LEFT JOIN restatement_measure x ON x.change_id = r.change_id AND x.as_of_date = r.as_of_date"
)


def upgrade() -> None:
    op.create_table(
        "registry_change",
        sa.Column("change_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False, comment="the extract's file (file_ledger.file_id)"),
        sa.Column(
            "extract",
            sa.String(length=32),
            nullable=False,
            comment="universities, people, seat_allocations or programmes",
        ),
        sa.Column("extract_date", sa.Date(), nullable=False, comment="the date in the extract's name"),
        sa.Column("valid_from", sa.Date(), nullable=False, comment="the first date whose registry the extract changed"),
        sa.Column(
            "valid_to",
            sa.Date(),
            nullable=True,
            comment="the first date it left as it was (the next extract's); NULL: up to now",
        ),
        sa.Column(
            "keys_before", sa.Integer(), nullable=False, comment="rows (people, universities...) the registry had"
        ),
        sa.Column("added", sa.Integer(), nullable=False, comment="rows the extract added"),
        sa.Column("removed", sa.Integer(), nullable=False, comment="rows the extract dropped"),
        sa.Column("changed", sa.Integer(), nullable=False, comment="rows with at least one value changed"),
        sa.Column(
            "changed_columns",
            sa.String(length=1000),
            nullable=True,
            comment="how many rows changed each column, e.g. 'university_id 3'",
        ),
        sa.Column(
            "restated_by",
            sa.String(length=250),
            nullable=True,
            comment="the run that republished its dates; NULL until one has",
        ),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_registry_change")),
        comment=(
            "One row per registry extract that changed what the registry said for some dates: what changed, "
            "from when, and whether its dates were restated."
        ),
    )
    op.create_table(
        "restatement",
        sa.Column("change_id", sa.Integer(), nullable=False, comment=_CHANGE),
        sa.Column("as_of_date", sa.Date(), nullable=False, comment="an as-of date republished for the change"),
        sa.Column("measures_changed", sa.Integer(), nullable=False, comment="rows of restatement_measure for the date"),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that republished it"),
        sa.PrimaryKeyConstraint("change_id", "as_of_date", name=op.f("pk_restatement")),
        comment="One row per registry change x as-of date it republished (within the restatement window).",
    )
    op.create_table(
        "restatement_measure",
        sa.Column("change_id", sa.Integer(), nullable=False, comment=_CHANGE),
        sa.Column("as_of_date", sa.Date(), nullable=False, comment="the as-of date republished"),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column(
            "cohort_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's seat cohort id (dim_seat_allocation)",
        ),
        sa.Column(
            "measure",
            sa.String(length=64),
            nullable=False,
            comment="a column of mart_quota_utilisation, or learner_match:<method> for mart_learner_match's learners",
        ),
        sa.Column(
            "before_value", sa.Float(), nullable=True, comment="as published before; NULL when the row did not exist"
        ),
        sa.Column(
            "after_value", sa.Float(), nullable=True, comment="as republished; NULL when the row no longer exists"
        ),
        sa.PrimaryKeyConstraint(
            "change_id", "as_of_date", "university_id", "cohort_id", "measure", name=op.f("pk_restatement_measure")
        ),
        comment="One row per registry change x as-of date x university x cohort x measure that the restatement moved.",
    )
    op.create_table(
        "registry_confirmation",
        sa.Column("sha256", sa.String(length=64), nullable=False, comment="the confirmed file's bytes"),
        sa.Column("file_name", sa.String(length=512), nullable=False, comment="the file's name when it was confirmed"),
        sa.Column(
            "confirmed_at", sa.DateTime(timezone=True), server_default=sa.text("CURRENT_TIMESTAMP"), nullable=False
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_registry_confirmation")),
        comment=(
            "One row per registry extract a person confirmed after the change guard held it (dlsei replay "
            "--confirm): those exact bytes are applied however many people they change."
        ),
    )
    with op.batch_alter_table("pipeline_run") as batch:
        batch.add_column(
            sa.Column(
                "dates_restated",
                sa.Integer(),
                nullable=False,
                server_default=sa.text("0"),
                comment="as-of dates the run republished because a registry extract changed them (restatement)",
            )
        )
    op.execute(f"CREATE VIEW v_restatement AS\n{VIEW}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT ON v_restatement TO dlsei_analyst")


def downgrade() -> None:
    op.execute("DROP VIEW v_restatement")
    with op.batch_alter_table("pipeline_run") as batch:
        batch.drop_column("dates_restated")
    for table in ("registry_confirmation", "restatement_measure", "restatement", "registry_change"):
        op.drop_table(table)
