"""A small published warehouse for the dashboard's tests: three universities over ten as-of dates, alerts open and
closed, course activity, run summaries and a duplicate file, written straight into the marts the pages read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert

from dlsei.warehouse.schema import (
    MEASURES,
    alert,
    dim_seat_allocation,
    dim_university,
    dq_rejected_row,
    file_ledger,
    mart_activity_by_course_type,
    mart_activity_by_domain,
    mart_quota_utilisation,
    pipeline_run,
    reclaim_recommendation,
    reconciliation_check,
    registry_change,
    restatement,
)

LAST = date(2026, 11, 20)
DAYS = [LAST - timedelta(days=n) for n in range(9, -1, -1)]
UNIVERSITIES = {
    "U1": ("Alpha University", "Punjab", "public"),
    "U2": ("Beta University", "Sindh", "private"),
    "U3": ("Gamma Institute", "Sindh", "public"),
}
# (university, cohort, allocated): the seats held, joined and active grow by day (see counts()).
COHORTS = [("U1", "C1", 40), ("U1", "C2", 20), ("U2", "C1", 50), ("U3", "C1", 30)]
# A summary a spreadsheet would run as a formula: the CSV download must neutralise it.
FORMULA = '=HYPERLINK("http://evil.example","click")'


def counts(university: str, cohort: str, allocated: int, day_number: int) -> dict[str, int]:
    """One cohort's measures on its day_number-th as-of date: consistent (joined = active + dormant + never)."""
    weight = {"U1": 1, "U2": 3, "U3": 2}[university] + (cohort == "C2")
    invited = 2 + day_number % 3
    joined = min(allocated - invited, 5 * weight + day_number)
    active = min(joined, weight * 2 + day_number // 2)
    never = (joined - active) // 2
    values = dict.fromkeys(MEASURES, 0) | {
        "allocated": allocated,
        "invited": invited,
        "joined": joined,
        "seats_held": invited + joined,
        "active_30d": active,
        "active_7d": active // 2,
        "dormant": joined - active - never,
        "never_started": never,
        "free_seats": allocated - invited - joined,
        "enrolments": joined * 2,
        "completions": active // 3,
    }
    return values


def publish(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_university),
            [
                {"university_id": uid, "university_name": name, "region": region, "sector": sector}
                for uid, (name, region, sector) in UNIVERSITIES.items()
            ],
        )
        for uid, cohort, allocated in COHORTS:
            conn.execute(
                insert(dim_seat_allocation).values(
                    university_id=uid,
                    cohort_id=cohort,
                    cohort_start=date(2026, 9, 1),
                    cohort_end=date(2027, 1, 31),
                    seats=allocated,
                )
            )
            for number, day in enumerate(DAYS):
                values = counts(uid, cohort, allocated, number)
                conn.execute(
                    insert(mart_quota_utilisation).values(
                        as_of_date=day,
                        university_id=uid,
                        cohort_id=cohort,
                        **values,
                        utilisation_pct=round(100 * values["active_30d"] / allocated, 2),
                        join_rate_pct=round(100 * values["joined"] / allocated, 2),
                        learning_hours=1.5,
                        data_complete_through=day,
                        load_id="test",
                    )
                )
            for mart, key, categories in (
                (mart_activity_by_domain, "domain", {"Data Science": 7, "Business": 3}),
                (mart_activity_by_course_type, "course_type", {"course": 8, "guided_project": 2}),
            ):
                conn.execute(
                    insert(mart),
                    [
                        {
                            "as_of_date": LAST,
                            "university_id": uid,
                            "cohort_id": cohort,
                            key: category,
                            "enrolments": enrolments,
                            "completions": 1,
                            "learning_hours": 2.25,
                            "active_learners": 1,
                            "data_complete_through": LAST,
                            "load_id": "test",
                        }
                        for category, enrolments in categories.items()
                    ],
                )
        conn.execute(
            insert(alert),
            [
                _alert("joined_never_started", "U1", "C1", "open", observed=7.0, summary=FORMULA),
                _alert("dormant_learners", "U1", "C2", "open", observed=5.0, summary="5 dormant learners"),
                _alert("low_join_rate", "U1", "C1", "open", observed=30.0, summary="join rate below 60%"),
                _alert("low_join_rate", "U2", "C1", "closed", observed=40.0, summary="join rate below 60%"),
            ],
        )
        finished = datetime.now(UTC) - timedelta(hours=3)
        conn.execute(
            insert(pipeline_run),
            [
                _run("coursera_exports", "scheduled__ok", "success", finished, quarantined=0),
                _run("coursera_exports", "scheduled__bad", "success", finished - timedelta(days=1), quarantined=1),
                _run("quota_utilisation", "scheduled__failed", "failed", finished - timedelta(days=2), quarantined=0),
                _run("coursera_exports", "scheduled__old", "failed", finished - timedelta(days=20), quarantined=0),
            ],
        )
        conn.execute(
            insert(file_ledger).values(
                file_name="Usage Report 2026-11-20 0612.csv",
                landing_key="incoming/Usage Report 2026-11-20 0612.csv",
                size_bytes=10,
                sha256="f" * 64,
                status="duplicate",
                kind="course_activity",
                as_of_date=LAST,
                reason="the same bytes were loaded as file 3",
                load_id="coursera_exports/scheduled__ok",
                logged_at=finished,
            )
        )


def _alert(rule: str, uid: str, cohort: str, status: str, *, observed: float, summary: str) -> dict[str, object]:
    return {
        "alert_key": f"{rule}|{uid}|{cohort}",
        "rule": rule,
        "university_id": uid,
        "cohort_id": cohort,
        "status": status,
        "opened_on": DAYS[2],
        "last_seen_on": LAST,
        "closed_on": LAST if status == "closed" else None,
        "summary": summary,
        "observed": observed,
        "threshold": 5.0,
    }


def _run(dag_id: str, run_id: str, state: str, finished: datetime, *, quarantined: int) -> dict[str, object]:
    return {
        "load_id": f"{dag_id}/{run_id}",
        "dag_id": dag_id,
        "run_id": run_id,
        "state": state,
        "finished_at": finished,
        "files_seen": 2,
        "files_loaded": 2 - quarantined,
        "files_quarantined": quarantined,
        "files_duplicate": 0,
        "rows_loaded": 1234,
        "dq_critical_failures": quarantined,
        "dq_warnings": 0,
        "data_docs_url": "https://dq.example.org/index.html" if quarantined else None,
        "marts_refreshed": 1,
        "alerts_sent": 0,
    }


RESTATED_BY = "quota_utilisation/scheduled__failed"
OLD_RUN = "coursera_exports/scheduled__old"  # finished 20 days ago


def record_checks(engine: Engine) -> None:
    """What the other checks record over the published warehouse: rows rejected (one file waiting for its replay,
    one replayed), reconciliation checks (one failed, one passed) and a registry change restated by the recent run."""
    logged = datetime.now(UTC) - timedelta(hours=3)
    today = logged.date()
    rejected = [
        ("Usage Report 2026-11-20 0612.csv", "course_activity", "number", "Learning Hours", "open", 3),
        ("Usage Report 2026-11-20 0612.csv", "course_activity", "timestamp", "Enrollment Time", "open", 1),
        ("Membership Report 2026-11-19 0600.csv", "membership", "member_state", "Member State", "replayed", 2),
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(dq_rejected_row),
            [
                {
                    "file_id": 7,
                    "file_name": name,
                    "kind": kind,
                    "as_of_date": LAST,
                    "record_no": 10 + number,
                    "rule": rule,
                    "column_name": column,
                    "value": "n/a",
                    "status": status,
                    "load_id": "coursera_exports/scheduled__ok",
                    "logged_at": logged,
                }
                for name, kind, rule, column, status, count in rejected
                for number in range(count)
            ],
        )
        conn.execute(
            insert(reconciliation_check),
            [
                _check(today - timedelta(days=1), "members", (1180, 1250), 12.5),
                _check(today - timedelta(days=1), "learning_hours", (300.5, 300.0), 3.0),
                _check(today - timedelta(days=30), "members", (900, 1000), 10.0) | {"load_id": OLD_RUN},
            ],
        )
        change_id = conn.execute(
            insert(registry_change)
            .values(
                file_id=5,
                extract="people",
                extract_date=DAYS[4],
                valid_from=DAYS[4],
                keys_before=400,
                added=0,
                removed=0,
                changed=3,
                changed_columns="university_id 3",
                restated_by=RESTATED_BY,
            )
            .returning(registry_change.c.change_id)
        ).scalar_one()
        conn.execute(
            insert(restatement),
            [
                {
                    "change_id": change_id,
                    "as_of_date": day,
                    "measures_changed": 4,
                    "load_id": "quota_utilisation/scheduled__failed",
                }
                for day in DAYS[4:]
            ],
        )


def _check(day: date, measure: str, figures: tuple[float, float], tolerance: float) -> dict[str, object]:
    """A check of programme hec-cohort-1: `figures` are ours and Coursera's."""
    ours, coursera = figures
    return {
        "as_of_date": day,
        "program_slug": "hec-cohort-1",
        "measure": measure,
        "ours": ours,
        "coursera": coursera,
        "difference": ours - coursera,
        "tolerance": tolerance,
        "passed": abs(ours - coursera) <= tolerance,
        "load_id": "coursera_exports/scheduled__ok",
    }


# (university, cohort): the outcome of each seat its weekly lists recommended (None: still open).
RECLAIMS = {
    ("U1", "C1"): ["removed", "removed", "recovered", None, None],
    ("U1", "C2"): [None, None],
    ("U2", "C1"): ["removed", "removed", "removed"],
}


def record_reclaims(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(reclaim_recommendation),
            [
                {
                    "program_slug": f"hec-{uid}-{cohort}".lower(),
                    "learner_key": f"{uid}{cohort}{number:02d}".ljust(64, "0"),
                    "university_id": uid,
                    "cohort_id": cohort,
                    "reason": "never_started",
                    "recommended_on": DAYS[1],
                    "last_listed_on": DAYS[8],
                    "outcome": outcome,
                    "outcome_on": LAST if outcome else None,
                }
                for (uid, cohort), outcomes in RECLAIMS.items()
                for number, outcome in enumerate(outcomes)
            ],
        )
