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
from pathlib import Path
from typing import Any

Stage = Callable[..., Callable[[], int]]


@dataclass(frozen=True)
class Measured:
    seconds: float
    rows: int
    peak_rss_mb: float  # the child's own peak resident memory, imports included


def measure(stage: Stage, *args: Any) -> Measured:
    # spawn, not fork: a forked child would start with the parent's memory counted in its peak.
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(_run, stage, *args).result()


def _run(stage: Stage, *args: Any) -> Measured:
    work = stage(*args)
    started = time.perf_counter()
    rows = work()
    seconds = time.perf_counter() - started
    return Measured(seconds, rows, _peak_rss_mb())


def _peak_rss_mb() -> float:
    # VmHWM is this process image's own peak. ru_maxrss is not: Linux carries the forked parent's peak across the
    # exec that spawn makes, so every stage would weigh at least what the benchmark's own process weighed.
    status = Path("/proc/self/status")
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux, bytes on macOS: a fallback
