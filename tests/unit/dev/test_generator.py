"""The sample-data generator: deterministic bytes, the exact Coursera layouts, the mess on demand, and a truth that
agrees with what an independent reader counts in the rendered files."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from dlsei_dev.generator import SampleConfig, SampleManifest, generate_sample

from dlsei.canonical import DOMAINS, MEMBER_STATES, REGIONS, REGISTRY_FILES, REMOVAL_STATES
from dlsei.cli import main

# Copied from /work/shared/reference/coursera-exports.md, not from the generator, so a drift in either shows.
LEGACY_USAGE = [
    "Name",
    "Email",
    "External Id",
    "Course",
    "Course ID",
    "Course Slug",
    "University",
    "Enrollment Time",
    "Class Start Time",
    "Class End Time",
    "Last Course Activity Time",
    "Overall Progress",
    "Estimated Learning Hours",
    "Completed",
    "Removed From Program",
    "Program Slug",
    "Program Name",
    "Enrollment Source",
    "Completion Time",
    "Course Grade",
    "Course Certificate URL",
    "For Credit",
    "Course Type",
    "Job Title",
    "Job Type",
    "Location City",
    "Location Region",
    "Location Country",
]
LEGACY_MEMBERSHIP = [
    "Name",
    "Email",
    "External Id",
    "Program Name",
    "Program Slug",
    "# Enrolled Courses",
    "# Completed Courses",
    "Member State",
    "Join Date",
    "Invitation Date",
    "Latest Program Activity Date",
    "Job Title",
    "Job Type",
    "Location City",
    "Location Region",
    "Location Country",
]
CURRENT_COURSE_ACTIVITY = (
    '"Name","Email","External ID","Course","Course ID","Course Slug","University","Enrollment Time",'
    '"Class Start Time","Class End Time","Last Course Activity Time","Overall Progress",'
    '"Total Estimated Learning Hours (since enrolled)","Completed","Removed From Program","Program Slug",'
    '"Program Name","Collection Name","Collection ID","Completion Time","Course Grade","Course Certificate URL",'
    '"Contract","Is Enterprise Contract Active","Learning Hours","Course Type","Manager Name","Manager Email",'
    '"Job Title","Job Type","Business Unit","Business Unit 2","Location City","Location Region","Location Country"'
)
CURRENT_PROGRAM_ADDED = {
    "Contract(s)",
    "Contract ID(s)",
    "Learning Hours",
    "Manager Name",
    "Manager Email",
    "Business Unit",
    "Business Unit 2",
}
ZIP_KINDS = (
    "CourseActivity",
    "ProgramActivity",
    "LearningPathActivity",
    "ActivityByBusinessUnit",
    "ActivityByCountry",
    "ActivityByCity",
)
STAMP = re.compile(r"(\d{4}-\d{2}-\d{2}) 02-00-00 UTC")
NAIVE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$")
KARACHI_OFFSET = timedelta(hours=5)


# --- an independent reader of the rendered files (stdlib csv only) -------------------------------------------


def raw_files(manifest: SampleManifest) -> dict[str, bytes]:
    """Every CSV the sample delivers, ZIP members included, by file name."""
    out: dict[str, bytes] = {}
    for path in manifest.files:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                out.update({name: archive.read(name) for name in archive.namelist()})
        else:
            out[path.name] = path.read_bytes()
    return out


def parse(data: bytes) -> tuple[list[str], list[list[str]]]:
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header = next(reader)
    return header, list(reader)


def records(data: bytes) -> list[dict[str, str]]:
    header, rows = parse(data)
    return [dict(zip(header, row, strict=True)) for row in rows]


def registry(files: dict[str, bytes], kind: str) -> list[dict[str, str]]:
    (name,) = [n for n in files if n.startswith(f"hec_{kind}_")]
    return records(files[name])


def exports_by_day(files: dict[str, bytes]) -> dict[date, dict[str, list[dict[str, str]]]]:
    days: dict[date, dict[str, list[dict[str, str]]]] = defaultdict(dict)
    for name, data in files.items():
        match = STAMP.search(name)
        if not match:
            continue
        as_of = date.fromisoformat(match.group(1)) - timedelta(days=1)
        if name.startswith(("Usage Report", "CourseActivity")):
            days[as_of]["course"] = records(data)
        elif name.startswith(("Membership Report", "ProgramActivity")):
            days[as_of]["membership"] = records(data)
    return dict(days)


def instant(text: str) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # Excel dropped the zone; it was UTC


def activity_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) + KARACHI_OFFSET).date()


def pct(part: int, whole: int) -> str:
    value = (Decimal(100 * part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return str(value)


def count_from_files(files: dict[str, bytes]) -> dict[tuple[str, str, str], dict[str, str]]:
    """docs/measures.md applied to the files as the pipeline will see them."""
    programme_of = {p["program_slug"]: (p["university_id"], p["cohort_id"]) for p in registry(files, "programmes")}
    allocations = registry(files, "seat_allocations")
    seen: set[tuple[str, str]] = set()
    result: dict[tuple[str, str, str], dict[str, str]] = {}
    for as_of, export in sorted(exports_by_day(files).items()):
        last: dict[tuple[str, str], datetime | None] = {}
        state: dict[tuple[str, str], str] = {}
        for m in export["membership"]:
            key = (m["Email"].strip().lower(), m["Program Slug"])
            state[key] = m["Member State"]
            last[key] = instant(m.get("Last Program Activity Date", m.get("Latest Program Activity Date", "")))
        enrolments: dict[tuple[str, str, str], dict[str, str]] = {}
        for c in export["course"]:
            seat = (c["Email"].strip().lower(), c["Program Slug"])
            enrolments[(*seat, c["Course ID"])] = c
            moment = instant(c["Last Course Activity Time"])
            if moment and (last[seat] is None or moment > last[seat]):
                last[seat] = moment
        seen |= set(state)
        tally: dict[tuple[str, str], dict[str, int | Decimal]] = defaultdict(lambda: defaultdict(int))
        for seat, member_state in state.items():
            t = tally[programme_of[seat[1]]]
            if member_state == "INVITED":
                t["invited"] += 1
                continue
            t["joined"] += 1
            if last[seat] is None:
                t["never_started"] += 1
                continue
            age = (as_of - activity_day(last[seat])).days
            t["active_7d"] += age <= 6
            t["active_30d"] += age <= 29
            t["dormant"] += age > 29
        for seat in seen - set(state):
            tally[programme_of[seat[1]]]["removed"] += 1
        for (_, slug, _), c in enrolments.items():
            t = tally[programme_of[slug]]
            t["enrolments"] += 1
            t["completions"] += c["Completed"] == "Yes"
            t["certificates"] += c["Course Certificate URL"] != ""
            t["hours"] += Decimal(c.get("Learning Hours", c.get("Estimated Learning Hours")))
        for a in allocations:
            if not a["cohort_start"] <= as_of.isoformat() <= a["cohort_end"]:
                continue
            t = tally[(a["university_id"], a["cohort_id"])]
            allocated = int(a["seats"])
            held = t["invited"] + t["joined"]
            measures = {
                "allocated": allocated,
                "invited": t["invited"],
                "joined": t["joined"],
                "seats_held": held,
                "active_7d": t["active_7d"],
                "active_30d": t["active_30d"],
                "dormant": t["dormant"],
                "never_started": t["never_started"],
                "removed": t["removed"],
                "free_seats": allocated - held,
                "utilisation_pct": pct(t["active_30d"], allocated),
                "join_rate_pct": pct(t["joined"], allocated),
                "enrolments": t["enrolments"],
                "completions": t["completions"],
                "certificates": t["certificates"],
                "learning_hours": f"{Decimal(t['hours']):.2f}",
            }
            key = (as_of.isoformat(), a["university_id"], a["cohort_id"])
            result[key] = {k: str(v) for k, v in measures.items()}
    return result


def truth_rows(manifest: SampleManifest, name: str = "utilisation") -> list[dict[str, str]]:
    return records(manifest.truth_of(name).read_bytes())


def running(allocations: list[dict[str, str]], as_of: date) -> list[tuple[str, str]]:
    return [
        (a["university_id"], a["cohort_id"]) for a in allocations if a["cohort_start"] <= str(as_of) <= a["cohort_end"]
    ]


def count_matches_from_files(files: dict[str, bytes]) -> dict[tuple[str, str, str, str], str]:
    """Each membership row matched to the people extract: External Id = roll number, else the one person with
    the e-mail (ambiguous when several), else unmatched; counted per running allocation x method."""
    people = registry(files, "people")
    rolls = {p["roll_number"].strip().upper() for p in people}
    sharing: dict[str, int] = defaultdict(int)
    for p in people:
        sharing[p["email"].strip().lower()] += 1
    programme_of = {p["program_slug"]: (p["university_id"], p["cohort_id"]) for p in registry(files, "programmes")}
    result = {}
    for as_of, export in sorted(exports_by_day(files).items()):
        tally: dict[tuple[str, str, str], int] = defaultdict(int)
        for m in export["membership"]:
            external_id = m.get("External Id", m.get("External ID", "")).strip().upper()
            shared = sharing[m["Email"].strip().lower()]
            method = (
                "external_id"
                if external_id in rolls
                else "email"
                if shared == 1
                else "ambiguous"
                if shared > 1
                else "unmatched"
            )
            tally[(*programme_of[m["Program Slug"]], method)] += 1
        for university, cohort in running(registry(files, "seat_allocations"), as_of):
            for method in ("external_id", "email", "ambiguous", "unmatched"):
                result[(str(as_of), university, cohort, method)] = str(tally[(university, cohort, method)])
    return result


def count_activity_from_files(files: dict[str, bytes], breakdown: str) -> dict[tuple[str, ...], dict[str, str]]:
    """Course rows by the catalogue's domain or content type: enrolments, completions, hours, and distinct
    learners (by e-mail) with a row active on A-29 or later."""
    attribute = "domain" if breakdown == "domain" else "content_type"
    category_of = {c["course_id"]: c[attribute] for c in registry(files, "course_catalogue")}
    programme_of = {p["program_slug"]: (p["university_id"], p["cohort_id"]) for p in registry(files, "programmes")}
    result = {}
    for as_of, export in sorted(exports_by_day(files).items()):
        rows = {(c["Email"].strip().lower(), c["Program Slug"], c["Course ID"]): c for c in export["course"]}
        tally: dict[tuple[str, ...], dict] = defaultdict(lambda: {"n": 0, "done": 0, "hours": Decimal(0), "who": set()})
        for (email, slug, course), c in rows.items():
            t = tally[(str(as_of), *programme_of[slug], category_of[course])]
            t["n"] += 1
            t["done"] += c["Completed"] == "Yes"
            t["hours"] += Decimal(c.get("Learning Hours", c.get("Estimated Learning Hours")))
            moment = instant(c["Last Course Activity Time"])
            if moment and (as_of - activity_day(moment)).days <= 29:
                t["who"].add(email)
        for key, t in tally.items():
            result[key] = {
                "enrolments": str(t["n"]),
                "completions": str(t["done"]),
                "learning_hours": f"{t['hours']:.2f}",
                "active_learners": str(len(t["who"])),
            }
    return result


# --- fixtures ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    return generate_sample(SampleConfig(out_dir=tmp_path_factory.mktemp("default")))


@pytest.fixture(scope="module")
def default_files(default: SampleManifest) -> dict[str, bytes]:
    return raw_files(default)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> SampleManifest:
    config = SampleConfig(
        out_dir=tmp_path_factory.mktemp("clean"), people=500, days=6, current_layout_from_day=4, mess=False
    )
    return generate_sample(replace(config, zip_current=False))


def small(out_dir: Path, seed: int) -> SampleConfig:
    return SampleConfig(out_dir=out_dir, seed=seed, universities=8, people=400, days=5, current_layout_from_day=3)


# --- determinism -------------------------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    generate_sample(small(tmp_path / "a", seed=11))
    generate_sample(small(tmp_path / "b", seed=11))
    generate_sample(small(tmp_path / "c", seed=12))
    first, second, other = tree(tmp_path / "a"), tree(tmp_path / "b"), tree(tmp_path / "c")
    assert first == second
    assert len(first) == 5 + 2 * 2 + 3 + 4  # registry, 2 legacy days x 2 files, 3 ZIPs, 4 truth files
    assert first.keys() == other.keys()
    # With eight universities the seven-region spread leaves one draw, which two seeds may well agree on.
    assert all(first[name] != other[name] for name in first if "hec_universities" not in name)


def test_a_rerun_replaces_the_files_of_an_earlier_run(tmp_path: Path) -> None:
    generate_sample(SampleConfig(out_dir=tmp_path, people=200, days=4))
    manifest = generate_sample(SampleConfig(out_dir=tmp_path, people=200, days=2, start=date(2026, 12, 1)))
    assert sorted(manifest.incoming_dir.iterdir()) == sorted(manifest.files)


# --- layouts -----------------------------------------------------------------------------------------------------


def test_file_names_follow_the_export_stamps(default: SampleManifest) -> None:
    names = [p.name for p in default.files]
    assert default.as_of_dates == [date(2026, 11, 1) + timedelta(days=i) for i in range(15)]
    assert [f"hec_{kind}_2026-11-01.csv" for kind in REGISTRY_FILES] == names[:5]
    assert names[5:7] == ["Usage Report 2026-11-02 02-00-00 UTC.csv", "Membership Report 2026-11-02 02-00-00 UTC.csv"]
    zips = [n for n in names if n.endswith(".zip")]
    assert zips[0] == "CourseraEnterpriseExport 2026-11-09 02-00-00 UTC.zip"
    assert len(zips) == 8
    assert len([n for n in names if n.startswith("Usage Report")]) == 7
    with zipfile.ZipFile(default.incoming_dir / zips[0]) as archive:
        assert archive.namelist() == [
            f"{kind} HEC DLSEI - CourseraEnterpriseExport 2026-11-09 02-00-00 UTC.csv" for kind in ZIP_KINDS
        ]


def test_every_layout_has_its_exact_header(default_files: dict[str, bytes], clean: SampleManifest) -> None:
    headers = {name: data.decode("utf-8-sig").splitlines()[0] for name, data in default_files.items()}
    for kind, columns in REGISTRY_FILES.items():
        assert headers[f"hec_{kind}_2026-11-01.csv"] == ",".join(columns)
    for name, header in headers.items():
        if name.startswith("Usage Report"):
            assert header == ",".join(LEGACY_USAGE)
        elif name.startswith("Membership Report"):
            assert header == ",".join(LEGACY_MEMBERSHIP)
        elif name.startswith("CourseActivity"):
            assert header == CURRENT_COURSE_ACTIVITY
        elif name.startswith("ProgramActivity"):
            columns = parse(default_files[name])[0]
            assert header == ",".join(f'"{c}"' for c in columns)
            assert len(columns) == 23
            legacy = [
                c if c != "Latest Program Activity Date" else "Last Program Activity Date" for c in LEGACY_MEMBERSHIP
            ]
            # The spelling of External Id/ID is not fixed by the spec, and headers match case-insensitively.
            assert [c.casefold() for c in columns if c not in CURRENT_PROGRAM_ADDED] == [c.casefold() for c in legacy]
            assert {c.casefold() for c in columns} - {c.casefold() for c in legacy} == {
                c.casefold() for c in CURRENT_PROGRAM_ADDED
            }
    bare = {p.name.split(" ")[0] for p in clean.files if p.suffix == ".csv" and not p.name.startswith("hec_")}
    assert bare == {"Usage", "Membership", "CourseActivity", "ProgramActivity"}


def test_current_files_quote_every_field(default_files: dict[str, bytes]) -> None:
    name = next(n for n in default_files if n.startswith("CourseActivity"))
    lines = default_files[name].decode("utf-8-sig").splitlines()
    assert lines[1].startswith('"') and lines[1].endswith('"')
    assert lines[1].count('","') == 34


def test_values_have_coursera_formats(default_files: dict[str, bytes], default: SampleManifest) -> None:
    day = exports_by_day(default_files)[default.as_of_dates[-1]]
    stamp = datetime(2026, 11, 16, 2, tzinfo=UTC)
    for row in day["course"]:
        for column in ("Enrollment Time", "Last Course Activity Time", "Completion Time"):
            if row[column]:
                assert ISO_MS.match(row[column])
                moment = instant(row[column])
                assert moment < stamp and 4 <= moment.hour <= 16
        for column in ("Class Start Time", "Class End Time"):
            if row[column]:
                assert row[column][10:] in ("T08:00:00.000Z", "T07:59:59.000Z", "T07:00:00.000Z", "T06:59:59.000Z")
        assert re.match(r"^\d{1,3}\.\d{2}$", row["Overall Progress"]) and float(row["Overall Progress"]) <= 100
        assert re.match(r"^\d{1,3}\.\d{2}$", row["Course Grade"]) and float(row["Course Grade"]) <= 100
        assert row["Completed"] in ("Yes", "No") and row["Removed From Program"] == "No"
        assert (row["Course Certificate URL"] != "") == (row["Completed"] == "Yes") == (row["Completion Time"] != "")
        assert len(row["Course ID"]) == 22
    # A removed learner leaves the export in the sample, as in most of Coursera's: no removal state is listed.
    assert {m["Member State"] for m in day["membership"]} == set(MEMBER_STATES) - set(REMOVAL_STATES)


def test_membership_agrees_with_the_course_rows(default_files: dict[str, bytes]) -> None:
    for export in exports_by_day(default_files).values():
        courses: dict[tuple[str, str], dict[str, dict[str, str]]] = defaultdict(dict)
        for c in export["course"]:
            courses[(c["Email"].lower(), c["Program Slug"])][c["Course ID"]] = c
        for m in export["membership"]:
            rows = courses.get((m["Email"].lower(), m["Program Slug"]), {})
            assert int(m["# Enrolled Courses"]) == len(rows)
            assert int(m["# Completed Courses"]) == sum(r["Completed"] == "Yes" for r in rows.values())
            activity = [instant(r["Last Course Activity Time"]) for r in rows.values()]
            latest = max((a for a in activity if a), default=None)
            assert instant(m.get("Last Program Activity Date", m.get("Latest Program Activity Date"))) == latest
            if m["Member State"] == "INVITED":
                assert not rows and m["Join Date"] == ""


# --- registry ----------------------------------------------------------------------------------------------------


def test_registry_extracts_are_plausible_and_consistent(default_files: dict[str, bytes]) -> None:
    universities = registry(default_files, "universities")
    assert len(universities) == 12
    assert {u["region"] for u in universities} == set(REGIONS)
    assert {u["sector"] for u in universities} == {"public", "private"}

    people = registry(default_files, "people")
    assert len(people) == 1500
    assert len({p["roll_number"] for p in people}) == len(people)
    assert len({p["email"] for p in people}) == len(people)
    assert len({p["cnic"] for p in people}) == len(people)
    assert all(re.match(r"^[1345678]\d{4}-\d{7}-\d$", p["cnic"]) for p in people)
    assert 0.06 < sum(p["role"] == "faculty" for p in people) / len(people) < 0.14
    assert {p["status"] for p in people} == {"enrolled", "graduated", "left"}
    assert all(p["status_date"] <= "2026-11-01" for p in people)

    allocations = registry(default_files, "seat_allocations")
    windows = {
        "2026-H1": ("2026-02-01", "2026-07-31"),
        "2026-H2": ("2026-08-01", "2027-01-31"),
        "2027-H1": ("2027-02-01", "2027-07-31"),
    }
    per_university = defaultdict(list)
    for a in allocations:
        assert windows[a["cohort_id"]] == (a["cohort_start"], a["cohort_end"])
        assert int(a["seats"]) > 0
        per_university[a["university_id"]].append(a["cohort_id"])
    assert all(2 <= len(c) <= 3 and len(set(c)) == len(c) for c in per_university.values())

    programmes = registry(default_files, "programmes")
    assert sorted((p["university_id"], p["cohort_id"]) for p in programmes) == sorted(
        (a["university_id"], a["cohort_id"]) for a in allocations
    )
    assert all(re.match(r"^[a-z0-9-]+-\d{4}h[12]-[a-z0-9]{5}$", p["program_slug"]) for p in programmes)

    catalogue = registry(default_files, "course_catalogue")
    assert len(catalogue) == 120
    assert {c["domain"] for c in catalogue} == set(DOMAINS)
    assert {c["content_type"] for c in catalogue} == {"course", "guided_project"}
    assert all(re.match(r"^[A-Za-z0-9_-]{22}$", c["course_id"]) for c in catalogue)


# --- the mess ----------------------------------------------------------------------------------------------------


def mess_found(files: dict[str, bytes]) -> dict[str, bool]:
    exports = {n: d for n, d in files.items() if not n.startswith("hec_")}
    registry_emails = {p["email"] for p in registry(files, "people")}
    course_rows = {n: parse(d)[1] for n, d in exports.items() if n.startswith(("Usage", "CourseActivity"))}
    days = exports_by_day(files)
    spellings: dict[str, set[str]] = defaultdict(set)
    between_files = False
    for export in days.values():
        in_course = {r["Email"].lower(): r["Email"] for r in export["course"]}
        for m in export["membership"]:
            spellings[m["Email"].lower()].add(m["Email"])
            other = in_course.get(m["Email"].lower())
            between_files |= other is not None and other != m["Email"]
    people = [r for export in days.values() for kind in export.values() for r in kind]
    return {
        "bom": any(d.startswith(b"\xef\xbb\xbf") for d in exports.values()),
        "crlf": any(b"\r\n" in d for d in exports.values()),
        "comma in a name": any("," in r["Name"] for r in people),
        "line break in a field": any("\n" in v for r in people for v in r.values()),
        "urdu name": any(re.search("[\u0600-\u06ff]", r["Name"]) for r in people),
        "e-mail case between files": between_files,
        "e-mail case between days": any(len(s) > 1 for s in spellings.values()),
        "duplicate rows": any(len({tuple(r) for r in rows}) < len(rows) for rows in course_rows.values()),
        "blank external id": any(r.get("External Id", r.get("External ID")) == "" for r in people),
        "learner not in registry": any(r["Email"].lower() not in registry_emails for r in people),
        "naive timestamps": any(NAIVE.match(r["Last Course Activity Time"]) for r in people if "Course ID" in r),
    }


def test_the_mess_is_there_when_asked_for(default_files: dict[str, bytes]) -> None:
    found = mess_found(default_files)
    assert all(found.values()), {k: v for k, v in found.items() if not v}


def test_clean_files_have_none_of_the_mess(clean: SampleManifest) -> None:
    found = mess_found(raw_files(clean))
    assert not any(found.values()), {k: v for k, v in found.items() if v}


# --- the truth ---------------------------------------------------------------------------------------------------


def test_truth_identities_hold(default: SampleManifest) -> None:
    rows = truth_rows(default)
    assert len(rows) == 15 * 12  # every university holds the 2026-H2 cohort
    for r in rows:
        n = {k: int(v) for k, v in r.items() if k not in ("as_of_date", "university_id", "cohort_id") and "." not in v}
        assert n["joined"] == n["active_30d"] + n["dormant"] + n["never_started"]
        assert n["seats_held"] == n["invited"] + n["joined"]
        assert n["free_seats"] == n["allocated"] - n["seats_held"]
        assert n["active_7d"] <= n["active_30d"]
        assert n["certificates"] <= n["completions"] <= n["enrolments"]
    totals = {m: sum(int(r[m]) for r in rows) for m in ("invited", "dormant", "never_started", "removed")}
    assert all(totals.values()), totals  # every lifecycle state occurs


def test_truth_matches_an_independent_count_of_the_files(default: SampleManifest, default_files: dict) -> None:
    expected = {(r["as_of_date"], r["university_id"], r["cohort_id"]): r for r in truth_rows(default)}
    counted = count_from_files(default_files)
    assert counted.keys() == expected.keys()
    for key, measures in counted.items():
        truth = {k: v for k, v in expected[key].items() if k not in ("as_of_date", "university_id", "cohort_id")}
        assert measures == truth, key


def test_match_and_activity_truths_match_an_independent_count_of_the_files(
    default: SampleManifest, default_files: dict
) -> None:
    matches = {
        (r["as_of_date"], r["university_id"], r["cohort_id"], r["match_method"]): r["learners"]
        for r in truth_rows(default, "learner_match")
    }
    assert matches == count_matches_from_files(default_files)
    methods = defaultdict(int)
    for (*_, method), learners in matches.items():
        methods[method] += int(learners)
    # The mess puts blank External Ids and learners the registry lacks in the sample; no e-mail is shared.
    assert methods["external_id"] > methods["email"] > 0
    assert methods["unmatched"] > 0
    assert methods["ambiguous"] == 0
    for breakdown in ("domain", "course_type"):
        truth = {
            (r["as_of_date"], r["university_id"], r["cohort_id"], r[breakdown]): {
                m: r[m] for m in ("enrolments", "completions", "learning_hours", "active_learners")
            }
            for r in truth_rows(default, f"activity_by_{breakdown}")
        }
        assert truth == count_activity_from_files(default_files, breakdown)


def test_truth_of_clean_bare_files_matches_too(clean: SampleManifest) -> None:
    expected = {(r["as_of_date"], r["university_id"], r["cohort_id"]): r for r in truth_rows(clean)}
    counted = count_from_files(raw_files(clean))
    assert counted.keys() == expected.keys()
    assert all(counted[k] == {m: v for m, v in expected[k].items() if m in counted[k]} for k in counted)


def test_last_day_only_writes_one_day(tmp_path: Path) -> None:
    manifest = generate_sample(replace(small(tmp_path, seed=3), last_day_only=True))
    assert manifest.as_of_dates == [date(2026, 11, 5)]
    assert [p.name for p in manifest.files][5:] == ["CourseraEnterpriseExport 2026-11-06 02-00-00 UTC.zip"]
    assert {r["as_of_date"] for r in truth_rows(manifest)} == {"2026-11-05"}


# --- the command line --------------------------------------------------------------------------------------------


def test_cli_generate_writes_the_sample(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["generate", "--out", str(tmp_path), "--seed", "5", "--universities", "7", "--people", "200"]
    assert main([*argv, "--start", "2026-12-01", "--days", "2", "--no-mess", "--no-zip"]) == 0
    output = capsys.readouterr().out
    assert "2026-12-01 .. 2026-12-02" in output and "utilisation.csv" in output
    names = sorted(p.name for p in (tmp_path / "incoming").iterdir())
    assert "Usage Report 2026-12-02 02-00-00 UTC.csv" in names
    assert len(names) == 5 + 4
