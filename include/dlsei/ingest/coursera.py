"""Land the Coursera exports waiting in the landing area, one file at a time, through the landing sequence
(intake.py).

A file is read once, in chunks (streaming.py), so a run's memory does not grow with the size of the day's exports;
a ZIP holds two exports, published together under one ledger row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from dlsei.canonical import is_registry_file
from dlsei.exports import ExportRejected, export_timestamp
from dlsei.ingest.intake import IntakeReport, Loaded, land_file
from dlsei.ingest.landing import LandedFile
from dlsei.ingest.ledger import BUNDLE, DATED_BY_DELIVERY, DATED_BY_NAME, DATED_BY_RUN
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.snapshots import SNAPSHOT_TABLES
from dlsei.ingest.streaming import load_file
from dlsei.resources import Resources
from dlsei.runs import RunContext, as_of_date
from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.schema import int_seat_seen


def ingest_coursera_exports(run: RunContext, res: Resources) -> IntakeReport:
    report = IntakeReport()
    for landed in res.landing.list_incoming():
        if is_registry_file(landed.name):
            continue
        stamp = export_time(landed)
        if stamp is not None and stamp > run.logical_dt:
            continue  # exported after this run's logical time: a later run's file
        report.outcomes.append(land_file(run, res, landed, CourseraLoader(run, landed.name, landed.modified)))
    if report.loaded_dates:
        refresh_statistics(res.warehouse, *SNAPSHOT_TABLES.values(), int_seat_seen)
    return report


def export_time(landed: LandedFile) -> datetime | None:
    """When a waiting export was made: the time stamped in its name, else (a legacy report saved under a name of its
    own) the time it was delivered."""
    return export_timestamp(landed.name) or landed.modified


@dataclass(frozen=True)
class CourseraLoader:
    run: RunContext
    file_name: str
    delivered_at: datetime | None = None  # the landed file's modification time, UTC
    kind: str | None = None  # known only once the file's header is read

    def load(self, conn: Connection, path: Path, file_id: int) -> Loaded:
        lag = self.run.settings.coursera_lag_days
        exports = load_file(
            conn,
            self.file_name,
            path,
            file_id=file_id,
            as_of=lambda stamp: as_of_date(stamp or self.delivered_at or self.run.logical_dt, lag),
            pseudonymiser=Pseudonymiser(self.run.settings.pseudonymisation_secret),
            load_id=self.run.load_id,
            max_rejected_pct=self.run.settings.max_rejected_rows_pct,
        )
        if not exports:
            raise ExportRejected(self.file_name, "no_data", "the file holds no course-activity or membership export")
        as_of = exports[0].as_of
        return Loaded(
            kind=exports[0].kind if len(exports) == 1 else BUNDLE,
            layout="+".join(export.layout for export in exports),
            as_of_date=as_of,
            rows_read=sum(export.rows_read for export in exports),
            rows_loaded=sum(export.rows_loaded for export in exports),
            rejections=tuple(export.rejections for export in exports if export.rejections),
            quality=[export.quality for export in exports],
            archive_folder=as_of.isoformat(),
            export_ts=exports[0].export_ts,
            dated_by=(
                DATED_BY_NAME if exports[0].export_ts else DATED_BY_DELIVERY if self.delivered_at else DATED_BY_RUN
            ),
        )
