"""Registers the project's Airflow extensions: the dashboard and status pages under /dlsei on the api-server (e.g.
/dlsei/ and /dlsei/summary), its "Seat utilisation" entry in the Airflow UI's menu, the "Data Docs" link of the
validating tasks, and the listener that writes each finished run's summary to the warehouse (table pipeline_run)."""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from dlsei.orchestration import listener
from dlsei.orchestration.links import DataDocsLink
from dlsei.web.app import create_app


class DlseiPlugin(AirflowPlugin):
    name = "dlsei"
    fastapi_apps: ClassVar[list[dict[str, object]]] = [
        {"app": create_app(), "url_prefix": "/dlsei", "name": "DLSEI seat utilisation"}
    ]
    # Opens the overview inside the Airflow UI (an iframe under the UI's own address, so its login cookie goes along).
    external_views: ClassVar[list[dict[str, object]]] = [
        {"name": "Seat utilisation", "href": "/dlsei/", "destination": "nav", "url_route": "seat-utilisation"}
    ]
    listeners: ClassVar[list[object]] = [listener]
    operator_extra_links: ClassVar[list[object]] = [DataDocsLink()]
