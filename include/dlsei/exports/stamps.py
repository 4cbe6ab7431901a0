"""The export time Coursera writes into file names (`... CourseraEnterpriseExport 2026-05-04 17-33-53 UTC.csv`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# `2026-05-04 17-33-53 UTC`, and ISO-like forms: `2026-05-04T17:33:53Z`, `2026-05-04T17:33:53.120Z`,
# `20260504T173353Z`. Stamps without a zone are Coursera's, which are UTC.
_STAMP = re.compile(
    r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})[ T_](\d{2})[-:]?(\d{2})[-:]?(\d{2})(?:\.\d{1,6})?(?!\d)",
)


def export_timestamp(file_name: str) -> datetime | None:
    """The last date-and-time stamp in the name, in UTC (a programme name before it may hold dates too)."""
    for match in reversed(list(_STAMP.finditer(file_name))):
        try:
            return datetime(*(int(part) for part in match.groups()), tzinfo=UTC)
        except ValueError:
            continue
    return None
