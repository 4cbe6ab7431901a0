"""The CSV download of a university's page: each of its tables under its own title, cells neutralised so that a
spreadsheet never runs one as a formula (OWASP's CSV-injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

# A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value: object) -> object:
    """Text that a spreadsheet would run as a formula, quoted as text; numbers (negative ones too) as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def sections_csv(sections: Iterable[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> str:
    """Each (title, columns, rows) as a title line, a header and its rows, a blank line between sections."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for number, (title, columns, rows) in enumerate(sections):
        if number:
            writer.writerow([])
        writer.writerow([neutralised(title)])
        writer.writerow([neutralised(c) for c in columns])
        writer.writerows([neutralised(cell) for cell in row] for row in rows)
    return buffer.getvalue()
