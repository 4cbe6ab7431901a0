"""A year of published days for the dashboard's pages: the marts of the loaded day copied to each of the 364 dates
before it, in SQL (as history.py does for membership), so the pages read what a year of 1,000,000-row days would
have published without the pipeline running 365 times. Only the marts are copied: the pages read no snapshot."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

from sqlalchemy import Date, Engine, delete, insert, literal, select

from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.schema import (
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_learner_match,
    mart_public_rollup,
    mart_quota_utilisation,
)

MARTS: Final = (
    mart_quota_utilisation,
    mart_learner_match,
    mart_activity_by_domain,
    mart_activity_by_course_type,
    mart_public_rollup,
)
DATED: Final = ("as_of_date", "data_complete_through")  # the columns that say which day a row is of


def add_year(engine: Engine, as_of: date, days: int = 364) -> int:
    """Copy `as_of`'s marts to each of the `days` dates before it, in place of what they held; return the rows
    added."""
    added = 0
    with engine.begin() as conn:
        for mart in MARTS:
            names = [c.name for c in mart.columns]
            earlier = mart.c.as_of_date.between(as_of - timedelta(days=days), as_of - timedelta(days=1))
            conn.execute(delete(mart).where(earlier))
            for back in range(1, days + 1):
                day = literal(as_of - timedelta(days=back), Date)
                copied = select(*(day if c.name in DATED else c for c in mart.columns)).where(
                    mart.c.as_of_date == as_of
                )
                added += conn.execute(insert(mart).from_select(names, copied)).rowcount
    refresh_statistics(engine, *MARTS)
    return added
