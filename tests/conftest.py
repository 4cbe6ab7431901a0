"""Shared fixtures. Airflow reads its settings when first imported, so its home is set here, before any test
module can import it: the suite never touches a developer's own ~/airflow."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from dlsei_dev.local_airflow import REPO_ROOT, airflow_environment, prepare_airflow
from sqlalchemy import Engine, text

from dlsei.resources import release_resources
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="dlsei-test-airflow-"))
os.environ.update(airflow_environment(AIRFLOW_HOME))

# Validation results and Data Docs of the test runs go to a copy of the GX project, never the repository's.
GX_ROOT = Path(tempfile.mkdtemp(prefix="dlsei-test-gx-")) / "great_expectations"
shutil.copytree(REPO_ROOT / "great_expectations", GX_ROOT, ignore=shutil.ignore_patterns("uncommitted"))
os.environ["DLSEI_GX_ROOT"] = str(GX_ROOT)
# Both belong to this run: gone when pytest exits (each run left about 4 MB in the temporary folder).
for scratch in (AIRFLOW_HOME, GX_ROOT.parent):
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)

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
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'warehouse.db'}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL `test` database, dropped afterwards: tests never share state."""
    schema = f"dlsei_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs on both warehouse backends."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")


@pytest.fixture
def warehouse(warehouse_url: str) -> Iterator[Engine]:
    engine = make_engine(warehouse_url)
    upgrade(engine)
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
