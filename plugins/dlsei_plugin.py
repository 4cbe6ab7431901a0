"""Registers the project's status pages with Airflow's api-server, under /dlsei (e.g. /dlsei/summary)."""

from __future__ import annotations

from typing import ClassVar

from airflow.plugins_manager import AirflowPlugin

from dlsei.web.status import create_app


class DlseiPlugin(AirflowPlugin):
    name = "dlsei"
    fastapi_apps: ClassVar[list[dict[str, object]]] = [
        {"app": create_app(), "url_prefix": "/dlsei", "name": "DLSEI seat utilisation"}
    ]
