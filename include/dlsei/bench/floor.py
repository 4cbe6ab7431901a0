"""The floor: what this machine needs to read the same export and bulk-load it into the same PostgreSQL, with no
pipeline around it. pyarrow reads each CSV the pipeline loads (unzipped first, as the pipeline must), and COPY
streams each one into an UNLOGGED table typed by what pyarrow inferred (text, timestamptz, double, bigint, boolean).
"""

from __future__ import annotations

import shutil
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import pyarrow as pa
from pyarrow import csv as pacsv
from sqlalchemy import text

from dlsei.exports.zipped import is_zip, member_role
from dlsei.warehouse.engine import make_engine

_PARSE = pacsv.ParseOptions(newlines_in_values=True)  # the exports quote line breaks inside values


def members(export: Path, scratch: Path) -> list[Path]:
    """The CSVs of the export the pipeline loads, unzipped into `scratch` (a CSV export is its own member)."""
    if not is_zip(export):
        return [export]
    found = []
    with zipfile.ZipFile(export) as archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename).name
            if info.is_dir() or member_role(name) != "load":
                continue
            target = scratch / name
            with archive.open(info) as source, target.open("wb") as sink:
                shutil.copyfileobj(source, sink, 1 << 20)
            found.append(target)
    return found


def read(export: Path, scratch: Path) -> Callable[[], int]:
    """Unzip, then read every loaded CSV whole into Arrow (all cores, types inferred)."""

    def work() -> int:
        return sum(pacsv.read_csv(member, parse_options=_PARSE).num_rows for member in members(export, scratch))

    return work


def _sql_type(arrow: pa.DataType) -> str:
    if pa.types.is_timestamp(arrow):
        return "timestamptz"
    if pa.types.is_floating(arrow):
        return "double precision"
    if pa.types.is_integer(arrow):
        return "bigint"
    if pa.types.is_boolean(arrow):
        return "boolean"
    return "text"


def copy(postgres_url: str, export: Path, scratch: Path) -> Callable[[], int]:
    """COPY every loaded CSV, as it is on disk, into an UNLOGGED table of its inferred types (made untimed)."""
    engine = make_engine(postgres_url)
    statements: list[tuple[str, Path]] = []
    with engine.begin() as conn:
        for member in members(export, scratch):
            # Typed as pyarrow infers from the first block.
            types = [_sql_type(field.type) for field in pacsv.open_csv(member, parse_options=_PARSE).schema]
            name = f"floor_{uuid.uuid4().hex[:12]}"
            conn.execute(text(f"CREATE UNLOGGED TABLE {name} ({', '.join(f'c{n} {t}' for n, t in enumerate(types))})"))
            # The exports quote every field, so a blank is "": FORCE_NULL reads it as missing in the typed columns.
            typed = ", ".join(f"c{n}" for n, t in enumerate(types) if t != "text")
            options = f"FORMAT csv, HEADER true{f', FORCE_NULL ({typed})' if typed else ''}"
            statements.append((f"COPY {name} FROM STDIN WITH ({options})", member))

    def work() -> int:
        rows = 0
        with engine.begin() as conn, conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            for statement, member in statements:
                with member.open("rb") as stream:
                    cursor.copy_expert(statement, stream)
                rows += cursor.rowcount
        return rows

    return work
