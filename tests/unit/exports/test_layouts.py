"""Every Coursera layout in coursera-exports.md, read from a small fixture file, checked value by value."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dlsei.canonical import COURSE_ACTIVITY, COURSERA_COLUMNS, MEMBERSHIP
from dlsei.exports import ExportRejected, ParsedExport, detect_layout, read_export
from dlsei.exports.layouts import (
    CURRENT_COURSE_ACTIVITY_35,
    CURRENT_PROGRAM_ACTIVITY_23,
    LEGACY_MEMBERSHIP_16,
    LEGACY_USAGE_19,
    LEGACY_USAGE_27,
    LEGACY_USAGE_28,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "exports"
WriteExport = Callable[..., Path]
EXPECTED_DTYPES = {
    "str": "string",
    "ts": "datetime64[us, UTC]",
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def read_fixture(name: str, file_name: str = "export.csv") -> ParsedExport:
    [parsed] = read_export(file_name, FIXTURES / name)
    return parsed


def assert_canonical(parsed: ParsedExport) -> None:
    columns = COURSERA_COLUMNS[parsed.kind]
    assert list(parsed.frame.columns) == list(columns)
    assert {c: str(parsed.frame[c].dtype) for c in columns} == {c: EXPECTED_DTYPES[t] for c, t in columns.items()}
    assert parsed.rows_read == len(parsed.frame)


@pytest.mark.parametrize(
    ("header", "layout", "kind"),
    [
        (LEGACY_USAGE_28, "legacy_usage_28", COURSE_ACTIVITY),
        (LEGACY_USAGE_27, "legacy_usage_27", COURSE_ACTIVITY),
        (LEGACY_USAGE_19, "legacy_usage_19", COURSE_ACTIVITY),
        (CURRENT_COURSE_ACTIVITY_35, "current_course_activity_35", COURSE_ACTIVITY),
        (LEGACY_MEMBERSHIP_16, "legacy_membership_16", MEMBERSHIP),
        (CURRENT_PROGRAM_ACTIVITY_23, "current_program_activity_23", MEMBERSHIP),
        (("Full Name*", "Email*", "External ID"), "user_export_starred", MEMBERSHIP),
    ],
)
def test_each_layout_is_told_by_its_header(header: tuple[str, ...], layout: str, kind: str) -> None:
    if layout[-1].isdigit():
        assert len(header) == int(layout.rsplit("_", 1)[1])
    detected = detect_layout(list(header))
    assert (detected.name, detected.kind) == (layout, kind)
    # Column order, header case, quotes, padding and stars do not matter.
    shuffled = [f' "{column.upper()}*" ' for column in reversed(header)]
    assert detect_layout(shuffled).name == layout


def test_organisation_columns_do_not_change_the_layout() -> None:
    assert detect_layout([*LEGACY_USAGE_28, "Business Unit", "Faculty Code"]).name == "legacy_usage_28"
    assert detect_layout([*CURRENT_PROGRAM_ACTIVITY_23, "Department"]).name == "current_program_activity_23"


def test_legacy_usage_28() -> None:
    parsed = read_fixture("legacy_usage_28.csv", "Usage Report 2026-11-02 02-00-00 UTC.csv")
    assert (parsed.layout, parsed.kind, parsed.rows_read) == ("legacy_usage_28", COURSE_ACTIVITY, 3)
    assert parsed.export_ts == pd.Timestamp("2026-11-02 02:00:00", tz="UTC")
    assert_canonical(parsed)
    ayesha, an, bilal = (parsed.frame.iloc[i] for i in range(3))

    assert ayesha["name"] == "Khan, Ayesha"
    assert ayesha["external_id"] == "2023-CS-101"
    assert ayesha["course_id"] == "W_mOXCrdEeeNPQ68_4aPpA"
    assert ayesha["enrollment_time"] == utc("2025-04-28 07:00:00")
    assert ayesha["class_end_time"] == utc("2025-06-30 06:59:59")
    assert ayesha["last_activity_at"] == utc("2025-05-14 09:12:33.412")
    assert ayesha["overall_progress"] == pytest.approx(57.73)
    assert ayesha["learning_hours"] == pytest.approx(12.5)
    assert ayesha["course_grade"] == 0.0  # a zero grade while not completed is a real value, not missing
    assert pd.isna(ayesha["completion_time"])
    assert pd.isna(ayesha["certificate_url"])
    assert not ayesha["for_credit"] and parsed.frame["for_credit"].dtype == "boolean"  # Yes/No, like Completed
    assert json.loads(ayesha["extras"]) == {
        "Enrollment Source": "Invitation",
        "Job Title": "Student",
        "Job Type": "Full-time",
        "Location City": "Lahore",
        "Location Region": "Punjab",
        "Location Country": "Pakistan",
    }

    assert an["name"] == "Nguyễn Văn An"
    assert an["email"] == "An.Nguyen@NUST.edu.pk"  # case is the loaders' business
    assert pd.isna(an["external_id"])
    assert pd.isna(an["last_activity_at"])
    assert pd.isna(an["course_grade"])
    assert an["course_type"] == "Guided Project"
    assert json.loads(an["extras"]) == {"Enrollment Source": "Self-enrolled", "Location Country": "Pakistan"}

    assert parsed.frame["completed"].tolist() == [False, False, True]
    assert parsed.frame["removed_from_program"].tolist() == [False, True, False]
    assert bilal["completion_time"] == utc("2025-03-01 16:45:00")
    assert bilal["course_grade"] == pytest.approx(92.48)
    assert bilal["certificate_url"] == "https://coursera.org/verify/ABC123XYZ"


def test_legacy_usage_27_with_business_units_and_xlsx_timestamps() -> None:
    parsed = read_fixture("legacy_usage_27.csv")
    assert parsed.layout == "legacy_usage_27"
    assert_canonical(parsed)
    first, second = parsed.frame.iloc[0], parsed.frame.iloc[1]
    # The naive XLSX form is taken as UTC.
    assert first["enrollment_time"] == utc("2024-01-26 10:16:04")
    assert first["last_activity_at"] == utc("2024-02-02 17:03:41")
    assert second["completion_time"] == utc("2024-03-01 16:45:00")
    assert json.loads(first["extras"]) == {
        "Enrollment Source": "Invitation",
        "Job Title": "Student",
        "Job Type": "Full-time",
        "Business Unit": "Computer Science",
        "Business Unit 2": "UET Lahore",
        "Location City": "Lahore",
    }
    assert json.loads(second["extras"])["Business Unit"] == "Statistics"
    assert "Business Unit 2" not in json.loads(second["extras"])  # empty values are left out


def test_legacy_usage_19_lacks_the_later_columns() -> None:
    parsed = read_fixture("legacy_usage_19.csv")
    assert parsed.layout == "legacy_usage_19"
    assert_canonical(parsed)
    frame = parsed.frame
    # Columns the older file never had are typed and empty, not absent.
    for column in ("class_end_time", "certificate_url", "course_type"):
        assert frame[column].isna().all()
    assert frame["course_grade"].tolist() == [0.0, 92.48]
    assert frame["learning_hours"].tolist() == [12.5, 21.75]
    assert json.loads(frame.loc[0, "extras"]) == {"Enrollment Source": "Invitation"}


def test_current_course_activity_35() -> None:
    name = "CourseActivity HEC Cohort 2 - CourseraEnterpriseExport 2026-05-04 17-33-53 UTC.csv"
    parsed = read_fixture("current_course_activity_35.csv", name)
    assert (parsed.layout, parsed.kind) == ("current_course_activity_35", COURSE_ACTIVITY)
    assert parsed.export_ts == pd.Timestamp("2026-05-04 17:33:53", tz="UTC")
    assert_canonical(parsed)
    first, second = parsed.frame.iloc[0], parsed.frame.iloc[1]
    assert first["name"] == "عائشہ خان"
    assert first["external_id"] == "2023-CS-101"  # `External ID`, not `External Id`
    # `Learning Hours` is the time spent; the estimate since enrolment stays raw in extras.
    assert first["learning_hours"] == pytest.approx(12.5)
    extras = json.loads(first["extras"])
    assert extras["Total Estimated Learning Hours (since enrolled)"] == "30"
    assert extras["Contract"] == "HEC Pakistan 2025"
    assert extras["Is Enterprise Contract Active"] == "Yes"
    assert extras["Collection ID"] == "col-123"
    assert extras["Manager Email"] == "sana.iqbal@uet.edu.pk"
    assert extras["Business Unit"] == "Computer Science\nEvening programme"
    assert extras["Business Unit 2"] == 'UET "Main" Campus'
    assert parsed.frame["completed"].tolist() == [False, True]
    assert second["certificate_url"] == "https://coursera.org/verify/ABC123XYZ"


def test_legacy_membership_16() -> None:
    parsed = read_fixture("legacy_membership_16.csv")
    assert (parsed.layout, parsed.kind, parsed.rows_read) == ("legacy_membership_16", MEMBERSHIP, 2)
    assert_canonical(parsed)
    member, invited = parsed.frame.iloc[0], parsed.frame.iloc[1]
    assert member["member_state"] == "MEMBER"
    assert member["enrolled_courses"] == 3
    assert member["completed_courses"] == 1
    assert member["join_date"] == utc("2025-04-20 11:02:13")
    assert member["invitation_date"] == utc("2025-04-18 09:00:00")
    assert member["last_activity_at"] == utc("2025-05-14 09:12:33.412")
    assert pd.isna(member["learning_hours"])  # the legacy file has none
    assert json.loads(member["extras"]) == {"Job Title": "Student", "Location Country": "Pakistan"}
    assert invited["member_state"] == "INVITED"
    assert pd.isna(invited["join_date"])
    assert pd.isna(invited["last_activity_at"])
    assert pd.isna(invited["extras"])


def test_current_program_activity_23() -> None:
    parsed = read_fixture("current_program_activity_23.csv")
    assert (parsed.layout, parsed.kind) == ("current_program_activity_23", MEMBERSHIP)
    assert_canonical(parsed)
    member = parsed.frame.iloc[0]
    assert member["last_activity_at"] == utc("2025-05-14 09:12:33.412")  # `Last Program Activity Date`
    assert member["learning_hours"] == pytest.approx(14.25)
    assert json.loads(member["extras"]) == {
        "Contract(s)": "HEC Pakistan 2025",
        "Contract ID(s)": "c-42",
        "Job Title": "Student",
        "Business Unit": "Computer Science",
        "Location Country": "Pakistan",
    }
    assert parsed.frame["member_state"].tolist() == ["MEMBER", "INVITED"]


def test_starred_user_export_maps_what_it_has() -> None:
    parsed = read_fixture("user_export_starred.csv")
    assert (parsed.layout, parsed.kind) == ("user_export_starred", MEMBERSHIP)
    assert_canonical(parsed)
    frame = parsed.frame
    assert frame["name"].tolist() == ["Khan, Ayesha", "Bilal Ahmed"]
    assert frame["email"].tolist() == ["ayesha.khan@uet.edu.pk", "bilal.ahmed@pu.edu.pk"]
    assert frame.loc[0, "external_id"] == "2023-CS-101"
    assert json.loads(frame.loc[0, "extras"]) == {"Business Unit": "CS"}
    for column in ("program_slug", "member_state", "join_date", "enrolled_courses"):
        assert frame[column].isna().all()


def test_trailing_unknown_columns_go_to_extras(write_export: WriteExport) -> None:
    header = [*LEGACY_MEMBERSHIP_16, "Business Unit", "Business Unit 2", "Faculty Code"]
    row = {"Email": "a@b.pk", "Program Slug": "p-12345", "Member State": "member", "Faculty Code": "F-9"}
    [parsed] = read_export("m.csv", write_export(header, [row]))
    assert parsed.layout == "legacy_membership_16"
    assert json.loads(parsed.frame.loc[0, "extras"]) == {"Faculty Code": "F-9"}
    assert parsed.frame.loc[0, "member_state"] == "MEMBER"  # upper-cased


def test_a_header_of_nothing_known_is_an_unknown_layout(write_export: WriteExport) -> None:
    path = write_export(["roll_number", "cnic", "full_name", "email"], [["1", "2", "3", "4"]])
    with pytest.raises(ExportRejected) as caught:
        read_export("hec_people_2026-01-01.csv", path)
    assert caught.value.rule == "unknown_layout"
    assert caught.value.row is None


@pytest.mark.parametrize(
    ("header", "dropped"),
    [
        (LEGACY_USAGE_28, "Course ID"),
        (CURRENT_COURSE_ACTIVITY_35, "Learning Hours"),
        (LEGACY_MEMBERSHIP_16, "Member State"),
        (CURRENT_PROGRAM_ACTIVITY_23, "Last Program Activity Date"),
    ],
)
def test_a_missing_required_column_is_named(write_export: WriteExport, header: tuple[str, ...], dropped: str) -> None:
    kept = [column for column in header if column != dropped]
    with pytest.raises(ExportRejected) as caught:
        read_export("x.csv", write_export(kept, [["v"] * len(kept)]))
    assert caught.value.rule == "missing_column"
    assert f"'{dropped.rstrip('*')}'" in caught.value.detail


def test_a_repeated_column_is_refused(write_export: WriteExport) -> None:
    header = [*LEGACY_MEMBERSHIP_16, "EMAIL"]
    with pytest.raises(ExportRejected) as caught:
        read_export("x.csv", write_export(header, [["v"] * len(header)]))
    assert caught.value.rule == "duplicate_column"


def test_unnamed_columns_are_kept_by_position(write_export: WriteExport) -> None:
    header = [*LEGACY_MEMBERSHIP_16, ""]
    row = {"Email": "a@b.pk", "Member State": "MEMBER", "": "trailing"}
    [parsed] = read_export("x.csv", write_export(header, [row]))
    assert json.loads(parsed.frame.loc[0, "extras"]) == {"column 17": "trailing"}
