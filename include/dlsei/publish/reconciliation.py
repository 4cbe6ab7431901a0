"""Our figures against Coursera's own, per programme and as-of date (docs/measures.md, Reconciliation).

Members: the programme's joined seats as the pipeline published them (fact_seat_day) against the rows Coursera's
membership export lists as MEMBER. Learning hours: the hours of the course-activity rows the marts sum against the
hours the membership export states per member, where it states them (an export without hours gets no hours check,
rather than a failure against 0). A difference beyond the tolerance is a failed check, stored with both figures; it
does not stop the date being published (the figures are what the exports say), it is shown in the run summary for
the data team to take up with Coursera.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from dlsei.runs import RunContext
from dlsei.warehouse.expressions import count_if
from dlsei.warehouse.frames import records
from dlsei.warehouse.schema import fact_seat_day, reconciliation_check, snap_course_activity, snap_membership

JOINED_STATES = ("joined", "active", "dormant")
MEASURES = ("members", "learning_hours")


def _figures(conn: Connection, as_of: date) -> pd.DataFrame:
    """Per programme of either side: ours_* and coursera_* for every measure, 0 where a side has none, except
    Coursera's hours: NaN where its export states none."""
    f, m, c = fact_seat_day, snap_membership, snap_course_activity
    sides = {
        "ours_members": select(f.c.program_slug, count_if(f.c.state.in_(JOINED_STATES)))
        .where(f.c.as_of_date == as_of)
        .group_by(f.c.program_slug),
        "ours_learning_hours": select(c.c.program_slug, func.coalesce(func.sum(c.c.learning_hours), 0.0))
        .where(c.c.as_of_date == as_of)
        .group_by(c.c.program_slug),
        "coursera_members": select(m.c.program_slug, count_if(m.c.member_state == "MEMBER"))
        .where(m.c.as_of_date == as_of)
        .group_by(m.c.program_slug),
        "coursera_learning_hours": select(m.c.program_slug, func.sum(m.c.learning_hours))
        .where(m.c.as_of_date == as_of)
        .group_by(m.c.program_slug),
    }
    frames = [
        pd.DataFrame(conn.execute(query).all(), columns=["program_slug", name]).set_index("program_slug")
        for name, query in sides.items()
    ]
    figures = pd.concat(frames, axis=1).astype(float)
    return figures.fillna({name: 0.0 for name in sides if name != "coursera_learning_hours"})


def reconciliation_rows(conn: Connection, as_of: date, tolerance_pct: int) -> pd.DataFrame:
    """One row per programme x measure of `as_of`: both figures, their difference, the tolerance, passed."""
    figures = _figures(conn, as_of)
    rows = []
    for measure in MEASURES:
        stated = figures[figures[f"coursera_{measure}"].notna()]
        ours, coursera = stated[f"ours_{measure}"].round(2), stated[f"coursera_{measure}"].round(2)
        tolerance = (coursera.abs() * tolerance_pct / 100).round(2)
        difference = (ours - coursera).round(2)
        rows.append(
            pd.DataFrame(
                {
                    "program_slug": stated.index,
                    "measure": measure,
                    "ours": ours.to_numpy(),
                    "coursera": coursera.to_numpy(),
                    "difference": difference.to_numpy(),
                    "tolerance": tolerance.to_numpy(),
                    "passed": (difference.abs() <= tolerance).to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True).sort_values(["program_slug", "measure"], ignore_index=True)


def publish_reconciliation(conn: Connection, run: RunContext, as_of: date) -> pd.DataFrame:
    """Replace `as_of`'s checks in the caller's transaction (after fact_seat_day is written); returns the failed."""
    rows = reconciliation_rows(conn, as_of, run.settings.reconciliation_tolerance_pct)
    conn.execute(delete(reconciliation_check).where(reconciliation_check.c.as_of_date == as_of))
    if not rows.empty:
        conn.execute(insert(reconciliation_check), records(rows.assign(as_of_date=as_of, load_id=run.load_id)))
    return rows[~rows["passed"]]
