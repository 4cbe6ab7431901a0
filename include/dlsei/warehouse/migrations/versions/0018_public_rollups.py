"""publication-safe roll-ups: mart_public_rollup and the v_public_by_region, v_public_by_sector, v_public_national views

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

Regional, sector and national figures go to ministries, parliament questions and the press. Their small cells are
withheld by a threshold k that is a setting (AIRFLOW_VAR_DLSEI_PUBLIC_MIN_CELL), and by secondary suppression that
SQL cannot state, so the pipeline writes the suppressed figures to a table with the marts (publish/public.py); the
views are the stable names analysts and the monthly report read. Analysts are granted the views and the table.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_MEASURES = {
    "allocated": "seats HEC allocated to the university for the cohort",
    "invited": "memberships with Member State INVITED (invitation not accepted yet)",
    "joined": "memberships with Member State MEMBER",
    "seats_held": "invited + joined",
    "active_7d": "joined memberships whose last activity day is A-6 or later",
    "active_30d": "joined memberships whose last activity day is A-29 or later",
    "dormant": "joined memberships whose last activity day is before A-29",
    "never_started": "joined memberships with no activity at all",
    "removed": "memberships seen in a snapshot up to A and missing from A's (reclaimed seats)",
    "free_seats": "allocated - seats_held (negative when more seats are held than allocated)",
    "enrolments": "learner x course rows of the cohort's programmes in A's snapshot",
    "completions": "enrolments marked Completed",
    "certificates": "enrolments with a certificate",
}
FIGURES = (*_MEASURES, "learning_hours", "utilisation_pct", "join_rate_pct", "cells_suppressed", "min_cell")
ANALYST_READS = ("mart_public_rollup",)
VIEWS = {"v_public_by_region": "region", "v_public_by_sector": "sector", "v_public_national": "national"}


def upgrade() -> None:
    op.create_table(
        "mart_public_rollup",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column("breakdown", sa.String(length=16), nullable=False, comment="region, sector or national"),
        sa.Column(
            "category",
            sa.String(length=64),
            nullable=False,
            comment="the region or sector (not recorded: a university the registry lacks); national for the total",
        ),
        *(
            sa.Column(m, sa.Integer(), nullable=True, comment=f"{comment}, summed; NULL when suppressed")
            for m, comment in _MEASURES.items()
        ),
        sa.Column(
            "learning_hours",
            sa.Float(),
            nullable=True,
            comment="hours learners spent, summed, 2 decimals; NULL when suppressed",
        ),
        sa.Column(
            "utilisation_pct",
            sa.Float(),
            nullable=True,
            comment="100 * active_30d / allocated, 2 decimals; NULL when either is suppressed",
        ),
        sa.Column(
            "join_rate_pct",
            sa.Float(),
            nullable=True,
            comment="100 * joined / allocated, 2 decimals; NULL when either is suppressed",
        ),
        sa.Column(
            "cells_suppressed", sa.Integer(), nullable=False, comment="how many of the row's figures are withheld"
        ),
        sa.Column(
            "min_cell",
            sa.Integer(),
            nullable=False,
            comment="k: the smallest count published (AIRFLOW_VAR_DLSEI_PUBLIC_MIN_CELL)",
        ),
        sa.Column(
            "data_complete_through",
            sa.Date(),
            nullable=False,
            comment="the date the row's data is complete through (= as_of_date)",
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint("as_of_date", "breakdown", "category", name=op.f("pk_mart_public_rollup")),
        comment="One row per as-of date x region, sector and the nation: the utilisation roll-ups with every count "
        "below k withheld, and further cells withheld so that no withheld figure follows from a total or a "
        "difference.",
    )
    for name, breakdown in VIEWS.items():
        key = "" if breakdown == "national" else f"category AS {breakdown}, "
        op.execute(
            f"CREATE VIEW {name} AS\nSELECT as_of_date, {key}{', '.join(FIGURES)}, data_complete_through\n"
            f"FROM mart_public_rollup WHERE breakdown = '{breakdown}'"
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON {', '.join([*ANALYST_READS, *VIEWS])} TO dlsei_analyst")


def downgrade() -> None:
    for name in VIEWS:
        op.execute(f"DROP VIEW {name}")
    op.drop_table("mart_public_rollup")
