"""Columns added to the validated copy of a frame, for rules GX Core cannot state on pandas data.

GX Core 1.x has no row-arithmetic or self-join expectation for pandas (UnexpectedRowsExpectation is SQL-only), so
two rules are checked on a derived `dq_` column instead, with an ordinary expectation:
- seat allocations: `dq_overlaps_other_cohort` is True when a row's [cohort_start, cohort_end] window shares a day
  with another cohort of the same university (windows are inclusive, as in docs/measures.md);
- the utilisation mart: one sum per identity of docs/measures.md, compared with the measure it must equal;
- the public roll-up: `dq_derivable_cells`, per row, how many withheld figures the published ones give away
  (disclosure.py), computed for each as-of date's table on its own.
The caller's frame is never changed.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from dlsei.quality.disclosure import ADDITIVE, RATIOS, derivable_per_row

OVERLAPS_OTHER_COHORT: Final = "dq_overlaps_other_cohort"
ACTIVE_30D_PLUS_DORMANT_PLUS_NEVER_STARTED: Final = "dq_active_30d_plus_dormant_plus_never_started"
INVITED_PLUS_JOINED: Final = "dq_invited_plus_joined"
ALLOCATED_MINUS_SEATS_HELD: Final = "dq_allocated_minus_seats_held"
DERIVABLE_CELLS: Final = "dq_derivable_cells"


def with_derived_columns(kind: str, frame: pd.DataFrame) -> pd.DataFrame:
    frame = _one_timestamp_resolution(frame)
    if kind == "registry:seat_allocations" and {"university_id", "cohort_start", "cohort_end"} <= set(frame):
        return frame.assign(**{OVERLAPS_OTHER_COHORT: overlaps_other_cohort(frame)})
    if kind == "mart:quota_utilisation":
        return frame.assign(**_identity_sums(frame))
    if kind == "mart:public_rollup":
        return frame.assign(**{DERIVABLE_CELLS: _derivable_cells(frame)})
    return frame


def _derivable_cells(frame: pd.DataFrame) -> pd.Series:
    if frame.empty or not {"breakdown", *ADDITIVE, *RATIOS} <= set(frame):
        return pd.Series(0, index=frame.index, dtype="int64")  # the columns check fails such a frame
    dates = frame.groupby("as_of_date", sort=False) if "as_of_date" in frame else [(None, frame)]
    return pd.concat([derivable_per_row(day.reset_index(drop=True)).set_axis(day.index) for _, day in dates])


def overlaps_other_cohort(frame: pd.DataFrame) -> pd.Series:
    """True for each allocation whose window shares a day with another allocation of the same university.
    Rows without a university or a parseable window are left False: their own expectations catch them."""
    windows = pd.DataFrame(
        {
            "row": np.arange(len(frame)),
            "university_id": frame["university_id"].to_numpy(),
            "start": pd.to_datetime(frame["cohort_start"], format="%Y-%m-%d", errors="coerce").to_numpy(),
            "end": pd.to_datetime(frame["cohort_end"], format="%Y-%m-%d", errors="coerce").to_numpy(),
        }
    ).dropna()
    pairs = windows.merge(windows, on="university_id", suffixes=("", "_other"))
    clash = (
        (pairs["row"] != pairs["row_other"])
        & (pairs["start"] <= pairs["end_other"])
        & (pairs["start_other"] <= pairs["end"])
    )
    overlapping = np.isin(np.arange(len(frame)), pairs.loc[clash, "row"].to_numpy())
    return pd.Series(overlapping, index=frame.index, dtype=bool)


def _identity_sums(frame: pd.DataFrame) -> dict[str, pd.Series]:
    sums = {
        ACTIVE_30D_PLUS_DORMANT_PLUS_NEVER_STARTED: ("active_30d", "dormant", "never_started"),
        INVITED_PLUS_JOINED: ("invited", "joined"),
    }
    derived = {name: frame[list(parts)].sum(axis=1) for name, parts in sums.items() if set(parts) <= set(frame)}
    if {"allocated", "seats_held"} <= set(frame):
        derived[ALLOCATED_MINUS_SEATS_HELD] = frame["allocated"] - frame["seats_held"]
    return derived


def _one_timestamp_resolution(frame: pd.DataFrame) -> pd.DataFrame:
    # pandas keeps the resolution a timestamp was built with, and GX's type check names one (the parsers' own,
    # microseconds); the resolution says nothing about the data, so every timestamp column is validated at it.
    convert = {
        column: frame[column].dt.as_unit("us")
        for column, column_dtype in frame.dtypes.items()
        if isinstance(column_dtype, pd.DatetimeTZDtype) and column_dtype.unit != "us"
    }
    return frame.assign(**convert) if convert else frame
