"""Bring a warehouse database to the newest schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config(str(_MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


# Any fixed number: the key of the PostgreSQL advisory lock every upgrade takes.
_MIGRATION_LOCK = 7_482_013_557


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction, so a failed migration leaves the database as it was (on PostgreSQL).

    On PostgreSQL two upgrades at once (two hosts' init containers, parallel test workers) wait for each other:
    the roles and grants of migration 0002 belong to the whole server, and granting them concurrently fails with
    "tuple concurrently updated"."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
