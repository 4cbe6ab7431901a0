"""An export written chunk by chunk publishes exactly the rows a fold of the whole file gives, when a learner's
repeated rows sit in different chunks, and replaces what an earlier load of the day left; on both backends."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import pytest
from sqlalchemy import Engine, Table, insert, select
from warehouse_rows import ledger_file

from dlsei.canonical import COURSE_ACTIVITY, COURSE_ACTIVITY_COLUMNS, MEMBERSHIP, MEMBERSHIP_COLUMNS
from dlsei.exports.dtypes import DTYPES
from dlsei.ingest import staging
from dlsei.ingest.keyfilter import KeyFilter
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.snapshots import RECORD_NO, SNAPSHOT_TABLES, prepare, snapshot_rows
from dlsei.ingest.staging import SnapshotWriter
from dlsei.warehouse.frames import records

PSEUDONYMISER = Pseudonymiser("test-secret")
WHOLE, STREAMED = date(2026, 11, 1), date(2026, 11, 2)


def canonical(kind: str, rows: list[dict[str, object]]) -> pd.DataFrame:
    """A parsed export: every canonical column typed as the reader types it, indexed by 1-based record number."""
    columns = COURSE_ACTIVITY_COLUMNS if kind == COURSE_ACTIVITY else MEMBERSHIP_COLUMNS
    frame = pd.DataFrame(
        {
            name: pd.Series([row.get(name) for row in rows], dtype=DTYPES[logical])
            if logical != "ts"
            else pd.to_datetime(pd.Series([row.get(name) for row in rows], dtype="string"), utc=True).astype(
                DTYPES[logical]
            )
            for name, logical in columns.items()
        }
    )
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


def enrolment(email: str, course: str, last: str | None, hours: float, program: str = "p1") -> dict[str, object]:
    return {
        "email": email,
        "program_slug": program,
        "course_id": course,
        "last_activity_at": last,
        "learning_hours": hours,
        "certificate_url": "https://coursera.org/verify/X" if hours > 5 else None,
    }


def seat(email: str, state: str, last: str | None, hours: float, program: str = "p1") -> dict[str, object]:
    return {
        "email": email,
        "program_slug": program,
        "member_state": state,
        "last_activity_at": last,
        "learning_hours": hours,
    }


# Repeats of one key scattered over the chunks of two rows: the latest activity wins, a missing time loses, and
# between equal times the first record in the file wins (hours tell the rows apart).
COURSE_ROWS = [
    enrolment("Ali@X.pk", "c1", "2026-11-01T10:00Z", 1.0),
    enrolment("sara@x.pk", "c1", None, 2.0),
    enrolment("ali@x.pk ", "c1", "2026-11-03T10:00Z", 3.0),  # ali c1: latest, beats rows 1 and 6
    enrolment("sara@x.pk", "c1", None, 4.0),  # sara c1: both missing, row 2 (first) wins
    enrolment("sara@x.pk", "c2", "2026-11-02T00:00Z", 5.0),
    enrolment("ALI@x.pk", "c1", "2026-11-02T10:00Z", 6.0),
    enrolment("sara@x.pk", "c2", "2026-11-02T00:00Z", 7.0),  # sara c2: a tie, row 5 (first) wins
    enrolment("sara@x.pk", "c2", "2026-11-01T00:00Z", 8.0, program="p2"),  # another programme: its own key
    enrolment("sara@x.pk", "c3", "2026-11-02T00:00Z", 9.0),
]
MEMBERSHIP_ROWS = [
    seat("Ali@X.pk", "INVITED", None, 0.0),
    seat("sara@x.pk", "MEMBER", "2026-11-02T00:00Z", 1.0),
    seat("ali@x.pk", "MEMBER", "2026-11-03T00:00Z", 2.0),
    seat("sara@x.pk", "MEMBER", "2026-11-02T00:00Z", 3.0),
    seat("sara@x.pk", "MEMBER", "2026-11-01T00:00Z", 4.0, program="p2"),
]


@pytest.fixture
def ledger_rows(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        for file_id in (1, 2):
            ledger_file(conn, file_id, date(2026, 11, file_id))
    return warehouse


def published(engine: Engine, table: Table, as_of: date) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.as_of_date == as_of)).all()
    return sorted(
        (tuple(v for k, v in r._mapping.items() if k not in ("as_of_date", "file_id")) for r in rows), key=repr
    )


def write_file(engine: Engine, kind: str, frame: pd.DataFrame, *, file_id: int, chunk: int) -> int:
    with engine.begin() as conn:
        writer = SnapshotWriter(conn, kind, as_of=STREAMED, file_id=file_id, staging="staged_test")
        for start in range(0, len(frame), chunk):
            writer.write(snapshot_rows(prepare(kind, frame.iloc[start : start + chunk]), PSEUDONYMISER))
        return writer.finish()


@pytest.mark.parametrize("filter_bits", [1 << 27, 8], ids=["fresh rows copied", "mostly upserted"])
@pytest.mark.parametrize(("kind", "rows"), [(COURSE_ACTIVITY, COURSE_ROWS), (MEMBERSHIP, MEMBERSHIP_ROWS)])
def test_chunks_folded_in_the_warehouse_equal_the_whole_file_folded(
    ledger_rows: Engine, kind: str, rows: list[dict[str, object]], filter_bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A filter of 8 bits takes nearly every key after the first chunk's for a repeat: the exact, slow path then
    # does most of the work (the first chunk is always copied: the filter starts empty).
    monkeypatch.setattr(staging, "KeyFilter", partial(KeyFilter, bits=filter_bits))
    frame = canonical(kind, rows)
    whole = prepare(kind, frame)
    table = SNAPSHOT_TABLES[kind]
    with ledger_rows.begin() as conn:
        reference = snapshot_rows(whole, PSEUDONYMISER).drop(columns=RECORD_NO)
        conn.execute(insert(table), records(reference.assign(as_of_date=WHOLE, file_id=1)))

    assert write_file(ledger_rows, kind, frame, file_id=2, chunk=2) == len(whole.frame)

    assert published(ledger_rows, table, STREAMED) == published(ledger_rows, table, WHOLE)
    assert len(published(ledger_rows, table, STREAMED)) < len(rows), "the sample must hold repeats to fold"


def test_a_reload_of_the_day_replaces_the_rows_of_its_programmes_only(ledger_rows: Engine) -> None:
    table = SNAPSHOT_TABLES[MEMBERSHIP]
    write_file(ledger_rows, MEMBERSHIP, canonical(MEMBERSHIP, MEMBERSHIP_ROWS), file_id=1, chunk=2)
    # p1 again: ali now with no activity (older than what the first file said: the new file still wins), sara gone
    # from the export, a new learner. p2 is not in the new file and keeps its row.
    again = canonical(MEMBERSHIP, [seat("ali@x.pk", "INVITED", None, 0.0), seat("new@x.pk", "INVITED", None, 0.0)])
    assert write_file(ledger_rows, MEMBERSHIP, again, file_id=2, chunk=1) == 2
    with ledger_rows.connect() as conn:
        rows = conn.execute(
            select(table.c.program_slug, table.c.learner_key, table.c.member_state, table.c.file_id).where(
                table.c.as_of_date == STREAMED
            )
        ).all()
    key = partial(PSEUDONYMISER.key, "email")
    assert sorted(rows) == sorted(
        [
            ("p1", key("ali@x.pk"), "INVITED", 2),
            ("p1", key("new@x.pk"), "INVITED", 2),
            ("p2", key("sara@x.pk"), "MEMBER", 1),
        ]
    )


def test_a_rolled_back_load_leaves_no_staging_table_in_the_way(ledger_rows: Engine) -> None:
    frame = canonical(MEMBERSHIP, MEMBERSHIP_ROWS)
    with pytest.raises(RuntimeError), ledger_rows.begin() as conn:
        writer = SnapshotWriter(conn, MEMBERSHIP, as_of=STREAMED, file_id=1, staging="staged_test")
        writer.write(snapshot_rows(prepare(MEMBERSHIP, frame), PSEUDONYMISER))
        raise RuntimeError("a bad record further down the file")
    assert published(ledger_rows, SNAPSHOT_TABLES[MEMBERSHIP], STREAMED) == []
    assert write_file(ledger_rows, MEMBERSHIP, frame, file_id=1, chunk=10) == 3
