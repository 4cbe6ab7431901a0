"""The registry's type-2 history (migration 0011): an extract dated E says what was true from E until the next
extract of its kind, and only that span of the history is rewritten when it lands.

An extract landing in date order closes the versions it changes or drops at E and opens new ones from E; a late or
corrected extract of an earlier date replaces the versions of its span alone, so what later extracts said stands.
The first extract of a kind stands for every date before it (its versions start at BEFORE_ANY_EXTRACT), so a mart
of a date older than the registry still joins a registry. Adjacent versions that say the same are merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, delete, exists, func, insert, or_, select

from dlsei.ingest.ledger import LOADED
from dlsei.warehouse.bulk import bulk_insert
from dlsei.warehouse.schema import BEFORE_ANY_EXTRACT, file_ledger, registry_change

# The key of each extract with a history; the other columns are the values a version holds.
HISTORY_KEYS: dict[str, tuple[str, ...]] = {
    "universities": ("university_id",),
    "people": ("person_key",),
    "seat_allocations": ("university_id", "cohort_id"),
    "programmes": ("program_slug",),
}
_VALIDITY = ("valid_from", "valid_to")
# An open version's valid_to while versions are worked on (NULL in the table): later than any date.
_OPEN = date.max
_MISSING = "\x00missing"  # no text value of an extract holds a NUL


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


def plan_history(
    conn: Connection, table: Table, extract: str, extract_date: date, rows: pd.DataFrame
) -> tuple[RegistryChange, pd.DataFrame]:
    """What the extract's `rows` (the table's columns without the validity) change, and the versions that replace
    those touching its span (apply_history writes them)."""
    start, end = extract_span(conn, extract, extract_date)
    keys = list(HISTORY_KEYS[extract])
    values = [c.name for c in table.columns if c.name not in (*keys, *_VALIDITY)]
    old = _touching(conn, table, start, end)
    before = old[(old["valid_from"] <= start) & (old["valid_to"] > start)]
    change = _compare(extract, extract_date, (start, end), before, rows)
    stop = end or _OPEN
    left = old[old["valid_from"] < start].assign(valid_to=lambda v: np.minimum(v["valid_to"], start))
    right = old[old["valid_to"] > stop].assign(valid_from=lambda v: np.maximum(v["valid_from"], stop))
    new = rows.assign(valid_from=start, valid_to=stop)
    versions = _merge_adjacent(pd.concat([left, new, right], ignore_index=True), keys, values)
    return change, versions


def apply_history(conn: Connection, table: Table, change: RegistryChange, versions: pd.DataFrame, file_id: int) -> None:
    """Replace the versions touching the change's span with `versions`, and put the change on record for the
    restatement (publish/restatement.py); an extract that changes nothing writes nothing."""
    if not change.rows_changed:
        return
    conn.execute(delete(table).where(_touches(table, change.valid_from, change.valid_to)))
    frame = versions.assign(valid_to=versions["valid_to"].where(versions["valid_to"] != _OPEN, None))
    bulk_insert(conn, table, frame[[c.name for c in table.columns]])
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


def _touches(table: Table, start: date, end: date | None) -> ColumnElement[bool]:
    """Versions overlapping the span or adjacent to it (adjacent ones may merge with the new versions)."""
    overlaps = or_(table.c.valid_to.is_(None), table.c.valid_to >= start)
    return overlaps if end is None else overlaps & (table.c.valid_from <= end)


def _touching(conn: Connection, table: Table, start: date, end: date | None) -> pd.DataFrame:
    # Column by column: a dict (or a record check) per row doubled the time of reading a large people table.
    names = [c.name for c in table.columns]
    found = conn.execute(select(table).where(_touches(table, start, end))).all()
    columns = zip(*found, strict=True) if found else ([] for _ in names)
    old = pd.DataFrame(dict(zip(names, (list(column) for column in columns), strict=True)), columns=names)
    old["valid_to"] = old["valid_to"].astype(object).where(old["valid_to"].notna(), _OPEN)
    return old


def _comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The columns as text, every missing value as one marker: a value read back from the warehouse and the same
    value parsed from an extract (an int and an Int64, NULL and NA) compare equal."""
    values = frame[columns].astype(object)
    return values.astype(str).where(values.notna(), _MISSING)


def _compare(
    extract: str, extract_date: date, span: tuple[date, date | None], before: pd.DataFrame, rows: pd.DataFrame
) -> RegistryChange:
    """What `rows` change against the versions valid at the span's start (`before`): the registry of every date of
    the span was the same, since no extract of its kind is dated inside it."""
    keys = list(HISTORY_KEYS[extract])
    values = [c for c in rows.columns if c not in keys]
    old, new = _comparable(before, keys + values), _comparable(rows, keys + values)
    both = old.merge(new, on=keys, how="outer", suffixes=("_old", "_new"), indicator=True)
    kept = both[both["_merge"] == "both"]
    differs = {name: kept[f"{name}_old"].ne(kept[f"{name}_new"]) for name in values}
    any_change = pd.concat(differs, axis=1).any(axis=1) if differs else pd.Series(False, index=kept.index)
    return RegistryChange(
        extract=extract,
        extract_date=extract_date,
        valid_from=span[0],
        valid_to=span[1],
        keys_before=len(before),
        added=int((both["_merge"] == "right_only").sum()),
        removed=int((both["_merge"] == "left_only").sum()),
        changed=int(any_change.sum()),
        changed_columns={name: int(flags.sum()) for name, flags in differs.items() if flags.any()},
    )


def _merge_adjacent(versions: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """One version per run of adjacent versions of a key that hold the same values."""
    versions = versions.sort_values([*keys, "valid_from"], kind="stable", ignore_index=True)
    text = _comparable(versions, keys + values)
    same_key = pd.util.hash_pandas_object(text[keys], index=False)
    same_values = pd.util.hash_pandas_object(text, index=False)
    starts = (
        (same_key != same_key.shift())
        | (same_values != same_values.shift())
        | (versions["valid_from"] != versions["valid_to"].shift())
    )
    run = starts.cumsum()
    merged = versions[starts.to_numpy()].copy()
    merged["valid_to"] = versions.groupby(run)["valid_to"].last().to_numpy()
    return merged
