"""The registry's optional columns: the people extract's gender (kept where recorded, not recorded where blank or
absent) and the seat-allocation extract's seat price."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, insert, select
from warehouse_rows import at

from dlsei.ingest.registry import RegistryLoader
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dim_person, dim_seat_allocation, dim_university

HEADER = "roll_number,cnic,full_name,email,university_id,role,status,status_date"
PEOPLE = [
    "PU-1,35202-1234567-2,Ayesha Siddiqui,ayesha@pu.edu.pk,PU,student,enrolled,2023-01-15",
    "PU-2,35202-1234567-3,Bilal Ahmed,bilal@pu.edu.pk,PU,faculty,enrolled,2019-09-01",
]


def load(engine: Engine, path: Path) -> list[str | None]:
    run = RunContext(load_id="test/registry", logical_dt=at(date(2026, 11, 20), 480), settings=load_settings())
    with engine.begin() as conn:
        loaded = RegistryLoader(run, path.name, "people", date(2026, 11, 20)).load(conn, path, 1)
        assert all(report.passed for report in loaded.quality)
        return list(conn.execute(select(dim_person.c.gender).order_by(dim_person.c.role.desc())).scalars())


def test_gender_is_kept_where_recorded(warehouse: Engine, dlsei_env: Path, tmp_path: Path) -> None:
    path = tmp_path / "hec_people_2026-11-20.csv"
    path.write_text("\n".join([f"{HEADER},gender", f"{PEOPLE[0]},female", f"{PEOPLE[1]},"]) + "\n")
    assert load(warehouse, path) == ["female", None]


def test_an_extract_without_the_gender_column_loads_as_not_recorded(
    warehouse: Engine, dlsei_env: Path, tmp_path: Path
) -> None:
    path = tmp_path / "hec_people_2026-11-20.csv"
    path.write_text("\n".join([HEADER, *PEOPLE]) + "\n")
    assert load(warehouse, path) == [None, None]


ALLOCATIONS = "university_id,cohort_id,cohort_start,cohort_end,seats"


def test_a_seat_price_is_kept_where_the_extract_has_one(warehouse: Engine, dlsei_env: Path, tmp_path: Path) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            insert(dim_university).values(university_id="PU", university_name="PU", region="Punjab", sector="public")
        )
    path = tmp_path / "hec_seat_allocations_2026-11-20.csv"
    path.write_text(
        f"{ALLOCATIONS},seat_price\nPU,C1,2026-09-01,2027-01-31,100,24.50\nPU,C2,2027-02-01,2027-06-30,50,\n"
    )
    run = RunContext(load_id="test/registry", logical_dt=at(date(2026, 11, 20), 480), settings=load_settings())
    with warehouse.begin() as conn:
        loaded = RegistryLoader(run, path.name, "seat_allocations", date(2026, 11, 20)).load(conn, path, 1)
        prices = dict(conn.execute(select(dim_seat_allocation.c.cohort_id, dim_seat_allocation.c.seat_price)).all())
    assert all(report.passed for report in loaded.quality)
    assert prices == {"C1": 24.5, "C2": None}
