"""Land the day's Coursera admin exports: check, validate with Great Expectations, snapshot, archive."""

from __future__ import annotations

from airflow.sdk import dag, task

from dlsei.orchestration.assets import COURSERA_SNAPSHOTS
from dlsei.orchestration.defaults import DAILY_MORNING, START_DATE, default_args


@dag(
    dag_id="coursera_exports",
    description="Land and validate the daily Coursera course-activity and membership exports",
    schedule=DAILY_MORNING,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["ingest", "coursera"],
    doc_md=__doc__,
)
def coursera_exports() -> None:
    @task(outlets=[COURSERA_SNAPSHOTS])
    def land_exports(**context) -> dict:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import land_coursera_exports

        return land_coursera_exports(context)

    @task
    def check_quarantine(summary: dict) -> None:
        from dlsei.orchestration.tasks import fail_on_quarantine

        fail_on_quarantine(summary)

    check_quarantine(land_exports())


coursera_exports()
