"""The exports a benchmark runs on: one generated day of a given size, kept between runs (the generator is
deterministic, so a kept sample is the sample the same size would give again). Above GENERATED_UP_TO rows the
day is copies of the largest generated one (replicate.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Final

from dlsei.ingest.registry import is_registry_file
from dlsei_dev.bench.replicate import replicate
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.generator.sample import export_stamp

# The generator writes about 1.1 course-activity rows per registry person (920,000 people: 1,013,645 rows).
PEOPLE_PER_ROW: Final = 0.908
UNIVERSITIES: Final = 40
GENERATED_UP_TO: Final = 1_000_000


@dataclass(frozen=True)
class Workload:
    rows: int  # course-activity rows asked for (the file also holds one membership row per seat)
    export: Path  # the day's Coursera file: the admin console's ZIP
    registry: tuple[Path, ...]  # the HEC registry extracts the marts need
    as_of: date
    export_ts: datetime


def workload(work_dir: Path, rows: int) -> Workload:
    if rows > GENERATED_UP_TO:
        return _copies(work_dir, rows)
    folder = work_dir / f"sample-{rows}"
    config = SampleConfig(
        out_dir=folder,
        people=max(UNIVERSITIES, round(rows * PEOPLE_PER_ROW)),
        universities=UNIVERSITIES,
        last_day_only=True,
    )
    done = folder / "complete.json"
    if not done.is_file():
        generate_sample(config)
        done.write_text(json.dumps({"rows": rows, "people": config.people}), encoding="utf-8")
    files = sorted((folder / "incoming").iterdir())
    [export] = [f for f in files if not is_registry_file(f.name)]
    as_of = config.as_of_dates[-1]
    return Workload(
        rows=rows,
        export=export,
        registry=tuple(f for f in files if is_registry_file(f.name)),
        as_of=as_of,
        export_ts=export_stamp(as_of),
    )


def _copies(work_dir: Path, rows: int) -> Workload:
    generated = workload(work_dir, GENERATED_UP_TO)
    copies = round(rows / GENERATED_UP_TO)
    folder = work_dir / f"copies-{rows}"
    target = folder / generated.export.name
    done = folder / "complete.json"
    if not done.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        replicate(generated.export, copies, target)
        done.write_text(json.dumps({"rows": rows, "copies of": GENERATED_UP_TO}), encoding="utf-8")
    return replace(generated, rows=copies * GENERATED_UP_TO, export=target)  # what was made, not what was asked
