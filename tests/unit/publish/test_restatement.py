"""A registry correction back-dated 30 days restates exactly the published dates it touches, with the figures a
person works out by hand, and logs each measure it moved before and after."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from warehouse_rows import at, ledger_file, load_membership, seat

from dlsei.ingest.registry import ingest_registry
from dlsei.publish.marts import refresh_utilisation
from dlsei.publish.restatement import restate
from dlsei.report.run_summaries import FinishedRun, record_run, render_runs
from dlsei.resources import Resources, resources
from dlsei.runs import KARACHI, RunContext, airflow_load_id
from dlsei.settings import load_settings
from dlsei.warehouse.schema import mart_quota_utilisation, mart_refresh, registry_change

PUBLISHED = [date(2026, 10, d) for d in (29, 30, 31)] + [date(2026, 11, d) for d in (15, 29, 30)]
CORRECTED_FROM, NEXT_EXTRACT, TODAY = date(2026, 10, 31), date(2026, 11, 20), date(2026, 11, 30)


def _csv(header: tuple[str, ...], *rows: tuple[str, ...]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    return buffer.getvalue().encode()


def allocation(day: date, seats: int) -> dict[str, bytes]:
    header = ("university_id", "cohort_id", "cohort_start", "cohort_end", "seats")
    return {f"hec_seat_allocations_{day}.csv": _csv(header, ("U1", "C1", "2026-08-01", "2027-01-31", str(seats)))}


def run_on(day: date, name: str) -> RunContext:
    return RunContext(
        load_id=f"test/{name}",
        logical_dt=datetime(day.year, day.month, day.day, 9, tzinfo=KARACHI),
        settings=load_settings(),
    )


def land(res: Resources, files: dict[str, bytes], day: date) -> None:
    for name, data in files.items():
        res.landing.put(f"incoming/{name}", data)
    report = ingest_registry(run_on(day, f"registry-{day}"), res)
    assert {o.status for o in report.outcomes} == {"loaded"}


def publish(engine: Engine) -> None:
    """Each date's membership: 2 active members, 1 member who never started, 1 invitation."""
    for n, day in enumerate(PUBLISHED):
        with engine.begin() as conn:
            ledger_file(conn, 1000 + n, day)
            load_membership(
                conn,
                [
                    seat(day, "p1", "a", last=at(day, 60), file_id=1000 + n),
                    seat(day, "p1", "b", last=at(day, 60), file_id=1000 + n),
                    seat(day, "p1", "c", file_id=1000 + n),
                    seat(day, "p1", "d", "INVITED", file_id=1000 + n),
                ],
            )
        refresh_utilisation(engine, run_on(day, f"publish-{day}"), day)


@pytest.fixture
def res(dlsei_env: Path, warehouse: Engine) -> Resources:
    return resources()


def test_a_correction_back_dated_30_days_restates_exactly_its_dates(res: Resources) -> None:
    engine = res.warehouse
    universities = _csv(
        ("university_id", "university_name", "region", "sector", "city", "coordinator_email"),
        ("U1", "Uni One", "Sindh", "public", "Karachi", ""),
    )
    programmes = _csv(("program_slug", "program_name", "university_id", "cohort_id"), ("p1", "P one", "U1", "C1"))
    first = date(2026, 10, 1)
    land(
        res,
        {f"hec_universities_{first}.csv": universities, f"hec_programmes_{first}.csv": programmes}
        | allocation(first, 10),
        first,
    )
    land(res, allocation(NEXT_EXTRACT, 20), NEXT_EXTRACT)  # from 20 November, 20 seats
    assert restate(engine, run_on(NEXT_EXTRACT, "nothing-published-yet")) == []
    publish(engine)
    with engine.connect() as conn:
        published_by = dict(conn.execute(select(mart_refresh.c.as_of_date, mart_refresh.c.load_id)).all())

    # HEC corrects the allocation from 31 October (30 days back): 8 seats, not 10, until the next extract.
    land(res, allocation(CORRECTED_FROM, 8), TODAY)
    run = replace(run_on(TODAY, ""), load_id=airflow_load_id("quota_utilisation", "restate"))
    restated = restate(engine, run)

    touched = [d for d in PUBLISHED if CORRECTED_FROM <= d < NEXT_EXTRACT]
    assert restated == touched == [date(2026, 10, 31), date(2026, 11, 15)]
    q = mart_quota_utilisation
    with engine.connect() as conn:
        rows = {
            row.as_of_date: (row.allocated, row.free_seats, row.utilisation_pct, row.join_rate_pct)
            for row in conn.execute(select(q).order_by(q.c.as_of_date))
        }
        refreshed_by = dict(conn.execute(select(mart_refresh.c.as_of_date, mart_refresh.c.load_id)).all())
        log = conn.execute(
            text(
                "SELECT as_of_date, university_id, cohort_id, measure, before_value, after_value, restated_by "
                "FROM v_restatement ORDER BY as_of_date, measure"
            )
        ).all()
        change = conn.execute(
            select(registry_change.c.valid_from, registry_change.c.valid_to, registry_change.c.restated_by).where(
                registry_change.c.extract_date == CORRECTED_FROM
            )
        ).one()
    # By hand: 4 seats held, 3 joined, 2 active in 30 days. 10 seats: 6 free, 2/10 = 20% used, 3/10 = 30% joined;
    # 8 seats: 4 free, 2/8 = 25%, 3/8 = 37.5%; 20 seats: 16 free, 10%, 15%.
    assert rows == {
        date(2026, 10, 29): (10, 6, 20.0, 30.0),
        date(2026, 10, 30): (10, 6, 20.0, 30.0),
        date(2026, 10, 31): (8, 4, 25.0, 37.5),
        date(2026, 11, 15): (8, 4, 25.0, 37.5),
        date(2026, 11, 29): (20, 16, 10.0, 15.0),
        date(2026, 11, 30): (20, 16, 10.0, 15.0),
    }
    # The untouched dates were not republished at all.
    assert {d: refreshed_by[d] for d in PUBLISHED if d not in touched} == {
        d: published_by[d] for d in PUBLISHED if d not in touched
    }
    assert {refreshed_by[d] for d in touched} == {run.load_id}
    moved = [("allocated", 10, 8), ("free_seats", 6, 4), ("join_rate_pct", 30.0, 37.5), ("utilisation_pct", 20, 25)]
    assert [(str(r[0]), r[1], r[2], r[3], r[4], r[5], r[6]) for r in log] == [
        (str(day), "U1", "C1", measure, before, after, run.load_id)
        for day in touched
        for measure, before, after in moved
    ]
    assert (str(change[0]), str(change[1]), change[2]) == ("2026-10-31", "2026-11-20", run.load_id)
    assert restate(engine, run_on(TODAY, "again")) == []  # restated once

    finished = datetime(2026, 11, 30, 5, tzinfo=KARACHI)
    summary = record_run(engine, FinishedRun("quota_utilisation", "restate", "success", None, None, finished, finished))
    assert summary["dates_restated"] == 2
    assert "restated 2 date(s)" in render_runs([summary])


def test_dates_older_than_the_window_keep_what_was_published(res: Resources, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = res.warehouse
    first = date(2026, 10, 1)
    land(
        res,
        {
            f"hec_universities_{first}.csv": _csv(
                ("university_id", "university_name", "region", "sector", "city", "coordinator_email"),
                ("U1", "Uni One", "Sindh", "public", "", ""),
            ),
            f"hec_programmes_{first}.csv": _csv(
                ("program_slug", "program_name", "university_id", "cohort_id"), ("p1", "P one", "U1", "C1")
            ),
        }
        | allocation(first, 10),
        first,
    )
    restate(engine, run_on(first, "first"))
    publish(engine)
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_RESTATEMENT_WINDOW_DAYS", "20")  # from 10 November on
    land(res, allocation(CORRECTED_FROM, 8), TODAY)
    assert restate(engine, run_on(TODAY, "restate")) == [date(2026, 11, d) for d in (15, 29, 30)]
    q = mart_quota_utilisation
    with engine.connect() as conn:
        allocated = dict(conn.execute(select(q.c.as_of_date, q.c.allocated)).all())
    assert allocated == {day: 10 if day < date(2026, 11, 10) else 8 for day in PUBLISHED}
