"""equity: dim_person.gender, v_equity by region, sector, city, size band, role and gender, v_equity_gap

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03

HEC's aim is maximum utilisation across the country: who is served least is a measure, not a query each analyst
writes. `v_equity` has utilisation, activation and completion per group of six dimensions; `v_equity_gap` the gap
between the best- and the least-served group per as-of date, and its change since the previous published date.
The registry's people extract may carry a gender (optional in the file); people without one are `not recorded`.
University dimensions come from the utilisation mart; role and gender from the seats matched to the registry
(fact_seat_day), so they count seats, not allocations, and have no utilisation.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

NOT_RECORDED = "'not recorded'"
NOT_MATCHED = "'not matched'"
# Registry people (any status) per university; the bands of docs/measures.md.
SIZE_BAND = (
    "CASE WHEN s.people >= 10000 THEN 'large (10,000 or more)' "
    "WHEN s.people >= 1000 THEN 'medium (1,000 to 9,999)' "
    f"WHEN s.people >= 1 THEN 'small (under 1,000)' ELSE {NOT_RECORDED} END"
)
UNIVERSITY_GROUPS = {
    "region": f"COALESCE(u.region, {NOT_RECORDED})",
    "sector": f"COALESCE(u.sector, {NOT_RECORDED})",
    "city": f"COALESCE(u.city, {NOT_RECORDED})",
    "size_band": SIZE_BAND,
}
PERSON_GROUPS = {
    "role": f"COALESCE(p.role, {NOT_MATCHED})",
    "gender": f"CASE WHEN p.person_key IS NULL THEN {NOT_MATCHED} ELSE COALESCE(p.gender, {NOT_RECORDED}) END",
}


def _university_part(dimension: str, group: str) -> str:
    return (
        f"SELECT m.as_of_date, '{dimension}' AS dimension, {group} AS group_name, SUM(m.allocated) AS allocated, "
        "SUM(m.joined) AS joined, SUM(m.active_30d) + SUM(m.dormant) AS started, SUM(m.active_30d) AS active_30d, "
        "SUM(m.enrolments) AS enrolments, SUM(m.completions) AS completions\n"
        # The registry versions valid on the row's date (revision 0011); a university's size is its people now.
        "FROM mart_quota_utilisation m LEFT JOIN dim_university u ON u.university_id = m.university_id\n"
        "    AND u.valid_from <= m.as_of_date AND (u.valid_to IS NULL OR u.valid_to > m.as_of_date)\n"
        "LEFT JOIN (SELECT university_id, COUNT(*) AS people\nFROM dim_person WHERE valid_to IS NULL "
        "GROUP BY university_id) s "
        "ON s.university_id = m.university_id\n"
        f"GROUP BY m.as_of_date, {group}"
    )


def _person_part(dimension: str, group: str) -> str:
    # Seats in a state of a joined member; enrolments of the same seats (the course rows of A's snapshot).
    seats = (
        f"SELECT f.as_of_date, {group} AS group_name, "
        # Equalities, not IN: PostgreSQL prints `IN` on a varchar as `= ANY (ARRAY[...])`, which reads back as a
        # different definition, and the test warehouses are made by replaying a dump (tests/conftest.py).
        "SUM(CASE WHEN f.state = 'joined' OR f.state = 'active' OR f.state = 'dormant' THEN 1 ELSE 0 END) AS joined, "
        "SUM(CASE WHEN f.state = 'active' OR f.state = 'dormant' THEN 1 ELSE 0 END) AS started, "
        "SUM(CASE WHEN f.state = 'active' THEN 1 ELSE 0 END) AS active_30d\n"
        "FROM fact_seat_day f LEFT JOIN dim_person p ON p.person_key = f.person_key\n"
        "    AND p.valid_from <= f.as_of_date AND (p.valid_to IS NULL OR p.valid_to > f.as_of_date)\n"
        f"GROUP BY f.as_of_date, {group}"
    )
    enrolments = (
        f"SELECT c.as_of_date, {group} AS group_name, COUNT(*) AS enrolments, "
        "SUM(CASE WHEN c.completed THEN 1 ELSE 0 END) AS completions\n"
        "FROM snap_course_activity c JOIN fact_seat_day f ON f.as_of_date = c.as_of_date "
        "AND f.program_slug = c.program_slug AND f.learner_key = c.learner_key\n"
        "LEFT JOIN dim_person p ON p.person_key = f.person_key\n"
        "    AND p.valid_from <= f.as_of_date AND (p.valid_to IS NULL OR p.valid_to > f.as_of_date)\n"
        f"GROUP BY c.as_of_date, {group}"
    )
    return (
        f"SELECT s.as_of_date, '{dimension}' AS dimension, s.group_name, NULL AS allocated, s.joined, s.started, "
        "s.active_30d, COALESCE(e.enrolments, 0) AS enrolments, COALESCE(e.completions, 0) AS completions\n"
        f"FROM ({seats}) s\nLEFT JOIN ({enrolments}) e ON e.as_of_date = s.as_of_date AND e.group_name = s.group_name"
    )


def _percent(part: str, whole: str) -> str:
    return f"CAST(ROUND(100.0 * {part} / NULLIF({whole}, 0), 2) AS FLOAT)"


def equity() -> str:
    parts = [_university_part(d, g) for d, g in UNIVERSITY_GROUPS.items()]
    parts += [_person_part(d, g) for d, g in PERSON_GROUPS.items()]
    union = "\nUNION ALL\n".join(parts)
    return (
        "SELECT g.as_of_date, g.dimension, g.group_name, g.allocated, g.joined, g.started, g.active_30d, "
        "g.enrolments, g.completions,\n"
        f"    {_percent('g.active_30d', 'g.allocated')} AS utilisation_pct,\n"
        f"    {_percent('g.started', 'g.joined')} AS activation_pct,\n"
        f"    {_percent('g.completions', 'g.enrolments')} AS completion_pct\n"
        f"FROM (\n{union}\n) g"
    )


MEASURES = ("utilisation_pct", "activation_pct", "completion_pct")


def equity_gap() -> str:
    values = "\nUNION ALL\n".join(
        f"SELECT as_of_date, dimension, '{m}' AS measure, group_name, {m} AS value\nFROM v_equity "
        f"WHERE {m} IS NOT NULL AND group_name <> {NOT_RECORDED} AND group_name <> {NOT_MATCHED}"
        for m in MEASURES
    )
    gaps = (
        "SELECT as_of_date, dimension, measure, COUNT(*) AS groups_compared, MAX(value) AS best_pct, "
        "MIN(value) AS least_pct, CAST(ROUND(CAST(MAX(value) - MIN(value) AS NUMERIC), 2) AS FLOAT) AS gap_pp\n"
        "FROM v GROUP BY as_of_date, dimension, measure"
    )
    return "\n".join(("WITH v AS (", values, "), gaps AS (", gaps, ")", _GAP_ROWS))


_GAP_ROWS = (
    "SELECT g.as_of_date, g.dimension, g.measure, g.groups_compared,\n"
    "    (SELECT MIN(b.group_name)\n    FROM v b WHERE b.as_of_date = g.as_of_date AND b.dimension = g.dimension "
    "AND b.measure = g.measure AND b.value = g.best_pct) AS best_group,\n"
    "    g.best_pct,\n"
    "    (SELECT MIN(l.group_name)\n    FROM v l WHERE l.as_of_date = g.as_of_date AND l.dimension = g.dimension "
    "AND l.measure = g.measure AND l.value = g.least_pct) AS least_group,\n"
    "    g.least_pct, g.gap_pp,\n"
    "    CAST(ROUND(CAST(g.gap_pp - LAG(g.gap_pp) OVER (PARTITION BY g.dimension, g.measure "
    "ORDER BY g.as_of_date) AS NUMERIC), 2) AS FLOAT) AS gap_change_pp\n"
    "FROM gaps g"
)


def upgrade() -> None:
    op.add_column(
        "dim_person",
        sa.Column(
            "gender",
            sa.String(length=16),
            nullable=True,
            comment="female, male or other, where the registry records it; NULL: not recorded",
        ),
    )
    op.execute(f"CREATE VIEW v_equity AS\n{equity()}")
    op.execute(f"CREATE VIEW v_equity_gap AS\n{equity_gap()}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("GRANT SELECT ON v_equity, v_equity_gap TO dlsei_analyst")


def downgrade() -> None:
    op.execute("DROP VIEW v_equity_gap")
    op.execute("DROP VIEW v_equity")
    # Not a batch: on SQLite that rebuilds the table, which views of other revisions read.
    op.execute("ALTER TABLE dim_person DROP COLUMN gender")
