"""Alerts from seeded marts and snapshots to what actually arrives: alert state, digests, and delivery to a real
SMTP server, a real HTTP server standing in for Slack, and the outbox folder.

The world (as-of date D1, every cohort C1 from 2026-08-01 to 2026-12-10, 20 days left):
- U1 Alpha: 25 seats; 7 invited (6 past the 14-day grace), 14 joined: 2 active, 6 dormant (one at 85% progress,
  exempt), 6 never started (one still in grace). Every rule fires; several seats sit on a boundary.
- U2 Beta: 10 seats, 10 joined: 5 active, 5 never started. Only joined_never_started fires; on D2 they start.
- U3 Gamma: 10 seats, 2 joined and active: low join rate; no coordinator e-mail on file.
- U4 Delta: 4 seats, all joined and active: no alert, so no coordinator digest.
"""

from __future__ import annotations

import csv
import email
import hashlib
import http.server
import io
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine, delete, insert, select, update
from warehouse_rows import load_membership

from dlsei.alerts import (
    OutboxTransport,
    Recipients,
    Router,
    SlackWebhookTransport,
    SmtpTransport,
    compose_digests,
    deliver_pending,
    evaluate_alerts,
    load_rules,
    notify_data_team,
    run_alerts,
    transport_from_settings,
)
from dlsei.alerts.lists import DELIVERED
from dlsei.alerts.rules import AlertRules
from dlsei.ingest.landing import LocalLanding
from dlsei.resources import Resources
from dlsei.runs import karachi_midnight_utc
from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import upgrade
from dlsei.warehouse.schema import (
    alert,
    alert_message,
    dim_programme,
    dim_seat_allocation,
    dim_university,
    file_ledger,
    mart_quota_utilisation,
    mart_refresh,
    snap_course_activity,
    snap_membership,
)

D1 = date(2026, 11, 20)
D2 = D1 + timedelta(days=1)
COHORT_START, COHORT_END = date(2026, 8, 1), date(2026, 12, 10)
UNIVERSITIES = {
    "U1": ("Alpha University", "Punjab", "alpha.coord@alpha.example", 25),
    "U2": ("Beta University", "Sindh", "  Beta.Coord@Beta.example ", 10),
    "U3": ("Gamma Institute", "Balochistan", None, 10),
    "U4": ("Delta College", "Islamabad Capital Territory", "delta@delta.example", 4),
}
RECIPIENTS = Recipients(national="national@hec.example", data_team="data@dlsei.example")


def learner_key(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def at(day: date) -> datetime:
    """Ten in the morning, Karachi time, as the UTC instant the snapshots store."""
    return karachi_midnight_utc(day) + timedelta(hours=10)


@dataclass(frozen=True)
class Seat:
    university: str
    name: str
    state: str = "MEMBER"
    invited: date | None = None
    joined: date | None = None
    last: date | None = None  # the membership's last programme activity
    course_last: date | None = None  # a course row's last activity
    progress: float | None = None  # that course row's progress; a course row exists when either is set

    @property
    def key(self) -> str:
        return learner_key(self.name)

    @property
    def last_activity(self) -> date | None:
        days = [d for d in (self.last, self.course_last) if d]
        return max(days) if days else None


def world(as_of: date) -> list[Seat]:
    long_ago = date(2026, 8, 15)
    dormant_day = date(2026, 9, 15)
    seats = [
        *(Seat("U1", f"a-invited-{i}", "INVITED", invited=date(2026, 10, 1)) for i in range(5)),
        Seat("U1", "a-invited-5", "INVITED", invited=D1 - timedelta(days=14)),  # the grace's last day is over
        Seat("U1", "a-invited-recently", "INVITED", invited=D1 - timedelta(days=13)),  # still in grace
        *(Seat("U1", f"a-never-{i}", joined=date(2026, 9, 1)) for i in range(4)),
        Seat("U1", "a-never-4", joined=D1 - timedelta(days=14)),
        Seat("U1", "a-never-new", joined=D1 - timedelta(days=13)),  # still in grace
        *(Seat("U1", f"a-dormant-{i}", joined=long_ago, last=dormant_day, progress=20.0) for i in range(4)),
        Seat("U1", "a-dormant-4", joined=long_ago, last=D1 - timedelta(days=30)),  # a day before the 30-day window
        Seat("U1", "a-dormant-finishing", joined=long_ago, course_last=dormant_day, progress=85.0),
        Seat("U1", "a-active-0", joined=long_ago, last=D1 - timedelta(days=29)),  # the window's first day
        Seat("U1", "a-active-1", joined=long_ago, course_last=D1, progress=40.0),
        *(Seat("U2", f"b-active-{i}", joined=long_ago, last=D1 - timedelta(days=3)) for i in range(5)),
        *(Seat("U2", f"b-never-{i}", joined=date(2026, 9, 1)) for i in range(5)),
        *(Seat("U3", f"g-active-{i}", joined=long_ago, last=D1) for i in range(2)),
        *(Seat("U4", f"d-active-{i}", joined=long_ago, last=D1) for i in range(4)),
    ]
    if as_of >= D2:  # Beta's never-starters start
        seats = [replace(s, course_last=D2, progress=5.0) if s.name.startswith("b-never") else s for s in seats]
    return seats


def mart_row(as_of: date, university: str, seats: list[Seat]) -> dict[str, object]:
    """The measures of docs/measures.md, worked out independently of the code under test."""
    mine = [s for s in seats if s.university == university]
    joined = [s for s in mine if s.state == "MEMBER"]
    allocated = UNIVERSITIES[university][3]
    invited = sum(1 for s in mine if s.state == "INVITED")
    active_30d = sum(1 for s in joined if s.last_activity and s.last_activity >= as_of - timedelta(days=29))
    active_7d = sum(1 for s in joined if s.last_activity and s.last_activity >= as_of - timedelta(days=6))
    never = sum(1 for s in joined if s.last_activity is None)
    return {
        "as_of_date": as_of,
        "university_id": university,
        "cohort_id": "C1",
        "allocated": allocated,
        "invited": invited,
        "joined": len(joined),
        "seats_held": invited + len(joined),
        "active_7d": active_7d,
        "active_30d": active_30d,
        "dormant": len(joined) - active_30d - never,
        "never_started": never,
        "removed": 0,
        "free_seats": allocated - invited - len(joined),
        "enrolments": 0,
        "completions": 0,
        "certificates": 0,
        "utilisation_pct": round(100 * active_30d / allocated, 2),
        "join_rate_pct": round(100 * len(joined) / allocated, 2),
        "learning_hours": 0.0,
        "data_complete_through": as_of,
        "load_id": "test",
    }


def publish(engine: Engine, as_of: date, seats: list[Seat]) -> None:
    """Snapshots and marts of one as-of date, replacing any earlier version of that date (a rebuilt day)."""
    file_id = as_of.toordinal()
    with engine.begin() as conn:
        for table in (mart_refresh, mart_quota_utilisation, snap_course_activity, snap_membership):
            conn.execute(delete(table).where(table.c.as_of_date == as_of))
        conn.execute(delete(file_ledger).where(file_ledger.c.file_id == file_id))
        conn.execute(
            insert(file_ledger).values(
                file_id=file_id,
                file_name=f"membership-{as_of}.csv",
                landing_key=f"incoming/membership-{as_of}.csv",
                size_bytes=1,
                sha256=hashlib.sha256(str(as_of).encode()).hexdigest(),
                status="loaded",
                load_id="test",
                kind="membership",
                as_of_date=as_of,
            )
        )
        load_membership(
            conn,
            [
                {
                    "as_of_date": as_of,
                    "program_slug": f"prog-{s.university.lower()}",
                    "learner_key": s.key,
                    "member_state": s.state,
                    "invitation_date": at(s.invited) if s.invited else None,
                    "join_date": at(s.joined) if s.joined else None,
                    "last_activity_at": at(s.last) if s.last else None,
                    "file_id": file_id,
                }
                for s in seats
            ],
        )
        courses = [s for s in seats if s.course_last or s.progress is not None]
        conn.execute(
            insert(snap_course_activity),
            [
                {
                    "as_of_date": as_of,
                    "program_slug": f"prog-{s.university.lower()}",
                    "learner_key": s.key,
                    "course_id": "course-1",
                    "last_activity_at": at(s.course_last) if s.course_last else None,
                    "overall_progress": s.progress,
                    "has_certificate": False,
                    "file_id": file_id,
                }
                for s in courses
            ],
        )
        conn.execute(insert(mart_quota_utilisation), [mart_row(as_of, u, seats) for u in UNIVERSITIES])
        conn.execute(insert(mart_refresh).values(as_of_date=as_of, through_file_id=file_id, load_id="test"))


def seed_registry(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_university),
            [
                {
                    "university_id": uid,
                    "university_name": name,
                    "region": region,
                    "sector": "public",
                    "coordinator_email": coordinator,
                }
                for uid, (name, region, coordinator, _) in UNIVERSITIES.items()
            ],
        )
        conn.execute(
            insert(dim_seat_allocation),
            [
                {
                    "university_id": uid,
                    "cohort_id": "C1",
                    "cohort_start": COHORT_START,
                    "cohort_end": COHORT_END,
                    "seats": seats,
                }
                for uid, (*_, seats) in UNIVERSITIES.items()
            ],
        )
        conn.execute(
            insert(dim_programme),
            [{"program_slug": f"prog-{uid.lower()}", "university_id": uid, "cohort_id": "C1"} for uid in UNIVERSITIES],
        )


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> AlertRules:
    monkeypatch.delenv("AIRFLOW_VAR_DLSEI_ALERT_RULES", raising=False)
    return load_rules()


@pytest.fixture
def seeded(warehouse: Engine) -> Engine:
    """The world on both warehouse backends, D1 published."""
    seed_registry(warehouse)
    publish(warehouse, D1, world(D1))
    return warehouse


@pytest.fixture
def lite(tmp_path: Path) -> Iterator[Engine]:
    """The world on SQLite only, for the delivery tests: what they check does not depend on the backend."""
    engine = make_engine(f"sqlite:///{tmp_path / 'warehouse.db'}")
    upgrade(engine)
    seed_registry(engine)
    publish(engine, D1, world(D1))
    yield engine
    engine.dispose()


def alert_rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(alert).order_by(alert.c.alert_id)).mappings()]


def message_rows(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(select(alert_message).order_by(alert_message.c.message_id)).mappings()
        return [dict(r) for r in rows]


EXPECTED_D1 = {
    "cohort_ending_unused|U1|C1",
    "dormant_learners|U1|C1",
    "invited_not_joined|U1|C1",
    "joined_never_started|U1|C1",
    "low_activity_share|U1|C1",
    "low_join_rate|U1|C1",
    "joined_never_started|U2|C1",
    "low_join_rate|U3|C1",
}


# --- alert state --------------------------------------------------------------------------------------------------
def test_each_rule_opens_one_alert_per_key_with_its_figures(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        changes = evaluate_alerts(conn, D1, rules)
    assert set(changes.opened) == EXPECTED_D1
    assert changes.closed == () and changes.skipped is None

    by_key = {row["alert_key"]: row for row in alert_rows(seeded)}
    assert set(by_key) == EXPECTED_D1
    assert {(r["status"], r["opened_on"], r["last_seen_on"]) for r in by_key.values()} == {("open", D1, D1)}
    observed = {key: (row["observed"], row["threshold"]) for key, row in by_key.items()}
    assert observed["low_join_rate|U1|C1"] == (56.0, 60.0)  # 14 of 25
    assert observed["low_activity_share|U1|C1"] == (14.29, 50.0)  # 2 of 14
    assert observed["invited_not_joined|U1|C1"] == (6, 5)  # the invitation of 13 days ago is in grace
    assert observed["joined_never_started|U1|C1"] == (5, 5)  # the learner who joined 13 days ago is in grace
    assert observed["dormant_learners|U1|C1"] == (5, 5)  # the learner at 85% progress is left out
    assert observed["cohort_ending_unused|U1|C1"] == (23, 10)  # 25 allocated - 2 active
    assert observed["low_join_rate|U3|C1"] == (20.0, 60.0)
    assert "Cohort ends on 2026-12-10 (20 days)" in by_key["cohort_ending_unused|U1|C1"]["summary"]
    assert (
        "4 free, 7 invitations pending, 6 dormant, 6 never started" in by_key["cohort_ending_unused|U1|C1"]["summary"]
    )


def test_re_evaluating_a_day_changes_nothing(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        evaluate_alerts(conn, D1, rules)
    before = alert_rows(seeded)
    with seeded.begin() as conn:
        again = evaluate_alerts(conn, D1, rules)
    assert (again.opened, again.refreshed, again.closed, again.skipped) == ((), (), (), None)
    assert alert_rows(seeded) == before


def test_a_cleared_condition_closes_its_alert_and_the_rest_are_refreshed(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        evaluate_alerts(conn, D1, rules)
    publish(seeded, D2, world(D2))
    with seeded.begin() as conn:
        changes = evaluate_alerts(conn, D2, rules)
    assert changes.closed == ("joined_never_started|U2|C1",)
    assert set(changes.refreshed) == EXPECTED_D1 - {"joined_never_started|U2|C1"}
    assert changes.opened == ()

    by_key = {row["alert_key"]: row for row in alert_rows(seeded)}
    closed = by_key["joined_never_started|U2|C1"]
    assert (closed["status"], closed["opened_on"], closed["closed_on"]) == ("closed", D1, D2)
    still = by_key["low_join_rate|U1|C1"]
    assert (still["status"], still["opened_on"], still["last_seen_on"], still["closed_on"]) == ("open", D1, D2, None)
    assert len(by_key) == len(EXPECTED_D1)  # refreshed in place, never a second row


def test_a_rebuilt_day_takes_back_its_own_closing(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        evaluate_alerts(conn, D1, rules)
    publish(seeded, D2, world(D2))
    with seeded.begin() as conn:
        evaluate_alerts(conn, D2, rules)
    publish(seeded, D2, world(D1))  # D2 rebuilt from corrected files: Beta's learners had not started after all
    with seeded.begin() as conn:
        changes = evaluate_alerts(conn, D2, rules)
    assert changes.opened == ("joined_never_started|U2|C1",)
    rows = [r for r in alert_rows(seeded) if r["alert_key"] == "joined_never_started|U2|C1"]
    assert [(r["status"], r["opened_on"], r["closed_on"]) for r in rows] == [("open", D1, None)]


def test_nothing_is_evaluated_before_the_marts_hold_the_day(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        evaluate_alerts(conn, D1, rules)
        changes = evaluate_alerts(conn, D2, rules)  # D2's data has not arrived: absence is not a cleared condition
        digests = compose_digests(conn, D2, RECIPIENTS, rules)
    assert changes.skipped and "no data complete through 2026-11-21" in changes.skipped
    assert digests.skipped and digests.message_ids == []
    assert all(row["status"] == "open" for row in alert_rows(seeded))


def test_a_backfilled_day_does_not_rewrite_newer_state(seeded: Engine, rules: AlertRules) -> None:
    publish(seeded, D2, world(D2))
    with seeded.begin() as conn:
        evaluate_alerts(conn, D2, rules)
        compose_digests(conn, D2, RECIPIENTS, rules)
    before = alert_rows(seeded), message_rows(seeded)
    with seeded.begin() as conn:
        changes = evaluate_alerts(conn, D1, rules)
        digests = compose_digests(conn, D1, RECIPIENTS, rules)
    assert changes.skipped == "alerts are already evaluated through 2026-11-21"
    assert digests.skipped == "digests were already composed for 2026-11-21" and digests.message_ids == []
    assert (alert_rows(seeded), message_rows(seeded)) == before


def test_disabled_rules_raise_nothing_and_close_their_alerts(
    seeded: Engine, rules: AlertRules, monkeypatch: pytest.MonkeyPatch
) -> None:
    with seeded.begin() as conn:
        evaluate_alerts(conn, D1, rules)
    monkeypatch.setenv("AIRFLOW_VAR_DLSEI_ALERT_RULES", '{"low_join_rate": {"enabled": false}}')
    with seeded.begin() as conn:
        changes = evaluate_alerts(conn, D1, load_rules())
    assert changes.closed == ("low_join_rate|U1|C1", "low_join_rate|U3|C1")


# --- digests ------------------------------------------------------------------------------------------------------
def parsed(row: dict[str, object]) -> EmailMessage:
    return email.message_from_string(str(row["body"]), policy=policy.default)  # type: ignore[return-value]


def subject_of(message: EmailMessage) -> str:
    # The stdlib folds a 70-77 character Subject straight after the colon, legal RFC 5322 that it then reads back
    # with the fold's space in front; mail clients drop it.
    return str(message["Subject"]).strip()


def text_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def csv_rows(data: bytes) -> list[list[str]]:
    # A CSV reader, as a spreadsheet reads it: every cell of the list is quoted (publish/csv_safe.py).
    return list(csv.reader(io.StringIO(data.decode())))


def all_keys() -> set[str]:
    return {s.key for s in world(D1)}


def keys_of(university: str) -> set[str]:
    return {s.key for s in world(D1) if s.university == university}


def compose_d1(engine: Engine, rules: AlertRules, recipients: Recipients = RECIPIENTS) -> list[int]:
    with engine.begin() as conn:
        evaluate_alerts(conn, D1, rules)
        return compose_digests(conn, D1, recipients, rules).message_ids


def test_one_digest_per_recipient_per_day(seeded: Engine, rules: AlertRules) -> None:
    first = compose_d1(seeded, rules)
    rows = message_rows(seeded)
    assert [r["message_id"] for r in rows] == first
    # The national team; Alpha's and Beta's coordinators (address normalised). Gamma has no coordinator on file,
    # Delta has nothing open.
    # Each coordinator's reclaim list is a message of its own, keyed by the week.
    assert [(r["recipient"], r["audience"], r["channel"], r["status"]) for r in rows] == [
        ("national@hec.example", "national", "email", "pending"),
        ("alpha.coord@alpha.example", "university", "email", "pending"),
        ("beta.coord@beta.example", "university", "email", "pending"),
        ("alpha.coord@alpha.example", "coordinator_list", "email", "pending"),
        ("beta.coord@beta.example", "coordinator_list", "email", "pending"),
    ]
    assert [r["digest_key"] for r in rows] == [
        "national@hec.example|2026-11-20",
        "alpha.coord@alpha.example|2026-11-20",
        "beta.coord@beta.example|2026-11-20",
        "alpha.coord@alpha.example|reclaim_list|U1|2026-W47",
        "beta.coord@beta.example|reclaim_list|U2|2026-W47",
    ]
    assert compose_d1(seeded, rules) == []
    assert message_rows(seeded) == rows


def test_the_national_digest_has_counts_and_no_learner(seeded: Engine, rules: AlertRules) -> None:
    compose_d1(seeded, rules)
    national = next(r for r in message_rows(seeded) if r["audience"] == "national")
    message = parsed(national)
    assert message["To"] == "national@hec.example"
    assert (
        subject_of(message)
        == national["subject"]
        == "DLSEI seat alerts, data through 2026-11-20: 8 open, 8 new, 0 closed"
    )
    assert list(message.iter_attachments()) == []
    text = text_of(message)
    assert "Seats allocated                 49" in text
    assert "Joined                          30  (61.22% of allocated)" in text
    assert "Active in last 30 days          13  (26.53% of allocated)" in text
    assert "Reclaim candidates              21" in text  # U1: 6 + 5 + 5, U2: 5
    # The lists are queued after the digest: none was on record when it was written.
    assert "Reclaim lists so far             0 seats recommended, 0 acted on, 0 seats freed" in text
    assert "- Alpha University [U1], Punjab: 6 open (6 new)" in text
    assert "- Gamma Institute [U3], Balochistan: 1 open (1 new): low join rate" in text
    assert "NO coordinator e-mail on file" in text
    assert not any(key in national["body"] for key in all_keys())


def test_a_coordinator_gets_their_own_university_and_its_reclaim_list_only(seeded: Engine, rules: AlertRules) -> None:
    compose_d1(seeded, rules)
    digests = {r["recipient"]: r for r in message_rows(seeded) if r["audience"] == "university"}
    lists = {r["recipient"]: r for r in message_rows(seeded) if r["audience"] == "coordinator_list"}

    alpha = parsed(digests["alpha.coord@alpha.example"])
    assert alpha["Reply-To"] == "national@hec.example"
    text = text_of(alpha)
    assert "Alpha University [U1]" in text and "Beta" not in text and "Gamma" not in text
    assert "Cohort C1 (2026-08-01 to 2026-12-10): 25 seats allocated, 14 joined, 7 invitations pending" in text
    assert "- Low join rate, cohort C1 (new today): Join rate 56.00%: 14 of 25 allocated seats joined" in text
    assert "What to do by 2026-11-27: remove the learners on this week's reclaim list" in text
    assert "Dashboard: http://localhost:8080/dlsei/universities/U1" in text
    assert "Reclaim candidates now: 16. Reclaim lists so far: 0 seats recommended, 0 acted on, 0 seats freed." in text
    assert list(alpha.iter_attachments()) == []  # the named list travels on its own

    alpha_list = parsed(lists["alpha.coord@alpha.example"])
    assert alpha_list["Reply-To"] == "national@hec.example"
    assert "What to do by 2026-11-27: remove the 16 learners marked 'remove'" in text_of(alpha_list)
    (attachment,) = alpha_list.iter_attachments()
    assert attachment.get_filename() == "reclaim_list_U1_2026-W47.csv"
    assert attachment.get_content_type() == "text/csv"
    table = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert {row["program_slug"] for row in table} == {"prog-u1"}
    assert sorted(row["action"] for row in table) == ["keep"] * 3 + ["remove"] * 16
    dormant = [row for row in table if row["why"].startswith("dormant since 2026-09-15, 66 days ago")]
    assert len(dormant) == 4 and dormant[0]["last_activity_on"] == "2026-09-15"
    assert {row["why"].split(" (")[0] for row in table if row["action"] == "keep"} == {
        "kept: near completion, 85.0% of a course done",
        "kept: still in its grace period",
    }
    for recipient, row in [*digests.items(), *lists.items()]:
        university = "U1" if recipient.startswith("alpha") else "U2"
        assert not any(key in row["body"] for key in all_keys() - keys_of(university))

    beta_list = parsed(lists["beta.coord@beta.example"])
    (attachment,) = beta_list.iter_attachments()
    assert attachment.get_filename() == "reclaim_list_U2_2026-W47.csv"
    beta_rows = list(csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig"))))
    assert [(row["program_slug"], row["action"]) for row in beta_rows] == [("prog-u2", "remove")] * 5


def test_a_coordinator_of_two_universities_gets_one_digest_and_both_lists(seeded: Engine, rules: AlertRules) -> None:
    with seeded.begin() as conn:
        conn.execute(
            update(dim_university)
            .where(dim_university.c.university_id == "U2")
            .values(coordinator_email="Alpha.Coord@alpha.example")
        )
    compose_d1(seeded, rules)
    rows = [r for r in message_rows(seeded) if r["audience"] == "university"]
    assert [r["recipient"] for r in rows] == ["alpha.coord@alpha.example"]
    message = parsed(rows[0])
    assert subject_of(message).startswith("DLSEI seat alerts for 2 universities, data through 2026-11-20: 7 open")
    lists = [parsed(r) for r in message_rows(seeded) if r["audience"] == "coordinator_list"]
    assert [[a.get_filename() for a in m.iter_attachments()] for m in lists] == [
        ["reclaim_list_U1_2026-W47.csv"],
        ["reclaim_list_U2_2026-W47.csv"],
    ]


def test_a_cleared_alert_is_reported_to_its_coordinator_once(seeded: Engine, rules: AlertRules) -> None:
    compose_d1(seeded, rules)
    publish(seeded, D2, world(D2))
    with seeded.begin() as conn:
        evaluate_alerts(conn, D2, rules)
        compose_digests(conn, D2, RECIPIENTS, rules)
    d2 = {r["recipient"]: r for r in message_rows(seeded) if r["created_for"] == D2}
    # Alpha worsened overnight (an invitation and a join out of grace, a learner dormant). No second list this week.
    assert {r["audience"] for r in message_rows(seeded) if r["created_for"] == D2} == {"national", "university"}
    assert "Reclaim candidates now: 19." in text_of(parsed(d2["alpha.coord@alpha.example"]))
    assert "Cleared today:\n- Joined but never started, cohort C1" in text_of(parsed(d2["beta.coord@beta.example"]))
    national = text_of(parsed(d2["national@hec.example"]))
    assert "Closed today:\n- Beta University [U2], cohort C1: Joined but never started" in national
    assert d2["national@hec.example"]["subject"].endswith("7 open, 0 new, 1 closed")


def test_data_team_notes_are_queued_once_per_subject_and_day(seeded: Engine) -> None:
    with seeded.begin() as conn:
        first = notify_data_team(conn, "Quarantined: export.csv", "Bad header", D1, RECIPIENTS)
        repeat = notify_data_team(conn, "Quarantined: export.csv", "Bad header", D1, RECIPIENTS)
        other = notify_data_team(conn, "Failed: quota_utilisation.refresh_marts\nfor D1", "Boom", D1, RECIPIENTS)
    assert len(first) == 1 and repeat == [] and len(other) == 1
    rows = message_rows(seeded)
    assert [(r["recipient"], r["audience"]) for r in rows] == [("data@dlsei.example", "data_team")] * 2
    assert rows[1]["subject"] == "Failed: quota_utilisation.refresh_marts for D1"  # one header-safe line


# --- delivery -----------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what arrived."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpServer]:
    server = SmtpServer()
    monkeypatch.setenv(
        "AIRFLOW_CONN_DLSEI_SMTP",
        f"smtp://127.0.0.1:{server.port}?disable_ssl=true&disable_tls=true&from_email=alerts%40hec.example&timeout=5",
    )
    server.start()
    yield server
    server.stop()


def test_digests_arrive_at_a_real_smtp_server_exactly_once(
    lite: Engine, rules: AlertRules, smtp_server: SmtpServer
) -> None:
    compose_d1(lite, rules)
    with lite.connect() as conn:
        report = deliver_pending(conn, SmtpTransport())
    assert len(report.sent) == 5 and report.failed == {}

    arrived = {
        tuple(rcpt): (sender, message)
        for sender, rcpt, message in smtp_server.inbox.received
        if "reclaim list" not in str(message["Subject"])
    }
    assert set(arrived) == {("national@hec.example",), ("alpha.coord@alpha.example",), ("beta.coord@beta.example",)}
    sender, national = arrived[("national@hec.example",)]
    assert sender == "alerts@hec.example" and national["From"] == "alerts@hec.example"
    assert subject_of(national) == "DLSEI seat alerts, data through 2026-11-20: 8 open, 8 new, 0 closed"
    assert "Seats allocated                 49" in text_of(national)
    _, alpha = arrived[("alpha.coord@alpha.example",)]
    assert subject_of(alpha) == "DLSEI seat alerts for Alpha University [U1], data through 2026-11-20: 6 open, 6 new"
    (alpha_list,) = [m for _, _, m in smtp_server.inbox.received if "reclaim list for Alpha" in str(m["Subject"])]
    (expected,) = [r for r in message_rows(lite) if r["audience"] == "coordinator_list" and "U1" in r["digest_key"]]
    (attachment,) = alpha_list.iter_attachments()
    assert attachment.get_payload(decode=True) == next(parsed(expected).iter_attachments()).get_payload(decode=True)

    rows = message_rows(lite)
    assert {(r["status"], r["attempts"]) for r in rows} == {("sent", 1)}
    assert all(r["sent_at"] is not None for r in rows)

    # The same day again: nothing new is queued and nothing is sent twice.
    assert compose_d1(lite, rules) == []
    with lite.connect() as conn:
        assert deliver_pending(conn, SmtpTransport()).sent == []
    assert len(smtp_server.inbox.received) == 5


def test_a_down_mail_server_delays_a_message_and_a_later_call_sends_it_once(
    lite: Engine, smtp_server: SmtpServer
) -> None:
    with lite.begin() as conn:
        (message_id,) = notify_data_team(
            conn, "Quarantined: جامعہ-export.csv", "Rule: header\nReason: bad «Name» column", D1, RECIPIENTS
        )
    smtp_server.stop()
    for attempt in (1, 2):
        with lite.connect() as conn:
            report = deliver_pending(conn, SmtpTransport())
        assert report.sent == [] and list(report.failed) == [message_id]
        (row,) = message_rows(lite)
        assert (row["status"], row["attempts"], row["sent_at"]) == ("pending", attempt, None)
        assert row["last_error"].startswith("ConnectionRefusedError")

    smtp_server.start()
    with lite.connect() as conn:
        assert deliver_pending(conn, SmtpTransport()).sent == [message_id]
    with lite.connect() as conn:
        assert deliver_pending(conn, SmtpTransport()).sent == []
    ((_, rcpt, message),) = smtp_server.inbox.received
    assert rcpt == ["data@dlsei.example"] and subject_of(message) == "Quarantined: جامعہ-export.csv"
    assert "Reason: bad «Name» column" in text_of(message)
    (row,) = message_rows(lite)
    assert (row["status"], row["attempts"]) == ("sent", 3)


def test_delivery_refuses_to_run_inside_the_callers_transaction(lite: Engine, tmp_path: Path) -> None:
    with lite.begin() as conn, pytest.raises(ValueError, match="outside any transaction"):
        deliver_pending(conn, OutboxTransport(tmp_path))


class Webhook(http.server.BaseHTTPRequestHandler):
    """Stands in for hooks.slack.com: keeps each POST and answers with the server's current status."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, json.loads(body)))  # type: ignore[attr-defined]
        status = self.server.status  # type: ignore[attr-defined]
        self.send_response(status)
        self.end_headers()
        self.wfile.write(b"ok" if status == 200 else b"invalid_payload")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook(monkeypatch: pytest.MonkeyPatch) -> Iterator[http.server.HTTPServer]:
    server = http.server.HTTPServer(("127.0.0.1", 0), Webhook)
    server.posts = []  # type: ignore[attr-defined]
    server.status = 200  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{server.server_port}/services/T000/B000/XXXX"
    monkeypatch.setenv("AIRFLOW_CONN_DLSEI_SLACK", json.dumps({"conn_type": "slackwebhook", "password": url}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_the_national_picture_and_data_team_notes_reach_slack(
    lite: Engine, rules: AlertRules, webhook: http.server.HTTPServer, tmp_path: Path
) -> None:
    recipients = replace(RECIPIENTS, slack="dlsei_slack")
    compose_d1(lite, rules, recipients)
    with lite.begin() as conn:
        notify_data_team(conn, "Failed: coursera_exports.land for 2026-11-21", "Task failed", D2, recipients)
    webhook.status = 500  # type: ignore[attr-defined]
    transport = Router(SlackWebhookTransport(), OutboxTransport(tmp_path / "outbox"))
    with lite.connect() as conn:
        report = deliver_pending(conn, transport)
    assert len(report.sent) == 6 and len(report.failed) == 2  # the e-mails went to the outbox; Slack said no
    pending = [r for r in message_rows(lite) if r["status"] == "pending"]
    assert {(r["channel"], r["attempts"]) for r in pending} == {("slack", 1)}

    webhook.status = 200  # type: ignore[attr-defined]
    with lite.connect() as conn:
        assert sorted(deliver_pending(conn, transport).sent) == sorted(r["message_id"] for r in pending)
    posts = webhook.posts[2:]  # type: ignore[attr-defined]
    assert [path for path, _ in posts] == ["/services/T000/B000/XXXX"] * 2
    national, note = (payload["text"] for _, payload in posts)
    assert national.startswith("*DLSEI seat alerts, data through 2026-11-20: 8 open, 8 new, 0 closed*\n```")
    assert "Seats allocated                 49" in national
    assert not any(key in national for key in all_keys())
    assert note.startswith("*Failed: coursera_exports.land for 2026-11-21*") and "Task failed" in note
    with lite.connect() as conn:
        assert deliver_pending(conn, transport).sent == []
    assert len(webhook.posts) == 4  # type: ignore[attr-defined]


def test_the_outbox_holds_parseable_eml_and_json(lite: Engine, rules: AlertRules, tmp_path: Path) -> None:
    compose_d1(lite, rules)
    outbox = tmp_path / "outbox"
    with lite.connect() as conn:
        assert len(deliver_pending(conn, OutboxTransport(outbox)).sent) == 5
    emls = sorted(outbox.glob("*.eml"))
    assert len(emls) == 5 and len(list(outbox.glob("*.json"))) == 5
    alpha_eml = next(p for p in emls if "alpha" in p.read_text() and "coordinator_list" in p.name)
    message = email.message_from_bytes(alpha_eml.read_bytes(), policy=policy.default)
    assert message["From"] == "dlsei-alerts@hec.example" and message["Date"] and message["Message-ID"]
    (attachment,) = message.iter_attachments()
    twin = json.loads(alpha_eml.with_suffix(".json").read_text())
    assert twin["recipient"] == message["To"] == "alpha.coord@alpha.example"
    assert twin["subject"] == subject_of(message)
    assert twin["audience"] == "coordinator_list" and twin["created_for"] == "2026-11-20"
    assert twin["text"] == text_of(message).replace("\r\n", "\n")  # the .eml keeps RFC 5322's CRLF line ends
    assert twin["attachments"] == [
        {
            "filename": "reclaim_list_U1_2026-W47.csv",
            "content_type": "text/csv",
            "size_bytes": len(attachment.get_payload(decode=True)),
        }
    ]
    assert twin["eml"] == alpha_eml.name


def test_the_transport_follows_the_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DLSEI_HOME", str(tmp_path))
    for name in ("AIRFLOW_CONN_DLSEI_SMTP", "AIRFLOW_CONN_DLSEI_SLACK", "AIRFLOW_VAR_DLSEI_OUTBOX_DIR"):
        monkeypatch.delenv(name, raising=False)
    outbox = transport_from_settings()
    assert isinstance(outbox, OutboxTransport) and outbox.directory == tmp_path.resolve() / "outbox"
    monkeypatch.setenv("AIRFLOW_CONN_DLSEI_SMTP", "smtp://mail.example:587")
    assert isinstance(transport_from_settings(), SmtpTransport)
    monkeypatch.setenv("AIRFLOW_CONN_DLSEI_SLACK", '{"conn_type": "slackwebhook", "password": "https://x.example/h"}')
    both = transport_from_settings()
    assert isinstance(both, Router) and both.channels == {"email", "slack"}
    assert Recipients.from_settings().slack == "dlsei_slack"


def test_run_alerts_does_a_day_end_to_end(lite: Engine, rules: AlertRules, tmp_path: Path) -> None:
    res = Resources(lite, LocalLanding(tmp_path / "landing"))
    summary = run_alerts(res, [D1], rules=rules, recipients=RECIPIENTS, transport=OutboxTransport(tmp_path))
    assert res.landing.list("reports/") == []  # the lists travel by e-mail only: no file a day
    (day,) = summary["dates"]
    assert set(day["opened"]) == EXPECTED_D1 and len(day["queued"]) == 5 and day["recommended"] == 21
    assert len(summary["sent"]) == 5 and summary["failed"] == {}
    # Delivered, a list is not kept in the warehouse: the learners it named are in the identity store alone.
    lists = [r for r in message_rows(lite) if r["audience"] == "coordinator_list"]
    assert [(r["status"], r["body"]) for r in lists] == [("sent", DELIVERED)] * 2
    assert len(list(tmp_path.glob("*coordinator_list_email.eml"))) == 2
    again = run_alerts(res, [D1], rules=rules, recipients=RECIPIENTS, transport=OutboxTransport(tmp_path))
    assert again["sent"] == [] and again["dates"][0]["queued"] == []
