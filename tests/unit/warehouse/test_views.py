"""The analysts' shortcuts (migration 0018): a `_latest` view shows only the newest complete as-of date, and
v_university_cohorts puts each cohort's newest figures side by side."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, insert, text

from dlsei.warehouse.schema import MEASURES, dim_seat_allocation, dim_university, mart_quota_utilisation, mart_refresh

D1, D2, D3 = date(2026, 3, 31), date(2026, 11, 19), date(2026, 11, 20)
# (as-of date, cohort, allocated, active_30d): cohort C1 ended on 31 March; C2 runs on. D3's marts are not
# published yet (no mart_refresh row): its rows are being written, the date is not complete.
ROWS = [(D1, "C1", 100, 60), (D2, "C2", 200, 50), (D3, "C2", 200, 80)]


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_university).values(
                university_id="U1", university_name="Alpha University", region="Punjab", sector="public"
            )
        )
        conn.execute(
            insert(dim_seat_allocation),
            [
                {
                    "university_id": "U1",
                    "cohort_id": "C1",
                    "cohort_start": date(2025, 10, 1),
                    "cohort_end": D1,
                    "seats": 100,
                },
                {
                    "university_id": "U1",
                    "cohort_id": "C2",
                    "cohort_start": date(2026, 9, 1),
                    "cohort_end": date(2027, 3, 31),
                    "seats": 200,
                },
            ],
        )
        for day, cohort, allocated, active in ROWS:
            counts = dict.fromkeys(MEASURES, 0) | {"allocated": allocated, "joined": active, "active_30d": active}
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=day,
                    university_id="U1",
                    cohort_id=cohort,
                    **counts | {"seats_held": active, "free_seats": allocated - active},
                    utilisation_pct=round(100 * active / allocated, 2),
                    join_rate_pct=round(100 * active / allocated, 2),
                    learning_hours=1.0,
                    data_complete_through=day,
                    load_id="test",
                )
            )
        conn.execute(
            insert(mart_refresh), [{"as_of_date": d, "through_file_id": 1, "load_id": "test"} for d in (D1, D2)]
        )


def test_latest_views_hold_the_newest_complete_date_only(warehouse: Engine) -> None:
    seed(warehouse)
    with warehouse.connect() as conn:
        national = conn.execute(
            text("SELECT as_of_date, allocated, utilisation_pct FROM v_utilisation_national_latest")
        ).all()
        rows = conn.execute(text("SELECT cohort_id, active_30d FROM v_quota_utilisation_latest")).all()
        university = conn.execute(
            text("SELECT university_name, utilisation_pct FROM v_utilisation_by_university_latest")
        ).all()
    assert [(date.fromisoformat(str(d)), a, u) for d, a, u in national] == [(D2, 200, 25.0)]
    assert rows == [("C2", 50)]
    assert university == [("Alpha University", 25.0)]


def test_university_cohorts_compare_each_cohort_on_its_newest_date(warehouse: Engine) -> None:
    seed(warehouse)
    with warehouse.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT cohort_id, as_of_date, cohort_running, allocated, utilisation_pct "
                "FROM v_university_cohorts ORDER BY cohort_start"
            )
        ).all()
    # C1's final figures (it ended on 31 March), C2's newest (D3: the mart's newest row of the cohort).
    assert [(c, date.fromisoformat(str(d)), r, a, u) for c, d, r, a, u in rows] == [
        ("C1", D1, 0, 100, 60.0),
        ("C2", D3, 1, 200, 40.0),
    ]
