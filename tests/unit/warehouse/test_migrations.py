"""The Alembic migrations build exactly the schema the code queries, on both backends, from an empty database
and from the previous revision."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import date

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, inspect, make_url, text
from warehouse_rows import ledger_file, seat

from dlsei.publish.marts import pending_dates
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import alembic_config, upgrade
from dlsei.warehouse.schema import (
    MEASURES,
    dim_university,
    mart_quota_utilisation,
    mart_refresh,
    metadata,
    snap_membership,
)


def test_head_matches_the_core_schema(warehouse: Engine) -> None:
    with warehouse.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_upgrade_is_recorded_at_head_and_repeatable(warehouse: Engine) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    upgrade(warehouse)  # a second upgrade is a no-op, not an error
    with warehouse.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    assert set(metadata.tables) <= set(inspect(warehouse).get_table_names())


VIEWS = {
    "v_university",
    "v_course",
    "v_quota_utilisation",
    "v_utilisation_by_university",
    "v_utilisation_by_region",
    "v_utilisation_by_sector",
    "v_utilisation_national",
    "v_activity_by_domain",
    "v_public_by_region",
    "v_public_by_sector",
    "v_public_national",
    "v_university_cohorts",
    "v_equity",
    "v_equity_gap",
    "v_cost_by_allocation",
    "v_cost_by_university",
    "v_cost_by_cohort",
    "v_cost_by_region",
    "v_cost_national",
    "v_skills_by_university",
    "v_skills_national",
    *(
        f"{view}_latest"
        for view in (
            "v_quota_utilisation",
            "v_utilisation_by_university",
            "v_utilisation_by_region",
            "v_utilisation_by_sector",
            "v_utilisation_national",
            "v_learner_match",
            "v_activity_by_domain",
            "v_activity_by_course_type",
            "v_public_by_region",
            "v_public_by_sector",
            "v_public_national",
        )
    ),
    "v_activity_by_course_type",
    "v_learner_match",
}


def test_upgrade_head_on_an_empty_database(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        for view in VIEWS:
            assert conn.execute(text(f"SELECT * FROM {view}")).all() == []
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    assert set(inspect(engine).get_view_names()) >= VIEWS
    engine.dispose()


def test_upgrade_from_0001_keeps_the_published_rows_and_republishes_their_dates(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    upgrade(engine, "0001")
    assert "mart_learner_match" not in inspect(engine).get_table_names()
    day = date(2026, 11, 10)
    measures = dict.fromkeys(MEASURES, 0) | {"allocated": 10, "joined": 4, "seats_held": 4, "never_started": 4}
    with engine.begin() as conn:
        ledger_file(conn, 1, day)
        conn.execute(insert(mart_refresh).values(as_of_date=day, through_file_id=1, load_id="before 0002"))
        # As 0001 built the table (the Core table has gained 0011's valid_from since).
        conn.execute(
            text(
                "INSERT INTO dim_university (university_id, university_name, region, sector) "
                "VALUES ('U1', 'U one', 'Sindh', 'public')"
            )
        )
        conn.execute(
            insert(mart_quota_utilisation).values(
                as_of_date=day,
                university_id="U1",
                cohort_id="C1",
                **measures,
                utilisation_pct=0.0,
                join_rate_pct=40.0,
                learning_hours=0.0,
                data_complete_through=day,
                load_id="before 0002",
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
        region = conn.execute(text("SELECT region, allocated, join_rate_pct FROM v_utilisation_by_region")).one()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        # The date was published without the new marts: the next run rebuilds it.
        assert pending_dates(conn) == [day]
    assert tuple(region) == ("Sindh", 10, 40.0)
    assert diff == []
    engine.dispose()


def test_0002_downgrades_to_0001_and_upgrades_again(warehouse: Engine) -> None:
    _downgrade(warehouse, "0001")
    assert not VIEWS & set(inspect(warehouse).get_view_names())
    assert "seat_lifecycle" not in inspect(warehouse).get_table_names()
    upgrade(warehouse)
    assert set(inspect(warehouse).get_view_names()) >= VIEWS


def _downgrade(engine: Engine, revision: str) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_0005_moves_the_published_matches_into_the_seat_days_and_back(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    upgrade(engine, "0004")
    day = date(2026, 11, 10)
    seat_day = "INSERT INTO fact_seat_day (as_of_date, program_slug, learner_key, state, load_id) VALUES "
    match = "INSERT INTO learner_match (as_of_date, program_slug, learner_key, person_key, match_method, load_id) "
    with engine.begin() as conn:
        conn.execute(text(seat_day + "(:d, 'p1', 'k1', 'active', 'r'), (:d, 'p1', 'k2', 'removed', 'r')"), {"d": day})
        conn.execute(text(match + "VALUES (:d, 'p1', 'k1', 'R1', 'external_id', 'r')"), {"d": day})
    upgrade(engine)
    seats = "SELECT learner_key, state, person_key, match_method FROM fact_seat_day ORDER BY learner_key"
    with engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(seats))] == [
            ("k1", "active", "R1", "external_id"),
            ("k2", "removed", None, None),  # not in the snapshot: no match
        ]
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    assert "learner_match" not in inspect(engine).get_table_names()
    _downgrade(engine, "0004")
    with engine.connect() as conn:
        matches = conn.execute(text("SELECT learner_key, person_key, match_method FROM learner_match")).all()
    assert [tuple(r) for r in matches] == [("k1", "R1", "external_id")]
    assert "match_method" not in {c["name"] for c in inspect(engine).get_columns("fact_seat_day")}
    engine.dispose()


def test_0006_drops_the_snapshots_file_foreign_keys_and_back(warehouse: Engine) -> None:
    snapshots = ("snap_membership", "snap_course_activity")
    assert all(inspect(warehouse).get_foreign_keys(table) == [] for table in snapshots)
    _downgrade(warehouse, "0005")
    for table in snapshots:
        [key] = inspect(warehouse).get_foreign_keys(table)
        assert (key["constrained_columns"], key["referred_table"]) == (["file_id"], "file_ledger")
    upgrade(warehouse)
    with warehouse.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    assert all(inspect(warehouse).get_foreign_keys(table) == [] for table in snapshots)


@pytest.mark.postgres
def test_0007_says_load_id_names_the_writer_and_back(postgres_url: str) -> None:
    # PostgreSQL only: SQLite keeps no comments, and 0007 changes nothing else.
    engine = make_engine(postgres_url)
    upgrade(engine, "0007")

    def comments() -> list[str]:
        inspector = inspect(engine)
        return [
            next(c["comment"] for c in inspector.get_columns(table) if c["name"] == "load_id")
            for table in ("fact_seat_day", "seat_lifecycle")
        ]

    assert comments() == [
        "the run that wrote the row: publishing the date again leaves a row it computes the same as it is",
        "the run that wrote the episode or last changed its end",
    ]
    _downgrade(engine, "0006")
    assert comments() == ["the run that published the row", "the run that last rebuilt the history"]
    upgrade(engine)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
    engine.dispose()


def test_0008_fills_seat_seen_from_the_snapshots_loaded_and_back(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    upgrade(engine, "0007")
    d1, d2 = date(2026, 11, 10), date(2026, 11, 11)
    with engine.begin() as conn:
        ledger_file(conn, 1, d1)
        conn.execute(
            insert(snap_membership),
            [seat(d1, "p1", "L1"), seat(d2, "p1", "L1"), seat(d2, "p1", "L2"), seat(d2, "p2", "L1")],
        )
    upgrade(engine, "0008")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT program_slug, learner_key, first_seen FROM seat_seen")).all()
    assert {(r[0], r[1], date.fromisoformat(str(r[2]))) for r in rows} == {
        ("p1", "L1", d1),
        ("p1", "L2", d2),
        ("p2", "L1", d2),
    }
    _downgrade(engine, "0007")
    assert "seat_seen" not in inspect(engine).get_table_names()
    engine.dispose()


RENAMED = {
    "programme": "dim_programme",
    "seat_allocation": "dim_seat_allocation",
    "seat_lifecycle": "fact_seat_lifecycle",
    "seat_seen": "int_seat_seen",
}


def test_0009_names_every_table_by_its_layer_and_back(warehouse: Engine) -> None:
    with warehouse.begin() as conn:
        conn.execute(
            insert(dim_university).values(university_id="U1", university_name="U", region="R", sector="public")
        )
    _downgrade(warehouse, "0008")
    tables = set(inspect(warehouse).get_table_names())
    assert set(RENAMED) <= tables and not set(RENAMED.values()) & tables
    upgrade(warehouse)
    tables = set(inspect(warehouse).get_table_names())
    assert set(RENAMED.values()) <= tables and not set(RENAMED) & tables
    with warehouse.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata) == []
        assert conn.execute(text("SELECT count(*) FROM dim_university")).scalar_one() == 1


@pytest.mark.postgres
def test_0009_renames_the_primary_keys_and_the_comments_that_name_the_tables(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    upgrade(engine)
    inspector = inspect(engine)
    for new in RENAMED.values():
        assert inspector.get_pk_constraint(new)["name"] == f"pk_{new}"
    comments = [c["comment"] or "" for t in inspector.get_table_names() for c in inspector.get_columns(t)]
    assert any("dim_programme.program_slug" in c for c in comments)
    assert not any("(programme.program_slug)" in c or "(seat_allocation)" in c for c in comments)
    engine.dispose()


# A host migrating the warehouse: imports done, it waits for the word to go, so that two of them start together.
HOST = """
import sys
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade
engine = make_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
upgrade(engine)
"""


@pytest.mark.postgres
def test_upgrades_at_once_in_one_database_wait_for_each_other(postgres_url: str) -> None:
    """Two hosts' init containers upgrading one database at the same moment (each its own schema here): 0002's
    grants rewrite the database's own catalogue row, which two transactions cannot both update ("tuple concurrently
    updated"), so the second upgrade must wait for the first to commit."""
    other = f"dlsei_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{other}"'))
    url = make_url(postgres_url)
    urls = [postgres_url, url.update_query_dict({"options": f"-csearch_path={other}"}).render_as_string(False)]
    try:
        hosts = [
            subprocess.Popen(
                [sys.executable, "-c", HOST, warehouse],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for warehouse in urls
        ]
        assert [host.stdout.readline() for host in hosts] == ["ready\n"] * 2  # type: ignore[union-attr]
        for host in hosts:
            host.stdin.write("go\n")  # type: ignore[union-attr]
            host.stdin.close()  # type: ignore[union-attr]
        outputs = [host.stdout.read() for host in hosts]  # type: ignore[union-attr]
        assert [host.wait(timeout=120) for host in hosts] == [0, 0], outputs
        for warehouse in urls:
            engine = make_engine(warehouse)
            with engine.connect() as conn:
                assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
            engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()


def test_0011_keeps_the_registry_rows_as_first_versions_and_back(warehouse: Engine) -> None:
    _downgrade(warehouse, "0010")
    with warehouse.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO dim_university (university_id, university_name, region, sector) "
                "VALUES ('U1', 'U one', 'Sindh', 'public')"
            )
        )
        ledger_file(conn, 1, date(2026, 11, 10))
        conn.execute(
            insert(mart_quota_utilisation).values(
                as_of_date=date(2026, 11, 10),
                university_id="U1",
                cohort_id="C1",
                **dict.fromkeys(MEASURES, 0),
                learning_hours=0.0,
                data_complete_through=date(2026, 11, 10),
                load_id="r",
            )
        )
    upgrade(warehouse)
    keys = {t: inspect(warehouse).get_pk_constraint(t)["constrained_columns"] for t in ("dim_university", "dim_person")}
    assert keys == {"dim_university": ["university_id", "valid_from"], "dim_person": ["person_key", "valid_from"]}
    with warehouse.begin() as conn:
        versions = conn.execute(text("SELECT university_id, valid_from, valid_to FROM dim_university")).all()
        assert [(u, str(f), t) for u, f, t in versions] == [("U1", "1900-01-01", None)]
        # A later version renames the university from 12 November: the 10th keeps the name it had then.
        conn.execute(text("UPDATE dim_university SET valid_to = '2026-11-12'"))
        conn.execute(
            text(
                "INSERT INTO dim_university (university_id, university_name, region, sector, valid_from) "
                "VALUES ('U1', 'U renamed', 'Punjab', 'public', '2026-11-12')"
            )
        )
        assert conn.execute(text("SELECT university_name, region FROM v_quota_utilisation")).all() == [
            ("U one", "Sindh")
        ]
        assert conn.execute(text("SELECT university_name FROM v_university")).all() == [("U renamed",)]
    _downgrade(warehouse, "0010")
    with warehouse.connect() as conn:
        assert conn.execute(text("SELECT university_name FROM dim_university")).all() == [("U renamed",)]
    upgrade(warehouse)
