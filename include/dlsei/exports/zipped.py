"""The admin console's ZIP of six CSVs: the course and programme activity members are read, the summaries are not.

The caller archives the ZIP whole, so the skipped members are kept, only not loaded. A member nobody has seen in
this ZIP refuses the file: it may be a layout change that would otherwise go unnoticed.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path, PurePosixPath
from tempfile import TemporaryDirectory
from typing import Final

from dlsei.exports.errors import ExportRejected
from dlsei.exports.reader import ParsedExport, read_csv_export
from dlsei.exports.stamps import export_timestamp

LOADED_MEMBERS: Final = ("courseactivity", "programactivity")
SKIPPED_MEMBERS: Final = ("learningpathactivity", "activitybybusinessunit", "activitybycountry", "activitybycity")
_ZIP_MAGIC: Final = (b"PK\x03\x04", b"PK\x05\x06")


def is_zip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(4) in _ZIP_MAGIC


def _role(member_name: str) -> str | None:
    prefix = member_name.casefold()
    if prefix.startswith(LOADED_MEMBERS):
        return "load"
    if prefix.startswith(SKIPPED_MEMBERS):
        return "skip"
    return None


def read_zip_export(file_name: str, path: Path) -> list[ParsedExport]:
    try:
        with zipfile.ZipFile(path) as archive, TemporaryDirectory(prefix="dlsei-zip-") as scratch:
            members = [(PurePosixPath(info.filename).name, info) for info in archive.infolist() if not info.is_dir()]
            unknown = sorted(name for name, _ in members if _role(name) is None)
            if unknown:
                raise ExportRejected(file_name, "zip_members", f"unexpected member(s) {', '.join(unknown)}")
            fallback_ts = export_timestamp(file_name)
            extracted = Path(scratch) / "member.csv"
            parsed: list[ParsedExport] = []
            for name, info in members:
                if _role(name) != "load":
                    continue
                with archive.open(info) as source, extracted.open("wb") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
                try:
                    parsed.append(read_csv_export(name, extracted, fallback_ts=fallback_ts))
                except ExportRejected as rejected:
                    raise ExportRejected(
                        f"{file_name} > {name}", rejected.rule, rejected.detail, rejected.row
                    ) from None
            return parsed
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        detail = f"the ZIP archive cannot be read ({type(error).__name__})"
        raise ExportRejected(file_name, "zip_corrupt", detail) from None
