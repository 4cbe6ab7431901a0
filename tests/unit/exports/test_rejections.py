"""Bad files are refused with a stable rule (and the record to blame), never read as if they were fine."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlsei.exports import ExportRejected, read_export
from dlsei.exports.layouts import LEGACY_MEMBERSHIP_16

HEADER = ",".join(LEGACY_MEMBERSHIP_16)
WIDTH = len(LEGACY_MEMBERSHIP_16)


def row(email: str = "ali@pu.edu.pk", name: str = "Ali Raza") -> str:
    return (
        f"{name},{email},R-1,HEC Cohort 2,hec-cohort-2-ab3x9,2,1,MEMBER,"
        "2025-04-20T11:02:13.000Z,2025-04-18T09:00:00.000Z,2025-05-14T09:12:33.412Z,Student,,Lahore,Punjab,Pakistan"
    )


def refused(tmp_path: Path, data: bytes) -> ExportRejected:
    path = tmp_path / "Usage Report 2026-11-02 02-00-00 UTC.csv"
    path.write_bytes(data)
    with pytest.raises(ExportRejected) as caught:
        read_export(path.name, path)
    assert caught.value.file_name == path.name
    return caught.value


def lines(*records: str, end: str = "\n") -> bytes:
    return ("\n".join((HEADER, *records)) + end).encode()


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"   \n\r\n\t\n", b"\xef\xbb\xbf\r\n"])
def test_empty_file(tmp_path: Path, data: bytes) -> None:
    error = refused(tmp_path, data)
    assert (error.rule, error.row) == ("empty_file", None)


@pytest.mark.parametrize("data", [lines(), HEADER.encode(), lines(end="\n\n\n"), b"\xef\xbb\xbf" + lines(end="\r\n")])
def test_header_only(tmp_path: Path, data: bytes) -> None:
    assert refused(tmp_path, data).rule == "header_only"


def test_a_cut_last_record_without_final_line_break_is_truncated(tmp_path: Path) -> None:
    cut = row()[: row().index(",2025-04-18")]
    error = refused(tmp_path, lines(row(), '"Khan,\nAyesha"' + row()[8:], cut, end=""))
    assert (error.rule, error.row) == ("truncated", 3)
    assert f"of {WIDTH} fields" in error.detail


@pytest.mark.parametrize("tail", ['Ali,"ali@pu', 'Ali,"ali@pu\n', 'Ali,"ali@pu.edu.pk,R-1\n\n'])
def test_a_file_ending_inside_a_quoted_field_is_truncated(tmp_path: Path, tail: str) -> None:
    error = refused(tmp_path, lines(row(), row()) + tail.encode())
    assert (error.rule, error.row) == ("truncated", 3)


def test_a_short_last_record_with_a_final_line_break_is_a_field_count_fault(tmp_path: Path) -> None:
    error = refused(tmp_path, lines(row(), "Ali,ali@pu.edu.pk,R-1"))
    assert (error.rule, error.row) == ("field_count", 2)


@pytest.mark.parametrize(
    ("bad", "fields"),
    [(row() + ",extra", WIDTH + 1), (row() + ",x,y,z", WIDTH + 3), (row().rsplit(",", 2)[0], WIDTH - 2)],
)
def test_a_wrong_field_count_anywhere_names_its_record(tmp_path: Path, bad: str, fields: int) -> None:
    # Embedded newlines and blank lines before it must not shift the record number.
    multiline = '"Khan,\r\nAyesha"' + row()[8:]
    error = refused(tmp_path, lines(row(), multiline, "", row(), bad, row()))
    assert (error.rule, error.row) == ("field_count", 4)
    assert f"{fields} fields where the header has {WIDTH}" in error.detail
    assert "ali@" not in str(error)  # the parser's own message quotes the row; ours does not


def test_non_utf8_bytes_name_their_byte_and_line(tmp_path: Path) -> None:
    data = lines(row(), row(name="Jos\xe9")).replace("Jos\xe9".encode(), b"Jos\xe9")
    error = refused(tmp_path, data)
    assert error.rule == "encoding"
    offset = data.index(b"\xe9")
    assert f"at byte {offset} (line 3)" in error.detail


def test_non_utf8_bytes_in_the_header(tmp_path: Path) -> None:
    data = HEADER.replace("Name", "N\xe4me", 1).encode("latin-1") + b"\n" + row().encode() + b"\n"
    error = refused(tmp_path, data)
    assert error.rule == "encoding"
    assert "at byte 1 (line 1)" in error.detail


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_a_utf16_file_is_an_encoding_fault_that_names_utf16(tmp_path: Path, codec: str) -> None:
    error = refused(tmp_path, lines(row()).decode().encode(codec))
    assert error.rule == "encoding"
    assert "the file is UTF-16 text" in error.detail


def test_nul_bytes_are_named_not_taken_for_missing_columns(tmp_path: Path) -> None:
    data = lines(row(), row())
    at = data.index(b"\n") + 10
    error = refused(tmp_path, data[:at] + b"\0\0\0" + data[at:])
    assert (error.rule, error.detail) == ("nul_bytes", f"the file holds NUL bytes (the first at byte {at})")


def test_a_field_over_the_limit_names_its_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_CSV_MAX_FIELD_BYTES", str(64 << 10))
    error = refused(tmp_path, lines(row(), row(name="A" * (100 << 10)), row()))
    assert (error.rule, error.row) == ("field_too_large", 2)
    assert "longer than 65536 bytes" in error.detail and "AIRFLOW_VAR_DLSEI_CSV_MAX_FIELD_BYTES" in error.detail


def test_a_header_over_the_limit_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    # A first record of 3 MB with no line break: the csv module's own limit (128 KiB) used to escape as _csv.Error.
    error = refused(tmp_path, b"x" * (3 << 20))
    assert (error.rule, error.row) == ("field_too_large", None)
    assert "the header is longer than 2097152 bytes" in error.detail


def test_a_one_megabyte_field_is_legal(tmp_path: Path) -> None:
    path = tmp_path / "Membership Report 2026-11-02 02-00-00 UTC.csv"
    path.write_bytes(lines(row(), row(name="N" * 1_000_000), row()))
    (export,) = read_export(path.name, path)
    assert export.frame["name"].str.len().tolist() == [8, 1_000_000, 8]


def test_a_multibyte_character_cut_at_the_end_of_the_file(tmp_path: Path) -> None:
    data = lines(row(name="عائشہ")) + "عائشہ".encode()[:3]
    error = refused(tmp_path, data)
    assert error.rule == "encoding"
    assert f"at byte {len(data) - 1} " in error.detail


def test_a_stray_quote_inside_a_bare_value_is_not_truncation(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(lines(row(name='Ali "the Great" Raza'), row(name='O"Brien')))
    [parsed] = read_export(path.name, path)
    assert parsed.frame["name"].tolist() == ['Ali "the Great" Raza', 'O"Brien']
