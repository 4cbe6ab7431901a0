"""The quirks of real Coursera files (coursera-exports.md section 4), each in a file of its own, read to values."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dlsei.exports import read_export
from dlsei.exports.layouts import LEGACY_MEMBERSHIP_16

HEADER = ",".join(LEGACY_MEMBERSHIP_16)
TAIL = ",2,1,MEMBER,2025-04-20T11:02:13.000Z,2025-04-18T09:00:00.000Z,2025-05-14T09:12:33.412Z,,,,,"


def row(name: str, email: str, external_id: str = "", program: str = "HEC Cohort 2") -> str:
    return f"{name},{email},{external_id},{program},hec-cohort-2-ab3x9{TAIL}"


def read(tmp_path: Path, data: bytes) -> pd.DataFrame:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    [parsed] = read_export(path.name, path)
    assert parsed.layout == "legacy_membership_16"
    return parsed.frame


def test_every_field_quoted(tmp_path: Path) -> None:
    header = ",".join(f'"{column}"' for column in LEGACY_MEMBERSHIP_16)
    line = ",".join(f'"{value}"' for value in row("Ali Raza", "ali@pu.edu.pk", "PU-1").split(","))
    frame = read(tmp_path, f"{header}\n{line}\n".encode())
    assert frame.loc[0, "name"] == "Ali Raza"
    assert frame.loc[0, "external_id"] == "PU-1"
    assert frame.loc[0, "enrolled_courses"] == 2
    assert frame.loc[0, "join_date"] == pd.Timestamp("2025-04-20 11:02:13", tz="UTC")


def test_quoted_and_bare_fields_mixed(tmp_path: Path) -> None:
    line = '"Ali Raza",ali@pu.edu.pk,"",HEC Cohort 2,"hec-cohort-2-ab3x9"' + TAIL
    frame = read(tmp_path, f"{HEADER}\n{line}\n".encode())
    assert frame.loc[0, "program_slug"] == "hec-cohort-2-ab3x9"
    assert pd.isna(frame.loc[0, "external_id"])  # a quoted empty field is as missing as a bare one


def test_names_with_commas(tmp_path: Path) -> None:
    frame = read(tmp_path, (HEADER + "\n" + row('"Smith, John"', "john@x.pk") + "\n").encode())
    assert frame.loc[0, "name"] == "Smith, John"
    assert frame.loc[0, "email"] == "john@x.pk"


def test_embedded_newlines_inside_quoted_fields(tmp_path: Path) -> None:
    first = row('"Ali\nRaza"', "ali@pu.edu.pk", program='"HEC\r\nCohort 2"')
    data = HEADER + "\n" + first + "\n" + row("Sara", "s@x.pk") + "\n"
    frame = read(tmp_path, data.encode())
    assert len(frame) == 2
    assert frame.loc[0, "name"] == "Ali\nRaza"
    assert frame.loc[0, "program_name"] == "HEC\r\nCohort 2"
    assert frame.loc[1, "email"] == "s@x.pk"


def test_utf8_bom_before_the_header(tmp_path: Path) -> None:
    frame = read(tmp_path, b"\xef\xbb\xbf" + f"{HEADER}\n{row('Ali', 'ali@x.pk')}\n".encode())
    assert frame.loc[0, "name"] == "Ali"


def test_bom_before_a_quoted_header(tmp_path: Path) -> None:
    header = ",".join(f'"{column}"' for column in LEGACY_MEMBERSHIP_16)
    frame = read(tmp_path, b"\xef\xbb\xbf" + f"{header}\r\n{row('Ali', 'ali@x.pk')}\r\n".encode())
    assert frame.loc[0, "email"] == "ali@x.pk"


def test_crlf_line_endings(tmp_path: Path) -> None:
    frame = read(tmp_path, f"{HEADER}\r\n{row('Ali', 'ali@x.pk')}\r\n{row('Sara', 's@x.pk')}\r\n".encode())
    assert frame["email"].tolist() == ["ali@x.pk", "s@x.pk"]
    # No carriage return sticks to the last column of a line.
    assert frame.loc[0, "last_activity_at"] == pd.Timestamp("2025-05-14 09:12:33.412", tz="UTC")
    assert pd.isna(frame.loc[0, "extras"])


@pytest.mark.parametrize("name", ["عائشہ خان", "محمد علی", "Nguyễn Thị Minh Khai", "Trần Hưng Đạo"])
def test_non_ascii_names(tmp_path: Path, name: str) -> None:
    frame = read(tmp_path, f"{HEADER}\n{row(name, 'x@y.pk')}\n".encode())
    assert frame.loc[0, "name"] == name


def test_repeated_learners_and_email_case_are_kept_as_delivered(tmp_path: Path) -> None:
    data = f"{HEADER}\n{row('Ali', 'Ali@PU.edu.pk')}\n{row('Ali', 'ali@pu.edu.pk')}\n"
    frame = read(tmp_path, data.encode())
    # Folding repeats and case is the snapshot step's job, on the record of what Coursera sent.
    assert frame["email"].tolist() == ["Ali@PU.edu.pk", "ali@pu.edu.pk"]


def test_header_spelling_drift(tmp_path: Path) -> None:
    header = ",".join(f" {column.upper()} " for column in LEGACY_MEMBERSHIP_16).replace("EMAIL", '"Email*"')
    frame = read(tmp_path, f"{header}\n{row('Ali', 'ali@x.pk', 'R-1')}\n".encode())
    assert frame.loc[0, "external_id"] == "R-1"
    assert frame.loc[0, "email"] == "ali@x.pk"


def test_no_final_line_break_is_fine_when_the_record_is_whole(tmp_path: Path) -> None:
    frame = read(tmp_path, f"{HEADER}\n{row('Ali', 'ali@x.pk')}".encode())
    assert frame.loc[0, "email"] == "ali@x.pk"


def test_trailing_blank_lines_are_ignored(tmp_path: Path) -> None:
    frame = read(tmp_path, f"{HEADER}\r\n{row('Ali', 'ali@x.pk')}\r\n\r\n\r\n".encode())
    assert len(frame) == 1


def test_blank_lines_before_the_header(tmp_path: Path) -> None:
    frame = read(tmp_path, ("\r\n\r\n" + HEADER + "\r\n" + row("Ali", "ali@x.pk") + "\r\n").encode())
    assert frame["email"].tolist() == ["ali@x.pk"]
