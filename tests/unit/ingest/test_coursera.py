"""Bad input never crashes the run and never loses data: each bad file is quarantined untouched with its rule,
recorded in the ledger, reported to the data team, and the day's good files still load, on a local folder and on
a real S3 endpoint alike."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, generate_sample
from hostile_files import zip_bomb
from sqlalchemy import Engine, func, select

from dlsei.cli import main
from dlsei.ingest.arrivals import missing_exports, published_kinds
from dlsei.ingest.coursera import ingest_coursera_exports
from dlsei.ingest.intake import FAILED_CHECK
from dlsei.ingest.landing import Landing, landing_from_url
from dlsei.ingest.ledger import LOADED, QUARANTINED
from dlsei.resources import Resources
from dlsei.runs import KARACHI, RunContext
from dlsei.settings import load_settings
from dlsei.warehouse.schema import alert_message, dq_result, file_ledger, snap_course_activity, snap_membership

STAMP = "2026-11-02 02-00-00 UTC"
USAGE = f"Usage Report {STAMP}.csv"
MEMBERSHIP = f"Membership Report {STAMP}.csv"
RUN_AT = datetime(2026, 11, 2, 8, 0, tzinfo=KARACHI)


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue().encode()


def _replace_cell(text: str, column: str, value: str, row: int = 1) -> bytes:
    rows = _rows(text)
    rows[row][rows[0].index(column)] = value
    return _csv(rows)


def _drop_column(text: str, column: str) -> bytes:
    rows = _rows(text)
    index = rows[0].index(column)
    return _csv([cells[:index] + cells[index + 1 :] for cells in rows])


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A ZIP of half a megabyte whose member expands to 512 MiB of NUL bytes."""
    with tempfile.TemporaryDirectory() as scratch:
        return zip_bomb(Path(scratch) / "bomb.zip", f"CourseActivity x - {STAMP}.csv").read_bytes()


def _nul(data: bytes) -> bytes:
    at = data.index(b"\n", data.index(b"\n") + 1)
    return data[:at] + b"\0" * 4 + data[at:]


# name suffix -> (how to break the good usage report, the rule the ledger must give)
BAD: dict[str, tuple[Callable[[str, bytes], bytes], str]] = {
    "unknown": (lambda t, b: b"colour,size\nred,3\n", "unknown_layout"),
    "nocourseid": (lambda t, b: _drop_column(t, "Course ID"), "missing_column"),
    "empty": (lambda t, b: b"", "empty_file"),
    "headeronly": (lambda t, b: t.split("\n")[0].encode() + b"\n", "header_only"),
    "truncated": (lambda t, b: b[: b.rindex(b"\n", 0, len(b) - 1) + 40], "truncated"),
    "latin1": (lambda t, b: b.replace(b"\n", b"\n\xe9", 3).replace(b"\n\xe9", b"\n", 2), "encoding"),
    "baddate": (lambda t, b: _replace_cell(t, "Enrollment Time", "next tuesday", row=2), "timestamp"),
    "percent": (lambda t, b: _replace_cell(t, "Overall Progress", "10%", row=3), "number"),
    "progress": (lambda t, b: _replace_cell(t, "Overall Progress", "150.00", row=4), "progress_range"),
    "noslug": (lambda t, b: _replace_cell(t, "Program Slug", "", row=2), FAILED_CHECK),
    "zipextra": (lambda t, b: _zip({f"CourseActivity x - {STAMP}.csv": b, "readme.txt": b"hello"}), "zip_members"),
    "zipbomb": (lambda t, b: _bomb(), "zip_limits"),
    "zipslip": (lambda t, b: _zip({f"../../CourseActivity x - {STAMP}.csv": b}), "zip_slip"),
    "zipnested": (lambda t, b: _zip({f"CourseActivity x - {STAMP}.csv": _zip({"a.csv": b})}), "zip_nested"),
    "hugeheader": (lambda t, b: b"Name," + b"x" * (3 << 20) + b"\n" + b, "field_too_large"),
    "nul": (lambda t, b: _nul(b), "nul_bytes"),
    "utf16": (lambda t, b: t.encode("utf-16"), "encoding"),
}


@pytest.fixture(scope="module")
def good_day(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    sample = generate_sample(
        SampleConfig(out_dir=tmp_path_factory.mktemp("good"), universities=3, people=90, days=1, mess=False)
    )
    return {path.name: path.read_bytes() for path in sample.files if not path.name.startswith("hec_")}


@pytest.fixture(params=["folder", "s3"])
def landing(request: pytest.FixtureRequest, dlsei_env: Path, monkeypatch: pytest.MonkeyPatch) -> Landing:
    """The landing area as a deployment configures it: through the Variable every component reads."""
    if request.param == "s3":
        monkeypatch.setenv("AIRFLOW_VAR_DLSEI_LANDING_URL", f"s3://{request.getfixturevalue('s3_bucket')}/coursera")
    return landing_from_url(load_settings().landing_url)


def test_every_bad_file_is_quarantined_and_the_good_ones_still_load(
    good_day: dict[str, bytes], landing: Landing, warehouse: Engine
) -> None:
    assert sorted(good_day) == [MEMBERSHIP, USAGE]
    usage_bytes = good_day[USAGE]
    usage_text = usage_bytes.decode()
    bad_files = {
        f"Usage Report {STAMP} {suffix}.{'zip' if suffix.startswith('zip') else 'csv'}": (
            breaker(usage_text, usage_bytes),
            rule,
        )
        for suffix, (breaker, rule) in BAD.items()
    }
    for name, data in good_day.items():
        landing.put(f"incoming/{name}", data)
    for name, (data, _) in bad_files.items():
        landing.put(f"incoming/{name}", data)

    run = RunContext(load_id="test/bad-input", logical_dt=RUN_AT, settings=load_settings())
    # The sensor's look at the waiting files never raises, whatever they hold: both exports are there.
    assert missing_exports(run, Resources(warehouse, landing)) == []
    report = ingest_coursera_exports(run, Resources(warehouse, landing))

    statuses = {o.file_name: o.status for o in report.outcomes}
    assert statuses == {MEMBERSHIP: LOADED, USAGE: LOADED} | {name: QUARANTINED for name in bad_files}
    assert landing.list_incoming() == []

    with warehouse.connect() as conn:
        ledger = {row.file_name: row for row in conn.execute(select(file_ledger))}
        # Rows per file_id: each snapshot row names its own file's ledger entry (no foreign key checks it).
        by_file = {
            snapshot.name: dict(conn.execute(select(snapshot.c.file_id, func.count()).group_by("file_id")).all())
            for snapshot in (snap_membership, snap_course_activity)
        }
        notices = dict(
            conn.execute(
                select(alert_message.c.subject, alert_message.c.body).where(alert_message.c.audience == "data_team")
            ).all()
        )
    # Nothing of a good file was lost: every record read is in the snapshot or counted as a folded repeat.
    for good in (MEMBERSHIP, USAGE):
        assert ledger[good].rows_read == ledger[good].rows_loaded + ledger[good].rows_rejected > 0
    assert by_file["snap_membership"] == {ledger[MEMBERSHIP].file_id: ledger[MEMBERSHIP].rows_loaded}
    assert by_file["snap_course_activity"] == {ledger[USAGE].file_id: ledger[USAGE].rows_loaded}

    quarantined = {f.name: f for f in landing.list("quarantine/")}
    for name, (data, rule) in bad_files.items():
        entry = ledger[name]
        assert entry.status == QUARANTINED
        # A parser rule is named as such; a failed check by its expectation and column.
        named = "critical expect_column_values_to_not_be_null on program_slug" if rule == FAILED_CHECK else rule
        assert named in entry.reason, (name, entry.reason)
        assert entry.stored_key == f"quarantine/{name}"
        with landing.fetch(entry.stored_key) as path:
            assert path.read_bytes() == data, "a quarantined file is kept byte for byte"
        with landing.fetch(f"quarantine/{name}.reason.json") as path:
            reason = json.loads(path.read_text())
        assert reason["rule"] == rule
        assert name in quarantined
        # A file a check stopped points at the checks' report; the others' reason says it all.
        links_docs = "Every check, in Data Docs: file://" in notices[f"Quarantined: {name}"]
        assert links_docs is (rule == FAILED_CHECK), name


def test_the_same_bytes_load_once(good_day: dict[str, bytes], landing: Landing, warehouse: Engine) -> None:
    run = RunContext(load_id="test/duplicates", logical_dt=RUN_AT, settings=load_settings())
    landing.put(f"incoming/{USAGE}", good_day[USAGE])
    landing.put(f"incoming/{MEMBERSHIP}", good_day[MEMBERSHIP])
    ingest_coursera_exports(run, Resources(warehouse, landing))
    landing.put(f"incoming/copy of {USAGE}", good_day[USAGE])
    second = ingest_coursera_exports(run, Resources(warehouse, landing))
    assert [(o.file_name, o.status) for o in second.outcomes] == [(f"copy of {USAGE}", "duplicate")]
    with warehouse.connect() as conn:
        loaded = conn.execute(select(func.count()).select_from(file_ledger).where(file_ledger.c.status == LOADED))
        assert loaded.scalar_one() == 2
    assert [f.key for f in landing.list("archive/duplicates/")] == [f"archive/duplicates/copy of {USAGE}"]


def test_a_fixed_quarantined_file_replays_with_one_command(
    good_day: dict[str, bytes], landing: Landing, warehouse: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    run = RunContext(load_id="test/replay", logical_dt=RUN_AT, settings=load_settings())
    landing.put(f"incoming/{MEMBERSHIP}", good_day[MEMBERSHIP])
    landing.put(f"incoming/{USAGE}", good_day[USAGE][: len(good_day[USAGE]) // 2])  # cut off in transfer
    first = ingest_coursera_exports(run, Resources(warehouse, landing))
    assert {o.file_name: o.status for o in first.outcomes}[USAGE] == QUARANTINED

    landing.put(f"quarantine/{USAGE}", good_day[USAGE])  # the data team puts the complete file in its place
    assert main(["replay", USAGE]) == 0
    assert f"{USAGE} is back in incoming/{USAGE}" in capsys.readouterr().out
    second = ingest_coursera_exports(run, Resources(warehouse, landing))
    assert [(o.file_name, o.status) for o in second.outcomes] == [(USAGE, LOADED)]
    assert not [f for f in landing.list("quarantine/") if f.name.startswith(USAGE)]


def test_a_zip_whose_course_member_is_empty_loads_with_a_warning(landing: Landing, warehouse: Engine) -> None:
    """A day nobody studied: the console's CourseActivity member is header-only while its ProgramActivity member
    lists the programme's members. The ZIP loads (both kinds published for the date), the empty member warned."""
    fixtures = Path(__file__).parents[2] / "fixtures" / "exports"
    stamp = "CourseraEnterpriseExport 2026-05-04 17-33-53 UTC"
    courses = (fixtures / "current_course_activity_35.csv").read_text().splitlines()[0] + "\n"
    name = f"HEC Cohort 2 - {stamp}.zip"
    landing.put(
        f"incoming/{name}",
        _zip(
            {
                f"CourseActivity HEC Cohort 2 - {stamp}.csv": courses.encode(),
                f"ProgramActivity HEC Cohort 2 - {stamp}.csv": (
                    fixtures / "current_program_activity_23.csv"
                ).read_bytes(),
            }
        ),
    )
    run = RunContext(
        load_id="test/empty-member", logical_dt=datetime(2026, 5, 5, 8, tzinfo=KARACHI), settings=load_settings()
    )
    report = ingest_coursera_exports(run, Resources(warehouse, landing))
    assert [(o.file_name, o.status, o.rows_loaded) for o in report.outcomes] == [(name, LOADED, 2)]
    as_of = report.outcomes[0].as_of_date
    assert published_kinds(warehouse, as_of) == {"course_activity", "membership"}
    with warehouse.connect() as conn:
        warnings = conn.execute(
            select(dq_result.c.suite, dq_result.c.expectation, dq_result.c.severity).where(
                dq_result.c.load_id == run.load_id, dq_result.c.success.is_(False)
            )
        ).all()
        members = conn.execute(select(func.count()).select_from(snap_membership)).scalar_one()
    assert [(w.expectation, w.severity) for w in warnings] == [("expect_table_row_count_to_be_between", "warning")]
    assert "course_activity" in warnings[0].suite
    assert members == 2
