"""Seat cohorts, HEC's seat allocations and the Coursera programme that carries each university x cohort."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dlsei_dev.generator.cohorts import Cohort, cohort_of, day_number, iso_dates, next_cohort, previous_cohort
from dlsei_dev.generator.university_pool import University

INVITE_SHARE = 0.75  # of a university's eligible people, invited in one cohort
_SLUG_ALPHABET = np.array(list(string.ascii_lowercase + string.digits))


@dataclass(frozen=True)
class Programmes:
    """One row per university x cohort: the allocation and its Coursera programme, aligned by index."""

    slug: np.ndarray
    name: np.ndarray
    university: np.ndarray  # university index
    cohort_id: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    allocated: np.ndarray

    def __len__(self) -> int:
        return len(self.slug)


def cohorts_around(start: date) -> tuple[Cohort, Cohort, Cohort]:
    current = cohort_of(start)
    return previous_cohort(current), current, next_cohort(current)


def build_programmes(
    universities: list[University], registry_sizes: np.ndarray, start: date, rng: np.random.Generator
) -> Programmes:
    """Every university holds the cohort before and the cohort of the first as-of date; about half already hold
    the next one, so a university has two or three cohorts that never overlap."""
    previous, current, upcoming = cohorts_around(start)
    rows: list[tuple[int, Cohort]] = []
    for u in range(len(universities)):
        rows += [(u, previous), (u, current)]
        if rng.random() < 0.5:
            rows.append((u, upcoming))
    # Some universities get fewer seats than they hand out (negative free seats), most get some headroom.
    factor = rng.uniform(0.85, 1.45, len(rows))
    expected = np.array([registry_sizes[u] for u, _ in rows]) * INVITE_SHARE * 0.85
    allocated = np.maximum(5, np.round(expected * factor / 5) * 5).astype(np.int64)
    codes = ["".join(rng.choice(_SLUG_ALPHABET, 5)) for _ in rows]
    return Programmes(
        slug=np.array(
            [f"{universities[u].slug}-{c.compact}-{code}" for (u, c), code in zip(rows, codes, strict=True)],
            dtype=object,
        ),
        name=np.array([f"HEC DLSEI {c.cohort_id} - {universities[u].name}" for u, c in rows], dtype=object),
        university=np.array([u for u, _ in rows]),
        cohort_id=np.array([c.cohort_id for _, c in rows], dtype=object),
        start_day=np.array([day_number(c.start) for _, c in rows]),
        end_day=np.array([day_number(c.end) for _, c in rows]),
        allocated=allocated,
    )


def allocations_frame(programmes: Programmes, university_ids: list[str]) -> pd.DataFrame:
    ids = np.asarray(university_ids, dtype=object)
    return pd.DataFrame(
        {
            "university_id": ids[programmes.university],
            "cohort_id": programmes.cohort_id,
            "cohort_start": iso_dates(programmes.start_day),
            "cohort_end": iso_dates(programmes.end_day),
            "seats": programmes.allocated.astype(str),
            # A made-up contract price per seat (US dollars), no random draw: every other figure of a seed stays.
            "seat_price": np.where(np.arange(len(programmes.cohort_id)) % 2 == 0, "24.50", "21.00"),
        }
    )


def programmes_frame(programmes: Programmes, university_ids: list[str]) -> pd.DataFrame:
    ids = np.asarray(university_ids, dtype=object)
    return pd.DataFrame(
        {
            "program_slug": programmes.slug,
            "program_name": programmes.name,
            "university_id": ids[programmes.university],
            "cohort_id": programmes.cohort_id,
        }
    )
