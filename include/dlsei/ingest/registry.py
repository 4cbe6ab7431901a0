"""Land HEC registry extracts: universities, people, seat allocations, programmes and the course catalogue.

Extracts arrive as `hec_<extract>_<YYYY-MM-DD>.csv` (formats in docs/sample-data.md) and go through the landing
sequence (intake.py). Each validated extract replaces its table whole, in one transaction with its ledger row;
people are pseudonymised on the way in, so no roll number, CNIC or e-mail reaches the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Table, delete, select

from dlsei.canonical import OPTIONAL_REGISTRY_COLUMNS, REGISTRY_FILES, is_registry_file
from dlsei.errors import FileRejected
from dlsei.ingest.intake import IntakeReport, Loaded, land_file, quarantine
from dlsei.ingest.landing import LandedFile
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.quality import validate
from dlsei.resources import Resources
from dlsei.runs import RunContext
from dlsei.warehouse.bulk import bulk_insert
from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.schema import dim_course, dim_person, dim_programme, dim_seat_allocation, dim_university

_NAME = re.compile(r"^hec_(?P<extract>[a-z_]+?)_(?P<date>\d{4}-\d{2}-\d{2})\.csv$")
REGISTRY_TABLES: dict[str, Table] = {
    "universities": dim_university,
    "people": dim_person,
    "seat_allocations": dim_seat_allocation,
    "programmes": dim_programme,
    "course_catalogue": dim_course,
}
# Universities first: the other extracts are checked against the university ids.
LOAD_ORDER = tuple(REGISTRY_TABLES)


def parse_name(name: str) -> tuple[str, date] | None:
    match = _NAME.match(name)
    if match is None or match["extract"] not in REGISTRY_FILES:
        return None
    return match["extract"], date.fromisoformat(match["date"])


def ingest_registry(run: RunContext, res: Resources) -> IntakeReport:
    """Load every waiting extract dated up to the run's date, oldest first, so the newest ends up current."""
    report = IntakeReport()
    waiting: list[tuple[date, int, LandedFile, str]] = []
    for landed in res.landing.list_incoming():
        if not is_registry_file(landed.name):
            continue
        parsed = parse_name(landed.name)
        if parsed is None:
            report.outcomes.append(
                quarantine(
                    res.landing,
                    res.warehouse,
                    run,
                    landed,
                    res.landing.sha256(landed.key),
                    rule="unknown_extract",
                    reason=f"{landed.name}: not a registry extract name (hec_<extract>_<YYYY-MM-DD>.csv with "
                    f"extract one of {', '.join(REGISTRY_FILES)})",
                )
            )
            continue
        extract, extract_date = parsed
        if extract_date <= run.logical_date:
            waiting.append((extract_date, LOAD_ORDER.index(extract), landed, extract))
    for extract_date, _, landed, extract in sorted(waiting, key=lambda w: (w[0], w[1])):
        loader = RegistryLoader(run, landed.name, extract, extract_date)
        report.outcomes.append(land_file(run, res, landed, loader))
    if report.loaded_dates:
        refresh_statistics(res.warehouse, *REGISTRY_TABLES.values())
    return report


def _read(file_name: str, path: Path, extract: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected("encoding", f"{file_name}: not UTF-8 at byte {error.start}") from error
    except pd.errors.EmptyDataError as error:
        raise FileRejected("empty_file", f"{file_name}: the file is empty") from error
    except pd.errors.ParserError as error:
        raise FileRejected("field_count", f"{file_name}: {error}") from error
    frame.columns = [c.strip().lower() for c in frame.columns]
    for optional in OPTIONAL_REGISTRY_COLUMNS.get(extract, ()):
        if optional not in frame.columns:
            frame[optional] = pd.Series(pd.NA, index=frame.index, dtype="string")
    missing = [c for c in REGISTRY_FILES[extract] if c not in frame.columns]
    if missing:
        raise FileRejected("missing_column", f"{file_name}: missing column(s) {', '.join(missing)}")
    frame = frame[list(REGISTRY_FILES[extract])]
    # Blank cells are missing values, not empty strings, for the quality checks and the typed columns.
    return frame.apply(lambda column: column.str.strip().replace("", pd.NA))


def _known_university_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(dim_university.c.university_id)).scalars())


@dataclass(frozen=True)
class RegistryLoader:
    run: RunContext
    file_name: str
    extract: str
    extract_date: date

    @property
    def kind(self) -> str:
        return f"registry:{self.extract}"

    def load(self, conn: Connection, path: Path, file_id: int) -> Loaded:
        frame = _read(self.file_name, path, self.extract)
        parameters = {"university_ids": _known_university_ids(conn)}
        quality = validate(self.kind, frame, source=self.file_name, parameters=parameters)
        if quality.passed:  # only valid values are typed and keyed
            table = REGISTRY_TABLES[self.extract]
            conn.execute(delete(table))
            rows = _table_rows(self.extract, frame, Pseudonymiser(self.run.settings.pseudonymisation_secret))
            bulk_insert(conn, table, rows)  # COPY on PostgreSQL: a national people extract is millions of rows
        return Loaded(
            kind=self.kind,
            layout=f"hec_{self.extract}_v1",
            as_of_date=self.extract_date,
            rows_read=len(frame),
            rows_loaded=len(frame),
            quality=[quality],
            archive_folder=f"registry/{self.extract_date.isoformat()}",
        )


def _table_rows(extract: str, frame: pd.DataFrame, pseudonymiser: Pseudonymiser) -> pd.DataFrame:
    if extract == "people":
        frame = pd.DataFrame(
            {
                "person_key": pseudonymiser.keys("roll", frame["roll_number"]),
                "email_key": pseudonymiser.keys("email", frame["email"]),
                "cnic_key": pseudonymiser.keys("cnic", frame["cnic"]),
                "university_id": frame["university_id"],
                "role": frame["role"],
                "status": frame["status"],
                "status_date": pd.to_datetime(frame["status_date"]).dt.date,
                "gender": frame["gender"],
            }
        )
    elif extract == "seat_allocations":
        frame = frame.assign(
            cohort_start=pd.to_datetime(frame["cohort_start"]).dt.date,
            cohort_end=pd.to_datetime(frame["cohort_end"]).dt.date,
            seats=frame["seats"].astype("Int64"),
            seat_price=frame["seat_price"].astype("Float64"),
        )
    return frame[[c.name for c in REGISTRY_TABLES[extract].columns]]
