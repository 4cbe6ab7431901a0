"""What each measured process does. Each stage sets up in its own process and returns the work isolate.py times.

The pipeline's stages call the package's own functions, as the DAG tasks do; the settings come from the
environment, as in a task.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select

from dlsei.exports import open_export
from dlsei.ingest.ledger import LOADED
from dlsei.ingest.streaming import LOADING
from dlsei.resources import resources
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.schema import dim_person, file_ledger, snap_course_activity


@dataclass(frozen=True)
class Setting:
    """Where one backend's run lives: its warehouse, its home (landing area, outbox) and its GX project copy."""

    warehouse_url: str
    home: Path
    gx_root: Path
    logical_dt: datetime  # the morning run that loads the day's export


def _enter(setting: Setting) -> RunContext:
    os.environ["DLSEI_HOME"] = str(setting.home)
    os.environ["AIRFLOW_CONN_DLSEI_WAREHOUSE"] = setting.warehouse_url
    os.environ["DLSEI_GX_ROOT"] = str(setting.gx_root)
    for name in ("AIRFLOW_VAR_DLSEI_LANDING_URL", "AIRFLOW_VAR_DLSEI_OUTBOX_DIR", "DLSEI_ENV"):
        os.environ.pop(name, None)
    from dlsei.quality.context import get_context

    get_context()  # opening the GX project (and importing GX) is a fixed cost, not the stage's work
    return RunContext(load_id="dlsei-bench", logical_dt=setting.logical_dt, settings=load_settings())


def deliver(setting: Setting, files: tuple[Path, ...]) -> None:
    """Drop files into the local landing area's incoming/ folder, as a delivery would."""
    incoming = setting.home / "landing" / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    for path in files:
        shutil.copyfile(path, incoming / path.name)


def registry(setting: Setting, files: tuple[Path, ...]) -> Callable[[], int]:
    from dlsei.ingest.registry import ingest_registry

    run = _enter(setting)
    deliver(setting, files)
    res = resources(run.settings)

    def work() -> int:
        report = ingest_registry(run, res)
        return sum(o.rows_loaded for o in report.outcomes)

    return work


def parse(export: Path) -> Callable[[], int]:
    """The reader alone, as ingest reads: every record typed, chunk by chunk, nothing kept."""

    def work() -> int:
        return sum(
            len(block) for stream in open_export(export.name, export, options=LOADING) for block in stream.blocks
        )

    return work


def validate(setting: Setting, export: Path) -> Callable[[], int]:
    """The reader, the fold within each chunk and every expectation on every chunk: what ingest does before it
    writes anything."""
    from dlsei.ingest.snapshots import prepare
    from dlsei.quality.chunked import ChunkedValidation

    _enter(setting)

    def work() -> int:
        rows = 0
        for stream in open_export(export.name, export, options=LOADING):
            validation = ChunkedValidation(
                stream.kind, source=stream.file_name, parameters={"export_ts": stream.export_ts}
            )
            for chunk in stream.blocks:
                rows += len(chunk)
                validation.add(prepare(stream.kind, chunk).frame)
            validation.report()
        return rows

    return work


def _rows_read(setting: Setting) -> int:
    with make_engine(setting.warehouse_url).connect() as conn:
        query = select(func.coalesce(func.sum(file_ledger.c.rows_read), 0)).where(
            file_ledger.c.status == LOADED, ~file_ledger.c.kind.like("registry:%")
        )
        return int(conn.execute(query).scalar_one())


def ingest(setting: Setting, export: Path) -> Callable[[], int]:
    """The Coursera landing task: check, read, validate, snapshot (ledger row in the same transaction), archive."""
    from dlsei.ingest.coursera import ingest_coursera_exports

    run = _enter(setting)
    deliver(setting, (export,))
    res = resources(run.settings)

    def work() -> int:
        report = ingest_coursera_exports(run, res)
        if report.quarantined:
            raise RuntimeError(f"the benchmark's export was quarantined: {report.as_dict()['quarantined']}")
        return _rows_read(setting)

    return work


def marts(setting: Setting, as_of: date) -> Callable[[], int]:
    """Publishing one as-of date's marts (the quota_utilisation DAG's refresh); the rows are the day's enrolments."""
    from dlsei.publish.marts import refresh_utilisation

    run = _enter(setting)
    engine = make_engine(run.settings.warehouse_url)

    def work() -> int:
        refresh_utilisation(engine, run, as_of)
        with engine.connect() as conn:
            enrolments = select(func.count()).where(snap_course_activity.c.as_of_date == as_of)
            return int(conn.execute(enrolments).scalar_one())

    return work


def marts_with_history(setting: Setting, as_of: date, days: int, held: int) -> Callable[[], int]:
    """Publishing the day again once `days` earlier days of membership are in the warehouse (bench/history.py), as
    a daily run finds it; the `held` nearest are there already (a shorter history's stage added them)."""
    from dlsei_dev.bench.history import add_history

    engine = make_engine(setting.warehouse_url)
    add_history(engine, as_of, days, held=held)
    engine.dispose()
    return marts(setting, as_of)


def rerun(setting: Setting, export: Path) -> Callable[[], int]:
    """The day run again with its file delivered again: the file is recognised as loaded, no date is pending."""
    from dlsei.ingest.coursera import ingest_coursera_exports
    from dlsei.publish.marts import pending_dates, refresh_utilisation

    run = _enter(setting)
    deliver(setting, (export,))
    res = resources(run.settings)
    engine = res.warehouse

    def work() -> int:
        report = ingest_coursera_exports(run, res)
        with engine.connect() as conn:
            pending = pending_dates(conn)
        for as_of in pending:
            refresh_utilisation(engine, run, as_of)
        if [o.status for o in report.outcomes] != ["duplicate"] or pending:
            raise RuntimeError(f"a re-run loaded or refreshed something: {report.as_dict()}, pending {pending}")
        return _rows_read(setting)

    return work


def registry_people(setting: Setting, files: tuple[Path, ...]) -> Callable[[], int]:
    """The registry of a million people (workload.registry_workload) loaded into a warehouse of its own; the rows
    are the people."""
    work = registry(setting, files)

    def people() -> int:
        work()
        with make_engine(setting.warehouse_url).connect() as conn:
            return int(conn.execute(select(func.count()).select_from(dim_person)).scalar_one())

    return people


def year_of_marts(setting: Setting, as_of: date) -> Callable[[], int]:
    """The published day's marts copied to the 364 days before it (bench/year.py): the warehouse the dashboard's
    pages are timed on."""
    from dlsei_dev.bench.year import add_year

    engine = make_engine(setting.warehouse_url)
    return lambda: add_year(engine, as_of)


def chart_engine_start() -> Callable[[], int]:
    """vl-convert's one-time start in a process (its JavaScript engine): paid by the first chart an api-server
    draws, not by each page."""
    from dlsei.report.charts import Chart

    tiny = Chart("start", {"mark": "point", "data": {"values": [{"x": 1}]}, "encoding": {"x": {"field": "x"}}}, (), ())
    return lambda: len(tiny.svg()) and 1


def page(setting: Setting, path: str) -> Callable[[], int]:
    """One GET of a dashboard page through the app as the api-server serves it, Airflow's login aside, after
    vl-convert has started (chart_engine_start times that); the rows are the response's bytes."""
    from fastapi.testclient import TestClient

    from dlsei.web.app import create_app
    from dlsei.web.auth import signed_in_user

    _enter(setting)
    chart_engine_start()()
    app = create_app()
    app.dependency_overrides[signed_in_user] = lambda: None
    client = TestClient(app)

    def work() -> int:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.text[:200]}")
        return len(response.content)

    return work


def first_university(setting: Setting, as_of: date) -> str:
    """The university with the most cohorts on the published day: its page has the most to draw."""
    from dlsei.warehouse.schema import mart_quota_utilisation as q

    with make_engine(setting.warehouse_url).connect() as conn:
        return conn.execute(
            select(q.c.university_id)
            .where(q.c.as_of_date == as_of)
            .group_by(q.c.university_id)
            .order_by(func.count().desc(), q.c.university_id)
            .limit(1)
        ).scalar_one()
