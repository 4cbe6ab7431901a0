"""Shared fixtures. Airflow reads its settings when first imported, so its home is set here, before any test
module can import it: the suite never touches a developer's own ~/airflow.

The suite runs in parallel (pytest-xdist, one process per core): everything below is per process, and nothing
two tests share can leak rows from one into the other."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from dlsei_dev.local_airflow import REPO_ROOT, airflow_environment, prepare_airflow
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.pool import NullPool

from dlsei.resources import release_resources
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="dlsei-test-airflow-"))
os.environ.update(airflow_environment(AIRFLOW_HOME))

# Validation results and Data Docs of the test runs go to a copy of the GX project, never the repository's.
GX_ROOT = Path(tempfile.mkdtemp(prefix="dlsei-test-gx-")) / "great_expectations"
shutil.copytree(REPO_ROOT / "great_expectations", GX_ROOT, ignore=shutil.ignore_patterns("uncommitted"))
os.environ["DLSEI_GX_ROOT"] = str(GX_ROOT)
SCRATCH = (AIRFLOW_HOME, GX_ROOT.parent)


def _remove_scratch() -> None:
    for scratch in SCRATCH:
        shutil.rmtree(scratch, ignore_errors=True)


# Both belong to this process (each xdist worker has its own): gone when pytest is done with it (each run left about
# 4 MB in the temporary folder). An xdist worker can end without running atexit handlers, hence pytest_unconfigure.
atexit.register(_remove_scratch)


def pytest_unconfigure(config: pytest.Config) -> None:
    _remove_scratch()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked `long` (minutes each) first, the rest in their order: the workers start on them while the
    short tests are still waiting to be handed out, and the short ones then fill the gaps, so that both workers
    finish close together instead of one running a long test alone at the end."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


POSTGRES_URL = os.environ.get("DLSEI_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def _fresh_resources() -> Iterator[None]:
    """Code under test builds the process's shared engine for a test's own warehouse (resources.py): close its pool
    when the test ends, as each test's warehouse is thrown away."""
    yield
    release_resources()


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """A migrated Airflow metadata DB (SQLite) for tests that run DAGs."""
    prepare_airflow(AIRFLOW_HOME)
    return AIRFLOW_HOME


@pytest.fixture
def sqlite_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.db"


@pytest.fixture
def sqlite_url(sqlite_path: Path) -> str:
    """A SQLite warehouse file not made yet: empty."""
    return f"sqlite:///{sqlite_path}"


def _postgres_admin() -> Engine:
    # No pool: a connection that replayed a dump (which empties its search_path) is never handed out again.
    return create_engine(POSTGRES_URL, poolclass=NullPool)


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema in the real PostgreSQL `test` database, dropped afterwards: tests never share state."""
    schema = f"dlsei_test_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _schema_url(schema: str) -> str:
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url(postgres_schema: str) -> str:
    """The URL of the test's empty schema: its search path puts the schema first."""
    return _schema_url(postgres_schema)


@dataclass(frozen=True)
class SchemaTemplate:
    """A migrated schema as SQL (pg_dump's): replayed into a test's empty schema, it makes that schema what a
    migration from zero would have made it, tables, views, comments, grants and default privileges included, in a
    fraction of the time. Roles and the database's CONNECT grant belong to the server and the database, not to a
    schema: the template's own migration made them, and the copies find them there."""

    schema: str
    sql: str

    def fill(self, schema: str) -> None:
        raw = _postgres_admin().raw_connection()
        try:
            with raw.cursor() as cursor:  # a DBAPI cursor: the SQL holds % signs that are not parameters
                cursor.execute(self.sql.replace(self.schema, schema))
            raw.commit()
        finally:
            raw.close()


@pytest.fixture(scope="session")
def postgres_template() -> SchemaTemplate:
    """A schema migrated from zero once per process, kept as its pg_dump; the schema itself is dropped at once."""
    schema = f"dlsei_template_{uuid.uuid4().hex[:12]}"
    admin = _postgres_admin()
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        engine = make_engine(_schema_url(schema))
        upgrade(engine)
        engine.dispose()
        sql = _pg_dump(schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    # The test's schema exists already (postgres_schema, made as this one was): everything but its creation.
    create = f"CREATE SCHEMA {schema};\n"
    assert sql.count(create) == 1, "pg_dump's output changed: see SchemaTemplate"
    return SchemaTemplate(schema, sql.replace(create, ""))


def _pg_dump(schema: str) -> str:
    url = make_url(POSTGRES_URL)
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    command = ["pg_dump", "--schema", schema, "--inserts", "--dbname", url.database or "postgres"]
    for option, value in (("--host", url.host), ("--port", url.port), ("--username", url.username)):
        if value:
            command += [option, str(value)]
    dump = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    # Newer pg_dump releases wrap the script in psql's \restrict and \unrestrict, which stop psql from running any
    # other backslash command the dump's data might smuggle in. The server knows no backslash commands: they go.
    return "".join(
        line for line in dump.splitlines(keepends=True) if not line.startswith(("\\restrict", "\\unrestrict"))
    )


@pytest.fixture(scope="session")
def pg_dump() -> Callable[[str], str]:
    """pg_dump of one schema of the test database, as SQL (for tests that compare schemas)."""
    return _pg_dump


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite warehouse migrated from zero once per process: each test's is a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "warehouse.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed: SQLite has checkpointed the WAL into the file and removed it
    assert not path.with_name(f"{path.name}-wal").exists()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs on both warehouse backends; empty unless the test asks for `warehouse` too."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def warehouse(request: pytest.FixtureRequest, warehouse_url: str) -> Iterator[Engine]:
    """The warehouse at `warehouse_url`, at the newest revision: a copy of the process's migrated template."""
    if warehouse_url.startswith("sqlite"):
        shutil.copyfile(request.getfixturevalue("sqlite_template"), request.getfixturevalue("sqlite_path"))
    else:
        request.getfixturevalue("postgres_template").fill(request.getfixturevalue("postgres_schema"))
    engine = make_engine(warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture
def dlsei_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, warehouse_url: str) -> Path:
    """Point the pipeline's settings at a throw-away home and the test's warehouse."""
    home = tmp_path / "home"
    monkeypatch.setenv("DLSEI_HOME", str(home))
    monkeypatch.setenv("AIRFLOW_CONN_DLSEI_WAREHOUSE", warehouse_url)
    for name in (
        "AIRFLOW_VAR_DLSEI_LANDING_URL",
        "AIRFLOW_VAR_DLSEI_OUTBOX_DIR",
        "AIRFLOW_VAR_DLSEI_DATA_DOCS_URL",
        "AIRFLOW_VAR_DLSEI_DATA_DOCS_LINK",
        "DLSEI_ENV",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


# A user signed in to Airflow for the web tests, unit and browser alike.
SignIn = Callable[[str | None], str]


@pytest.fixture
def sign_in(airflow_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SignIn:
    """Returns a function that signs a user of the given SimpleAuthManager role (None: no role) in: its token."""
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    monkeypatch.setenv(
        "AIRFLOW__CORE__AUTH_MANAGER", "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    )
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", "manager:viewer")
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", str(tmp_path / "passwords.json"))
    monkeypatch.setenv("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS", "False")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "dlsei-web-tests-" * 4)
    manager = init_auth_manager()

    def sign(role: str | None) -> str:
        return manager.generate_jwt(SimpleAuthManagerUser(username="manager", role=role))

    return sign
