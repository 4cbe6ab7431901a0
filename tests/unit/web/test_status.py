"""The status plugin's API, served by FastAPI's test client over the test's warehouse: the run summaries with
their warnings and Data Docs link, and what the warehouse holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from dlsei.report.run_summaries import FinishedRun, record_run
from dlsei.warehouse.schema import dq_result
from dlsei.web.app import create_app

END = datetime(2026, 11, 2, 3, 4, tzinfo=UTC)


def finished(dag_id: str, minutes_ago: int) -> FinishedRun:
    at = END - timedelta(minutes=minutes_ago)
    return FinishedRun(dag_id, "manual__1", "success", None, at, at, at + timedelta(seconds=30))


def test_runs_are_listed_newest_first_with_their_warnings(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    landing = finished("coursera_exports", 10)
    with warehouse.begin() as conn:
        conn.execute(
            insert(dq_result).values(
                load_id=landing.load_id,
                suite="coursera_membership",
                source="membership.csv",
                expectation="expect_column_values_to_be_between",
                column_name="enrolled_courses",
                severity="warning",
                success=False,
                element_count=10,
                unexpected_count=2,
            )
        )
    record_run(warehouse, landing, data_docs="https://dq.example.org/index.html")
    record_run(warehouse, finished("quota_utilisation", 5))

    with TestClient(create_app(), headers={"Authorization": f"Bearer {sign_in('viewer')}"}) as client:
        runs = client.get("/runs").json()
        only_newest = client.get("/runs", params={"last": 1}).json()
        status = client.get("/status").json()
        summary = client.get("/summary").text

    assert [r["dag_id"] for r in runs] == ["quota_utilisation", "coursera_exports"]
    assert [r["dag_id"] for r in only_newest] == ["quota_utilisation"]
    assert runs[1]["dq_warnings"] == 1
    assert runs[1]["dq_warning_details"] == (
        "coursera_membership: expect_column_values_to_be_between(enrolled_courses) on membership.csv: 2 of 10 rows"
    )
    assert runs[1]["data_docs_url"] == "https://dq.example.org/index.html"
    assert status == {"data_complete_through": None, "files": {}, "open_alerts": 0, "universities": []}
    assert summary == "The warehouse holds no published utilisation yet."


def test_a_page_size_out_of_bounds_is_refused(warehouse: Engine, dlsei_env: Path, sign_in: Callable) -> None:
    with TestClient(create_app(), headers={"Authorization": f"Bearer {sign_in('viewer')}"}) as client:
        assert client.get("/runs", params={"last": -1}).status_code == 422
        assert client.get("/runs", params={"last": 100_000}).status_code == 422
        assert client.get("/runs", params={"last": 1}).json() == []
