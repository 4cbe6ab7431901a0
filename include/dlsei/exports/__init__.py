"""Coursera admin exports (legacy Usage/Membership reports, current CourseActivity/ProgramActivity files and the
console's ZIP) read into canonical typed frames, or refused with a rule.

layouts.py says which headers are recognised, values.py how values are typed, integrity.py which whole-file faults
are caught, reader.py and zipped.py how a CSV and a ZIP are read.
"""

from __future__ import annotations

from pathlib import Path

from dlsei.exports.errors import ExportRejected
from dlsei.exports.layouts import LAYOUTS, Layout, detect_layout
from dlsei.exports.reader import ParsedExport, read_csv_export
from dlsei.exports.stamps import export_timestamp
from dlsei.exports.zipped import is_zip, read_zip_export

__all__ = [
    "LAYOUTS",
    "ExportRejected",
    "Layout",
    "ParsedExport",
    "detect_layout",
    "export_timestamp",
    "read_export",
]


def read_export(file_name: str, path: Path) -> list[ParsedExport]:
    """A CSV gives one ParsedExport; the console's ZIP one per loaded member. The file's content decides which,
    not its name. Raises ExportRejected."""
    if is_zip(path):
        return read_zip_export(file_name, path)
    return [read_csv_export(file_name, path)]
