"""Registers the project's Airflow extensions: the status pages under /dlsei on the api-server (e.g. /dlsei/summary),
and the listener that writes each finished run's summary to the warehouse (table pipeline_run)."""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from dlsei.orchestration import listener
from dlsei.web.status import create_app


class DlseiPlugin(AirflowPlugin):
    name = "dlsei"
    fastapi_apps: ClassVar[list[dict[str, object]]] = [
        {"app": create_app(), "url_prefix": "/dlsei", "name": "DLSEI seat utilisation"}
    ]
    listeners: ClassVar[list[object]] = [listener]
