"""Land the day's Coursera admin exports: wait for them, check, validate with Great Expectations, snapshot, archive."""

from __future__ import annotations

from airflow.sdk import dag, task

from dlsei.orchestration.assets import COURSERA_SNAPSHOTS
from dlsei.orchestration.deadlines import run_deadline
from dlsei.orchestration.defaults import DAILY_MORNING, START_DATE, default_args
from dlsei.orchestration.links import link_data_docs
from dlsei.orchestration.waiting import WaitForExports


@dag(
    dag_id="coursera_exports",
    description="Land and validate the daily Coursera course-activity and membership exports",
    schedule=DAILY_MORNING,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["ingest", "coursera"],
    deadline=run_deadline(),
    doc_md=__doc__,
)
def coursera_exports() -> None:
    # Deferred to the triggerer while Coursera is late; skipped when the wait runs out, so whatever did arrive is
    # still landed and check_day names what is missing.
    arrived = WaitForExports(task_id="wait_for_exports")

    @task(outlets=[COURSERA_SNAPSHOTS], trigger_rule="all_done")
    def land_exports(**context) -> dict:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import land_coursera_exports

        return land_coursera_exports(context)

    @task
    def check_day(summary: dict, **context) -> None:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import check_day as check

        check(context, summary)

    landed = land_exports()
    link_data_docs(landed)
    arrived >> landed
    check_day(landed)


coursera_exports()
