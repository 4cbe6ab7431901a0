"""cost per outcome: dim_seat_allocation.seat_price and the v_cost_* views

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

HEC buys seats; what a seat buys is the question after "how many are used". The seat-allocation extract may carry a
price per seat (optional in the file). The views hold, for the priced allocations only, the cost per seat held, per
30-day-active seat, per completion and per learning hour, the budget burnt to date (the cost times the share of the
cohort window gone by), and the seats projected to end the cohort unused at the pace seats have been activated so far,
with their value; beside them the earlier phases' published baseline (0.25 million hours for 12,000 learners).
Counts summed, costs summed, every ratio recomputed from the sums (docs/measures.md, Cost per outcome).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

BASELINE_HOURS, BASELINE_LEARNERS = 250_000, 12_000
ROLLUPS = {
    "v_cost_by_allocation": ("c.university_id", "c.cohort_id", "c.region"),
    "v_cost_by_university": ("c.university_id",),
    "v_cost_by_cohort": ("c.cohort_id",),
    "v_cost_by_region": ("c.region",),
    "v_cost_national": (),
}


def _round(expression: str, places: int) -> str:
    return f"CAST(ROUND(CAST({expression} AS NUMERIC), {places}) AS FLOAT)"


def _per(cost: str, count: str) -> str:
    return _round(f"{cost} / NULLIF({count}, 0)", 2)


def _allocations(dialect: str) -> str:
    """One row per as-of date x priced allocation: its cost, the days of its window gone by, its projection."""
    if dialect == "postgresql":
        elapsed, days = "(m.as_of_date - a.cohort_start + 1)", "(a.cohort_end - a.cohort_start + 1)"
    else:
        elapsed = "(CAST(julianday(m.as_of_date) - julianday(a.cohort_start) AS INTEGER) + 1)"
        days = "(CAST(julianday(a.cohort_end) - julianday(a.cohort_start) AS INTEGER) + 1)"
    # Started seats (joined, with any activity) at the pace so far, never more than allocated; the whole window
    # gone by, they are what they are.
    pace = (
        f"CASE WHEN {elapsed} >= {days} THEN 1.0 * (m.active_30d + m.dormant) "
        f"ELSE 1.0 * (m.active_30d + m.dormant) * {days} / {elapsed} END"
    )
    projected = f"CASE WHEN {pace} > m.allocated THEN m.allocated ELSE {pace} END"
    burnt = f"CASE WHEN {elapsed} >= {days} THEN 1.0 ELSE 1.0 * {elapsed} / {days} END"
    return "\n".join(
        (
            "SELECT m.as_of_date, m.university_id, m.cohort_id, u.region, m.allocated, m.seats_held, m.joined,",
            "    m.active_30d, m.completions, m.learning_hours, m.allocated * a.seat_price AS cost,",
            f"    m.allocated * a.seat_price * {burnt} AS burn,",
            f"    m.allocated - ({projected}) AS unused,",
            f"    (m.allocated - ({projected})) * a.seat_price AS unused_value",
            "FROM mart_quota_utilisation m",
            "JOIN dim_seat_allocation a ON a.university_id = m.university_id AND a.cohort_id = m.cohort_id",
            "LEFT JOIN dim_university u ON u.university_id = m.university_id",
            "WHERE a.seat_price IS NOT NULL",
        )
    )


def cost_rollup(dialect: str, *keys: str) -> str:
    grouped = "".join(f", {key}" for key in keys)
    lines = (
        f"SELECT c.as_of_date{grouped},",
        "    COUNT(*) AS priced_allocations,",
        "    SUM(c.allocated) AS allocated, SUM(c.seats_held) AS seats_held, SUM(c.active_30d) AS active_30d,",
        "    SUM(c.completions) AS completions,",
        f"    {_round('SUM(c.learning_hours)', 2)} AS learning_hours,",
        f"    {_round('SUM(c.cost)', 2)} AS cost,",
        f"    {_per('SUM(c.cost)', 'SUM(c.seats_held)')} AS cost_per_seat_held,",
        f"    {_per('SUM(c.cost)', 'SUM(c.active_30d)')} AS cost_per_active_seat,",
        f"    {_per('SUM(c.cost)', 'SUM(c.completions)')} AS cost_per_completion,",
        f"    {_per('SUM(c.cost)', 'SUM(c.learning_hours)')} AS cost_per_learning_hour,",
        f"    {_round('SUM(c.burn)', 2)} AS budget_burn,",
        f"    {_round('100.0 * SUM(c.burn) / NULLIF(SUM(c.cost), 0)', 2)} AS budget_burn_pct,",
        f"    CAST({_round('SUM(c.unused)', 0)} AS INTEGER) AS projected_unused_seats,",
        f"    {_round('SUM(c.unused_value)', 2)} AS projected_unused_value,",
        f"    {_per('SUM(c.learning_hours)', 'SUM(c.joined)')} AS hours_per_learner,",
        f"    {_round(f'1.0 * {BASELINE_HOURS} / {BASELINE_LEARNERS}', 2)} AS baseline_hours_per_learner",
        f"FROM (\n{_allocations(dialect)}\n) c",
        f"GROUP BY c.as_of_date{grouped}",
    )
    return "\n".join(lines)


def upgrade() -> None:
    op.add_column(
        "dim_seat_allocation",
        sa.Column(
            "seat_price",
            sa.Float(),
            nullable=True,
            comment="the price of one seat of the allocation in the contract's currency; NULL: not in the extract",
        ),
    )
    dialect = op.get_bind().dialect.name
    for name, keys in ROLLUPS.items():
        op.execute(f"CREATE VIEW {name} AS\n{cost_rollup(dialect, *keys)}")
    if dialect == "postgresql":
        op.execute(f"GRANT SELECT ON {', '.join(ROLLUPS)} TO dlsei_analyst")


def downgrade() -> None:
    for name in ROLLUPS:
        op.execute(f"DROP VIEW {name}")
    # Not a batch: on SQLite that rebuilds the table, which views of other revisions read.
    op.execute("ALTER TABLE dim_seat_allocation DROP COLUMN seat_price")
