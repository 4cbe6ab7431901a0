"""The admin console's ZIP of six CSVs: the course and programme activity members are read, the summaries are not.

The caller archives the ZIP whole, so the skipped members are kept, only not loaded. A member nobody has seen in
this ZIP refuses the file: it may be a layout change that would otherwise go unnoticed. A header-only CourseActivity
member is a day nobody studied when the ProgramActivity member lists the programme's members: it is read as an
empty export (the loader records a warning) instead of refusing the ZIP.
"""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Final

import pandas as pd

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

LOADED_MEMBERS: Final = ("courseactivity", "programactivity")
SKIPPED_MEMBERS: Final = ("learningpathactivity", "activitybybusinessunit", "activitybycountry", "activitybycity")
_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")
_COURSES, _MEMBERS = LOADED_MEMBERS
_PEEK_BYTES: Final = 1 << 16


def is_zip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) in _ZIP_MAGIC


def member_role(member_name: str) -> str | None:
    prefix = member_name.casefold()
    if prefix.startswith(LOADED_MEMBERS):
        return "load"
    if prefix.startswith(SKIPPED_MEMBERS):
        return "skip"
    return None


def _has_records(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a member has a line after its header (its first 64 kB suffice: a header is one short line)."""
    with archive.open(info) as member:
        lines = member.read(_PEEK_BYTES).splitlines()
    return any(line.strip() for line in lines[1:])


def _in_zip(file_name: str, member: str, rejected: ExportRejected) -> ExportRejected:
    return ExportRejected(f"{file_name} > {member}", rejected.rule, rejected.detail, rejected.row)


def _member_blocks(file_name: str, member: str, blocks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    try:
        yield from blocks
    except ExportRejected as rejected:
        raise _in_zip(file_name, member, rejected) from None


def open_zip_export(file_name: str, path: Path, *, options: StreamOptions = DEFAULT_OPTIONS) -> Iterator[ExportStream]:
    """One stream per loaded member. A member is extracted to a scratch file when its stream is asked for and
    deleted when the next is: read each stream's blocks to the end before asking for the next one."""
    try:
        with zipfile.ZipFile(path) as archive, TemporaryDirectory(prefix="dlsei-zip-") as scratch:
            members = [(PurePosixPath(info.filename).name, info) for info in archive.infolist() if not info.is_dir()]
            unknown = sorted(name for name, _ in members if member_role(name) is None)
            if unknown:
                raise ExportRejected(file_name, "zip_members", f"unexpected member(s) {', '.join(unknown)}")
            fallback_ts = export_timestamp(file_name)
            vouched = any(
                name.casefold().startswith(_MEMBERS) and _has_records(archive, info) for name, info in members
            )
            for number, (name, info) in enumerate(members):
                if member_role(name) != "load":
                    continue
                empty_allowed = vouched and name.casefold().startswith(_COURSES)
                extracted = Path(scratch) / f"member-{number}.csv"
                with archive.open(info) as source, extracted.open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                try:
                    stream = open_csv_export(
                        name, extracted, fallback_ts=fallback_ts, options=replace(options, empty_allowed=empty_allowed)
                    )
                except ExportRejected as rejected:
                    raise _in_zip(file_name, name, rejected) from None
                yield replace(stream, blocks=_member_blocks(file_name, name, stream.blocks))
                extracted.unlink()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        detail = f"the ZIP archive cannot be read ({type(error).__name__})"
        raise ExportRejected(file_name, "zip_corrupt", detail) from None


def read_zip_export(file_name: str, path: Path) -> list[ParsedExport]:
    return [collect(stream) for stream in open_zip_export(file_name, path)]
