from __future__ import annotations

import pandas as pd
import pytest

from dlsei.canonical import COURSE_ACTIVITY, MEMBERSHIP
from dlsei.ingest.ledger import LOADED, LedgerEntry
from dlsei.ingest.snapshots import prepare


def test_repeated_enrolments_fold_into_the_latest_and_email_case_does_not_split_a_learner() -> None:
    frame = pd.DataFrame(
        {
            "email": pd.Series(["Ali@X.pk", "ali@x.pk ", "ali@x.pk", "sara@x.pk"], dtype="string"),
            "program_slug": pd.Series(["p", "p", "p", "p"], dtype="string"),
            "course_id": pd.Series(["c1", "c1", "c2", "c1"], dtype="string"),
            "last_activity_at": pd.to_datetime(
                ["2026-11-01T10:00Z", "2026-11-03T10:00Z", None, "2026-11-02T10:00Z"], utc=True
            ),
        }
    )
    prepared = prepare(COURSE_ACTIVITY, frame)
    assert prepared.duplicates_folded == 1
    assert len(prepared.frame) == 3
    ali_c1 = prepared.frame[(prepared.frame["email"] == "ali@x.pk") & (prepared.frame["course_id"] == "c1")]
    assert ali_c1["last_activity_at"].tolist() == [pd.Timestamp("2026-11-03T10:00Z")]


def test_one_seat_per_learner_and_programme() -> None:
    frame = pd.DataFrame(
        {
            "email": pd.Series(["A@x.pk", "a@x.pk", "a@x.pk"], dtype="string"),
            "program_slug": pd.Series(["p", "p", "q"], dtype="string"),
            "last_activity_at": pd.to_datetime([None, None, None], utc=True),
        }
    )
    prepared = prepare(MEMBERSHIP, frame)
    assert sorted(prepared.frame["program_slug"]) == ["p", "q"]
    assert prepared.duplicates_folded == 1


def test_the_ledger_refuses_a_loaded_file_whose_rows_do_not_add_up() -> None:
    common = {"file_name": "f.csv", "landing_key": "incoming/f.csv", "size_bytes": 1, "sha256": "0" * 64}
    LedgerEntry(**common, status=LOADED, load_id="r", rows_read=10, rows_loaded=8, rows_rejected=2)
    with pytest.raises(ValueError, match=r"rows read \(10\) != loaded \(7\) \+ rejected \(2\)"):
        LedgerEntry(**common, status=LOADED, load_id="r", rows_read=10, rows_loaded=7, rows_rejected=2)
