"""The registry's type-2 history (migration 0011): an extract dated E says what was true from E until the next
extract of its kind, and only that span of the history is rewritten when it lands.

An extract landing in date order closes the versions it changes or drops at E and opens new ones from E; a late or
corrected extract of an earlier date replaces the versions of its span alone, so what later extracts said stands.
The first extract of a kind stands for every date before it (its versions start at BEFORE_ANY_EXTRACT), so a mart
of a date older than the registry still joins a registry. Adjacent versions that say the same are merged.

Done in SQL on the extract's rows staged in a temporary table (COPY on PostgreSQL): the diff and the new versions
never bring the registry's versions into Python, whose copies of a million people cost seconds and a gigabyte.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Select,
    Table,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.schema import DropTable

from dlsei.ingest.ledger import LOADED
from dlsei.warehouse.schema import BEFORE_ANY_EXTRACT, file_ledger, registry_change
from dlsei.warehouse.temporary import temporary_table

# The key of each extract with a history; the other columns are the values a version holds.
HISTORY_KEYS: dict[str, tuple[str, ...]] = {
    "universities": ("university_id",),
    "people": ("person_key",),
    "seat_allocations": ("university_id", "cohort_id"),
    "programmes": ("program_slug",),
}
_VALIDITY = ("valid_from", "valid_to")


@dataclass(frozen=True)
class RegistryChange:
    """What one extract changed in the registry of the dates from valid_from to valid_to (None: up to now)."""

    extract: str
    extract_date: date
    valid_from: date
    valid_to: date | None
    keys_before: int
    added: int
    removed: int
    changed: int
    changed_columns: dict[str, int]

    @property
    def rows_changed(self) -> int:
        return self.added + self.removed + self.changed

    @property
    def changed_pct(self) -> float:
        """The share of the registry's rows the extract adds, drops or changes (0 for a first extract)."""
        return 100.0 * self.rows_changed / self.keys_before if self.keys_before else 0.0

    def describe(self) -> str:
        columns = ", ".join(f"{name} {count}" for name, count in self.changed_columns.items())
        until = f"before {self.valid_to}" if self.valid_to else "onwards"
        return (
            f"{self.extract} of {self.extract_date}: {self.changed} changed"
            + (f" ({columns})" if columns else "")
            + f", {self.added} added, {self.removed} removed of {self.keys_before}, for the dates from "
            f"{self.valid_from} {until}"
        )


def extract_span(conn: Connection, extract: str, extract_date: date) -> tuple[date, date | None]:
    """The dates an extract of `extract_date` speaks for: from its date (or from BEFORE_ANY_EXTRACT when no earlier
    extract of its kind was loaded) up to the next loaded extract's date, exclusive (None: none later)."""
    f = file_ledger
    of_kind = (f.c.kind == f"registry:{extract}", f.c.status == LOADED)
    earlier = conn.execute(select(exists().where(*of_kind, f.c.as_of_date < extract_date))).scalar_one()
    later = conn.execute(select(func.min(f.c.as_of_date)).where(*of_kind, f.c.as_of_date > extract_date))
    return (extract_date if earlier else BEFORE_ANY_EXTRACT), later.scalar_one()


def staging_table(conn: Connection, table: Table) -> Table:
    """An empty temporary table for an extract's rows: `table`'s columns without the validity and without
    constraints (the extract's own checks have run). The caller fills it, plans and applies, then drops it."""
    columns = (Column(c.name, c.type) for c in table.columns if c.name not in _VALIDITY)
    return temporary_table(conn, f"staged_{table.name}", *columns)


def plan_history(conn: Connection, table: Table, extract: str, extract_date: date, staged: Table) -> RegistryChange:
    """What the extract's rows in `staged` (staging_table) change in the registry of the dates it speaks for."""
    start, end = extract_span(conn, extract, extract_date)
    keys, values = _keys_and_values(table, extract)
    before = select(table).where(table.c.valid_from <= start, _open_after(table, start)).subquery("before")
    # A value changes when it is distinct from the version valid at the span's start, NULL equal to NULL: the
    # staged columns have the table's types, so a value read back and the same value parsed compare equal.
    differs = {name: staged.c[name].is_distinct_from(before.c[name]) for name in values}
    flags = [*differs.values(), or_(*differs.values())]
    counted = [func.coalesce(func.sum(case((flag, 1), else_=0)), 0) for flag in flags]
    matched, *changes = conn.execute(
        select(func.count(), *counted).select_from(
            staged.join(before, and_(*(staged.c[k] == before.c[k] for k in keys)))
        )
    ).one()
    keys_before = conn.execute(select(func.count()).select_from(before)).scalar_one()
    rows = conn.execute(select(func.count()).select_from(staged)).scalar_one()
    *by_column, changed = changes
    return RegistryChange(
        extract=extract,
        extract_date=extract_date,
        valid_from=start,
        valid_to=end,
        keys_before=keys_before,
        added=rows - matched,
        removed=keys_before - matched,
        changed=int(changed),
        changed_columns={name: int(n) for name, n in zip(values, by_column, strict=True) if n},
    )


def apply_history(conn: Connection, table: Table, change: RegistryChange, staged: Table, file_id: int) -> None:
    """Replace the versions touching the change's span with the staged rows over the span, the versions before it
    cut at its start and those after it cut at its end, adjacent versions that say the same merged into one; and
    put the change on record for the restatement (publish/restatement.py). An extract that changes nothing writes
    nothing."""
    if not change.rows_changed:
        return
    start, end = change.valid_from, change.valid_to
    keys, values = _keys_and_values(table, change.extract)
    held = [*keys, *values]
    touching = _touches(table, start, end)
    versions = temporary_table(conn, f"versions_{table.name}", *(Column(c.name, c.type) for c in table.columns))
    names = [*held, *_VALIDITY]
    t = table.c
    cut = conn.execute(
        insert(versions).from_select(
            names,
            select(
                *(t[n] for n in held), t.valid_from, case((_open_after(table, start), literal(start)), else_=t.valid_to)
            ).where(touching, t.valid_from < start),
        )
    ).rowcount
    if end is not None:
        cut += conn.execute(
            insert(versions).from_select(
                names,
                select(
                    *(t[n] for n in held), case((t.valid_from < end, literal(end)), else_=t.valid_from), t.valid_to
                ).where(touching, _open_after(table, end)),
            )
        ).rowcount
    conn.execute(delete(table).where(touching))
    new = select(
        *(staged.c[n] for n in held), literal(start, table.c.valid_from.type), literal(end, table.c.valid_to.type)
    )
    if cut:
        conn.execute(insert(versions).from_select(names, new))
        conn.execute(insert(table).from_select(names, _merged(versions, keys, values)))
    else:  # nothing before or after the span to merge with: the staged rows are the versions
        conn.execute(insert(table).from_select(names, new))
    conn.execute(DropTable(versions))
    conn.execute(
        insert(registry_change).values(
            file_id=file_id,
            extract=change.extract,
            extract_date=change.extract_date,
            valid_from=change.valid_from,
            valid_to=change.valid_to,
            keys_before=change.keys_before,
            added=change.added,
            removed=change.removed,
            changed=change.changed,
            changed_columns=", ".join(f"{n} {c}" for n, c in change.changed_columns.items()) or None,
        )
    )


def _keys_and_values(table: Table, extract: str) -> tuple[list[str], list[str]]:
    keys = list(HISTORY_KEYS[extract])
    return keys, [c.name for c in table.columns if c.name not in (*keys, *_VALIDITY)]


def _open_after(table: Table, day: date) -> ColumnElement[bool]:
    """Versions still valid after `day` (NULL valid_to: up to now)."""
    return or_(table.c.valid_to.is_(None), table.c.valid_to > day)


def _touches(table: Table, start: date, end: date | None) -> ColumnElement[bool]:
    """Versions overlapping the span or adjacent to it (adjacent ones may merge with the new versions)."""
    overlaps = or_(table.c.valid_to.is_(None), table.c.valid_to >= start)
    return overlaps if end is None else overlaps & (table.c.valid_from <= end)


def _merged(versions: Table, keys: list[str], values: list[str]) -> Select:
    """One version per run of a key's versions that hold the same values (NULL equal to NULL), each starting the
    day the one before it ends: gaps and islands, numbered by a running count of the versions that start a run."""
    v = versions.c
    key_columns = [v[k] for k in keys]
    window = {"partition_by": key_columns, "order_by": v.valid_from}
    continues = and_(
        func.lag(v.valid_to).over(**window) == v.valid_from,
        *(func.lag(v[name]).over(**window).is_not_distinct_from(v[name]) for name in values),
    )
    starts = select(versions, case((continues, 0), else_=1).label("starts")).subquery("starts")
    s = starts.c
    numbered = select(
        starts,
        func.sum(s.starts).over(partition_by=[s[k] for k in keys], order_by=s.valid_from, rows=(None, 0)).label("run"),
    ).subquery("numbered")
    n = numbered.c
    held = [n[name] for name in (*keys, *values)]
    # Only a run's last version can be open: the run is open when one of its versions is.
    valid_to = case((func.count(n.valid_to) < func.count(), None), else_=func.max(n.valid_to))
    return select(*held, func.min(n.valid_from), valid_to).group_by(n.run, *held)
