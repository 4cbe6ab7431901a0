"""Every route of the /dlsei app, HTML and JSON, answers a signed-in Airflow user only: a real JWT signed by the
installed Airflow's SimpleAuthManager, sent as the UI sends it (its `_token` cookie) or as an API client does."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from dashboard_rows import publish
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from dlsei.web.app import create_app

REPORT = "/reports/programme_report_2026-11.html"


def every_route() -> list[str]:
    paths = [route.path for route in create_app().routes if isinstance(route, APIRoute)]
    return [path.replace("{university_id}", "U001").replace("/reports/{name}", REPORT) for path in paths]


@pytest.mark.parametrize("path", every_route())
def test_anonymous_requests_get_no_data(path: str, warehouse: Engine, dlsei_env: Path, sign_in: Callable) -> None:
    with TestClient(create_app()) as client:
        anonymous = client.get(path)
        forged = client.get(path, headers={"Authorization": "Bearer not-a-token"})
        no_role = client.get(path, cookies={"_token": sign_in(None)})
        viewer = client.get(path, cookies={"_token": sign_in("viewer")})

    assert anonymous.status_code == 401
    assert forged.status_code == 403
    assert no_role.status_code == 403
    assert viewer.status_code in (200, 404), viewer.text


def test_the_app_serves_no_unguarded_schema_pages() -> None:
    with TestClient(create_app()) as client:
        assert {client.get(path).status_code for path in ("/docs", "/redoc", "/openapi.json")} == {404}


def test_a_coordinator_opens_their_own_universities_pages_only(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish(warehouse)
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_DASHBOARD_COORDINATORS", json.dumps({"manager": ["U1"]}))
    with TestClient(create_app(), cookies={"_token": sign_in("viewer")}) as client:
        answers = {path: client.get(path).status_code for path in ("/universities/U1", "/universities/U1.csv")}
        others = ("/universities/U2", "/", "/data-team", "/status", REPORT)
        refused = {path: client.get(path).status_code for path in others}

    assert answers == {"/universities/U1": 200, "/universities/U1.csv": 200}
    assert set(refused.values()) == {403}
