"""The HEC registry extracts: one plain UTF-8 CSV per kind of REGISTRY_FILES, named after the extract date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from dlsei.canonical import REGISTRY_FILES
from dlsei_dev.generator.csv_files import FileStyle, Table, write_csv
from dlsei_dev.generator.layouts import registry_name


def write_registry(extracts: dict[str, pd.DataFrame], folder: Path, extract_date: date) -> list[Path]:
    written = []
    for kind, header in REGISTRY_FILES.items():
        frame = extracts[kind]
        table = Table(
            registry_name(kind, extract_date.isoformat()),
            header,
            [frame[column].to_numpy(dtype=object) for column in header],
            FileStyle(),
        )
        written.append(write_csv(folder, table))
    return written
