"""The monthly programme report for HEC's programme leadership: the publication-safe figures of a month as one HTML
page, written to the landing area's reports/ prefix and e-mailed through the alert transports.

Read from the v_public_* views only (migration 0018), so a figure withheld there is withheld here: a withheld cell
shows as `*`. Each table of a day's figures has its utilisation chart beside it (report/charts.py, inline SVG, so
the page opens offline and in a mail client); a withheld utilisation is left out of the chart and named under it,
never drawn as 0.
"""

from __future__ import annotations

import calendar
import html
from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Table, func, select

from dlsei.alerts.delivery import deliver_pending
from dlsei.alerts.messages import EMAIL, Attachment, email_body, queue
from dlsei.alerts.transports import transport_from_settings
from dlsei.ingest.landing import Landing
from dlsei.report import charts
from dlsei.report.charts import Chart
from dlsei.resources import resources
from dlsei.settings import Settings
from dlsei.warehouse.views import v_public_by_region, v_public_by_sector, v_public_national

PROGRAMME = "programme"
WITHHELD = "*"
COLUMNS = {
    "allocated": "seats allocated",
    "seats_held": "seats held",
    "joined": "joined",
    "active_30d": "active (30 days)",
    "never_started": "never started",
    "removed": "removed",
    "enrolments": "enrolments",
    "completions": "completions",
    "learning_hours": "learning hours",
    "utilisation_pct": "utilisation %",
    "join_rate_pct": "join rate %",
}


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def report_date(conn: Connection, month: date) -> date | None:
    """The newest publication-safe as-of date of `month`."""
    v = v_public_national
    first, last = month.replace(day=1), month_end(month)
    return conn.execute(select(func.max(v.c.as_of_date)).where(v.c.as_of_date.between(first, last))).scalar_one()


def _table(conn: Connection, view: Table, key: str | None, where: object) -> str:
    columns = [view.c[key]] if key else [view.c.as_of_date]
    rows = conn.execute(select(*columns, *(view.c[c] for c in COLUMNS)).where(where).order_by(columns[0]))
    frame = pd.DataFrame(
        [[first, *(_cell(name, value) for name, value in zip(COLUMNS, rest, strict=True))] for first, *rest in rows],
        columns=[key or "as-of date", *COLUMNS.values()],
    )
    return frame.to_html(index=False, border=0, classes="figures")


def _utilisation(conn: Connection, view: Table, key: str, where: object) -> pd.DataFrame:
    rows = conn.execute(select(view.c[key], view.c.utilisation_pct).where(where).order_by(view.c[key])).all()
    return pd.DataFrame(rows, columns=[key, "utilisation_pct"])


def _figure(chart: Chart, withheld: list[str]) -> str:
    """The chart's SVG, and the categories left out of it because their figure is withheld."""
    note = f'<p class="withheld">Not charted, withheld: {html.escape(", ".join(withheld))}.</p>' if withheld else ""
    return f'<figure class="chart" role="img" aria-label="{html.escape(chart.title)}">{chart.svg()}{note}</figure>'


def _chart(frame: pd.DataFrame, key: str, draw: Callable[[pd.DataFrame], Chart]) -> str:
    """`draw`n from the rows whose utilisation is published; nothing when every one is withheld."""
    shown = frame[frame["utilisation_pct"].notna()]
    withheld = [str(value) for value in frame.loc[frame["utilisation_pct"].isna(), key]]
    if shown.empty:
        return f'<p class="withheld">No utilisation to chart: every figure is withheld ({WITHHELD}).</p>'
    return _figure(draw(shown), withheld)


def _cell(column: str, value: object) -> str:
    """Counts as whole numbers, hours and percentages with their 2 decimals, a withheld figure as *."""
    if value is None:
        return WITHHELD
    return f"{value:,.2f}" if column in _DECIMALS else f"{value:,}"


def _daily_chart(shown: pd.DataFrame) -> Chart:
    return charts.lines(
        shown,
        day="as_of_date",
        series=("utilisation_pct",),
        title="National utilisation, day by day",
        value_title="Utilisation % (active in 30 days / allocated)",
        labels=charts.LABELS,
    )


_DECIMALS = frozenset({"learning_hours", "utilisation_pct", "join_rate_pct"})


def render_report(conn: Connection, month: date, k: int) -> str:
    """The month's report as a complete HTML page; a month without public figures says so."""
    title = f"HEC Coursera programme: {month:%B %Y}"
    as_of = report_date(conn, month)
    if as_of is None:
        body = "<p>No publication-safe figures were published this month.</p>"
    else:
        first, last = month.replace(day=1), month_end(month)
        region, sector, nation = v_public_by_region, v_public_by_sector, v_public_national
        regions = _utilisation(conn, region, "region", region.c.as_of_date == as_of)
        sectors = _utilisation(conn, sector, "sector", sector.c.as_of_date == as_of)
        daily = _utilisation(conn, nation, "as_of_date", nation.c.as_of_date.between(first, last))
        body = "\n".join(
            (
                f"<p>Figures as of {as_of.isoformat()} (the month's newest published date). A count below {k}, and "
                f"any figure that would give one back, is withheld and shown as {WITHHELD}.</p>",
                "<h2>National</h2>",
                _table(conn, v_public_national, None, v_public_national.c.as_of_date == as_of),
                "<h2>By region</h2>",
                _chart(regions, "region", lambda shown: charts.utilisation(shown, "region")),
                _table(conn, region, "region", region.c.as_of_date == as_of),
                "<h2>By sector</h2>",
                _chart(sectors, "sector", lambda shown: charts.utilisation(shown, "sector")),
                _table(conn, sector, "sector", sector.c.as_of_date == as_of),
                "<h2>National, day by day</h2>",
                _chart(daily, "as_of_date", _daily_chart),
                _table(conn, nation, None, nation.c.as_of_date.between(first, last)),
            )
        )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>\n'
        "<style>body{font-family:sans-serif;margin:2em} table.figures{border-collapse:collapse;margin-bottom:1.5em}"
        " table.figures td,table.figures th{padding:0.25em 0.6em;text-align:right;border-bottom:1px solid #ddd}"
        " figure.chart{margin:0.5em 0} p.withheld{color:#5a6470;font-size:0.9em}"
        "</style></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )


REPORT_FOLDER = "reports/"
REPORTS = f"{REPORT_FOLDER}programme_report_"


def report_key(month: date) -> str:
    return f"{REPORTS}{month:%Y-%m}.html"


def latest_report(landing: Landing) -> str | None:
    """The file name of the newest monthly report in the landing area, if one was written."""
    names = [landed.name for landed in landing.list(REPORTS) if landed.name.endswith(".html")]
    return max(names, default=None)


def publish_report(settings: Settings, month: date) -> str:
    """Write `month`'s report to the landing area's reports/ prefix and e-mail it to the programme leadership
    (AIRFLOW_VAR_DLSEI_PROGRAMME_REPORT_TO); returns its key. Once per month and recipient: a re-run rewrites the
    file and does not send the e-mail again."""
    res = resources(settings)
    with res.warehouse.connect() as conn:
        page = render_report(conn, month, settings.public_min_cell)
    key = report_key(month)
    res.landing.put(key, page.encode("utf-8"))
    subject = f"HEC Coursera programme report, {month:%B %Y}"
    attachment = Attachment(key.rsplit("/", 1)[1], page.encode("utf-8"), "text/html")
    with res.warehouse.begin() as conn:
        for recipient in settings.programme_report_to:
            digest_key = f"programme_report|{recipient}|{month:%Y-%m}"
            text = f"The programme report for {month:%B %Y} is attached (also at {key} in the landing area)."
            queue(
                conn,
                digest_key=digest_key,
                recipient=recipient,
                channel=EMAIL,
                audience=PROGRAMME,
                subject=subject,
                body=email_body(recipient, subject, text, digest_key, [attachment]),
                created_for=month_end(month),
            )
    with res.warehouse.connect() as conn:
        deliver_pending(conn, transport_from_settings(settings))
    return key
