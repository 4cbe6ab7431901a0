"""Earlier days for a benchmark warehouse: the marts of a daily run read a warehouse that has history, and a cost
that grows with it (removed seats read every earlier seat-day until int_seat_seen) is invisible on a one-day warehouse.

The generator holds its whole world in memory (docs/benchmark.md), so the earlier days are made in SQL from the
loaded day's membership snapshot: the same seats on each earlier date, except that one learner in 256 is a seat
of that date only (renamed), which the loaded day's snapshot no longer lists: about 2,200 removed seats per earlier
day at 1,000,000 enrolments. Only membership is copied: the marts read course activity of the published date only.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Engine, case, func, insert, literal, select

from dlsei.ingest.seen_seats import record_seen_seats
from dlsei.warehouse.engine import refresh_statistics
from dlsei.warehouse.schema import KEY, int_seat_seen, snap_membership


def add_history(engine: Engine, as_of: date, days: int, *, held: int = 0) -> int:
    """Copy `as_of`'s membership snapshot to each of the `days` dates before it but the `held` nearest, which a
    shorter history measured first already holds (so 30 days then 180 copy each date once); return the rows
    added."""
    m, width = snap_membership, KEY.length
    added = 0
    with engine.begin() as conn:
        for back in range(held + 1, days + 1):
            suffix = f"{back:03d}"
            renamed = case(
                (
                    func.substr(m.c.learner_key, width - 1, 2) == "00",
                    func.substr(m.c.learner_key, 1, width - len(suffix)) + literal(suffix),
                ),
                else_=m.c.learner_key,
            )
            columns = [renamed if c.name == "learner_key" else c for c in m.columns if c.name != "as_of_date"]
            copied = select(literal(as_of - timedelta(days=back), m.c.as_of_date.type), *columns).where(
                m.c.as_of_date == as_of
            )
            added += conn.execute(insert(m).from_select([c.name for c in m.columns], copied)).rowcount
        record_seen_seats(conn, as_of - timedelta(days=days))
    refresh_statistics(engine, m, int_seat_seen)
    return added
