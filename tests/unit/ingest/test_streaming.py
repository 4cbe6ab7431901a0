"""A file loaded in several chunks: repeated rows in different chunks fold into one, the ledger adds up, the
validation is one report for the file, and a fault in the last chunk publishes nothing; on both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import partial
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from dlsei.exports.layouts import LEGACY_USAGE_28
from dlsei.ingest import coursera as ingest_coursera
from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.landing import Landing, landing_from_url
from dlsei.ingest.ledger import LOADED, QUARANTINED
from dlsei.ingest.streaming import LOADING, load_file
from dlsei.quality.definitions import CHECKS
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dq_rejected_row, dq_result, file_ledger, snap_course_activity

WriteExport = Callable[..., Path]
NAME = "Usage Report 2026-11-02 02-00-00 UTC.csv"
RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)
ENROLMENTS = 40_000  # several parser batches, so several chunks
USAGE = {
    "Email": "sana.tariq@qau.edu.pk",
    "Program Slug": "hec-cohort-2-ab3x9",
    "Enrollment Time": "2025-04-28T07:00:00.000Z",
    "Last Course Activity Time": "2025-05-01T10:00:00.000Z",
    "Overall Progress": "12.5",
    "Estimated Learning Hours": "3",
    "Completed": "No",
    "Removed From Program": "No",
}


def enrolments(**changes: dict[str, str]) -> list[dict[str, str]]:
    """One row per course, then `changes` applied by 0-based row position (a key "r<n>")."""
    rows = [{**USAGE, "Course ID": f"course-{n}"} for n in range(ENROLMENTS)]
    for position, change in changes.items():
        rows[int(position[1:])] = {**rows[int(position[1:])], **change}
    return rows


@pytest.fixture
def landing(dlsei_env: Path, monkeypatch: pytest.MonkeyPatch) -> Landing:
    # Chunks as small as the parser's batches (about 4 MB): the file spans several.
    monkeypatch.setattr(ingest_coursera, "load_file", partial(load_file, options=replace(LOADING, block_rows=1)))
    return landing_from_url(load_settings().landing_url)


def ingest(landing: Landing, warehouse: Engine, path: Path) -> str:
    landing.put(f"incoming/{NAME}", path.read_bytes())
    run = RunContext(load_id="test/chunks", logical_dt=RUN_AT, settings=load_settings())
    [outcome] = ingest_coursera_exports(run, Resources(warehouse, landing)).outcomes
    return outcome.status


def snapshot_count(warehouse: Engine) -> int:
    with warehouse.connect() as conn:
        return conn.execute(select(func.count()).select_from(snap_course_activity)).scalar_one()


def test_repeats_in_other_chunks_fold_and_the_ledger_adds_up(
    landing: Landing, warehouse: Engine, write_export: WriteExport
) -> None:
    rows = enrolments()
    latest = {**rows[5], "Last Course Activity Time": "2025-06-01T10:00:00.000Z", "Estimated Learning Hours": "9"}
    rows += [{**rows[5], "Last Course Activity Time": "2025-01-01T10:00:00.000Z"}, latest, rows[6]]
    assert ingest(landing, warehouse, write_export(LEGACY_USAGE_28, rows)) == LOADED
    with warehouse.connect() as conn:
        entry = conn.execute(select(file_ledger)).one()
        kept = conn.execute(select(snap_course_activity).where(snap_course_activity.c.course_id == "course-5")).one()
        results = conn.execute(select(func.count()).select_from(dq_result)).scalar_one()
    assert (entry.rows_read, entry.rows_loaded, entry.rows_rejected) == (ENROLMENTS + 3, ENROLMENTS, 3)
    assert snapshot_count(warehouse) == ENROLMENTS
    assert kept.learning_hours == 9, "the latest activity, from the last chunk, is kept"
    assert results == len(CHECKS["coursera_course_activity"]), "one result per expectation for the file"


def test_a_bad_value_in_the_last_chunk_rejects_its_row_by_its_record_number(
    landing: Landing, warehouse: Engine, write_export: WriteExport
) -> None:
    rows = enrolments(r39990={"Enrollment Time": "next tuesday"})
    assert ingest(landing, warehouse, write_export(LEGACY_USAGE_28, rows)) == LOADED
    with warehouse.connect() as conn:
        entry = conn.execute(select(file_ledger)).one()
        rejected = conn.execute(select(dq_rejected_row.c.record_no, dq_rejected_row.c.rule)).all()
    assert rejected == [(39991, "timestamp")], "record numbers run on across chunks, rejected records included"
    assert (entry.rows_read, entry.rows_loaded, entry.rows_rejected) == (ENROLMENTS, ENROLMENTS - 1, 1)
    assert snapshot_count(warehouse) == ENROLMENTS - 1


def test_a_structural_fault_in_the_last_chunk_publishes_nothing(
    landing: Landing, warehouse: Engine, write_export: WriteExport
) -> None:
    rows: list = enrolments()
    rows[39990] = [*(rows[39990].get(column, "") for column in LEGACY_USAGE_28), "one field too many"]
    assert ingest(landing, warehouse, write_export(LEGACY_USAGE_28, rows)) == QUARANTINED
    with warehouse.connect() as conn:
        entry = conn.execute(select(file_ledger)).one()
        rejected = conn.execute(select(func.count()).select_from(dq_rejected_row)).scalar_one()
    assert "row 39991: rule 'field_count'" in entry.reason
    assert (snapshot_count(warehouse), rejected) == (0, 0)


def test_a_critical_failure_in_one_chunk_quarantines_the_file(
    landing: Landing, warehouse: Engine, write_export: WriteExport
) -> None:
    rows = enrolments(r39990={"Estimated Learning Hours": "-1"})
    assert ingest(landing, warehouse, write_export(LEGACY_USAGE_28, rows)) == QUARANTINED
    with warehouse.connect() as conn:
        entry = conn.execute(select(file_ledger)).one()
        hours = conn.execute(
            select(dq_result.c.element_count, dq_result.c.unexpected_count).where(
                dq_result.c.expectation == "expect_column_values_to_be_between",
                dq_result.c.column_name == "learning_hours",
            )
        ).one()
    assert (entry.status, entry.rows_read) == (QUARANTINED, ENROLMENTS)
    assert tuple(hours) == (ENROLMENTS, 1)
    assert snapshot_count(warehouse) == 0
