"""The analysts' data dictionary, docs/data-dictionary.md, written from the schema itself.

    python -m dlsei_dev.dictionary          # rewrite docs/data-dictionary.md
    python -m dlsei_dev.dictionary --check  # exit 1 if the committed file is stale (tests/unit/dev/test_dictionary.py)

Tables and their columns come from schema.py (each table comment starts with its grain; column comments say what
a value is); views and their columns from a scratch SQLite database migrated to head, so the page lists exactly
what the migrations create; which relations an analyst may read from the grants of revision 0002. The prose that
cannot come from the schema (what each view is for, example queries, where identifiers live) is below.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Final

from alembic.script import ScriptDirectory
from sqlalchemy import Table, inspect
from sqlalchemy.dialects import postgresql

from dlsei.warehouse.engine import make_engine
from dlsei.warehouse.migrate import alembic_config, upgrade
from dlsei.warehouse.schema import metadata

PATH: Final = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"

_COST: Final = (
    "the cost measures of the allocations with a seat price, summed; every ratio recomputed from the sums "
    "(measures.md, Cost per outcome)."
)
# What each view is for, and the tables its columns take their meaning from (first match wins).
VIEWS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "v_quota_utilisation": (
        "One row per as-of date x university x cohort: `mart_quota_utilisation` with the university's name, "
        "region and sector.",
        ("mart_quota_utilisation", "dim_university"),
    ),
    "v_utilisation_by_university": (
        "One row per as-of date x university: the utilisation measures summed over the university's cohorts, "
        "`utilisation_pct` and `join_rate_pct` recomputed from the sums. The status page, the summaries and the "
        "digests show these figures.",
        ("mart_quota_utilisation", "dim_university"),
    ),
    "v_utilisation_by_region": (
        "One row per as-of date x region: the utilisation measures summed over the region's university x cohort "
        "rows; `utilisation_pct` and `join_rate_pct` recomputed from the sums (never an average of percentages).",
        ("mart_quota_utilisation", "dim_university"),
    ),
    "v_utilisation_by_sector": (
        "One row per as-of date x sector (public, private): summed like `v_utilisation_by_region`.",
        ("mart_quota_utilisation", "dim_university"),
    ),
    "v_utilisation_national": (
        "One row per as-of date: every university x cohort summed, ratios recomputed from the sums.",
        ("mart_quota_utilisation",),
    ),
    "v_activity_by_domain": (
        "One row per as-of date x university x cohort x course domain with at least one enrolment.",
        ("mart_activity_by_domain", "dim_university"),
    ),
    "v_activity_by_course_type": (
        "One row per as-of date x university x cohort x course type (course, guided_project) with an enrolment.",
        ("mart_activity_by_course_type", "dim_university"),
    ),
    "v_learner_match": (
        "One row per as-of date x university x cohort x match method (zeros included): how the seat holders were "
        "matched to the HEC registry. Unmatched and ambiguous learners are the registry's to-do list.",
        ("mart_learner_match", "dim_university"),
    ),
    "v_university": (
        "One row per university of the registry: `dim_university` without the coordinator's e-mail address.",
        ("dim_university",),
    ),
    "v_course": ("One row per course or guided project of the catalogue, with its domain.", ("dim_course",)),
    "v_public_by_region": (
        "One row per as-of date x region: the publication-safe `v_utilisation_by_region`, every count below k and "
        "every cell that would give one back withheld (NULL). For ministries, parliament and the press.",
        ("mart_public_rollup",),
    ),
    "v_public_by_sector": (
        "One row per as-of date x sector: the publication-safe `v_utilisation_by_sector`, suppressed likewise.",
        ("mart_public_rollup",),
    ),
    "v_university_cohorts": (
        "One row per university x cohort: the cohort's figures on its newest published as-of date (its final "
        "figures once it has ended), so a university's phases compare side by side.",
        ("mart_quota_utilisation", "dim_university", "dim_seat_allocation"),
    ),
    "v_equity": (
        "One row per as-of date x dimension (region, sector, city, size_band, role, gender) x group: utilisation, "
        "activation and completion, so the least-served groups show. Role and gender count the seats matched to "
        "the registry (no allocation: no utilisation).",
        ("mart_quota_utilisation",),
    ),
    "v_equity_gap": (
        "One row per as-of date x dimension x measure: the best- and the least-served group, the gap between them "
        "in percentage points and its change since the previous published date.",
        (),
    ),
    "v_cost_by_allocation": (
        "One row per as-of date x university x cohort with a seat price: " + _COST,
        ("mart_quota_utilisation", "dim_university"),
    ),
    "v_cost_by_university": (
        "One row per as-of date x university: " + _COST,
        ("mart_quota_utilisation",),
    ),
    "v_cost_by_cohort": ("One row per as-of date x cohort id: " + _COST, ("mart_quota_utilisation",)),
    "v_cost_by_region": ("One row per as-of date x region: " + _COST, ("dim_university", "mart_quota_utilisation")),
    "v_cost_national": ("One row per as-of date: " + _COST, ("mart_quota_utilisation",)),
    "v_skills_by_university": (
        "One row per as-of date x university x domain (Coursera's 11 and unclassified) and x content type (course, "
        "guided_project), zeros included: which skills the seats buy.",
        ("mart_activity_by_domain",),
    ),
    "v_skills_national": (
        "One row per as-of date x domain and x content type, zeros included: `v_skills_by_university` nationally.",
        ("mart_activity_by_domain",),
    ),
    "v_public_national": (
        "One row per as-of date: the publication-safe `v_utilisation_national`, suppressed likewise.",
        ("mart_public_rollup",),
    ),
    "v_restatement": (
        "One row per registry change x as-of date it republished x measure it moved (a date the change republished "
        "without moving any figure has one row with no measure): a corrected registry extract restates the "
        "published dates it changed, within the restatement window, and this says what was published before and "
        "after. [measures.md](measures.md#registry-history-and-restatement) explains when it happens.",
        ("registry_change", "restatement", "restatement_measure"),
    ),
    "v_reclaim_outcome": (
        "One row per university x cohort whose coordinators' weekly lists recommended a seat for reclaim: what "
        "became of the recommendations ([measures.md](measures.md#reclaim-lists-and-their-outcomes)). Analysts "
        "may read it (revision 0016); the digests and the dashboard show it.",
        ("reclaim_recommendation",),
    ),
}
VIEW_COLUMNS: Final = {
    "allocations": "university x cohort rows summed into this row",
    "university_name": "the university's name in the registry",
    "region": "province or territory: one of the seven HEC regions",
    "sector": "public or private",
    "dimension": "region, sector, city, size_band (registry people: under 1,000, 1,000 to 9,999, 10,000 or more), "
    "role or gender",
    "group_name": "the group of the dimension; not recorded where the registry has no value, not matched for seats "
    "whose learner is not in the registry",
    "started": "joined seats whose learner has any activity (active_30d + dormant)",
    "activation_pct": "100 * started / joined, 2 decimals; NULL when nobody joined",
    "completion_pct": "100 * completions / enrolments, 2 decimals; NULL without enrolments",
    "measure": "utilisation_pct, activation_pct or completion_pct",
    "groups_compared": "groups with a value (not recorded and not matched are left out)",
    "best_group": "the group with the highest value (the first by name on a tie)",
    "best_pct": "its value",
    "least_group": "the group with the lowest value (the first by name on a tie)",
    "least_pct": "its value",
    "gap_pp": "best_pct - least_pct, percentage points",
    "gap_change_pp": "gap_pp minus the gap on the previous published date; NULL on the first",
    "priced_allocations": "university x cohorts with a seat price summed into this row",
    "cost": "allocated seats x seat price, in the contract's currency",
    "cost_per_seat_held": "cost / seats_held, 2 decimals",
    "cost_per_active_seat": "cost / active_30d, 2 decimals",
    "cost_per_completion": "cost / completions, 2 decimals",
    "cost_per_learning_hour": "cost / learning_hours, 2 decimals",
    "budget_burn": "cost x the share of the cohort window gone by on the as-of date",
    "budget_burn_pct": "100 * budget_burn / cost",
    "projected_unused_seats": "allocated seats not started by the cohort's end at the pace seats have started so far",
    "projected_unused_value": "those seats x seat price",
    "hours_per_learner": "learning_hours / joined",
    "baseline_hours_per_learner": "the earlier phases' published baseline: 250,000 hours / 12,000 learners",
    "breakdown": "domain or content_type",
    "category": "the domain, or the content type (course, guided_project); unclassified: a course not in the catalogue",
    "share_of_enrolments_pct": "100 * enrolments / the enrolments of every category of the breakdown, 2 decimals",
    "cohort_running": "1 while the cohort window runs past the row's as-of date, 0 once it has ended",
    "changed_from": "the first date whose registry the extract changed",
    "changed_until": "the first date it left as it was (the next extract's); NULL: up to now",
    "restated_by": "the run that republished the date",
    "recommended": "seats a weekly list recommended for reclaim",
    "acted_on": "recommended seats removed or recovered since",
    "seats_freed": "recommended seats Coursera's export no longer lists (removed)",
    "still_open": "recommended seats with no outcome yet",
    "first_recommended_on": "the as-of date of the first list recommending one of them",
}
# The order tables are presented in: what analysts read first, what holds keys next, the pipeline's own last.
SECTIONS: Final = (
    (
        "Marts",
        "Published per as-of date in one transaction; readable by analysts. [measures.md](measures.md) defines "
        "each measure, with its denominator.",
        (
            "mart_quota_utilisation",
            "mart_learner_match",
            "mart_activity_by_domain",
            "mart_activity_by_course_type",
            "mart_public_rollup",
        ),
    ),
    (
        "Seat-level facts",
        "One row per seat (programme x learner key): the pipeline's working detail, not granted to analysts.",
        ("fact_seat_day", "fact_seat_lifecycle"),
    ),
    (
        "Snapshots",
        "Coursera's exports as dated, immutable history, learners as keys.",
        ("snap_membership", "snap_course_activity"),
    ),
    (
        "HEC registry",
        "Type-2 history of the universities, people, seat allocations and programmes: one row per version, "
        "`valid_from` (the date of the extract that made it true) to `valid_to` (exclusive; NULL for the current "
        "version). A mart of as-of date D joins the versions valid on D. The course catalogue is the latest "
        "extract, replaced whole.",
        ("dim_university", "dim_person", "dim_seat_allocation", "dim_programme", "dim_course"),
    ),
    (
        "Identity store and reclaim lists",
        "Raw identifiers, readable by `dlsei_identity` alone, and the outcomes of the coordinators' weekly lists "
        "(learner keys): the pipeline's, not granted to analysts.",
        ("identity_person", "identity_erasure", "reclaim_recommendation", "digest_watermark"),
    ),
)
EXAMPLES: Final = """\
Utilisation of every university on the latest published day, lowest first (every dated view has a `_latest`
twin holding only the newest complete as-of date):

```sql
SELECT university_name, region, cohort_id, allocated, joined, active_30d, utilisation_pct
FROM v_quota_utilisation_latest
ORDER BY utilisation_pct;
```

A region's utilisation over time (ratios already recomputed from the summed counts):

```sql
SELECT as_of_date, allocated, active_30d, utilisation_pct
FROM v_utilisation_by_region
WHERE region = 'Punjab'
ORDER BY as_of_date;
```

Universities whose learners the registry does not know, on the latest day:

```sql
SELECT university_name, cohort_id, match_method, learners
FROM v_learner_match
WHERE match_method IN ('unmatched', 'ambiguous') AND learners > 0
  AND as_of_date = (SELECT MAX(as_of_date) FROM v_learner_match)
ORDER BY learners DESC;
```

Learning hours by domain nationally on the latest day (enrolments and hours add up; active learners do not):

```sql
SELECT domain, SUM(enrolments) AS enrolments, SUM(completions) AS completions, SUM(learning_hours) AS hours
FROM v_activity_by_domain
WHERE as_of_date = (SELECT MAX(as_of_date) FROM v_activity_by_domain)
GROUP BY domain
ORDER BY hours DESC;
```

What a registry correction changed in the published figures, newest first:

```sql
SELECT extract, extract_date, changed_columns, as_of_date, university_id, cohort_id, measure,
       before_value, after_value
FROM v_restatement
ORDER BY change_id DESC, as_of_date, university_id, measure;
```

Guided projects against courses for one university and cohort:

```sql
SELECT as_of_date, course_type, enrolments, completions, active_learners
FROM v_activity_by_course_type
WHERE university_id = 'U001' AND cohort_id = '2026-H2'
ORDER BY as_of_date, course_type;
```
"""
IDENTIFIERS: Final = """\
No analytical table or view of the warehouse holds a learner's raw name, e-mail address, CNIC or roll number
(the identity store below is the one exception). The loaders
key them with HMAC-SHA256 under the pseudonymisation secret before anything is written (in production
`AIRFLOW_VAR_DLSEI_PSEUDONYMISATION_SECRET`, from Airflow's Variables or secrets backend and never in the
warehouse or the logs; the embedded default's public development key is for sample data only):
`learner_key` and `email_key` key the trimmed, lower-cased e-mail, `external_id_key` and `person_key` the
upper-cased roll number (Coursera's External Id), `cnic_key` the 13 CNIC digits. Without the secret a key
cannot be turned back into the identifier, not even by trying every CNIC. Keys are still personal data: they
link a learner's rows across tables, so only the pipeline reads the tables that hold them. The one address kept
in clear is `dim_university.coordinator_email`, a staff contact the alerts are sent to, outside the analysts'
grants (`v_university` omits it).

The raw identifiers exist only in the files as delivered, in the landing area (the S3 bucket or the local
folder of `AIRFLOW_VAR_DLSEI_LANDING_URL`):

- `incoming/`: files waiting to be loaded (minutes to a day). Read by the pipeline only (its S3 credentials or
  the Airflow workers' file system).
- `archive/<as-of date>/`, `archive/registry/<extract date>/`, `archive/duplicates/`: every export and extract
  as delivered. Read by the pipeline, and by the data team when a load must be investigated or replayed.
- `quarantine/` (each file with its `.reason.json`): files a check refused. Read by the data team, to fix them
  and `dlsei replay` them.

Nobody else gets access to the landing area: analysts work from the warehouse views, the alert digests carry
counts. The archive keeps files until someone deletes them; deleting one removes the last copy of its
identifiers and leaves the warehouse's history (snapshots, marts) as it is.

The identity store, `identity_person`, maps a person's keys to the e-mail, name and roll number of the latest HEC
people extract that listed them, so that a university's coordinator can act on the weekly reclaim list (Coursera's
admin UI finds a learner by e-mail). It is filled when a people extract loads, read only to build one university's
list (sent to that university's coordinator alone, as an e-mail attachment), erased after
`AIRFLOW_VAR_DLSEI_IDENTITY_RETENTION_DAYS` without the person in the registry, and erased for one person with
`dlsei erase` (`identity_erasure` keeps the erased keys, so later extracts do not store them again).
"""
ACCESS: Final = """\
On PostgreSQL, revision 0002 creates two group roles (no login of their own) when the server does not have them
yet, grants them on the warehouse's schema, and lets them connect to the database when the migrating user owns it:

- `dlsei_analyst` may read the marts and views listed below, nothing else: no snapshot, registry table or
  seat-level fact (they hold learner keys), no ledger or alert (file names, staff e-mail addresses).
- `dlsei_pipeline` may read and write every table, including those of later revisions, but change no schema
  (migrations run as the warehouse's owner), except the identity store.
- `dlsei_identity` (revision 0015) alone may read and write the identity store (`identity_person`,
  `identity_erasure`): the login that builds the coordinators' lists is a member, analysts never are.

Give an analyst a login of their own as a member of the group:

```sql
CREATE ROLE ayesha LOGIN PASSWORD '...' IN ROLE dlsei_analyst;
```

Creating a role needs the CREATEROLE privilege. If the user that runs `dlsei db upgrade` lacks it, the migration
stops and says so: a superuser runs `CREATE ROLE dlsei_analyst NOLOGIN; CREATE ROLE dlsei_pipeline NOLOGIN;
CREATE ROLE dlsei_identity NOLOGIN;` once
(`deploy/postgres/initdb/10-warehouse.sql` does it for the compose deployment) and the upgrade is run again. A
later revision that adds a mart grants it to `dlsei_analyst` itself. SQLite has no roles: whoever can open the
file reads everything, so keep the embedded warehouse for development.
"""


def _view_columns() -> dict[str, list[str]]:
    """The columns of every view the migrations create, read back from a scratch SQLite warehouse."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/warehouse.db")
        try:
            upgrade(engine)
            inspector = inspect(engine)
            return {view: [c["name"] for c in inspector.get_columns(view)] for view in inspector.get_view_names()}
        finally:
            engine.dispose()


def _analyst_reads() -> tuple[str, ...]:
    """The tables granted to analysts: 0002's, and those of any later revision that names its own ANALYST_READS."""
    revisions = ScriptDirectory.from_config(alembic_config()).walk_revisions()
    return tuple(name for revision in revisions for name in getattr(revision.module, "ANALYST_READS", ()))


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _table(table: Table, readable: bool) -> list[str]:
    lines = [f"### `{table.name}`", "", _cell(table.comment) or "(no description yet)", ""]
    lines.append(f"Analysts: {'may read it' if readable else 'no access'}.")
    lines += ["", "| column | type | key | meaning |", "|---|---|---|---|"]
    for column in table.columns:
        key = "PK" if column.primary_key else ""
        kind = column.type.compile(dialect=postgresql.dialect()).lower()  # the types production analysts see
        lines.append(f"| `{column.name}` | {kind} | {key} | {_cell(column.comment)} |")
    return [*lines, ""]


def _described(name: str) -> tuple[str, tuple[str, ...]]:
    """A view's description; a `_latest` view (migration 0019) is its base view on the newest complete date."""
    base = name.removesuffix("_latest")
    if name not in VIEWS and base in VIEWS:
        about, sources = VIEWS[base]
        return f"`{base}` on the newest complete as-of date only. {about}", sources
    return VIEWS.get(name, ("(no description yet)", ()))


def _view(name: str, columns: list[str]) -> list[str]:
    about, sources = _described(name)
    lines = [f"### `{name}`", "", about, "", "| column | meaning |", "|---|---|"]
    for column in columns:
        meaning = VIEW_COLUMNS.get(column) or next(
            (
                metadata.tables[source].c[column].comment
                for source in sources
                if column in metadata.tables[source].c and metadata.tables[source].c[column].comment
            ),
            "",
        )
        lines.append(f"| `{column}` | {_cell(meaning)} |")
    return [*lines, ""]


def render() -> str:
    readable = set(_analyst_reads())
    views = _view_columns()
    placed = {name for _, _, names in SECTIONS for name in names}
    others = sorted(set(metadata.tables) - placed)
    lines = [
        "# Data dictionary",
        "",
        "Generated by `python -m dlsei_dev.dictionary` from the warehouse schema (`include/dlsei/warehouse/schema.py`",
        "and the Alembic migrations): edit those, then regenerate; `tests/unit/dev/test_dictionary.py` fails when this",
        "file is stale.",
        "",
        "Every measure is defined once, with its exact denominator, in [measures.md](measures.md); the column notes",
        "below are its one-line summaries. Every published row carries `as_of_date`, the day its data describes, and",
        "`data_complete_through`, the date its data is complete through (Coursera's reports lag by a day or two).",
        "Query the views: their names and columns are kept stable across releases, the tables under them may change.",
        "",
        "## Views",
        "",
    ]
    for name in (*VIEWS, *sorted(set(views) - set(VIEWS))):
        lines += _view(name, views[name])
    for title, about, names in SECTIONS:
        lines += [f"## {title}", "", about, ""]
        for name in names:
            lines += _table(metadata.tables[name], name in readable)
    lines += ["## The pipeline's own tables", "", "Ingestion, data quality, alerts and runs: for the data team.", ""]
    for name in others:
        lines += _table(metadata.tables[name], name in readable)
    lines += ["## Example queries", "", EXAMPLES, "## Where raw identifiers live", "", IDENTIFIERS]
    lines += ["## Access on PostgreSQL", "", ACCESS, "Readable by `dlsei_analyst`:", ""]
    lines += [f"- `{name}`" for name in sorted(readable)]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if PATH.read_text(encoding="utf-8") != text:
            print(f"{PATH} is stale: run `python -m dlsei_dev.dictionary`", file=sys.stderr)
            return 1
        return 0
    PATH.write_text(text, encoding="utf-8")
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
