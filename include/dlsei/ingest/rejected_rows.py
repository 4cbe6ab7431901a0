"""Rows rejected by a row-level rule while the rest of their file loads: kept in dq_rejected_row, keyed, counted,
and held to the share of a file's rows a day may lose (AIRFLOW_VAR_DLSEI_MAX_REJECTED_ROWS_PCT).

A value that breaks a row rule (not a timestamp, a number out of range, an unknown member state) says nothing about
the other rows: the row is left out and its seat is unknown that day, not inactive (alerts/candidates.py). Too many
such rows mean the file is not what it claims to be: above the share it is refused whole, as before.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from sqlalchemy import Connection, insert

from dlsei.exports import ExportRejected
from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.quality.definitions import WARNING
from dlsei.warehouse.schema import REJECT_OPEN, dq_result

# (rule, column as the header names it, the unknown member state's name or None) -> faults
RuleKey = tuple[str, str, str | None]


def is_rejected_rows(rows: pd.DataFrame) -> bool:
    """Whether a frame handed to the loader's writer is rejected rows (else snapshot rows)."""
    return "rule" in rows.columns


@dataclass
class RejectedRows:
    """The rejected rows of one export, counted as its blocks stream past and keyed for dq_rejected_row."""

    pseudonymiser: Pseudonymiser
    file_id: int
    file_name: str
    kind: str
    as_of: date
    load_id: str
    records: int = 0
    by_rule: Counter[RuleKey] = field(default_factory=Counter)
    first: pd.Series | None = None

    def take(self, rejects: list[pd.DataFrame]) -> pd.DataFrame | None:
        """The rows of dq_rejected_row for the faults the reader has put aside so far, which it forgets (the list
        is emptied: it holds raw e-mails); None if there were none."""
        taken: list[pd.DataFrame] = []
        while rejects:
            faults = rejects.pop(0)
            if self.first is None:
                self.first = faults.iloc[0]
            self.records += faults["record_no"].nunique()  # the reader's blocks never share a record
            self.by_rule.update(_described(faults))
            taken.append(
                faults.drop(columns=["email"]).assign(
                    learner_key=self.pseudonymiser.keys("email", faults["email"].str.strip().str.lower()),
                    file_id=self.file_id,
                    file_name=self.file_name,
                    kind=self.kind,
                    as_of_date=self.as_of,
                    status=REJECT_OPEN,
                    load_id=self.load_id,
                )
            )
        return pd.concat(taken, ignore_index=True) if taken else None

    def check_share(self, rows_read: int, max_pct: float) -> None:
        """Refuse the file when more than `max_pct` % of its `rows_read` rows were rejected."""
        rejected, first = self.records, self.first
        if first is None or rejected * 100 <= max_pct * rows_read:
            return
        raise ExportRejected(
            self.file_name,
            str(first["rule"]),
            f"{rejected} of {rows_read} rows ({rejected * 100 / rows_read:.2f}%) break row rules, more than the "
            f"{max_pct}% allowed (AIRFLOW_VAR_DLSEI_MAX_REJECTED_ROWS_PCT); the first breaks rule '{first['rule']}' "
            f"in column '{first['column_name']}'",
            int(first["record_no"]),
        )

    def rejections(self, rows_read: int) -> Rejections | None:
        if not self.records:
            return None
        return Rejections(self.file_name, self.kind, rows_read, self.records, dict(self.by_rule))


@dataclass(frozen=True)
class Rejections:
    """What one export's rejected rows were, for the data team's notice and the check record."""

    source: str
    kind: str
    rows_read: int
    rows: int
    by_rule: dict[RuleKey, int]

    def lines(self) -> list[str]:
        return [
            f"{self.source}: rule '{rule}' in column '{column}'"
            + (f", unknown member state {state!r}" if state else "")
            + f": {count} row(s)"
            for (rule, column, state), count in sorted(self.by_rule.items(), key=lambda item: -item[1])
        ]


def record_rejections(conn: Connection, rejections: Rejections, *, load_id: str, validated_for: date) -> None:
    """One failed warning-level check per rule and column in dq_result, beside the suites' own: the run summary and
    the checks' record show rejected rows as they show any other warning."""
    counts: Counter[tuple[str, str]] = Counter()
    for (rule, column, _), count in rejections.by_rule.items():
        counts[rule, column] += count
    for (rule, column), count in sorted(counts.items()):
        conn.execute(
            insert(dq_result).values(
                load_id=load_id,
                validated_for=validated_for,
                suite=f"{rejections.kind}.row_rules",
                source=rejections.source,
                expectation=f"row_rule:{rule}",
                column_name=column[:128],
                severity=WARNING,
                success=False,
                element_count=rejections.rows_read,
                unexpected_count=count,
                unexpected_percent=count * 100 / rejections.rows_read if rejections.rows_read else None,
            )
        )


def _described(faults: pd.DataFrame) -> Counter[RuleKey]:
    """Faults counted by rule and column, and by the state's name for an unknown member state (what to add to
    canonical.MEMBER_STATES or REMOVAL_STATES)."""
    named = (faults["rule"] == "member_state") & faults["value"].notna()
    states = faults["value"].astype("string").str.upper().where(named)
    return Counter(
        (str(rule), str(column), None if pd.isna(state) else str(state))
        for rule, column, state in zip(faults["rule"], faults["column_name"], states, strict=True)
    )
