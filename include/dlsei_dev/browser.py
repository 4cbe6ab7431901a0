"""The dashboard in a real browser: the plugin's app served over HTTP by uvicorn in a thread, mounted at /dlsei as
the api-server mounts it, and Debian's headless Chromium driven by Playwright (its own browser builds are never
downloaded). The browser test and the screenshots of docs/screenshots/ use it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import FastAPI

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
PAGES = {"overview": "/dlsei/", "data-team": "/dlsei/data-team"}


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """`app` under /dlsei on a free local port, for the duration of the block; yields the server's base URL."""
    import uvicorn

    parent = FastAPI()
    parent.mount("/dlsei", app)
    server = uvicorn.Server(uvicorn.Config(parent, host="127.0.0.1", port=0, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard's test server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def take_screenshots(base_url: str, token: str, university_id: str, out_dir: Path, morning: date) -> list[Path]:
    """A full-page PNG of each page, signed in with `token` (the UI's `_token` cookie); the data team's checks as on
    `morning`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = {
        **PAGES,
        "data-team": f"{PAGES['data-team']}?day={morning.isoformat()}",
        "university": f"/dlsei/universities/{university_id}",
    }
    taken = []
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": "_token", "value": token, "url": base_url}])
        page = context.new_page()
        for name, path in pages.items():
            response = page.goto(base_url + path)
            if response is None or response.status != 200:
                raise RuntimeError(f"{path} answered {response.status if response else 'nothing'}")
            shot = out_dir / f"{name}.png"
            page.screenshot(path=str(shot), full_page=True)
            taken.append(shot)
    return taken


def screenshot_warehouse(out_dir: Path) -> list[Path]:
    """Screenshots of the pages over the warehouse of the current settings (the demo's, after `./dev demo`), signed
    in as a viewer of the demo's Airflow (SimpleAuthManager): docs/screenshots/ is made with this."""
    import os
    import secrets

    from dlsei.publish.rollups import by_university
    from dlsei.report.overview import latest_as_of
    from dlsei.resources import resources
    from dlsei.settings import load_settings
    from dlsei.web.app import create_app
    from dlsei_dev.local_airflow import prepare_airflow

    settings = load_settings()
    os.environ.setdefault("AIRFLOW__API_AUTH__JWT_SECRET", secrets.token_hex(32))
    os.environ["AIRFLOW__CORE__AUTH_MANAGER"] = (
        "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
    )
    prepare_airflow(settings.home / "airflow")
    from airflow.api_fastapi.app import init_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    token = init_auth_manager().generate_jwt(SimpleAuthManagerUser(username="screenshots", role="viewer"))
    with resources(settings).warehouse.connect() as conn:
        as_of = latest_as_of(conn)
        if as_of is None:
            raise RuntimeError("the warehouse holds no published utilisation: run ./dev demo first")
        least_used = by_university(conn, as_of)[0]["university_id"]
    with serve(create_app()) as base:
        # The demo's days are in the past: its data-team page is shown on the morning after its last day, when its
        # checks ran, not against today's clock.
        morning = as_of + timedelta(days=settings.coursera_lag_days)
        return take_screenshots(base, token, least_used, out_dir, morning)


def airflow_ui_pages(runs: dict[str, str]) -> dict[str, str]:
    """The Airflow UI pages docs/screenshots/ shows of the demo's history: the runs of every DAG (their names, dates
    and durations), a DAG's grid and backfills, and the log of each task instance of `runs` (screenshot name ->
    "dag_id/run_id/task_id")."""
    pages = {
        "airflow-runs": "/dag_runs",
        "airflow-grid": "/dags/coursera_exports",
        "airflow-backfills": "/dags/coursera_exports/backfills",
    }
    for name, path in runs.items():
        dag_id, run_id, task_id = path.split("/")
        pages[name] = f"/dags/{dag_id}/runs/{quote(run_id, safe='')}/tasks/{task_id}"
    return pages


def screenshot_airflow_ui(
    base_url: str, username: str, password: str, out_dir: Path, runs: dict[str, str]
) -> list[Path]:
    """Sign in to a running Airflow UI through its login page and take a PNG of each page of airflow_ui_pages."""
    out_dir.mkdir(parents=True, exist_ok=True)
    taken = []
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base_url}/auth/login?next={base_url}/")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("button[type=submit]").click()
        page.wait_for_url(f"{base_url}/", timeout=120_000)
        for name, path in airflow_ui_pages(runs).items():
            page.goto(base_url + path)
            # The UI is a single-page app: its pages fill in from the REST API after the load event.
            page.wait_for_load_state("networkidle", timeout=120_000)
            time.sleep(2)
            shot = out_dir / f"{name}.png"
            page.screenshot(path=str(shot), full_page=False)
            taken.append(shot)
    return taken


def screenshot_demo_airflow(base_url: str, out_dir: Path) -> list[Path]:
    """Screenshots of the demo's history in its Airflow UI (`./dev ui` running at `base_url` after `./dev demo`),
    signed in as the admin `airflow standalone` created: the newest landing task's log, and the newest failed task's
    when a task failed."""
    import json

    from dlsei.settings import load_settings
    from dlsei_dev.local_airflow import prepare_airflow

    home = load_settings().home / "airflow"
    prepare_airflow(home)  # before Airflow is imported: it reads its home then
    from airflow.models import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    ((username, password),) = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text()).items()
    ti = TaskInstance
    newest = select(ti.dag_id, ti.run_id, ti.task_id).order_by(ti.run_id.desc()).limit(1)
    with create_session() as session:
        logs = {
            "airflow-log-landing": session.execute(
                newest.where(ti.dag_id == "coursera_exports", ti.task_id == "land_exports")
            ).first(),
            "airflow-log-failed": session.execute(newest.where(ti.state == "failed")).first(),
        }
    runs = {name: "/".join(row) for name, row in logs.items() if row is not None}
    return screenshot_airflow_ui(base_url, username, password, out_dir, runs)
