"""cost per outcome (dim_seat_allocation.seat_price, v_cost_*), skills coverage (v_skills_*), reconciliation_check

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03

HEC buys seats; what a seat buys is the question after "how many are used". The seat-allocation extract may carry a
price per seat (optional in the file). The views hold, for the priced allocations only, the cost per seat held, per
30-day-active seat, per completion and per learning hour, the budget burnt to date (the cost times the share of the
cohort window gone by), and the seats projected to end the cohort unused at the pace seats have been activated so far,
with their value; beside them the earlier phases' published baseline (0.25 million hours for 12,000 learners).
Counts summed, costs summed, every ratio recomputed from the sums (docs/measures.md, Cost per outcome).

Skills coverage: enrolments, completions and hours of the activity marts per university and nationally across
Coursera's 11 domains and the two content types, every domain and type listed (zeros included) so the skills the
seats do not buy show too.

Reconciliation: our joined seats and hours per programme beside the figures Coursera's membership export states,
kept per date in reconciliation_check (analysts may read it), the failures counted in each run's summary.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BASELINE_HOURS, BASELINE_LEARNERS = 250_000, 12_000
ANALYST_READS = ("reconciliation_check",)
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
            "    AND a.valid_from <= m.as_of_date AND (a.valid_to IS NULL OR a.valid_to > m.as_of_date)",
            "LEFT JOIN dim_university u ON u.university_id = m.university_id",
            "    AND u.valid_from <= m.as_of_date AND (u.valid_to IS NULL OR u.valid_to > m.as_of_date)",
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


DOMAINS = (
    "Arts and Humanities",
    "Business",
    "Computer Science",
    "Data Science",
    "Information Technology",
    "Health",
    "Math and Logic",
    "Personal Development",
    "Physical Science and Engineering",
    "Social Sciences",
    "Language Learning",
)
CONTENT_TYPES = ("course", "guided_project")
_CATEGORIES = "\nUNION ALL ".join(
    [*(f"SELECT 'domain' AS breakdown, '{d}' AS category" for d in DOMAINS)]
    + [f"SELECT 'content_type' AS breakdown, '{t}' AS category" for t in CONTENT_TYPES]
)
_ACTIVITY = (
    "SELECT as_of_date, university_id, 'domain' AS breakdown, domain AS category, enrolments, completions, "
    "learning_hours\nFROM mart_activity_by_domain\nUNION ALL\n"
    "SELECT as_of_date, university_id, 'content_type' AS breakdown, course_type AS category, enrolments, "
    "completions, learning_hours\nFROM mart_activity_by_course_type"
)
SKILLS = {"v_skills_by_university": ("university_id",), "v_skills_national": ()}


def skills(*keys: str) -> str:
    """Every domain and content type per as-of date (x university), with whatever else the marts hold
    (`unclassified`), zeros included."""
    g_keys = "".join(f", g.{key}" for key in keys)
    d_keys = "".join(f", {key}" for key in keys)
    join_keys = "".join(f" AND a.{key} = g.{key}" for key in keys)
    enrolments = "COALESCE(SUM(a.enrolments), 0)"
    all_enrolments = f"SUM({enrolments}) OVER (PARTITION BY g.as_of_date{g_keys}, g.breakdown)"
    return "\n".join(
        (
            f"WITH categories AS (\n{_CATEGORIES}\n), activity AS (\n{_ACTIVITY}\n), grid AS (",
            f"SELECT d.as_of_date{d_keys.replace(', ', ', d.')}, c.breakdown, c.category",
            f"FROM (SELECT DISTINCT as_of_date{d_keys}\nFROM mart_quota_utilisation) d CROSS JOIN categories c",
            "UNION",
            f"SELECT DISTINCT as_of_date{d_keys}, breakdown, category\nFROM activity",
            ")",
            f"SELECT g.as_of_date{g_keys}, g.breakdown, g.category,",
            f"    {enrolments} AS enrolments, COALESCE(SUM(a.completions), 0) AS completions,",
            f"    {_round('COALESCE(SUM(a.learning_hours), 0)', 2)} AS learning_hours,",
            f"    {_round(f'100.0 * {enrolments} / NULLIF({all_enrolments}, 0)', 2)} AS share_of_enrolments_pct,",
            f"    {_round(f'100.0 * COALESCE(SUM(a.completions), 0) / NULLIF({enrolments}, 0)', 2)} AS completion_pct",
            "FROM grid g",
            "LEFT JOIN activity a ON a.as_of_date = g.as_of_date AND a.breakdown = g.breakdown "
            f"AND a.category = g.category{join_keys}",
            f"GROUP BY g.as_of_date{g_keys}, g.breakdown, g.category",
        )
    )


def _reconciliation() -> None:
    op.create_table(
        "reconciliation_check",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (dim_programme.program_slug)",
        ),
        sa.Column("measure", sa.String(length=32), nullable=False, comment="members or learning_hours"),
        sa.Column(
            "ours",
            sa.Float(),
            nullable=False,
            comment="members: the programme's joined seats in fact_seat_day; learning_hours: the hours of its "
            "course-activity rows (what the marts sum)",
        ),
        sa.Column(
            "coursera",
            sa.Float(),
            nullable=False,
            comment="members: Member State MEMBER rows of the membership export; learning_hours: the membership "
            "export's hours per member, summed",
        ),
        sa.Column("difference", sa.Float(), nullable=False, comment="ours - coursera"),
        sa.Column(
            "tolerance",
            sa.Float(),
            nullable=False,
            comment="the largest difference accepted (the setting's share of coursera)",
        ),
        sa.Column("passed", sa.Boolean(), nullable=False, comment="False: the difference is beyond the tolerance"),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint("as_of_date", "program_slug", "measure", name=op.f("pk_reconciliation_check")),
        comment="One row per as-of date x programme x measure: our figure beside the one Coursera's exports state, "
        "and whether they agree within AIRFLOW_VAR_DLSEI_RECONCILIATION_TOLERANCE_PCT.",
    )
    op.add_column(
        "pipeline_run",
        sa.Column(
            "reconciliation_failures",
            sa.Integer(),
            nullable=True,
            comment="reconciliation_check rows the run wrote that failed",
        ),
    )
    op.add_column(
        "pipeline_run",
        sa.Column(
            "reconciliation_details",
            sa.Text(),
            nullable=True,
            comment="one line per failed reconciliation check: date, programme, measure, both figures",
        ),
    )


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
    _reconciliation()
    dialect = op.get_bind().dialect.name
    for name, keys in ROLLUPS.items():
        op.execute(f"CREATE VIEW {name} AS\n{cost_rollup(dialect, *keys)}")
    for name, keys in SKILLS.items():
        op.execute(f"CREATE VIEW {name} AS\n{skills(*keys)}")
    if dialect == "postgresql":
        op.execute(f"GRANT SELECT ON {', '.join([*ROLLUPS, *SKILLS, *ANALYST_READS])} TO dlsei_analyst")


def downgrade() -> None:
    for name in [*SKILLS, *ROLLUPS]:
        op.execute(f"DROP VIEW {name}")
    # Not a batch: on SQLite that rebuilds the table, which views of other revisions read.
    op.execute("ALTER TABLE dim_seat_allocation DROP COLUMN seat_price")
    op.execute("ALTER TABLE pipeline_run DROP COLUMN reconciliation_details")
    op.execute("ALTER TABLE pipeline_run DROP COLUMN reconciliation_failures")
    op.drop_table("reconciliation_check")
