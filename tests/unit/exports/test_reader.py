"""An export read as a stream: the header is checked when it is opened, the records block by block as they are
read, each block indexed by record number, and a bad record far down the file refuses it while streaming."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from dlsei.exports import ExportRejected, StreamOptions, open_export, read_export
from dlsei.exports.layouts import LEGACY_MEMBERSHIP_16

WriteExport = Callable[..., Path]
MEMBER = {
    "Email": "sana.tariq@qau.edu.pk",
    "Program Slug": "hec-cohort-2-ab3x9",
    "# Enrolled Courses": "2",
    "Member State": "MEMBER",
    "Invitation Date": "2025-04-18T09:00:00.000Z",
}
ROWS = 70_000  # several parser batches


def test_blocks_are_indexed_by_record_number_and_add_up_to_the_whole_frame(write_export: WriteExport) -> None:
    rows = [{**MEMBER, "# Enrolled Courses": str(n % 7)} for n in range(ROWS)]
    path = write_export(LEGACY_MEMBERSHIP_16, rows)
    [stream] = open_export(path.name, path, options=StreamOptions(block_rows=1))
    blocks = list(stream.blocks)
    assert len(blocks) > 1
    assert [b.index[0] for b in blocks] == [1, *(int(b.index[-1]) + 1 for b in blocks[:-1])]
    assert blocks[-1].index[-1] == ROWS
    [whole] = read_export(path.name, path)
    streamed = pd.concat(blocks)
    assert streamed.reset_index(drop=True).equals(whole.frame)


def test_a_bad_record_far_down_is_refused_while_streaming(write_export: WriteExport) -> None:
    rows = [MEMBER] * ROWS
    rows[ROWS - 10] = {**MEMBER, "Invitation Date": "next tuesday"}
    path = write_export(LEGACY_MEMBERSHIP_16, rows)
    [stream] = open_export(path.name, path, options=StreamOptions(block_rows=1))
    read = 0
    with pytest.raises(ExportRejected) as caught:
        for block in stream.blocks:
            read += len(block)
    assert (caught.value.rule, caught.value.row) == ("timestamp", ROWS - 9)
    assert 0 < read < ROWS, "the blocks before the bad one were handed out first"


def test_a_header_only_file_is_refused_when_its_records_are_read(write_export: WriteExport) -> None:
    path = write_export(LEGACY_MEMBERSHIP_16, [])
    [stream] = open_export(path.name, path)
    with pytest.raises(ExportRejected, match="header_only"):
        list(stream.blocks)


def test_a_stream_without_extras_types_everything_else_alike(write_export: WriteExport) -> None:
    rows = [{**MEMBER, "Job Title": "Lecturer", "Location City": "Quetta"}] * 3
    path = write_export(LEGACY_MEMBERSHIP_16, rows)
    [whole] = read_export(path.name, path)
    [stream] = open_export(path.name, path, options=StreamOptions(keep_extras=False))
    [block] = list(stream.blocks)
    assert whole.frame["extras"].notna().all()
    assert block["extras"].isna().all()
    assert block.drop(columns="extras").reset_index(drop=True).equals(whole.frame.drop(columns="extras"))
