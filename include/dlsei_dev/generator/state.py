"""The world at the end of one as-of day: which seats an export lists and what each enrolment shows.

The renderers and the truth both start here, so the files and the truth describe the same world; the truth's
independence lies in counting from these arrays, never from the rendered text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlsei_dev.generator.cohorts import SECONDS_PER_DAY
from dlsei_dev.generator.programmes import Programmes
from dlsei_dev.generator.streams import uniform_below
from dlsei_dev.generator.timelines import FIRST_SECOND, LAST_SECOND, Timelines

NONE = -1  # no instant (never active, never completed)


@dataclass(frozen=True)
class Snapshot:
    day: int
    # Seats listed in the day's membership export, ascending (so grouped by programme).
    seats: np.ndarray
    member: np.ndarray
    seat_last_at: np.ndarray  # epoch second of the latest course activity, NONE without any
    seat_enrolled: np.ndarray
    seat_completed: np.ndarray
    seat_hours: np.ndarray  # hundredths of an hour
    # Enrolments listed in the day's course-activity export, ascending (so grouped by seat).
    enrolments: np.ndarray
    enrolment_seat_row: np.ndarray  # row of the enrolment's seat in the seat arrays above
    last_at: np.ndarray
    progress: np.ndarray  # hundredths of a percent
    completed: np.ndarray
    grade: np.ndarray  # hundredths of a point
    hours: np.ndarray  # hundredths of an hour


def activity_second(timelines: Timelines, enrolment: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Time of day of an enrolment's session on a day: stable for that (enrolment, day), never before enrolling."""
    span = LAST_SECOND - FIRST_SECOND
    second = FIRST_SECOND + uniform_below(timelines.activity_salt, span, enrolment, day)
    e = timelines.enrolments
    return np.where(day == e.enrol_day[enrolment], np.maximum(second, e.enrol_sec[enrolment]), second)


def snapshot(timelines: Timelines, programmes: Programmes, day: int) -> Snapshot:
    s = timelines.seats
    e = timelines.enrolments
    listed = (
        (s.invite_day <= day)
        & (day < s.removal_day)
        & (programmes.start_day[s.programme] <= day)
        & (day <= programmes.end_day[s.programme])
    )
    seats = np.flatnonzero(listed)
    enrolments = np.flatnonzero(listed[e.seat] & (e.enrol_day <= day))
    seat_row = np.searchsorted(seats, e.seat[enrolments])

    first = e.first_day[enrolments]
    cadence = e.cadence[enrolments]
    sessions = np.where(day >= first, np.minimum(e.planned[enrolments], (day - first) // cadence + 1), 0)
    last_day = first + cadence * (sessions - 1)
    active = sessions > 0
    last_at = np.where(
        active,
        last_day * SECONDS_PER_DAY + activity_second(timelines, enrolments, np.where(active, last_day, 0)),
        NONE,
    )
    progress = np.minimum(10_000, sessions * e.per_session[enrolments])
    completed = e.completes[enrolments] & (sessions == e.planned[enrolments])

    n_seats = len(seats)
    seat_last_at = np.full(n_seats, NONE, dtype=np.int64)
    if len(enrolments):
        group_start = np.flatnonzero(np.r_[True, seat_row[1:] != seat_row[:-1]])
        seat_last_at[seat_row[group_start]] = np.maximum.reduceat(last_at, group_start)
    hours = sessions * e.hours_per_session[enrolments]
    return Snapshot(
        day=day,
        seats=seats,
        member=s.join_day[seats] <= day,
        seat_last_at=seat_last_at,
        seat_enrolled=np.bincount(seat_row, minlength=n_seats),
        seat_completed=np.bincount(seat_row, weights=completed, minlength=n_seats).astype(np.int64),
        seat_hours=np.bincount(seat_row, weights=hours, minlength=n_seats).astype(np.int64),
        enrolments=enrolments,
        enrolment_seat_row=seat_row,
        last_at=last_at,
        progress=progress,
        completed=completed,
        grade=e.final_grade[enrolments] * progress // 10_000,
        hours=hours,
    )
