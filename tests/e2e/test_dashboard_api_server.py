"""The dashboard as people reach it: `airflow api-server` (the real one, with the project's plugin) over a warehouse
the test filled; anonymous requests are refused, a user signs in through Airflow's own login page in headless
Chromium, finds "Seat utilisation" in the UI (an iframe on the plugin's page) and the charts drawn."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dashboard_rows import publish
from dlsei_dev.browser import CHROMIUM, chromium
from sqlalchemy import Engine

PASSWORD = "dashboard-test-password"
BARS = "svg g.mark-rect.role-mark > path"


@pytest.fixture
def warehouse_url(sqlite_url: str) -> str:
    return sqlite_url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def api_server(airflow_db: Path, warehouse: Engine, dlsei_env: Path, tmp_path: Path) -> Iterator[str]:
    publish(warehouse)
    passwords = tmp_path / "passwords.json"
    passwords.write_text(f'{{"manager": "{PASSWORD}"}}')
    port = _free_port()
    env = {
        **os.environ,
        "AIRFLOW__CORE__AUTH_MANAGER": "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "manager:viewer",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "False",
        "AIRFLOW__API_AUTH__JWT_SECRET": "dashboard-api-server-test-" * 3,
    }
    airflow = Path(sys.executable).with_name("airflow")
    log = (tmp_path / "api-server.log").open("w")
    server = subprocess.Popen(
        [str(airflow), "api-server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(f"{base}/api/v2/monitor/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"airflow api-server did not start: {(tmp_path / 'api-server.log').read_text()[-3000:]}")
            time.sleep(1)
        yield base
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        log.close()


@pytest.mark.long
def test_people_sign_in_through_airflow_and_find_the_dashboard_in_its_menu(api_server: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run installs it when it can)")
    base = api_server
    for path in (
        "/dlsei/",
        "/dlsei/universities/U1",
        "/dlsei/universities/U1.csv",
        "/dlsei/data-team",
        "/dlsei/status",
    ):
        assert httpx.get(base + path, timeout=60).status_code == 401, path

    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{base}/auth/login?next={base}/dlsei/")
        page.locator("input[name=username]").fill("manager")
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("button[type=submit]").click()
        page.wait_for_url(f"{base}/dlsei/", timeout=120_000)
        assert page.locator(f"#funnel {BARS}").count() == 6
        # A viewer (docker-compose.yml's managers and coordinators) reads but may not delete a DAG or trigger one.
        assert page.request.get(f"{base}/api/v2/dags").status == 200
        assert page.request.delete(f"{base}/api/v2/dags/hec_registry").status == 403
        assert page.request.post(f"{base}/api/v2/dags/hec_registry/dagRuns", data={}).status == 403

        # The menu entry: the UI's plugin page holds the overview in an iframe, signed in by the same cookie.
        page.goto(f"{base}/plugin/seat-utilisation")
        overview = page.frame_locator("iframe").first
        assert overview.locator("h1").inner_text(timeout=120_000) == "Seat utilisation"
        assert overview.locator(f"#funnel {BARS}").count() == 6
