"""Turning arrays of integers into the strings Coursera writes, a whole column at a time.

Per-row f-strings would dominate a million-row export, so every format is a lookup into a precomputed table
(times of day, decimals) or a per-distinct-day string, joined with one vectorised concatenation.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np

from dlsei_dev.generator.cohorts import SECONDS_PER_DAY, day_date

PACIFIC = ZoneInfo("America/Los_Angeles")


@cache
def _clock(suffix: str) -> np.ndarray:
    return np.array(
        [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(SECONDS_PER_DAY)], dtype=object
    )


def _timestamps(epoch_seconds: np.ndarray, separator: str, suffix: str) -> np.ndarray:
    out = np.full(len(epoch_seconds), "", dtype=object)
    present = epoch_seconds >= 0
    moments = epoch_seconds[present]
    days, inverse = np.unique(moments // SECONDS_PER_DAY, return_inverse=True)
    dates = np.datetime_as_string(days.astype("datetime64[D]")).astype(object) + separator
    out[present] = dates[inverse] + _clock(suffix)[moments % SECONDS_PER_DAY]
    return out


def iso_ms(epoch_seconds: np.ndarray) -> np.ndarray:
    """`2026-11-03T09:14:05.000Z`; negative instants (none) become empty strings."""
    return _timestamps(epoch_seconds, "T", ".000Z")


def naive(epoch_seconds: np.ndarray) -> np.ndarray:
    """`2026-11-03 09:14:05`, as an export that went through Excel carries it (UTC, zone dropped)."""
    return _timestamps(epoch_seconds, " ", "")


@cache
def _decimals(size: int) -> np.ndarray:
    return np.array([f"{v // 100}.{v % 100:02d}" for v in range(size)], dtype=object)


@cache
def _integers(size: int) -> np.ndarray:
    return np.array([str(v) for v in range(size)], dtype=object)


def _table_size(values: np.ndarray) -> int:
    # Powers of two keep the number of cached tables small as maxima drift between days.
    top = int(values.max()) + 1 if len(values) else 1
    return 1 << max(10, (top - 1).bit_length())


def hundredths(values: np.ndarray) -> np.ndarray:
    """Non-negative integer hundredths as a two-decimal number: 5773 -> `57.73`."""
    return _decimals(_table_size(values))[values]


def integers(values: np.ndarray) -> np.ndarray:
    return _integers(_table_size(values))[values]


def format_hundredths(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


def yes_no(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Yes", "No").astype(object)


def pacific_midnights(days: np.ndarray) -> np.ndarray:
    """Epoch second at which each (UTC-numbered) calendar day starts in US Pacific time: Coursera's class
    sessions open and close on Pacific midnights (07:00Z in summer, 08:00Z in winter)."""
    unique, inverse = np.unique(days, return_inverse=True)
    starts = np.array(
        [int(datetime.combine(day_date(d), datetime.min.time(), PACIFIC).timestamp()) for d in unique],
        dtype=np.int64,
    )
    return starts[inverse]
