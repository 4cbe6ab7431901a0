"""Whole-file checks the CSV parser does not make, and the slow look that names the place of a fault.

pyarrow's reader accepts a file that ends inside a quoted field, and reports neither the record of a row with the
wrong number of fields nor the byte of invalid UTF-8. `scan` is one cheap binary pass made before parsing; the
`locate_*` functions re-read the file record by record and run only once a file is known to be bad.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dlsei.exports.rejections import InvalidContent

CHUNK_BYTES: Final = 1 << 20
_BOM: Final = codecs.BOM_UTF8
_UTF16_BOMS: Final = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# What Python's csv module says of a field over csv.field_size_limit().
FIELD_LIMIT_ERROR: Final = "field larger than field limit"


@dataclass(frozen=True)
class FileShape:
    blank: bool  # nothing but a BOM and whitespace
    ends_with_newline: bool
    quotes_balanced: bool  # an odd count of `"` means an unclosed quoted field, or a stray quote in a value
    utf16: bool = False  # a UTF-16 byte-order mark, or the NUL of every other byte that ASCII text in UTF-16 has
    first_nul: int | None = None  # byte offset of the first NUL byte, which no text export holds


def field_too_large(max_field_bytes: int, record: int | None) -> InvalidContent:
    where = "the header" if record is None else "a field"
    return InvalidContent(
        "field_too_large",
        f"{where} is longer than {max_field_bytes} bytes, the largest field allowed "
        "(AIRFLOW_VAR_DLSEI_CSV_MAX_FIELD_BYTES)",
        record,
    )


def _looks_utf16(head: bytes) -> bool:
    if head.startswith(_UTF16_BOMS):
        return True
    sample = head[:64]
    return len(sample) >= 8 and any(
        not sample[half::2].strip(b"\0") and sample[1 - half :: 2].strip(b"\0") for half in (0, 1)
    )


@dataclass(frozen=True)
class FieldCountFault:
    record: int  # 1-based data record
    fields: int
    is_last: bool


def scan(path: Path) -> FileShape:
    blank = True
    quotes = 0
    last = b""
    offset = 0
    first_nul: int | None = None
    with path.open("rb") as stream:
        head = stream.read(CHUNK_BYTES)
        utf16 = _looks_utf16(head)
        offset = len(head) - len(head.removeprefix(_BOM))
        chunk = head[offset:]
        while chunk:
            blank = blank and not chunk.strip()
            quotes += chunk.count(b'"')
            if first_nul is None and (nul := chunk.find(b"\0")) >= 0:
                first_nul = offset + nul
            last = chunk[-1:]
            offset += len(chunk)
            chunk = stream.read(CHUNK_BYTES)
    return FileShape(
        blank=blank,
        ends_with_newline=last in (b"\n", b"\r"),
        quotes_balanced=quotes % 2 == 0,
        utf16=utf16,
        first_nul=first_nul,
    )


def locate_open_quote(path: Path) -> int | None:
    """The 1-based data record whose quoted field is still open at the end of the file, if one is."""
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream, strict=True)
        records = -1  # the header is record 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return None
            except csv.Error as error:
                # Strict mode also objects to `"a"b`-style quoting mid-file, which the parser accepts: only the end
                # of the data inside a quote means truncation.
                if "unexpected end of data" in str(error):
                    return records + 1
                continue
            records += 1 if fields else 0


def locate_field_count(path: Path, width: int) -> FieldCountFault | None:
    """The first data record whose field count differs from the header's. Blank lines are skipped, as the parser
    skips them, so record numbers agree with the frame's."""
    number = 0
    with path.open(encoding="utf-8-sig", newline="") as stream:
        records = (fields for fields in csv.reader(stream) if fields)
        fault: FieldCountFault | None = None
        try:
            next(records, None)  # the header
            for number, fields in enumerate(records, start=1):
                if fault is not None:
                    return fault
                if len(fields) != width:
                    fault = FieldCountFault(number, len(fields), is_last=False)
        except csv.Error as error:
            if FIELD_LIMIT_ERROR in str(error):
                raise field_too_large(csv.field_size_limit(), number + 1) from None
            raise
    return FieldCountFault(fault.record, fault.fields, is_last=True) if fault else None


def locate_encoding_error(path: Path) -> tuple[int, int] | None:
    """(byte offset, 1-based line) of the first byte that is not UTF-8, if any."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines = 1
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                # error.start counts from the bytes held back from the previous chunk (an unfinished character).
                position = offset - pending + error.start
                return position, lines + chunk[: max(0, position - offset)].count(b"\n")
            if not chunk:
                return None
            offset += len(chunk)
            lines += chunk.count(b"\n")
