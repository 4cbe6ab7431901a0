"""Small-cell suppression against hand-worked tables: the primary cells, the cells withheld so that no total or
difference gives a primary cell back, and the percentages that would."""

from __future__ import annotations

import pandas as pd

from dlsei.publish.suppression import primary, secondary, suppress
from dlsei.quality.disclosure import COUNTS, derivable_cells

K = 5
# Large enough never to be withheld unless the test says so.
_BASE = {
    "allocated": 400,
    "invited": 50,
    "active_7d": 60,
    "active_30d": 100,
    "dormant": 40,
    "never_started": 30,
    "removed": 25,
    "enrolments": 300,
    "completions": 80,
    "certificates": 70,
    "learning_hours": 900.5,
}


def row(breakdown: str, category: str, **changes: float) -> dict[str, object]:
    """One roll-up row with the identities of docs/measures.md holding."""
    values = {**_BASE, **changes}
    values["joined"] = values["active_30d"] + values["dormant"] + values["never_started"]
    values["seats_held"] = values["invited"] + values["joined"]
    values["free_seats"] = values["allocated"] - values["seats_held"]
    values["utilisation_pct"] = round(100 * values["active_30d"] / values["allocated"], 2)
    values["join_rate_pct"] = round(100 * values["joined"] / values["allocated"], 2)
    return {"breakdown": breakdown, "category": category, **values}


def _with_ratios(values: dict[str, object]) -> dict[str, object]:
    values["utilisation_pct"] = round(100 * values["active_30d"] / values["allocated"], 2)
    values["join_rate_pct"] = round(100 * values["joined"] / values["allocated"], 2)
    return values


def table(regions: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The national row (the regions summed), the regions, then the sectors: private a plain row, public the rest
    (every region has universities of both sectors)."""
    parts = pd.DataFrame([row("region", name, **changes) for name, changes in regions.items()])
    figures = [c for c in parts if c not in ("breakdown", "category", "utilisation_pct", "join_rate_pct")]
    national = _with_ratios({"breakdown": "national", "category": "national"} | parts[figures].sum().to_dict())
    private = row("sector", "private")
    public = _with_ratios(
        {"breakdown": "sector", "category": "public"} | {c: national[c] - private[c] for c in figures}
    )
    return pd.DataFrame([national, *parts.to_dict("records"), public, private])


NATIONAL, PUNJAB, SINDH, KP = 0, 1, 2, 3


def test_a_lone_small_cell_is_recoverable_from_its_total_until_a_second_cell_is_withheld() -> None:
    # Removed seats: Punjab 20, Sindh 3, Khyber Pakhtunkhwa 12, nationally 35 (public 10 + private 25).
    frame = table({"Punjab": {"removed": 20}, "Sindh": {"removed": 3}, "Khyber Pakhtunkhwa": {"removed": 12}})
    lone = primary(frame, K)
    assert lone == {(SINDH, "removed")}

    # Withheld alone, Sindh's 3 comes straight back: 35 - 20 - 12.
    naive = frame.astype({"removed": "Float64"})
    naive.loc[SINDH, "removed"] = pd.NA
    assert derivable_cells(naive) == {(SINDH, "removed")}
    assert naive.loc[NATIONAL, "removed"] - naive.loc[PUNJAB, "removed"] - naive.loc[KP, "removed"] == 3

    # The smallest other region is withheld with it; the national total and Punjab stay published.
    assert secondary(frame, lone) == {(SINDH, "removed"), (KP, "removed")}
    published = suppress(frame, K)
    assert published["removed"].isna().tolist() == [False, False, True, True, False, False]
    assert published.loc[NATIONAL, "removed"] == 35
    assert published["cells_suppressed"].tolist() == [0, 0, 1, 1, 0, 0]
    assert derivable_cells(published) == set()


def test_a_small_cell_inside_a_row_identity_closes_into_a_rectangle() -> None:
    # Punjab: 2 of its members never started. Withheld alone it is joined - active_30d - dormant in its row, and
    # the national figure minus the others in its column. Worked by hand: Sindh's never started (6, the smallest
    # cell of either equation) closes the column; Punjab's dormant (8) its row; Sindh's dormant (9) the dormant
    # column and Sindh's row. Every equation then has two withheld cells or none.
    frame = table(
        {
            "Punjab": {"never_started": 2, "dormant": 8},
            "Sindh": {"never_started": 6, "dormant": 9},
            "Khyber Pakhtunkhwa": {"never_started": 60, "dormant": 80},
        }
    )
    withheld = secondary(frame, primary(frame, K))
    assert withheld == {
        (PUNJAB, "never_started"),
        (SINDH, "never_started"),
        (PUNJAB, "dormant"),
        (SINDH, "dormant"),
    }
    published = suppress(frame, K)
    assert derivable_cells(published) == set()
    # joined, active_30d and the percentages of those rows stay: none of them gives a withheld cell back.
    assert published.loc[PUNJAB, "joined"] == 100 + 8 + 2
    assert published.loc[PUNJAB, "utilisation_pct"] == 25.0


def test_every_count_below_k_is_withheld_with_the_percentages_and_hours_that_would_give_it_away() -> None:
    frame = table(
        {
            "Punjab": {"active_30d": 3, "active_7d": 1, "enrolments": 4, "completions": 2, "certificates": 0},
            "Sindh": {},
            "Islamabad Capital Territory": {"invited": 0, "removed": 0},
        }
    )
    published = suppress(frame.assign(), K)
    counts = published[list(COUNTS)]
    assert ((counts >= K) | counts.isna()).all().all(), "no published count below k"
    for row_, column in primary(frame, K):
        assert pd.isna(published.loc[row_, column])
    assert pd.isna(published.loc[PUNJAB, "utilisation_pct"])  # 100 * active_30d / allocated: active_30d withheld
    assert pd.isna(published.loc[PUNJAB, "learning_hours"])  # hours over 4 enrolments
    assert derivable_cells(published) == set()
    assert published.loc[NATIONAL, "allocated"] == 1200
