"""The publication-safe roll-ups in a real warehouse: computed from the utilisation mart's roll-up views, small cells
withheld, checked by the public suite and read back through the v_public_* views."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, insert, select
from warehouse_rows import at

from dlsei.publish.public import refresh_public
from dlsei.quality.disclosure import COUNTS
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import MEASURES, dim_university, dq_result, mart_quota_utilisation
from dlsei.warehouse.views import v_public_by_region, v_public_by_sector, v_public_national

A = date(2026, 11, 20)
# university: region, sector, (allocated, invited, active_30d, dormant, never_started, removed)
UNIVERSITIES = {
    "U1": ("Punjab", "public", (300, 40, 120, 30, 20, 20)),
    "U2": ("Punjab", "private", (100, 10, 40, 10, 10, 6)),
    "U3": ("Sindh", "public", (200, 20, 60, 25, 15, 3)),
    "U4": ("Sindh", "private", (100, 10, 30, 10, 10, 0)),
    "U5": ("Balochistan", "public", (100, 10, 30, 10, 10, 12)),
}


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        for uid, (region, sector, figures) in UNIVERSITIES.items():
            conn.execute(
                insert(dim_university).values(
                    university_id=uid, university_name=f"University {uid}", region=region, sector=sector
                )
            )
            allocated, invited, active, dormant, never, removed = figures
            joined = active + dormant + never
            counts = dict.fromkeys(MEASURES, 50) | {
                "allocated": allocated,
                "invited": invited,
                "joined": joined,
                "active_30d": active,
                "active_7d": active // 2,
                "dormant": dormant,
                "never_started": never,
                "removed": removed,
                "seats_held": invited + joined,
                "free_seats": allocated - invited - joined,
            }
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=A,
                    university_id=uid,
                    cohort_id="C1",
                    **counts,
                    utilisation_pct=round(100 * active / allocated, 2),
                    join_rate_pct=round(100 * joined / allocated, 2),
                    learning_hours=100.25,
                    data_complete_through=A,
                    load_id="test",
                )
            )


def run() -> RunContext:
    return RunContext(load_id="test/public", logical_dt=at(A + timedelta(days=1), 480), settings=load_settings())


def test_the_public_views_withhold_small_cells_and_what_would_give_them_back(
    warehouse: Engine, dlsei_env: Path
) -> None:
    seed(warehouse)

    report = refresh_public(warehouse, run(), A)

    assert report.passed
    with warehouse.connect() as conn:
        regions = pd.DataFrame(conn.execute(select(v_public_by_region).order_by("region")).mappings().all())
        sectors = pd.DataFrame(conn.execute(select(v_public_by_sector).order_by("sector")).mappings().all())
        national = conn.execute(select(v_public_national)).mappings().one()
        checks = (
            conn.execute(
                select(dq_result.c.success).where(
                    dq_result.c.suite == "mart_public_rollup", dq_result.c.source.contains(str(A))
                )
            )
            .scalars()
            .all()
        )
    regions = regions.set_index("region")
    # Removed seats by region: Balochistan 12, Punjab 26, Sindh 3 + 0 = 3 (< 5, withheld); nationally 41.
    # Withheld alone Sindh's 3 would be 41 - 26 - 12: Balochistan's 12, the smaller region, is withheld with it.
    assert regions["removed"].isna().to_dict() == {"Balochistan": True, "Punjab": False, "Sindh": True}
    assert regions.loc["Punjab", "removed"] == 26
    assert national["removed"] == 41
    # By sector: public 35 and private 6, both published.
    assert sectors.set_index("sector")["removed"].to_dict() == {"private": 6, "public": 35}
    # The rest is published as the roll-up views compute it.
    assert regions.loc["Punjab", "allocated"] == 400
    assert regions.loc["Punjab", "utilisation_pct"] == 40.0
    assert national["allocated"] == 800 and national["cells_suppressed"] == 0
    assert regions["cells_suppressed"].to_dict() == {"Balochistan": 1, "Punjab": 0, "Sindh": 1}
    assert set(regions["min_cell"]) == {5}
    published = pd.concat([regions[list(COUNTS)], sectors[list(COUNTS)]]).stack().dropna()
    assert (published >= 5).all()
    assert checks and all(checks)


def test_a_larger_k_withholds_more(warehouse: Engine, dlsei_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_PUBLIC_MIN_CELL", "7")
    seed(warehouse)

    refresh_public(warehouse, run(), A)

    with warehouse.connect() as conn:
        sectors = dict(conn.execute(select(v_public_by_sector.c.sector, v_public_by_sector.c.removed)).all())
        min_cell = conn.execute(select(v_public_national.c.min_cell)).scalar_one()
    # private 6 < 7 withheld, and public with it: otherwise 41 - public gives it back.
    assert sectors == {"private": None, "public": None}
    assert min_cell == 7
