"""The dashboard's HTML pages, rendered on the server: the national overview, one page per university (with its CSV
download) and the data team's page. Charts are SVG drawn by report/charts.py; the CSS is the plugin's own."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from dlsei.web.downloads import sections_csv

if TYPE_CHECKING:
    import pandas as pd

    from dlsei.report.dashboard import UniversityPage

HERE = Path(__file__).parent
ALERT_COLUMNS = ("status", "rule", "cohort_id", "opened_on", "last_seen_on", "closed_on", "summary")
ACTIVITY_COLUMNS = ("enrolments", "completions", "learning_hours")
RECLAIM_COLUMNS = ("cohort_id", "recommended", "acted_on", "seats_freed", "still_open")
SHOWN_FAILURES = 20
REPORT_NAME = re.compile(r"programme_report_\d{4}-\d{2}\.html")


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[object, ...]]:
    from dlsei.report.charts import plain

    return [tuple(plain(v) for v in row) for row in frame[list(columns)].itertuples(index=False)]


# An open rejected row waits for a person, a requested replay for the next run; a replayed one is done.
REJECT_RAG = {"open": "red", "replay_requested": "amber", "replayed": "green"}


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    from dlsei.report.charts import plain

    return [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


# Table headings where the column's own name would not read as words.
HEADINGS = {
    "cohort_id": "Cohort",
    "opened_on": "Opened",
    "last_seen_on": "Last seen",
    "closed_on": "Closed",
    "course_type": "Course type",
    "file_name": "File",
    "kind": "Export",
    "as_of_date": "As-of date",
    "logged_at": "Logged at (UTC)",
}


def heading(column: str) -> str:
    """A warehouse column as a table heading: `learning_hours` reads "Learning hours"."""
    if column in HEADINGS:
        return HEADINGS[column]
    return column[:1].upper() + column[1:].replace("_", " ") if "_" in column or column.islower() else column


def figure(value: float) -> str:
    """A count or an amount as people read it: thousands separated, decimals only where there are some."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _templates() -> Jinja2Templates:
    from dlsei.publish.rollups import percent

    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["percent"] = percent
    templates.env.filters["figure"] = figure
    templates.env.filters["heading"] = heading
    return templates


def _university_sections(page: UniversityPage) -> list[tuple[str, tuple[str, ...], list[tuple[object, ...]]]]:
    """What a university's page shows, table by table, for its CSV download."""
    cohorts = ("as_of_date", "cohort_id", "seats_held", "active_30d", "never_started")
    return [
        (
            f"{page.name} ({page.university_id}), data complete through {page.as_of}",
            ("reclaim_candidates",),
            [(page.reclaim_candidates,)],
        ),
        ("cohorts", cohorts, _rows(page.cohorts, cohorts)),
        ("reclaim outcomes", RECLAIM_COLUMNS, _rows(page.reclaim_outcomes, RECLAIM_COLUMNS)),
        ("alerts", ALERT_COLUMNS, _rows(page.alerts, ALERT_COLUMNS)),
        ("domains", ("domain", *ACTIVITY_COLUMNS), _rows(page.domains, ("domain", *ACTIVITY_COLUMNS))),
        (
            "course types",
            ("course_type", *ACTIVITY_COLUMNS),
            _rows(page.course_types, ("course_type", *ACTIVITY_COLUMNS)),
        ),
    ]


def router() -> APIRouter:
    routes = APIRouter()
    templates = _templates()

    def render(request: Request, name: str, **context: object) -> HTMLResponse:
        base = request.scope.get("root_path", "").rstrip("/")
        return templates.TemplateResponse(request, name, {"base": base, **context})

    @routes.get("/", response_class=HTMLResponse)
    def overview(request: Request) -> HTMLResponse:
        from dlsei.report import charts, dashboard
        from dlsei.report.programme import latest_report
        from dlsei.resources import resources

        res = resources()
        with res.warehouse.connect() as conn:
            view = dashboard.overview(conn)
            reclaim = dashboard.reclaim_totals(dashboard.reclaim_outcomes(conn))
        context: dict[str, object] = {
            "view": view,
            "as_of": view.as_of if view else None,
            "reclaim": reclaim,
            "reclaim_words": dashboard.RECLAIM_WORDS,
            "report": latest_report(res.landing),
        }
        if view is not None:
            context |= {
                "funnel_chart": charts.funnel(view.funnel),
                "trend_chart": charts.national_trend(view.trend),
                "region_chart": charts.utilisation(view.regions, "region"),
                "sector_chart": charts.utilisation(view.sectors, "sector"),
                "least_used": view.least_used.to_dict("records"),
            }
        return render(
            request,
            "overview.html",
            title="Seat utilisation",
            page="overview",
            trend_days=dashboard.TREND_DAYS,
            definitions=dashboard.DEFINITIONS,
            **context,
        )

    def _page(university_id: str) -> UniversityPage:
        from dlsei.report.dashboard import university_page
        from dlsei.resources import resources

        with resources().warehouse.connect() as conn:
            page = university_page(conn, university_id)
        if page is None:
            raise HTTPException(404, f"no published figures for university {university_id}")
        return page

    # Before the page's own route, whose {university_id} would take "U001.csv" too.
    @routes.get("/universities/{university_id}.csv")
    def university_csv(university_id: str) -> Response:
        page = _page(university_id)
        return Response(
            sections_csv(_university_sections(page)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="university-{university_id}.csv"'},
        )

    @routes.get("/universities/{university_id}", response_class=HTMLResponse)
    def university(request: Request, university_id: str) -> HTMLResponse:
        from dlsei.alerts.texts import rule_label
        from dlsei.report import charts, dashboard

        page = _page(university_id)
        cohort_charts = [
            charts.seat_trend(frame, f"Cohort {cohort}") for cohort, frame in page.cohorts.groupby("cohort_id")
        ]
        return render(
            request,
            "university.html",
            title=page.name,
            page="university",
            as_of=page.as_of,
            university=page,
            trend_days=dashboard.TREND_DAYS,
            definitions=dashboard.DEFINITIONS,
            cohort_charts=cohort_charts,
            reclaim_words=dashboard.RECLAIM_WORDS,
            reclaim_rows=_records(page.reclaim_outcomes),
            open_alerts=int((page.alerts["status"] == "open").sum()) if not page.alerts.empty else 0,
            alert_columns=ALERT_COLUMNS,
            alert_rows=_rows(page.alerts.assign(rule=page.alerts["rule"].map(rule_label)), ALERT_COLUMNS),
            domain_columns=("domain", *ACTIVITY_COLUMNS),
            domain_rows=_rows(page.domains, ("domain", *ACTIVITY_COLUMNS)),
            type_columns=("course_type", *ACTIVITY_COLUMNS),
            type_rows=_rows(
                page.course_types.assign(course_type=page.course_types["course_type"].str.replace("_", " ")),
                ("course_type", *ACTIVITY_COLUMNS),
            ),
        )

    @routes.get("/reports/{name}", response_class=HTMLResponse)
    def programme_report(name: str) -> HTMLResponse:
        """A monthly programme report as written to the landing area's reports/ prefix."""
        from dlsei.report.programme import REPORT_FOLDER
        from dlsei.resources import resources

        if not REPORT_NAME.fullmatch(name):
            raise HTTPException(404, "not a programme report")
        try:
            with resources().landing.fetch(REPORT_FOLDER + name) as path:
                return HTMLResponse(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise HTTPException(404, f"no report {name}") from None

    @routes.get("/data-team", response_class=HTMLResponse)
    def data_team(request: Request, day: date | None = None) -> HTMLResponse:
        """The morning checks of `day` (default: today in Karachi), e.g. a demo's or an incident's morning."""
        from dlsei.report import dashboard
        from dlsei.report.health import health_checks, quarantined_files, replay_command
        from dlsei.report.overview import latest_as_of
        from dlsei.resources import resources
        from dlsei.runs import karachi_date
        from dlsei.settings import load_settings

        res = resources()
        day = day or karachi_date(datetime.now(UTC))
        checks = health_checks(res, day, load_settings().coursera_lag_days)
        with res.warehouse.connect() as conn:
            runs = dashboard.recent_runs(conn)
            duplicates = dashboard.duplicates(conn)
            rejected = dashboard.rejected_rows(conn)
            reconciliation = dashboard.reconciliation_failures(conn)
            restated = dashboard.restatements(conn)
            as_of = latest_as_of(conn)
        duplicate_columns = ("file_name", "kind", "as_of_date", "logged_at", "reason")
        return render(
            request,
            "data_team.html",
            title="Data team",
            page="data-team",
            as_of=as_of,
            run_days=dashboard.RUN_DAYS,
            day=day,
            checks=[{**vars(check), "rag": "green" if check.ok else "red"} for check in checks],
            runs=shown_runs(runs.to_dict("records")),
            run_count=len(runs),
            quarantined=quarantined_files(res.landing),
            duplicate_columns=duplicate_columns,
            duplicate_rows=_rows(duplicates, duplicate_columns),
            rejected=[
                {**row, "rag": REJECT_RAG.get(row["status"], "red"), "replay": replay_command(row["file_name"])}
                for row in _records(rejected)
            ],
            reconciliation=_records(reconciliation),
            shown_failures=SHOWN_FAILURES,
            restated=_records(restated),
        )

    return routes


def shown_runs(runs: list[dict[str, object]], newest: int = 20) -> list[dict[str, object]]:
    """The `newest` runs, and every older one that was not green: a day of reruns must not hide a failure."""
    rated = [{**run, "rag": run_status(run), "finished": f"{run['finished_at']:%Y-%m-%d %H:%M}"} for run in runs]
    return [run for number, run in enumerate(rated) if number < newest or run["rag"] != "green"]


def run_status(run: dict[str, object]) -> str:
    """Red for a failed run, amber for one that quarantined a file or failed a check, green otherwise."""
    if run["state"] != "success":
        return "red"
    if run["files_quarantined"] or run["dq_critical_failures"] or run["dq_warnings"]:
        return "amber"
    return "green"
