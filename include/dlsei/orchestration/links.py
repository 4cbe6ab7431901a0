"""The "Data Docs" button of the validating tasks in the Airflow UI: each task that runs Great Expectations links to
the site where its results are rendered (quality/docs.data_docs_link: the configured link, the S3 index, or the
local index).

Airflow 3 computes an operator's extra links in the task's own process when the task ends, succeeded or failed, and
keeps each in an XCom the UI reads; the plugin registers the class so `airflow plugins` lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk import BaseOperatorLink

if TYPE_CHECKING:
    from airflow.models.taskinstancekey import TaskInstanceKey
    from airflow.sdk import BaseOperator
    from airflow.sdk.definitions.xcom_arg import XComArg


class DataDocsLink(BaseOperatorLink):
    name = "Data Docs"

    def get_link(self, operator: BaseOperator, *, ti_key: TaskInstanceKey) -> str:
        from dlsei.quality.docs import data_docs_link
        from dlsei.settings import load_settings

        return data_docs_link(load_settings())


def link_data_docs(*tasks: XComArg) -> None:
    """Give the tasks behind these @task results the Data Docs button (a @task takes no extra links itself)."""
    for task in tasks:
        task.operator.operator_extra_links = (DataDocsLink(),)
