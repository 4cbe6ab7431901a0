"""Restatement: republish the as-of dates whose registry an extract changed, and log what moved.

The registry loader records each extract that changed the registry of some dates (registry_change, with the span of
dates it speaks for). Here every published date of a change's span within the restatement window
(AIRFLOW_VAR_DLSEI_RESTATEMENT_WINDOW_DAYS before the run's date) is rebuilt by refresh_utilisation, atomically per
date as any refresh, and each measure it moved is kept before and after (restatement, restatement_measure;
analysts read them through v_restatement). A change stays pending until a run has restated its dates, so a run
that fails half-way leaves the rest for the next one.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Connection, Engine, exists, insert, select, update

from dlsei.publish.marts import refresh_utilisation
from dlsei.runs import RunContext
from dlsei.warehouse.schema import (
    MEASURES,
    mart_learner_match,
    mart_quota_utilisation,
    mart_refresh,
    registry_change,
    restatement,
    restatement_measure,
)

# Every published figure of a university x cohort that a registry change can move.
UTILISATION_FIGURES = (*MEASURES, "utilisation_pct", "join_rate_pct", "learning_hours")
MATCH_FIGURE = "learner_match:"

Figures = dict[tuple[str, str, str], float | None]


def published_figures(conn: Connection, as_of: date) -> Figures:
    """(university_id, cohort_id, measure) -> value of every utilisation figure and match count of `as_of`."""
    q, lm = mart_quota_utilisation, mart_learner_match
    figures: Figures = {}
    for row in conn.execute(select(q).where(q.c.as_of_date == as_of)).mappings():
        for name in UTILISATION_FIGURES:
            figures[row["university_id"], row["cohort_id"], name] = row[name]
    matches = select(lm.c.university_id, lm.c.cohort_id, lm.c.match_method, lm.c.learners).where(
        lm.c.as_of_date == as_of
    )
    for university_id, cohort_id, method, learners in conn.execute(matches):
        figures[university_id, cohort_id, MATCH_FIGURE + method] = learners
    return figures


def _dates_to_restate(conn: Connection, run: RunContext) -> dict[int, list[date]]:
    """Per pending change: the published as-of dates of its span within the restatement window, less those an
    earlier run already restated for it (a run stopped half-way leaves the rest, and keeps what it logged)."""
    earliest = run.logical_date - timedelta(days=run.settings.restatement_window_days)
    c, r, done = registry_change, mart_refresh, restatement
    dates: dict[int, list[date]] = {}
    for change in conn.execute(select(c).where(c.c.restated_by.is_(None)).order_by(c.c.change_id)).mappings():
        logged = exists().where(done.c.change_id == change["change_id"], done.c.as_of_date == r.c.as_of_date)
        span = [r.c.as_of_date >= max(change["valid_from"], earliest), ~logged]
        if change["valid_to"] is not None:
            span.append(r.c.as_of_date < change["valid_to"])
        dates[change["change_id"]] = list(conn.execute(select(r.c.as_of_date).where(*span)).scalars())
    return dates


def restate(engine: Engine, run: RunContext) -> list[date]:
    """Republish every date the pending registry changes touch (in the window) and log each; returns the dates."""
    with engine.connect() as conn:
        dates_of = _dates_to_restate(conn, run)
    restated = sorted({day for dates in dates_of.values() for day in dates})
    for as_of in restated:
        with engine.connect() as conn:
            before = published_figures(conn, as_of)
        refresh_utilisation(engine, run, as_of)
        with engine.begin() as conn:
            after = published_figures(conn, as_of)
            moved = [
                (key, before.get(key), after.get(key))
                for key in sorted(before.keys() | after.keys())
                if before.get(key) != after.get(key)
            ]
            for change_id in (c for c, dates in dates_of.items() if as_of in dates):
                _log(conn, run, change_id, as_of, moved)
    if dates_of:
        with engine.begin() as conn:
            c = registry_change
            conn.execute(update(c).where(c.c.change_id.in_(list(dates_of))).values(restated_by=run.load_id))
    return restated


def _log(
    conn: Connection,
    run: RunContext,
    change_id: int,
    as_of: date,
    moved: list[tuple[tuple[str, str, str], float | None, float | None]],
) -> None:
    conn.execute(
        insert(restatement).values(
            change_id=change_id, as_of_date=as_of, measures_changed=len(moved), load_id=run.load_id
        )
    )
    if moved:
        conn.execute(
            insert(restatement_measure),
            [
                {
                    "change_id": change_id,
                    "as_of_date": as_of,
                    "university_id": university_id,
                    "cohort_id": cohort_id,
                    "measure": measure,
                    "before_value": old,
                    "after_value": new,
                }
                for (university_id, cohort_id, measure), old, new in moved
            ],
        )
