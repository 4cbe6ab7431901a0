"""Typing of export values: what parses to what, and which rule (and record) refuses what does not."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dlsei.exports import ExportRejected, read_export
from dlsei.exports.layouts import LEGACY_MEMBERSHIP_16, LEGACY_USAGE_28

WriteExport = Callable[..., Path]

USAGE = {
    "Name": "Sana Tariq",
    "Email": "sana.tariq@qau.edu.pk",
    "External Id": "QAU-1",
    "Course ID": "W_mOXCrdEeeNPQ68_4aPpA",
    "Course Slug": "machine-learning",
    "Enrollment Time": "2025-04-28T07:00:00.000Z",
    "Last Course Activity Time": "2025-05-01T10:00:00.000Z",
    "Overall Progress": "12.5",
    "Estimated Learning Hours": "3",
    "Completed": "No",
    "Removed From Program": "No",
    "Program Slug": "hec-cohort-2-ab3x9",
    "Course Grade": "0.0",
}
MEMBER = {
    "Email": "sana.tariq@qau.edu.pk",
    "Program Slug": "hec-cohort-2-ab3x9",
    "# Enrolled Courses": "2",
    "# Completed Courses": "0",
    "Member State": "MEMBER",
    "Invitation Date": "2025-04-18T09:00:00.000Z",
}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def usage(write_export: WriteExport, *changes: dict[str, str]) -> pd.DataFrame:
    [parsed] = read_export("usage.csv", write_export(LEGACY_USAGE_28, [{**USAGE, **change} for change in changes]))
    return parsed.frame


def membership(write_export: WriteExport, *changes: dict[str, str]) -> pd.DataFrame:
    rows = [{**MEMBER, **change} for change in changes]
    [parsed] = read_export("members.csv", write_export(LEGACY_MEMBERSHIP_16, rows))
    return parsed.frame


def rejected(write_export: WriteExport, header: tuple[str, ...], rows: list[dict[str, str]]) -> ExportRejected:
    with pytest.raises(ExportRejected) as caught:
        read_export("Usage Report 2026-11-02 02-00-00 UTC.csv", write_export(header, rows))
    return caught.value


def test_timestamps_in_every_form_seen_become_utc(write_export: WriteExport) -> None:
    frame = usage(
        write_export,
        {"Enrollment Time": "2025-04-28T07:00:00.000Z"},
        {"Enrollment Time": "2025-04-28T07:00:00Z"},
        {"Enrollment Time": "2024-01-26 10:16:04"},  # XLSX-derived, no zone: UTC
        {"Enrollment Time": "2025-04-28T12:00:00.250+05:00"},
        {"Enrollment Time": ""},
    )
    assert str(frame["enrollment_time"].dtype) == "datetime64[us, UTC]"
    assert frame["enrollment_time"].tolist()[:4] == [
        utc("2025-04-28 07:00:00"),
        utc("2025-04-28 07:00:00"),
        utc("2024-01-26 10:16:04"),
        utc("2025-04-28 07:00:00.250"),
    ]
    assert pd.isna(frame.loc[4, "enrollment_time"])


@pytest.mark.parametrize(
    "value",
    ["2025-04-28T07:00:00.000Z", "2025-04-28T07:00Z", "2025-04-28T12:00:00.250+05:00", "2025-04-28T02:00:00-0500"],
)
def test_a_zoned_timestamp_reads_the_same_alone_and_beside_a_naive_one(write_export: WriteExport, value: str) -> None:
    # A column whose every value carries its zone is parsed by Arrow; one naive value sends it to pandas' parse.
    alone = usage(write_export, {"Enrollment Time": value}, {"Enrollment Time": ""})
    beside = usage(write_export, {"Enrollment Time": value}, {"Enrollment Time": "2024-01-26 10:16:04"})
    assert alone.loc[0, "enrollment_time"] == beside.loc[0, "enrollment_time"] == pd.Timestamp(value).tz_convert("UTC")
    assert str(alone["enrollment_time"].dtype) == "datetime64[us, UTC]"


def test_numbers_and_missing_numbers(write_export: WriteExport) -> None:
    frame = usage(
        write_export,
        {"Overall Progress": "57.73", "Estimated Learning Hours": "1e2"},
        {"Overall Progress": "100", "Estimated Learning Hours": " 4.5 "},
        {"Overall Progress": "", "Estimated Learning Hours": ""},
    )
    assert frame["overall_progress"].tolist()[:2] == [57.73, 100.0]
    assert frame["learning_hours"].tolist()[:2] == [100.0, 4.5]
    assert frame[["overall_progress", "learning_hours"]].iloc[2].isna().all()


def test_yes_no_in_any_case(write_export: WriteExport) -> None:
    frame = usage(write_export, {"Completed": "Yes"}, {"Completed": "NO"}, {"Completed": "yes"}, {"Completed": ""})
    assert frame["completed"].tolist() == [True, False, True, pd.NA]


def test_text_is_trimmed_and_blank_is_missing(write_export: WriteExport) -> None:
    frame = usage(write_export, {"External Id": "  QAU-2 "}, {"External Id": "   "})
    assert frame["external_id"].tolist() == ["QAU-2", pd.NA]


def test_whole_numbers_and_states(write_export: WriteExport) -> None:
    frame = membership(
        write_export,
        {"# Enrolled Courses": "3", "Member State": "invited"},
        {"# Enrolled Courses": "4.0", "Member State": " Member "},
        {"# Enrolled Courses": "", "Member State": ""},
    )
    assert str(frame["enrolled_courses"].dtype) == "Int64"
    assert frame["enrolled_courses"].tolist() == [3, 4, pd.NA]
    assert frame["member_state"].tolist() == ["INVITED", "MEMBER", pd.NA]


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("Enrollment Time", "2025-13-01T00:00:00Z", "timestamp"),
        ("Last Course Activity Time", "yesterday", "timestamp"),
        ("Completion Time", "2025-02-30 10:00:00", "timestamp"),
        ("Overall Progress", "57.73%", "number"),
        ("Estimated Learning Hours", "nan", "number"),
        ("Estimated Learning Hours", "inf", "number"),
        ("Course Grade", "1,5", "number"),
        ("Overall Progress", "100.01", "progress_range"),
        ("Overall Progress", "-1", "progress_range"),
        ("Course Grade", "101", "progress_range"),
        ("Completed", "Y", "boolean"),
        ("Removed From Program", "TRUE", "boolean"),
    ],
)
def test_a_bad_value_names_rule_column_and_first_row(
    write_export: WriteExport, column: str, value: str, rule: str
) -> None:
    rows = [USAGE, USAGE, {**USAGE, column: value}, {**USAGE, column: value}]
    error = rejected(write_export, LEGACY_USAGE_28, rows)
    assert (error.rule, error.row) == (rule, 3)
    assert f"'{column}'" in error.detail


def test_the_message_reads_like_the_contract(write_export: WriteExport) -> None:
    rows = [USAGE] * 16 + [{**USAGE, "Enrollment Time": "someone@uni.edu.pk"}]
    error = rejected(write_export, LEGACY_USAGE_28, rows)
    assert str(error) == (
        "Usage Report 2026-11-02 02-00-00 UTC.csv, row 17: rule 'timestamp': 'Enrollment Time' value is not a timestamp"
    )
    assert error.file_name == "Usage Report 2026-11-02 02-00-00 UTC.csv"
    # It survives pickling (task runners pass exceptions between processes).
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_the_earliest_bad_row_wins_across_columns(write_export: WriteExport) -> None:
    # Enrollment Time is typed before Course Grade, but the grade's fault comes first in the file.
    rows = [USAGE, {**USAGE, "Course Grade": "x"}, {**USAGE, "Enrollment Time": "x"}]
    error = rejected(write_export, LEGACY_USAGE_28, rows)
    assert (error.rule, error.row) == ("number", 2)
    assert "'Course Grade'" in error.detail


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("# Enrolled Courses", "2.5", "number"),
        ("# Completed Courses", "two", "number"),
        ("Join Date", "20/04/2025", "timestamp"),
        ("Member State", "SUSPENDED", "member_state"),
    ],
)
def test_bad_membership_values(write_export: WriteExport, column: str, value: str, rule: str) -> None:
    error = rejected(write_export, LEGACY_MEMBERSHIP_16, [MEMBER, {**MEMBER, column: value}])
    assert (error.rule, error.row) == (rule, 2)


def test_an_unknown_state_is_named_but_never_an_address(write_export: WriteExport) -> None:
    error = rejected(write_export, LEGACY_MEMBERSHIP_16, [{**MEMBER, "Member State": "suspended"}])
    assert "'SUSPENDED'" in error.detail
    assert "INVITED, MEMBER, REMOVED" in error.detail
    error = rejected(write_export, LEGACY_MEMBERSHIP_16, [{**MEMBER, "Member State": "x@y.pk"}])
    assert error.rule == "member_state"
    assert "x@y" not in str(error).lower()


def test_extras_are_valid_json_whatever_they_hold(write_export: WriteExport) -> None:
    awkward = 'Quote " backslash \\ tab \t newline \n control \x01 Urdu اردو end'
    frame = usage(write_export, {"Job Title": awkward, "Location City": "Lahore"}, {})
    assert json.loads(frame.loc[0, "extras"]) == {"Job Title": awkward, "Location City": "Lahore"}
    assert pd.isna(frame.loc[1, "extras"])


def test_record_numbers_hold_across_parser_blocks(write_export: WriteExport) -> None:
    """Enough rows to span several parser batches and typing blocks: the record number must still be exact."""
    rows = [MEMBER] * 70_000
    rows[65_431] = {**MEMBER, "Join Date": "not a date"}
    error = rejected(write_export, LEGACY_MEMBERSHIP_16, rows)
    assert (error.rule, error.row) == ("timestamp", 65_432)
    [parsed] = read_export("m.csv", write_export(LEGACY_MEMBERSHIP_16, [MEMBER] * 70_000, name="ok.csv"))
    assert parsed.rows_read == len(parsed.frame) == 70_000
    assert list(parsed.frame.index) == list(range(70_000))
