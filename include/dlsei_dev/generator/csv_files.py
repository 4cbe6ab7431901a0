"""Writing tables as CSV, bare or as members of a ZIP, with the byte-level style of each file (BOM, line ends,
quoting) chosen by the caller. Output bytes depend only on the inputs, never on the clock."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

ZIP64_ROWS = 2_000_000  # above this a member may pass 2 GiB and needs ZIP64 headers
ZIP_LEVEL = 3  # a quarter of level 6's time on these files for a few per cent more bytes


@dataclass(frozen=True)
class FileStyle:
    bom: bool = False
    crlf: bool = False
    quote_all: bool = False

    @property
    def eol(self) -> str:
        return "\r\n" if self.crlf else "\n"


@dataclass(frozen=True)
class Table:
    name: str
    header: Sequence[str]
    columns: Sequence[np.ndarray]  # one array of strings per header entry
    style: FileStyle

    @property
    def rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0


def _write(sink: BinaryIO, table: Table) -> None:
    if table.style.bom:
        sink.write(codecs.BOM_UTF8)
    if table.style.quote_all:
        # Arrow's writer quotes every value exactly as csv.QUOTE_ALL does, at a fraction of the cost: the
        # current-layout files are the million-row ones.
        arrow = pa.Table.from_arrays([pa.array(c, pa.string()) for c in table.columns], names=list(table.header))
        options = pa_csv.WriteOptions(quoting_style="all_valid", quoting_header="all_valid", eol=table.style.eol)
        pa_csv.write_csv(arrow, sink, options)
        return
    text = io.TextIOWrapper(sink, encoding="utf-8", newline="")
    writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL, lineterminator=table.style.eol)
    writer.writerow(table.header)
    writer.writerows(zip(*(column.tolist() for column in table.columns), strict=True))
    text.flush()
    text.detach()


def write_csv(folder: Path, table: Table) -> Path:
    path = folder / table.name
    with path.open("wb") as sink:
        _write(sink, table)
    return path


def write_zip(path: Path, tables: Sequence[Table], stamp: datetime) -> Path:
    """A ZIP whose member dates are the export stamp, so the same export always has the same bytes."""
    with zipfile.ZipFile(path, "w") as archive:
        for table in tables:
            info = zipfile.ZipInfo(table.name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            # Python 3.11 takes a per-member level only through this attribute (public from 3.13).
            info._compresslevel = ZIP_LEVEL
            info.external_attr = 0o644 << 16
            with archive.open(info, "w", force_zip64=table.rows > ZIP64_ROWS) as sink:
                _write(sink, table)
    return path
