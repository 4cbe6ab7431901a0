"""The monthly programme report: the month's publication-safe figures as HTML, to the programme leadership."""

from __future__ import annotations

from airflow.sdk import dag, task

from dlsei.orchestration.deadlines import run_deadline
from dlsei.orchestration.defaults import MONTHLY_FIRST, START_DATE, default_args


@dag(
    dag_id="programme_report",
    description="Render the month's publication-safe programme report, store it under reports/ and e-mail it",
    schedule=MONTHLY_FIRST,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["publish", "warehouse"],
    deadline=run_deadline(),
    doc_md=__doc__,
)
def programme_report() -> None:
    @task
    def write_and_send_report(**context) -> str:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import programme_report as report

        return report(context)

    write_and_send_report()


programme_report()
