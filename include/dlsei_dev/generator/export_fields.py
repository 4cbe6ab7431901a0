"""The value of every Coursera export column for one snapshot, as arrays of strings keyed by header name.

Legacy and current layouts share most columns and differ in names and order; each renderer asks for the headers
of its layout, and only the columns asked for are built.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlsei_dev.generator.cohorts import SECONDS_PER_DAY
from dlsei_dev.generator.mess import ACTIVITY_FILE, MEMBERSHIP_FILE, rendered_emails
from dlsei_dev.generator.state import NONE, Snapshot
from dlsei_dev.generator.text import hundredths, integers, iso_ms, naive, pacific_midnights, yes_no
from dlsei_dev.generator.world import World

CLASS_WEEKS = 8
CERTIFICATE_PREFIX = "https://coursera.org/verify/"
CONTRACT_NAME = "HEC Pakistan - Digital Learning and Skills Enrichment Initiative"

Fields = dict[str, Callable[[], np.ndarray]]


def _constant(value: str, rows: int) -> Callable[[], np.ndarray]:
    return lambda: np.full(rows, value, dtype=object)


def _learner_fields(world: World, learner: np.ndarray) -> Fields:
    people = world.learners
    return {
        "Name": lambda: people.name[learner],
        "External Id": lambda: world.faces.external_id[learner],
        "External ID": lambda: world.faces.external_id[learner],
        "Job Title": lambda: world.faces.job_title[learner],
        "Job Type": lambda: np.where(
            people.home[learner] < 0, "", np.where(people.faculty[learner], "Faculty", "Student")
        ).astype(object),
        "Manager Name": _constant("", len(learner)),
        "Manager Email": _constant("", len(learner)),
        "Business Unit": lambda: people.business_unit[learner],
        "Business Unit 2": lambda: people.business_unit_2[learner],
        "Location City": lambda: people.city[learner],
        "Location Region": lambda: people.region[learner],
        "Location Country": lambda: people.country[learner],
    }


def _programme_fields(world: World, programme: np.ndarray) -> Fields:
    return {
        "Program Slug": lambda: world.programmes.slug[programme],
        "Program Name": lambda: world.programmes.name[programme],
    }


def course_activity_fields(world: World, snap: Snapshot, *, naive_times: bool = False) -> Fields:
    e = world.timelines.enrolments
    s = world.timelines.seats
    c = world.catalogue
    rows = snap.enrolments
    seat = e.seat[rows]
    learner = s.learner[seat]
    course = e.course[rows]
    guided = c.guided[course]
    # An export that went through Excel lost the zone and the milliseconds of its event times.
    stamp = naive if naive_times else iso_ms

    def class_time(offset_weeks: int, shift: int) -> np.ndarray:
        # The session the learner joined opened on the Monday before enrolling (1970-01-01 was a Thursday).
        eve = e.enrol_day[rows] - 1
        monday = eve - (eve + 3) % 7
        return iso_ms(np.where(guided, NONE, pacific_midnights(monday + 7 * offset_weeks) + shift))

    def certificate() -> np.ndarray:
        codes = e.certificate[rows[snap.completed]].astype(str).astype(object)
        out = np.full(len(rows), "", dtype=object)
        out[snap.completed] = CERTIFICATE_PREFIX + codes
        return out

    collection = c.collection[course]
    path_names = np.asarray(("", *c.path_names), dtype=object)
    path_ids = np.asarray(("", *c.path_ids), dtype=object)

    def hours() -> np.ndarray:
        return hundredths(snap.hours)

    return {
        **_learner_fields(world, learner),
        **_programme_fields(world, s.programme[seat]),
        "Email": lambda: rendered_emails(world.faces, learner, snap.day, ACTIVITY_FILE, world.seed),
        "Course": lambda: c.name[course],
        "Course ID": lambda: c.course_id[course],
        "Course Slug": lambda: c.slug[course],
        "University": lambda: c.partner[course],
        "Enrollment Time": lambda: stamp(e.enrol_day[rows] * SECONDS_PER_DAY + e.enrol_sec[rows]),
        "Class Start Time": lambda: class_time(0, 0),
        "Class End Time": lambda: class_time(CLASS_WEEKS, -1),
        "Last Course Activity Time": lambda: stamp(snap.last_at),
        "Overall Progress": lambda: hundredths(snap.progress),
        "Estimated Learning Hours": hours,
        "Learning Hours": hours,
        "Total Estimated Learning Hours (since enrolled)": lambda: hundredths(
            c.est_hours[course] * snap.progress // 10_000
        ),
        "Completed": lambda: yes_no(snap.completed),
        "Removed From Program": _constant("No", len(rows)),
        "Enrollment Source": _constant("Program Invitation", len(rows)),
        "Completion Time": lambda: stamp(np.where(snap.completed, snap.last_at, NONE)),
        "Course Grade": lambda: hundredths(snap.grade),
        "Course Certificate URL": certificate,
        "For Credit": _constant("No", len(rows)),
        "Course Type": lambda: np.where(guided, "Guided Project", "Course").astype(object),
        "Collection Name": lambda: path_names[collection + 1],
        "Collection ID": lambda: path_ids[collection + 1],
        "Contract": _constant(CONTRACT_NAME, len(rows)),
        "Is Enterprise Contract Active": _constant("Yes", len(rows)),
    }


def membership_fields(world: World, snap: Snapshot) -> Fields:
    s = world.timelines.seats
    rows = snap.seats
    learner = s.learner[rows]

    def last_activity() -> np.ndarray:
        return iso_ms(snap.seat_last_at)

    return {
        **_learner_fields(world, learner),
        **_programme_fields(world, s.programme[rows]),
        "Email": lambda: rendered_emails(world.faces, learner, snap.day, MEMBERSHIP_FILE, world.seed),
        "# Enrolled Courses": lambda: integers(snap.seat_enrolled),
        "# Completed Courses": lambda: integers(snap.seat_completed),
        "Member State": lambda: np.where(snap.member, "MEMBER", "INVITED").astype(object),
        "Join Date": lambda: iso_ms(np.where(snap.member, s.join_day[rows] * SECONDS_PER_DAY + s.join_sec[rows], NONE)),
        "Invitation Date": lambda: iso_ms(s.invite_day[rows] * SECONDS_PER_DAY + s.invite_sec[rows]),
        "Latest Program Activity Date": last_activity,
        "Last Program Activity Date": last_activity,
        "Learning Hours": lambda: hundredths(snap.seat_hours),
        "Contract(s)": _constant(CONTRACT_NAME, len(rows)),
        "Contract ID(s)": _constant(world.contract_id, len(rows)),
    }


def columns(fields: Fields, header: tuple[str, ...], order: np.ndarray | None = None) -> list[np.ndarray]:
    built = [fields[name]() for name in header]
    return built if order is None else [column[order] for column in built]
