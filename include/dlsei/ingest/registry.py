"""Land HEC registry extracts: universities, people, seat allocations, programmes and the course catalogue.

Extracts arrive as `hec_<extract>_<YYYY-MM-DD>.csv` (formats in docs/sample-data.md) and go through the landing
sequence (intake.py). A validated extract of universities, people, seat allocations or programmes rewrites the
history of the dates it speaks for (registry_history.py), in one transaction with its ledger row; the course
catalogue replaces its table whole. A people extract that would change more than the set share of the people at
once is quarantined until a person confirms it (`dlsei replay --confirm`). People are pseudonymised on the way in,
so no roll number, CNIC or e-mail reaches an analytical table: e-mails, names and roll numbers go to the identity
store alone (identities.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
from pyarrow import csv as pacsv
from sqlalchemy import Connection, Table, delete, exists, insert, select
from sqlalchemy.schema import DropTable

from dlsei.canonical import OPTIONAL_REGISTRY_COLUMNS, REGISTRY_FILES, is_registry_file
from dlsei.errors import FileRejected
from dlsei.exports import integrity
from dlsei.ingest.identities import record_people
from dlsei.ingest.intake import IntakeReport, Loaded, land_file, quarantine
from dlsei.ingest.landing import QUARANTINE, LandedFile
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.registry_history import HISTORY_KEYS, RegistryChange, apply_history, plan_history, staging_table
from dlsei.quality import validate
from dlsei.resources import Resources
from dlsei.runs import RunContext
from dlsei.warehouse.bulk import bulk_insert
from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.expressions import valid_on
from dlsei.warehouse.schema import (
    dim_course,
    dim_person,
    dim_programme,
    dim_seat_allocation,
    dim_university,
    file_ledger,
    registry_confirmation,
)

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
STAGED_SLICE = 100_000  # rows keyed and staged at a time
_PARSE = pacsv.ParseOptions(newlines_in_values=True)  # a quoted value may hold a line break, as pandas reads it


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
    shape = integrity.scan(path)
    if shape.utf16:
        raise FileRejected("encoding", f"{file_name}: the file is UTF-16 text: registry extracts are UTF-8")
    if shape.first_nul is not None:
        raise FileRejected("nul_bytes", f"{file_name}: the file holds NUL bytes (the first at byte {shape.first_nul})")
    frame = _read_arrow(path)
    if frame is None:  # pyarrow refused the file: pandas reads it as it always did, or names what is wrong
        frame = _read_pandas(file_name, path)
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


def _read_arrow(path: Path) -> pd.DataFrame | None:
    """Every value as written, as pandas would read it, parsed by pyarrow on both cores into Arrow strings (pandas
    made a Python string of each value first: 4 s and 500 MB for a million people). None when pyarrow cannot read
    the file as it is, or its header repeats a name (pandas renames the repeat)."""
    try:
        names = pacsv.open_csv(path, parse_options=_PARSE).schema.names
        if len(set(names)) < len(names):
            return None
        as_written = pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, quoted_strings_can_be_null=False
        )
        table = pacsv.read_csv(path, parse_options=_PARSE, convert_options=as_written)
    except pa.ArrowInvalid:
        return None
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)


def _read_pandas(file_name: str, path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileRejected("encoding", f"{file_name}: not UTF-8 at byte {error.start}") from error
    except pd.errors.EmptyDataError as error:
        raise FileRejected("empty_file", f"{file_name}: the file is empty") from error
    except pd.errors.ParserError as error:
        raise FileRejected("field_count", f"{file_name}: {error}") from error


def confirm_extract(res: Resources, name: str) -> None:
    """Let the quarantined extract `name` through the change guard: its bytes, not its name, are confirmed, so a
    different file put in its place is guarded again."""
    sha256 = res.landing.sha256(QUARANTINE + name)
    with res.warehouse.begin() as conn:
        if not conn.execute(select(exists().where(registry_confirmation.c.sha256 == sha256))).scalar_one():
            conn.execute(insert(registry_confirmation).values(sha256=sha256, file_name=name))


def _known_university_ids(conn: Connection, day: date) -> list[str]:
    u = dim_university
    return list(conn.execute(select(u.c.university_id).where(valid_on(u, day))).scalars())


def _confirmed(conn: Connection, file_id: int) -> bool:
    """A person confirmed these exact bytes after the change guard held them (`dlsei replay --confirm`)."""
    checksum = select(file_ledger.c.sha256).where(file_ledger.c.file_id == file_id).scalar_subquery()
    return conn.execute(select(exists().where(registry_confirmation.c.sha256 == checksum))).scalar_one()


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
        parameters = {"university_ids": _known_university_ids(conn, self.extract_date)}
        quality = validate(self.kind, frame, source=self.file_name, parameters=parameters)
        if quality.passed:  # only valid values are typed and keyed
            table = REGISTRY_TABLES[self.extract]
            pseudonymiser = Pseudonymiser(self.run.settings.pseudonymisation_secret)
            if self.extract in HISTORY_KEYS:
                staged = staging_table(conn, table)
                self._stage(conn, frame, staged, pseudonymiser)
                change = plan_history(conn, table, self.extract, self.extract_date, staged)
                self._guard(conn, change, file_id)
                apply_history(conn, table, change, staged, file_id)
                conn.execute(DropTable(staged))
            else:
                conn.execute(delete(table))
                bulk_insert(conn, table, _table_rows(self.extract, frame, pseudonymiser))
        return Loaded(
            kind=self.kind,
            layout=f"hec_{self.extract}_v1",
            as_of_date=self.extract_date,
            rows_read=len(frame),
            rows_loaded=len(frame),
            quality=[quality],
            archive_folder=f"registry/{self.extract_date.isoformat()}",
        )

    def _stage(self, conn: Connection, frame: pd.DataFrame, staged: Table, pseudonymiser: Pseudonymiser) -> None:
        """Key and stage the extract's rows slice by slice (COPY on PostgreSQL), the people's raw identifiers into
        the identity store alone: a million people's keys and their CSV for COPY held at once took 700 MB."""
        for start in range(0, len(frame), STAGED_SLICE):
            part = frame.iloc[start : start + STAGED_SLICE]
            rows = _table_rows(self.extract, part, pseudonymiser)
            bulk_insert(conn, staged, rows)
            if self.extract == "people":
                record_people(conn, part, rows, self.extract_date)

    def _guard(self, conn: Connection, change: RegistryChange, file_id: int) -> None:
        """A wrong people file must not rewrite history: one changing more than the set share of the people waits
        in quarantine for a person to confirm it."""
        limit = self.run.settings.registry_max_change_pct
        if self.extract != "people" or change.changed_pct <= limit or _confirmed(conn, file_id):
            return
        raise FileRejected(
            "registry_mass_change",
            f"{self.file_name}: would change {change.rows_changed} of {change.keys_before} people "
            f"({change.changed_pct:.1f}%, more than AIRFLOW_VAR_DLSEI_REGISTRY_MAX_CHANGE_PCT={limit}%): "
            f"{change.describe()}. If it is right, apply it with: dlsei replay --confirm '<its name in quarantine/>'",
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
    return frame[[c.name for c in REGISTRY_TABLES[extract].columns if c.name not in ("valid_from", "valid_to")]]
