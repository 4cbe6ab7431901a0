"""The independent truth: every utilisation measure of docs/measures.md per as-of date x university x cohort, how
its learners match the registry, and its course activity by domain and by course type, counted from the
simulation's own arrays (who was invited, joined, removed when; what each enrolment shows; whose External Id is
blank, who is missing from the registry), never from the rendered files, so comparing it with the pipeline's marts
tests parsing, matching and SQL together."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlsei_dev.generator.cohorts import NEVER, SECONDS_PER_DAY, day_date
from dlsei_dev.generator.state import NONE, Snapshot
from dlsei_dev.generator.text import format_hundredths
from dlsei_dev.generator.world import World

# The truth files (truth/<name>.csv) and their columns.
TRUTH_FILES = ("utilisation", "learner_match", "activity_by_domain", "activity_by_course_type")
# Spelled out from docs/measures.md, not imported from the warehouse schema: the truth must not follow the
# pipeline if the pipeline drifts.
MATCH_METHODS = ("external_id", "email", "ambiguous", "unmatched")
MATCH_COLUMNS = ("as_of_date", "university_id", "cohort_id", "match_method", "learners")
ACTIVITY_MEASURES = ("enrolments", "completions", "learning_hours", "active_learners")
TRUTH_COLUMNS: tuple[str, ...] = (
    "as_of_date",
    "university_id",
    "cohort_id",
    "allocated",
    "invited",
    "joined",
    "seats_held",
    "active_7d",
    "active_30d",
    "dormant",
    "never_started",
    "removed",
    "free_seats",
    "utilisation_pct",
    "join_rate_pct",
    "enrolments",
    "completions",
    "certificates",
    "learning_hours",
)


def percentage(part: int, whole: int) -> str:
    """100 * part / whole to two decimals, halves rounded up, computed exactly in integers; empty when whole = 0."""
    if whole == 0:
        return ""
    return format_hundredths((20_000 * part + whole) // (2 * whole))


def seen_before_removal(world: World, written_days: np.ndarray) -> np.ndarray:
    """Seats listed in at least one written export before their removal (a seat can only be missed once seen)."""
    s = world.timelines.seats
    listed_from = np.maximum(s.invite_day, world.programmes.start_day[s.programme])
    first_written = np.searchsorted(written_days, listed_from)
    found = first_written < len(written_days)
    day = np.where(found, written_days[np.minimum(first_written, len(written_days) - 1)], NEVER)
    return found & (day < s.removal_day) & (day <= world.programmes.end_day[s.programme])


def truth_for_day(world: World, snap: Snapshot, seen: np.ndarray) -> pd.DataFrame:
    s = world.timelines.seats
    e = world.timelines.enrolments
    p = world.programmes
    a = snap.day
    n = len(p)

    def per_programme(programme: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(programme, weights=weights, minlength=n).astype(np.int64)

    programme = s.programme[snap.seats]
    joined = snap.member
    has_activity = snap.seat_last_at != NONE
    last_day = np.where(has_activity, snap.seat_last_at // SECONDS_PER_DAY, NONE)
    removed = seen & (s.removal_day <= a)
    enrolment_programme = s.programme[e.seat[snap.enrolments]]
    counts = {
        "allocated": p.allocated,
        "invited": per_programme(programme[~joined]),
        "joined": per_programme(programme[joined]),
        "active_7d": per_programme(programme[joined & has_activity & (last_day >= a - 6)]),
        "active_30d": per_programme(programme[joined & has_activity & (last_day >= a - 29)]),
        "dormant": per_programme(programme[joined & has_activity & (last_day < a - 29)]),
        "never_started": per_programme(programme[joined & ~has_activity]),
        "removed": per_programme(s.programme[removed]),
        "enrolments": per_programme(enrolment_programme),
        "completions": per_programme(enrolment_programme[snap.completed]),
        # A certificate URL is issued exactly when a course is completed.
        "certificates": per_programme(enrolment_programme[snap.completed]),
        "hours": per_programme(enrolment_programme, snap.hours),
    }
    running = np.flatnonzero((p.start_day <= a) & (a <= p.end_day))
    rows = []
    for i in running:
        c = {k: int(v[i]) for k, v in counts.items()}
        held = c["invited"] + c["joined"]
        rows.append(
            {
                "as_of_date": day_date(a).isoformat(),
                "university_id": world.university_ids[p.university[i]],
                "cohort_id": p.cohort_id[i],
                "allocated": c["allocated"],
                "invited": c["invited"],
                "joined": c["joined"],
                "seats_held": held,
                "active_7d": c["active_7d"],
                "active_30d": c["active_30d"],
                "dormant": c["dormant"],
                "never_started": c["never_started"],
                "removed": c["removed"],
                "free_seats": c["allocated"] - held,
                "utilisation_pct": percentage(c["active_30d"], c["allocated"]),
                "join_rate_pct": percentage(c["joined"], c["allocated"]),
                "enrolments": c["enrolments"],
                "completions": c["completions"],
                "certificates": c["certificates"],
                "learning_hours": format_hundredths(c["hours"]),
            }
        )
    frame = pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))
    return frame.sort_values(["university_id", "cohort_id"], kind="stable")


def _running(world: World, day: int) -> np.ndarray:
    p = world.programmes
    return np.flatnonzero((p.start_day <= day) & (day <= p.end_day))


def match_truth_for_day(world: World, snap: Snapshot) -> pd.DataFrame:
    """Learners per running programme x match method: External Id equal to a registry roll number first, else the
    e-mail of exactly one registry person (ambiguous if several), else unmatched. The generator writes both in
    their normalised form (roll numbers upper case, e-mails lower case), so equal strings are equal keys."""
    people = world.registry["people"]
    learner = world.timelines.seats.learner[snap.seats]
    external_id = world.faces.external_id[learner]
    sharing = people["email"].value_counts().reindex(world.learners.email[learner], fill_value=0).to_numpy()
    # A hash lookup: np.isin on arrays of Python strings sorts both and took over 15 minutes at 1,000,000 seats.
    by_roll = (external_id != "") & pd.Series(external_id).isin(people["roll_number"]).to_numpy()
    method = np.select([by_roll, sharing == 1, sharing > 1], MATCH_METHODS[:3], MATCH_METHODS[3])
    programme = world.timelines.seats.programme[snap.seats]
    learners = pd.DataFrame({"programme": programme, "method": method}).value_counts()
    p = world.programmes
    rows = [
        {
            "as_of_date": day_date(snap.day).isoformat(),
            "university_id": world.university_ids[p.university[i]],
            "cohort_id": p.cohort_id[i],
            "match_method": name,
            "learners": int(learners.get((i, name), 0)),
        }
        for i in _running(world, snap.day)
        for name in MATCH_METHODS
    ]
    return pd.DataFrame(rows, columns=list(MATCH_COLUMNS))


def activity_truth_for_day(world: World, snap: Snapshot, breakdown: str) -> pd.DataFrame:
    """Enrolments, completions, hours and distinct learners active in the 30-day window per running programme x
    `breakdown` (the course's catalogue domain, or course_type: course or guided_project)."""
    e = world.timelines.enrolments
    s = world.timelines.seats
    seat = e.seat[snap.enrolments]
    course = e.course[snap.enrolments]
    if breakdown == "domain":
        category = world.catalogue.frame["domain"].to_numpy()[course]
    else:
        category = np.where(world.catalogue.guided[course], "guided_project", "course")
    active = (snap.last_at != NONE) & (snap.last_at // SECONDS_PER_DAY >= snap.day - 29)
    frame = pd.DataFrame(
        {
            "programme": s.programme[seat],
            breakdown: category,
            "completed": snap.completed,
            "hours": snap.hours,
            "active_learner": pd.Series(s.learner[seat]).where(active),
        }
    )
    frame = frame[frame["programme"].isin(_running(world, snap.day))]
    sums = (
        frame.groupby(["programme", breakdown], sort=False)
        .agg(
            enrolments=("hours", "size"),
            completions=("completed", "sum"),
            hours=("hours", "sum"),
            active_learners=("active_learner", "nunique"),
        )
        .reset_index()
    )
    p = world.programmes
    programme = sums["programme"].to_numpy(dtype=np.int64)
    out = pd.DataFrame(
        {
            "as_of_date": day_date(snap.day).isoformat(),
            "university_id": np.asarray(world.university_ids, dtype=object)[p.university[programme]],
            "cohort_id": p.cohort_id[programme],
            breakdown: sums[breakdown],
            "enrolments": sums["enrolments"],
            "completions": sums["completions"].astype(int),
            "learning_hours": sums["hours"].map(format_hundredths),
            "active_learners": sums["active_learners"],
        }
    )
    return out.sort_values(["university_id", "cohort_id", breakdown], kind="stable")
