"""Utilisation rolled up per university and nationally, read from the views that compute it (migration 0010): the
one definition the status page, the summaries and the digests all show."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, RowMapping, select

from dlsei.warehouse.views import v_utilisation_by_university, v_utilisation_national


def by_university(conn: Connection, as_of: date) -> list[RowMapping]:
    """Every university of `as_of`, from the least utilised (no allocation last), then by name."""
    v = v_utilisation_by_university
    query = (
        select(v)
        .where(v.c.as_of_date == as_of)
        .order_by(v.c.utilisation_pct.is_(None), v.c.utilisation_pct, v.c.university_name, v.c.university_id)
    )
    return list(conn.execute(query).mappings())


def national(conn: Connection, as_of: date) -> RowMapping | None:
    v = v_utilisation_national
    return conn.execute(select(v).where(v.c.as_of_date == as_of)).mappings().one_or_none()


def university_trend(conn: Connection, university_id: str, as_of: date, days: int) -> list[RowMapping]:
    """The university's seats held, active in 30 days and never started on each as-of date of the last `days`."""
    v = v_utilisation_by_university
    query = (
        select(v.c.as_of_date, v.c.seats_held, v.c.active_30d, v.c.never_started)
        .where(
            v.c.university_id == university_id, v.c.as_of_date > as_of - timedelta(days=days), v.c.as_of_date <= as_of
        )
        .order_by(v.c.as_of_date)
    )
    return list(conn.execute(query).mappings())


def percent(value: float | None) -> str:
    """A percentage of the views as people read it: their 2 decimals, n/a where nothing is allocated."""
    return "n/a" if value is None else f"{value:.2f}%"
