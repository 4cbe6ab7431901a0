"""A larger export made of copies of a generated one: the generator holds its whole world in memory (it ran out of
24 GB at 9,080,000 people), so sizes above what it can make are built from its largest sample. Each copy renames its
learners (e-mail and External Id get the copy's number), so every copy's rows are distinct keys; programmes,
courses and dates stay those of the sample, so the registry extracts still fit. Batch by batch: memory stays flat.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import csv as pacsv

from dlsei.exports.zipped import member_role

RENAMED: Final = ("email", "external id")  # header names, compared case-blind: the layouts spell them differently


def replicate(export: Path, copies: int, target: Path) -> Path:
    """Write to `target` a ZIP like `export` whose loaded members hold `copies` renamed copies of their rows.
    Deflated, as the admin console's ZIP is, at the fastest level (1.3 GB for 10,000,000 rows, made in 2 minutes):
    stored, the copies made an 8.7 GB file no real export reaches, and the re-run's checksum alone took 9.7-13.2 s."""
    with (
        zipfile.ZipFile(export) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as sink,
        tempfile.TemporaryDirectory(prefix="dlsei-replicate-") as scratch,
    ):
        for info in source.infolist():
            name = PurePosixPath(info.filename).name
            if member_role(name) != "load":
                sink.writestr(info, source.read(info))
                continue
            original, copied = Path(scratch) / "original.csv", Path(scratch) / "copied.csv"
            with source.open(info) as stream, original.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
            _copy_rows(original, copies, copied)
            sink.write(copied, info.filename)
    return target


def _copy_rows(original: Path, copies: int, target: Path) -> None:
    parse = pacsv.ParseOptions(newlines_in_values=True)
    names = pacsv.open_csv(original, parse_options=parse).schema.names
    schema = pa.schema([(name, pa.string()) for name in names])  # every value copied as written
    text = pacsv.ConvertOptions(column_types=schema, strings_can_be_null=False)
    renamed = [n for n, name in enumerate(names) if name.strip().lower() in RENAMED]
    with pacsv.CSVWriter(target, schema, write_options=pacsv.WriteOptions(quoting_style="all_valid")) as writer:
        for copy in range(copies):
            for batch in pacsv.open_csv(original, parse_options=parse, convert_options=text):
                columns = list(batch.columns)
                for n in renamed:
                    renaming = pc.binary_join_element_wise(f"r{copy}.", columns[n], "")
                    columns[n] = pc.if_else(pc.equal(columns[n], ""), columns[n], renaming)
                writer.write_batch(pa.RecordBatch.from_arrays(columns, schema=schema))
