"""The admin console's ZIP of six CSVs: the course and programme activity members are read, the summaries are not.

The caller archives the ZIP whole, so the skipped members are kept, only not loaded. A member nobody has seen in
this ZIP refuses the file: it may be a layout change that would otherwise go unnoticed. A header-only CourseActivity
member is a day nobody studied when the ProgramActivity member lists the programme's members: it is read as an
empty export (the loader records a warning) instead of refusing the ZIP.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Final

import pandas as pd

from dlsei.exports.limits import RATIO_FLOOR_BYTES, Limits
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
# The first bytes of the archive formats a member must not be: the limits below hold for one level only.
_ARCHIVE_MAGIC: Final = (*_ZIP_MAGIC, b"PK\x07\x08", b"\x1f\x8b", b"BZh", b"7z\xbc\xaf", b"Rar!", b"\xfd7zXZ")
_ARCHIVE_SUFFIXES: Final = (".zip", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".tar", ".jar")
_COPY_BYTES: Final = 1 << 20


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


def _climbs_out(name: str) -> bool:
    """A member name that would be written outside the folder it is extracted to (zip-slip)."""
    path = name.replace("\\", "/")
    return path.startswith("/") or (len(path) > 1 and path[1] == ":") or ".." in path.split("/")


def _shown(name: str) -> str:
    """A member name as it is in the archive, `../` included, with control characters escaped: safe in a reason."""
    return repr(name[:200])


def _check_directory(file_name: str, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse an archive whose directory already says it is hostile or too large, before extracting anything."""
    slipping = [info.filename for info in infos if _climbs_out(info.filename)]
    if slipping:
        names = ", ".join(_shown(name) for name in slipping[:5])
        raise ExportRejected(file_name, "zip_slip", f"member name(s) {names} point outside the archive's folder")
    if len(infos) > limits.max_members:
        raise ExportRejected(
            file_name,
            "zip_limits",
            f"{len(infos)} members, more than {limits.max_members} (AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBERS)",
        )
    nested = [info.filename for info in infos if info.filename.casefold().endswith(_ARCHIVE_SUFFIXES)]
    if nested:
        raise ExportRejected(file_name, "zip_nested", f"member {_shown(nested[0])} is an archive inside the archive")
    total = 0
    for info in infos:
        _check_size(file_name, info, info.file_size, limits)
        total += info.file_size
    if total > limits.max_total_bytes:
        raise ExportRejected(
            file_name,
            "zip_limits",
            f"the members would expand to {total} bytes, more than {limits.max_total_bytes} "
            "(AIRFLOW_VAR_DLSEI_ZIP_MAX_TOTAL_BYTES)",
        )


def _check_size(file_name: str, info: zipfile.ZipInfo, size: int, limits: Limits) -> None:
    """`size` bytes of the member, declared or extracted so far, within the member and ratio limits."""
    if size > limits.max_member_bytes:
        raise ExportRejected(
            file_name,
            "zip_limits",
            f"member {_shown(info.filename)} expands beyond {limits.max_member_bytes} bytes "
            "(AIRFLOW_VAR_DLSEI_ZIP_MAX_MEMBER_BYTES)",
        )
    ratio = size / max(info.compress_size, 1)
    if size > RATIO_FLOOR_BYTES and ratio > limits.max_ratio:
        raise ExportRejected(
            file_name,
            "zip_limits",
            f"member {_shown(info.filename)} expands {ratio:.0f} times its compressed size, more than "
            f"{limits.max_ratio} (AIRFLOW_VAR_DLSEI_ZIP_MAX_RATIO): a ZIP bomb, or not an export",
        )


def _extract(file_name: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, limits: Limits) -> None:
    """Copy a member to `target` a block at a time, counting: the directory's sizes may lie, the bytes cannot."""
    written = 0
    with archive.open(info) as source, target.open("wb") as sink:
        while block := source.read(_COPY_BYTES):
            if written == 0 and block.startswith(_ARCHIVE_MAGIC):
                raise ExportRejected(file_name, "zip_nested", f"member {_shown(info.filename)} is an archive")
            written += len(block)
            _check_size(file_name, info, max(written, info.file_size), limits)
            sink.write(block)


def open_zip_export(file_name: str, path: Path, *, options: StreamOptions = DEFAULT_OPTIONS) -> Iterator[ExportStream]:
    """One stream per loaded member. A member is extracted to a scratch file when its stream is asked for and
    deleted when the next is: read each stream's blocks to the end before asking for the next one."""
    limits = options.resolved_limits()
    try:
        with zipfile.ZipFile(path) as archive, TemporaryDirectory(prefix="dlsei-zip-") as scratch:
            infos = [info for info in archive.infolist() if not info.is_dir()]
            _check_directory(file_name, infos, limits)
            members = [(PurePosixPath(info.filename).name, info) for info in infos]
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
                _extract(file_name, archive, info, extracted, limits)
                try:
                    stream = open_csv_export(
                        name, extracted, fallback_ts=fallback_ts, options=replace(options, empty_allowed=empty_allowed)
                    )
                except ExportRejected as rejected:
                    raise _in_zip(file_name, name, rejected) from None
                yield replace(stream, blocks=_member_blocks(file_name, name, stream.blocks))
                extracted.unlink()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, zlib.error) as error:
        detail = f"the ZIP archive cannot be read ({type(error).__name__})"
        raise ExportRejected(file_name, "zip_corrupt", detail) from None


def read_zip_export(file_name: str, path: Path) -> list[ParsedExport]:
    return [collect(stream) for stream in open_zip_export(file_name, path)]
