"""The whole benchmark: for each size, generate the day's exports, measure the floor on them, then run every stage
on each backend in a warehouse of its own (a fresh PostgreSQL schema, a fresh SQLite file), dropped afterwards."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import make_url, text

from dlsei.quality.context import gx_root
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade
from dlsei_dev.bench import floor, stages
from dlsei_dev.bench.isolate import measure
from dlsei_dev.bench.report import (
    CHART_ENGINE,
    PAGE,
    PUBLISH,
    TARGET_ROWS,
    YEAR_OF_MARTS,
    Figure,
    history_stage,
    machine,
    registry_stage,
    table,
    verdicts,
)
from dlsei_dev.bench.workload import REGISTRY_DATE, Workload, registry_workload, workload

BACKENDS = ("postgresql", "sqlite")
# The local server the tests use: the benchmark works in a schema of its own there and drops it afterwards.
DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


@contextmanager
def _postgres_schema(postgres_url: str) -> Iterator[str]:
    schema = f"dlsei_bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield (
            make_url(postgres_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def _warehouse(backend: str, postgres_url: str, folder: Path) -> Iterator[str]:
    if backend == "postgresql":
        with _postgres_schema(postgres_url) as url:
            yield url
    else:
        yield f"sqlite:///{folder / 'warehouse.db'}"


def _floor(load: Workload, postgres_url: str, scratch: Path) -> list[Figure]:
    with _postgres_schema(postgres_url) as url:
        read = measure(floor.read, load.export, scratch)
        copy = measure(floor.copy, url, load.export, scratch)
    return [
        Figure(load.rows, "-", "floor: unzip + pyarrow read", read),
        Figure(load.rows, "-", "floor: COPY", copy),
    ]


def _backend(
    load: Workload, backend: str, postgres_url: str, folder: Path, gx: Path, *, history_days: list[int]
) -> list[Figure]:
    with _warehouse(backend, postgres_url, folder) as url:
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        # The morning run after the export: late enough for the file's stamp, as the DAG's would be.
        setting = stages.Setting(url, folder / "home", gx, load.export_ts + timedelta(hours=1))
        runs = [
            ("registry", stages.registry, (setting, load.registry)),
            ("ingest", stages.ingest, (setting, load.export)),
            (PUBLISH, stages.marts, (setting, load.as_of)),
            # A date is published again when a second file of it lands (the legacy layout's two exports) or a
            # day is backfilled: the same target applies.
            (f"{PUBLISH} again", stages.marts, (setting, load.as_of)),
            ("re-run the day", stages.rerun, (setting, load.export)),
        ]
        # Up to the size the marts target is set at: at 10,000,000 rows a month would be 170 million seat-days.
        # Each longer history adds only the days the shorter one lacks: the same warehouse, later in its life.
        if load.rows <= TARGET_ROWS:
            held = 0
            for days in sorted(set(history_days) - {0}):
                runs.append((history_stage(days), stages.marts_with_history, (setting, load.as_of, days, held)))
                held = days
        figures = [Figure(load.rows, backend, name, measure(stage, *args)) for name, stage, args in runs]
        if load.rows <= TARGET_ROWS:
            figures += _dashboard(load, backend, setting)
        return figures


def _dashboard(load: Workload, backend: str, setting: stages.Setting) -> list[Figure]:
    """A year of the day's marts, then each page of the dashboard timed on it (vl-convert's start apart)."""
    figures = [Figure(load.rows, backend, YEAR_OF_MARTS, measure(stages.year_of_marts, setting, load.as_of))]
    figures.append(Figure(load.rows, backend, CHART_ENGINE, measure(stages.chart_engine_start)))
    university = stages.first_university(setting, load.as_of)
    pages = {"overview": "/", "university page": f"/universities/{university}"}
    pages |= {"university CSV": f"/universities/{university}.csv", "data-team page": "/data-team"}
    for name, path in pages.items():
        figures.append(Figure(load.rows, backend, f"{PAGE}{name}", measure(stages.page, setting, path)))
    return figures


def _registry_people(
    rows: int, work_dir: Path, backends: list[str], *, postgres_url: str, scratch: Path, gx: Path
) -> list[Figure]:
    """The registry of as many people as the day has rows (1,000,000 at the target size), each backend in a
    warehouse of its own: the registry target is set in people."""
    people = registry_workload(work_dir, rows)
    figures: list[Figure] = []
    for backend in backends:
        folder = scratch / f"registry-{backend}-{rows}"
        folder.mkdir()
        with _warehouse(backend, postgres_url, folder) as url:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            setting = stages.Setting(url, folder / "home", gx, datetime.combine(REGISTRY_DATE, time(9), UTC))
            figures.append(
                Figure(rows, backend, registry_stage(rows), measure(stages.registry_people, setting, people))
            )
        shutil.rmtree(folder)
    return figures


def run_benchmark(
    sizes: list[int], backends: list[str], work_dir: Path, postgres_url: str, history_days: list[int]
) -> list[Figure]:
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="dlsei-bench-") as temporary:
        scratch = Path(temporary)
        # Validation results go to a copy of the GX project, never the repository's.
        gx = scratch / "great_expectations"
        shutil.copytree(gx_root(), gx, ignore=shutil.ignore_patterns("uncommitted"))
        for rows in sizes:
            load = workload(work_dir, rows)
            unzipped = scratch / f"unzipped-{rows}"
            unzipped.mkdir()
            figures += _floor(load, postgres_url, unzipped)
            shutil.rmtree(unzipped)
            figures.append(Figure(rows, "-", "parse", measure(stages.parse, load.export)))
            setting = stages.Setting("sqlite://", scratch / "validate", gx, load.export_ts)
            figures.append(Figure(rows, "-", "parse + validate", measure(stages.validate, setting, load.export)))
            if rows <= TARGET_ROWS:
                figures += _registry_people(rows, work_dir, backends, postgres_url=postgres_url, scratch=scratch, gx=gx)
            for backend in backends:
                folder = scratch / f"{backend}-{rows}"
                folder.mkdir()
                figures += _backend(load, backend, postgres_url, folder, gx, history_days=history_days)
                shutil.rmtree(folder)
    return figures


def print_benchmark(
    sizes: list[int], backends: list[str], work_dir: Path | None, postgres_url: str | None, history_days: list[int]
) -> int:
    from dlsei.settings import load_settings

    postgres_url = postgres_url or DEFAULT_POSTGRES_URL
    work_dir = work_dir or load_settings().home / "bench"
    print(f"machine: {machine(postgres_url)}", flush=True)
    figures = run_benchmark(sizes, backends, work_dir, postgres_url, history_days)
    print(table(figures))
    print()
    print(verdicts(figures))
    return 0
