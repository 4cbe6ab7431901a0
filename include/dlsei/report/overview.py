"""A readable account of what the warehouse holds: utilisation per university, alerts, files handled.

Every utilisation figure is read from the roll-up views (migration 0010), the one place it is computed.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from dlsei.publish.rollups import by_university, national, percent
from dlsei.warehouse.schema import alert, file_ledger, mart_quota_utilisation


def latest_as_of(conn: Connection) -> date | None:
    return conn.execute(select(func.max(mart_quota_utilisation.c.as_of_date))).scalar_one()


def utilisation_by_university(conn: Connection, as_of: date) -> pd.DataFrame:
    """One row per university on `as_of`, from the least utilised; a university without a registry row is named by
    its id."""
    columns = ("region", "sector", "allocated", "joined", "active_30d", "never_started", "removed", "utilisation_pct")
    rows = [
        {"university": r["university_name"] or r["university_id"], **{c: r[c] for c in columns}}
        for r in by_university(conn, as_of)
    ]
    return pd.DataFrame(rows)


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
    total = national(conn, as_of)
    alerts = open_alerts(conn)
    lines = [
        f"Seat utilisation, data complete through {as_of} (active = any learning in the last 30 days)",
        "",
        table.to_string(index=False),
        "",
    ]
    if total is not None:
        lines.append(
            f"National: {total['allocated']} seats allocated, {total['joined']} joined, {total['active_30d']} active "
            f"in 30 days ({percent(total['utilisation_pct'])} utilised), {total['never_started']} joined but never "
            f"started, {total['removed']} reclaimed."
        )
    lines += ["", f"Open alerts: {len(alerts)}"]
    if not alerts.empty:
        lines.append(alerts.groupby("rule").size().rename("open").to_string())
    lines += ["", "Files: " + ", ".join(f"{count} {status}" for status, count in sorted(files_by_status(conn).items()))]
    return "\n".join(lines)
