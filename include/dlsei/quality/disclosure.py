"""Which withheld cells of a publication-safe table could be worked out from the cells it publishes.

The public roll-up of one as-of date (publish/public.py) is one frame: a national row and the rows of each breakdown
(region, sector) that partition it. The cells are tied by linear equations anyone can write down: every breakdown's
rows add up to the national row, column by column, and within a row `seats_held = invited + joined`,
`joined = active_30d + dormant + never_started`, `allocated = seats_held + free_seats`. A withheld cell (NULL) is
derivable when those equations and the published cells fix its value: it is then one coordinate of the solution set
that every direction of the equations' null space leaves unchanged (linear algebra, not a search over guesses, so
combinations of totals and differences are covered, not just one equation at a time).

Ratios are not linear in the cells: a published percentage whose numerator or denominator is withheld gives the
withheld count away (`active_30d = utilisation_pct * allocated / 100`), so it counts as a derivable cell too.

Used twice, by design: the suppression (publish/suppression.py) withholds cells until nothing is derivable, and the
public suite's derived column (derived.py) checks the published frame again on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np
import pandas as pd

from dlsei.warehouse.views import ROLLUP_COUNTS

NATIONAL: Final = "national"
BREAKDOWNS: Final = ("region", "sector")
# Counts of seats, learners or enrolments (the roll-ups' counts): a cell below the threshold is withheld.
COUNTS: Final = ROLLUP_COUNTS
# Summed like the counts but not a count of people: withheld with the enrolments it sums over.
HOURS: Final = "learning_hours"
ADDITIVE: Final = (*COUNTS, HOURS)
ROW_IDENTITIES: Final = (
    ("seats_held", ("invited", "joined")),
    ("joined", ("active_30d", "dormant", "never_started")),
    ("allocated", ("seats_held", "free_seats")),
)
# ratio -> (numerator, denominator)
RATIOS: Final = {"utilisation_pct": ("active_30d", "allocated"), "join_rate_pct": ("joined", "allocated")}

Cell = tuple[int, str]  # (row position in the frame, column)
Equation = dict[Cell, float]  # sum of coefficient x cell = 0


def equations(frame: pd.DataFrame) -> list[Equation]:
    """The equations tying the cells of one as-of date's public frame (columns `breakdown` and ADDITIVE)."""
    breakdown = frame["breakdown"].to_numpy()
    national = [i for i, b in enumerate(breakdown) if b == NATIONAL]
    result: list[Equation] = []
    for total in national:
        for name in BREAKDOWNS:
            parts = [i for i, b in enumerate(breakdown) if b == name]
            if not parts:
                continue
            for column in ADDITIVE:
                result.append({(total, column): -1.0} | {(i, column): 1.0 for i in parts})
    for row in range(len(frame)):
        for total, parts in ROW_IDENTITIES:
            result.append({(row, total): -1.0} | {(row, part): 1.0 for part in parts})
    return result


def withheld(frame: pd.DataFrame) -> set[Cell]:
    return {(row, column) for column in ADDITIVE for row in np.flatnonzero(frame[column].isna().to_numpy())}


def derivable_cells(frame: pd.DataFrame, unknown: Iterable[Cell] | None = None) -> set[Cell]:
    """The withheld cells (`unknown`, default: the NULL cells of ADDITIVE) whose value the equations and the other
    cells fix."""
    cells = sorted(withheld(frame) if unknown is None else set(unknown))
    if not cells:
        return set()
    position = {cell: j for j, cell in enumerate(cells)}
    rows = [eq for eq in equations(frame) if any(cell in position for cell in eq)]
    if not rows:
        return set()
    matrix = np.zeros((len(rows), len(cells)))
    for i, eq in enumerate(rows):
        for cell, coefficient in eq.items():
            if cell in position:
                matrix[i, position[cell]] = coefficient
    # x_j is fixed iff every vector of the null space of the unknowns' columns is 0 at j (a cell no equation ties
    # has a zero column, so its unit vector is in the null space: never fixed).
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > 1e-9).sum())
    null_space = vt[rank:]
    fixed = np.all(np.abs(null_space) < 1e-9, axis=0) if len(null_space) else np.ones(len(cells), dtype=bool)
    return {cell for cell, is_fixed in zip(cells, fixed, strict=True) if is_fixed}


def ratio_leaks(frame: pd.DataFrame) -> pd.Series:
    """Per row: the published ratios whose numerator or denominator is withheld."""
    leaks = pd.Series(0, index=frame.index, dtype="int64")
    for ratio, (numerator, denominator) in RATIOS.items():
        hidden_input = frame[numerator].isna() | frame[denominator].isna()
        leaks += (frame[ratio].notna() & hidden_input).astype("int64")
    return leaks


def derivable_per_row(frame: pd.DataFrame) -> pd.Series:
    """Per row of one as-of date's public frame: how many of its withheld cells can be worked out."""
    counts = pd.Series(0, index=frame.index, dtype="int64")
    for row, _ in derivable_cells(frame):
        counts.iloc[row] += 1
    return counts + ratio_leaks(frame)
