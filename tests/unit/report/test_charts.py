"""The charts are drawn in-process (vl-convert), one mark per row or day, with their title and axis titles in the
drawing and their numbers kept as a table; nothing in them refers to the internet."""

from __future__ import annotations

import re

import pandas as pd

from dlsei.report import charts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def marks(svg: str, kind: str) -> int:
    """The marks of the chart's data layer (not the axes' or the legend's)."""
    groups = re.findall(rf'<g class="mark-{kind} role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return sum(group.count("<path") for group in groups)


def test_a_bar_chart_has_one_bar_per_row_its_titles_and_its_table() -> None:
    frame = pd.DataFrame({"region": ["Sindh", "Punjab", "Balochistan"], "utilisation_pct": [42.5, 27.03, None]})
    chart = charts.utilisation(frame, "region")
    svg = chart.svg()

    assert marks(svg, "rect") == 2  # no bar for a region with nothing allocated
    for text in ("Utilisation by region", "Region", "Utilisation % (active in 30 days / allocated)", "Sindh"):
        assert f">{text}<" in svg
    assert chart.columns == ("Region", "Utilisation %")
    assert chart.rows == (("Sindh", 42.5), ("Punjab", 27.03), ("Balochistan", ""))
    assert not re.search(r'(src|href)="https?:', svg) and "<script" not in svg


def test_a_trend_has_a_point_per_day_and_measure_and_draws_as_png() -> None:
    days = pd.date_range("2026-11-01", periods=12).date
    frame = pd.DataFrame(
        {"as_of_date": days, "seats_held": range(12), "active_30d": range(12), "never_started": [3] * 12}
    )
    chart = charts.seat_trend(frame, "Cohort C1")

    assert marks(chart.svg(), "symbol") == 3 * 12
    assert chart.columns == ("As-of date", "Seats held", "Active in 30 days", "Never started")
    assert chart.rows[0] == ("2026-11-01", 0, 0, 3)
    assert chart.png().startswith(PNG_SIGNATURE)


def test_the_same_numbers_are_drawn_once() -> None:
    frame = pd.DataFrame({"stage": ["Allocated", "Joined"], "seats": [10, 4]})
    assert charts.funnel(frame).svg() is charts.funnel(frame.copy()).svg()
