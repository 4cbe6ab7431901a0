"""Keep every expectation outcome in the warehouse's `dq_result` table."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from sqlalchemy import Connection, insert

from dlsei.quality.outcomes import QualityReport
from dlsei.warehouse.schema import dq_result


def store_results(conn: Connection, report: QualityReport, *, load_id: str, validated_for: date) -> int:
    """Insert one row per expectation, met or not, in the caller's transaction; return the rows written."""
    rows = [
        {**asdict(outcome), "load_id": load_id, "validated_for": validated_for, "source": report.source}
        for outcome in report.outcomes
    ]
    if rows:
        conn.execute(insert(dq_result), rows)
    return len(rows)
