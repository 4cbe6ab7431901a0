"""The publication-safe roll-ups of one as-of date: the region, sector and national views of the utilisation mart
(migration 0010, the one definition of the figures), with small cells withheld (publish/suppression.py), validated
by the public suite and written to mart_public_rollup, which the v_public_* views show."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, insert, select

from dlsei.errors import DataQualityError
from dlsei.publish.suppression import suppress
from dlsei.quality import QualityReport, store_results, validate
from dlsei.quality.disclosure import ADDITIVE, NATIONAL, RATIOS
from dlsei.runs import RunContext
from dlsei.warehouse.frames import records
from dlsei.warehouse.schema import mart_public_rollup
from dlsei.warehouse.views import v_utilisation_by_region, v_utilisation_by_sector, v_utilisation_national

NOT_RECORDED = "not recorded"
_SOURCES: dict[str, tuple[Table, str | None]] = {
    NATIONAL: (v_utilisation_national, None),
    "region": (v_utilisation_by_region, "region"),
    "sector": (v_utilisation_by_sector, "sector"),
}
_FIGURES = (*ADDITIVE, *RATIOS)


def rollup_frame(conn: Connection, as_of: date) -> pd.DataFrame:
    """The national row and the region and sector rows of `as_of`, unsuppressed, in one frame."""
    parts = []
    for breakdown, (view, key) in _SOURCES.items():
        category = view.c[key] if key else None
        query = select(*(view.c[f] for f in _FIGURES), *([category.label("category")] if key else []))
        frame = pd.DataFrame(conn.execute(query.where(view.c.as_of_date == as_of)).mappings().all())
        if frame.empty:
            continue
        frame["category"] = frame["category"].fillna(NOT_RECORDED) if key else NATIONAL
        parts.append(frame.assign(breakdown=breakdown))
    if not parts:
        return pd.DataFrame(columns=["breakdown", "category", *_FIGURES])
    frame = pd.concat(parts, ignore_index=True)
    return frame[["breakdown", "category", *_FIGURES]]


def public_rows(conn: Connection, as_of: date, k: int) -> pd.DataFrame:
    """The rows mart_public_rollup holds for `as_of`: the roll-ups with every withheld figure NULL."""
    frame = rollup_frame(conn, as_of)
    if frame.empty:
        return frame.assign(cells_suppressed=pd.Series(dtype="int64"))
    return suppress(frame, k)


def refresh_public(engine: Engine, run: RunContext, as_of: date) -> QualityReport:
    """Replace `as_of`'s publication-safe rows, after the public suite has checked them: a failed check leaves the
    date unpublished (its old rows removed) rather than publish a figure that could identify a learner."""
    k = run.settings.public_min_cell
    with engine.connect() as conn:
        rows = public_rows(conn, as_of, k)
    quality = validate(
        "mart:public_rollup", rows, source=f"mart_public_rollup@{as_of.isoformat()}", parameters={"min_cell": k}
    )
    with engine.begin() as conn:
        store_results(conn, quality, load_id=run.load_id, validated_for=run.logical_date)
        conn.execute(delete(mart_public_rollup).where(mart_public_rollup.c.as_of_date == as_of))
        if quality.passed and not rows.empty:
            published = rows.assign(as_of_date=as_of, data_complete_through=as_of, min_cell=k, load_id=run.load_id)
            conn.execute(insert(mart_public_rollup), records(published))
    if not quality.passed:
        raise DataQualityError(f"public figures for {as_of} not published: {quality.describe()}")
    return quality
