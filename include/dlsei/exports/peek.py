"""Which kinds of export a waiting file holds, read from its header(s) alone.

The late-file check asks this every few minutes of every file in incoming/: reading whole files for it would cost
as much as loading them. A file whose header says nothing recognisable counts as holding nothing; loading it is
what quarantines it, with the reason.
"""

from __future__ import annotations

import io
import logging
import zipfile
from pathlib import Path, PurePosixPath

from dlsei.exports.layouts import detect_layout
from dlsei.exports.limits import current_limits
from dlsei.exports.reader import first_record
from dlsei.exports.rejections import InvalidContent
from dlsei.exports.zipped import is_zip, member_role

log = logging.getLogger(__name__)


def _kind(header: list[str]) -> set[str]:
    try:
        return {detect_layout(header).kind}
    except InvalidContent:
        return set()


def export_kinds(path: Path) -> set[str]:
    """Never raises: whatever is wrong with the file, loading it quarantines it with the reason."""
    try:
        max_field_bytes = current_limits().max_field_bytes
        if not is_zip(path):
            with path.open(encoding="utf-8-sig", newline="") as stream:
                return _kind(first_record(stream, max_field_bytes))
        kinds: set[str] = set()
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir() or member_role(PurePosixPath(info.filename).name) != "load":
                    continue
                with archive.open(info) as member:
                    text = io.TextIOWrapper(member, encoding="utf-8-sig", newline="")
                    kinds |= _kind(first_record(text, max_field_bytes))
        return kinds
    except Exception as error:  # any fault of any file, foreseen or not: loading reports it
        log.warning("%s: header not readable (%s); loading it will say why", path.name, type(error).__name__)
        return set()
