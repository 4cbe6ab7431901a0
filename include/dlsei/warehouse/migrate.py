"""Bring a warehouse database to the newest schema with Alembic."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

_MIGRATIONS = Path(__file__).with_name("migrations")
# The key of the PostgreSQL advisory lock every upgrade holds ("dlsei" in ASCII): any fixed number will do, as long as
# every version of the pipeline uses the same one.
MIGRATION_LOCK = 0x646C736569


def alembic_config() -> Config:
    config = Config(str(_MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate in one transaction, so a failed migration leaves the database as it was (on PostgreSQL).

    On PostgreSQL the transaction first takes an advisory lock, held until it ends: upgrades running at once in the
    same database (two hosts' init containers, two schemas of one database) wait for each other instead of failing.
    The grants of revision 0002 update catalogue rows shared by every schema of the database (GRANT CONNECT rewrites
    the database's own row), and two transactions updating one such row at once end in "tuple concurrently updated".
    Advisory locks are scoped to a database; upgrades of different databases share no such row (their roles are made
    once, whoever comes second finding them: 0002's _ensure_role)."""
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
