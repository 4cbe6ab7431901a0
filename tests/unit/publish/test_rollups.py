"""Utilisation per university and nationally is computed once, by the roll-up views: the status page, the demo's
summary and the alert digests show the same figures to the same decimal, read from the same warehouse."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert

from dlsei.alerts.picture import take_picture
from dlsei.alerts.texts import national_text
from dlsei.report.overview import SUMMARY_WIDTH, render
from dlsei.warehouse.schema import MEASURES, alert, dim_seat_allocation, dim_university, mart_quota_utilisation
from dlsei.web.app import create_app

A = date(2026, 11, 20)
# (university, cohort, allocated, active_30d): Alpha's two cohorts sum to 1 of 3 (33.33%, not the 25% an average of
# its cohorts' 50% and 0% would give); Beta 2 of 7 (28.57%); Gamma holds no seat (n/a). Nationally 3 of 10 (30.00%).
COHORTS = [("U1", "C1", 2, 1), ("U1", "C2", 1, 0), ("U2", "C1", 7, 2), ("U3", "C1", 0, 0)]
NAMES = {"U1": "Alpha University", "U2": "Beta University", "U3": "Gamma Institute"}
EXPECTED = {"Alpha University": "33.33", "Beta University": "28.57", "Gamma Institute": None}
NATIONAL = "30.00"


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(dim_university),
            [
                {"university_id": uid, "university_name": name, "region": "Punjab", "sector": "public"}
                for uid, name in NAMES.items()
            ],
        )
        for uid, cohort, allocated, active in COHORTS:
            counts = dict.fromkeys(MEASURES, 0) | {"allocated": allocated, "joined": active, "active_30d": active}
            counts |= {"seats_held": active, "free_seats": allocated - active}
            conn.execute(
                insert(dim_seat_allocation).values(
                    university_id=uid,
                    cohort_id=cohort,
                    cohort_start=date(2026, 9, 1),
                    cohort_end=date(2027, 1, 31),
                    seats=allocated,
                )
            )
            conn.execute(
                insert(mart_quota_utilisation).values(
                    as_of_date=A,
                    university_id=uid,
                    cohort_id=cohort,
                    **counts,
                    # The mart's own per-cohort ratio: the roll-ups must not average these.
                    utilisation_pct=round(100 * active / allocated, 2) if allocated else None,
                    join_rate_pct=None,
                    learning_hours=0.0,
                    data_complete_through=A,
                    load_id="test",
                )
            )
            conn.execute(
                insert(alert).values(
                    alert_key=f"low_join_rate|{uid}|{cohort}",
                    rule="low_join_rate",
                    university_id=uid,
                    cohort_id=cohort,
                    status="open",
                    opened_on=A,
                    last_seen_on=A,
                    summary="low",
                )
            )


def test_the_status_page_the_summary_and_the_digest_agree_to_the_decimal(
    warehouse: Engine, dlsei_env: Path, sign_in: Callable
) -> None:
    seed(warehouse)

    with TestClient(create_app(), cookies={"_token": sign_in("viewer")}) as client:
        status = client.get("/status").json()
    on_status_page = {
        u["university"]: None if u["utilisation_pct"] is None else f"{u['utilisation_pct']:.2f}"
        for u in status["universities"]
    }

    with warehouse.connect() as conn:
        summary = render(conn)
        digest = national_text(take_picture(conn, A, {}))
    in_summary = {name: re.search(rf"^\s*{name}\s.*?\s(\S+)$", summary, re.M)[1] for name in NAMES.values()}
    in_digest = {
        name: re.search(rf"^- {name} \[U\d\].*active in 30 days \((\S+?)%?\);", digest, re.M)[1]
        for name in NAMES.values()
    }

    assert on_status_page == EXPECTED
    assert in_summary == {name: f"{pct}%" if pct else "n/a" for name, pct in EXPECTED.items()}
    assert max(len(line) for line in summary.splitlines()) <= SUMMARY_WIDTH, summary
    assert in_digest == {name: pct or "n/a" for name, pct in EXPECTED.items()}
    assert f"({NATIONAL}% utilised)" in summary
    assert re.search(rf"Active in last 30 days +3  \({NATIONAL}% of allocated\)", digest)
    # From the least utilised: the order people act in.
    assert [u["university"] for u in status["universities"]] == [
        "Beta University",
        "Alpha University",
        "Gamma Institute",
    ]
