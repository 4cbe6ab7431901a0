from __future__ import annotations

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
