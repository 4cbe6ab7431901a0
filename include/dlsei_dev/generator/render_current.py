"""One as-of day in the current layouts: the six-file CourseraEnterpriseExport ZIP, or with zipping off the bare
CourseActivity (35 columns) and ProgramActivity (23 columns) files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

from dlsei_dev.generator.aggregates import activity_by, learning_path_activity
from dlsei_dev.generator.csv_files import Table, write_csv, write_zip
from dlsei_dev.generator.export_fields import columns, course_activity_fields, membership_fields
from dlsei_dev.generator.layouts import (
    ACTIVITY_BY_BUSINESS_UNIT,
    ACTIVITY_BY_CITY,
    ACTIVITY_BY_COUNTRY,
    CURRENT_COURSE_ACTIVITY,
    CURRENT_PROGRAM_ACTIVITY,
    LEARNING_PATH_ACTIVITY,
    current_member_name,
    export_zip_name,
)
from dlsei_dev.generator.mess import file_style, with_duplicates
from dlsei_dev.generator.state import Snapshot
from dlsei_dev.generator.streams import stream
from dlsei_dev.generator.world import World


def _table(
    world: World, kind: str, stamp: datetime, header: tuple[str, ...], cols: list[np.ndarray], **force: bool
) -> Table:
    name = current_member_name(kind, stamp)
    return Table(name, header, cols, file_style(name, world.seed, world.mess, quote_all=True, **force))


def write_current_day(
    world: World, snap: Snapshot, folder: Path, stamp: datetime, *, zipped: bool, first_of_layout: bool
) -> list[Path]:
    order = with_duplicates(len(snap.enrolments), world.mess, stream(world.seed, f"duplicates-{snap.day}"))
    course_activity = _table(
        world,
        "CourseActivity",
        stamp,
        CURRENT_COURSE_ACTIVITY,
        columns(course_activity_fields(world, snap), CURRENT_COURSE_ACTIVITY, order),
        force_bom=first_of_layout,
        force_crlf=first_of_layout,
    )
    program_activity = _table(
        world,
        "ProgramActivity",
        stamp,
        CURRENT_PROGRAM_ACTIVITY,
        columns(membership_fields(world, snap), CURRENT_PROGRAM_ACTIVITY),
    )
    if not zipped:
        return [write_csv(folder, course_activity), write_csv(folder, program_activity)]
    extras = [
        _table(world, "LearningPathActivity", stamp, LEARNING_PATH_ACTIVITY, learning_path_activity(world, snap)),
        _table(
            world,
            "ActivityByBusinessUnit",
            stamp,
            ACTIVITY_BY_BUSINESS_UNIT,
            activity_by(world, snap, ["Business Unit"]),
        ),
        _table(world, "ActivityByCountry", stamp, ACTIVITY_BY_COUNTRY, activity_by(world, snap, ["Location Country"])),
        _table(
            world,
            "ActivityByCity",
            stamp,
            ACTIVITY_BY_CITY,
            activity_by(world, snap, ["Location City", "Location Country"]),
        ),
    ]
    tables = [course_activity, program_activity, *extras]
    return [write_zip(folder / export_zip_name(stamp), tables, stamp)]
