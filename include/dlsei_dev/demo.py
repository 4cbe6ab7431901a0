"""The demo: generate a sample, deliver it to the landing area, run the real DAGs day by day, summarise.

Everything lands under the settings' home (DLSEI_HOME, default ./var). Running it again delivers the same files
again: the ledger records them as duplicates and every snapshot and mart stays as it was.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date

from dlsei.quality.docs import data_docs_link
from dlsei.report.health import DEMO_MORNING
from dlsei.report.overview import render
from dlsei.report.programme import publish_report
from dlsei.resources import resources
from dlsei.settings import load_settings
from dlsei.warehouse.migrate import upgrade
from dlsei_dev.backfill import backfill_days
from dlsei_dev.generator import SampleConfig, generate_sample
from dlsei_dev.local_airflow import DagOutcome, prepare_airflow, run_time


@dataclass(frozen=True)
class DemoResult:
    report: str
    failed_runs: list[str]


def _progress(as_of: date, outcomes: list[DagOutcome]) -> None:
    runs = ", ".join(f"{o.dag_id} {o.state}" for o in outcomes)
    print(f"  {as_of} (run at {outcomes[0].logical_dt:%Y-%m-%d %H:%M} Karachi): {runs}", flush=True)


def run_demo(*, days: int, seed: int, universities: int, people: int) -> DemoResult:
    started = time.monotonic()
    settings = load_settings()
    # Task logs stay in Airflow's log folder; the terminal shows one line per day and the summary.
    os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
    prepare_airflow(settings.home / "airflow")
    res = resources(settings)
    engine = res.warehouse
    upgrade(engine)

    manifest = generate_sample(
        SampleConfig(out_dir=settings.home / "sample", seed=seed, days=days, universities=universities, people=people)
    )
    for path in manifest.files:
        res.landing.put(f"incoming/{path.name}", path.read_bytes())

    print(f"Running the DAGs for {len(manifest.as_of_dates)} days of exports (sample in {manifest.incoming_dir}):")
    outcomes = backfill_days(manifest.as_of_dates, on_day=_progress)
    failed = [f"{o.dag_id} at {o.logical_dt:%Y-%m-%d %H:%M %Z}: {o.state}" for o in outcomes if o.state != "success"]
    # The sample's exports stop on its last as-of date: `dlsei health` on this home judges that morning, not today's.
    (settings.home / DEMO_MORNING).write_text(f"{run_time(manifest.as_of_dates[-1]):%Y-%m-%d}\n")
    with engine.connect() as conn:
        summary = render(conn)
    # The monthly DAG's work, for the month of the newest day: the demo's days need not reach a month's first.
    programme_report = publish_report(settings, manifest.as_of_dates[-1])
    report = "\n".join(
        [
            summary,
            "",
            f"DAG runs: {len(outcomes)} ({len(outcomes) - len(failed)} succeeded) over {len(manifest.as_of_dates)} days"
            f" of exports, in {time.monotonic() - started:.0f} s",
            *(f"  FAILED {line}" for line in failed),
            "",
            "What it produced:",
            f"  warehouse      {settings.warehouse_url}",
            f"  landing area   {settings.landing_url}  (incoming/ archive/ quarantine/ reports/)",
            f"  alert outbox   {settings.outbox_dir}  (*_coordinator_list_email.eml: each university's weekly lists)",
            f"  month's report {settings.landing_url.rstrip('/')}/{programme_report}  (public figures only)",
            f"  Data Docs      {data_docs_link(settings)}",
            f"  sample data    {manifest.incoming_dir.parent}  (truth/utilisation.csv is the generator's own record)",
            f"  Airflow home   {settings.home / 'airflow'}",
            "",
            "Next, from this folder:",
            "  .venv/bin/dlsei runs      each DAG run's files, rows, failed checks and warnings",
            "  .venv/bin/dlsei health    the data team's morning check, on the demo's last morning",
            "  ./dev ui                  the Airflow UI on the demo's runs, at http://localhost:8080",
        ]
    )
    return DemoResult(report=report, failed_runs=failed)
