"""What one as-of date looks like to a digest reader: utilisation, alert state and reclaim counts, per university."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, RowMapping, and_, or_, select

from dlsei.alerts.conditions import mart_rows
from dlsei.publish.rollups import by_university, national
from dlsei.warehouse.expressions import valid_on
from dlsei.warehouse.schema import alert, dim_university


@dataclass(frozen=True)
class University:
    university_id: str
    name: str
    region: str
    coordinator: str | None  # trimmed, lower-cased; None when the registry has no usable address


@dataclass(frozen=True)
class Picture:
    as_of: date
    universities: dict[str, University]
    cohorts: list[RowMapping]  # mart rows of `as_of`, with cohort_start and cohort_end
    national: RowMapping | None  # v_utilisation_national of `as_of`
    by_university: dict[str, RowMapping]  # v_utilisation_by_university of `as_of`, by university id
    open_alerts: list[RowMapping]  # alerts open as of `as_of`
    closed_today: list[RowMapping]  # alerts closed on `as_of`
    candidates: Mapping[str, int]  # reclaim-candidate seats per university (absent: none)

    def cohorts_of(self, university_id: str) -> list[RowMapping]:
        return [row for row in self.cohorts if row["university_id"] == university_id]

    def open_of(self, university_id: str) -> list[RowMapping]:
        return [row for row in self.open_alerts if row["university_id"] == university_id]

    def closed_of(self, university_id: str) -> list[RowMapping]:
        return [row for row in self.closed_today if row["university_id"] == university_id]

    def name_of(self, university_id: str) -> str:
        found = self.universities.get(university_id)
        return f"{found.name} [{university_id}]" if found else f"[{university_id}]"

    def alerted(self) -> list[str]:
        """Universities with an open alert or one closed today: the ones whose coordinator gets a digest."""
        return sorted({row["university_id"] for row in [*self.open_alerts, *self.closed_today]})


def _coordinator(address: str | None) -> str | None:
    cleaned = (address or "").strip().lower()
    return cleaned if "@" in cleaned else None


def take_picture(conn: Connection, as_of: date, candidates: Mapping[str, int]) -> Picture:
    u = dim_university
    universities = {
        row.university_id: University(row.university_id, row.university_name, row.region, _coordinator(row.email))
        for row in conn.execute(
            select(u.c.university_id, u.c.university_name, u.c.region, u.c.coordinator_email.label("email")).where(
                valid_on(u, as_of)
            )
        )
    }
    cohorts = list(conn.execute(mart_rows(as_of)).mappings())
    # State as of the date, read from the alerts' history, so an earlier date's picture is told as it was.
    open_on = and_(alert.c.opened_on <= as_of, or_(alert.c.closed_on.is_(None), alert.c.closed_on > as_of))
    ordered = (alert.c.university_id, alert.c.cohort_id, alert.c.rule)
    open_alerts = list(conn.execute(select(alert).where(open_on).order_by(*ordered)).mappings())
    closed_today = list(conn.execute(select(alert).where(alert.c.closed_on == as_of).order_by(*ordered)).mappings())
    return Picture(
        as_of,
        universities,
        cohorts,
        national(conn, as_of),
        {row["university_id"]: row for row in by_university(conn, as_of)},
        open_alerts,
        closed_today,
        candidates,
    )
