"""Coursera admin exports (legacy Usage/Membership reports, current CourseActivity/ProgramActivity files and the
console's ZIP) read into canonical typed frames, whole or block by block, or refused with a rule.

layouts.py says which headers are recognised, values.py how values are typed, integrity.py which whole-file faults
are caught, reader.py and zipped.py how a CSV and a ZIP are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from dlsei.exports.layouts import LAYOUTS, Layout, detect_layout
from dlsei.exports.peek import export_kinds
from dlsei.exports.reader import (
    DEFAULT_OPTIONS,
    ExportStream,
    ParsedExport,
    StreamOptions,
    collect,
    open_csv_export,
)
from dlsei.exports.rejections import ExportRejected
from dlsei.exports.stamps import export_timestamp
from dlsei.exports.zipped import is_zip, open_zip_export

__all__ = [
    "LAYOUTS",
    "ExportRejected",
    "ExportStream",
    "Layout",
    "ParsedExport",
    "StreamOptions",
    "detect_layout",
    "export_kinds",
    "export_timestamp",
    "open_export",
    "read_export",
]


def open_export(file_name: str, path: Path, *, options: StreamOptions = DEFAULT_OPTIONS) -> Iterator[ExportStream]:
    """A CSV gives one stream; the console's ZIP one per loaded member, each to be read to its end before the next
    is asked for. The file's content decides which, not its name. Raises ExportRejected, also while streaming."""
    if is_zip(path):
        yield from open_zip_export(file_name, path, options=options)
    else:
        yield open_csv_export(file_name, path, options=options)


def read_export(file_name: str, path: Path) -> list[ParsedExport]:
    """A CSV gives one ParsedExport; the console's ZIP one per loaded member. The file's content decides which,
    not its name. Raises ExportRejected."""
    return [collect(stream) for stream in open_export(file_name, path)]
