"""Run one stage in a fresh process and measure it there: its wall time and its own peak resident memory.

A stage is a function that prepares in the child (imports, opening the GX project: fixed costs an Airflow task
also pays, but not per row) and returns the work to time, which returns the rows it handled.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

Stage = Callable[..., Callable[[], int]]


@dataclass(frozen=True)
class Measured:
    seconds: float
    rows: int
    peak_rss_mb: float  # the child's own peak, imports included


def measure(stage: Stage, *args: Any) -> Measured:
    # spawn, not fork: a forked child would start with the parent's memory counted in its peak.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run, stage, *args).result()


def _run(stage: Stage, *args: Any) -> Measured:
    work = stage(*args)
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    # Linux reports ru_maxrss in KiB.
    return Measured(seconds, rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
