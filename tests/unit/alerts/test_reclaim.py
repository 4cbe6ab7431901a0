"""The weekly reclaim lists: one university's learners with the e-mails the identity store holds, sent to its
coordinator alone, safe to open in a spreadsheet; and the outcome loop from recommendation to freed seat."""

from __future__ import annotations

import csv
import email
import io
from datetime import date, timedelta
from email import policy

import pytest
from sqlalchemy import Engine, insert, select
from warehouse_rows import COHORT, allocations, at, ledger_file, load_membership, programmes, seat

from dlsei.alerts.lists import queue_lists
from dlsei.alerts.messages import Recipients
from dlsei.alerts.picture import University
from dlsei.alerts.reclaim import outcome_counts, record_outcomes
from dlsei.alerts.rules import AlertRules, load_rules
from dlsei.ingest.identities import erase
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.warehouse.schema import alert_message, fact_seat_day, identity_person, reclaim_recommendation
from dlsei.warehouse.views import v_reclaim_outcome

D1 = date(2026, 11, 20)
D2 = D1 + timedelta(days=1)
LONG_AGO = D1 - timedelta(days=60)
UNIVERSITIES = {
    "UA": University("UA", "Alpha University", "Punjab", "coord@alpha.example"),
    "UB": University("UB", "Beta University", "Sindh", "coord@beta.example"),
}
RECIPIENTS = Recipients(national="national@hec.example", data_team="data@dlsei.example")
# learner key -> (university, e-mail, name); a name a spreadsheet would run as a formula
PEOPLE = {
    "a-invited": ("UA", "amna@alpha.example", "Amna Tariq"),
    "a-never": ("UA", "bilal@alpha.example", '=HYPERLINK("http://evil.example","click")'),
    "a-active": ("UA", "sana@alpha.example", "Sana Iqbal"),
    "b-invited": ("UB", "zara@beta.example", "Zara Ali"),
}


def _membership(as_of: date, names: list[str], *, file_id: int) -> list[dict]:
    rows = []
    for name in names:
        university = PEOPLE[name][0]
        row = seat(as_of, f"prog-{university}", name, "INVITED" if "invited" in name else "MEMBER", file_id=file_id)
        row |= {"invitation_date": at(LONG_AGO, 600), "join_date": None if "invited" in name else at(LONG_AGO, 700)}
        if name == "a-active":
            row["last_activity_at"] = at(as_of, 600)
        rows.append(row)
    return rows


@pytest.fixture
def world(warehouse: Engine) -> Engine:
    with warehouse.begin() as conn:
        allocations(conn, *((uid, *COHORT, 10) for uid in UNIVERSITIES))
        programmes(conn, *((f"prog-{uid}", uid, COHORT[0]) for uid in UNIVERSITIES))
        ledger_file(conn, 1, D1)
        load_membership(conn, _membership(D1, list(PEOPLE), file_id=1))
        conn.execute(
            insert(identity_person),
            [
                {
                    "person_key": f"person-{key}",
                    "email_key": key,
                    "university_id": university,
                    "email": address,
                    "full_name": name,
                    "roll_number": f"R-{key}",
                    "last_in_registry": D1,
                }
                for key, (university, address, name) in PEOPLE.items()
            ],
        )
    return warehouse


@pytest.fixture
def rules(monkeypatch: pytest.MonkeyPatch) -> AlertRules:
    monkeypatch.delenv("AIRFLOW_VAR_DLSEI_ALERT_RULES", raising=False)
    return load_rules()


def _queue(engine: Engine, as_of: date, rules: AlertRules) -> list[int]:
    with engine.begin() as conn:
        return queue_lists(
            conn,
            as_of,
            universities=UNIVERSITIES,
            recipients=RECIPIENTS,
            rules=rules,
            dashboard="https://d.example/dlsei",
        ).message_ids


def _lists(engine: Engine) -> dict[str, tuple[email.message.EmailMessage, list[dict[str, str]]]]:
    with engine.connect() as conn:
        rows = conn.execute(select(alert_message).order_by(alert_message.c.message_id)).mappings().all()
    found = {}
    for row in rows:
        message = email.message_from_string(row["body"], policy=policy.default)
        (attachment,) = message.iter_attachments()
        data = attachment.get_payload(decode=True)
        assert data.startswith(b"\xef\xbb\xbf")  # Excel reads the UTF-8 names right
        found[row["recipient"]] = (message, list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))))
    return found


def test_university_a_list_holds_only_a_learners_with_their_emails(world: Engine, rules: AlertRules) -> None:
    assert len(_queue(world, D1, rules)) == 2
    lists = _lists(world)
    alpha, alpha_rows = lists["coord@alpha.example"]
    assert alpha["Reply-To"] == "national@hec.example"
    subject = str(alpha["Subject"]).strip()
    assert subject == "DLSEI reclaim list for Alpha University [UA], week 2026-W47: 2 seats to free"
    assert {(row["email"], row["action"]) for row in alpha_rows} == {
        ("amna@alpha.example", "remove"),
        ("bilal@alpha.example", "remove"),
    }
    assert all(row["program_slug"] == "prog-UA" for row in alpha_rows)
    assert "https://d.example/dlsei/universities/UA" in alpha.get_body(("plain",)).get_content()
    by_email = {row["email"]: row for row in alpha_rows}
    assert by_email["amna@alpha.example"]["why"] == "never joined: invited 2026-09-21, 60 days ago"
    assert by_email["bilal@alpha.example"]["why"] == "never started: joined 2026-09-21, 60 days ago"
    # OWASP: the formula is text; every cell is quoted.
    assert by_email["bilal@alpha.example"]["full_name"] == '\'=HYPERLINK("http://evil.example","click")'
    _, beta_rows = lists["coord@beta.example"]
    assert [(row["email"], row["full_name"]) for row in beta_rows] == [("zara@beta.example", "Zara Ali")]
    for recipient, (message, _) in lists.items():
        others = {address for (uid, address, _) in PEOPLE.values() if UNIVERSITIES[uid].coordinator != recipient}
        assert not any(address in message.as_string() for address in others)
    # One list a week: a later day of the same week queues nothing.
    assert _queue(world, D2, rules) == []


def test_removed_and_recovered_learners_close_their_recommendations(world: Engine, rules: AlertRules) -> None:
    _queue(world, D1, rules)
    with world.begin() as conn:
        # D2's export: Amna was removed in Coursera's admin UI, Bilal started learning.
        ledger_file(conn, 2, D2)
        load_membership(conn, _membership(D2, ["a-never", "a-active", "b-invited"], file_id=2))
        conn.execute(
            insert(fact_seat_day).values(
                as_of_date=D2, program_slug="prog-UA", learner_key="a-never", state="active", load_id="t"
            )
        )
        assert record_outcomes(conn, D2) == {"removed": 1, "recovered": 1}
        assert record_outcomes(conn, D2) == {"removed": 0, "recovered": 0}
    with world.connect() as conn:
        outcomes = {
            row.learner_key: (row.outcome, row.outcome_on)
            for row in conn.execute(
                select(
                    reclaim_recommendation.c.learner_key,
                    reclaim_recommendation.c.outcome,
                    reclaim_recommendation.c.outcome_on,
                )
            )
        }
        view = conn.execute(select(v_reclaim_outcome).order_by(v_reclaim_outcome.c.university_id)).mappings().all()
        counts = outcome_counts(conn)
    assert outcomes == {"a-invited": ("removed", D2), "a-never": ("recovered", D2), "b-invited": (None, None)}
    assert [(r["university_id"], r["recommended"], r["acted_on"], r["seats_freed"], r["still_open"]) for r in view] == [
        ("UA", 2, 2, 1, 0),
        ("UB", 1, 0, 0, 1),
    ]
    assert (counts["UA"].recommended, counts["UA"].acted_on, counts["UA"].seats_freed) == (2, 2, 1)


def test_an_erased_learner_stays_on_the_list_without_an_identity(world: Engine, rules: AlertRules) -> None:
    with world.begin() as conn:
        erase(conn, "zara@beta.example", Pseudonymiser("unused: the store is keyed by the test's own keys"))
        erase(conn, "b-invited", Pseudonymiser("x"))
    _queue(world, D1, rules)
    _, beta_rows = _lists(world)["coord@beta.example"]
    (row,) = beta_rows
    assert (row["email"], row["full_name"], row["action"]) == ("", "", "remove")
    assert row["why"].endswith("(not in the HEC registry: find the learner in the programme)")
    with world.connect() as conn:
        assert outcome_counts(conn)["UB"].recommended == 1  # the count does not depend on the identity
