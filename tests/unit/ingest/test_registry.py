"""Registry extracts in the same landing run as hostile ones: a UTF-16 or NUL-bearing extract is refused with a
reason that names it, and a catalogue with a 1 MB course name still loads."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

from dlsei_dev.generator import SampleConfig, generate_sample
from sqlalchemy import Engine, func, select

from dlsei.ingest.landing import landing_from_url
from dlsei.ingest.ledger import LOADED, QUARANTINED
from dlsei.ingest.registry import ingest_registry
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import dim_course

RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)
LONG_NAME = "N" * 1_000_000


def test_hostile_extracts_are_named_and_a_long_course_name_loads(
    dlsei_env: Path, warehouse: Engine, tmp_path: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", universities=2, people=30, days=1, mess=False))
    landing = landing_from_url(load_settings().landing_url)
    extracts = {path.name: path.read_bytes() for path in sample.files if path.name.startswith("hec_")}
    catalogue = next(name for name in extracts if name.startswith("hec_course_catalogue_"))
    records = list(csv.reader(io.StringIO(extracts[catalogue].decode("utf-8"))))
    records[1][records[0].index("course_name")] = LONG_NAME
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    extracts[catalogue] = buffer.getvalue().encode("utf-8")
    people = next(name for name in extracts if name.startswith("hec_people_"))
    programmes = next(name for name in extracts if name.startswith("hec_programmes_"))
    extracts[people] = extracts[people].decode("utf-8").encode("utf-16")
    extracts[programmes] = extracts[programmes].replace(b"\n", b"\n\0", 1)
    for name, data in extracts.items():
        landing.put(f"incoming/{name}", data)

    run = RunContext(load_id="test/registry", logical_dt=RUN_AT, settings=load_settings())
    statuses = {o.file_name: o.status for o in ingest_registry(run, Resources(warehouse, landing)).outcomes}

    assert statuses.pop(people) == QUARANTINED and statuses.pop(programmes) == QUARANTINED
    assert set(statuses.values()) == {LOADED}
    with landing.fetch(f"quarantine/{people}.reason.json") as path:
        assert "the file is UTF-16 text" in json.loads(path.read_text())["reason"]
    with landing.fetch(f"quarantine/{programmes}.reason.json") as path:
        reason = json.loads(path.read_text())
    assert reason["rule"] == "nul_bytes" and "NUL bytes (the first at byte" in reason["reason"]
    with warehouse.connect() as conn:
        longest = conn.execute(select(func.max(func.length(dim_course.c.course_name)))).scalar_one()
    assert longest == len(LONG_NAME)
