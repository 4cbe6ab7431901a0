"""analyst shortcuts: v_university_cohorts and a *_latest view of every dated analyst view

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03

Analysts wrote `WHERE as_of_date = (SELECT MAX(as_of_date) FROM ...)` in every query, and compared phases by hand.
Each dated view now has a `_latest` twin holding only the newest complete as-of date: the newest date whose marts
are published (mart_refresh, which only ever holds a date built from both exports), or for the public views the
newest date their suite let through. `v_university_cohorts` puts a university's cohorts side by side: each
cohort's figures on its newest published date (its final figures once the cohort has ended). The views select from
the views they shorten: a later revision that recreates one of those drops its `_latest` twin first.
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_PUBLISHED = "(SELECT MAX(as_of_date) FROM mart_refresh)"
_PUBLIC = "(SELECT MAX(as_of_date) FROM mart_public_rollup)"
LATEST = {
    "v_quota_utilisation": _PUBLISHED,
    "v_utilisation_by_university": _PUBLISHED,
    "v_utilisation_by_region": _PUBLISHED,
    "v_utilisation_by_sector": _PUBLISHED,
    "v_utilisation_national": _PUBLISHED,
    "v_learner_match": _PUBLISHED,
    "v_activity_by_domain": _PUBLISHED,
    "v_activity_by_course_type": _PUBLISHED,
    "v_public_by_region": _PUBLIC,
    "v_public_by_sector": _PUBLIC,
    "v_public_national": _PUBLIC,
}
COHORTS = """\
SELECT m.university_id, u.university_name, u.region, u.sector, m.cohort_id, a.cohort_start, a.cohort_end,
    m.as_of_date, CASE WHEN a.cohort_end > m.as_of_date THEN 1 ELSE 0 END AS cohort_running,
    m.allocated, m.invited, m.joined, m.seats_held, m.active_7d, m.active_30d, m.dormant, m.never_started,
    m.removed, m.free_seats, m.enrolments, m.completions, m.certificates,
    m.utilisation_pct, m.join_rate_pct, m.learning_hours
FROM mart_quota_utilisation m
JOIN (
    SELECT university_id, cohort_id, MAX(as_of_date) AS as_of_date
    FROM mart_quota_utilisation GROUP BY university_id, cohort_id
) newest ON newest.university_id = m.university_id AND newest.cohort_id = m.cohort_id
    AND newest.as_of_date = m.as_of_date
LEFT JOIN dim_university u ON u.university_id = m.university_id
    AND u.valid_from <= m.as_of_date AND (u.valid_to IS NULL OR u.valid_to > m.as_of_date)
LEFT JOIN dim_seat_allocation a ON a.university_id = m.university_id AND a.cohort_id = m.cohort_id
    AND a.valid_from <= m.as_of_date AND (a.valid_to IS NULL OR a.valid_to > m.as_of_date)"""


def upgrade() -> None:
    for view, newest in LATEST.items():
        op.execute(f"CREATE VIEW {view}_latest AS\nSELECT * FROM {view} WHERE as_of_date = {newest}")
    op.execute(f"CREATE VIEW v_university_cohorts AS\n{COHORTS}")
    if op.get_bind().dialect.name == "postgresql":
        names = ", ".join([*(f"{view}_latest" for view in LATEST), "v_university_cohorts"])
        op.execute(f"GRANT SELECT ON {names} TO dlsei_analyst")


def downgrade() -> None:
    op.execute("DROP VIEW v_university_cohorts")
    for view in LATEST:
        op.execute(f"DROP VIEW {view}_latest")
