"""CSV files the project writes, safe to open in a spreadsheet: OWASP's CSV-injection rule, in one place.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel, LibreOffice and Google
Sheets, and registry-sourced text (ids, names) reaches our CSVs. Such a cell is prefixed with a single quote, which
the spreadsheet shows as text, and every cell is quoted, embedded quotes doubled. Numbers are written as numbers:
only text can carry a formula. Every CSV writer of the project (reclaim lists, downloads) goes through `csv_bytes`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The value as a spreadsheet must read it: text that would start a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, object]]) -> bytes:
    """UTF-8 CSV with a byte-order mark (Excel then reads Urdu names right) and a header row, every cell quoted and
    neutralised; a row's keys beyond `columns` are not written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(columns)
    writer.writerows([neutralise(row.get(column)) for column in columns] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
