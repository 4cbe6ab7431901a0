from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dlsei.settings import DEVELOPMENT_PSEUDONYMISATION_SECRET, ConfigurationError, load_settings


def test_embedded_defaults_live_under_the_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AIRFLOW_CONN_DLSEI_WAREHOUSE", "AIRFLOW_VAR_DLSEI_LANDING_URL", "AIRFLOW_VAR_DLSEI_OUTBOX_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DLSEI_HOME", str(tmp_path))
    settings = load_settings()
    assert settings.warehouse_url == f"sqlite:///{tmp_path / 'warehouse.db'}"
    assert settings.landing_url == (tmp_path / "landing").as_uri()
    assert settings.outbox_dir == tmp_path / "outbox"
    assert settings.coursera_lag_days == 1


def test_airflow_connection_uris_become_sqlalchemy_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_DLSEI_WAREHOUSE", "postgres://u:p@db:5432/warehouse")
    assert load_settings().warehouse_url == "postgresql+psycopg2://u:p@db:5432/warehouse"


def test_production_refuses_the_public_development_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLSEI_ENV", "production")
    monkeypatch.delenv("AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET", raising=False)
    with pytest.raises(ConfigurationError, match="PSEUDONYMISATION_SECRET"):
        load_settings()
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET", "a-real-secret")
    assert load_settings().pseudonymisation_secret != DEVELOPMENT_PSEUDONYMISATION_SECRET


def test_a_malformed_lag_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS", "one")
    with pytest.raises(ConfigurationError, match="LAG_DAYS"):
        load_settings()


@pytest.mark.parametrize("days", ["0", "ninety", "-5"])
def test_a_results_keeping_of_no_whole_day_is_refused(monkeypatch: pytest.MonkeyPatch, days: str) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_DQ_RESULTS_KEEP_DAYS", days)
    with pytest.raises(ConfigurationError, match="KEEP_DAYS"):
        load_settings()
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_DQ_RESULTS_KEEP_DAYS", "14")
    assert load_settings().dq_results_keep_days == 14


@pytest.mark.parametrize("url", ["s3://bucket", "s3://bucket/", "https://bucket/prefix", "/var/docs"])
def test_a_data_docs_url_without_a_prefix_of_its_own_is_refused(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_DATA_DOCS_URL", url)
    with pytest.raises(ConfigurationError, match="s3://bucket/prefix"):
        load_settings()
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_DATA_DOCS_URL", "s3://bucket/data-docs")
    assert load_settings().data_docs_url == "s3://bucket/data-docs"


def test_a_refusal_names_the_setting_its_source_and_what_was_expected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS", "-2")
    with pytest.raises(ConfigurationError) as refused:
        load_settings()
    # Outside Airflow the environment is read directly; in a process with the Task SDK loaded, through its chain.
    assert re.fullmatch(
        r"AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS = '-2' \(from (Airflow Variable 'dlsei_coursera_lag_days' from )?"
        r"the environment variable AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS\) must be a whole number of days, at least 0",
        str(refused.value),
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("AIRFLOW_VAR_DLSEI_LANDING_URL", "ftp://exports.example/coursera", "file:///absolute/path or s3://"),
        ("AIRFLOW_VAR_DLSEI_LANDING_URL", "s3:/no-bucket", "file:///absolute/path or s3://"),
        ("AIRFLOW_CONN_DLSEI_WAREHOUSE", "mysql://u:p@db/warehouse", "a PostgreSQL or SQLite connection URI"),
        ("AIRFLOW_VAR_DLSEI_DATA_TEAM_EMAIL", "data team", "one e-mail address"),
        ("DLSEI_ENV", "prod", "development or production"),
    ],
)
def test_a_malformed_value_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"^{name} .*{expected}"):
        load_settings()


def _in_airflow_server(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # The api-server's and the scheduler's context (the plugin, the listener): Airflow's server-side chain.
    return subprocess.run(
        [sys.executable, "-c", script],
        check=True,
        env={**os.environ, "_AIRFLOW_PROCESS_CONTEXT": "server", **env},
        capture_output=True,
        text=True,
    )


REFUSAL = (
    "import airflow.sdk\nfrom dlsei.settings import ConfigurationError, load_settings\n"
    "try:\n    load_settings()\nexcept ConfigurationError as error:\n    print(error)\n"
)


def test_inside_airflow_a_metadata_db_variable_is_used_and_named_when_wrong(airflow_db: Path) -> None:
    airflow = str(Path(sys.executable).with_name("airflow"))
    subprocess.run([airflow, "variables", "set", "dlsei_coursera_lag_days", "-3"], check=True, capture_output=True)
    try:
        done = _in_airflow_server(REFUSAL, {})
    finally:
        subprocess.run([airflow, "variables", "delete", "dlsei_coursera_lag_days"], check=True, capture_output=True)
    assert done.stdout.strip().splitlines()[-1] == (
        "AIRFLOW_VAR_DLSEI_COURSERA_LAG_DAYS = '-3' (from Airflow Variable 'dlsei_coursera_lag_days' from the Airflow"
        " metadata database) must be a whole number of days, at least 0"
    )


def test_inside_airflow_a_connection_of_the_wrong_type_is_refused(airflow_db: Path) -> None:
    done = _in_airflow_server(REFUSAL, {"AIRFLOW_CONN_DLSEI_SMTP": "http://mail.example:25"})
    assert done.stdout.strip().splitlines()[-1] == (
        "connection dlsei_smtp (from Airflow Connection 'dlsei_smtp' from the environment variable "
        "AIRFLOW_CONN_DLSEI_SMTP) has type 'http'; expected smtp"
    )
