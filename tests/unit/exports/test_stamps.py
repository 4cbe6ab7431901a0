"""The export time in a file name."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dlsei.exports import export_timestamp

EXPORTED = datetime(2026, 5, 4, 17, 33, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Usage Report 2026-11-02 02-00-00 UTC.csv", datetime(2026, 11, 2, 2, 0, 0, tzinfo=UTC)),
        (
            "CourseActivity HEC Cohort 2 - CourseraEnterpriseExport 2026-05-04 17-33-53 UTC.csv",
            EXPORTED,
        ),
        ("membership_2026-05-04T17:33:53Z.csv", EXPORTED),
        ("membership_2026-05-04T17:33:53.120Z.csv", EXPORTED),
        ("usage-20260504T173353Z.csv", EXPORTED),
        # A programme named after a date: the last stamp is the export's.
        (
            "Usage 2025-01-01 00-00-00 cohort - 2026-05-04 17-33-53 UTC.csv",
            EXPORTED,
        ),
        ("Usage Report.csv", None),
        ("hec_people_2026-01-01.csv", None),  # a date alone is not an export time
        ("Usage 2026-13-45 99-00-00 UTC.csv", None),  # not a real time
    ],
)
def test_export_timestamp(name: str, expected: datetime | None) -> None:
    assert export_timestamp(name) == expected
