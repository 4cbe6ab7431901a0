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
from dlsei_dev.generator.render_registry import write_registry
from dlsei_dev.generator.sample import export_stamp
from dlsei_dev.generator.world import build_registry

# The generator writes about 1.1 course-activity rows per registry person (920,000 people: 1,013,645 rows).
PEOPLE_PER_ROW: Final = 0.908
UNIVERSITIES: Final = 40
GENERATED_UP_TO: Final = 1_000_000
REGISTRY_DATE: Final = SampleConfig.start  # the date of every generated registry extract


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


def registry_workload(work_dir: Path, people: int) -> tuple[Path, ...]:
    """The registry extracts of `people` people (universities, allocations, programmes and catalogue with them),
    dated as the generated days' registry: the registry load's target is set in people, not in activity rows."""
    folder = work_dir / f"registry-{people}"
    done = folder / "complete.json"
    if not done.is_file():
        config = SampleConfig(out_dir=folder, people=people, universities=UNIVERSITIES)
        registry = build_registry(
            seed=config.seed,
            universities=config.universities,
            people=people,
            courses=config.courses,
            extract_date=config.start,
            mess=config.mess,
        )
        incoming = folder / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        write_registry(registry.extracts, incoming, config.start)
        done.write_text(json.dumps({"people": people}), encoding="utf-8")
    return tuple(sorted((folder / "incoming").iterdir()))


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
