"""Good frames of the two Coursera exports: each meets every expectation of its suite (tests/unit/quality)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlsei.canonical import COURSE_ACTIVITY_COLUMNS, MEMBERSHIP_COLUMNS

EXPORT_TS = pd.Timestamp("2024-03-05T02:00:00Z")


def strings(*values: object) -> pd.Series:
    return pd.Series(values, dtype="string")


def timestamps(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="string"), utc=True)


def course_activity() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "name": strings("Ayesha Siddiqui", "Ayesha Siddiqui", "Bilal Ahmed", "Bilal Ahmed"),
            "email": strings(*["ayesha.siddiqui@pu.edu.pk"] * 2, *["bilal.ahmed@nust.edu.pk"] * 2),
            "external_id": strings("PU-2023-0001", "PU-2023-0001", None, None),
            "course_name": strings("Python for Everybody", "Machine Learning", "Python for Everybody", "Finance"),
            "course_id": strings("W_mOXCrdEeeNPQ68_4aPpA", "Gtv4Xb1-EeS-ViIACwYKVQ", "W_mOXCrdEeeNPQ68_4aPpA", "x1"),
            "course_slug": strings("python", "machine-learning", "python", "finance"),
            "university_name": strings("University of Michigan", "Stanford University", "Michigan", "Yale"),
            "enrollment_time": timestamps("2024-01-10T09:00:00Z", "2024-01-11T09:00:00Z", "2024-02-01T00:00:00Z", None),
            "class_start_time": timestamps(*["2024-01-08T08:00:00Z"] * 4),
            "class_end_time": timestamps(*["2024-06-30T06:59:59Z"] * 4),
            "last_activity_at": timestamps("2024-03-01T10:00:00Z", "2024-03-04T23:59:00Z", None, None),
            "overall_progress": np.array([57.73, 100.0, 0.0, np.nan]),
            "learning_hours": np.array([3.5, 12.25, 0.0, np.nan]),
            "completed": pd.array([False, True, False, False], dtype="boolean"),
            "removed_from_program": pd.array([False, False, False, True], dtype="boolean"),
            "program_slug": strings(*["pu-cohort-1-ab12c"] * 2, *["nust-cohort-1-xy9z8"] * 2),
            "program_name": strings(*["PU Cohort 1"] * 2, *["NUST Cohort 1"] * 2),
            "completion_time": timestamps(None, "2024-02-20T12:00:00Z", None, None),
            "course_grade": np.array([0.0, 92.5, np.nan, np.nan]),
            "certificate_url": strings(None, "https://coursera.org/verify/ABC123", None, None),
            "course_type": strings(*["course"] * 4),
            "for_credit": pd.array([True, False, None, False], dtype="boolean"),
            "extras": strings(*[None] * 4),
        }
    )
    assert list(frame) == list(COURSE_ACTIVITY_COLUMNS)
    return frame


def membership() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "name": strings("Ayesha Siddiqui", "Bilal Ahmed", "Sana Iqbal"),
            "email": strings("ayesha.siddiqui@pu.edu.pk", "bilal.ahmed@nust.edu.pk", "sana.iqbal@pu.edu.pk"),
            "external_id": strings("PU-2023-0001", None, "PU-2023-0002"),
            "program_name": strings("PU Cohort 1", "NUST Cohort 1", "PU Cohort 1"),
            "program_slug": strings("pu-cohort-1-ab12c", "nust-cohort-1-xy9z8", "pu-cohort-1-ab12c"),
            "enrolled_courses": pd.array([2, 2, 0], dtype="Int64"),
            "completed_courses": pd.array([1, 0, 0], dtype="Int64"),
            "member_state": strings("MEMBER", "MEMBER", "INVITED"),
            "join_date": timestamps("2024-01-09T08:00:00Z", "2024-01-20T08:00:00Z", None),
            "invitation_date": timestamps("2024-01-05T08:00:00Z", "2024-01-05T08:00:00Z", "2024-02-01T08:00:00Z"),
            "last_activity_at": timestamps("2024-03-04T23:59:00Z", None, None),
            "learning_hours": np.array([15.75, 0.0, np.nan]),
            "extras": strings(None, None, None),
        }
    )
    assert list(frame) == list(MEMBERSHIP_COLUMNS)
    return frame
