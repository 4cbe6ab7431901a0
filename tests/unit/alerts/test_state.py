"""The alert-state diff on its own: which alerts open, stay open, reopen on a rebuilt day, and close."""

from __future__ import annotations

from datetime import date

from dlsei.alerts.conditions import Condition
from dlsei.alerts.state import OPEN, Known, diff_alerts

A = date(2026, 11, 20)


def condition(university: str, observed: float = 1.0) -> Condition:
    return Condition("low_join_rate", university, "C1", observed, 5.0, f"{university} low")


def test_new_conditions_open_and_vanished_ones_close() -> None:
    found = {c.key: c for c in (condition("U1"), condition("U2"))}
    open_now = {condition("U2").key: Known(7, A), condition("U3").key: Known(9, date(2026, 11, 19))}
    diff = diff_alerts(A, found, open_now, closed_today={})
    assert diff.opened == [condition("U1").key]
    assert [row["alert_key"] for row in diff.new] == [condition("U1").key]
    assert diff.new[0] | {"status": OPEN, "opened_on": A, "last_seen_on": A} == diff.new[0]
    assert [row["b_id"] for row in diff.rewrite] == [7]  # still open: its figures rewritten
    assert diff.refreshed == []  # already seen on this date
    assert (diff.close, diff.closed) == ([9], [condition("U3").key])


def test_an_alert_seen_on_an_earlier_date_is_refreshed() -> None:
    found = {condition("U1", 3.0).key: condition("U1", 3.0)}
    diff = diff_alerts(A, found, {condition("U1").key: Known(4, date(2026, 11, 19))}, closed_today={})
    assert diff.refreshed == [condition("U1").key] and diff.opened == [] and diff.new == []
    assert diff.rewrite == [{"b_id": 4, "b_summary": "U1 low", "b_observed": 3.0, "b_threshold": 5.0}]


def test_a_rebuilt_day_reopens_the_alert_it_closed_instead_of_opening_another() -> None:
    found = {condition("U1").key: condition("U1")}
    diff = diff_alerts(A, found, open_now={}, closed_today={condition("U1").key: 11})
    assert diff.new == [] and [row["b_id"] for row in diff.rewrite] == [11]
    assert diff.opened == [condition("U1").key] and diff.close == []
