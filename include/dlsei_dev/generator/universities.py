"""The universities of the sample: every region represented, the rest drawn in proportion to the national roll."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlsei.canonical import REGIONS
from dlsei_dev.generator.university_pool import REGION_WEIGHTS, UNIVERSITIES, University


def choose_universities(count: int, rng: np.random.Generator) -> list[University]:
    """One university per region first (so all seven appear), then weighted draws; past the pool, extra campuses
    of pooled universities stand in for the 200+ real ones."""
    by_region = {region: [u for u in UNIVERSITIES if u.region == region] for region in REGIONS}
    chosen: list[University] = []
    for region in REGIONS:
        if len(chosen) < count:
            chosen.append(by_region[region].pop(0))
    weights = np.array([REGION_WEIGHTS[r] for r in REGIONS])
    while len(chosen) < min(count, len(UNIVERSITIES)):
        open_regions = np.array([bool(by_region[r]) for r in REGIONS])
        p = weights * open_regions
        region = REGIONS[rng.choice(len(REGIONS), p=p / p.sum())]
        chosen.append(by_region[region].pop(0))
    if count > 1 and all(u.sector == "public" for u in chosen):
        # Swap within a region so the seven-region spread survives.
        for i, university in enumerate(chosen):
            private = [u for u in by_region[university.region] if u.sector == "private"]
            if private:
                chosen[i] = private[0]
                break
    for extra in range(count - len(chosen)):
        base = UNIVERSITIES[extra % len(UNIVERSITIES)]
        campus = extra // len(UNIVERSITIES) + 2
        chosen.append(
            base._replace(
                name=f"{base.name} (Campus {campus})",
                code=f"{base.code}C{campus}",
                slug=f"{base.slug}-c{campus}",
            )
        )
    return chosen


def university_ids(count: int) -> list[str]:
    width = max(3, len(str(count)))
    return [f"U{i + 1:0{width}d}" for i in range(count)]


def universities_frame(chosen: list[University]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "university_id": university_ids(len(chosen)),
            "university_name": [u.name for u in chosen],
            "region": [u.region for u in chosen],
            "sector": [u.sector for u in chosen],
            "city": [u.city for u in chosen],
            "coordinator_email": [f"coursera.{u.slug}@{u.domain}" for u in chosen],
        }
    )
