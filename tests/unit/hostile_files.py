"""Hostile files built by the tests themselves, cheaply: a ZIP bomb is a few hundred kilobytes on disk."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

_CENTRAL_ENTRY = b"PK\x01\x02"
_BLOCK = bytes(1 << 20)


def zip_bomb(path: Path, member: str, *, expands_to: int = 512 << 20, declared: int | None = None) -> Path:
    """A ZIP whose one member is `expands_to` NUL bytes, written a mebibyte at a time (never held in memory).
    `declared` makes the archive's directory lie about the member's uncompressed size, as a crafted bomb does."""
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open(member, "w") as stream,
    ):
        for _ in range(expands_to // len(_BLOCK)):
            stream.write(_BLOCK)
    if declared is not None:
        data = bytearray(path.read_bytes())
        entry = data.rindex(_CENTRAL_ENTRY)
        data[entry + 24 : entry + 28] = struct.pack("<I", declared)  # the central directory's uncompressed size
        path.write_bytes(bytes(data))
    return path
