"""Calendar arithmetic: integer day numbers and HEC's half-year seat cohorts.

Every date in the simulation is a day number (days since 1970-01-01) and every instant an epoch second, so the
state as of any day is plain integer comparison over whole arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

_EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
NEVER = 2**40  # a day number or epoch second later than any simulated one


def day_number(day: date) -> int:
    return (day - _EPOCH).days


def day_date(number: int) -> date:
    return _EPOCH + timedelta(days=int(number))


def iso_dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(np.asarray(days).astype("datetime64[D]")).astype(object)


@dataclass(frozen=True)
class Cohort:
    """A seat cohort: H1 runs February to July, H2 August to January."""

    cohort_id: str
    start: date
    end: date

    @property
    def compact(self) -> str:
        return self.cohort_id.replace("-", "").lower()


def cohort_of(day: date) -> Cohort:
    if 2 <= day.month <= 7:
        return Cohort(f"{day.year}-H1", date(day.year, 2, 1), date(day.year, 7, 31))
    year = day.year if day.month >= 8 else day.year - 1
    return Cohort(f"{year}-H2", date(year, 8, 1), date(year + 1, 1, 31))


def previous_cohort(cohort: Cohort) -> Cohort:
    return cohort_of(cohort.start - timedelta(days=1))


def next_cohort(cohort: Cohort) -> Cohort:
    return cohort_of(cohort.end + timedelta(days=1))
