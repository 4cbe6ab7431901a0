"""A coordinator hears when something opened, worsened or closed, and otherwise once a reminder period."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine

from dlsei.alerts.cadence import CHANGED, REMINDER, digest_due, mark_sent
from dlsei.alerts.picture import Picture, University

D1 = date(2026, 11, 20)
COORDINATOR = "coord@alpha.example"
UNIVERSITIES = {"U1": University("U1", "Alpha", "Punjab", COORDINATOR)}


def alert(rule: str, opened_on: date) -> dict[str, object]:
    return {"university_id": "U1", "cohort_id": "C1", "rule": rule, "opened_on": opened_on}


def picture(as_of: date, open_alerts: list[dict], candidates: int, closed: list[dict] | None = None) -> Picture:
    return Picture(as_of, UNIVERSITIES, [], None, {}, open_alerts, closed or [], {"U1": candidates})  # type: ignore[arg-type]


def due(warehouse: Engine, seen: Picture, reminder_days: int = 7) -> str | None:
    """Ask as the digest does, and mark it sent when one goes out."""
    with warehouse.begin() as conn:
        answer = digest_due(conn, seen, COORDINATOR, ["U1"], reminder_days)
        if answer:
            mark_sent(conn, seen, COORDINATOR, ["U1"])
        return answer


def test_a_digest_on_change_and_a_weekly_reminder_otherwise(warehouse: Engine) -> None:
    low = alert("low_join_rate", D1)
    assert due(warehouse, picture(D1, [low], 5)) == CHANGED  # first digest ever
    days = [D1 + timedelta(days=n) for n in range(1, 15)]
    # Nothing changes for six days: silence; the seventh is the reminder.
    assert [due(warehouse, picture(day, [low], 5)) for day in days[:7]] == [None] * 6 + [REMINDER]
    # Worsened (more seats to reclaim), opened, and closed each send at once.
    assert due(warehouse, picture(days[7], [low], 6)) == CHANGED
    assert due(warehouse, picture(days[8], [low], 4)) is None  # fewer candidates alone is not news
    dormant = alert("dormant_learners", days[9])
    assert due(warehouse, picture(days[9], [low, dormant], 4)) == CHANGED
    assert due(warehouse, picture(days[10], [dormant], 4, closed=[low])) == CHANGED
    # One alert closed while another opened: the count is the same, the news is not.
    never = alert("joined_never_started", days[11])
    assert due(warehouse, picture(days[11], [never], 4)) == CHANGED
    assert due(warehouse, picture(days[12], [never], 4)) is None


def test_the_reminder_period_is_a_setting(warehouse: Engine) -> None:
    low = alert("low_join_rate", D1)
    assert due(warehouse, picture(D1, [low], 5), reminder_days=2) == CHANGED
    assert due(warehouse, picture(D1 + timedelta(days=1), [low], 5), reminder_days=2) is None
    assert due(warehouse, picture(D1 + timedelta(days=2), [low], 5), reminder_days=2) == REMINDER
