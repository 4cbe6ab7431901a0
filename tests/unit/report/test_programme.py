"""The monthly programme report renders the month's publication-safe figures, withheld cells as *, with no count
below k anywhere on the page; it lands under reports/ and reaches the programme leadership's outbox."""

from __future__ import annotations

import re
from datetime import date, timedelta
from email import message_from_bytes, policy
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from warehouse_rows import at

from dlsei.publish.public import refresh_public
from dlsei.report.programme import COLUMNS, WITHHELD, publish_report, render_report
from dlsei.runs import RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import MEASURES, dim_university, mart_quota_utilisation

DAYS = (date(2026, 11, 29), date(2026, 11, 30))
# university: region, sector, allocated, active_30d, removed (Sindh's 3 removed seats must be withheld)
UNIVERSITIES = {
    "U1": ("Punjab", "public", 300, 120, 20),
    "U2": ("Punjab", "private", 100, 40, 6),
    "U3": ("Sindh", "public", 200, 60, 3),
    "U4": ("Balochistan", "private", 100, 30, 12),
}


class Cells(HTMLParser):
    """The text of every table cell, table by table."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        for uid, (region, sector, *_) in UNIVERSITIES.items():
            conn.execute(
                insert(dim_university).values(university_id=uid, university_name=uid, region=region, sector=sector)
            )
        for day in DAYS:
            for uid, (_, _, allocated, active, removed) in UNIVERSITIES.items():
                counts = dict.fromkeys(MEASURES, 50) | {
                    "allocated": allocated,
                    "invited": 10,
                    "joined": active + 20,
                    "active_30d": active,
                    "dormant": 10,
                    "never_started": 10,
                    "removed": removed,
                    "seats_held": active + 30,
                    "free_seats": allocated - active - 30,
                }
                conn.execute(
                    insert(mart_quota_utilisation).values(
                        as_of_date=day,
                        university_id=uid,
                        cohort_id="C1",
                        **counts,
                        utilisation_pct=round(100 * active / allocated, 2),
                        join_rate_pct=None,
                        learning_hours=12.5,
                        data_complete_through=day,
                        load_id="test",
                    )
                )


def test_the_report_shows_no_count_below_k_and_reaches_the_leadership(
    warehouse: Engine, dlsei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_PROGRAMME_REPORT_TO", "leadership@hec.gov.pk, dg@hec.gov.pk")
    seed(warehouse)
    settings = load_settings()
    for day in DAYS:
        refresh_public(warehouse, RunContext("test/public", at(day + timedelta(days=1), 480), settings), day)

    key = publish_report(settings, date(2026, 11, 1))

    page = (settings.home / "landing" / key).read_text(encoding="utf-8")
    assert key == "reports/programme_report_2026-11.html"
    assert "Figures as of 2026-11-30" in page
    parser = Cells()
    parser.feed(page)
    tables = [[row for row in table if row] for table in parser.tables]  # the header rows hold no td
    national, regions, sectors, daily = tables
    counts = [i + 1 for i, c in enumerate(COLUMNS) if c not in ("learning_hours", "utilisation_pct", "join_rate_pct")]
    cells = [row[i] for table in tables for row in table for i in counts]
    assert WITHHELD in cells
    assert all(int(cell.replace(",", "")) >= 5 for cell in cells if cell != WITHHELD)
    # Sindh's 3 removed seats and Balochistan's 12 with them; Punjab's 26 shown.
    removed = 1 + list(COLUMNS).index("removed")
    assert {row[0]: row[removed] for row in regions} == {"Balochistan": "*", "Punjab": "26", "Sindh": "*"}
    assert {row[0]: row[removed] for row in sectors} == {"private": "18", "public": "23"}
    assert [row[0] for row in daily] == ["2026-11-29", "2026-11-30"]
    assert national[0][1] == "700"

    sent = sorted(settings.outbox_dir.rglob("*.eml"))
    assert len(sent) == 2
    mail = message_from_bytes(sent[0].read_bytes(), policy=policy.default)
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "programme_report_2026-11.html"
    assert attachment.get_content() == page

    publish_report(settings, date(2026, 11, 1))  # a re-run rewrites the page and sends nothing twice
    assert len(sorted(settings.outbox_dir.rglob("*.eml"))) == 2


def test_the_report_charts_the_published_utilisation_and_leaves_withheld_figures_out(
    warehouse: Engine, dlsei_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A small university alone in its region: its region's utilisation is withheld.
    monkeypatch.setitem(UNIVERSITIES, "U5", ("Gilgit-Baltistan", "public", 4, 2, 0))
    seed(warehouse)
    settings = load_settings()
    for day in DAYS:
        refresh_public(warehouse, RunContext("test/public", at(day + timedelta(days=1), 480), settings), day)

    with warehouse.connect() as conn:
        page = render_report(conn, date(2026, 11, 1), settings.public_min_cell)

    parser = Cells()
    parser.feed(page)
    _, regions, sectors, daily = [[row for row in table if row] for table in parser.tables]
    utilisation = 1 + list(COLUMNS).index("utilisation_pct")
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 3  # by region, by sector, day by day: beside the tables, which stay
    region_svg, sector_svg, daily_svg = svgs
    titles = ("Utilisation by region", "Utilisation by sector", "National utilisation, day by day")
    for svg, title in zip(svgs, titles, strict=True):
        assert f">{title}<" in svg
        assert ">Utilisation % (active in 30 days / allocated)<" in svg  # the value axis's label
    # One bar per published figure, of the table's value; the withheld region is named, not drawn as 0.
    bars = dict(re.findall(r'aria-label="Utilisation %[^:]*: ([\d.]+); Region: ([^"]+)"', region_svg))
    published = {row[0]: row[utilisation] for row in regions if row[utilisation] != WITHHELD}
    assert {region: f"{float(value):.2f}" for value, region in bars.items()} == published
    withheld = [row[0] for row in regions if row[utilisation] == WITHHELD]
    assert "Gilgit-Baltistan" in withheld and "Gilgit-Baltistan" not in region_svg
    assert f"Not charted, withheld: {', '.join(withheld)}." in page
    assert sector_svg.count('aria-roledescription="bar"') == len(
        [row for row in sectors if row[utilisation] != WITHHELD]
    )
    assert daily_svg.count('aria-roledescription="point"') == len(
        [row for row in daily if row[utilisation] != WITHHELD]
    )
    assert len(daily) == 2
