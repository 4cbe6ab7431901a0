"""The figures of the dashboard's pages, read from the marts, the roll-up views, the alerts and the run summaries
(never from the snapshots, so a page costs the same on a year of million-row days as on the demo), each with its
definition in docs/measures.md's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Select, Table, func, select

from dlsei.alerts.candidates import RULE_OF_REASON
from dlsei.alerts.texts import rule_label
from dlsei.ingest import ledger
from dlsei.publish.rollups import by_university, national
from dlsei.report.overview import latest_as_of
from dlsei.warehouse.expressions import round2
from dlsei.warehouse.schema import (
    MEASURES,
    REJECT_REPLAYED,
    alert,
    dim_university,
    dq_rejected_row,
    file_ledger,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_quota_utilisation,
    pipeline_run,
    reconciliation_check,
    registry_change,
    restatement,
)
from dlsei.warehouse.views import (
    v_reclaim_outcome,
    v_utilisation_by_region,
    v_utilisation_by_sector,
    v_utilisation_national,
)

TREND_DAYS = 90
RUN_DAYS = 14
LEAST_USED = 10

UTILISATION = "100 x active in 30 days / allocated, recomputed from the summed counts (2 decimals)"
DEFINITIONS = {
    **MEASURES,
    "seats_held": "invited + joined: every seat whose invitation went out",
    "started": "joined memberships with some learning activity (joined - never started)",
    "completions": "enrolments (learner x course) marked Completed",
    "utilisation_pct": UTILISATION,
    "reclaim_candidates": "seats the learner rules flag on the last alert run (invitations not accepted, joined "
    "but never started, dormant), counted where a rule's minimum is reached",
}
# The national funnel: each stage's column of v_utilisation_national, its label and its definition.
FUNNEL = (
    ("allocated", "Allocated"),
    ("seats_held", "Invited"),
    ("joined", "Joined"),
    ("started", "Started"),
    ("active_30d", "Active in 30 days"),
    ("completions", "Completed (enrolments)"),
)


@dataclass(frozen=True)
class Overview:
    as_of: date
    funnel: pd.DataFrame  # stage, seats, definition
    trend: pd.DataFrame  # as_of_date, active_30d, allocated, utilisation_pct
    regions: pd.DataFrame
    sectors: pd.DataFrame
    least_used: pd.DataFrame  # university_id, university, region, sector, allocated, active_30d, ..., open_alerts

    @property
    def latest(self) -> pd.Series | None:
        """The as-of date's national figures, the page's headline: the trend's newest day."""
        return None if self.trend.empty else self.trend.iloc[-1]


def _frame(conn: Connection, query: Select, columns: list[str] | None = None) -> pd.DataFrame:
    rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=columns or (list(rows[0].keys()) if rows else None))


def _open_alerts_by_university(conn: Connection) -> dict[str, list[str]]:
    rows = conn.execute(
        select(alert.c.university_id, alert.c.rule, func.count().label("n"))
        .where(alert.c.status == "open")
        .group_by(alert.c.university_id, alert.c.rule)
        .order_by(alert.c.university_id, alert.c.rule)
    ).all()
    found: dict[str, list[str]] = {}
    for row in rows:
        label = rule_label(row.rule)
        found.setdefault(row.university_id, []).append(f"{label} x{row.n}" if row.n > 1 else label)
    return found


def overview(conn: Connection) -> Overview | None:
    as_of = latest_as_of(conn)
    if as_of is None:
        return None
    total = national(conn, as_of)
    figures = {**dict(total or {}), "started": (total["joined"] - total["never_started"]) if total else 0}
    funnel = pd.DataFrame(
        [
            {"stage": label, "seats": int(figures.get(column) or 0), "definition": DEFINITIONS[column]}
            for column, label in FUNNEL
        ]
    )
    v = v_utilisation_national
    trend = _frame(
        conn,
        select(v.c.as_of_date, v.c.active_30d, v.c.allocated, v.c.utilisation_pct)
        .where(v.c.as_of_date > as_of - timedelta(days=TREND_DAYS), v.c.as_of_date <= as_of)
        .order_by(v.c.as_of_date),
    )
    regions, sectors = (
        _frame(
            conn,
            select(view.c[key], view.c.allocated, view.c.active_30d, view.c.utilisation_pct)
            .where(view.c.as_of_date == as_of)
            .order_by(view.c.utilisation_pct.is_(None), view.c.utilisation_pct, view.c[key]),
        )
        for view, key in ((v_utilisation_by_region, "region"), (v_utilisation_by_sector, "sector"))
    )
    alerts = _open_alerts_by_university(conn)
    least = [
        {
            "university_id": r["university_id"],
            "university": r["university_name"] or r["university_id"],
            "region": r["region"],
            "sector": r["sector"],
            "allocated": r["allocated"],
            "active_30d": r["active_30d"],
            "utilisation_pct": r["utilisation_pct"],
            "open_alerts": ", ".join(alerts.get(r["university_id"], [])),
        }
        for r in by_university(conn, as_of)
        if r["allocated"]
    ][:LEAST_USED]
    return Overview(as_of, funnel, trend, regions, sectors, pd.DataFrame(least))


@dataclass(frozen=True)
class UniversityPage:
    university_id: str
    name: str
    region: str | None
    sector: str | None
    as_of: date
    cohorts: pd.DataFrame  # as_of_date, cohort_id, seats_held, active_30d, never_started
    reclaim_candidates: int
    reclaim_outcomes: pd.DataFrame  # cohort_id, recommended, acted_on, seats_freed, still_open
    alerts: pd.DataFrame  # open first, then closed, newest first
    domains: pd.DataFrame  # domain, enrolments, completions, learning_hours
    course_types: pd.DataFrame


def _activity(conn: Connection, mart: Table, key: str, university_id: str, as_of: date) -> pd.DataFrame:
    """The ten `key`s (domains or course types) of an activity mart with the most enrolments on `as_of`."""
    query = (
        select(
            mart.c[key],
            func.sum(mart.c.enrolments).label("enrolments"),
            func.sum(mart.c.completions).label("completions"),
            round2(func.sum(mart.c.learning_hours)).label("learning_hours"),
        )
        .where(mart.c.university_id == university_id, mart.c.as_of_date == as_of)
        .group_by(mart.c[key])
        .order_by(func.sum(mart.c.enrolments).desc(), mart.c[key])
        .limit(10)
    )
    frame = _frame(conn, query, [key, "enrolments", "completions", "learning_hours"])
    # PostgreSQL's rounding gives a decimal, SQLite's a float: both shown as the float the marts hold.
    return frame.astype({"learning_hours": float})


def university_page(conn: Connection, university_id: str) -> UniversityPage | None:
    """The university's page on the newest as-of date it has figures for; None for a university with none."""
    q = mart_quota_utilisation
    as_of = conn.execute(select(func.max(q.c.as_of_date)).where(q.c.university_id == university_id)).scalar_one()
    if as_of is None:
        return None
    registry = conn.execute(select(dim_university).where(dim_university.c.university_id == university_id)).first()
    cohorts = _frame(
        conn,
        select(q.c.as_of_date, q.c.cohort_id, q.c.seats_held, q.c.active_30d, q.c.never_started)
        .where(
            q.c.university_id == university_id,
            q.c.as_of_date > as_of - timedelta(days=TREND_DAYS),
            q.c.as_of_date <= as_of,
        )
        .order_by(q.c.cohort_id, q.c.as_of_date),
    )
    reclaim = conn.execute(
        select(func.coalesce(func.sum(alert.c.observed), 0)).where(
            alert.c.university_id == university_id,
            alert.c.status == "open",
            alert.c.rule.in_(RULE_OF_REASON.values()),
        )
    ).scalar_one()
    alerts = _frame(
        conn,
        select(
            alert.c.status,
            alert.c.rule,
            alert.c.cohort_id,
            alert.c.opened_on,
            alert.c.last_seen_on,
            alert.c.closed_on,
            alert.c.summary,
        )
        .where(alert.c.university_id == university_id)
        .order_by(alert.c.status.desc(), alert.c.opened_on.desc(), alert.c.rule, alert.c.cohort_id),
        ["status", "rule", "cohort_id", "opened_on", "last_seen_on", "closed_on", "summary"],
    )
    return UniversityPage(
        university_id,
        registry.university_name if registry else university_id,
        registry.region if registry else None,
        registry.sector if registry else None,
        as_of,
        cohorts,
        int(reclaim),
        reclaim_outcomes(conn, university_id),
        alerts,
        _activity(conn, mart_activity_by_domain, "domain", university_id, as_of),
        _activity(conn, mart_activity_by_course_type, "course_type", university_id, as_of),
    )


def recent_runs(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """The run summaries of the last RUN_DAYS days, newest first."""
    since = (now or datetime.now(UTC)) - timedelta(days=RUN_DAYS)
    r = pipeline_run
    return _frame(
        conn,
        select(
            r.c.dag_id,
            r.c.run_id,
            r.c.state,
            r.c.finished_at,
            r.c.files_seen,
            r.c.files_loaded,
            r.c.files_quarantined,
            r.c.files_duplicate,
            r.c.rows_loaded,
            r.c.dq_critical_failures,
            r.c.dq_warnings,
            r.c.dq_warning_details,
            r.c.data_docs_url,
        )
        .where(r.c.finished_at >= since)
        .order_by(r.c.finished_at.desc(), r.c.load_id),
        [
            "dag_id",
            "run_id",
            "state",
            "finished_at",
            "files_seen",
            "files_loaded",
            "files_quarantined",
            "files_duplicate",
            "rows_loaded",
            "dq_critical_failures",
            "dq_warnings",
            "dq_warning_details",
            "data_docs_url",
        ],
    )


def duplicates(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """Files of the last RUN_DAYS days set aside because the same bytes had been delivered before."""
    since = (now or datetime.now(UTC)) - timedelta(days=RUN_DAYS)
    f = file_ledger
    return _frame(
        conn,
        select(f.c.file_name, f.c.kind, f.c.as_of_date, f.c.logged_at, f.c.reason)
        .where(f.c.status == ledger.DUPLICATE, f.c.logged_at >= since)
        .order_by(f.c.logged_at.desc(), f.c.file_id),
        ["file_name", "kind", "as_of_date", "logged_at", "reason"],
    )


# What a row rule's id means to a reader (the rules of exports/values.py).
RULE_WORDS = {
    "timestamp": "not a timestamp",
    "number": "not a number",
    "progress_range": "outside 0-100",
    "boolean": "not Yes or No",
    "member_state": "unknown member state",
}


def rejected_rows(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """Rows rejected by a row rule in the last RUN_DAYS days, counted per file, rule, column and status (open until
    the file is replayed), the files waiting for a replay first."""
    since = (now or datetime.now(UTC)) - timedelta(days=RUN_DAYS)
    r = dq_rejected_row
    keys = (r.c.file_name, r.c.as_of_date, r.c.rule, r.c.column_name, r.c.status)
    frame = _frame(
        conn,
        select(*keys, func.count().label("rows"))
        .where(r.c.logged_at >= since)
        .group_by(*keys)
        .order_by((r.c.status == REJECT_REPLAYED), r.c.as_of_date.desc(), r.c.file_name, r.c.rule, r.c.column_name),
        ["file_name", "as_of_date", "rule", "column_name", "status", "rows"],
    )
    frame["problem"] = frame["rule"].map(lambda rule: RULE_WORDS.get(rule, rule))
    return frame


def _recent_loads(now: datetime | None) -> Select:
    """The load ids of the runs that finished in the last RUN_DAYS days."""
    since = (now or datetime.now(UTC)) - timedelta(days=RUN_DAYS)
    return select(pipeline_run.c.load_id).where(pipeline_run.c.finished_at >= since)


def reconciliation_failures(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """The failed reconciliation checks written by the runs of the last RUN_DAYS days: both figures, newest date
    first."""
    r = reconciliation_check
    columns = ["as_of_date", "program_slug", "measure", "ours", "coursera", "difference", "tolerance"]
    return _frame(
        conn,
        select(*(r.c[c] for c in columns))
        .where(~r.c.passed, r.c.load_id.in_(_recent_loads(now)))
        .order_by(r.c.as_of_date.desc(), r.c.program_slug, r.c.measure),
        columns,
    )


def restatements(conn: Connection, now: datetime | None = None) -> pd.DataFrame:
    """The registry changes whose dates a run of the last RUN_DAYS days restated: how many dates, which ones, how
    many figures moved, and which columns the change touched."""
    c, r = registry_change, restatement
    return _frame(
        conn,
        select(
            c.c.change_id,
            c.c.extract,
            c.c.extract_date,
            c.c.changed_columns,
            func.count().label("dates"),
            func.min(r.c.as_of_date).label("first_date"),
            func.max(r.c.as_of_date).label("last_date"),
            func.sum(r.c.measures_changed).label("figures_moved"),
        )
        .join(r, r.c.change_id == c.c.change_id)
        .where(r.c.load_id.in_(_recent_loads(now)))
        .group_by(c.c.change_id, c.c.extract, c.c.extract_date, c.c.changed_columns)
        .order_by(c.c.change_id.desc()),
        [
            "change_id",
            "extract",
            "extract_date",
            "changed_columns",
            "dates",
            "first_date",
            "last_date",
            "figures_moved",
        ],
    )


RECLAIM_OUTCOMES = ("recommended", "acted_on", "seats_freed", "still_open")
RECLAIM_WORDS = {
    "recommended": "seats the coordinators' weekly reclaim lists recommended",
    "acted_on": "of those, seats with an outcome: removed by the university or the learner active again",
    "seats_freed": "of those, seats Coursera's export no longer lists: freed for another learner",
    "still_open": "recommended seats with no outcome yet",
}


def reclaim_outcomes(conn: Connection, university_id: str | None = None) -> pd.DataFrame:
    """What became of the reclaim lists (view v_reclaim_outcome): per cohort of `university_id`, or per university
    for the whole programme."""
    v = v_reclaim_outcome
    key = v.c.cohort_id if university_id else v.c.university_id
    query = select(key, *(func.sum(v.c[c]).label(c) for c in RECLAIM_OUTCOMES)).group_by(key).order_by(key)
    if university_id:
        query = query.where(v.c.university_id == university_id)
    return _frame(conn, query, [key.name, *RECLAIM_OUTCOMES]).astype(dict.fromkeys(RECLAIM_OUTCOMES, int))


def reclaim_totals(outcomes: pd.DataFrame) -> dict[str, int]:
    return {column: int(outcomes[column].sum()) for column in RECLAIM_OUTCOMES}
