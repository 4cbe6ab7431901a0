"""Airflow's services as separate processes, for one test: start them, wait until they are up, talk to the REST
API, show their logs when something goes wrong, and stop every process they started, whatever happened."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psutil

AIRFLOW = str(Path(sys.executable).with_name("airflow"))
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, probe: Callable[[], T | None], timeout: float) -> T:
    """Poll `probe` until it returns something other than None, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (result := probe()) is None:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(2)
    return result


class AirflowServices:
    """One process per service, each in a session of its own so that a signal meant for the test runner never
    reaches them, and stopped together with every process they forked (uvicorn workers, the Celery pool, tasks)."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env
        self.logs = home / "service-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def run(self, *args: str, timeout: float) -> None:
        """A one-off command (e.g. `db migrate`), its output kept with the services' logs."""
        with (self.logs / f"{args[0]}-{args[1]}.log").open("wb") as log:
            subprocess.run(
                [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, timeout=timeout, check=True
            )

    def start(self, name: str, *args: str) -> None:
        log = (self.logs / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [AIRFLOW, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()  # the child holds its own copy

    def check_alive(self) -> None:
        exited = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if exited:
            raise AssertionError(f"Airflow service(s) exited early, with these exit codes: {exited}")

    def stop(self, grace: float = 20) -> None:
        """SIGTERM every service and everything it started, then SIGKILL whatever is left after `grace` seconds.

        Task processes put themselves in process groups of their own, so the tree is walked by parent, not by group.
        """
        tree = [psutil.Process(p.pid) for p in self.processes.values() if p.poll() is None]
        tree += [child for parent in list(tree) for child in _children(parent)]
        for process in tree:
            _send(process, signal.SIGTERM)
        _, alive = psutil.wait_procs(tree, timeout=grace)
        for process in alive:
            _send(process, signal.SIGKILL)
        psutil.wait_procs(alive, timeout=10)
        for process in self.processes.values():
            process.wait(timeout=10)

    @contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        """Print every log's tail when the block fails: pytest shows what a failed test printed."""
        try:
            yield
        except BaseException:
            print(self.diagnostics())
            raise

    def diagnostics(self, lines: int = 30, width: int = 400) -> str:
        """The tail of every service's log and of every task log, lines cut at `width`, for the failure output."""
        parts = []
        for path in sorted(self.logs.glob("*.log")) + sorted((self.home / "logs").rglob("*.log")):
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"===== {path.relative_to(self.home)} =====\n" + "\n".join(line[:width] for line in tail))
        return "\n".join(parts)


def _children(process: psutil.Process) -> list[psutil.Process]:
    try:
        return process.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _send(process: psutil.Process, sig: signal.Signals) -> None:
    with contextlib.suppress(psutil.NoSuchProcess):
        process.send_signal(sig)


class AirflowApi:
    """Airflow's public REST API (v2), with a JWT from the simple auth manager's /auth/token."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def log_in(self, username: str, password: str) -> None:
        response = self.client.post("/auth/token", json={"username": username, "password": password})
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    def health(self) -> dict[str, Any] | None:
        """The api-server's view of every component, or None while it cannot answer yet."""
        try:
            response = self.client.get("/api/v2/monitor/health")
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"/api/v2{path}", params=params)
        response.raise_for_status()
        return response.json()

    def found(self, path: str) -> Any | None:
        response = self.client.get(f"/api/v2{path}")
        return response.json() if response.status_code == 200 else None

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.patch(f"/api/v2{path}", json=body)
        response.raise_for_status()
        return response.json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        response = self.client.post(f"/api/v2{path}", json=body)
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        self.client.close()
