"""The data team's status page: what the warehouse holds now, as JSON for tools and as text for people.

Every Airflow component loads plugins, so pandas and the warehouse code are imported on the first request only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from sqlalchemy import Connection


def _connect() -> Connection:
    from dlsei.resources import resources

    return resources().warehouse.connect()


def router() -> APIRouter:
    routes = APIRouter()

    @routes.get("/status")
    def status() -> dict[str, object]:
        from dlsei.report.overview import files_by_status, latest_as_of, open_alerts, utilisation_by_university
        from dlsei.warehouse.frames import records

        with _connect() as conn:
            as_of = latest_as_of(conn)
            universities = utilisation_by_university(conn, as_of) if as_of else None
            return {
                "data_complete_through": as_of.isoformat() if as_of else None,
                "files": files_by_status(conn),
                "open_alerts": len(open_alerts(conn)),
                "universities": [] if universities is None else records(universities),
            }

    @routes.get("/runs")
    def runs(last: Annotated[int, Query(ge=1, le=500)] = 10) -> list[dict[str, object]]:
        """The newest run summaries (pipeline_run), warnings and Data Docs link included."""
        from dlsei.report.run_summaries import recent_runs

        with _connect() as conn:
            return recent_runs(conn, last)

    @routes.get("/summary", response_class=PlainTextResponse)
    def summary() -> str:
        from dlsei.report.overview import render

        with _connect() as conn:
            return render(conn)

    return routes
