"""Registry extracts land as type-2 history: each extract says what was true from its date until the next one, a
late extract of an earlier date rewrites only its own span, and a people file changing too many people at once
waits in quarantine until a person confirms it. Hostile extracts in the same landing run are refused with a reason
that names them (UTF-16, NUL bytes), and a catalogue with a 1 MB course name still loads."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, func, insert, select
from warehouse_rows import at

from dlsei.cli import main
from dlsei.ingest.landing import landing_from_url
from dlsei.ingest.ledger import LOADED, QUARANTINED
from dlsei.ingest.registry import RegistryLoader, ingest_registry
from dlsei.resources import Resources, resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dim_course, dim_person, dim_seat_allocation, dim_university, registry_change

UNIVERSITIES = [
    ["U1", "Uni One", "Sindh", "public", "Karachi", "c1@u1.edu.pk"],
    ["U2", "Uni Two", "Punjab", "private", "", ""],
]
STUDENT = ("student", "enrolled", "2025-09-01")


def _csv(header: tuple[str, ...] | list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([list(header), *rows])
    return buffer.getvalue().encode()


def allocations_file(seats: int) -> bytes:
    return _csv(
        ("university_id", "cohort_id", "cohort_start", "cohort_end", "seats"),
        [["U1", "C1", "2026-08-01", "2027-01-31", str(seats)]],
    )


def people_file(people: int, moved: int = 0) -> bytes:
    """`people` students of U1 (U2 for the first `moved`)."""
    return _csv(
        ("roll_number", "cnic", "full_name", "email", "university_id", "role", "status", "status_date"),
        [
            [f"R{i:03d}", f"35202-{i:07d}-1", f"Person {i}", f"p{i}@u.edu.pk", "U2" if i < moved else "U1", *STUDENT]
            for i in range(people)
        ],
    )


def land(res: Resources, files: dict[str, bytes], day: date) -> dict[str, str]:
    for name, data in files.items():
        res.landing.put(f"incoming/{name}", data)
    run = RunContext(
        load_id=f"test/registry-{day}",
        logical_dt=datetime(day.year, day.month, day.day, 9, tzinfo=KARACHI),
        settings=load_settings(),
    )
    return {o.file_name: o.status for o in ingest_registry(run, res).outcomes}


def universities(day: str) -> dict[str, bytes]:
    header = ("university_id", "university_name", "region", "sector", "city", "coordinator_email")
    return {f"hec_universities_{day}.csv": _csv(header, UNIVERSITIES)}


@pytest.fixture
def res(dlsei_env: Path, warehouse: Engine) -> Resources:
    return resources()


def _versions(res: Resources) -> list[tuple[int, str, str | None]]:
    a = dim_seat_allocation
    with res.warehouse.connect() as conn:
        rows = conn.execute(select(a.c.seats, a.c.valid_from, a.c.valid_to).order_by(a.c.valid_from)).all()
    return [(seats, str(start), str(end) if end else None) for seats, start, end in rows]


def test_extracts_build_versions_and_a_late_extract_rewrites_only_its_span(res: Resources) -> None:
    assert land(
        res,
        universities("2026-10-01") | {"hec_seat_allocations_2026-10-01.csv": allocations_file(10)},
        date(2026, 10, 1),
    ) == {"hec_universities_2026-10-01.csv": LOADED, "hec_seat_allocations_2026-10-01.csv": LOADED}
    assert _versions(res) == [(10, "1900-01-01", None)]  # the first extract stands for every earlier date
    land(res, {"hec_seat_allocations_2026-11-01.csv": allocations_file(12)}, date(2026, 11, 1))
    land(res, {"hec_seat_allocations_2026-11-02.csv": allocations_file(12)}, date(2026, 11, 2))  # no change
    assert _versions(res) == [(10, "1900-01-01", "2026-11-01"), (12, "2026-11-01", None)]
    # A corrected extract of 15 October arrives late: only 15-31 October change.
    land(res, {"hec_seat_allocations_2026-10-15.csv": allocations_file(15)}, date(2026, 11, 3))
    assert _versions(res) == [
        (10, "1900-01-01", "2026-10-15"),
        (15, "2026-10-15", "2026-11-01"),
        (12, "2026-11-01", None),
    ]
    with res.warehouse.connect() as conn:
        changes = conn.execute(
            select(
                registry_change.c.extract_date,
                registry_change.c.valid_from,
                registry_change.c.valid_to,
                registry_change.c.changed,
                registry_change.c.changed_columns,
            )
            .where(registry_change.c.extract == "seat_allocations")
            .order_by(registry_change.c.change_id)
        ).all()
    # The first extract added the allocation; the unchanged extract of 2 November is not a change.
    assert [tuple(str(v) if isinstance(v, date) else v for v in c) for c in changes] == [
        ("2026-10-01", "1900-01-01", None, 0, None),
        ("2026-11-01", "2026-11-01", None, 1, "seats 1"),
        ("2026-10-15", "2026-10-15", "2026-11-01", 1, "seats 1"),
    ]


def test_a_mass_change_of_people_waits_for_confirmation(res: Resources, capsys: pytest.CaptureFixture[str]) -> None:
    land(res, universities("2026-10-01") | {"hec_people_2026-10-01.csv": people_file(20)}, date(2026, 10, 1))
    # 4 of 20 people move (20%): at the limit, applied.
    assert land(res, {"hec_people_2026-10-10.csv": people_file(20, moved=4)}, date(2026, 10, 10)) == {
        "hec_people_2026-10-10.csv": LOADED
    }
    # 6 more move and one person is added: 7 of 20 (35%), held.
    name = "hec_people_2026-10-20.csv"
    assert land(res, {name: people_file(21, moved=10)}, date(2026, 10, 20)) == {name: QUARANTINED}
    assert [f.name for f in res.landing.list("quarantine/") if f.name == name] == [name]

    def current() -> dict[str, int]:
        p = dim_person
        with res.warehouse.connect() as conn:
            rows = conn.execute(select(p.c.university_id).where(p.c.valid_to.is_(None))).scalars().all()
        return {u: rows.count(u) for u in sorted(set(rows))}

    assert current() == {"U1": 16, "U2": 4}
    assert main(["replay", "--confirm", name]) == 0
    assert "confirmed" in capsys.readouterr().out
    assert land(res, {}, date(2026, 10, 20)) == {name: LOADED}
    assert current() == {"U1": 11, "U2": 10}
    with res.warehouse.connect() as conn:
        assert conn.execute(
            select(registry_change.c.keys_before, registry_change.c.added, registry_change.c.changed).where(
                registry_change.c.extract_date == date(2026, 10, 20)
            )
        ).one() == (20, 1, 6)


RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)
LONG_NAME = "N" * 1_000_000


def test_hostile_extracts_are_named_and_a_long_course_name_loads(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=30, days=1, mess=False))
    landing = landing_from_url(load_settings().landing_url)
    extracts = {path.name: path.read_bytes() for path in sample.files if path.name.startswith("hec_")}
    catalogue = next(name for name in extracts if name.startswith("hec_course_catalogue_"))
    records = list(csv.reader(io.StringIO(extracts[catalogue].decode("utf-8"))))
    records[1][records[0].index("course_name")] = LONG_NAME
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    extracts[catalogue] = buffer.getvalue().encode("utf-8")
    people = next(name for name in extracts if name.startswith("hec_people_"))
    programmes = next(name for name in extracts if name.startswith("hec_programmes_"))
    extracts[people] = extracts[people].decode("utf-8").encode("utf-16")
    extracts[programmes] = extracts[programmes].replace(b"\n", b"\n\0", 1)
    for name, data in extracts.items():
        landing.put(f"incoming/{name}", data)

    run = RunContext(load_id="test/registry", logical_dt=RUN_AT, settings=load_settings())
    statuses = {o.file_name: o.status for o in ingest_registry(run, Resources(warehouse, landing)).outcomes}

    assert statuses.pop(people) == QUARANTINED and statuses.pop(programmes) == QUARANTINED
    assert set(statuses.values()) == {LOADED}
    with landing.fetch(f"quarantine/{people}.reason.json") as path:
        assert "the file is UTF-16 text" in json.loads(path.read_text())["reason"]
    with landing.fetch(f"quarantine/{programmes}.reason.json") as path:
        reason = json.loads(path.read_text())
    assert reason["rule"] == "nul_bytes" and "NUL bytes (the first at byte" in reason["reason"]
    with warehouse.connect() as conn:
        longest = conn.execute(select(func.max(func.length(dim_course.c.course_name)))).scalar_one()
    assert longest == len(LONG_NAME)


# Optional registry columns (gender, seat price)
HEADER = "roll_number,cnic,full_name,email,university_id,role,status,status_date"
PEOPLE = [
    "PU-1,35202-1234567-2,Ayesha Siddiqui,ayesha@pu.edu.pk,PU,student,enrolled,2023-01-15",
    "PU-2,35202-1234567-3,Bilal Ahmed,bilal@pu.edu.pk,PU,faculty,enrolled,2019-09-01",
]


def load_people(engine: Engine, path: Path) -> list[str | None]:
    run = RunContext(load_id="test/registry", logical_dt=at(date(2026, 11, 20), 480), settings=load_settings())
    with engine.begin() as conn:
        loaded = RegistryLoader(run, path.name, "people", date(2026, 11, 20)).load(conn, path, 1)
        assert all(report.passed for report in loaded.quality)
        return list(conn.execute(select(dim_person.c.gender).order_by(dim_person.c.role.desc())).scalars())


def test_gender_is_kept_where_recorded(warehouse: Engine, dlsei_env: Path, tmp_path: Path) -> None:
    path = tmp_path / "hec_people_2026-11-20.csv"
    path.write_text("\n".join([f"{HEADER},gender", f"{PEOPLE[0]},female", f"{PEOPLE[1]},"]) + "\n")
    assert load_people(warehouse, path) == ["female", None]


def test_an_extract_without_the_gender_column_loads_as_not_recorded(
    warehouse: Engine, dlsei_env: Path, tmp_path: Path
) -> None:
    path = tmp_path / "hec_people_2026-11-20.csv"
    path.write_text("\n".join([HEADER, *PEOPLE]) + "\n")
    assert load_people(warehouse, path) == [None, None]


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
