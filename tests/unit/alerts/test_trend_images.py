"""A coordinator's digest carries its university's last 30 days as an inline PNG chart (multipart/related, found by
its Content-ID from the HTML part), keeps the plain-text part whole, and links the university's dashboard page."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_string, policy
from pathlib import Path

from dashboard_rows import LAST, publish
from sqlalchemy import Engine, select, update

from dlsei.alerts.digests import compose_digests
from dlsei.alerts.messages import Recipients
from dlsei.alerts.rules import load_rules
from dlsei.settings import load_settings
from dlsei.warehouse.schema import alert_message, dim_university

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_coordinators_digest_shows_the_trend_and_links_the_page(warehouse: Engine, dlsei_env: Path) -> None:
    publish(warehouse)
    with warehouse.begin() as conn:
        conn.execute(
            update(dim_university)
            .where(dim_university.c.university_id == "U1")
            .values(coordinator_email="c@alpha.example")
        )
        recipients = Recipients(national="national@hec.example", data_team="data@hec.example")
        settings = replace(load_settings(), dashboard_url="https://airflow.hec.example/dlsei")
        compose_digests(conn, LAST, recipients, load_rules(), settings)
    with warehouse.connect() as conn:
        body = conn.execute(
            select(alert_message.c.body).where(alert_message.c.recipient == "c@alpha.example")
        ).scalar_one()
        national = conn.execute(
            select(alert_message.c.body).where(alert_message.c.recipient == "national@hec.example")
        ).scalar_one()

    message = message_from_string(body, policy=policy.default)
    plain = message.get_body(preferencelist=("plain",)).get_content()
    assert "Alpha University [U1]" in plain
    assert "Dashboard: https://airflow.hec.example/dlsei/universities/U1" in plain
    html = message.get_body(preferencelist=("html",))
    assert html.get_content_type() == "text/html"
    related = next(part for part in message.walk() if part.get_content_type() == "multipart/related")
    (image,) = [part for part in related.iter_parts() if part.get_content_type() == "image/png"]
    content_id = image["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html.get_content()
    assert 'alt="Alpha University [U1]: the last 30 days"' in html.get_content()
    png = image.get_content()
    assert png.startswith(PNG_SIGNATURE) and len(png) > 5_000
    # The national digest stays text: the pictures are the coordinators'.
    assert message_from_string(national, policy=policy.default).get_content_type() == "text/plain"
