"""A readable account of what the warehouse holds: utilisation per university, alerts, files handled."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from dlsei.warehouse.schema import alert, dim_university, file_ledger, mart_quota_utilisation


def latest_as_of(conn: Connection) -> date | None:
    return conn.execute(select(func.max(mart_quota_utilisation.c.as_of_date))).scalar_one()


def utilisation_by_university(conn: Connection, as_of: date) -> pd.DataFrame:
    m, u = mart_quota_utilisation, dim_university
    query = (
        select(
            u.c.university_name.label("university"),
            u.c.region,
            u.c.sector,
            func.sum(m.c.allocated).label("allocated"),
            func.sum(m.c.joined).label("joined"),
            func.sum(m.c.active_30d).label("active_30d"),
            func.sum(m.c.never_started).label("never_started"),
            func.sum(m.c.removed).label("removed"),
        )
        .select_from(m.join(u, u.c.university_id == m.c.university_id))
        .where(m.c.as_of_date == as_of)
        .group_by(u.c.university_name, u.c.region, u.c.sector)
        .order_by(u.c.university_name)
    )
    frame = pd.DataFrame(conn.execute(query).mappings().all())
    if not frame.empty:
        # The same definition as utilisation_pct in docs/measures.md, summed over a university's cohorts.
        frame["utilisation_pct"] = (100 * frame["active_30d"] / frame["allocated"].where(frame["allocated"] > 0)).round(
            1
        )
    return frame


def open_alerts(conn: Connection) -> pd.DataFrame:
    query = (
        select(alert.c.rule, alert.c.university_id, alert.c.cohort_id, alert.c.opened_on, alert.c.summary)
        .where(alert.c.status == "open")
        .order_by(alert.c.rule, alert.c.university_id)
    )
    return pd.DataFrame(conn.execute(query).mappings().all())


def files_by_status(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(file_ledger.c.status, func.count()).group_by(file_ledger.c.status)).all()
    return {status: count for status, count in rows}


def render(conn: Connection) -> str:
    as_of = latest_as_of(conn)
    if as_of is None:
        return "The warehouse holds no published utilisation yet."
    table = utilisation_by_university(conn, as_of)
    totals = table[["allocated", "joined", "active_30d", "never_started", "removed"]].sum()
    national = 100 * totals["active_30d"] / totals["allocated"] if totals["allocated"] else float("nan")
    alerts = open_alerts(conn)
    lines = [
        f"Seat utilisation, data complete through {as_of} (active = any learning in the last 30 days)",
        "",
        table.to_string(index=False),
        "",
        f"National: {int(totals['allocated'])} seats allocated, {int(totals['joined'])} joined, "
        f"{int(totals['active_30d'])} active in 30 days ({national:.1f}% utilised), "
        f"{int(totals['never_started'])} joined but never started, {int(totals['removed'])} reclaimed.",
        "",
        f"Open alerts: {len(alerts)}",
    ]
    if not alerts.empty:
        lines.append(alerts.groupby("rule").size().rename("open").to_string())
    lines += ["", "Files: " + ", ".join(f"{count} {status}" for status, count in sorted(files_by_status(conn).items()))]
    return "\n".join(lines)
