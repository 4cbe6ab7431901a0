"""seat_seen: every seat ever listed in a membership snapshot, with the first date it was

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29

Removed seats (seen before, missing from the as-of date's snapshot) were read from every earlier seat-day of
snap_membership: with 30 days of history at 1,000,000 enrolments, publishing one date took 40.6 s instead of 14 s,
and the cost grew by the day. The load keeps seat_seen in the transaction that writes the snapshot
(dlsei.ingest.seen_seats); this revision fills it from the snapshots already loaded. The pipeline role writes it through
0002's default privileges; analysts are not granted it (learner keys).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seat_seen",
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (programme.program_slug)",
        ),
        sa.Column(
            "learner_key", sa.String(length=64), nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"
        ),
        sa.Column(
            "first_seen",
            sa.Date(),
            nullable=False,
            comment="the first as-of date whose membership snapshot lists the seat",
        ),
        sa.PrimaryKeyConstraint("program_slug", "learner_key", name=op.f("pk_seat_seen")),
        comment="One row per programme x learner ever listed in a membership snapshot, kept with the snapshot in the "
        "same transaction: the seats a later snapshot can miss (removed seats), without reading every earlier day.",
    )
    op.execute(
        "INSERT INTO seat_seen (program_slug, learner_key, first_seen) "
        "SELECT program_slug, learner_key, min(as_of_date) FROM snap_membership GROUP BY program_slug, learner_key"
    )


def downgrade() -> None:
    op.drop_table("seat_seen")
