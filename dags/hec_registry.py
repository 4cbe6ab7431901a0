"""Land HEC's registry extracts (universities, people, seat allocations, programmes, course catalogue)."""

from __future__ import annotations

from airflow.sdk import dag, task

from dlsei.orchestration.assets import HEC_REGISTRY
from dlsei.orchestration.deadlines import run_deadline
from dlsei.orchestration.defaults import DAILY_MORNING, START_DATE, default_args
from dlsei.orchestration.links import link_data_docs


@dag(
    dag_id="hec_registry",
    description="Land and validate HEC's registry extracts, pseudonymising people on the way in",
    schedule=DAILY_MORNING,
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["ingest", "hec-registry"],
    deadline=run_deadline(),
    doc_md=__doc__,
)
def hec_registry() -> None:
    @task(outlets=[HEC_REGISTRY])
    def land_extracts(**context) -> dict:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import land_registry

        return land_registry(context)

    @task
    def check_quarantine(summary: dict) -> None:
        from dlsei.orchestration.tasks import fail_on_quarantine

        fail_on_quarantine(summary)

    @task
    def erase_expired_identities(**context) -> int:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import erase_expired_identities

        return erase_expired_identities(context)

    landed = land_extracts()
    link_data_docs(landed)
    check_quarantine(landed)
    landed >> erase_expired_identities()


hec_registry()
