"""The key filter never misses a key it was given, and with its default size hardly ever mistakes a new one."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlsei.ingest.keyfilter import KeyFilter


def keys(start: int, stop: int) -> pd.DataFrame:
    numbers = np.arange(start, stop)
    return pd.DataFrame(
        {
            "program_slug": pd.Series([f"p{n % 7}" for n in numbers], dtype="string"),
            "learner_key": pd.Series([f"{n:064x}" for n in numbers], dtype="string"),
            "course_id": pd.Series([f"c{n % 13}" for n in numbers], dtype="string"),
        }
    )


def test_no_key_is_missed_and_new_keys_pass() -> None:
    seen = KeyFilter()
    assert not seen.seen_then_add(keys(0, 50_000)).any()
    again = seen.seen_then_add(pd.concat([keys(40_000, 60_000), keys(0, 10)], ignore_index=True))
    assert again[:10_000].all(), "keys of the first chunk"
    assert not again[10_000:20_000].any(), "new keys"
    assert again[20_000:].all()


def test_a_crowded_filter_errs_on_the_side_of_maybe() -> None:
    crowded = KeyFilter(bits=1 << 10, hashes=2)
    crowded.seen_then_add(keys(0, 5_000))
    assert crowded.seen_then_add(keys(0, 5_000)).all(), "never a false negative"
    assert crowded.seen_then_add(keys(5_000, 6_000)).mean() > 0.5, "many false positives: the slow path, still exact"
