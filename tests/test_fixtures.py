"""The suite's own fixtures: a test's warehouse, copied from the process's migrated template, is exactly the
warehouse a migration from zero makes, and a test that migrates for itself still starts from nothing."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, make_url, text

from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade


def test_a_warehouse_is_what_a_migration_from_zero_makes(
    warehouse: Engine, warehouse_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if warehouse.dialect.name == "sqlite":
        fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
        upgrade(fresh)
        assert _sqlite_schema(warehouse) == _sqlite_schema(fresh)
        fresh.dispose()
        return
    pg_dump: Callable[[str], str] = request.getfixturevalue("pg_dump")
    copied, fresh_schema = request.getfixturevalue("postgres_schema"), f"dlsei_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(warehouse_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{fresh_schema}"'))
    try:
        options = {"options": f"-csearch_path={fresh_schema}"}
        fresh = make_engine(make_url(warehouse_url).update_query_dict(options).render_as_string(False))
        upgrade(fresh)
        fresh.dispose()
        # Tables, columns, constraints, indexes, views, sequences, comments, grants, default privileges and rows.
        assert pg_dump(copied).replace(copied, "S") == pg_dump(fresh_schema).replace(fresh_schema, "S")
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{fresh_schema}" CASCADE'))
        admin.dispose()


def _sqlite_schema(engine: Engine) -> list[tuple]:
    with engine.connect() as conn:
        return [
            *conn.execute(text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")),
            *conn.execute(text("SELECT version_num FROM alembic_version")),
            *conn.execute(text("PRAGMA journal_mode")),
        ]


def test_a_warehouse_url_alone_is_empty(warehouse_url: str) -> None:
    engine = make_engine(warehouse_url)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
