"""Portable SQL expressions that the marts, the lifecycle and the alerts share (PostgreSQL and SQLite alike)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Numeric, Table, and_, case, cast, func, or_


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of the group meet the condition; 0, not NULL, for an empty group."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def later(a: ColumnElement[datetime], b: ColumnElement[datetime]) -> ColumnElement[datetime]:
    """The later of two nullable timestamps, ignoring a missing one (docs/measures.md: last activity)."""
    # GREATEST() is not portable and SQLite's two-argument MAX() returns NULL when either side is NULL.
    return case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def round2(value: ColumnElement[float]) -> ColumnElement[float]:
    """ROUND(value, 2) on both backends: PostgreSQL rounds to a number of places only a NUMERIC."""
    return func.round(cast(value, Numeric), 2)


def valid_on(table: Table, day: date) -> ColumnElement[bool]:
    """The versions of a registry table (valid_from to valid_to, migration 0011) that held on `day`."""
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))
