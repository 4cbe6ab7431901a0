"""The registrar's list: a university's For Credit completions, named, its own learners only, new ones marked."""

from __future__ import annotations

import csv
import email
import io
from datetime import date, timedelta
from email import policy

import pytest
from sqlalchemy import Engine, insert, select
from warehouse_rows import COHORT, allocations, at, enrolment, ledger_file, programmes

from dlsei.alerts.lists import queue_lists
from dlsei.alerts.messages import Recipients
from dlsei.alerts.picture import University
from dlsei.alerts.rules import load_rules
from dlsei.warehouse.schema import alert_message, identity_person, snap_course_activity

D1 = date(2026, 11, 20)
UNIVERSITIES = {
    "UA": University("UA", "Alpha University", "Punjab", "coord@alpha.example"),
    "UB": University("UB", "Beta University", "Sindh", "coord@beta.example"),
}
PEOPLE = {
    "amna": ("UA", "amna@alpha.example"),
    "bilal": ("UA", "bilal@alpha.example"),
    "zara": ("UB", "zara@beta.example"),
}


@pytest.fixture
def world(warehouse: Engine) -> Engine:
    credit = {"completed": True, "for_credit": True}
    rows = [
        enrolment(
            D1,
            "prog-UA",
            "amna",
            "c-credit",
            at(D1, 0),
            completion_time=at(D1 - timedelta(days=2), 0),
            course_grade=91.5,
            **credit,
        ),
        enrolment(D1, "prog-UA", "amna", "c-old", at(D1, 0), completion_time=at(D1 - timedelta(days=40), 0), **credit),
        # Completed, but not a credit course; a credit course not completed yet.
        enrolment(D1, "prog-UA", "bilal", "c-plain", at(D1, 0), completed=True, for_credit=False),
        enrolment(D1, "prog-UA", "bilal", "c-credit", at(D1, 0), completed=False, for_credit=True),
        enrolment(D1, "prog-UB", "zara", "c-credit", at(D1, 0), completion_time=at(D1, 0), **credit),
    ]
    with warehouse.begin() as conn:
        allocations(conn, *((uid, *COHORT, 10) for uid in UNIVERSITIES))
        programmes(conn, *((f"prog-{uid}", uid, COHORT[0]) for uid in UNIVERSITIES))
        ledger_file(conn, 1, D1, kind="course_activity")
        # One executemany: every row names the same columns, a value left out is NULL.
        conn.execute(
            insert(snap_course_activity), [{"completion_time": None, "course_grade": None, **row} for row in rows]
        )
        conn.execute(
            insert(identity_person),
            [
                {
                    "person_key": f"p-{key}",
                    "email_key": key,
                    "university_id": uid,
                    "email": address,
                    "full_name": key.title(),
                    "roll_number": f"R-{key}",
                    "last_in_registry": D1,
                }
                for key, (uid, address) in PEOPLE.items()
            ],
        )
    return warehouse


def test_each_registrar_list_holds_its_universitys_credit_completions(world: Engine) -> None:
    recipients = Recipients(national="national@hec.example", data_team="data@dlsei.example")
    with world.begin() as conn:
        queued = queue_lists(
            conn, D1, universities=UNIVERSITIES, recipients=recipients, rules=load_rules(), dashboard="https://d.x"
        )
    assert len(queued.message_ids) == 2  # no reclaim list: nobody idle
    with world.connect() as conn:
        rows = conn.execute(select(alert_message).order_by(alert_message.c.message_id)).mappings().all()
    lists = {}
    for row in rows:
        assert row["audience"] == "coordinator_list"
        message = email.message_from_string(row["body"], policy=policy.default)
        assert message["Reply-To"] == "national@hec.example"
        (attachment,) = message.iter_attachments()
        table = csv.DictReader(io.StringIO(attachment.get_payload(decode=True).decode("utf-8-sig")))
        lists[row["recipient"]] = (
            attachment.get_filename(),
            [(r["email"], r["course_id"], r["new_this_week"]) for r in table],
        )
    assert lists == {
        "coord@alpha.example": (
            "credit_completions_UA_2026-W47.csv",
            [("amna@alpha.example", "c-credit", "yes"), ("amna@alpha.example", "c-old", "")],
        ),
        "coord@beta.example": ("credit_completions_UB_2026-W47.csv", [("zara@beta.example", "c-credit", "yes")]),
    }
