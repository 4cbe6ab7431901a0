"""The quota-utilisation mart: docs/measures.md turned into set-based SQL, one as-of date at a time, and the
publishing of every mart of a date in one transaction (refresh_utilisation).

The heavy work (joining and counting seats and enrolments) runs in the warehouse through SQLAlchemy Core with
every value bound; Python only derives the few ratio columns of the resulting university x cohort rows.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, Subquery, and_, delete, exists, func, insert, literal, select

from dlsei.errors import DataQualityError
from dlsei.ingest.ledger import LOADED
from dlsei.publish.activity import publish_activity
from dlsei.publish.lifecycle import publish_lifecycle
from dlsei.publish.matching import publish_match_counts
from dlsei.publish.public import refresh_public
from dlsei.publish.reconciliation import publish_reconciliation
from dlsei.publish.seats import holds_seat, registry_on, removed_seats, running_programmes, seat_activity, window_start
from dlsei.quality import QualityReport, store_results, validate
from dlsei.quality.definitions import RECONCILED
from dlsei.runs import RunContext
from dlsei.warehouse.engine import consistent_read, tune_for_marts
from dlsei.warehouse.expressions import count_if
from dlsei.warehouse.frames import records
from dlsei.warehouse.schema import (
    dim_programme,
    dim_seat_allocation,
    file_ledger,
    mart_quota_utilisation,
    mart_refresh,
    snap_course_activity,
    snap_membership,
)

SEAT_MEASURES = ("invited", "joined", "active_7d", "active_30d", "dormant", "never_started")
ENROLMENT_MEASURES = ("enrolments", "completions", "certificates", "learning_hours")
SUMMED = (*SEAT_MEASURES, "removed", *ENROLMENT_MEASURES)


def _seat_counts(as_of: date) -> Subquery:
    """Per programme: the seats of `as_of`'s snapshot by state (docs/measures.md, Seats and learners)."""
    seats = seat_activity(as_of)
    joined = seats.c.member_state == "MEMBER"
    last, active_7d_from, active_30d_from = seats.c.last_at, window_start(as_of, 7), window_start(as_of, 30)
    return (
        select(
            seats.c.program_slug,
            count_if(seats.c.member_state == "INVITED").label("invited"),
            count_if(joined).label("joined"),
            count_if(and_(joined, last >= active_7d_from)).label("active_7d"),
            count_if(and_(joined, last >= active_30d_from)).label("active_30d"),
            count_if(and_(joined, last < active_30d_from)).label("dormant"),
            count_if(and_(joined, last.is_(None))).label("never_started"),
        )
        .group_by(seats.c.program_slug)
        .subquery("seat_counts")
    )


def _removed_counts(as_of: date) -> Subquery:
    """Per programme: the seats seen before `as_of` and missing from its snapshot."""
    gone = removed_seats(as_of)
    return select(gone.c.program_slug, func.count().label("removed")).group_by(gone.c.program_slug).subquery("removed")


def _enrolment_counts(as_of: date) -> Subquery:
    """Per programme: the learner x course rows of `as_of`'s course-activity snapshot."""
    ca = snap_course_activity
    return (
        select(
            ca.c.program_slug,
            func.count().label("enrolments"),
            count_if(ca.c.completed.is_(True)).label("completions"),
            count_if(ca.c.has_certificate.is_(True)).label("certificates"),
            func.coalesce(func.sum(ca.c.learning_hours), 0.0).label("learning_hours"),
        )
        .where(ca.c.as_of_date == as_of)
        .group_by(ca.c.program_slug)
        .subquery("enrolments")
    )


def _per_programme(as_of: date) -> Subquery:
    """Every programme of the registry with its counts (0 where it has none), and the university x cohort it
    carries."""
    p = registry_on(dim_programme, as_of)
    sources = (
        (_seat_counts(as_of), SEAT_MEASURES),
        (_removed_counts(as_of), ("removed",)),
        (_enrolment_counts(as_of), ENROLMENT_MEASURES),
    )
    joined = p
    for source, _ in sources:
        joined = joined.outerjoin(source, source.c.program_slug == p.c.program_slug)
    counts = (func.coalesce(source.c[name], 0).label(name) for source, names in sources for name in names)
    return select(p.c.university_id, p.c.cohort_id, *counts).select_from(joined).subquery("per_programme")


def utilisation_rows(conn: Connection, as_of: date) -> pd.DataFrame:
    """One row per university x cohort whose cohort window contains `as_of`, every measure of docs/measures.md: the
    programmes' counts summed over each running allocation (an allocation without a programme counts zeros)."""
    a, programmes = registry_on(dim_seat_allocation, as_of), _per_programme(as_of)
    query = (
        select(
            literal(as_of).label("as_of_date"),
            a.c.university_id,
            a.c.cohort_id,
            a.c.seats.label("allocated"),
            *(func.coalesce(func.sum(programmes.c[name]), 0).label(name) for name in SUMMED),
        )
        .select_from(
            a.outerjoin(
                programmes,
                and_(programmes.c.university_id == a.c.university_id, programmes.c.cohort_id == a.c.cohort_id),
            )
        )
        .where(a.c.cohort_start <= as_of, a.c.cohort_end >= as_of)
        .group_by(a.c.university_id, a.c.cohort_id, a.c.seats)
        .order_by(a.c.university_id, a.c.cohort_id)
    )
    frame = pd.DataFrame(conn.execute(query).mappings().all())
    if frame.empty:
        return pd.DataFrame(columns=[c.name for c in mart_quota_utilisation.columns if c.name != "load_id"])
    return _derive(frame, as_of)


def snapshot_totals(conn: Connection, as_of: date) -> dict[str, int]:
    """What the utilisation rows of `as_of` must add up to (the suite's `snapshot_*` parameters), counted straight
    from the snapshots: each row at most once, with no join that could drop or repeat it."""
    running = select(running_programmes(as_of).c.program_slug)
    ca, m = snap_course_activity, snap_membership
    enrolments = select(func.count()).where(ca.c.as_of_date == as_of, ca.c.program_slug.in_(running))
    seats = select(func.count(), count_if(m.c.member_state == "MEMBER")).where(
        m.c.as_of_date == as_of, m.c.program_slug.in_(running), holds_seat(m.c.member_state)
    )
    seats_held, joined = conn.execute(seats).one()
    totals = {"enrolments": conn.execute(enrolments).scalar_one(), "joined": joined, "seats_held": seats_held}
    return {f"snapshot_{column}": totals[column] for column in RECONCILED}


def _percent(part: pd.Series, whole: pd.Series) -> pd.Series:
    ratio = (100 * part.astype("Float64") / whole.astype("Float64").where(whole != 0)).round(2)
    return ratio.astype("Float64")


def _derive(frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    counts = [c for c in frame.columns if c not in ("as_of_date", "university_id", "cohort_id", "learning_hours")]
    frame[counts] = frame[counts].astype("int64")
    frame["seats_held"] = frame["invited"] + frame["joined"]
    frame["free_seats"] = frame["allocated"] - frame["seats_held"]
    frame["utilisation_pct"] = _percent(frame["active_30d"], frame["allocated"])
    frame["join_rate_pct"] = _percent(frame["joined"], frame["allocated"])
    frame["learning_hours"] = frame["learning_hours"].astype(float).round(2)
    frame["as_of_date"] = as_of
    frame["data_complete_through"] = as_of
    return frame


def pending_dates(conn: Connection) -> list[date]:
    """As-of dates whose snapshots gained a file since their marts were last built (or never were)."""
    latest = (
        select(file_ledger.c.as_of_date, func.max(file_ledger.c.file_id).label("through_file_id"))
        .where(file_ledger.c.status == LOADED, ~file_ledger.c.kind.like("registry:%"))
        .group_by(file_ledger.c.as_of_date)
        .subquery("latest")
    )
    query = (
        select(latest.c.as_of_date)
        .where(
            ~exists().where(
                mart_refresh.c.as_of_date == latest.c.as_of_date,
                mart_refresh.c.through_file_id >= latest.c.through_file_id,
            )
        )
        .order_by(latest.c.as_of_date)
    )
    return list(conn.execute(query).scalars())


def published_rows(conn: Connection, dates: list[date]) -> dict[date, int]:
    """How many utilisation rows (university x cohort) each of `dates` has in the mart."""
    mart = mart_quota_utilisation
    query = (
        select(mart.c.as_of_date, func.count())
        .where(mart.c.as_of_date.in_(dates))
        .group_by(mart.c.as_of_date)
        .order_by(mart.c.as_of_date)
    )
    return {as_of: n for as_of, n in conn.execute(query)}


def has_membership_snapshot(conn: Connection, as_of: date) -> bool:
    return conn.execute(select(exists().where(snap_membership.c.as_of_date == as_of))).scalar_one()


def refresh_utilisation(engine: Engine, run: RunContext, as_of: date) -> QualityReport:
    """Rebuild every mart of one as-of date, atomically: the utilisation rows are computed and validated first,
    the results of the checks are kept whatever they say, and only then is the date replaced in one transaction
    (utilisation, seat states with their learners' matches, the lifecycle history, match counts, activity by domain
    and course type), so a failure anywhere leaves the previous rows of every mart untouched. Raises
    DataQualityError on a critical failure. The other marts are counts of the same validated snapshots: the
    utilisation suite is the one that applies. The publication-safe roll-ups follow (publish/public.py)."""
    # One consistent read: the rows and the totals they must reconcile with come from the same snapshot even while
    # another file of the date is being loaded.
    with consistent_read(engine) as conn:
        tune_for_marts(conn)
        if not has_membership_snapshot(conn, as_of):
            raise ValueError(f"no membership snapshot for {as_of}: nothing to compute seats from")
        rows = utilisation_rows(conn, as_of)
        totals = snapshot_totals(conn, as_of)
        through = conn.execute(
            select(func.max(file_ledger.c.file_id)).where(
                file_ledger.c.as_of_date == as_of, file_ledger.c.status == LOADED
            )
        ).scalar_one()
    quality = validate(
        "mart:quota_utilisation", rows, source=f"mart_quota_utilisation@{as_of.isoformat()}", parameters=totals
    )
    with engine.begin() as conn:
        store_results(conn, quality, load_id=run.load_id, validated_for=run.logical_date)
    if not quality.passed:
        raise DataQualityError(f"utilisation for {as_of} not published: {quality.describe()}")
    with engine.begin() as conn:
        tune_for_marts(conn)
        publish_utilisation(conn, run, as_of, rows, through)
        publish_lifecycle(conn, run, as_of)
        publish_match_counts(conn, run, as_of)  # counts the seats publish_lifecycle wrote
        publish_activity(conn, run, as_of)
        publish_reconciliation(conn, run, as_of)  # reads the seat states publish_lifecycle wrote
    # Read from the roll-up views of the rows just committed; validated by the public suite of its own.
    refresh_public(engine, run, as_of)
    return quality


def publish_utilisation(conn: Connection, run: RunContext, as_of: date, rows: pd.DataFrame, through: int) -> None:
    """Replace one as-of date of the mart and its refresh watermark; the caller's transaction makes it atomic."""
    conn.execute(delete(mart_quota_utilisation).where(mart_quota_utilisation.c.as_of_date == as_of))
    if not rows.empty:
        conn.execute(insert(mart_quota_utilisation), records(rows.assign(load_id=run.load_id)))
    conn.execute(delete(mart_refresh).where(mart_refresh.c.as_of_date == as_of))
    conn.execute(insert(mart_refresh).values(as_of_date=as_of, through_file_id=through, load_id=run.load_id))
