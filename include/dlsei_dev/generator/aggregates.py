"""The four summary files of the current ZIP (learning paths, business units, countries, cities).

The pipeline reads only CourseActivity and ProgramActivity; these exist so the ZIP looks like the real one, and
they are plain sums over the same snapshot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlsei_dev.generator.state import Snapshot
from dlsei_dev.generator.text import format_hundredths
from dlsei_dev.generator.world import World


def _seat_frame(world: World, snap: Snapshot) -> pd.DataFrame:
    learner = world.timelines.seats.learner[snap.seats]
    people = world.learners
    return pd.DataFrame(
        {
            "Business Unit": np.where(people.business_unit[learner] == "", "Unassigned", people.business_unit[learner]),
            "Location City": np.where(people.city[learner] == "", "Unknown", people.city[learner]),
            "Location Country": np.where(people.country[learner] == "", "Unknown", people.country[learner]),
            "Members": 1,
            "Enrolled Learners": (snap.seat_enrolled > 0).astype(int),
            "Enrollments": snap.seat_enrolled,
            "Completed Courses": snap.seat_completed,
            "Learning Hours": snap.seat_hours,
        }
    )


def _as_text(frame: pd.DataFrame) -> list[np.ndarray]:
    frame = frame.assign(**{"Learning Hours": frame["Learning Hours"].map(format_hundredths)})
    return [frame[column].astype(str).to_numpy(dtype=object) for column in frame.columns]


def activity_by(world: World, snap: Snapshot, keys: list[str]) -> list[np.ndarray]:
    sums = _seat_frame(world, snap).drop(
        columns=[c for c in ("Business Unit", "Location City", "Location Country") if c not in keys]
    )
    return _as_text(sums.groupby(keys, sort=True).sum().reset_index())


def learning_path_activity(world: World, snap: Snapshot) -> list[np.ndarray]:
    catalogue = world.catalogue
    e = world.timelines.enrolments
    seat = e.seat[snap.enrolments]
    path = catalogue.collection[e.course[snap.enrolments]]
    in_path = path >= 0
    programme = world.timelines.seats.programme[seat[in_path]]
    frame = pd.DataFrame(
        {
            "path": path[in_path],
            "programme": programme,
            "seat": seat[in_path],
            "completed": snap.completed[in_path].astype(int),
            "hours": snap.hours[in_path],
        }
    )
    sums = (
        frame.groupby(["path", "programme"], sort=True)
        .agg(
            learners=("seat", "nunique"),
            enrolments=("seat", "size"),
            completed=("completed", "sum"),
            hours=("hours", "sum"),
        )
        .reset_index()
    )
    names = np.asarray(catalogue.path_names, dtype=object)
    ids = np.asarray(catalogue.path_ids, dtype=object)
    return _as_text(
        pd.DataFrame(
            {
                "Learning Path Name": names[sums["path"]],
                "Learning Path ID": ids[sums["path"]],
                "Program Name": world.programmes.name[sums["programme"]],
                "Program Slug": world.programmes.slug[sums["programme"]],
                "Enrolled Learners": sums["learners"],
                "Enrollments": sums["enrolments"],
                "Completed Courses": sums["completed"],
                "Learning Hours": sums["hours"],
            }
        )
    )
