"""The quota-utilisation mart: docs/measures.md turned into set-based SQL, one as-of date at a time, and the
publishing of every mart of a date in one transaction (refresh_utilisation).

The heavy work (joining and counting seats and enrolments) runs in the warehouse through SQLAlchemy Core with
every value bound; Python only derives the few ratio columns of the resulting university x cohort rows.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, literal, select

from dlsei.errors import DataQualityError
from dlsei.ingest.ledger import LOADED
from dlsei.publish.activity import publish_activity
from dlsei.publish.lifecycle import publish_lifecycle
from dlsei.publish.matching import publish_match_counts
from dlsei.publish.seats import removed_seats, running_programmes, seat_activity, window_start
from dlsei.quality import QualityReport, store_results, validate
from dlsei.quality.definitions import RECONCILED
from dlsei.runs import RunContext
from dlsei.warehouse.engine import allow_large_sorts, consistent_read
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


def utilisation_rows(conn: Connection, as_of: date) -> pd.DataFrame:
    """One row per university x cohort whose cohort window contains `as_of`, every measure of docs/measures.md."""
    active_7d_from, active_30d_from = window_start(as_of, 7), window_start(as_of, 30)
    ca = snap_course_activity

    seats = seat_activity(as_of)
    joined = seats.c.member_state == "MEMBER"
    seat_counts = (
        select(
            seats.c.program_slug,
            count_if(seats.c.member_state == "INVITED").label("invited"),
            count_if(joined).label("joined"),
            count_if(and_(joined, seats.c.last_at >= active_7d_from)).label("active_7d"),
            count_if(and_(joined, seats.c.last_at >= active_30d_from)).label("active_30d"),
            count_if(and_(joined, seats.c.last_at < active_30d_from)).label("dormant"),
            count_if(and_(joined, seats.c.last_at.is_(None))).label("never_started"),
        )
        .group_by(seats.c.program_slug)
        .subquery("seat_counts")
    )

    gone = removed_seats(as_of)
    removed = (
        select(gone.c.program_slug, func.count().label("removed")).group_by(gone.c.program_slug).subquery("removed")
    )

    enrolments = (
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

    per_programme = (
        select(
            dim_programme.c.university_id,
            dim_programme.c.cohort_id,
            *(
                func.coalesce(source.c[name], 0).label(name)
                for source, names in (
                    (
                        seat_counts,
                        ("invited", "joined", "active_7d", "active_30d", "dormant", "never_started"),
                    ),
                    (removed, ("removed",)),
                    (enrolments, ("enrolments", "completions", "certificates", "learning_hours")),
                )
                for name in names
            ),
        )
        .select_from(
            dim_programme.outerjoin(seat_counts, seat_counts.c.program_slug == dim_programme.c.program_slug)
            .outerjoin(removed, removed.c.program_slug == dim_programme.c.program_slug)
            .outerjoin(enrolments, enrolments.c.program_slug == dim_programme.c.program_slug)
        )
        .subquery("per_programme")
    )
    summed = (
        "invited",
        "joined",
        "active_7d",
        "active_30d",
        "dormant",
        "never_started",
        "removed",
        "enrolments",
        "completions",
        "certificates",
        "learning_hours",
    )
    a = dim_seat_allocation
    query = (
        select(
            literal(as_of).label("as_of_date"),
            a.c.university_id,
            a.c.cohort_id,
            a.c.seats.label("allocated"),
            *(func.coalesce(func.sum(per_programme.c[name]), 0).label(name) for name in summed),
        )
        .select_from(
            a.outerjoin(
                per_programme,
                and_(
                    per_programme.c.university_id == a.c.university_id,
                    per_programme.c.cohort_id == a.c.cohort_id,
                ),
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
        m.c.as_of_date == as_of, m.c.program_slug.in_(running)
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


def has_membership_snapshot(conn: Connection, as_of: date) -> bool:
    return conn.execute(select(exists().where(snap_membership.c.as_of_date == as_of))).scalar_one()


def refresh_utilisation(engine: Engine, run: RunContext, as_of: date) -> QualityReport:
    """Rebuild every mart of one as-of date, atomically: the utilisation rows are computed and validated first,
    the results of the checks are kept whatever they say, and only then is the date replaced in one transaction
    (utilisation, seat states with their learners' matches, the lifecycle history, match counts, activity by domain
    and course type), so a failure anywhere leaves the previous rows of every mart untouched. Raises
    DataQualityError on a critical failure. The other marts are counts of the same validated snapshots: the
    utilisation suite is the one that applies."""
    # One consistent read: the rows and the totals they must reconcile with come from the same snapshot even while
    # another file of the date is being loaded.
    with consistent_read(engine) as conn:
        allow_large_sorts(conn)
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
        allow_large_sorts(conn)
        publish_utilisation(conn, run, as_of, rows, through)
        publish_lifecycle(conn, run, as_of)
        publish_match_counts(conn, run, as_of)  # counts the seats publish_lifecycle wrote
        publish_activity(conn, run, as_of)
    return quality


def publish_utilisation(conn: Connection, run: RunContext, as_of: date, rows: pd.DataFrame, through: int) -> None:
    """Replace one as-of date of the mart and its refresh watermark; the caller's transaction makes it atomic."""
    conn.execute(delete(mart_quota_utilisation).where(mart_quota_utilisation.c.as_of_date == as_of))
    if not rows.empty:
        conn.execute(insert(mart_quota_utilisation), records(rows.assign(load_id=run.load_id)))
    conn.execute(delete(mart_refresh).where(mart_refresh.c.as_of_date == as_of))
    conn.execute(insert(mart_refresh).values(as_of_date=as_of, through_file_id=through, load_id=run.load_id))
