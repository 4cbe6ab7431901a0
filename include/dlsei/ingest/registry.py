"""Land HEC registry extracts: universities, people, seat allocations, programmes and the course catalogue.

Extracts arrive as `hec_<extract>_<YYYY-MM-DD>.csv` (formats in docs/sample-data.md). Each validated extract
replaces its table whole, in one transaction with its ledger row; people are pseudonymised on the way in, so no
roll number, CNIC or e-mail reaches the warehouse.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, Table, delete, select

from dlsei.canonical import REGISTRY_FILES
from dlsei.ingest import ledger
from dlsei.ingest.intake import FAILED_CHECK, FileOutcome, IntakeReport, ledger_entry, quarantine, set_aside_duplicate
from dlsei.ingest.landing import LandedFile, Landing
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.quality import store_results, validate
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


class RegistryRejected(Exception):
    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule


def is_registry_file(name: str) -> bool:
    return name.startswith("hec_")


def parse_name(name: str) -> tuple[str, date] | None:
    match = _NAME.match(name)
    if match is None or match["extract"] not in REGISTRY_FILES:
        return None
    return match["extract"], date.fromisoformat(match["date"])


def ingest_registry(run: RunContext, landing: Landing, engine: Engine) -> IntakeReport:
    """Load every waiting extract dated up to the run's date, oldest first, so the newest ends up current."""
    report = IntakeReport()
    waiting: list[tuple[date, int, LandedFile, str]] = []
    for landed in landing.list_incoming():
        if not is_registry_file(landed.name):
            continue
        parsed = parse_name(landed.name)
        if parsed is None:
            sha256 = landing.sha256(landed.key)
            report.outcomes.append(
                quarantine(
                    landing,
                    engine,
                    run,
                    landed,
                    sha256,
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
        report.outcomes.append(
            _ingest_extract(run, landing, engine, landed, extract=extract, extract_date=extract_date)
        )
    if report.loaded_dates:
        refresh_statistics(engine, *REGISTRY_TABLES.values())
    return report


def _read(landed: LandedFile, landing: Landing, extract: str) -> pd.DataFrame:
    with landing.fetch(landed.key) as path:
        try:
            frame = pd.read_csv(path, dtype="string", keep_default_na=False, encoding="utf-8-sig")
        except UnicodeDecodeError as error:
            raise RegistryRejected("encoding", f"{landed.name}: not UTF-8 at byte {error.start}") from error
        except pd.errors.EmptyDataError as error:
            raise RegistryRejected("empty_file", f"{landed.name}: the file is empty") from error
        except pd.errors.ParserError as error:
            raise RegistryRejected("field_count", f"{landed.name}: {error}") from error
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = [c for c in REGISTRY_FILES[extract] if c not in frame.columns]
    if missing:
        raise RegistryRejected("missing_column", f"{landed.name}: missing column(s) {', '.join(missing)}")
    frame = frame[list(REGISTRY_FILES[extract])]
    # Blank cells are missing values, not empty strings, for the quality checks and the typed columns.
    return frame.apply(lambda column: column.str.strip().replace("", pd.NA))


def _known_university_ids(conn: Connection) -> list[str]:
    return list(conn.execute(select(dim_university.c.university_id)).scalars())


def _ingest_extract(
    run: RunContext, landing: Landing, engine: Engine, landed: LandedFile, *, extract: str, extract_date: date
) -> FileOutcome:
    sha256 = landing.sha256(landed.key)
    with engine.connect() as conn:
        original = ledger.loaded_file_id(conn, sha256)
        university_ids = _known_university_ids(conn)
    if original is not None:
        return set_aside_duplicate(landing, engine, run, landed, sha256=sha256, original_id=original)
    kind = f"registry:{extract}"
    try:
        frame = _read(landed, landing, extract)
    except RegistryRejected as rejected:
        return quarantine(landing, engine, run, landed, sha256, rule=rejected.rule, reason=str(rejected), kind=kind)

    quality = validate(kind, frame, source=landed.name, parameters={"university_ids": university_ids})
    with engine.begin() as conn:
        store_results(conn, quality, load_id=run.load_id, validated_for=run.logical_date)
    if not quality.passed:
        return quarantine(
            landing,
            engine,
            run,
            landed,
            sha256,
            rule=FAILED_CHECK,
            reason=quality.describe(),
            kind=kind,
            rows_read=len(frame),
        )

    rows = _table_rows(extract, frame, Pseudonymiser(run.settings.pseudonymisation_secret))
    table = REGISTRY_TABLES[extract]
    with engine.begin() as conn:
        entry = ledger_entry(
            run,
            landed,
            sha256,
            ledger.LOADED,
            kind=kind,
            layout=f"hec_{extract}_v1",
            as_of_date=extract_date,
            rows_read=len(frame),
            rows_loaded=len(rows),
        )
        file_id = ledger.record(conn, entry)
        conn.execute(delete(table))
        bulk_insert(conn, table, rows)  # COPY on PostgreSQL: a national people extract is millions of rows
    stored = landing.archive(landed.key, f"registry/{extract_date.isoformat()}")
    with engine.begin() as conn:
        ledger.set_stored_key(conn, file_id, stored)
    return FileOutcome(landed.name, ledger.LOADED, as_of_date=extract_date, rows_loaded=len(rows))


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
            }
        )
    elif extract == "seat_allocations":
        frame = frame.assign(
            cohort_start=pd.to_datetime(frame["cohort_start"]).dt.date,
            cohort_end=pd.to_datetime(frame["cohort_end"]).dt.date,
            seats=frame["seats"].astype("Int64"),
        )
    return frame[[c.name for c in REGISTRY_TABLES[extract].columns]]
