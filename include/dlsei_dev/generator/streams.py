"""Seeded randomness: one independent stream per purpose, and a stateless hash for per-(row, day) choices.

Named streams keep each part of the world stable when another part changes shape: adding a column to a renderer
never shifts who was invited when. The hash answers questions like "what time of day was this enrolment's
activity on day d" for any day without simulating the days before it.
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def stream(seed: int, purpose: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(purpose.encode())])


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


def mix(seed: int, *keys: np.ndarray | int) -> np.ndarray:
    """A well-spread uint64 per element of the broadcast keys; the same keys always give the same value."""
    with np.errstate(over="ignore"):
        acc = np.full(np.broadcast(*keys).shape if keys else (), np.uint64(seed & 0xFFFFFFFFFFFFFFFF))
        for key in keys:
            acc = _splitmix(acc ^ (np.asarray(key).astype(np.uint64) + _GOLDEN))
    return acc


def uniform_below(seed: int, bound: int, *keys: np.ndarray | int) -> np.ndarray:
    """Hash-derived integers in [0, bound)."""
    return (mix(seed, *keys) % np.uint64(bound)).astype(np.int64)
