"""The CSV download never hands a spreadsheet a formula: text starting with = + - @ or a control character is
quoted as text; numbers, negative ones too, stay numbers."""

from __future__ import annotations

import csv
import io

from dlsei.web.downloads import neutralised, sections_csv


def test_formulas_are_neutralised_and_numbers_kept() -> None:
    assert neutralised("=1+1") == "'=1+1"
    assert neutralised("+A1") == "'+A1"
    assert neutralised("-A1") == "'-A1"
    assert neutralised("@SUM(A1)") == "'@SUM(A1)"
    assert neutralised("\tcmd") == "'\tcmd"
    assert neutralised("Alpha University") == "Alpha University"
    assert neutralised(-3) == -3
    assert neutralised(2.5) == 2.5


def test_each_section_has_its_title_header_and_rows() -> None:
    text = sections_csv(
        [("alerts", ("rule", "summary"), [("low_join_rate", "=HYPERLINK(1)")]), ("seats", ("free",), [(-2,)])]
    )
    assert list(csv.reader(io.StringIO(text))) == [
        ["alerts"],
        ["rule", "summary"],
        ["low_join_rate", "'=HYPERLINK(1)"],
        [],
        ["seats"],
        ["free"],
        ["-2"],
    ]
