"""Small-cell suppression of one as-of date's public roll-up (docs/measures.md, Publication-safe aggregates).

Primary: every count below k is withheld, and the learning hours of a row whose enrolments are withheld. Secondary:
while a withheld cell can be worked out from the published ones (quality/disclosure.py), the smallest published cell
of an equation that has only one withheld cell is withheld too (a breakdown's row before the national total), so a
lone withheld cell gets a partner in its column and in its row and the pattern closes into rectangles. Last, a ratio
is withheld when its numerator or its denominator is.
"""

from __future__ import annotations

import pandas as pd

from dlsei.quality.disclosure import (
    ADDITIVE,
    COUNTS,
    HOURS,
    NATIONAL,
    RATIOS,
    Cell,
    derivable_cells,
    equations,
)


def primary(frame: pd.DataFrame, k: int) -> set[Cell]:
    """The cells withheld for themselves: counts below k (0 included), and hours over withheld enrolments."""
    cells = {(row, column) for column in COUNTS for row, value in enumerate(frame[column]) if value < k}
    return cells | {(row, HOURS) for row, column in cells if column == "enrolments"}


def secondary(frame: pd.DataFrame, withheld: set[Cell]) -> set[Cell]:
    """`withheld` grown until no withheld cell is derivable from the published ones."""
    withheld = set(withheld)
    is_national = (frame["breakdown"] == NATIONAL).to_numpy()
    ties = equations(frame)
    while derivable := derivable_cells(frame, withheld):
        # An equation with one withheld cell gives it away by itself: close those first. Otherwise the cells are
        # fixed by a combination: reopen any equation of a derivable cell.
        pool = [eq for eq in ties if len(withheld & eq.keys()) == 1] or [eq for eq in ties if derivable & eq.keys()]
        candidates = {cell for eq in pool for cell in eq} - withheld
        withheld.add(min(candidates, key=lambda cell: (is_national[cell[0]], abs(frame[cell[1]].iloc[cell[0]]), cell)))
    return withheld


def suppress(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """A copy of the public frame with every withheld cell NULL and `cells_suppressed` per row."""
    withheld = secondary(frame, primary(frame, k))
    published = frame.copy()
    for column in ADDITIVE:
        published[column] = published[column].astype("Float64" if column == HOURS else "Int64")
    for row, column in withheld:
        published.iloc[row, published.columns.get_loc(column)] = pd.NA
    for ratio, (numerator, denominator) in RATIOS.items():
        hidden = published[numerator].isna() | published[denominator].isna()
        published[ratio] = published[ratio].astype("Float64").mask(hidden)
    cells = [*ADDITIVE, *RATIOS]
    published["cells_suppressed"] = published[cells].isna().sum(axis=1) - frame[cells].isna().sum(axis=1).to_numpy()
    return published
