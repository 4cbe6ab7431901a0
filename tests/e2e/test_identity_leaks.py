"""After the real DAGs ran over sample data, no learner's e-mail or name is anywhere the pipeline wrote (marts,
views, validation results, Data Docs, digests, logs, the warehouse) except the identity store and the lists sent to
one university's coordinator; and those lists do carry the e-mails a coordinator needs."""

from __future__ import annotations

import csv
import email
import os
from email import policy
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import run_days
from sqlalchemy import Engine, inspect, select, text

from dlsei.alerts.messages import COORDINATOR_LIST
from dlsei.ingest.landing import landing_from_url
from dlsei.quality.context import ROOT_ENV
from dlsei.settings import load_settings
from dlsei.warehouse.schema import alert_message

# Where identities belong in the warehouse: the store (and a list's message until it is delivered).
IDENTITY_TABLES = {"identity_person", "identity_erasure"}


def _identities(people: Path) -> set[str]:
    """Every learner e-mail and full name of the registry extract, lower-cased."""
    with people.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = {row["email"].strip().lower() for row in rows} | {row["full_name"].strip().lower() for row in rows}
    return {value for value in found if len(value) > 5}  # no 3-letter name matching inside a hash


def _files(root: Path, skip: set[Path]) -> dict[Path, str]:
    return {
        path: path.read_bytes().decode("utf-8", errors="replace").lower()
        for path in root.rglob("*")
        if path.is_file() and path not in skip and not any(parent in skip for parent in path.parents)
    }


def _warehouse_text(engine: Engine) -> dict[str, str]:
    """Every table and view as text, but the identity store. The lists' messages are in: once delivered, their
    bodies are emptied."""
    names = set(inspect(engine).get_table_names()) | set(inspect(engine).get_view_names())
    with engine.connect() as conn:
        return {
            name: repr(conn.execute(text(f'SELECT * FROM "{name}"')).all()).lower()
            for name in sorted(names - IDENTITY_TABLES)
        }


@pytest.mark.long
@pytest.mark.parametrize("warehouse_url", ["sqlite"], indirect=True)
def test_no_identity_outside_the_store_and_the_coordinator_lists(
    tmp_path: Path, dlsei_env: Path, warehouse: Engine, airflow_db: Path
) -> None:
    sample = generate_sample(SampleConfig(out_dir=tmp_path / "sample", seed=5, universities=3, people=240, days=3))
    landing = landing_from_url(load_settings().landing_url)
    for path in sample.files:
        landing.put(f"incoming/{path.name}", path.read_bytes())
    assert [o for o in run_days(sample.as_of_dates) if o.state != "success"] == []

    (people,) = [path for path in sample.files if path.name.startswith("hec_people_")]
    identities = _identities(people)
    assert len(identities) > 300

    settings = load_settings()
    outbox = settings.outbox_dir
    lists = {
        path
        for path in outbox.glob("*.eml")
        if f"_{COORDINATOR_LIST}_" in path.name  # the outbox names each file by its audience
    }
    lists |= {path.with_suffix(".json") for path in lists}
    # The landing area keeps the deliveries as HEC and Coursera sent them (raw input, not the pipeline's output).
    landing_root = Path(settings.landing_url.removeprefix("file://"))
    written = _files(dlsei_env, {landing_root, *lists})
    written |= _files(Path(os.environ[ROOT_ENV]), set())  # validation results and Data Docs
    written |= _files(airflow_db / "logs", set()) if (airflow_db / "logs").exists() else {}
    assert any(path.suffix == ".eml" for path in written)  # the national digests and coordinator digests
    leaks = {str(path): value for path, content in written.items() for value in identities if value in content}
    assert leaks == {}
    tables = _warehouse_text(warehouse)
    assert {"mart_quota_utilisation", "v_quota_utilisation", "dq_result", "alert_message"} <= set(tables)
    assert {name: value for name, content in tables.items() for value in identities if value in content} == {}
    with warehouse.connect() as conn:
        m = alert_message
        statuses = set(conn.execute(select(m.c.status).where(m.c.audience == COORDINATOR_LIST)).scalars())
    assert statuses == {"sent"}  # every list was delivered (and emptied), none waits with its learners

    # The lists themselves name learners by e-mail, each its own university's.
    assert lists, "no coordinator list was sent"
    named = 0
    for path in (p for p in lists if p.suffix == ".eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        (attachment,) = message.iter_attachments()
        rows = list(csv.DictReader(attachment.get_payload(decode=True).decode("utf-8-sig").splitlines()))
        named += sum(1 for row in rows if row["email"].lower() in identities)
    assert named > 0
