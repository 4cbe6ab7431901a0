"""The dashboard's pages over a published warehouse, through the app as the api-server serves it (a signed-in
user's token): the figures shown are the views', the charts are drawn, the CSV is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from dashboard_rows import DAYS, FORMULA, LAST, publish, record_checks, record_reclaims
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from dlsei.publish.rollups import by_university, national
from dlsei.report.programme import report_key
from dlsei.resources import resources
from dlsei.warehouse.views import v_utilisation_by_region
from dlsei.web.app import create_app


def client(sign_in: Callable) -> TestClient:
    return TestClient(create_app(), cookies={"_token": sign_in("viewer")})


def test_the_overview_shows_the_views_figures_and_draws_its_charts(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    publish(warehouse)
    with client(sign_in) as c:
        page = c.get("/")
        css = c.get("/static/dlsei.css")
    assert page.status_code == 200, page.text
    html = page.text
    with warehouse.connect() as conn:
        total = national(conn, LAST)
        least = by_university(conn, LAST)
        regions = conn.execute(
            select(v_utilisation_by_region).where(v_utilisation_by_region.c.as_of_date == LAST)
        ).all()

    assert f"Data complete through <strong>{LAST}</strong>" in html
    # The headline, before any chart: the national utilisation of the as-of date.
    headline = f'data-figure="utilisation">{total["utilisation_pct"]:.2f}%</span>'
    assert headline in html and html.index(headline) < html.index("<svg")
    assert html.count("<svg") == 4
    # The funnel's table: every stage with the national view's figure.
    for label, figure in (
        ("Allocated", total["allocated"]),
        ("Invited", total["seats_held"]),
        ("Joined", total["joined"]),
        ("Started", total["joined"] - total["never_started"]),
        ("Active in 30 days", total["active_30d"]),
        ("Completed (enrolments)", total["completions"]),
    ):
        assert f"<td>{label}</td><td>{figure}</td>" in html
    for region in regions:
        assert f"<td>{region.region}</td><td>{region.utilisation_pct}</td>" in html
    # The least-used table, in the views' order, with the open alerts.
    shown = re.findall(r'<a href="/universities/(U\d)">', html)
    assert shown == [row["university_id"] for row in least]
    assert "Dormant learners, Joined but never started, Low join rate" in html
    assert css.status_code == 200 and "--accent" in css.text


def test_a_university_page_and_its_csv(warehouse: Engine, dlsei_env: Path, sign_in: Callable) -> None:
    publish(warehouse)
    with client(sign_in) as c:
        page = c.get("/universities/U1")
        download = c.get("/universities/U1.csv")
        unknown = c.get("/universities/U9")

    assert page.status_code == 200, page.text
    assert 'data-figure="reclaim">12<' in page.text  # 7 never started + 5 dormant, from the open learner alerts
    assert page.text.count("<svg") == 2  # one chart per cohort
    assert "Alerts: 3 open" in page.text
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(download.text)))
    assert ["reclaim_candidates"] in rows and ["12"] in rows
    assert "'" + FORMULA in [cell for row in rows for cell in row]
    assert FORMULA not in [cell for row in rows for cell in row]
    assert ["Data Science", "14", "2", "4.5"] in rows
    assert unknown.status_code == 404


def test_the_data_team_page_rates_runs_and_lists_duplicates(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    publish(warehouse)
    with client(sign_in) as c:
        html = c.get("/data-team").text
        morning = c.get(f"/data-team?day={LAST + timedelta(days=1)}").text

    # Today the test data is weeks old; on the morning after its last day it was complete.
    data_check = r'<li class="rag (\w+)"><strong>data</strong>'
    assert re.findall(data_check, html) == ["red"] and re.findall(data_check, morning) == ["green"]
    assert f"the morning of {LAST + timedelta(days=1)}" in morning
    runs = re.findall(
        r'<tr class="rag (\w+)"><td><span class="label">\w+</span> (\w+)</td>\s*<td>(\w+)</td><td>([\w_]+)</td>', html
    )
    assert [(rag, run_id) for rag, _, _, run_id in runs] == [
        ("green", "scheduled__ok"),
        ("amber", "scheduled__bad"),
        ("red", "scheduled__failed"),
    ]
    assert 'href="https://dq.example.org/index.html"' in html
    assert "Usage Report 2026-11-20 0612.csv" in html
    assert "No file waiting in quarantine." in html


def test_the_data_team_page_shows_rejected_rows_reconciliation_failures_and_restated_dates(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    publish(warehouse)
    with client(sign_in) as c:
        quiet = c.get("/data-team").text
    record_checks(warehouse)
    with client(sign_in) as c:
        html = c.get("/data-team").text

    assert "No row rejected." in quiet and "Every check agreed." in quiet and "No date restated." in quiet
    rejected = re.findall(
        r'<tr class="rag (\w+)"><td><span class="label">\w+</span> ([\w ]+)</td>\s*<td>([^<]+)</td><td>[\d-]+</td>'
        r"<td>([^<]+)</td><td>([^<]+)</td>\s*<td>(\d+)</td><td>(.*?)</td></tr>",
        html,
    )
    usage, membership = "Usage Report 2026-11-20 0612.csv", "Membership Report 2026-11-19 0600.csv"
    replay = "<code>dlsei replay &#39;Usage Report 2026-11-20 0612.csv&#39;</code>"
    assert rejected == [
        ("red", "open", usage, "not a number", "Learning Hours", "3", replay),
        ("red", "open", usage, "not a timestamp", "Enrollment Time", "1", replay),
        ("green", "replayed", membership, "unknown member state", "Member State", "2", "-"),
    ]
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    # The failed check of the last days with both figures; the passed one and the month-old one are not shown.
    assert cells(section(html, "reconciliation-h")) == [
        [
            "red failed",
            f"{yesterday}",
            "hec-cohort-1",
            "members",
            "1,180",
            "1,250",
            "-70",
            "12.50",
        ]
    ]
    assert cells(section(html, "restated-h")) == [
        ["amber restated", "1", f"people of {DAYS[4]}", "6", f"{DAYS[4]} to {LAST}", "24", "university_id 3"]
    ]


def section(html: str, heading: str) -> str:
    return html.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]


def cells(html: str) -> list[list[str]]:
    """The text of each body row's cells."""
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr class=[^>]*>(.*?)</tr>", html, re.S)
    ]


def test_the_overview_counts_reclaim_outcomes_and_links_the_monthly_report(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    publish(warehouse)
    with client(sign_in) as c:
        before = c.get("/").text
    record_reclaims(warehouse)
    resources().landing.put(report_key(date(2026, 10, 1)), b"<html><body>October report</body></html>")
    resources().landing.put(report_key(date(2026, 11, 1)), b"<html><body>November report</body></html>")
    with client(sign_in) as c:
        html = c.get("/").text
        report = c.get("/reports/programme_report_2026-11.html")
        missing = c.get("/reports/programme_report_2025-01.html")
        not_a_report = c.get("/reports/..%2Fincoming%2Fx.csv")

    assert re.findall(r'data-figure="(\w+)">(\d+)<', before) == [
        ("recommended", "0"),
        ("acted_on", "0"),
        ("seats_freed", "0"),
    ]
    assert "Not written yet" in before
    # 10 seats recommended; 6 with an outcome (5 removed, 1 learner back); 4 still open.
    assert re.findall(r'data-figure="(\w+)">(\d+)<', html) == [
        ("recommended", "10"),
        ("acted_on", "6"),
        ("seats_freed", "5"),
    ]
    assert "4 recommended seat(s) have no outcome yet" in html
    assert 'href="/reports/programme_report_2026-11.html"' in html
    assert report.status_code == 200 and "November report" in report.text
    assert missing.status_code == 404 and not_a_report.status_code == 404


def test_a_university_page_shows_its_reclaim_outcomes(warehouse: Engine, dlsei_env: Path, sign_in: Callable) -> None:
    publish(warehouse)
    record_reclaims(warehouse)
    with client(sign_in) as c:
        html = c.get("/universities/U1").text
        other = c.get("/universities/U3").text
        download = c.get("/universities/U1.csv").text

    assert cells(section(html, "outcomes-h").replace("<tr><td>", '<tr class="x"><td>')) == [
        ["C1", "5", "3", "2", "2"],
        ["C2", "2", "0", "0", "2"],
    ]
    assert "No seat recommended for reclaim yet." in other
    rows = list(csv.reader(io.StringIO(download)))
    assert ["cohort_id", "recommended", "acted_on", "seats_freed", "still_open"] in rows
    assert ["C1", "5", "3", "2", "2"] in rows
