"""The analysts' shortcuts (migration 0019): a `_latest` view shows only the newest complete as-of date, and
v_university_cohorts puts each cohort's newest figures side by side."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, insert, text
from warehouse_rows import ledger_file

from dlsei.warehouse.schema import (
    MEASURES,
    dim_person,
    dim_seat_allocation,
    dim_university,
    fact_seat_day,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_quota_utilisation,
    mart_refresh,
    snap_course_activity,
)

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


# --- equity (migration 0020) ------------------------------------------------------------------------------------
E1, E2 = date(2026, 11, 19), date(2026, 11, 20)
# (date, university, allocated, joined, active_30d, dormant, enrolments, completions)
EQUITY_MART = [
    (E1, "U1", 100, 40, 20, 10, 30, 5),
    (E1, "U2", 50, 10, 5, 1, 20, 2),
    (E2, "U1", 100, 50, 30, 10, 40, 10),
    (E2, "U2", 50, 10, 5, 1, 20, 2),
]
# (learner, person, state on E2, courses (completed?)): P1 a female student, P2 a male student, P3 faculty whose
# gender the registry does not record; L4 matched to nobody; L6 only invited (not a joined seat).
SEATS = [
    ("L1", "P1", "active", (True, False)),
    ("L2", "P2", "joined", ()),
    ("L3", "P3", "dormant", (True,)),
    ("L4", None, "active", ()),
    ("L6", "P2", "invited", ()),
]


def seed_equity(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_university),
            [
                {
                    "university_id": "U1",
                    "university_name": "Alpha",
                    "region": "Punjab",
                    "sector": "public",
                    "city": "Lahore",
                },
                {
                    "university_id": "U2",
                    "university_name": "Beta",
                    "region": "Sindh",
                    "sector": "private",
                    "city": None,
                },
            ],
        )
        conn.execute(
            insert(dim_person),
            [
                {
                    "person_key": p,
                    "email_key": p,
                    "cnic_key": p,
                    "university_id": "U1",
                    "role": role,
                    "status": "enrolled",
                    "gender": gender,
                }
                for p, role, gender in (("P1", "student", "female"), ("P2", "student", "male"), ("P3", "faculty", None))
            ],
        )
        for day, uid, allocated, joined, active, dormant, enrolments, completions in EQUITY_MART:
            counts = dict.fromkeys(MEASURES, 0) | {
                "allocated": allocated,
                "joined": joined,
                "active_30d": active,
                "dormant": dormant,
                "never_started": joined - active - dormant,
                "seats_held": joined,
                "free_seats": allocated - joined,
                "enrolments": enrolments,
                "completions": completions,
            }
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=day,
                    university_id=uid,
                    cohort_id="C1",
                    **counts,
                    learning_hours=0.0,
                    data_complete_through=day,
                    load_id="test",
                )
            )
        ledger_file(conn, 1, E2, kind="course_activity")
        for learner, person, state, courses in SEATS:
            conn.execute(
                insert(fact_seat_day).values(
                    as_of_date=E2,
                    program_slug="p1",
                    learner_key=learner,
                    state=state,
                    load_id="test",
                    person_key=person,
                    match_method="external_id" if person else "unmatched",
                )
            )
            for n, completed in enumerate(courses):
                conn.execute(
                    insert(snap_course_activity).values(
                        as_of_date=E2,
                        program_slug="p1",
                        learner_key=learner,
                        course_id=f"C{n}",
                        completed=completed,
                        has_certificate=False,
                        file_id=1,
                    )
                )


def equity(engine: Engine, dimension: str, day: date) -> dict[str, tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT group_name, utilisation_pct, activation_pct, completion_pct FROM v_equity "
                "WHERE dimension = :dimension AND as_of_date = :day"
            ),
            {"dimension": dimension, "day": day},
        ).all()
    return {group: tuple(values) for group, *values in rows}


def test_equity_by_university_attributes(warehouse: Engine) -> None:
    seed_equity(warehouse)
    # Punjab: 30 of 100 active, 40 of 50 joined started, 10 of 40 enrolments completed; Sindh 5/50, 6/10, 2/20.
    assert equity(warehouse, "region", E2) == {"Punjab": (30.0, 80.0, 25.0), "Sindh": (10.0, 60.0, 10.0)}
    assert equity(warehouse, "sector", E2) == {"public": (30.0, 80.0, 25.0), "private": (10.0, 60.0, 10.0)}
    assert equity(warehouse, "city", E2) == {"Lahore": (30.0, 80.0, 25.0), "not recorded": (10.0, 60.0, 10.0)}
    # Alpha has three registry people, Beta none.
    assert set(equity(warehouse, "size_band", E2)) == {"small (under 1,000)", "not recorded"}


def test_equity_by_role_and_gender_counts_matched_seats(warehouse: Engine) -> None:
    seed_equity(warehouse)
    # Students: L1 started, L2 never did (50%), 1 of L1's 2 enrolments completed; faculty: L3 started, 1 of 1.
    assert equity(warehouse, "role", E2) == {
        "student": (None, 50.0, 50.0),
        "faculty": (None, 100.0, 100.0),
        "not matched": (None, 100.0, None),
    }
    assert equity(warehouse, "gender", E2) == {
        "female": (None, 100.0, 50.0),
        "male": (None, 0.0, None),
        "not recorded": (None, 100.0, 100.0),
        "not matched": (None, 100.0, None),
    }


def test_the_gap_between_best_and_least_served_and_its_trend(warehouse: Engine) -> None:
    seed_equity(warehouse)
    with warehouse.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT as_of_date, best_group, best_pct, least_group, least_pct, gap_pp, gap_change_pp "
                "FROM v_equity_gap WHERE dimension = 'region' AND measure = 'utilisation_pct' ORDER BY as_of_date"
            )
        ).all()
        role = conn.execute(
            text(
                "SELECT best_group, least_group, gap_pp, groups_compared FROM v_equity_gap "
                "WHERE dimension = 'gender' AND measure = 'activation_pct'"
            )
        ).one()
    # Punjab 20% and Sindh 10% on E1 (10 points apart), 30% and 10% on E2: the gap widened by 10 points.
    assert [tuple(r)[1:] for r in rows] == [
        ("Punjab", 20.0, "Sindh", 10.0, 10.0, None),
        ("Punjab", 30.0, "Sindh", 10.0, 20.0, 10.0),
    ]
    # Not recorded and not matched are no group of their own: female 100% against male 0%.
    assert tuple(role) == ("female", "male", 100.0, 2)


# --- cost per outcome (migration 0021) --------------------------------------------------------------------------
C_START, C_END, C_DAY = date(2026, 9, 1), date(2026, 12, 9), date(2026, 10, 20)  # 100 days, the 50th
# university: region, seat price, (allocated, seats_held, active_30d, dormant, completions, learning_hours)
PRICED = {
    "U1": ("Punjab", 20.0, (100, 80, 25, 5, 25, 400.0)),
    "U2": ("Punjab", None, (60, 60, 60, 0, 60, 900.0)),  # no price in the extract: left out of every cost view
    "U3": ("Sindh", 10.0, (50, 10, 5, 0, 0, 0.0)),
}


def seed_costs(engine: Engine) -> None:
    with engine.begin() as conn:
        for uid, (region, price, (allocated, held, active, dormant, completions, hours)) in PRICED.items():
            conn.execute(
                insert(dim_university).values(university_id=uid, university_name=uid, region=region, sector="public")
            )
            conn.execute(
                insert(dim_seat_allocation).values(
                    university_id=uid,
                    cohort_id="C1",
                    cohort_start=C_START,
                    cohort_end=C_END,
                    seats=allocated,
                    seat_price=price,
                )
            )
            counts = dict.fromkeys(MEASURES, 0) | {
                "allocated": allocated,
                "seats_held": held,
                "joined": held,
                "active_30d": active,
                "dormant": dormant,
                "never_started": held - active - dormant,
                "free_seats": allocated - held,
                "completions": completions,
                "enrolments": completions,
            }
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=C_DAY,
                    university_id=uid,
                    cohort_id="C1",
                    **counts,
                    learning_hours=hours,
                    data_complete_through=C_DAY,
                    load_id="test",
                )
            )


COST_COLUMNS = (
    "cost, cost_per_seat_held, cost_per_active_seat, cost_per_completion, cost_per_learning_hour, budget_burn, "
    "budget_burn_pct, projected_unused_seats, projected_unused_value, hours_per_learner, baseline_hours_per_learner"
)


def test_cost_per_outcome_against_hand_computed_figures(warehouse: Engine) -> None:
    seed_costs(warehouse)
    with warehouse.connect() as conn:
        u1 = conn.execute(text(f"SELECT {COST_COLUMNS} FROM v_cost_by_university WHERE university_id = 'U1'")).one()
        national = conn.execute(text(f"SELECT priced_allocations, {COST_COLUMNS} FROM v_cost_national")).one()
        regions = dict(conn.execute(text("SELECT region, cost FROM v_cost_by_region")).all())
        unpriced = conn.execute(text("SELECT COUNT(*) FROM v_cost_by_allocation WHERE university_id = 'U2'")).scalar()
    # U1: 100 seats at 20 = 2000; 80 held (25.00 each), 25 active (80.00), 25 completions (80.00), 400 hours (5.00).
    # Half the window gone: 1000 burnt (50%). 30 seats started in 50 of 100 days: 60 by the end, 40 unused (800).
    # 400 hours over 80 joined learners = 5 per learner, against the earlier phases' 250,000 / 12,000 = 20.83.
    assert tuple(u1) == (2000.0, 25.0, 80.0, 80.0, 5.0, 1000.0, 50.0, 40, 800.0, 5.0, 20.83)
    # With U3 (50 at 10 = 500; 5 started: 10 by the end, 40 unused, 400), U2 unpriced and left out:
    # 2500 over 90 held (27.78), 30 active (83.33), 25 completions (100.00), 400 hours (6.25).
    assert tuple(national) == (2, 2500.0, 27.78, 83.33, 100.0, 6.25, 1250.0, 50.0, 80, 1200.0, 4.44, 20.83)
    assert regions == {"Punjab": 2000.0, "Sindh": 500.0}
    assert unpriced == 0


# --- skills coverage (migration 0021) -----------------------------------------------------------------------------
def seed_skills(engine: Engine) -> None:
    with engine.begin() as conn:
        for uid in ("U1", "U2"):
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=E2,
                    university_id=uid,
                    cohort_id="C1",
                    **dict.fromkeys(MEASURES, 0),
                    learning_hours=0.0,
                    data_complete_through=E2,
                    load_id="test",
                )
            )
        common = {
            "as_of_date": E2,
            "cohort_id": "C1",
            "active_learners": 1,
            "data_complete_through": E2,
            "load_id": "t",
        }
        conn.execute(
            insert(mart_activity_by_domain),
            [
                common
                | {
                    "university_id": "U1",
                    "domain": "Data Science",
                    "enrolments": 6,
                    "completions": 3,
                    "learning_hours": 10.0,
                },
                common
                | {
                    "university_id": "U1",
                    "domain": "Business",
                    "enrolments": 2,
                    "completions": 0,
                    "learning_hours": 1.5,
                },
                common
                | {
                    "university_id": "U2",
                    "domain": "Data Science",
                    "enrolments": 2,
                    "completions": 1,
                    "learning_hours": 4.0,
                },
                common
                | {
                    "university_id": "U2",
                    "domain": "unclassified",
                    "enrolments": 2,
                    "completions": 0,
                    "learning_hours": 0.5,
                },
            ],
        )
        conn.execute(
            insert(mart_activity_by_course_type),
            [
                common
                | {
                    "university_id": "U1",
                    "course_type": "course",
                    "enrolments": 8,
                    "completions": 3,
                    "learning_hours": 11.5,
                },
                common
                | {
                    "university_id": "U2",
                    "course_type": "guided_project",
                    "enrolments": 4,
                    "completions": 1,
                    "learning_hours": 4.5,
                },
            ],
        )


def test_skills_coverage_lists_every_domain_and_content_type(warehouse: Engine) -> None:
    seed_skills(warehouse)
    with warehouse.connect() as conn:
        national = {
            (b, c): tuple(v)
            for b, c, *v in conn.execute(
                text(
                    "SELECT breakdown, category, enrolments, completions, learning_hours, share_of_enrolments_pct, "
                    "completion_pct FROM v_skills_national"
                )
            ).all()
        }
        u1 = conn.execute(
            text(
                "SELECT category, share_of_enrolments_pct FROM v_skills_by_university "
                "WHERE university_id = 'U1' AND breakdown = 'domain' AND enrolments > 0 ORDER BY category"
            )
        ).all()
    # 11 domains, the catalogue's unclassified, 2 content types; Data Science 8 of the 12 enrolments, 4 completed.
    assert len(national) == 14
    assert national[("domain", "Data Science")] == (8, 4, 14.0, 66.67, 50.0)
    assert national[("domain", "Health")] == (0, 0, 0.0, 0.0, None)
    assert national[("domain", "unclassified")] == (2, 0, 0.5, 16.67, 0.0)
    assert national[("content_type", "guided_project")] == (4, 1, 4.5, 33.33, 25.0)
    assert u1 == [("Business", 25.0), ("Data Science", 75.0)]
