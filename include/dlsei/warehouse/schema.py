"""The warehouse schema as SQLAlchemy Core tables: the one definition queries are written against.

Alembic migrations (warehouse/migrations) create it; `tests/unit/warehouse/test_migrations.py` checks the two never
drift. No analytical table here holds a learner's raw e-mail, name, CNIC or roll number: identifiers arrive as HMAC
keys (ingest/pseudonymise.py). The identity store (identity_*, at the end) is the one exception, readable only by the
database role dlsei_identity. The table and column comments are the analysts' data dictionary
(`python -m dlsei_dev.dictionary` writes docs/data-dictionary.md from them): a table comment starts with its grain.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

# Stable constraint names, so migrations can address them on PostgreSQL and SQLite alike.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

KEY = String(64)  # hex HMAC-SHA256
TS = DateTime(timezone=True)
_UNIVERSITY = "the registry's university id (dim_university)"
# Not a declared foreign key (migration 0006): the load writes the row in the transaction that records its file.
_FILE = "the file it came from (file_ledger.file_id)"
_COHORT = "the registry's seat cohort id (dim_seat_allocation)"
_PROGRAMME = "the Coursera programme (dim_programme.program_slug)"
_LEARNER = "HMAC of the trimmed, lower-cased e-mail"


def _seat_key() -> tuple[Column, Column]:
    """A seat's part of a primary key: the programme and the learner (every seat-level table has both)."""
    return (
        Column("program_slug", String(200), primary_key=True, comment=_PROGRAMME),
        Column("learner_key", KEY, primary_key=True, comment=_LEARNER),
    )


# --- ingestion record -------------------------------------------------------------------------------------------
file_ledger = Table(
    "file_ledger",
    metadata,
    Column("file_id", Integer, primary_key=True, autoincrement=True),
    Column("file_name", String(512), nullable=False, comment="the file's name as delivered"),
    Column("landing_key", String(1024), nullable=False, comment="where the file arrived"),
    Column("stored_key", String(1024), comment="where it is now: archive/ or quarantine/"),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, comment="checksum of the bytes: the same bytes load once"),
    Column("kind", String(64), comment="course_activity, membership, coursera_bundle or registry:<extract>"),
    Column("layout", String(128), comment="the export layout recognised from the header (legacy or current)"),
    Column("export_ts", TS, comment="export timestamp from the file name (UTC)"),
    Column("as_of_date", Date, comment="date the file's data is complete through"),
    Column("rows_read", Integer, nullable=False, server_default=text("0"), comment="data rows in the file"),
    Column("rows_loaded", Integer, nullable=False, server_default=text("0"), comment="rows written to the warehouse"),
    Column(
        "rows_rejected",
        Integer,
        nullable=False,
        server_default=text("0"),
        comment="rows not written (repeated rows folded into their twins)",
    ),
    Column("status", String(16), nullable=False, comment="loaded, duplicate, quarantined or failed"),
    Column("reason", Text, comment="why a file was quarantined, failed or had rows folded"),
    Column("load_id", String(250), nullable=False, comment="the Airflow run (or CLI call) that handled the file"),
    Column("logged_at", TS, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    Column(
        "dated_by",
        String(16),
        comment="what gave the as-of date: file_name (its export time), delivery_time (a name without one) or run_time",
    ),
    comment="One row per file delivered to the landing area (a re-delivery is a row of its own): what the file was, "
    "what became of it and why.",
)
# The same bytes load once: at most one loaded row per checksum.
Index(
    "uq_file_ledger_loaded_sha256",
    file_ledger.c.sha256,
    unique=True,
    sqlite_where=file_ledger.c.status == "loaded",
    postgresql_where=file_ledger.c.status == "loaded",
)

# --- dated, immutable Coursera snapshots ------------------------------------------------------------------------
snap_membership = Table(
    "snap_membership",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment="the date the export's data is complete through"),
    *_seat_key(),
    Column("external_id_key", KEY, comment="HMAC of the External Id (the registry roll number)"),
    Column("member_state", String(16), nullable=False, comment="Coursera's Member State: INVITED or MEMBER"),
    Column("invitation_date", TS),
    Column("join_date", TS),
    Column("last_activity_at", TS, comment="the export's Last Program Activity Date (UTC)"),
    Column("enrolled_courses", Integer),
    Column("completed_courses", Integer),
    Column("learning_hours", Float),
    Column("file_id", Integer, nullable=False, comment=_FILE),
    comment="One row per as-of date x programme x learner: every seat of each day's membership export, kept "
    "forever (Coursera deletes removed learners from later exports).",
)

snap_course_activity = Table(
    "snap_course_activity",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment="the date the export's data is complete through"),
    *_seat_key(),
    Column("course_id", String(64), primary_key=True, comment="Coursera's course id (dim_course.course_id)"),
    Column("external_id_key", KEY, comment="HMAC of the External Id (the registry roll number)"),
    Column("course_slug", String(300)),
    Column("course_type", String(64), comment="as Coursera reports it; dim_course.content_type is the reference"),
    Column("enrollment_time", TS),
    Column("last_activity_at", TS, comment="the export's Last Course Activity Time (UTC)"),
    Column("overall_progress", Float, comment="0-100"),
    Column("learning_hours", Float, comment="hours the learner spent (Learning Hours / Estimated Learning Hours)"),
    Column("completed", Boolean),
    Column("removed_from_program", Boolean),
    Column("completion_time", TS),
    Column("course_grade", Float, comment="0-100"),
    Column("has_certificate", Boolean, nullable=False, comment="a certificate URL was reported (the URL is not kept)"),
    Column("file_id", Integer, nullable=False, comment=_FILE),
    Column(
        "for_credit",
        Boolean,
        comment="Coursera's For Credit: the course counts for university credit (NULL where the layout has no such "
        "column)",
    ),
    comment="One row per as-of date x programme x learner x course: every enrolment of each day's course-activity "
    "export, repeated rows folded.",
)

int_seat_seen = Table(
    "int_seat_seen",
    metadata,
    *_seat_key(),
    Column("first_seen", Date, nullable=False, comment="the first as-of date whose membership snapshot lists the seat"),
    comment="One row per programme x learner ever listed in a membership snapshot, kept with the snapshot in the "
    "same transaction: the seats a later snapshot can miss (removed seats), without reading every earlier day.",
)

# --- HEC registry (type-2 history: one row per version, valid_from to valid_to) -----------------------------------
# The first extract of a kind stands for every date before it: a version it starts is valid from this date.
BEFORE_ANY_EXTRACT = date(1900, 1, 1)


def _validity() -> tuple[Column, Column]:
    """A registry version's part of the primary key and its end (migration 0011)."""
    return (
        Column(
            "valid_from",
            Date,
            primary_key=True,
            server_default=text(f"'{BEFORE_ANY_EXTRACT.isoformat()}'"),
            comment="the first date the version holds: the date of the extract that made it true "
            f"({BEFORE_ANY_EXTRACT.isoformat()} for the first extract of its kind)",
        ),
        Column(
            "valid_to",
            Date,
            comment="the first date it no longer holds (the date of the extract that changed or dropped it); "
            "NULL while it is current",
        ),
    )


dim_university = Table(
    "dim_university",
    metadata,
    Column("university_id", String(32), primary_key=True, comment="the registry's own university id"),
    Column("university_name", String(300), nullable=False, comment="the university's name in the registry"),
    Column("region", String(64), nullable=False, comment="province or territory: one of the seven HEC regions"),
    Column("sector", String(16), nullable=False, comment="public or private"),
    Column("city", String(100), comment="the city of its main campus"),
    Column("coordinator_email", String(320), comment="a staff contact for alerts, not a learner"),
    *_validity(),
    comment="One row per university of the HEC registry x version (valid_from to valid_to; NULL valid_to is "
    "the current one).",
)

dim_person = Table(
    "dim_person",
    metadata,
    Column("person_key", KEY, primary_key=True, comment="HMAC of the roll number"),
    Column("email_key", KEY, nullable=False, comment=_LEARNER),
    Column("cnic_key", KEY, nullable=False, comment="HMAC of the 13 CNIC digits"),
    Column("university_id", String(32), nullable=False, comment=_UNIVERSITY),
    Column("role", String(16), nullable=False, comment="student or faculty"),
    Column("status", String(16), nullable=False, comment="enrolled, graduated or left"),
    Column("status_date", Date, comment="admission or hiring date while enrolled, else the date they left"),
    *_validity(),
    # Added by revision 0020, after the history columns: a fresh database has the columns in the same order as an
    # upgraded one.
    Column("gender", String(16), comment="female, male or other, where the registry records it; NULL: not recorded"),
    comment="One row per student or faculty member of the HEC registry x version (valid_from to valid_to; NULL "
    "valid_to is the current one), identifiers as keys.",
)

dim_seat_allocation = Table(
    "dim_seat_allocation",
    metadata,
    Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
    Column("cohort_id", String(32), primary_key=True, comment="the registry's id of the seat cohort"),
    Column("cohort_start", Date, nullable=False, comment="first day of the cohort window"),
    Column("cohort_end", Date, nullable=False, comment="last day of the cohort window (inclusive)"),
    Column("seats", Integer, nullable=False, comment="seats HEC allocated to the university for the cohort"),
    *_validity(),
    # Added by revision 0021, last.
    Column(
        "seat_price",
        Float,
        comment="the price of one seat of the allocation in the contract's currency; NULL: not in the extract",
    ),
    comment="One row per university x cohort x version: the seats HEC allocated (valid_from to valid_to; NULL "
    "valid_to is the current one).",
)

dim_programme = Table(
    "dim_programme",
    metadata,
    Column("program_slug", String(200), primary_key=True, comment="the programme's slug in Coursera's exports"),
    Column("program_name", String(300), comment="the programme's name in Coursera"),
    Column("university_id", String(32), nullable=False, comment=_UNIVERSITY),
    Column("cohort_id", String(32), nullable=False, comment=_COHORT),
    *_validity(),
    comment="One row per Coursera programme x version: the university x cohort whose seats it carries "
    "(valid_from to valid_to; NULL valid_to is the current one).",
)

dim_course = Table(
    "dim_course",
    metadata,
    Column("course_id", String(64), primary_key=True, comment="Coursera's 22-character course id"),
    Column("course_slug", String(300)),
    Column("course_name", Text, comment="the title Coursera shows"),
    Column("domain", String(64), nullable=False, comment="one of Coursera's 11 browse domains"),
    Column("content_type", String(32), nullable=False, comment="course or guided_project"),
    comment="One row per Coursera course or guided project of the catalogue, with its domain (the latest extract).",
)

# --- seat-level facts derived from the snapshots (learner keys: for the pipeline, not for analysts) ----------------
SEAT_STATES = ("invited", "joined", "active", "dormant", "removed")
MATCH_METHODS = ("external_id", "email", "ambiguous", "unmatched")
_LOAD_ID = "the run that published the row"
_PUBLISHED_AS_OF = "the as-of date A: the snapshot's data is complete through it"

fact_seat_day = Table(
    "fact_seat_day",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    *_seat_key(),
    Column(
        "state",
        String(16),
        nullable=False,
        comment="invited, joined (a member with no activity yet), active (last activity day A-29 or later), "
        "dormant (a member active before that) or removed (seen before, missing from A's export)",
    ),
    Column(
        "load_id",
        String(250),
        nullable=False,
        comment="the run that wrote the row: publishing the date again leaves a row it computes the same as it is",
    ),
    # Added by revision 0005, after load_id: a fresh database has them in the same order as an upgraded one.
    Column(
        "person_key",
        KEY,
        comment="the registry person the learner was matched to (dim_person.person_key); NULL unless matched",
    ),
    Column(
        "match_method",
        String(16),
        comment="how the learner was matched to the registry: external_id (External Id = roll number), email (the "
        "one person with that e-mail), ambiguous (no roll number match, several people share the e-mail) or "
        "unmatched; NULL for a removed seat (not in the snapshot)",
    ),
    comment="One row per as-of date x programme x learner: the state of every seat the snapshot lists, with its "
    "learner's match to the HEC registry, and of every removed seat of a programme whose cohort runs on the date.",
)

fact_seat_lifecycle = Table(
    "fact_seat_lifecycle",
    metadata,
    *_seat_key(),
    Column("valid_from", Date, primary_key=True, comment="the first as-of date the seat was seen in this state"),
    Column(
        "valid_to",
        Date,
        comment="the as-of date the next state was first seen (exclusive); NULL for the seat's current state",
    ),
    Column("state", String(16), nullable=False, comment="as fact_seat_day.state"),
    Column("load_id", String(250), nullable=False, comment="the run that wrote the episode or last changed its end"),
    comment="One row per programme x learner x state episode (SCD type 2): the seat's history, rebuilt from "
    "fact_seat_day whenever an as-of date is published.",
)

# --- marts --------------------------------------------------------------------------------------------------------
# docs/measures.md is the definition; these are its one-line summaries, for the data dictionary.
MEASURES = {
    "allocated": "seats HEC allocated to the university for the cohort",
    "invited": "memberships with Member State INVITED (invitation not accepted yet)",
    "joined": "memberships with Member State MEMBER",
    "seats_held": "invited + joined",
    "active_7d": "joined memberships whose last activity day is A-6 or later",
    "active_30d": "joined memberships whose last activity day is A-29 or later",
    "dormant": "joined memberships whose last activity day is before A-29",
    "never_started": "joined memberships with no activity at all",
    "removed": "memberships seen in a snapshot up to A and missing from A's (reclaimed seats)",
    "free_seats": "allocated - seats_held (negative when more seats are held than allocated)",
    "enrolments": "learner x course rows of the cohort's programmes in A's snapshot",
    "completions": "enrolments marked Completed",
    "certificates": "enrolments with a certificate",
}
_DATA_COMPLETE_THROUGH = "the date the row's data is complete through (= as_of_date)"

mart_quota_utilisation = Table(
    "mart_quota_utilisation",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
    Column("cohort_id", String(32), primary_key=True, comment=_COHORT),
    *(Column(m, Integer, nullable=False, comment=comment) for m, comment in MEASURES.items()),
    Column("utilisation_pct", Float, comment="100 * active_30d / allocated, 2 decimals; NULL when allocated = 0"),
    Column("join_rate_pct", Float, comment="100 * joined / allocated, 2 decimals; NULL when allocated = 0"),
    Column("learning_hours", Float, nullable=False, comment="hours learners spent over the enrolments, 2 decimals"),
    Column("data_complete_through", Date, nullable=False, comment=_DATA_COMPLETE_THROUGH),
    Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
    comment="One row per as-of date x university x cohort whose cohort window contains the date: every "
    "quota-utilisation measure of docs/measures.md.",
)

mart_learner_match = Table(
    "mart_learner_match",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
    Column("cohort_id", String(32), primary_key=True, comment=_COHORT),
    Column("match_method", String(16), primary_key=True, comment="external_id, email, ambiguous or unmatched"),
    Column(
        "learners",
        Integer,
        nullable=False,
        comment="seats (invited or joined) of the cohort's programmes whose learner was matched this way",
    ),
    Column("data_complete_through", Date, nullable=False, comment=_DATA_COMPLETE_THROUGH),
    Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
    comment="One row per as-of date x university x cohort (window containing the date) x match method, zeros "
    "included: how the cohort's learners were matched to the HEC registry.",
)


def _activity_mart(name: str, category: str, category_comment: str) -> Table:
    """The activity marts share their measures; only the catalogue attribute they break enrolments down by differs."""
    return Table(
        name,
        metadata,
        Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
        Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
        Column("cohort_id", String(32), primary_key=True, comment=_COHORT),
        Column(category, String(64), primary_key=True, comment=category_comment),
        Column("enrolments", Integer, nullable=False, comment="learner x course rows in A's snapshot"),
        Column("completions", Integer, nullable=False, comment="those enrolments marked Completed"),
        Column("learning_hours", Float, nullable=False, comment="hours learners spent over them, 2 decimals"),
        Column(
            "active_learners",
            Integer,
            nullable=False,
            comment="learners with one of those enrolments active on A-29 or later (not additive across rows)",
        ),
        Column("data_complete_through", Date, nullable=False, comment=_DATA_COMPLETE_THROUGH),
        Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
        comment=f"One row per as-of date x university x cohort (window containing the date) x {category} with at "
        f"least one enrolment: course activity by {category.replace('_', ' ')}.",
    )


mart_activity_by_domain = _activity_mart(
    "mart_activity_by_domain", "domain", "the course's domain in dim_course; unclassified when not in the catalogue"
)
mart_activity_by_course_type = _activity_mart(
    "mart_activity_by_course_type",
    "course_type",
    "dim_course.content_type: course or guided_project; unclassified when not in the catalogue",
)

# Publication-safe roll-ups (docs/measures.md): k is a setting, so the suppressed figures are a table the pipeline
# refreshes with the marts; the v_public_* views (migration 0018) are the names analysts and reports read.
mart_public_rollup = Table(
    "mart_public_rollup",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    Column("breakdown", String(16), primary_key=True, comment="region, sector or national"),
    Column(
        "category",
        String(64),
        primary_key=True,
        comment="the region or sector (not recorded: a university the registry lacks); national for the total",
    ),
    *(Column(m, Integer, comment=f"{comment}, summed; NULL when suppressed") for m, comment in MEASURES.items()),
    Column("learning_hours", Float, comment="hours learners spent, summed, 2 decimals; NULL when suppressed"),
    Column(
        "utilisation_pct", Float, comment="100 * active_30d / allocated, 2 decimals; NULL when either is suppressed"
    ),
    Column("join_rate_pct", Float, comment="100 * joined / allocated, 2 decimals; NULL when either is suppressed"),
    Column("cells_suppressed", Integer, nullable=False, comment="how many of the row's figures are withheld"),
    Column(
        "min_cell",
        Integer,
        nullable=False,
        comment="k: the smallest count published (AIRFLOW_VAR_DLSEI_PUBLIC_MIN_CELL)",
    ),
    Column("data_complete_through", Date, nullable=False, comment=_DATA_COMPLETE_THROUGH),
    Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
    comment="One row per as-of date x region, sector and the nation: the utilisation roll-ups with every count below "
    "k withheld, and further cells withheld so that no withheld figure follows from a total or a difference.",
)

# Our published figures against the totals Coursera's own exports state (publish/reconciliation.py).
reconciliation_check = Table(
    "reconciliation_check",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    Column("program_slug", String(200), primary_key=True, comment=_PROGRAMME),
    Column("measure", String(32), primary_key=True, comment="members or learning_hours"),
    Column(
        "ours",
        Float,
        nullable=False,
        comment="members: the programme's joined seats in fact_seat_day; learning_hours: the hours of its "
        "course-activity rows (what the marts sum)",
    ),
    Column(
        "coursera",
        Float,
        nullable=False,
        comment="members: Member State MEMBER rows of the membership export; learning_hours: the membership "
        "export's hours per member, summed",
    ),
    Column("difference", Float, nullable=False, comment="ours - coursera"),
    Column(
        "tolerance", Float, nullable=False, comment="the largest difference accepted (the setting's share of coursera)"
    ),
    Column("passed", Boolean, nullable=False, comment="False: the difference is beyond the tolerance"),
    Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
    comment="One row per as-of date x programme x measure: our figure beside the one Coursera's exports state, and "
    "whether they agree within AIRFLOW_VAR_DLSEI_RECONCILIATION_TOLERANCE_PCT.",
)

# Which ledger files each as-of date's marts were last built from: a date whose snapshots gained a newer file
# is pending, whatever triggered the run (an asset event, a backfill, a manual run).
mart_refresh = Table(
    "mart_refresh",
    metadata,
    Column("as_of_date", Date, primary_key=True, comment=_PUBLISHED_AS_OF),
    Column("through_file_id", Integer, nullable=False, comment="the newest ledger file of the date used"),
    Column("load_id", String(250), nullable=False, comment=_LOAD_ID),
    comment="One row per as-of date whose marts are published: the newest file they were built from.",
)

# --- registry restatement (migration 0012) -----------------------------------------------------------------------
_CHANGE = "the registry change restated (registry_change.change_id)"
registry_change = Table(
    "registry_change",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, nullable=False, comment="the extract's file (file_ledger.file_id)"),
    Column("extract", String(32), nullable=False, comment="universities, people, seat_allocations or programmes"),
    Column("extract_date", Date, nullable=False, comment="the date in the extract's name"),
    Column("valid_from", Date, nullable=False, comment="the first date whose registry the extract changed"),
    Column("valid_to", Date, comment="the first date it left as it was (the next extract's); NULL: up to now"),
    Column("keys_before", Integer, nullable=False, comment="rows (people, universities...) the registry had"),
    Column("added", Integer, nullable=False, comment="rows the extract added"),
    Column("removed", Integer, nullable=False, comment="rows the extract dropped"),
    Column("changed", Integer, nullable=False, comment="rows with at least one value changed"),
    Column("changed_columns", String(1000), comment="how many rows changed each column, e.g. 'university_id 3'"),
    Column("restated_by", String(250), comment="the run that republished its dates; NULL until one has"),
    comment="One row per registry extract that changed what the registry said for some dates: what changed, "
    "from when, and whether its dates were restated.",
)

restatement = Table(
    "restatement",
    metadata,
    Column("change_id", Integer, primary_key=True, comment=_CHANGE),
    Column("as_of_date", Date, primary_key=True, comment="an as-of date republished for the change"),
    Column("measures_changed", Integer, nullable=False, comment="rows of restatement_measure for the date"),
    Column("load_id", String(250), nullable=False, comment="the run that republished it"),
    comment="One row per registry change x as-of date it republished (within the restatement window).",
)

restatement_measure = Table(
    "restatement_measure",
    metadata,
    Column("change_id", Integer, primary_key=True, comment=_CHANGE),
    Column("as_of_date", Date, primary_key=True, comment="the as-of date republished"),
    Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
    Column("cohort_id", String(32), primary_key=True, comment=_COHORT),
    Column(
        "measure",
        String(64),
        primary_key=True,
        comment="a column of mart_quota_utilisation, or learner_match:<method> for mart_learner_match's learners",
    ),
    Column("before_value", Float, comment="as published before; NULL when the row did not exist"),
    Column("after_value", Float, comment="as republished; NULL when the row no longer exists"),
    comment="One row per registry change x as-of date x university x cohort x measure that the restatement moved.",
)

registry_confirmation = Table(
    "registry_confirmation",
    metadata,
    Column("sha256", String(64), primary_key=True, comment="the confirmed file's bytes"),
    Column("file_name", String(512), nullable=False, comment="the file's name when it was confirmed"),
    Column("confirmed_at", TS, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    comment="One row per registry extract a person confirmed after the change guard held it (dlsei replay "
    "--confirm): those exact bytes are applied however many people they change.",
)

# --- data quality ------------------------------------------------------------------------------------------------
dq_result = Table(
    "dq_result",
    metadata,
    Column("result_id", Integer, primary_key=True, autoincrement=True),
    Column("load_id", String(250), nullable=False),
    Column("validated_for", Date, comment="the run's logical date"),
    Column("suite", String(128), nullable=False),
    Column("source", String(512), nullable=False, comment="file name or table validated"),
    Column("expectation", String(128), nullable=False),
    Column("column_name", String(128)),
    Column("severity", String(16), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("element_count", BigInteger),
    Column("unexpected_count", BigInteger),
    Column("unexpected_percent", Float),
    Column("observed_value", Text, comment="numbers and aggregates only, never a row's values"),
    comment="One row per expectation per validation (a file, an extract or a mart date): every check on record.",
)
Index("ix_dq_result_suite_validated_for", dq_result.c.suite, dq_result.c.validated_for)

# Row-level rejects (issue 22): the loader writes them in the transaction that records their file.
REJECT_OPEN, REJECT_REPLAY_REQUESTED, REJECT_REPLAYED = "open", "replay_requested", "replayed"
dq_rejected_row = Table(
    "dq_rejected_row",
    metadata,
    Column("rejected_id", Integer, primary_key=True, autoincrement=True),
    Column("file_id", Integer, nullable=False, comment=_FILE),
    Column("file_name", String(512), nullable=False, comment="the export's own name (for a ZIP member: the member's)"),
    Column("kind", String(64), nullable=False, comment="course_activity or membership"),
    Column("as_of_date", Date, nullable=False, comment="the as-of date the file's other rows were published for"),
    Column("record_no", Integer, nullable=False, comment="the 1-based data record in the file (header excluded)"),
    Column("rule", String(64), nullable=False, comment="the row rule broken: timestamp, number, member_state..."),
    Column("column_name", String(200), nullable=False, comment="the column as the file's header names it"),
    Column("value", Text, comment="the offending value; never kept for an identifier column"),
    Column("program_slug", String(200), comment=_PROGRAMME),
    Column("learner_key", KEY, comment=_LEARNER),
    Column("status", String(16), nullable=False, comment="open, replay_requested (dlsei replay) or replayed"),
    Column("load_id", String(250), nullable=False, comment="the run that rejected the row"),
    Column("logged_at", TS, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    comment="One row per rule a delivered row broke: the row was left out and the rest of its file loaded, "
    "its seat counted unknown that day (not inactive) until the file is replayed.",
)
Index("ix_dq_rejected_row_as_of_date", dq_rejected_row.c.as_of_date)
Index("ix_dq_rejected_row_file_id", dq_rejected_row.c.file_id)

# --- alerts -------------------------------------------------------------------------------------------------------
alert = Table(
    "alert",
    metadata,
    Column("alert_id", Integer, primary_key=True, autoincrement=True),
    Column("alert_key", String(300), nullable=False, comment="rule|university|cohort"),
    Column("rule", String(64), nullable=False),
    Column("university_id", String(32)),
    Column("cohort_id", String(32)),
    Column("status", String(16), nullable=False, comment="open or closed"),
    Column("opened_on", Date, nullable=False),
    Column("last_seen_on", Date, nullable=False),
    Column("closed_on", Date),
    Column("summary", Text, nullable=False),
    Column("observed", Float),
    Column("threshold", Float),
    comment="One row per alert episode of a rule x university x cohort, from opening to closing.",
)
# One open alert per key: the condition opens it once, later runs only refresh it.
Index(
    "uq_alert_open_key",
    alert.c.alert_key,
    unique=True,
    sqlite_where=alert.c.status == "open",
    postgresql_where=alert.c.status == "open",
)

alert_message = Table(
    "alert_message",
    metadata,
    Column("message_id", Integer, primary_key=True, autoincrement=True),
    Column(
        "digest_key",
        String(300),
        nullable=False,
        comment="recipient|as_of_date: one digest per recipient per day",
    ),
    Column("recipient", String(320), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("audience", String(16), nullable=False, comment="national, university or data_team"),
    Column("subject", String(500), nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, comment="pending or sent"),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("last_error", Text),
    Column("created_for", Date, nullable=False),
    Column("sent_at", TS),
    comment="One row per digest: one message per recipient per day.",
)
Index("uq_alert_message_digest_key", alert_message.c.digest_key, unique=True)


# --- run monitoring (issue #7): one row per finished DAG run, written by the plugin's listener ------------------
pipeline_run = Table(
    "pipeline_run",
    metadata,
    Column("load_id", String(250), primary_key=True, comment="dag_id/run_id: the load_id on every row the run wrote"),
    Column("dag_id", String(250), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("state", String(16), nullable=False, comment="success or failed"),
    Column("logical_date", TS, comment="none for asset-triggered runs"),
    Column("queued_at", TS),
    Column("started_at", TS, comment="when its first task started"),
    Column("finished_at", TS, nullable=False),
    Column("duration_seconds", Float),
    Column("files_seen", Integer, nullable=False),
    Column("files_loaded", Integer, nullable=False),
    Column("files_quarantined", Integer, nullable=False),
    Column("files_duplicate", Integer, nullable=False),
    Column("rows_loaded", BigInteger, nullable=False),
    Column("dq_critical_failures", Integer, nullable=False, comment="failed critical expectations (dq_result)"),
    Column("dq_warnings", Integer, nullable=False, comment="failed warning-level expectations (dq_result)"),
    Column(
        "dq_warning_details",
        Text,
        comment="one line per failed warning-level expectation: suite, expectation, column, source, count",
    ),
    Column(
        "data_docs_url",
        String(1000),
        comment="the Data Docs site holding the run's validations; none when the run validated nothing",
    ),
    Column("marts_refreshed", Integer, nullable=False, comment="as-of dates whose marts the run rebuilt"),
    Column("alerts_sent", Integer, nullable=False, comment="digests for those dates that have been delivered"),
    Column("data_complete_through", Date, comment="newest as-of date of the files loaded or marts rebuilt"),
    Column("recorded_at", TS, nullable=False, server_default=text("CURRENT_TIMESTAMP")),
    Column(
        "dates_restated",
        Integer,
        nullable=False,
        server_default=text("0"),
        comment="as-of dates the run republished because a registry extract changed them (restatement)",
    ),
    # Added by revision 0021, last.
    Column("reconciliation_failures", Integer, comment="reconciliation_check rows the run wrote that failed"),
    Column(
        "reconciliation_details",
        Text,
        comment="one line per failed reconciliation check: date, programme, measure, both figures",
    ),
    comment="One row per finished DAG run: what it loaded, validated, published and sent (dlsei health reads it).",
)
Index("ix_pipeline_run_dag_id_finished_at", pipeline_run.c.dag_id, pipeline_run.c.finished_at)


# --- identity store (issue #20): the raw identifiers a coordinator needs to act, apart from every analytical table --
# Granted to the role dlsei_identity only (migration 0015); read on the path of one university's coordinator list.
identity_person = Table(
    "identity_person",
    metadata,
    Column("person_key", KEY, primary_key=True, comment="HMAC of the roll number (dim_person.person_key)"),
    Column("email_key", KEY, nullable=False, comment=_LEARNER),
    Column("university_id", String(32), nullable=False, comment=_UNIVERSITY),
    Column("email", String(320), comment="the e-mail in the registry: the one Coursera's admin UI finds a learner by"),
    Column("full_name", String(300), comment="the name in the registry"),
    Column("roll_number", String(64), comment="the registry's roll number"),
    Column("last_in_registry", Date, nullable=False, comment="the newest people extract that listed the person"),
    comment="One row per person of the HEC registry still within retention: pseudonym to e-mail, name and roll "
    "number. Readable only by dlsei_identity.",
)
Index("ix_identity_person_email_key", identity_person.c.email_key)

identity_erasure = Table(
    "identity_erasure",
    metadata,
    Column("erased_key", KEY, primary_key=True, comment="a person_key or email_key whose identity was erased"),
    Column("erased_at", TS, nullable=False, comment="when the erasure was asked for"),
    comment="One row per pseudonym whose identity was erased on request: later registry extracts do not store it "
    "again.",
)


# --- coordinator lists and their outcomes (issue #20) -------------------------------------------------------------
reclaim_recommendation = Table(
    "reclaim_recommendation",
    metadata,
    *_seat_key(),
    Column("university_id", String(32), nullable=False, comment=_UNIVERSITY),
    Column("cohort_id", String(32), nullable=False, comment=_COHORT),
    Column("reason", String(32), nullable=False, comment="not_joined, never_started or dormant (the latest listing)"),
    Column("recommended_on", Date, nullable=False, comment="the as-of date of the first weekly list naming the seat"),
    Column("last_listed_on", Date, nullable=False, comment="the as-of date of the latest weekly list naming it"),
    Column(
        "outcome",
        String(16),
        comment="removed (Coursera's export no longer lists the seat: a seat freed) or recovered (the learner is "
        "active again); NULL while open",
    ),
    Column("outcome_on", Date, comment="the as-of date the outcome was first seen"),
    comment="One row per seat a coordinator's weekly list recommended for reclaim: what became of it.",
)

digest_watermark = Table(
    "digest_watermark",
    metadata,
    Column("recipient", String(320), primary_key=True, comment="the coordinator's e-mail address"),
    Column("university_id", String(32), primary_key=True, comment=_UNIVERSITY),
    Column("sent_for", Date, nullable=False, comment="the as-of date of the last digest queued for it"),
    Column("open_alerts", Integer, nullable=False, comment="open alerts that digest reported"),
    Column("candidates", Integer, nullable=False, comment="reclaim candidates that digest reported"),
    comment="One row per coordinator x university: what the last digest said, so the next is sent only when "
    "something opened, worsened or closed, or the reminder is due.",
)
