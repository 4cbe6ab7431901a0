"""fact_seat_day carries each seat's registry match; learner_match, which repeated its rows, is folded into it

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

learner_match held one row per as-of date x programme x learner of the snapshot, the same key as fact_seat_day's
seats of the snapshot, and writing both was a third of the time the marts took to publish a 1,000,000-enrolment
day (docs/benchmark.md). Its two columns move to fact_seat_day (NULL for removed seats, which are not in the
snapshot) with the rows already published, and the table goes. Both were the pipeline's: no analyst grant changes.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_METHODS = (
    "external_id (External Id = roll number), email (the one person with that e-mail), ambiguous (no roll number "
    "match, several people share the e-mail) or unmatched"
)
_SEAT_DAY_BEFORE = (
    "One row per as-of date x programme x learner: the state of every seat the snapshot lists, "
    "and of every removed seat of a programme whose cohort runs on the date."
)
_SEAT_DAY_AFTER = (
    "One row per as-of date x programme x learner: the state of every seat the snapshot lists, with its learner's "
    "match to the HEC registry, and of every removed seat of a programme whose cohort runs on the date."
)


def upgrade() -> None:
    with op.batch_alter_table("fact_seat_day", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "person_key",
                sa.String(length=64),
                nullable=True,
                comment="the registry person the learner was matched to (dim_person.person_key); NULL unless matched",
            )
        )
        batch_op.add_column(
            sa.Column(
                "match_method",
                sa.String(length=16),
                nullable=True,
                comment=f"how the learner was matched to the registry: {_METHODS}; NULL for a removed seat (not in "
                "the snapshot)",
            )
        )
    op.execute(
        "UPDATE fact_seat_day SET person_key = lm.person_key, match_method = lm.match_method FROM learner_match lm "
        "WHERE lm.as_of_date = fact_seat_day.as_of_date AND lm.program_slug = fact_seat_day.program_slug "
        "AND lm.learner_key = fact_seat_day.learner_key"
    )
    op.drop_table("learner_match")
    if op.get_bind().dialect.supports_comments:
        op.create_table_comment("fact_seat_day", _SEAT_DAY_AFTER)


def downgrade() -> None:
    op.create_table(
        "learner_match",
        sa.Column("as_of_date", sa.Date(), nullable=False),
        sa.Column("program_slug", sa.String(length=200), nullable=False),
        sa.Column("learner_key", sa.String(length=64), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=True),
        sa.Column("match_method", sa.String(length=16), nullable=False, comment=_METHODS),
        sa.Column("load_id", sa.String(length=250), nullable=False),
        sa.PrimaryKeyConstraint("as_of_date", "program_slug", "learner_key", name=op.f("pk_learner_match")),
        comment=(
            "One row per as-of date x programme x learner of the membership snapshot: the registry "
            "person the learner was matched to and how (External Id first, then e-mail)."
        ),
    )
    op.execute(
        "INSERT INTO learner_match (as_of_date, program_slug, learner_key, person_key, match_method, load_id) "
        "SELECT as_of_date, program_slug, learner_key, person_key, match_method, load_id FROM fact_seat_day "
        "WHERE match_method IS NOT NULL"
    )
    with op.batch_alter_table("fact_seat_day", schema=None) as batch_op:
        batch_op.drop_column("match_method")
        batch_op.drop_column("person_key")
    if op.get_bind().dialect.supports_comments:
        op.create_table_comment("fact_seat_day", _SEAT_DAY_BEFORE)
