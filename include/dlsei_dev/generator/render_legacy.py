"""One as-of day in the legacy layouts: a Usage report (28 columns) and a Membership report (16 columns)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from dlsei_dev.generator.csv_files import Table, write_csv
from dlsei_dev.generator.export_fields import columns, course_activity_fields, membership_fields
from dlsei_dev.generator.layouts import LEGACY_MEMBERSHIP, LEGACY_USAGE, legacy_membership_name, legacy_usage_name
from dlsei_dev.generator.mess import file_style, with_duplicates
from dlsei_dev.generator.state import Snapshot
from dlsei_dev.generator.streams import stream
from dlsei_dev.generator.world import World


def write_legacy_day(
    world: World, snap: Snapshot, folder: Path, stamp: datetime, *, naive_times: bool, first_of_layout: bool
) -> list[Path]:
    usage_name = legacy_usage_name(stamp)
    order = with_duplicates(len(snap.enrolments), world.mess, stream(world.seed, f"duplicates-{snap.day}"))
    usage = Table(
        usage_name,
        LEGACY_USAGE,
        columns(course_activity_fields(world, snap, naive_times=naive_times), LEGACY_USAGE, order),
        file_style(usage_name, world.seed, world.mess, quote_all=False, force_bom=first_of_layout),
    )
    membership_name = legacy_membership_name(stamp)
    membership = Table(
        membership_name,
        LEGACY_MEMBERSHIP,
        columns(membership_fields(world, snap), LEGACY_MEMBERSHIP),
        file_style(membership_name, world.seed, world.mess, quote_all=False, force_crlf=first_of_layout),
    )
    return [write_csv(folder, usage), write_csv(folder, membership)]
