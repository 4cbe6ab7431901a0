"""The run summary counts what the run itself wrote, under its load_id, and a re-run of the run replaces its row."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select

from dlsei.report.run_summaries import FinishedRun, recent_runs, record_run, render_runs
from dlsei.warehouse.schema import alert_message, dq_result, file_ledger, mart_refresh, pipeline_run

START = datetime(2026, 11, 2, 3, 0, 5, tzinfo=UTC)
D1, D2 = date(2026, 11, 1), date(2026, 11, 2)


def run(dag_id: str, state: str = "success", minutes: int = 3) -> FinishedRun:
    return FinishedRun(
        dag_id=dag_id,
        run_id="scheduled__2026-11-02T03:00:00+00:00",
        state=state,
        logical_date=START,
        queued_at=START - timedelta(seconds=5),
        started_at=START,
        finished_at=START + timedelta(minutes=minutes),
    )


def ledger(conn: Connection, load_id: str, status: str, *, rows: int = 0, as_of: date | None = None) -> None:
    conn.execute(
        insert(file_ledger).values(
            file_name="f.csv",
            landing_key="incoming/f.csv",
            size_bytes=1,
            sha256=uuid.uuid4().hex * 2,  # distinct bytes: only one loaded row per checksum
            status=status,
            load_id=load_id,
            as_of_date=as_of,
            rows_read=rows,
            rows_loaded=rows,
        )
    )


def expectation(conn: Connection, load_id: str, severity: str, success: bool, **found: object) -> None:
    conn.execute(
        insert(dq_result).values(
            **{"suite": "membership", "source": "f.csv", "expectation": "e", **found},
            load_id=load_id,
            severity=severity,
            success=success,
        )
    )


def test_a_landing_run_counts_its_files_rows_and_failed_expectations(warehouse: Engine) -> None:
    landing = run("coursera_exports", state="failed")
    with warehouse.begin() as conn:
        ledger(conn, landing.load_id, "loaded", rows=10, as_of=D1)
        ledger(conn, landing.load_id, "loaded", rows=5, as_of=D2)
        ledger(conn, landing.load_id, "quarantined")
        ledger(conn, landing.load_id, "duplicate")
        ledger(conn, "coursera_exports/an_earlier_run", "loaded", rows=99, as_of=date(2026, 10, 31))
        for severity, success in [("critical", False), ("critical", False), ("warning", False), ("critical", True)]:
            expectation(conn, landing.load_id, severity, success)
        expectation(conn, "coursera_exports/an_earlier_run", "critical", False)

    record_run(warehouse, landing)

    with warehouse.connect() as conn:
        (row,) = conn.execute(select(pipeline_run)).mappings().all()
    assert row["load_id"] == "coursera_exports/scheduled__2026-11-02T03:00:00+00:00"
    assert (row["state"], row["duration_seconds"]) == ("failed", 180.0)
    files = ("files_seen", "files_loaded", "files_quarantined", "files_duplicate", "rows_loaded")
    assert [row[name] for name in files] == [4, 2, 1, 1, 15]
    assert (row["dq_critical_failures"], row["dq_warnings"]) == (2, 1)
    assert (row["marts_refreshed"], row["alerts_sent"], row["data_complete_through"]) == (0, 0, D2)


def test_a_publishing_run_counts_the_dates_it_rebuilt_and_their_digests_delivered(warehouse: Engine) -> None:
    publishing = run("quota_utilisation")
    digest = {"channel": "email", "subject": "s", "body": "b"}
    with warehouse.begin() as conn:
        ledger(conn, "coursera_exports/x", "loaded", rows=1, as_of=D1)
        through = conn.execute(select(file_ledger.c.file_id)).scalar_one()
        for as_of in (D1, D2):
            conn.execute(
                insert(mart_refresh).values(as_of_date=as_of, through_file_id=through, load_id=publishing.load_id)
            )
        conn.execute(
            insert(alert_message),
            [
                {
                    **digest,
                    "digest_key": "a",
                    "recipient": "n",
                    "audience": "national",
                    "status": "sent",
                    "created_for": D1,
                },
                {
                    **digest,
                    "digest_key": "b",
                    "recipient": "u",
                    "audience": "university",
                    "status": "sent",
                    "created_for": D2,
                },
                {
                    **digest,
                    "digest_key": "c",
                    "recipient": "u",
                    "audience": "university",
                    "status": "pending",
                    "created_for": D2,
                },
                {
                    **digest,
                    "digest_key": "d",
                    "recipient": "t",
                    "audience": "data_team",
                    "status": "sent",
                    "created_for": D2,
                },
                {
                    **digest,
                    "digest_key": "e",
                    "recipient": "n",
                    "audience": "national",
                    "status": "sent",
                    "created_for": date(2026, 10, 31),
                },
            ],
        )

    row = record_run(warehouse, publishing)

    assert (row["marts_refreshed"], row["alerts_sent"], row["data_complete_through"]) == (2, 2, D2)
    assert row["files_seen"] == 0


def test_a_rerun_replaces_the_runs_row(warehouse: Engine) -> None:
    record_run(warehouse, run("hec_registry", state="failed"))
    record_run(warehouse, run("hec_registry", state="success", minutes=7))

    with warehouse.connect() as conn:
        rows = conn.execute(select(pipeline_run.c.state, pipeline_run.c.duration_seconds)).all()
    assert rows == [("success", 420.0)]


def test_the_summary_lists_the_warnings_and_links_the_data_docs_of_a_run_that_validated(warehouse: Engine) -> None:
    landing, registry = run("coursera_exports"), run("hec_registry")
    docs = "https://dq.example.org/index.html"
    with warehouse.begin() as conn:
        expectation(conn, landing.load_id, "critical", True)
        found = {"element_count": 1200, "unexpected_count": 3}
        expectation(conn, landing.load_id, "warning", False, column_name="enrolled_courses", **found)
        expectation(conn, landing.load_id, "critical", False, source="g.csv")  # listed as a count, not a warning
        expectation(conn, "coursera_exports/an_earlier_run", "warning", False)

    landed = record_run(warehouse, landing, data_docs=docs)
    nothing_checked = record_run(warehouse, registry, data_docs=docs)

    assert landed["dq_warning_details"] == "membership: e(enrolled_courses) on f.csv: 3 of 1200 rows"
    assert landed["data_docs_url"] == docs
    assert (nothing_checked["dq_warning_details"], nothing_checked["data_docs_url"]) == (None, None)
    with warehouse.connect() as conn:
        shown = render_runs(recent_runs(conn))
    assert "coursera_exports scheduled__2026-11-02T03:00:00+00:00: success" in shown
    assert "checks: 1 critical failure(s), 1 warning(s)\n    - membership: e(enrolled_courses) on f.csv" in shown
    assert f"Data Docs: {docs}" in shown
    assert shown.count("Data Docs:") == 1


def test_a_run_with_many_warnings_lists_the_first_and_counts_the_rest(warehouse: Engine) -> None:
    landing = run("coursera_exports")
    with warehouse.begin() as conn:
        for n in range(53):
            expectation(conn, landing.load_id, "warning", False, source=f"f{n:02}.csv")
    details = str(record_run(warehouse, landing)["dq_warning_details"]).splitlines()
    assert len(details) == 51
    assert details[-1] == f"... and 3 more in dq_result (load_id {landing.load_id})"
