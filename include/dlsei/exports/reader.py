"""One CSV export file -> canonical typed blocks (`open_csv_export`), or one frame of them all (`read_csv_export`).

The file is parsed once, by pyarrow's streaming CSV reader, in blocks: each block is typed on its own, so a loader
that consumes the blocks one by one holds one block at a time whatever the file's size, and a caller that wants the
whole frame never holds all its raw text and all its typed columns at once. Every field is read as text and typed
by values.py, so a stray value cannot silently turn a column into text or a number into missing.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Final, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from dlsei.exports import integrity
from dlsei.exports.dtypes import STRING
from dlsei.exports.layouts import HeaderMap, detect_layout, map_header
from dlsei.exports.limits import Limits, current_limits
from dlsei.exports.rejections import ExportRejected, InvalidContent
from dlsei.exports.stamps import export_timestamp
from dlsei.exports.values import first_fault, typed_rows

BLOCK_BYTES: Final = 4 << 20
BLOCK_ROWS: Final = 50_000
_TYPES: Final = {pa.string(): STRING}


@dataclass(frozen=True)
class StreamOptions:
    block_rows: int = BLOCK_ROWS  # records per block, about
    # False leaves `extras` missing on every row: building the JSON is a third of the typing time, wasted on a
    # caller that does not keep them (the warehouse does not).
    keep_extras: bool = True
    # True: a header-only export yields one empty block instead of being refused (a ZIP's course-activity member
    # on a day nobody studied, which its programme member vouches for: zipped.py).
    empty_allowed: bool = False
    limits: Limits | None = None  # None: the settings' (limits.py)
    # True: a record that breaks a row-level value rule is left out of its block and put in the stream's `rejects`
    # for the caller to judge; False: it refuses the file.
    reject_rows: bool = False

    def resolved_limits(self) -> Limits:
        return self.limits or current_limits()


DEFAULT_OPTIONS: Final = StreamOptions()


@dataclass(frozen=True)
class ExportStream:
    """One export whose header has been checked and whose records are typed as `blocks` is iterated.

    `blocks` yields canonical typed frames (columns canonical.COURSERA_COLUMNS[kind], indexed by 1-based record
    number) and raises ExportRejected at the first record that breaks a rule: a caller must not publish anything
    of the export before the iteration has ended.
    """

    file_name: str  # the CSV's own name (for a ZIP member: the member's)
    kind: str  # canonical.COURSE_ACTIVITY or canonical.MEMBERSHIP
    layout: str
    export_ts: datetime | None  # UTC, from the file name
    blocks: Iterator[pd.DataFrame]
    # With StreamOptions.reject_rows: each block's rejected records, appended as the block is yielded: the faults
    # (values.FAULT_COLUMNS) with the record's raw `email` and `program_slug`, for the caller to key and take away.
    rejects: list[pd.DataFrame] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedExport:
    file_name: str  # the CSV's own name (for a ZIP member: the member's)
    kind: str  # canonical.COURSE_ACTIVITY or canonical.MEMBERSHIP
    layout: str
    export_ts: datetime | None  # UTC, from the file name
    frame: pd.DataFrame  # canonical.COURSERA_COLUMNS[kind], typed
    rows_read: int  # data records in the file


def _encoding_problem(located: tuple[int, int] | None) -> InvalidContent:
    where = f" at byte {located[0]} (line {located[1]})" if located else ""
    return InvalidContent("encoding", f"the file is not UTF-8 text{where}")


def first_record(stream: TextIO, max_field_bytes: int) -> list[str]:
    """The first record that is not a blank line (the parser skips blank lines too), read a bounded line at a time:
    a file with no line break in its first gigabyte is refused, not read whole into memory."""
    cap = max_field_bytes + 1

    def lines() -> Iterator[str]:
        while line := stream.readline(cap):
            if len(line) >= cap and not line.endswith(("\n", "\r")):
                raise integrity.field_too_large(max_field_bytes, None)
            yield line

    csv.field_size_limit(max_field_bytes)
    try:
        return next((record for record in csv.reader(lines()) if record), [])
    except csv.Error as error:
        if integrity.FIELD_LIMIT_ERROR in str(error):
            raise integrity.field_too_large(max_field_bytes, None) from None
        raise InvalidContent("csv_syntax", "the header is not well-formed CSV") from None


def _read_header(path: Path, max_field_bytes: int) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return first_record(stream, max_field_bytes)
    except UnicodeDecodeError:
        raise _encoding_problem(integrity.locate_encoding_error(path)) from None


def _diagnose(path: Path, width: int, shape: integrity.FileShape) -> InvalidContent:
    """Why the parser gave up, said without the parser's own message (it quotes the offending row)."""
    located = integrity.locate_encoding_error(path)
    if located is not None:
        return _encoding_problem(located)
    try:
        fault = integrity.locate_field_count(path, width)
    except csv.Error:
        fault = None
    except InvalidContent as problem:
        return problem
    if fault is None:
        return InvalidContent("csv_syntax", "the file is not well-formed CSV")
    if fault.is_last and not shape.ends_with_newline:
        detail = f"the last record stops after {fault.fields} of {width} fields and the file has no final line break"
        return InvalidContent("truncated", detail, fault.record)
    return InvalidContent("field_count", f"{fault.fields} fields where the header has {width}", fault.record)


def _batches(path: Path, width: int, max_field_bytes: int) -> Iterator[pa.RecordBatch]:
    """Parser batches with positional columns `c0`..., header included: it is read as data and dropped later,
    because pyarrow's `skip_rows` counts physical lines and a quoted header cell may span two."""
    names = [f"c{position}" for position in range(width)]
    # A parser block holds whole records: room for the longest legal field and the rest of its record.
    block_bytes = max(BLOCK_BYTES, 2 * max_field_bytes)
    yield from pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(column_names=names, block_size=block_bytes),
        # A row with the wrong number of fields stops the parser (its default); _diagnose then names the record.
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _batch_groups(path: Path, width: int, block_rows: int, max_field_bytes: int) -> Iterator[list[pa.RecordBatch]]:
    """Parser batches grouped by about `block_rows` records (small parser blocks parse fastest, larger frames type
    fastest); the first group starts with the header. The caller empties each group once it has typed it: this
    generator still holds the list while it waits, and the raw text must not outlive its typing."""
    group: list[pa.RecordBatch] = []
    rows = 0
    for batch in _batches(path, width, max_field_bytes):
        group.append(batch)
        rows += batch.num_rows
        if rows >= block_rows:
            yield group
            group, rows = [], 0
    if group:
        yield group


def _check_field_sizes(table: pa.Table, first_record: int, max_field_bytes: int) -> None:
    for column in table.columns:
        lengths = pc.binary_length(column)
        if (pc.max(lengths).as_py() or 0) > max_field_bytes:
            offset = pc.index(pc.greater(lengths, max_field_bytes), True).as_py()
            raise integrity.field_too_large(max_field_bytes, first_record + offset)


def _typed(
    group: list[pa.RecordBatch],
    *,
    skip: int,
    first_record: int,
    kind: str,
    header_map: HeaderMap,
    max_field_bytes: int,
    rejects: list[pd.DataFrame] | None,
) -> pd.DataFrame:
    table = pa.Table.from_batches(group).slice(skip)
    _check_field_sizes(table, first_record, max_field_bytes)
    raw = table.to_pandas(types_mapper=_TYPES.get)
    # Index by 1-based record number, so a typing fault names its record.
    raw.index = pd.RangeIndex(first_record, first_record + len(raw))
    frame, faults = typed_rows(kind, raw, header_map)
    if faults.empty:
        return frame
    if rejects is None:
        raise first_fault(faults)
    rejected = frame.index.isin(faults["record_no"])
    seats = frame.loc[rejected, ["email", "program_slug"]]
    rejects.append(faults.drop(columns="problem").join(seats, on="record_no"))
    return frame[~rejected]


def _typed_blocks(
    file_name: str,
    path: Path,
    *,
    width: int,
    kind: str,
    header_map: HeaderMap,
    shape: integrity.FileShape,
    block_rows: int,
    max_field_bytes: int,
    rejects: list[pd.DataFrame] | None,
    empty_allowed: bool = False,
) -> Iterator[pd.DataFrame]:
    records = 0
    skip = 1  # the header
    header_only: pd.DataFrame | None = None
    try:
        for group in _batch_groups(path, width, block_rows, max_field_bytes):
            block = _typed(
                group,
                skip=skip,
                first_record=records + 1,
                kind=kind,
                header_map=header_map,
                max_field_bytes=max_field_bytes,
                rejects=rejects,
            )
            records += sum(batch.num_rows for batch in group) - skip  # rejected records count too
            group.clear()
            skip = 0
            if len(block):
                yield block
            elif records == 0 and empty_allowed:
                header_only = block
            # Not kept while the next block is typed: a caller that drops its block holds one block at a time.
            del block
        if records == 0:
            if header_only is None:
                raise InvalidContent("header_only", "the file has a header but no records")
            yield header_only
    except pa.ArrowInvalid:
        raise ExportRejected.from_content(file_name, _diagnose(path, width, shape)) from None
    except InvalidContent as problem:
        raise ExportRejected.from_content(file_name, problem) from None


def _join(blocks: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate column by column, dropping each column from its block once copied: a whole-frame concat would
    hold every typed column twice at the peak."""
    columns = {name: pd.concat([block.pop(name) for block in blocks], ignore_index=True) for name in blocks[0].columns}
    return pd.DataFrame(columns, copy=False)


def _open(file_name: str, path: Path, fallback_ts: datetime | None, options: StreamOptions) -> ExportStream:
    max_field_bytes = options.resolved_limits().max_field_bytes
    shape = integrity.scan(path)
    if shape.utf16:
        raise InvalidContent("encoding", "the file is UTF-16 text: Coursera's exports are UTF-8 (save it as UTF-8)")
    if shape.first_nul is not None:
        # Said before the header is read: a header cut by NUL bytes would look like missing columns.
        raise InvalidContent("nul_bytes", f"the file holds NUL bytes (the first at byte {shape.first_nul})")
    if shape.blank:
        raise InvalidContent("empty_file", "the file is empty")
    if not shape.quotes_balanced:
        record = integrity.locate_open_quote(path)
        if record is not None:
            raise InvalidContent("truncated", "the file ends inside a quoted field", record)
    header = _read_header(path, max_field_bytes)
    layout = detect_layout(header)
    header_map = map_header(layout, header)
    rejects: list[pd.DataFrame] = []
    return ExportStream(
        file_name=file_name,
        kind=layout.kind,
        layout=layout.name,
        export_ts=export_timestamp(file_name) or fallback_ts,
        rejects=rejects,
        blocks=_typed_blocks(
            file_name,
            path,
            width=len(header),
            kind=layout.kind,
            header_map=header_map if options.keep_extras else replace(header_map, extras=()),
            shape=shape,
            block_rows=options.block_rows,
            empty_allowed=options.empty_allowed,
            max_field_bytes=max_field_bytes,
            rejects=rejects if options.reject_rows else None,
        ),
    )


def open_csv_export(
    file_name: str, path: Path, *, fallback_ts: datetime | None = None, options: StreamOptions = DEFAULT_OPTIONS
) -> ExportStream:
    """Check one export CSV's shape and header now and type its records as the stream is read; `fallback_ts` stands
    in when the name carries no export time (a ZIP member's). Raises ExportRejected, here or from `blocks`."""
    try:
        return _open(file_name, path, fallback_ts, options)
    except InvalidContent as problem:
        raise ExportRejected.from_content(file_name, problem) from None


def collect(stream: ExportStream) -> ParsedExport:
    """The whole export as one frame."""
    frame = _join(list(stream.blocks))
    return ParsedExport(
        file_name=stream.file_name,
        kind=stream.kind,
        layout=stream.layout,
        export_ts=stream.export_ts,
        frame=frame,
        rows_read=len(frame),
    )


def read_csv_export(file_name: str, path: Path, *, fallback_ts: datetime | None = None) -> ParsedExport:
    """Read one export CSV whole; `fallback_ts` stands in when the name carries no export time (a ZIP member's)."""
    return collect(open_csv_export(file_name, path, fallback_ts=fallback_ts))
