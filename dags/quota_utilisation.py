"""Publish the quota-utilisation marts and raise alerts whenever new snapshots or registry extracts land."""

from __future__ import annotations

from airflow.sdk import Param, dag, task, teardown

from dlsei.orchestration.assets import COURSERA_SNAPSHOTS, HEC_REGISTRY, QUOTA_UTILISATION
from dlsei.orchestration.deadlines import run_deadline
from dlsei.orchestration.defaults import START_DATE, default_args
from dlsei.orchestration.links import link_data_docs


@dag(
    dag_id="quota_utilisation",
    description="Refresh seat-utilisation marts, evaluate under-use alerts, deliver digests, rebuild Data Docs",
    schedule=(COURSERA_SNAPSHOTS | HEC_REGISTRY),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    tags=["publish", "warehouse"],
    params={
        "as_of_dates": Param(
            [],
            type="array",
            description="As-of dates (YYYY-MM-DD) to rebuild; empty = every date whose snapshots changed",
        )
    },
    deadline=run_deadline(),
    doc_md=__doc__,
)
def quota_utilisation() -> None:
    @task(outlets=[QUOTA_UTILISATION])
    def refresh_marts(**context) -> list[str]:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import refresh_marts as refresh

        return refresh(context)

    @task
    def send_alerts(refreshed: list[str], **context) -> dict:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import raise_and_send_alerts

        return raise_and_send_alerts(context, refreshed)

    # A teardown: it runs whatever happened upstream, and a failed refresh still turns the run red.
    @teardown
    def build_data_docs(**context) -> str:  # type: ignore[no-untyped-def]
        from dlsei.orchestration.tasks import build_data_docs as build

        return build(context)

    refreshed = refresh_marts()
    link_data_docs(refreshed)
    send_alerts(refreshed) >> build_data_docs()


quota_utilisation()
