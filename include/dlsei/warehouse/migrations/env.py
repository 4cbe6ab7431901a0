"""Alembic environment: migrates the connection it is handed, or the configured warehouse."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from dlsei.settings import load_settings
from dlsei.warehouse.schema import metadata


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place: batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(load_settings().warehouse_url).begin() as conn:
        _run(conn)
