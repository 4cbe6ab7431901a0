"""Which rows of a stream carry a key that an earlier chunk may already have carried: a Bloom filter.

It never misses a key it was given (no false negative); it may say "maybe" of a new key (a false positive: with
the default 16 MB, about 1 row in 500 after 10,000,000 keys, next to none below 1,000,000). Its size is fixed,
whatever the stream's length. A caller sends the "maybe" rows down its slow, exact path and the others down its
fast one.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

# Two independent 64-bit hashes of each key; position i is h1 + i * h2 (Kirsch and Mitzenmacher's double hashing).
_SEEDS: Final = ("dlsei-keyfilter1", "dlsei-keyfilter2")  # pandas takes 16-character hash keys


class KeyFilter:
    def __init__(self, bits: int = 1 << 27, hashes: int = 6) -> None:
        self._bits = np.zeros(bits // 8, dtype=np.uint8)
        self._size = np.uint64(len(self._bits) * 8)
        self._steps = np.arange(hashes, dtype=np.uint64)

    def seen_then_add(self, keys: pd.DataFrame) -> np.ndarray:
        """For each row of `keys` (distinct rows), whether its key may have been added before; then add them all."""
        first, second = (pd.util.hash_pandas_object(keys, index=False, hash_key=seed).to_numpy() for seed in _SEEDS)
        positions = (first[:, None] + self._steps * second[:, None]) % self._size  # wraps modulo 2**64, as meant
        cells, masks = positions >> np.uint64(3), (np.uint64(1) << (positions & np.uint64(7))).astype(np.uint8)
        seen = ((self._bits[cells] & masks) != 0).all(axis=1)
        np.bitwise_or.at(self._bits, cells.ravel(), masks.ravel())
        return seen
