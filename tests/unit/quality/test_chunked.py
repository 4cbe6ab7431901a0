"""A file validated chunk by chunk reports what one validation of the whole frame reports: every count, every
percentage, every verdict, with the failures spread over several chunks."""

from __future__ import annotations

import pandas as pd
import pytest
from quality_frames import EXPORT_TS, course_activity, membership

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.quality import validate
from dlsei.quality.chunked import ChunkedValidation

PARAMETERS = {"export_ts": EXPORT_TS}


def many(frame: pd.DataFrame, copies: int, key: str) -> pd.DataFrame:
    """`copies` copies of a good frame, each with its own `key` values so no key repeats, indexed from 1."""
    parts = [frame.assign(**{key: frame[key] + f"-{n}"}) for n in range(copies)]
    joined = pd.concat(parts, ignore_index=True)
    joined.index = pd.RangeIndex(1, len(joined) + 1)
    return joined


def broken_course_activity() -> pd.DataFrame:
    frame = many(course_activity(), 5, "course_id")
    frame.loc[2, "learning_hours"] = -1.0  # critical, chunk 1
    frame.loc[17, "learning_hours"] = -2.0  # critical, chunk 4
    frame.loc[9, "email"] = "not an e-mail"  # critical, chunk 2
    frame.loc[13, "email"] = pd.NA  # critical (not null), chunk 3; also missing for the pattern check
    frame.loc[6, "course_grade"] = 101.0  # warning
    frame.loc[19, "overall_progress"] = 120.0  # warning, the last chunk
    return frame


def broken_membership() -> pd.DataFrame:
    frame = many(membership(), 4, "program_slug")
    frame.loc[3, "member_state"] = "SUSPENDED"
    frame.loc[7, "last_activity_at"] = pd.Timestamp("2030-01-01", tz="UTC")
    return frame


def chunked(kind: str, frame: pd.DataFrame, rows: int) -> ChunkedValidation:
    validation = ChunkedValidation(kind, source="export.csv", parameters=PARAMETERS)
    for start in range(0, len(frame), rows):
        validation.add(frame.iloc[start : start + rows])
    return validation


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        (COURSE_ACTIVITY, course_activity),
        (COURSE_ACTIVITY, broken_course_activity),
        (MEMBERSHIP, membership),
        (MEMBERSHIP, broken_membership),
    ],
)
def test_chunks_report_what_the_whole_frame_reports(kind: str, build) -> None:  # type: ignore[no-untyped-def]
    frame = build()
    whole = validate(kind, frame, source="export.csv", parameters=PARAMETERS)
    in_chunks = chunked(kind, frame, rows=5).report()
    assert (in_chunks.suite, in_chunks.source) == (whole.suite, whole.source)
    assert sorted(in_chunks.outcomes, key=repr) == sorted(whole.outcomes, key=repr)
    assert in_chunks.passed == (build in (course_activity, membership))


def test_one_bad_chunk_fails_the_file() -> None:
    frame = many(course_activity(), 3, "course_id")
    validation = ChunkedValidation(COURSE_ACTIVITY, source="export.csv", parameters=PARAMETERS)
    assert validation.add(frame.iloc[:4])
    # A chunk whose hours came out as text (nothing in a good export does that) fails the type check for the file.
    assert not validation.add(frame.iloc[4:8].astype({"learning_hours": "string"}))
    assert validation.add(frame.iloc[8:])
    report = validation.report()
    assert not report.passed
    failures = {(o.expectation, o.column_name): o for o in report.critical_failures}
    assert sorted(failures) == [
        ("expect_column_type_to_be", "learning_hours"),
        ("expect_column_values_to_be_between", "learning_hours"),
    ]
    # The chunk GX could not evaluate speaks for the file, not the chunks that passed.
    assert failures["expect_column_values_to_be_between", "learning_hours"].observed_value == (
        "not evaluated: the expectation raised an error"
    )


def test_the_row_count_is_the_files() -> None:
    frame = many(membership(), 3, "program_slug")
    report = chunked(MEMBERSHIP, frame, rows=2).report()
    [row_count] = [o for o in report.outcomes if o.expectation == "expect_table_row_count_to_be_between"]
    assert row_count.observed_value == str(len(frame))


def test_nothing_validated_is_not_a_pass() -> None:
    with pytest.raises(ValueError, match="no chunk"):
        ChunkedValidation(MEMBERSHIP, source="export.csv", parameters=PARAMETERS).report()
