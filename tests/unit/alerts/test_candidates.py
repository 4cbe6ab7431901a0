"""A seat whose row was rejected that day is unknown, not inactive: no learner rule flags it that day."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, select

from dlsei.alerts.candidates import candidate_seats
from dlsei.alerts.rules import load_rules
from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.landing import landing_from_url
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.ingest.registry import ingest_registry
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings

RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)
AS_OF = date(2026, 11, 1)


def _candidates(warehouse: Engine) -> dict[tuple[str, str], str]:
    c = candidate_seats(AS_OF, load_rules())
    with warehouse.connect() as conn:
        return {(row.program_slug, row.learner_key): row.reason for row in conn.execute(select(c))}


def test_a_seat_with_a_rejected_row_is_no_reclaim_candidate_that_day(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=3, people=300, days=1, mess=False))
    settings = load_settings()
    landing = landing_from_url(settings.landing_url)
    res = Resources(warehouse, landing)
    run = RunContext(load_id="test/candidates", logical_dt=RUN_AT, settings=settings)
    for path in sample.files:
        landing.put(f"incoming/{path.name}", path.read_bytes())
    ingest_registry(run, res)
    ingest_coursera_exports(run, res)
    before = _candidates(warehouse)

    usage = next(path for path in sample.files if path.name.startswith("Usage Report"))
    records = list(csv.reader(io.StringIO(usage.read_text(encoding="utf-8"))))
    header = records[0]
    keys = Pseudonymiser(settings.pseudonymisation_secret)
    email, slug, enrolled = (header.index(c) for c in ("Email", "Program Slug", "Enrollment Time"))
    flagged = [
        number
        for number, record in enumerate(records[1:], start=1)
        if (record[slug], keys.key("email", record[email].strip().lower())) in before
    ]
    assert flagged, "the sample day has reclaim candidates with course rows"
    broken = flagged[0]
    seat = (records[broken][slug], keys.key("email", records[broken][email].strip().lower()))
    records[broken][enrolled] = "not a time"
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    # The same day delivered again, one course row of a flagged seat broken: it loads without that row.
    landing.put(f"incoming/corrected {usage.name}", buffer.getvalue().encode("utf-8"))
    (outcome,) = ingest_coursera_exports(run, res).outcomes
    assert (outcome.status, outcome.rows_rejected) == ("loaded", 1)

    after = _candidates(warehouse)
    assert seat in before and seat not in after
    assert {key: reason for key, reason in before.items() if key != seat} == after
