"""Closed-form life stories of every seat and every course enrolment.

Each seat is a few day numbers (invited, joined, removed) and each enrolment a handful of parameters (enrolled,
first session, cadence, sessions planned, progress and hours per session), so the state as of any day follows by
arithmetic over whole arrays (state.py), without stepping through the days before it.

All event times of day fall between 04:00 and 16:00 UTC, so an event's UTC date is also its Asia/Karachi date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlsei_dev.generator.catalogue import Catalogue
from dlsei_dev.generator.cohorts import NEVER
from dlsei_dev.generator.population import Learners
from dlsei_dev.generator.programmes import INVITE_SHARE, Programmes

FIRST_SECOND = 4 * 3600
LAST_SECOND = 16 * 3600
JOIN_SHARE = 0.72  # invited learners who ever accept
NO_COURSE_SHARE = 0.15  # joined learners who never enrol in a course
UNSTARTED_SHARE = 0.1  # enrolments with no activity at all
REMOVAL_SHARE = 0.06  # seats reclaimed while the sample's exports run
CROSS_FACULTY_SHARE = 0.03  # faculty also holding a seat at a second university
CADENCES = np.array([1, 2, 3, 4, 5, 7, 10, 14])
CADENCE_WEIGHTS = np.array([0.2, 0.2, 0.15, 0.12, 0.1, 0.1, 0.08, 0.05])
CERTIFICATE_ALPHABET = np.frombuffer(b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789", dtype="S1")


@dataclass(frozen=True)
class Seats:
    learner: np.ndarray
    programme: np.ndarray
    invite_day: np.ndarray
    invite_sec: np.ndarray
    join_day: np.ndarray  # NEVER when the invitation is never accepted
    join_sec: np.ndarray
    removal_day: np.ndarray  # first as-of day the seat is missing from the export; NEVER if kept

    def __len__(self) -> int:
        return len(self.learner)


@dataclass(frozen=True)
class Enrolments:
    seat: np.ndarray  # sorted ascending: a seat's enrolments are contiguous
    course: np.ndarray
    enrol_day: np.ndarray
    enrol_sec: np.ndarray
    first_day: np.ndarray  # first session, NEVER for an enrolment never started
    cadence: np.ndarray  # days between sessions
    planned: np.ndarray  # sessions the learner will do
    per_session: np.ndarray  # progress per session, hundredths of a percent
    hours_per_session: np.ndarray  # hundredths of an hour
    completes: np.ndarray  # the planned sessions reach 100 %
    final_grade: np.ndarray  # hundredths of a point, reached at 100 % progress
    certificate: np.ndarray  # verification code, used once completed

    def __len__(self) -> int:
        return len(self.seat)


@dataclass(frozen=True)
class Timelines:
    seats: Seats
    enrolments: Enrolments
    activity_salt: int  # keys the hash that places each session within its day


def _later_second(rng: np.random.Generator, earlier: np.ndarray, same_day: np.ndarray) -> np.ndarray:
    """A time of day for an event that follows another: after it when both fall on the same day."""
    u = rng.random(len(earlier))
    fresh = FIRST_SECOND + (u * (LAST_SECOND - FIRST_SECOND)).astype(np.int64)
    after = earlier + 1 + (u * (LAST_SECOND - 1 - earlier)).astype(np.int64)
    return np.where(same_day, after, fresh)


def _seat_holders(
    learners: Learners, programmes: Programmes, simulated: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    registry = np.flatnonzero(learners.home >= 0)
    learner_parts: list[np.ndarray] = []
    programme_parts: list[np.ndarray] = []
    n_unis = int(programmes.university.max()) + 1
    for cohort in sorted(set(programmes.cohort_id[simulated])):
        in_cohort = simulated[programmes.cohort_id[simulated] == cohort]
        programme_of = np.full(n_unis, -1)
        programme_of[programmes.university[in_cohort]] = in_cohort
        start = programmes.start_day[in_cohort[0]]
        target = programme_of[learners.home[registry]]
        invited = (
            (target >= 0) & (learners.eligible_from[registry] >= start) & (rng.random(len(registry)) < INVITE_SHARE)
        )
        learner_parts.append(registry[invited])
        programme_parts.append(target[invited])
        if len(in_cohort) > 1:
            # A few faculty teach at a second university and hold a seat in its programme too.
            guest = invited & learners.faculty[registry] & (rng.random(len(registry)) < CROSS_FACULTY_SHARE)
            hosts = in_cohort[rng.integers(0, len(in_cohort) - 1, int(guest.sum()))]
            hosts = np.where(hosts == target[guest], in_cohort[-1], hosts)
            learner_parts.append(registry[guest])
            programme_parts.append(hosts)
    externals = np.flatnonzero(learners.home < 0)
    learner_parts.append(externals)
    programme_parts.append(simulated[rng.integers(0, len(simulated), len(externals))])
    learner = np.concatenate(learner_parts)
    programme = np.concatenate(programme_parts)
    order = np.lexsort((learner, programme))
    return learner[order], programme[order]


def build_seats(
    learners: Learners,
    programmes: Programmes,
    simulated: np.ndarray,
    written_days: np.ndarray,
    rng: np.random.Generator,
) -> Seats:
    learner, programme = _seat_holders(learners, programmes, simulated, rng)
    n = len(learner)
    start = programmes.start_day[programme]
    end = programmes.end_day[programme]
    # Most invitations go out in the cohort's first weeks; the rest trickle in as seats are handed on.
    early = rng.random(n) < 0.6
    span = np.maximum(1, end - start - 45)
    invite = start + np.where(early, rng.exponential(10, n), rng.random(n) * span).astype(np.int64)
    invite = np.clip(np.minimum(invite, learners.eligible_from[learner]), start, end)
    invite_sec = FIRST_SECOND + (rng.random(n) * (LAST_SECOND - FIRST_SECOND - 7200)).astype(np.int64)

    joins = rng.random(n) < JOIN_SHARE
    join = np.where(joins, invite + rng.exponential(7, n).astype(np.int64), NEVER)
    join_sec = _later_second(rng, invite_sec, join == invite)

    # A seat is only reclaimed after it showed up in an export, so the warehouse has something to remember.
    seen_from = np.maximum(invite, written_days[0])
    seen_until = np.minimum(written_days[-1], end)
    removable = (seen_from < seen_until) & (rng.random(n) < REMOVAL_SHARE)
    removal_day = seen_from + 1 + (rng.random(n) * (seen_until - seen_from)).astype(np.int64)
    return Seats(
        learner=learner,
        programme=programme,
        invite_day=invite,
        invite_sec=invite_sec,
        join_day=join,
        join_sec=join_sec,
        removal_day=np.where(removable, removal_day, NEVER),
    )


def build_enrolments(seats: Seats, catalogue: Catalogue, rng: np.random.Generator) -> Enrolments:
    joined = np.flatnonzero(seats.join_day < NEVER)
    wanted = np.where(rng.random(len(joined)) < NO_COURSE_SHARE, 0, np.minimum(rng.geometric(0.28, len(joined)), 15))
    drawn_seat = np.repeat(joined, wanted)
    drawn_course = rng.choice(len(catalogue), len(drawn_seat), p=catalogue.popularity)
    # One enrolment per learner x course: repeated draws of a course collapse.
    key = np.unique(drawn_seat.astype(np.int64) * len(catalogue) + drawn_course)
    seat = key // len(catalogue)
    course = key % len(catalogue)
    n = len(seat)

    first_of_seat = np.r_[True, seat[1:] != seat[:-1]] if n else np.zeros(0, dtype=bool)
    join = seats.join_day[seat]
    enrol = join + np.where(first_of_seat, rng.exponential(3, n), rng.exponential(35, n)).astype(np.int64)
    enrol_sec = _later_second(rng, seats.join_sec[seat], enrol == join)
    started = rng.random(n) >= UNSTARTED_SHARE
    first = np.where(started, enrol + rng.exponential(1.0, n).astype(np.int64), NEVER)

    guided = catalogue.guided[course]
    per_session = np.where(guided, rng.integers(2500, 6000, n), rng.integers(250, 1800, n))
    needed = -(-10_000 // per_session)
    completes = (rng.random(n) < np.where(guided, 0.6, 0.3)) | (needed == 1)
    planned = np.where(completes, needed, 1 + (rng.random(n) * (needed - 1)).astype(np.int64))
    codes = CERTIFICATE_ALPHABET[rng.integers(0, len(CERTIFICATE_ALPHABET), (n, 12))]
    return Enrolments(
        seat=seat,
        course=course,
        enrol_day=enrol,
        enrol_sec=enrol_sec,
        first_day=first,
        cadence=rng.choice(CADENCES, n, p=CADENCE_WEIGHTS),
        planned=planned,
        per_session=per_session,
        hours_per_session=np.where(guided, rng.integers(40, 120, n), rng.integers(30, 250, n)),
        completes=completes,
        final_grade=rng.integers(6000, 10_001, n),
        certificate=codes.view("S12").ravel(),
    )


def build_timelines(
    *,
    learners: Learners,
    programmes: Programmes,
    catalogue: Catalogue,
    written_days: np.ndarray,
    seed: int,
    rng: np.random.Generator,
) -> Timelines:
    """Seats of every programme whose cohort overlaps the exported days, and their enrolments."""
    overlaps = (programmes.start_day <= written_days[-1]) & (programmes.end_day >= written_days[0])
    simulated = np.flatnonzero(overlaps)
    seats = build_seats(learners, programmes, simulated, written_days, rng)
    return Timelines(seats=seats, enrolments=build_enrolments(seats, catalogue, rng), activity_salt=seed)
