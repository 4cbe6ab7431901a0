"""The admin console's six-file ZIP: two members are loaded, four are recognised and left alone, others refused."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hostile_files import zip_bomb

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.exports import ExportRejected, read_export

FIXTURES = Path(__file__).parents[2] / "fixtures" / "exports"
STAMP = "CourseraEnterpriseExport 2026-05-04 17-33-53 UTC"
COURSES = f"CourseActivity HEC Cohort 2 - {STAMP}.csv"
PROGRAMMES = f"ProgramActivity HEC Cohort 2 - {STAMP}.csv"
SUMMARIES = {
    f"LearningPathActivity HEC Cohort 2 - {STAMP}.csv": "Name,Email,Learning Path\n",
    "ActivityByBusinessUnit.csv": "Business Unit,Learners\nCS,4\n",
    "ActivityByCountry.csv": "Country,Learners\nPakistan,4\n",
    "ActivityByCity.csv": "City,Learners\nLahore,4\n",
}


def bundle(path: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def console_zip(tmp_path: Path, **extra: bytes | str) -> Path:
    members: dict[str, bytes | str] = {
        COURSES: (FIXTURES / "current_course_activity_35.csv").read_bytes(),
        PROGRAMMES: (FIXTURES / "current_program_activity_23.csv").read_bytes(),
        **SUMMARIES,
    }
    return bundle(tmp_path / f"HEC Cohort 2 - {STAMP}.zip", {**members, **extra})


def test_the_console_zip_gives_course_and_programme_activity(tmp_path: Path) -> None:
    path = console_zip(tmp_path)
    courses, programmes = read_export(path.name, path)
    assert (courses.file_name, courses.kind, courses.layout) == (COURSES, COURSE_ACTIVITY, "current_course_activity_35")
    assert (programmes.file_name, programmes.kind, programmes.layout) == (
        PROGRAMMES,
        MEMBERSHIP,
        "current_program_activity_23",
    )
    assert courses.export_ts == programmes.export_ts == pd.Timestamp("2026-05-04 17:33:53", tz="UTC")
    assert courses.rows_read == 2
    assert courses.frame.loc[0, "name"] == "عائشہ خان"
    assert programmes.frame["member_state"].tolist() == ["MEMBER", "INVITED"]


def test_members_in_a_folder_and_without_a_stamp_take_the_zip_stamp(tmp_path: Path) -> None:
    path = bundle(
        tmp_path / f"export {STAMP}.zip",
        {"export/ProgramActivity.csv": (FIXTURES / "current_program_activity_23.csv").read_bytes()},
    )
    [programmes] = read_export(path.name, path)
    assert programmes.file_name == "ProgramActivity.csv"
    assert programmes.export_ts == pd.Timestamp("2026-05-04 17:33:53", tz="UTC")


def test_an_unexpected_member_refuses_the_zip(tmp_path: Path) -> None:
    path = console_zip(tmp_path, **{"notes.txt": "hello", "Usage Report.csv": "x"})
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    assert caught.value.rule == "zip_members"
    assert "Usage Report.csv, notes.txt" in caught.value.detail


def test_a_bad_member_names_the_zip_and_the_member(tmp_path: Path) -> None:
    header_only = (FIXTURES / "current_program_activity_23.csv").read_text().splitlines()[0] + "\n"
    path = console_zip(tmp_path, **{PROGRAMMES: header_only})
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    assert caught.value.rule == "header_only"
    assert caught.value.file_name == f"{path.name} > {PROGRAMMES}"


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    whole = console_zip(tmp_path).read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    assert caught.value.rule == "zip_corrupt"


def test_content_not_name_decides_zip_or_csv(tmp_path: Path) -> None:
    zipped = console_zip(tmp_path).rename(tmp_path / "looks-like.csv")
    assert len(read_export(zipped.name, zipped)) == 2
    plain = tmp_path / "looks-like.zip"
    plain.write_bytes((FIXTURES / "legacy_membership_16.csv").read_bytes())
    [parsed] = read_export(plain.name, plain)
    assert parsed.layout == "legacy_membership_16"


def test_an_empty_course_member_reads_empty_when_the_programme_member_lists_members(tmp_path: Path) -> None:
    header_only = (FIXTURES / "current_course_activity_35.csv").read_text().splitlines()[0] + "\n"
    path = console_zip(tmp_path, **{COURSES: header_only})
    courses, programmes = read_export(path.name, path)
    assert (courses.kind, courses.rows_read, list(courses.frame.columns)) == (
        COURSE_ACTIVITY,
        0,
        list(read_export(COURSES, FIXTURES / "current_course_activity_35.csv")[0].frame.columns),
    )
    assert programmes.rows_read == 2


def test_an_empty_course_member_with_an_empty_programme_member_refuses_the_zip(tmp_path: Path) -> None:
    members = {
        name: (FIXTURES / fixture).read_text().splitlines()[0] + "\n"
        for name, fixture in (
            (COURSES, "current_course_activity_35.csv"),
            (PROGRAMMES, "current_program_activity_23.csv"),
        )
    }
    path = console_zip(tmp_path, **members)
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    assert caught.value.rule == "header_only"


def refusal(path: Path) -> ExportRejected:
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    return caught.value


def test_a_zip_bomb_is_refused_from_its_directory(tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / f"HEC {STAMP}.zip", COURSES)
    assert bomb.stat().st_size < 1 << 20
    error = refusal(bomb)
    assert error.rule == "zip_limits"
    assert f"member {COURSES!r} expands" in error.detail and "AIRFLOW_VAR_DLSEI_ZIP_MAX_RATIO" in error.detail


def test_a_bomb_whose_directory_lies_stops_early_in_bounded_memory(tmp_path: Path) -> None:
    # Measured in a process of its own: the peak resident memory of the whole process, imports included. Read as
    # VmHWM, the new program's own high-water mark: getrusage's ru_maxrss keeps the forking pytest worker's peak.
    probe = f"""
import re, sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parents[1])!r})
from hostile_files import zip_bomb
from dlsei.exports import ExportRejected, read_export
rules = []
for declared in (None, 1 << 20):
    bomb = zip_bomb(Path({str(tmp_path)!r}) / f"bomb-{{declared}}.zip", {COURSES!r}, declared=declared)
    try:
        read_export(bomb.name, bomb)
    except ExportRejected as error:
        rules.append(error.rule)
peak_kb = re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1)
print(",".join(rules), int(peak_kb) // 1024)
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300)
    rules, peak_mb = done.stdout.split()
    # The lying directory passes the size checks; the extraction stops at the size it declared and the bytes beyond
    # it fail their checksum, so the file is refused without ever being expanded.
    assert rules == "zip_limits,zip_corrupt"
    assert int(peak_mb) < 300, f"peak resident memory {peak_mb} MB"


def test_too_many_members_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBERS", "5")
    error = refusal(console_zip(tmp_path))
    assert (error.rule, error.detail) == ("zip_limits", "6 members, more than 5 (AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBERS)")


def test_members_over_the_size_limits_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBER_BYTES", "1000")
    assert "AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBER_BYTES" in refusal(console_zip(tmp_path)).detail
    monkeypatch.delenv("AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBER_BYTES")
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_ZIP_MAX_TOTAL_BYTES", "2000")
    assert "AIRFLOW_VAR_DLSEI_ZIP_MAX_TOTAL_BYTES" in refusal(console_zip(tmp_path)).detail


@pytest.mark.parametrize("name", [f"CourseActivity {STAMP}.zip", f"CourseActivity {STAMP}.csv"])
def test_an_archive_inside_the_archive_is_refused(tmp_path: Path, name: str) -> None:
    inner = console_zip(tmp_path).read_bytes()
    error = refusal(bundle(tmp_path / "outer.zip", {name: inner}))
    assert error.rule == "zip_nested"
    assert repr(name) in error.detail


def test_a_zip_slip_member_is_named_verbatim(tmp_path: Path) -> None:
    name = f"../../etc/\x1b[31m{COURSES}"
    error = refusal(bundle(tmp_path / "slip.zip", {name: "x"}))
    assert error.rule == "zip_slip"
    assert "'../../etc/\\x1b[31m" in error.detail and "\x1b" not in error.detail
