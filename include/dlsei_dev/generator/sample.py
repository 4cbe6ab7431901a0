"""Generate a complete, deterministic sample: HEC registry extracts, daily Coursera exports in the legacy and
current layouts, and the utilisation truth the pipeline must reproduce from them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dlsei_dev.generator.cohorts import day_date, day_number
from dlsei_dev.generator.render_current import write_current_day
from dlsei_dev.generator.render_legacy import write_legacy_day
from dlsei_dev.generator.render_registry import write_registry
from dlsei_dev.generator.state import snapshot
from dlsei_dev.generator.truth import (
    TRUTH_COLUMNS,
    TRUTH_FILES,
    activity_truth_for_day,
    match_truth_for_day,
    seen_before_removal,
    truth_for_day,
)
from dlsei_dev.generator.world import build_world

EXPORT_HOUR_UTC = 2
# Files an earlier run of the generator may have left, replaced on every run so days never mix.
GENERATED_PREFIXES = (
    "hec_",
    "Usage Report ",
    "Membership Report ",
    "CourseraEnterpriseExport ",
    "CourseActivity ",
    "ProgramActivity ",
)


@dataclass(frozen=True)
class SampleConfig:
    out_dir: Path
    seed: int = 7
    universities: int = 12  # spread across all 7 regions, public and private
    people: int = 1500  # registry students + faculty (about 10% faculty)
    start: date = date(2026, 11, 1)  # first as-of date
    days: int = 15  # number of daily exports (as-of dates start .. start+days-1)
    current_layout_from_day: int = 8  # days before this use the legacy layouts, from it on the current ones
    zip_current: bool = True  # current-layout days arrive as the six-file ZIP
    mess: bool = True  # the quirks of coursera-exports.md §4
    courses: int = 120  # catalogue size (courses + guided projects, all 11 domains)
    last_day_only: bool = False  # write only the last day's exports (benchmarks of one large day)

    def __post_init__(self) -> None:
        if self.universities < 1 or self.people < self.universities or self.days < 1 or self.courses < 11:
            raise ValueError(
                "need at least 1 university, as many people as universities, 1 day and 11 courses (one per domain)"
            )

    @property
    def as_of_dates(self) -> list[date]:
        every = [self.start + timedelta(days=i) for i in range(self.days)]
        return every[-1:] if self.last_day_only else every

    def uses_current_layout(self, as_of: date) -> bool:
        """Days are counted from 1 (the start date is day 1): day `current_layout_from_day` is the first in the
        current layouts."""
        return (as_of - self.start).days + 1 >= self.current_layout_from_day


@dataclass(frozen=True)
class SampleManifest:
    incoming_dir: Path  # out_dir/incoming: every file to drop into the landing area's incoming/ folder
    truth_path: Path  # out_dir/truth/utilisation.csv
    as_of_dates: list[date]
    files: list[Path]

    def truth_of(self, name: str) -> Path:
        """out_dir/truth/<name>.csv, for each name of TRUTH_FILES (`utilisation` is truth_path)."""
        if name not in TRUTH_FILES:
            raise ValueError(f"no truth file {name!r}; the truth files are {', '.join(TRUTH_FILES)}")
        return self.truth_path.with_name(f"{name}.csv")


def export_stamp(as_of: date) -> datetime:
    """Coursera e-mails the export the next morning; the pipeline takes its Karachi date minus one day."""
    return datetime.combine(as_of + timedelta(days=1), time(EXPORT_HOUR_UTC), tzinfo=UTC)


def _fresh_folder(folder: Path, prefixes: tuple[str, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.iterdir():
        if stale.is_file() and stale.name.startswith(prefixes):
            stale.unlink()
    return folder


def generate_sample(config: SampleConfig) -> SampleManifest:
    as_of_dates = config.as_of_dates
    written_days = np.array([day_number(d) for d in as_of_dates], dtype=np.int64)
    world = build_world(
        seed=config.seed,
        universities=config.universities,
        people=config.people,
        courses=config.courses,
        extract_date=config.start,
        written_days=written_days,
        mess=config.mess,
    )
    incoming = _fresh_folder(config.out_dir / "incoming", GENERATED_PREFIXES)
    truth_dir = _fresh_folder(config.out_dir / "truth", TRUTH_FILES)
    files = write_registry(world.registry, incoming, config.start)

    legacy_days = [d for d in as_of_dates if not config.uses_current_layout(d)]
    # One legacy file went through Excel: the second legacy day's, or the only one.
    naive_day = legacy_days[min(1, len(legacy_days) - 1)] if config.mess and legacy_days else None
    first_current = next((d for d in as_of_dates if config.uses_current_layout(d)), None)
    seen = seen_before_removal(world, written_days)
    truths: dict[str, list[pd.DataFrame]] = {name: [] for name in TRUTH_FILES}
    for day in written_days:
        as_of = day_date(day)
        snap = snapshot(world.timelines, world.programmes, int(day))
        if config.uses_current_layout(as_of):
            files += write_current_day(
                world,
                snap,
                incoming,
                export_stamp(as_of),
                zipped=config.zip_current,
                first_of_layout=as_of == first_current,
            )
        else:
            files += write_legacy_day(
                world,
                snap,
                incoming,
                export_stamp(as_of),
                naive_times=as_of == naive_day,
                first_of_layout=as_of == legacy_days[0],
            )
        truths["utilisation"].append(truth_for_day(world, snap, seen)[list(TRUTH_COLUMNS)])
        truths["learner_match"].append(match_truth_for_day(world, snap))
        truths["activity_by_domain"].append(activity_truth_for_day(world, snap, "domain"))
        truths["activity_by_course_type"].append(activity_truth_for_day(world, snap, "course_type"))

    for name, days in truths.items():
        pd.concat(days, ignore_index=True).to_csv(truth_dir / f"{name}.csv", index=False, lineterminator="\n")
    return SampleManifest(
        incoming_dir=incoming, truth_path=truth_dir / "utilisation.csv", as_of_dates=as_of_dates, files=files
    )
