"""The real DAGs, run by Airflow day by day over generated exports, publish exactly the generator's truth.

Runs on SQLite and on the real PostgreSQL server. The truth comes from the generator's own record of the world
it simulated, not from the files it wrote, so any loss, double count or off-by-one day in parsing, matching,
snapshotting or the marts SQL shows up as a mismatch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from dlsei.generator import SampleConfig, SampleManifest, generate_sample
from dlsei.landing import landing_from_url
from dlsei.ledger import DUPLICATE, LOADED
from dlsei.orchestration.local_airflow import run_days
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    MEASURES,
    file_ledger,
    mart_quota_utilisation,
    snap_course_activity,
    snap_membership,
)

KEYS = ["as_of_date", "university_id", "cohort_id"]
COUNTS = list(MEASURES)
PERCENTS = ["utilisation_pct", "join_rate_pct"]
DAYS = 10  # spans the switch from the legacy layouts (days 1-7) to the current ZIP (days 8-10)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    out = tmp_path_factory.mktemp("sample")
    return generate_sample(SampleConfig(out_dir=out, seed=11, universities=6, people=500, days=DAYS))


def deliver(manifest: SampleManifest) -> None:
    landing = landing_from_url(load_settings().landing_url)
    for path in manifest.files:
        landing.put(f"incoming/{path.name}", path.read_bytes())


def published(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(mart_quota_utilisation)).mappings().all())
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame.sort_values(KEYS).reset_index(drop=True)


def truth(manifest: SampleManifest) -> pd.DataFrame:
    frame = pd.read_csv(manifest.truth_path, dtype={"university_id": str, "cohort_id": str})
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame.sort_values(KEYS).reset_index(drop=True)


def table_rows(engine: Engine, table) -> list[tuple]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return sorted(conn.execute(select(table)).all(), key=repr)


def test_published_utilisation_equals_the_generators_truth(
    sample: SampleManifest, dlsei_env: Path, warehouse: Engine, airflow_db: Path
) -> None:
    deliver(sample)
    outcomes = run_days(sample.as_of_dates)
    assert [o for o in outcomes if o.state != "success"] == []

    expected, actual = truth(sample), published(warehouse)
    assert len(actual) == len(expected) > 0
    assert actual[KEYS].equals(expected[KEYS]), "the mart must hold exactly the truth's university x cohort x days"
    for measure in COUNTS:
        mismatches = actual[[*KEYS, measure]][actual[measure] != expected[measure]]
        assert mismatches.empty, (
            f"{measure} differs from the truth:\n{mismatches.merge(expected[[*KEYS, measure]], on=KEYS)}"
        )
    for measure in [*PERCENTS, "learning_hours"]:
        diff = (actual[measure].astype(float) - expected[measure].astype(float)).abs()
        assert (diff.fillna(0) <= 0.005).all(), f"{measure} differs from the truth"
        assert (actual[measure].isna() == expected[measure].isna()).all()
    assert (actual["data_complete_through"] == actual["as_of_date"]).all()
    assert set(actual["as_of_date"]) == set(sample.as_of_dates)

    # The demo's promise: running everything again (same files delivered again) changes nothing published.
    snapshots_before = (table_rows(warehouse, snap_membership), table_rows(warehouse, snap_course_activity))
    marts_before = published(warehouse)
    deliver(sample)
    assert [o for o in run_days(sample.as_of_dates) if o.state != "success"] == []
    assert (table_rows(warehouse, snap_membership), table_rows(warehouse, snap_course_activity)) == snapshots_before
    pd.testing.assert_frame_equal(published(warehouse).drop(columns="load_id"), marts_before.drop(columns="load_id"))
    with warehouse.connect() as conn:
        statuses = conn.execute(select(file_ledger.c.status, file_ledger.c.file_name)).all()
    loaded = sorted(name for status, name in statuses if status == LOADED)
    duplicates = sorted(name for status, name in statuses if status == DUPLICATE)
    assert loaded == duplicates == sorted(p.name for p in sample.files)


def test_truth_is_not_trivially_zero(sample: SampleManifest) -> None:
    """The comparison above only means something if the sample exercises every measure."""
    expected = truth(sample)
    last = expected[expected["as_of_date"] == max(sample.as_of_dates)]
    for measure in (
        "invited",
        "joined",
        "active_7d",
        "active_30d",
        "dormant",
        "never_started",
        "removed",
        "completions",
    ):
        assert expected[measure].sum() > 0, measure
    assert last["allocated"].sum() > last["seats_held"].sum() > 0
    assert min(sample.as_of_dates) == date(2026, 11, 1)
