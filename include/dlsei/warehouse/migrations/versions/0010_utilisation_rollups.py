"""utilisation rolled up once: v_utilisation_by_university beside the region, sector and national views

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03

The per-university roll-up was computed in Python by the status page, the demo summary and the alert digests, each
with its own rounding (1 decimal on the status page, 2 elsewhere). It is now a view, built by the same function as
the region, sector and national views, which this revision recreates from it (their SQL and columns unchanged), so
every roll-up of the utilisation mart is defined here once: counts summed, ratios recomputed from the sums and
rounded to 2 decimals. Analysts are granted the new view.
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_COUNTS = (
    "allocated",
    "invited",
    "joined",
    "seats_held",
    "active_7d",
    "active_30d",
    "dormant",
    "never_started",
    "removed",
    "free_seats",
    "enrolments",
    "completions",
    "certificates",
)


def _percent(part: str) -> str:
    # Recomputed from the summed counts, never an average of the rows' percentages. 100.0 makes the division
    # NUMERIC on PostgreSQL (whose ROUND to places takes only NUMERIC) and REAL on SQLite.
    return f"CAST(ROUND(100.0 * SUM(m.{part}) / NULLIF(SUM(m.allocated), 0), 2) AS FLOAT)"


def utilisation_rollup(*keys: str) -> str:
    """The utilisation mart (m) summed over the university x cohort rows of each as-of date x `keys`: columns of m
    or of dim_university (u); none for the national total."""
    grouped = "".join(f", {key}" for key in keys)
    sums = "".join(f"    SUM(m.{count}) AS {count},\n" for count in _COUNTS)
    return (
        f"SELECT m.as_of_date{grouped},\n"
        "    COUNT(*) AS allocations,\n"
        f"{sums}"
        f"    {_percent('active_30d')} AS utilisation_pct,\n"
        f"    {_percent('joined')} AS join_rate_pct,\n"
        "    CAST(ROUND(CAST(SUM(m.learning_hours) AS NUMERIC), 2) AS FLOAT) AS learning_hours,\n"
        "    MIN(m.data_complete_through) AS data_complete_through\n"
        "FROM mart_quota_utilisation m LEFT JOIN dim_university u ON u.university_id = m.university_id\n"
        f"GROUP BY m.as_of_date{grouped}"
    )


ROLLUPS = {
    # m.university_id: a university missing from the registry still gets its own row.
    "v_utilisation_by_university": ("m.university_id", "u.university_name", "u.region", "u.sector"),
    "v_utilisation_by_region": ("u.region",),
    "v_utilisation_by_sector": ("u.sector",),
    "v_utilisation_national": (),
}
NEW = "v_utilisation_by_university"


def upgrade() -> None:
    for name, keys in ROLLUPS.items():
        if name != NEW:
            op.execute(f"DROP VIEW {name}")
        op.execute(f"CREATE VIEW {name} AS\n{utilisation_rollup(*keys)}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON {', '.join(ROLLUPS)} TO dlsei_analyst")


def downgrade() -> None:
    op.execute(f"DROP VIEW {NEW}")
