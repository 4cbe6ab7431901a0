"""The dashboard in a real browser: Debian's headless Chromium (driven by Playwright) opens the pages served over
HTTP by uvicorn, signed in with a JWT of the installed Airflow's auth manager, and finds every chart drawn with one
mark per stage, region or day, and the numbers on the page equal to the warehouse's views."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_rows import DAYS, LAST, publish, record_checks, record_reclaims
from dlsei_dev.browser import CHROMIUM, chromium, serve
from sqlalchemy import Engine, func, select

from dlsei.publish.rollups import by_university, national
from dlsei.report.programme import render_report, report_key
from dlsei.resources import resources
from dlsei.warehouse.schema import alert
from dlsei.warehouse.views import v_reclaim_outcome, v_utilisation_by_region
from dlsei.web.app import create_app

BARS = "svg g.mark-rect.role-mark > path"
POINTS = "svg g.mark-symbol.role-mark > path"
OUTCOMES = ("recommended", "acted_on", "seats_freed")


@pytest.fixture
def warehouse_url(sqlite_url: str) -> str:
    """One backend is enough here: the pages' SQL runs on both in tests/unit/web."""
    return sqlite_url


def cells(page: object, selector: str) -> list[list[str]]:
    """The cells of the rows at `selector`, shown or folded away in a <details> (as a screen reader reads them)."""
    rows = page.locator(selector).all()  # type: ignore[attr-defined]
    return [[(cell.text_content() or "").strip() for cell in row.locator("td").all()] for row in rows]


def test_every_page_draws_its_charts_with_the_warehouses_numbers(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run installs it when it can)")
    publish(warehouse)
    record_reclaims(warehouse)
    record_checks(warehouse)
    with warehouse.connect() as conn:
        resources().landing.put(report_key(LAST), render_report(conn, LAST, 5).encode("utf-8"))
        o = v_reclaim_outcome
        outcomes = conn.execute(
            select(func.sum(o.c.recommended), func.sum(o.c.acted_on), func.sum(o.c.seats_freed))
        ).one()
        total = national(conn, LAST)
        least = [row["university_name"] for row in by_university(conn, LAST)]
        v = v_utilisation_by_region
        regions = {r.region: f"{r.utilisation_pct}" for r in conn.execute(select(v).where(v.c.as_of_date == LAST))}
        reclaim = conn.execute(
            select(func.sum(alert.c.observed)).where(
                alert.c.university_id == "U1",
                alert.c.status == "open",
                alert.c.rule.in_(["invited_not_joined", "joined_never_started", "dormant_learners"]),
            )
        ).scalar_one()

    with serve(create_app()) as base, chromium() as browser:
        anonymous = browser.new_page()
        assert anonymous.goto(f"{base}/dlsei/").status == 401
        assert "Seat utilisation" not in anonymous.content()

        context = browser.new_context()
        context.add_cookies([{"name": "_token", "value": sign_in("viewer"), "url": base}])
        page = context.new_page()

        assert page.goto(f"{base}/dlsei/").status == 200
        assert page.locator(f"#funnel {BARS}").count() == 6
        assert page.locator(f"#trend {POINTS}").count() == 2 * len(DAYS)
        assert page.locator(f"#regions {BARS}").count() == len(regions)
        funnel = dict(cells(page, "#funnel details.numbers tbody tr"))
        assert funnel == {
            "Allocated": str(total["allocated"]),
            "Invited": str(total["seats_held"]),
            "Joined": str(total["joined"]),
            "Started": str(total["joined"] - total["never_started"]),
            "Active in 30 days": str(total["active_30d"]),
            "Completed (enrolments)": str(total["completions"]),
        }
        assert dict(cells(page, "#regions details.numbers tbody tr")) == regions
        assert [row[0] for row in cells(page, "table.least-used tbody tr")] == least
        # Its definition is a click away.
        definition = page.locator("#funnel details.definition")
        assert not definition.locator("p").is_visible()
        definition.locator("summary").click()
        assert definition.locator("p").is_visible()
        assert "v_utilisation_national" in definition.locator("p").inner_text()

        shown = [
            page.locator(f"[data-figure={key}]").inner_text() for key in ("recommended", "acted_on", "seats_freed")
        ]
        assert shown == [str(figure) for figure in outcomes]
        page.locator("a[data-report]").click()
        page.wait_for_url(f"{base}/dlsei/reports/programme_report_{LAST:%Y-%m}.html")
        assert page.locator("h1").inner_text() == f"HEC Coursera programme: {LAST:%B %Y}"
        page.go_back()

        page.locator("table.least-used a", has_text="Alpha University").click()
        page.wait_for_url(f"{base}/dlsei/universities/U1")
        assert page.locator("[data-figure=reclaim]").inner_text() == str(int(reclaim))
        assert page.locator(f"#cohort-1 {POINTS}").count() == 3 * len(DAYS)
        assert page.locator(f"#cohort-2 {POINTS}").count() == 3 * len(DAYS)

        page.locator("nav a", has_text="Data team").click()
        page.wait_for_url(f"{base}/dlsei/data-team")
        assert page.locator("table.runs tr.rag.red").count() == 1
        assert page.locator("table.runs tr.rag.amber").count() == 1
        assert page.locator("table.rejected tr.rag.red").count() == 2  # one file's two open rules
        assert page.locator("table.reconciliation tr.rag.red").count() == 1
        assert page.locator("table.restated tr.rag.amber").count() == 1
        assert page.locator("ul.checks > li").count() == 6  # the six checks of report/health.py
