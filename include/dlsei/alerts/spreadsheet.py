"""CSV a coordinator can open in a spreadsheet safely: every cell quoted, and a cell a spreadsheet would read as a
formula made text, as OWASP's CSV-injection advice says (names and e-mails come from outside)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

# A leading =, +, -, @, tab or carriage return starts a formula (or DDE call) in Excel, LibreOffice and Sheets.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def safe_csv(columns: Sequence[str], rows: Sequence[Mapping[str, object]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Urdu names right), a header row, every cell quoted and
    neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows([neutralise(row.get(column)) for column in columns] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
