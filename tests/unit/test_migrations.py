"""The Alembic migrations build exactly the schema the code queries, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from dlsei.warehouse.migrate import alembic_config, upgrade
from dlsei.warehouse.schema import metadata


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
