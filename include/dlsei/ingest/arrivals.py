"""Has the day's Coursera data arrived? What the morning run waits for, and what it reports missing."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import Engine, exists, select

from dlsei.canonical import COURSE_ACTIVITY, COURSERA_KINDS, MEMBERSHIP, is_registry_file
from dlsei.exports import export_kinds
from dlsei.ingest.coursera import export_time
from dlsei.ingest.landing import Landing
from dlsei.ingest.ledger import BUNDLE, LOADED
from dlsei.resources import Resources
from dlsei.runs import RunContext, as_of_date
from dlsei.warehouse.schema import file_ledger, snap_course_activity, snap_membership

log = logging.getLogger(__name__)
KIND_NAMES = {MEMBERSHIP: "membership (ProgramActivity / Membership report)", COURSE_ACTIVITY: "course activity"}


def expected_as_of(run: RunContext) -> date:
    """The morning run expects the export stamped that morning: data complete through the day before the lag."""
    return as_of_date(run.logical_dt, run.settings.coursera_lag_days)


def published_kinds(engine: Engine, as_of: date) -> set[str]:
    with engine.connect() as conn:
        kinds = {
            kind
            for kind, table in ((MEMBERSHIP, snap_membership), (COURSE_ACTIVITY, snap_course_activity))
            if conn.execute(select(exists().where(table.c.as_of_date == as_of))).scalar_one()
        }
        # A loaded ZIP published both, though its course-activity member may hold no record (a day nobody studied).
        f = file_ledger
        bundle = exists().where(f.c.as_of_date == as_of, f.c.kind == BUNDLE, f.c.status == LOADED)
        if conn.execute(select(bundle)).scalar_one():
            kinds |= set(COURSERA_KINDS)
        return kinds


def _waiting_kinds(run: RunContext, landing: Landing, as_of: date) -> set[str]:
    kinds: set[str] = set()
    for landed in landing.list_incoming():
        stamp = export_time(landed)
        if is_registry_file(landed.name) or stamp is None or stamp > run.logical_dt:
            continue
        if as_of_date(stamp, run.settings.coursera_lag_days) == as_of:
            try:
                with landing.fetch(landed.key) as path:
                    kinds |= export_kinds(path)
            except FileNotFoundError:
                log.info("%s was moved away while the sensor looked at it", landed.key)
    return kinds


def missing_exports(run: RunContext, res: Resources, *, include_waiting: bool = True) -> list[str]:
    """The kinds of the expected as-of date neither published nor (with include_waiting) waiting in incoming/."""
    as_of = expected_as_of(run)
    present = published_kinds(res.warehouse, as_of)
    if include_waiting and present != set(COURSERA_KINDS):
        present |= _waiting_kinds(run, res.landing, as_of)
    return [kind for kind in COURSERA_KINDS if kind not in present]
