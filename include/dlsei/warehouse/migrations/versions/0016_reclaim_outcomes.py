"""reclaim outcomes: the seats the weekly coordinator lists recommended and what became of them; digest watermarks

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

reclaim_recommendation holds one row per seat a list recommended (learner keys: the pipeline's, not the analysts');
v_reclaim_outcome counts them per university and cohort (recommended, acted on, seats freed, still open) for the
digests and the dashboard, and is granted to analysts. digest_watermark remembers what each coordinator's last digest
said, so a digest goes out only when something changed or the weekly reminder is due.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

OUTCOME_VIEW = """SELECT r.university_id, r.cohort_id,
    COUNT(*) AS recommended,
    SUM(CASE WHEN r.outcome IS NOT NULL THEN 1 ELSE 0 END) AS acted_on,
    SUM(CASE WHEN r.outcome = 'removed' THEN 1 ELSE 0 END) AS seats_freed,
    SUM(CASE WHEN r.outcome IS NULL THEN 1 ELSE 0 END) AS still_open,
    MIN(r.recommended_on) AS first_recommended_on,
    MAX(r.last_listed_on) AS last_listed_on
FROM reclaim_recommendation r
GROUP BY r.university_id, r.cohort_id"""


def upgrade() -> None:
    op.create_table(
        "reclaim_recommendation",
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (dim_programme.program_slug)",
        ),
        sa.Column(
            "learner_key", sa.String(length=64), nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"
        ),
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
            "reason",
            sa.String(length=32),
            nullable=False,
            comment="not_joined, never_started or dormant (the latest listing)",
        ),
        sa.Column(
            "recommended_on",
            sa.Date(),
            nullable=False,
            comment="the as-of date of the first weekly list naming the seat",
        ),
        sa.Column(
            "last_listed_on", sa.Date(), nullable=False, comment="the as-of date of the latest weekly list naming it"
        ),
        sa.Column(
            "outcome",
            sa.String(length=16),
            nullable=True,
            comment="removed (Coursera's export no longer lists the seat: a seat freed) or recovered (the learner is "
            "active again); NULL while open",
        ),
        sa.Column("outcome_on", sa.Date(), nullable=True, comment="the as-of date the outcome was first seen"),
        sa.PrimaryKeyConstraint("program_slug", "learner_key", name=op.f("pk_reclaim_recommendation")),
        comment="One row per seat a coordinator's weekly list recommended for reclaim: what became of it.",
    )
    op.create_table(
        "digest_watermark",
        sa.Column("recipient", sa.String(length=320), nullable=False, comment="the coordinator's e-mail address"),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column("sent_for", sa.Date(), nullable=False, comment="the as-of date of the last digest queued for it"),
        sa.Column("open_alerts", sa.Integer(), nullable=False, comment="open alerts that digest reported"),
        sa.Column("candidates", sa.Integer(), nullable=False, comment="reclaim candidates that digest reported"),
        sa.PrimaryKeyConstraint("recipient", "university_id", name=op.f("pk_digest_watermark")),
        comment="One row per coordinator x university: what the last digest said, so the next is sent only when "
        "something opened, worsened or closed, or the reminder is due.",
    )
    op.execute(f"CREATE VIEW v_reclaim_outcome AS\n{OUTCOME_VIEW}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT ON v_reclaim_outcome TO dlsei_analyst")


def downgrade() -> None:
    op.execute("DROP VIEW v_reclaim_outcome")
    op.drop_table("digest_watermark")
    op.drop_table("reclaim_recommendation")
