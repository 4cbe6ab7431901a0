"""The picture a coordinator's digest carries: each university's last 30 days as a chart (inline PNG)."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

import pandas as pd
from sqlalchemy import Connection

from dlsei.alerts.messages import InlineImage
from dlsei.publish.rollups import university_trend
from dlsei.report.charts import SEAT_SERIES, seat_trend

TREND_DAYS = 30


def trend_images(conn: Connection, as_of: date, universities: dict[str, str]) -> list[InlineImage]:
    """One chart per university (id: name) that has figures in the last TREND_DAYS days."""
    images = []
    for university_id, name in universities.items():
        rows = university_trend(conn, university_id, as_of, TREND_DAYS)
        if not rows:
            continue
        frame = pd.DataFrame(rows, columns=["as_of_date", *SEAT_SERIES])
        chart = seat_trend(frame, f"{name}: the last {TREND_DAYS} days")
        content_id = f"trend-{quote(university_id, safe='')}-{as_of.isoformat()}@dlsei.alerts"
        images.append(InlineImage(content_id, chart.png(), chart.title))
    return images
