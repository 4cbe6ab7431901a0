"""The COPY writer stores exactly what SQLAlchemy's executemany stores, value for value, on the real PostgreSQL; the
write-behind thread writes every frame in order, surfaces its errors, and never outlives a failing caller."""

from __future__ import annotations

import threading
import time
from datetime import date

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, Table, insert, select
from warehouse_rows import ledger_file

from dlsei.warehouse.bulk import WriteBehind, bulk_insert
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.frames import records
from dlsei.warehouse.migrate import upgrade
from dlsei.warehouse.schema import snap_course_activity, snap_membership


def _ts(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="string"), utc=True, format="ISO8601").astype("datetime64[us, UTC]")


def _text(*values: str | None) -> pd.Series:
    return pd.Series(values, dtype=pd.StringDtype("pyarrow"))


PER_WRITE = ("file_id", "as_of_date")


def course_rows(file_id: int) -> pd.DataFrame:
    """Every column type of a snapshot, and the values a CSV round trip could spoil: delimiters, quotes, line
    breaks, an empty string beside a missing one, non-Latin text, microseconds, floats without a short decimal."""
    return pd.DataFrame(
        {
            "as_of_date": [date(2026, 11, file_id)] * 4,
            "program_slug": _text("p,1", 'p"2', "p\n3", "پروگرام"),
            "learner_key": _text("a" * 64, "b" * 64, "c" * 64, "d" * 64),
            "course_id": _text("c1", "c2", "c3", "c4"),
            "external_id_key": _text(None, "", "e" * 64, None),
            "course_slug": _text("x", None, "", "\\N"),
            "course_type": _text("Course", "Guided Project", None, "course"),
            "enrollment_time": _ts("2026-08-11T15:00:09.123456Z", None, "1999-12-31T23:59:59Z", "2026-01-01T00:00Z"),
            "last_activity_at": _ts(None, "2026-10-10T12:28:00Z", "2026-10-10T12:28:00.000001Z", None),
            "overall_progress": np.array([100.0, np.nan, 0.1 + 0.2, 1e-7]),
            "learning_hours": np.array([47.71, 0.0, np.nan, 123456.789]),
            "completed": pd.array([True, False, None, True], dtype="boolean"),
            "removed_from_program": pd.array([False, None, True, False], dtype="boolean"),
            "completion_time": _ts("2026-10-10T12:28:00Z", None, None, None),
            "course_grade": np.array([65.32, np.nan, 100.0, 0.0]),
            "has_certificate": [True, False, False, True],
            "file_id": [file_id] * 4,
        }
    )


def membership_rows(file_id: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "as_of_date": [date(2026, 11, file_id)] * 2,
            "program_slug": _text("p", "q"),
            "learner_key": _text("a" * 64, "b" * 64),
            "external_id_key": _text(None, "k" * 64),
            "member_state": _text("MEMBER", "INVITED"),
            "invitation_date": _ts("2026-08-04T09:40:20Z", "2026-08-03T12:54:30Z"),
            "join_date": _ts("2026-08-11T12:33:43Z", None),
            "last_activity_at": _ts("2026-10-10T12:28:00Z", None),
            "enrolled_courses": pd.array([3, None], dtype="Int64"),
            "completed_courses": pd.array([2, 0], dtype="Int64"),
            "learning_hours": np.array([56.04, np.nan]),
            "file_id": [file_id] * 2,
        }
    )


@pytest.fixture
def postgres(postgres_url: str) -> Engine:
    engine = make_engine(postgres_url)
    upgrade(engine)
    with engine.begin() as conn:
        for file_id in (1, 2):
            ledger_file(conn, file_id, date(2026, 11, file_id))
    return engine


def stored(engine: Engine, table: Table, file_id: int) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.file_id == file_id)).all()
    # The file id and the as-of date tell the two writes apart (the key is the same): everything else must agree.
    return sorted((tuple(v for k, v in row._mapping.items() if k not in PER_WRITE) for row in rows), key=repr)


@pytest.mark.postgres
@pytest.mark.parametrize(("table", "build"), [(snap_course_activity, course_rows), (snap_membership, membership_rows)])
def test_copy_stores_what_executemany_stores(postgres: Engine, table: Table, build) -> None:  # type: ignore[no-untyped-def]
    with postgres.begin() as conn:
        conn.execute(insert(table), records(build(1)))
    with postgres.begin() as conn:
        assert bulk_insert(conn, table, build(2)) == len(build(2))
    by_executemany, by_copy = stored(postgres, table, 1), stored(postgres, table, 2)
    assert len(by_copy) == len(build(2))
    assert by_copy == by_executemany


@pytest.mark.postgres
def test_copy_is_part_of_the_callers_transaction(postgres: Engine) -> None:
    with pytest.raises(RuntimeError), postgres.begin() as conn:
        bulk_insert(conn, snap_membership, membership_rows(1))
        raise RuntimeError("the task failed after the COPY")
    assert stored(postgres, snap_membership, 1) == []


@pytest.mark.postgres
def test_write_behind_writes_every_frame_in_order(postgres: Engine) -> None:
    written: list[int] = []
    frames = [membership_rows(1).iloc[[n]] for n in range(2)]
    with (
        postgres.begin() as conn,
        WriteBehind(conn, lambda frame: written.append(bulk_insert(conn, snap_membership, frame))) as writer,
    ):
        for frame in frames:
            writer.submit(frame)
    assert written == [1, 1]
    assert [row[0] for row in stored(postgres, snap_membership, 1)] == ["p", "q"]


@pytest.mark.postgres
def test_a_failed_write_surfaces_in_the_caller(postgres: Engine) -> None:
    def failing(frame: pd.DataFrame) -> None:
        raise ValueError("the server refused the rows")

    with postgres.connect() as conn, pytest.raises(ValueError, match="refused"), WriteBehind(conn, failing) as writer:
        writer.submit(membership_rows(1))


@pytest.mark.postgres
def test_a_failing_caller_waits_for_the_write_in_flight(postgres: Engine) -> None:
    finished = threading.Event()

    def slow(frame: pd.DataFrame) -> None:
        time.sleep(0.2)
        finished.set()

    with postgres.connect() as conn, pytest.raises(RuntimeError), WriteBehind(conn, slow) as writer:
        writer.submit(membership_rows(1))
        raise RuntimeError("a bad record: the caller rolls back next")
    assert finished.is_set(), "the rollback must not overtake the write"
