"""The two things every pipeline step works on, the warehouse engine and the landing area, built once per process
from the settings and handed to the steps together."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Engine

from dlsei.ingest.landing import Landing, landing_from_url
from dlsei.settings import Settings, load_settings
from dlsei.warehouse.engine import dispose_shared_engines, warehouse_engine


@dataclass(frozen=True)
class Resources:
    warehouse: Engine
    landing: Landing


def resources(settings: Settings | None = None) -> Resources:
    """The process's resources for `settings` (default: load_settings()): one engine and its pool per warehouse,
    one landing area (with its S3 client) per URL."""
    return _for(settings or load_settings())


@cache
def _for(settings: Settings) -> Resources:
    return Resources(
        warehouse=warehouse_engine(settings.warehouse_url),
        landing=landing_from_url(settings.landing_url, settings.aws_conn_id),
    )


def release_resources() -> None:
    """Forget every resource built so far and close the warehouse connections they pooled (a test's warehouse is
    thrown away after the test)."""
    _for.cache_clear()
    dispose_shared_engines()
