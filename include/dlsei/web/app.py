"""The FastAPI app the plugin mounts at /dlsei: the dashboard's pages and the status endpoints, every route behind
Airflow's login (web/auth.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from dlsei.web import pages, status
from dlsei.web.auth import signed_in_user


def create_app() -> FastAPI:
    # No OpenAPI page: the schema routes FastAPI adds itself would skip the app's dependencies and answer anyone.
    app = FastAPI(
        title="dlsei-pipeline dashboard",
        dependencies=[Depends(signed_in_user)],
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(pages.router())
    app.include_router(status.router())
    # The stylesheet only (no data): served as Airflow serves its own UI assets, without a login.
    app.mount("/static", StaticFiles(directory=Path(pages.__file__).parent / "static"), name="static")
    return app
