"""On PostgreSQL the migrations grant an analyst the marts and views and nothing holding learner keys or raw
identifiers, and the pipeline every table but no DDL: checked by logging in as a member of each role."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade

pytestmark = pytest.mark.postgres

ANALYST_READS = (
    "mart_quota_utilisation",
    "mart_learner_match",
    "mart_activity_by_domain",
    "mart_activity_by_course_type",
    "v_quota_utilisation",
    "v_utilisation_by_university",
    "v_utilisation_by_region",
    "v_utilisation_by_sector",
    "v_utilisation_national",
    "v_activity_by_domain",
    "v_activity_by_course_type",
    "v_learner_match",
    "v_university",
    "v_course",
    "mart_public_rollup",
    "v_public_by_region",
    "v_public_by_sector",
    "v_public_national",
    "v_university_cohorts",
    "v_utilisation_national_latest",
    "v_public_national_latest",
    "v_equity",
    "v_equity_gap",
    "v_cost_national",
    "v_cost_by_allocation",
    "v_skills_by_university",
    "v_skills_national",
    "reconciliation_check",
)
# Learner and person keys, or staff e-mail addresses and file names: the pipeline's, not the analysts'.
ANALYST_REFUSED = (
    "dim_person",
    "snap_membership",
    "snap_course_activity",
    "fact_seat_day",
    "fact_seat_lifecycle",
    "dim_university",
    "file_ledger",
    "alert_message",
)

Login = Callable[[str], Engine]
INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE of "permission denied" and "must be owner"


@pytest.fixture
def login(postgres_url: str) -> Iterator[Login]:
    """Migrate the test's schema, then log in as new members of the dlsei group roles (dropped afterwards)."""
    owner = make_engine(postgres_url)
    upgrade(owner)
    made: list[tuple[str, Engine]] = []

    def as_member_of(group: str) -> Engine:
        name, password = f"dlsei_test_{secrets.token_hex(6)}", secrets.token_hex(16)
        with owner.begin() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {group}"))
        engine = make_engine(make_url(postgres_url).set(username=name, password=password).render_as_string(False))
        made.append((name, engine))
        return engine

    try:
        yield as_member_of
    finally:
        for name, engine in made:
            engine.dispose()
            with owner.begin() as conn:
                conn.execute(text(f"DROP ROLE {name}"))
        owner.dispose()


def refused(engine: Engine, statement: str) -> bool:
    try:
        with engine.begin() as conn:
            conn.execute(text(statement))
    except ProgrammingError as error:
        assert error.orig.pgcode == INSUFFICIENT_PRIVILEGE, error  # type: ignore[union-attr]
        return True
    return False


def test_an_analyst_reads_the_marts_and_views_and_nothing_else(login: Login) -> None:
    analyst = login("dlsei_analyst")
    with analyst.connect() as conn:
        for name in ANALYST_READS:
            conn.execute(text(f"SELECT * FROM {name} LIMIT 1")).all()
    assert [name for name in ANALYST_REFUSED if not refused(analyst, f"SELECT * FROM {name} LIMIT 1")] == []
    assert refused(analyst, "DELETE FROM mart_quota_utilisation")
    assert refused(analyst, "CREATE TABLE scratch (x int)")


def test_the_pipeline_writes_every_table_but_cannot_change_the_schema(login: Login) -> None:
    pipeline = login("dlsei_pipeline")
    with pipeline.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO dim_person (person_key, email_key, cnic_key, university_id, role, status) "
                "VALUES ('p', 'e', 'c', 'U1', 'student', 'enrolled')"
            )
        )
        conn.execute(
            text("INSERT INTO mart_refresh (as_of_date, through_file_id, load_id) VALUES ('2026-11-10', 1, 't')")
        )
        conn.execute(text("DELETE FROM fact_seat_day"))
        assert conn.execute(text("SELECT count(*) FROM dim_person")).scalar_one() == 1
    assert refused(pipeline, "CREATE TABLE scratch (x int)")
    assert refused(pipeline, "DROP TABLE mart_refresh")


def test_an_owner_that_may_not_create_roles_migrates_once_the_roles_exist(postgres_url: str) -> None:
    """The compose deployment: the warehouse's owner is no superuser, and the roles were made beforehand."""
    admin = make_engine(postgres_url)
    owner, password, schema = (
        f"dlsei_test_{secrets.token_hex(6)}",
        secrets.token_hex(16),
        f"dlsei_test_{secrets.token_hex(6)}",
    )
    with admin.begin() as conn:
        conn.execute(text(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'"))
        conn.execute(text(f"CREATE SCHEMA {schema} AUTHORIZATION {owner}"))
    url = make_url(postgres_url).set(username=owner, password=password)
    engine = make_engine(url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False))
    try:
        upgrade(engine)
        with admin.connect() as conn:
            granted = {
                name: conn.execute(
                    text("SELECT has_table_privilege('dlsei_analyst', :relation, 'SELECT')"),
                    {"relation": f"{schema}.{name}"},
                ).scalar_one()
                for name in ("v_quota_utilisation", "mart_learner_match", "dim_person", "fact_seat_day")
            }
        assert granted == {
            "v_quota_utilisation": True,
            "mart_learner_match": True,
            "dim_person": False,
            "fact_seat_day": False,
        }
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            conn.execute(text(f"DROP OWNED BY {owner}"))
            conn.execute(text(f"DROP ROLE {owner}"))
        admin.dispose()
