"""`dlsei health` answers the data team's morning question from the warehouse and the landing area, and exits
non-zero when something needs a person."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert
from warehouse_rows import enrolment, ledger_file, load_membership, seat

from dlsei.cli import main
from dlsei.ingest.landing import landing_from_url
from dlsei.report.health import DEMO_MORNING
from dlsei.settings import load_settings
from dlsei.warehouse.schema import (
    MEASURES,
    alert_message,
    dq_rejected_row,
    mart_quota_utilisation,
    pipeline_run,
    snap_course_activity,
)

MORNING = date(2026, 11, 10)  # expects data complete through the 9th (Coursera's lag: one day)
FIRST_EXPORT = date(2026, 11, 5)
DAGS = ("hec_registry", "coursera_exports", "quota_utilisation")


def publish_day(warehouse: Engine, as_of: date, *, course_activity: bool = True) -> None:
    """A day's exports in the ledger and the snapshots, and its mart row."""
    file_id = (as_of - FIRST_EXPORT).days * 2 + 1
    with warehouse.begin() as conn:
        ledger_file(conn, file_id, as_of, "membership")
        load_membership(conn, [seat(as_of, "p1", "l1", file_id=file_id)])
        if course_activity:
            ledger_file(conn, file_id + 1, as_of, "course_activity")
            conn.execute(
                insert(snap_course_activity).values(enrolment(as_of, "p1", "l1", "c1", None, file_id=file_id + 1))
            )
        conn.execute(
            insert(mart_quota_utilisation).values(
                as_of_date=as_of,
                university_id="U1",
                cohort_id="C1",
                **dict.fromkeys(MEASURES, 0),
                learning_hours=0.0,
                data_complete_through=as_of,
                load_id="quota_utilisation/x",
            )
        )


def record_run(warehouse: Engine, dag_id: str, state: str, finished: datetime) -> None:
    counts = ("files_seen", "files_loaded", "files_quarantined", "files_duplicate", "rows_loaded")
    counts += ("dq_critical_failures", "dq_warnings", "marts_refreshed", "alerts_sent")
    with warehouse.begin() as conn:
        conn.execute(
            insert(pipeline_run).values(
                load_id=f"{dag_id}/{finished.isoformat()}",
                dag_id=dag_id,
                run_id=f"scheduled__{finished.isoformat()}",
                state=state,
                finished_at=finished,
                **dict.fromkeys(counts, 0),
            )
        )


@pytest.fixture
def healthy(dlsei_env: Path, warehouse: Engine) -> Engine:
    """Every export from the 5th to the 9th published, every DAG's last run successful, nothing waiting."""
    for offset in range((MORNING - FIRST_EXPORT).days):
        publish_day(warehouse, FIRST_EXPORT + timedelta(days=offset))
    for dag_id in DAGS:
        record_run(warehouse, dag_id, "success", datetime(2026, 11, 10, 3, 20, tzinfo=UTC))
    return warehouse


def health(capsys: pytest.CaptureFixture[str], day: date) -> tuple[int, str]:
    code = main(["health", "--day", day.isoformat()])
    return code, capsys.readouterr().out


def test_a_morning_with_everything_in_is_fine(healthy: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = health(capsys, MORNING)
    assert code == 0, out
    assert "published through 2026-11-09, expected 2026-11-09" in out
    assert "every export loaded from 2026-11-05 to 2026-11-09" in out
    assert out.rstrip().endswith("All 6 checks are fine.")


def test_the_next_morning_without_its_data_needs_attention(healthy: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = health(capsys, MORNING + timedelta(days=1))
    assert code == 1
    assert "ATTENTION  data: published through 2026-11-09, expected 2026-11-10" in out
    assert "- 2026-11-10: course activity, membership" in out
    assert out.rstrip().endswith("Needs attention: data, exports.")


def test_each_problem_is_named_with_what_to_do(healthy: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    publish_day(healthy, MORNING + timedelta(days=1), course_activity=False)  # the 11th's activity export lost
    landing = landing_from_url(load_settings().landing_url)
    landing.put("incoming/Usage Report broken.csv", b"not,an,export\n")
    landing.quarantine("incoming/Usage Report broken.csv", {"reason": "no recognisable header"})
    record_run(healthy, "coursera_exports", "failed", datetime(2026, 11, 12, 3, 40, tzinfo=UTC))
    with healthy.begin() as conn:
        conn.execute(
            insert(alert_message).values(
                digest_key="k",
                recipient="data-team@dlsei.example",
                channel="email",
                audience="data_team",
                subject="Failed: coursera_exports.land_exports for 2026-11-12",
                body="b",
                status="pending",
                attempts=2,
                last_error="SMTPServerDisconnected: Connection unexpectedly closed\nmore",
                created_for=date(2026, 11, 12),
            )
        )
        # A row rejected on the 11th, its rule not fixed yet.
        conn.execute(
            insert(dq_rejected_row).values(
                file_id=1,
                file_name="Membership Report x.csv",
                kind="membership",
                as_of_date=date(2026, 11, 11),
                record_no=7,
                rule="member_state",
                column_name="Member State",
                value="SUSPENDED",
                status="open",
                load_id="run",
            )
        )

    code, out = health(capsys, MORNING + timedelta(days=2))

    assert code == 1
    assert "ok         data: published through 2026-11-11, expected 2026-11-11" in out
    assert "- 2026-11-11: course activity" in out
    assert (
        "- Usage Report broken.csv: no recognisable header (after fixing: dlsei replay 'Usage Report broken.csv')"
        in out
    )
    assert "ATTENTION  runs: last run failed: coursera_exports" in out
    assert "- coursera_exports scheduled__2026-11-12T03:40:00+00:00 failed, finished 2026-11-12 08:40" in out
    assert "- data_team: Failed: coursera_exports.land_exports for 2026-11-12 (2 attempt(s); SMTPServer" in out
    assert "ATTENTION  rejected rows: 1 in 1 file(s)" in out
    assert "- 2026-11-11 Membership Report x.csv: rule 'member_state' in 'Member State', 1 row(s)" in out
    assert out.rstrip().endswith("Needs attention: exports, quarantine, rejected rows, runs, messages.")


def test_on_a_demo_home_plain_health_judges_the_demos_last_morning(
    healthy: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo's sample stops on its last day: against today's clock every day since would be missing. A home
    without the demo's note (production) is judged on today, as before."""
    home = load_settings().home
    assert main(["health"]) == 1, "today, weeks after the sample's days"
    capsys.readouterr()
    home.mkdir(parents=True, exist_ok=True)
    (home / DEMO_MORNING).write_text(f"{MORNING}\n")

    code, out = main(["health"]), capsys.readouterr().out

    assert code == 0, out
    assert out.startswith(f"Pipeline health on {MORNING} (Asia/Karachi)")
    assert f"On the demo's last morning: {home / DEMO_MORNING} says so" in out
    assert main(["health", "--day", (MORNING + timedelta(days=1)).isoformat()]) == 1, "--day still wins"
