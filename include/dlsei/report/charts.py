"""The dashboard's and the digests' charts: Vega-Lite specs built with Altair and drawn in-process by vl-convert, to
SVG for the pages and PNG for e-mails. Nothing is fetched at view time (no CDN, no browser-side JavaScript), so a
page renders behind a ministry firewall. Each chart keeps its numbers as a table too, for screen readers and for
the CSV download."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import altair as alt
import pandas as pd

# vl-convert bundles several Vega-Lite releases: the one Altair writes its specs for.
_VEGA_LITE = "6.4"
WIDTH = 560
COLOURS = ("#1f6f8b", "#e07a1f", "#7a7a7a", "#2e8540", "#b02a30")


@dataclass(frozen=True)
class Chart:
    """A chart's spec and its numbers: `rows` hold `columns`, in the order the table shows them."""

    title: str
    spec: dict[str, object]
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def svg(self) -> str:
        return _svg(json.dumps(self.spec, sort_keys=True))

    def png(self, scale: float = 2) -> bytes:
        import vl_convert

        return vl_convert.vegalite_to_png(self.spec, vl_version=_VEGA_LITE, scale=scale)


@lru_cache(maxsize=128)
def _svg(spec: str) -> str:
    """The published figures change once a day: a chart drawn once is served from memory until its numbers change."""
    import vl_convert

    return vl_convert.vegalite_to_svg(json.loads(spec), vl_version=_VEGA_LITE)


def _table(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[tuple[object, ...], ...]:
    return tuple(tuple(plain(value) for value in row) for row in frame[list(columns)].itertuples(index=False))


def plain(value: object) -> object:
    """A cell as people read it: dates as ISO dates, missing values as empty cells."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    category_title: str,
    value_title: str,
    labels: dict[str, str] | None = None,
) -> Chart:
    """One horizontal bar per row of `frame`, in its order: the bar's length is `value`."""
    chart = (
        alt.Chart(frame, title=title, width=WIDTH - 200, height=alt.Step(22))
        .mark_bar(color=COLOURS[0])
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort=None),
            x=alt.X(f"{value}:Q", title=value_title),
            tooltip=[alt.Tooltip(f"{category}:N", title=category_title), alt.Tooltip(f"{value}:Q", title=value_title)],
        )
    )
    columns = (category, value)
    names = labels or {}
    return Chart(title, chart.to_dict(), tuple(names.get(c, c) for c in columns), _table(frame, columns))


def lines(
    frame: pd.DataFrame,
    *,
    day: str,
    series: Sequence[str],
    title: str,
    value_title: str,
    labels: dict[str, str] | None = None,
) -> Chart:
    """One line per column of `series` over the days of `frame`, a point (mark) on each day."""
    names = labels or {}
    long = frame.melt(id_vars=[day], value_vars=list(series), var_name="measure", value_name="value")
    long["measure"] = long["measure"].map(lambda column: names.get(column, column))
    long[day] = pd.to_datetime(long[day]).dt.strftime("%Y-%m-%d")
    legend = [names.get(column, column) for column in series]
    chart = (
        alt.Chart(long, title=title, width=WIDTH, height=220)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{day}:T", title="As-of date", axis=alt.Axis(format="%d %b")),
            y=alt.Y("value:Q", title=value_title),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=legend,
                scale=alt.Scale(domain=legend, range=list(COLOURS[: len(legend)])),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip(f"{day}:T", title="As-of date"),
                alt.Tooltip("measure:N", title="Measure"),
                alt.Tooltip("value:Q", title=value_title),
            ],
        )
    )
    columns = (day, *series)
    return Chart(title, chart.to_dict(), tuple(names.get(c, c) for c in columns), _table(frame, columns))


# The labels the charts and their tables give the warehouse's columns.
LABELS = {
    "as_of_date": "As-of date",
    "allocated": "Allocated",
    "seats_held": "Seats held",
    "joined": "Joined",
    "active_30d": "Active in 30 days",
    "never_started": "Never started",
    "utilisation_pct": "Utilisation %",
    "region": "Region",
    "sector": "Sector",
    "stage": "Stage",
    "seats": "Seats",
}
SEAT_SERIES = ("seats_held", "active_30d", "never_started")


def funnel(frame: pd.DataFrame) -> Chart:
    return bars(
        frame,
        category="stage",
        value="seats",
        title="National funnel",
        category_title="Stage",
        value_title="Seats",
        labels=LABELS,
    )


def national_trend(frame: pd.DataFrame) -> Chart:
    return lines(
        frame,
        day="as_of_date",
        series=("allocated", "active_30d"),
        title="Seats active in the last 30 days",
        value_title="Seats",
        labels=LABELS,
    )


def utilisation(frame: pd.DataFrame, key: str) -> Chart:
    return bars(
        frame,
        category=key,
        value="utilisation_pct",
        title=f"Utilisation by {key}",
        category_title=LABELS[key],
        value_title="Utilisation % (active in 30 days / allocated)",
        labels=LABELS,
    )


def seat_trend(frame: pd.DataFrame, title: str) -> Chart:
    """Seats held, active in 30 days and never started, per as-of date (a cohort's, or a university's)."""
    return lines(frame, day="as_of_date", series=SEAT_SERIES, title=title, value_title="Seats", labels=LABELS)
