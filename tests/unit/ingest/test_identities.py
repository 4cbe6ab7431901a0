"""The identity store: filled by the registry's people extract, erased on request or after retention, with the
pseudonymous tables and their counts untouched; and on PostgreSQL readable by dlsei_identity alone."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import ProgrammingError

from dlsei.cli import main
from dlsei.ingest.identities import apply_retention, erase, identities_of
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.registry import ingest_registry
from dlsei.resources import resources
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dim_person, identity_erasure, identity_person

UNIVERSITIES = [
    ["university_id", "university_name", "region", "sector", "city", "coordinator_email"],
    ["U1", "Alpha University", "Punjab", "public", "Lahore", "coord@alpha.example"],
]
PEOPLE_HEADER = ["roll_number", "cnic", "full_name", "email", "university_id", "role", "status", "status_date"]
AMNA = ["R-001", "35202-1234567-1", "Amna Tariq", "Amna.Tariq@alpha.example", "U1", "student", "enrolled", "2025-09-01"]
BILAL = ["R-002", "35202-7654321-3", "Bilal Khan", "bilal@alpha.example", "U1", "student", "enrolled", "2025-09-01"]


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _load(day: date, people: list[list[str]]) -> None:
    settings = load_settings()
    res = resources(settings)
    res.landing.put(f"incoming/hec_universities_{day}.csv", _csv(UNIVERSITIES))
    res.landing.put(f"incoming/hec_people_{day}.csv", _csv([PEOPLE_HEADER, *people]))
    run = RunContext("test/identities", datetime(day.year, day.month, day.day, 12, tzinfo=UTC), settings)
    report = ingest_registry(run, res)
    assert not report.as_dict()["quarantined"], report.as_dict()


def _identities(warehouse: Engine) -> dict[str, tuple[str, str, str, date]]:
    t = identity_person
    with warehouse.connect() as conn:
        rows = conn.execute(select(t.c.roll_number, t.c.email, t.c.full_name, t.c.last_in_registry))
        return {row.roll_number: (row.email, row.full_name, row.roll_number, row.last_in_registry) for row in rows}


def _people(warehouse: Engine) -> int:
    with warehouse.connect() as conn:
        # The people the registry lists now: the open versions of its history.
        return conn.execute(select(func.count()).where(dim_person.c.valid_to.is_(None))).scalar_one()


@pytest.mark.usefixtures("dlsei_env")
def test_the_people_extract_fills_the_identity_store_and_retention_erases_who_left(
    warehouse: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One of two people leaving is half the registry: past the change guard, which is not what this test is about.
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_REGISTRY_MAX_CHANGE_PCT", "100")
    _load(date(2026, 10, 1), [AMNA, BILAL])
    with warehouse.begin() as conn:  # no newer extract: nobody is known to have left, however long it has been
        assert apply_retention(conn, date(2028, 1, 1), 180) == 0
    assert _identities(warehouse) == {
        "R-001": ("Amna.Tariq@alpha.example", "Amna Tariq", "R-001", date(2026, 10, 1)),
        "R-002": ("bilal@alpha.example", "Bilal Khan", "R-002", date(2026, 10, 1)),
    }
    # The snapshots key learners by e-mail as Coursera spells it: found whatever the case.
    amna_key = Pseudonymiser(load_settings().pseudonymisation_secret).key("email", "amna.tariq@ALPHA.example")
    with warehouse.connect() as conn:
        assert identities_of(conn, [amna_key, "0" * 64])[amna_key].email == "Amna.Tariq@alpha.example"
    # Bilal leaves the registry: his identity stays until the retention period has passed since the last extract
    # that listed him.
    _load(date(2026, 11, 1), [AMNA])
    assert {roll: row[3] for roll, row in _identities(warehouse).items()} == {
        "R-001": date(2026, 11, 1),
        "R-002": date(2026, 10, 1),
    }
    with warehouse.begin() as conn:
        assert apply_retention(conn, date(2027, 3, 30), 180) == 0  # 180 days after 1 October is 30 March
        assert apply_retention(conn, date(2027, 3, 31), 180) == 1
    assert set(_identities(warehouse)) == {"R-001"}
    assert _people(warehouse) == 1  # the registry's own (pseudonymous) table is not the store's business


@pytest.mark.usefixtures("dlsei_env")
def test_erase_by_email_keeps_the_pseudonymous_history_and_is_not_undone_by_the_next_extract(
    warehouse: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    _load(date(2026, 10, 1), [AMNA, BILAL])
    before = _people(warehouse)
    assert main(["erase", "AMNA.TARIQ@alpha.example "]) == 0
    assert "identity erased (1 held)" in capsys.readouterr().out
    assert set(_identities(warehouse)) == {"R-002"}
    assert _people(warehouse) == before == 2  # counts unchanged: Amna is still a (pseudonymous) person
    _load(date(2026, 10, 2), [AMNA, BILAL])
    assert set(_identities(warehouse)) == {"R-002"}
    with warehouse.connect() as conn:
        erased = set(conn.execute(select(identity_erasure.c.erased_key)).scalars())
        person_key = conn.execute(
            select(dim_person.c.person_key).where(dim_person.c.person_key.in_(erased))
        ).scalar_one()
    # Erasing by pseudonym works the same, and twice is harmless.
    with warehouse.begin() as conn:
        assert erase(conn, person_key.upper(), Pseudonymiser(load_settings().pseudonymisation_secret)) == 0
        bilal = conn.execute(
            select(identity_person.c.person_key).where(identity_person.c.roll_number == "R-002")
        ).scalar_one()
        assert erase(conn, bilal, Pseudonymiser(load_settings().pseudonymisation_secret)) == 1
    assert _identities(warehouse) == {}


@pytest.mark.postgres
@pytest.mark.parametrize("warehouse_url", ["postgresql"], indirect=True)
def test_only_the_identity_role_reads_the_store(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            identity_person.insert().values(
                person_key="p", email_key="e", university_id="U1", email="x@y.example", last_in_registry="2026-10-01"
            )
        )
    for role in ("dlsei_analyst", "dlsei_pipeline"):
        for statement in ("SELECT * FROM identity_person", "SELECT * FROM identity_erasure"):
            with warehouse.connect() as conn, pytest.raises(ProgrammingError) as refused:
                conn.execute(text(f"SET ROLE {role}"))
                conn.execute(text(statement))
            assert refused.value.orig.pgcode == "42501"  # type: ignore[union-attr]
    with warehouse.connect() as conn:
        conn.execute(text("SET ROLE dlsei_identity"))
        assert conn.execute(text("SELECT email FROM identity_person")).scalars().all() == ["x@y.example"]
        assert conn.execute(text("DELETE FROM identity_person")).rowcount == 1
