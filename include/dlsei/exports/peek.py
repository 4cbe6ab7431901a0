"""Which kinds of export a waiting file holds, read from its header(s) alone.

The late-file check asks this every few minutes of every file in incoming/: reading whole files for it would cost
as much as loading them. A file whose header says nothing recognisable counts as holding nothing; loading it is
what quarantines it, with the reason.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from dlsei.exports.layouts import detect_layout
from dlsei.exports.rejections import InvalidContent
from dlsei.exports.zipped import is_zip, member_role

log = logging.getLogger(__name__)


def _first_record(lines: Iterable[str]) -> list[str]:
    return next((record for record in csv.reader(lines) if record), [])


def _kind(header: list[str]) -> set[str]:
    try:
        return {detect_layout(header).kind}
    except InvalidContent:
        return set()


def export_kinds(path: Path) -> set[str]:
    """Never raises: whatever is wrong with the file, loading it quarantines it with the reason."""
    try:
        if not is_zip(path):
            with path.open(encoding="utf-8-sig", newline="") as stream:
                return _kind(_first_record(stream))
        kinds: set[str] = set()
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or member_role(PurePosixPath(info.filename).name) != "load":
                    continue
                with archive.open(info) as member:
                    kinds |= _kind(_first_record(io.TextIOWrapper(member, encoding="utf-8-sig", newline="")))
        return kinds
    except Exception as error:  # any fault of any file, foreseen or not: loading reports it
        log.warning("%s: header not readable (%s); loading it will say why", path.name, type(error).__name__)
        return set()
