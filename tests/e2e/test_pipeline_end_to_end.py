"""The real DAGs, run by Airflow day by day over generated exports, publish exactly the generator's truth.

Runs on SQLite and on the real PostgreSQL server. The truth comes from the generator's own record of the world
it simulated, not from the files it wrote, so any loss, double count or off-by-one day in parsing, matching,
snapshotting or the marts SQL shows up as a mismatch: utilisation, learner matching and activity by domain and
course type are compared with the truth files, and the region / sector / national views with sums of the truth.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from dlsei_dev.generator import SampleConfig, SampleManifest, generate_sample
from dlsei_dev.local_airflow import run_days
from sqlalchemy import Engine, Table, func, select, text

from dlsei.ingest.landing import landing_from_url
from dlsei.ingest.ledger import DUPLICATE, LOADED
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    MEASURES,
    dim_programme,
    dim_seat_allocation,
    fact_seat_day,
    fact_seat_lifecycle,
    file_ledger,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_learner_match,
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


def published(engine: Engine, table: Table = mart_quota_utilisation, keys: list[str] = KEYS) -> pd.DataFrame:
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(table)).mappings().all())
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame.sort_values(keys).reset_index(drop=True)


def truth(manifest: SampleManifest, name: str = "utilisation", keys: list[str] = KEYS) -> pd.DataFrame:
    frame = pd.read_csv(manifest.truth_of(name), dtype={"university_id": str, "cohort_id": str})
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    return frame.sort_values(keys).reset_index(drop=True)


def assert_same(actual: pd.DataFrame, expected: pd.DataFrame, keys: list[str], counts: list[str]) -> None:
    """Same rows, the counts equal and learning hours equal to the cent."""
    assert len(actual) == len(expected) > 0
    assert actual[keys].equals(expected[keys]), f"rows differ:\n{actual[keys].compare(expected[keys])}"
    for measure in counts:
        mismatches = actual[[*keys, measure]][actual[measure] != expected[measure]]
        assert mismatches.empty, (
            f"{measure} differs from the truth:\n{mismatches.merge(expected[[*keys, measure]], on=keys)}"
        )
    if "learning_hours" in expected:
        assert ((actual["learning_hours"] - expected["learning_hours"]).abs() <= 0.005).all()


def percent(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def check_rollups(engine: Engine, sample: SampleManifest) -> None:
    """Each roll-up view against the truth's rows summed by the registry's region and sector, ratios from sums."""
    (universities_file,) = [p for p in sample.files if p.name.startswith("hec_universities_")]
    universities = pd.read_csv(universities_file, dtype=str)[["university_id", "region", "sector"]]
    rows = truth(sample).merge(universities, on="university_id")
    for view, keys in (
        ("v_utilisation_by_region", ["region"]),
        ("v_utilisation_by_sector", ["sector"]),
        ("v_utilisation_national", []),
    ):
        sums = rows.groupby(["as_of_date", *keys], as_index=False)[[*COUNTS, "learning_hours"]].sum()
        with engine.connect() as conn:
            actual = pd.DataFrame(conn.execute(text(f"SELECT * FROM {view}")).mappings().all())
        actual["as_of_date"] = pd.to_datetime(actual["as_of_date"]).dt.date
        actual = actual.sort_values(["as_of_date", *keys]).reset_index(drop=True)
        assert_same(
            actual, sums.sort_values(["as_of_date", *keys]).reset_index(drop=True), ["as_of_date", *keys], COUNTS
        )
        for pct, part in (("utilisation_pct", "active_30d"), ("join_rate_pct", "joined")):
            expected = [percent(p, w) for p, w in zip(sums[part], sums["allocated"], strict=True)]
            diff = (actual[pct].astype(float) - pd.Series(expected, dtype=float)).abs()
            assert (diff.fillna(0) <= 0.005).all() and (actual[pct].isna() == pd.isna(expected)).all(), (view, pct)


def check_seat_states(engine: Engine) -> None:
    """Seat by seat, the lifecycle's day states count to the utilisation mart's figures, and every seat has exactly
    one current episode."""
    measure_of = {
        "invited": "invited",
        "joined": "never_started",
        "active": "active_30d",
        "dormant": "dormant",
        "removed": "removed",
    }
    a = dim_seat_allocation
    query = (
        select(fact_seat_day.c.as_of_date, a.c.university_id, a.c.cohort_id, fact_seat_day.c.state, func.count())
        .select_from(
            fact_seat_day.join(dim_programme, dim_programme.c.program_slug == fact_seat_day.c.program_slug).join(
                a, (a.c.university_id == dim_programme.c.university_id) & (a.c.cohort_id == dim_programme.c.cohort_id)
            )
        )
        .where(a.c.cohort_start <= fact_seat_day.c.as_of_date, a.c.cohort_end >= fact_seat_day.c.as_of_date)
        .group_by(fact_seat_day.c.as_of_date, a.c.university_id, a.c.cohort_id, fact_seat_day.c.state)
    )
    with engine.connect() as conn:
        counted = {(str(d), u, c, s): n for d, u, c, s, n in conn.execute(query)}
        episodes = select(
            fact_seat_lifecycle.c.program_slug, fact_seat_lifecycle.c.learner_key, func.count().label("n")
        )
        current = conn.execute(
            episodes.where(fact_seat_lifecycle.c.valid_to.is_(None)).group_by(
                fact_seat_lifecycle.c.program_slug, fact_seat_lifecycle.c.learner_key
            )
        ).all()
        seats = conn.execute(
            select(func.count()).select_from(
                select(fact_seat_day.c.program_slug, fact_seat_day.c.learner_key).distinct().subquery()
            )
        ).scalar_one()
    for row in published(engine).itertuples():
        for state, measure in measure_of.items():
            key = (str(row.as_of_date), row.university_id, row.cohort_id, state)
            assert counted.get(key, 0) == getattr(row, measure), key
    assert {row.n for row in current} == {1}
    assert len(current) == seats


def table_rows(engine: Engine, table) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every row, without the run that wrote it."""
    with engine.connect() as conn:
        return sorted(conn.execute(select(*(c for c in table.c if c.name != "load_id"))).all(), key=repr)


@pytest.mark.long
def test_published_utilisation_equals_the_generators_truth(
    sample: SampleManifest, dlsei_env: Path, warehouse: Engine, airflow_db: Path
) -> None:
    deliver(sample)
    outcomes = run_days(sample.as_of_dates)
    assert [o for o in outcomes if o.state != "success"] == []

    expected, actual = truth(sample), published(warehouse)
    assert_same(actual, expected, KEYS, COUNTS)
    for measure in PERCENTS:
        diff = (actual[measure].astype(float) - expected[measure].astype(float)).abs()
        assert (diff.fillna(0) <= 0.005).all(), f"{measure} differs from the truth"
        assert (actual[measure].isna() == expected[measure].isna()).all()
    assert (actual["data_complete_through"] == actual["as_of_date"]).all()
    assert set(actual["as_of_date"]) == set(sample.as_of_dates)

    match_keys = [*KEYS, "match_method"]
    assert_same(
        published(warehouse, mart_learner_match, match_keys),
        truth(sample, "learner_match", match_keys),
        match_keys,
        ["learners"],
    )
    for table, breakdown in ((mart_activity_by_domain, "domain"), (mart_activity_by_course_type, "course_type")):
        keys = [*KEYS, breakdown]
        assert_same(
            published(warehouse, table, keys),
            truth(sample, f"activity_by_{breakdown}", keys),
            keys,
            ["enrolments", "completions", "active_learners"],
        )
    check_rollups(warehouse, sample)
    check_seat_states(warehouse)

    # The demo's promise: running everything again (same files delivered again) changes nothing published.
    snapshots_before = (table_rows(warehouse, snap_membership), table_rows(warehouse, snap_course_activity))
    marts_before = published(warehouse)
    derived = (mart_learner_match, mart_activity_by_domain, fact_seat_day, fact_seat_lifecycle)
    derived_before = [table_rows(warehouse, table) for table in derived]
    deliver(sample)
    assert [o for o in run_days(sample.as_of_dates) if o.state != "success"] == []
    assert (table_rows(warehouse, snap_membership), table_rows(warehouse, snap_course_activity)) == snapshots_before
    pd.testing.assert_frame_equal(published(warehouse).drop(columns="load_id"), marts_before.drop(columns="load_id"))
    assert [table_rows(warehouse, table) for table in derived] == derived_before
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
    methods = truth(sample, "learner_match").groupby("match_method")["learners"].sum()
    assert methods["external_id"] > methods["email"] > 0 and methods["unmatched"] > 0  # blank ids, visitors
    assert set(truth(sample, "activity_by_course_type")["course_type"]) == {"course", "guided_project"}
    assert min(sample.as_of_dates) == date(2026, 11, 1)
