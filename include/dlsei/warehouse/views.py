"""The analysts' roll-up views that the pipeline reads too (the migrations create them; they are not in
schema.metadata, which Alembic compares with the tables it builds)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table

from dlsei.warehouse.schema import MEASURES

views = MetaData()

# Every count of the mart is summed; the ratios are recomputed from the sums.
ROLLUP_COUNTS = tuple(MEASURES)


def _rollup(name: str, *keys: Column) -> Table:
    """A roll-up of the utilisation mart (migration 0010): counts summed, ratios recomputed from the sums."""
    return Table(
        name,
        views,
        Column("as_of_date", Date),
        *keys,
        Column("allocations", Integer),
        *(Column(count, Integer) for count in ROLLUP_COUNTS),
        Column("utilisation_pct", Float),
        Column("join_rate_pct", Float),
        Column("learning_hours", Float),
        Column("data_complete_through", Date),
    )


v_utilisation_by_university = _rollup(
    "v_utilisation_by_university",
    Column("university_id", String),
    Column("university_name", String),
    Column("region", String),
    Column("sector", String),
)
v_utilisation_by_region = _rollup("v_utilisation_by_region", Column("region", String))
v_utilisation_by_sector = _rollup("v_utilisation_by_sector", Column("sector", String))
v_utilisation_national = _rollup("v_utilisation_national")


def _public(name: str, *keys: Column) -> Table:
    """A publication-safe roll-up (migration 0018): the figures of mart_public_rollup, NULL where withheld."""
    return Table(
        name,
        views,
        Column("as_of_date", Date),
        *keys,
        *(Column(count, Integer) for count in ROLLUP_COUNTS),
        Column("learning_hours", Float),
        Column("utilisation_pct", Float),
        Column("join_rate_pct", Float),
        Column("cells_suppressed", Integer),
        Column("min_cell", Integer),
        Column("data_complete_through", Date),
    )


v_public_by_region = _public("v_public_by_region", Column("region", String))
v_public_by_sector = _public("v_public_by_sector", Column("sector", String))
v_public_national = _public("v_public_national")
# The outcomes of the coordinators' reclaim lists per university x cohort (migration 0016).
v_reclaim_outcome = Table(
    "v_reclaim_outcome",
    views,
    Column("university_id", String),
    Column("cohort_id", String),
    Column("recommended", Integer),
    Column("acted_on", Integer),
    Column("seats_freed", Integer),
    Column("still_open", Integer),
    Column("first_recommended_on", Date),
    Column("last_listed_on", Date),
)
