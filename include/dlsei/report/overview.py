"""A readable account of what the warehouse holds: utilisation per university, alerts, files handled.

Every utilisation figure is read from the roll-up views (migration 0010), the one place it is computed.
"""

from __future__ import annotations

import textwrap
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


# A terminal's width: the university's name is shortened to fit, never the figures.
SUMMARY_WIDTH = 100
# (heading, width, align) of each column of the utilisation table: 93 characters with the spaces between them.
_COLUMNS = (
    ("University", 26, "<"),
    ("Region", 12, "<"),
    ("Sector", 7, "<"),
    ("Seats", 6, ">"),
    ("Joined", 6, ">"),
    ("Active", 6, ">"),
    ("Never", 6, ">"),
    ("Reclaimed", 9, ">"),
    ("Used", 7, ">"),
)


def _line(values: tuple[object, ...]) -> str:
    cells = []
    for value, (_, width, align) in zip(values, _COLUMNS, strict=True):
        text = str(value)
        text = text if len(text) <= width else text[: width - 1] + "…"
        cells.append(f"{text:{align}{width}}")
    return " ".join(cells).rstrip()


def utilisation_table(conn: Connection, as_of: date) -> str:
    """The universities of `as_of` as a plain-text table from the least used, at most SUMMARY_WIDTH wide."""
    lines = [_line(tuple(heading for heading, _, _ in _COLUMNS)), _line(tuple("-" * w for _, w, _ in _COLUMNS))]
    lines += [
        _line(
            (
                r["university_name"] or r["university_id"],
                r["region"] or "",
                r["sector"] or "",
                r["allocated"],
                r["joined"],
                r["active_30d"],
                r["never_started"],
                r["removed"],
                percent(r["utilisation_pct"]),
            )
        )
        for r in by_university(conn, as_of)
    ]
    return "\n".join(lines)


def render(conn: Connection) -> str:
    as_of = latest_as_of(conn)
    if as_of is None:
        return "The warehouse holds no published utilisation yet."
    total = national(conn, as_of)
    alerts = open_alerts(conn)
    lines = [
        f"Seat utilisation, data complete through {as_of}, from the least used university",
        "(Active: learning in the last 30 days; Never: joined, never started; Used: active of allocated)",
        "",
        utilisation_table(conn, as_of),
        "",
    ]
    if total is not None:
        lines += textwrap.wrap(
            f"National: {total['allocated']} seats allocated, {total['joined']} joined, {total['active_30d']} active "
            f"in 30 days ({percent(total['utilisation_pct'])} utilised), {total['never_started']} joined but never "
            f"started, {total['removed']} reclaimed.",
            SUMMARY_WIDTH,
        )
    lines += ["", f"Open alerts: {len(alerts)}"]
    if not alerts.empty:
        lines += [f"  {rule:<28} {count}" for rule, count in alerts.groupby("rule").size().items()]
    lines += ["", "Files: " + ", ".join(f"{count} {status}" for status, count in sorted(files_by_status(conn).items()))]
    return "\n".join(lines)
