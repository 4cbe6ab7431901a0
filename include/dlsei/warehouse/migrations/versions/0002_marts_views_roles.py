"""seat-level facts, learner matching, activity marts, seat lifecycle; analyst views; access roles

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

The views are the analysts' stable names: their SQL is written once here, in the subset PostgreSQL and SQLite share.
On PostgreSQL the table and column comments become catalogue comments, and the group roles `dlsei_analyst` (reads
the marts and views: no learner keys, no raw identifiers) and `dlsei_pipeline` (reads and writes every table) are
created when absent (roles belong to the whole server, so another database or schema may have made them already)
and granted on the current schema only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ANALYST = "dlsei_analyst"
PIPELINE = "dlsei_pipeline"
NEW_TABLES = (
    "fact_seat_day",
    "learner_match",
    "mart_activity_by_course_type",
    "mart_activity_by_domain",
    "mart_learner_match",
    "seat_lifecycle",
)

# Comments this revision adds to the tables of 0001 (SQLite keeps no comments: PostgreSQL only).
TABLE_COMMENTS = {
    "alert": "One row per alert episode of a rule x university x cohort, from opening to closing.",
    "alert_message": "One row per digest: one message per recipient per day.",
    "dim_course": (
        "One row per Coursera course or guided project of the catalogue, with its domain (the latest extract)."
    ),
    "dim_person": (
        "One row per student or faculty member of the HEC registry (the latest extract), identifiers as keys."
    ),
    "dim_university": "One row per university of the HEC registry (the latest extract).",
    "dq_result": "One row per expectation per validation (a file, an extract or a mart date): every check on record.",
    "file_ledger": (
        "One row per file delivered to the landing area (a re-delivery is a row of its own): what "
        "the file was, what became of it and why."
    ),
    "mart_quota_utilisation": (
        "One row per as-of date x university x cohort whose cohort window contains the date: every "
        "quota-utilisation measure of docs/measures.md."
    ),
    "mart_refresh": "One row per as-of date whose marts are published: the newest file they were built from.",
    "programme": "One row per Coursera programme: the university x cohort whose seats it carries (the latest extract).",
    "seat_allocation": "One row per university x cohort: the seats HEC allocated (the latest extract).",
    "snap_course_activity": (
        "One row per as-of date x programme x learner x course: every enrolment of each day's "
        "course-activity export, repeated rows folded."
    ),
    "snap_membership": (
        "One row per as-of date x programme x learner: every seat of each day's membership export, "
        "kept forever (Coursera deletes removed learners from later exports)."
    ),
}
COLUMN_COMMENTS = {
    ("dim_course", "content_type"): "course or guided_project",
    ("dim_course", "course_id"): "Coursera's 22-character course id",
    ("dim_course", "course_name"): "the title Coursera shows",
    ("dim_course", "domain"): "one of Coursera's 11 browse domains",
    ("dim_person", "cnic_key"): "HMAC of the 13 CNIC digits",
    ("dim_person", "email_key"): "HMAC of the trimmed, lower-cased e-mail",
    ("dim_person", "role"): "student or faculty",
    ("dim_person", "status"): "enrolled, graduated or left",
    ("dim_person", "status_date"): "admission or hiring date while enrolled, else the date they left",
    ("dim_person", "university_id"): "the registry's university id (dim_university)",
    ("dim_university", "city"): "the city of its main campus",
    ("dim_university", "region"): "province or territory: one of the seven HEC regions",
    ("dim_university", "sector"): "public or private",
    ("dim_university", "university_id"): "the registry's own university id",
    ("dim_university", "university_name"): "the university's name in the registry",
    ("file_ledger", "file_name"): "the file's name as delivered",
    ("file_ledger", "layout"): "the export layout recognised from the header (legacy or current)",
    ("file_ledger", "reason"): "why a file was quarantined, failed or had rows folded",
    ("file_ledger", "rows_loaded"): "rows written to the warehouse",
    ("file_ledger", "rows_read"): "data rows in the file",
    ("file_ledger", "rows_rejected"): "rows not written (repeated rows folded into their twins)",
    ("file_ledger", "sha256"): "checksum of the bytes: the same bytes load once",
    ("mart_quota_utilisation", "active_30d"): "joined memberships whose last activity day is A-29 or later",
    ("mart_quota_utilisation", "active_7d"): "joined memberships whose last activity day is A-6 or later",
    ("mart_quota_utilisation", "allocated"): "seats HEC allocated to the university for the cohort",
    ("mart_quota_utilisation", "as_of_date"): "the as-of date A: the snapshot's data is complete through it",
    ("mart_quota_utilisation", "certificates"): "enrolments with a certificate",
    ("mart_quota_utilisation", "cohort_id"): "the registry's seat cohort id (seat_allocation)",
    ("mart_quota_utilisation", "completions"): "enrolments marked Completed",
    ("mart_quota_utilisation", "data_complete_through"): "the date the row's data is complete through (= as_of_date)",
    ("mart_quota_utilisation", "dormant"): "joined memberships whose last activity day is before A-29",
    ("mart_quota_utilisation", "enrolments"): "learner x course rows of the cohort's programmes in A's snapshot",
    (
        "mart_quota_utilisation",
        "free_seats",
    ): "allocated - seats_held (negative when more seats are held than allocated)",
    ("mart_quota_utilisation", "invited"): "memberships with Member State INVITED (invitation not accepted yet)",
    ("mart_quota_utilisation", "join_rate_pct"): "100 * joined / allocated, 2 decimals; NULL when allocated = 0",
    ("mart_quota_utilisation", "joined"): "memberships with Member State MEMBER",
    ("mart_quota_utilisation", "learning_hours"): "hours learners spent over the enrolments, 2 decimals",
    ("mart_quota_utilisation", "load_id"): "the run that published the row",
    ("mart_quota_utilisation", "never_started"): "joined memberships with no activity at all",
    (
        "mart_quota_utilisation",
        "removed",
    ): "memberships seen in a snapshot up to A and missing from A's (reclaimed seats)",
    ("mart_quota_utilisation", "seats_held"): "invited + joined",
    ("mart_quota_utilisation", "university_id"): "the registry's university id (dim_university)",
    ("mart_quota_utilisation", "utilisation_pct"): "100 * active_30d / allocated, 2 decimals; NULL when allocated = 0",
    ("mart_refresh", "as_of_date"): "the as-of date A: the snapshot's data is complete through it",
    ("mart_refresh", "load_id"): "the run that published the row",
    ("mart_refresh", "through_file_id"): "the newest ledger file of the date used",
    ("programme", "cohort_id"): "the registry's seat cohort id (seat_allocation)",
    ("programme", "program_name"): "the programme's name in Coursera",
    ("programme", "program_slug"): "the programme's slug in Coursera's exports",
    ("programme", "university_id"): "the registry's university id (dim_university)",
    ("seat_allocation", "cohort_end"): "last day of the cohort window (inclusive)",
    ("seat_allocation", "cohort_id"): "the registry's id of the seat cohort",
    ("seat_allocation", "cohort_start"): "first day of the cohort window",
    ("seat_allocation", "seats"): "seats HEC allocated to the university for the cohort",
    ("seat_allocation", "university_id"): "the registry's university id (dim_university)",
    ("snap_course_activity", "as_of_date"): "the date the export's data is complete through",
    ("snap_course_activity", "course_grade"): "0-100",
    ("snap_course_activity", "course_id"): "Coursera's course id (dim_course.course_id)",
    ("snap_course_activity", "course_type"): "as Coursera reports it; dim_course.content_type is the reference",
    ("snap_course_activity", "external_id_key"): "HMAC of the External Id (the registry roll number)",
    ("snap_course_activity", "file_id"): "the file it came from",
    ("snap_course_activity", "has_certificate"): "a certificate URL was reported (the URL is not kept)",
    ("snap_course_activity", "last_activity_at"): "the export's Last Course Activity Time (UTC)",
    ("snap_course_activity", "learner_key"): "HMAC of the trimmed, lower-cased e-mail",
    ("snap_course_activity", "learning_hours"): "hours the learner spent (Learning Hours / Estimated Learning Hours)",
    ("snap_course_activity", "overall_progress"): "0-100",
    ("snap_course_activity", "program_slug"): "the Coursera programme (programme.program_slug)",
    ("snap_membership", "as_of_date"): "the date the export's data is complete through",
    ("snap_membership", "file_id"): "the file it came from",
    ("snap_membership", "last_activity_at"): "the export's Last Program Activity Date (UTC)",
    ("snap_membership", "member_state"): "Coursera's Member State: INVITED or MEMBER",
    ("snap_membership", "program_slug"): "the Coursera programme (programme.program_slug)",
}

_COUNTS = (
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
    "enrolments",
    "completions",
    "certificates",
)
_UNIVERSITY = "LEFT JOIN dim_university u ON u.university_id = m.university_id"


def _percent(part: str) -> str:
    # Recomputed from the summed counts, never an average of the rows' percentages. 100.0 makes the division
    # NUMERIC on PostgreSQL (whose ROUND to places takes only NUMERIC) and REAL on SQLite.
    return f"CAST(ROUND(100.0 * SUM(m.{part}) / NULLIF(SUM(m.allocated), 0), 2) AS FLOAT)"


def _utilisation_rollup(*keys: str) -> str:
    """The utilisation mart summed over the universities of each as-of date x `keys` (region, sector or none)."""
    grouped = "".join(f", u.{key}" for key in keys)
    sums = "".join(f"    SUM(m.{count}) AS {count},\n" for count in _COUNTS)
    return (
        f"SELECT m.as_of_date{grouped},\n"
        "    COUNT(*) AS allocations,\n"
        f"{sums}"
        f"    {_percent('active_30d')} AS utilisation_pct,\n"
        f"    {_percent('joined')} AS join_rate_pct,\n"
        "    CAST(ROUND(CAST(SUM(m.learning_hours) AS NUMERIC), 2) AS FLOAT) AS learning_hours,\n"
        "    MIN(m.data_complete_through) AS data_complete_through\n"
        f"FROM mart_quota_utilisation m {_UNIVERSITY}\n"
        f"GROUP BY m.as_of_date{grouped}"
    )


def _with_university(mart: str, columns: str) -> str:
    """A mart's rows with the university's name, region and sector beside its id."""
    return (
        "SELECT m.as_of_date, m.university_id, u.university_name, u.region, u.sector, m.cohort_id,\n"
        f"    {columns}, m.data_complete_through\n"
        f"FROM {mart} m {_UNIVERSITY}"
    )


_ACTIVITY = "m.enrolments, m.completions, m.learning_hours, m.active_learners"
VIEWS = {
    "v_university": "SELECT university_id, university_name, region, sector, city FROM dim_university",
    "v_course": "SELECT course_id, course_slug, course_name, domain, content_type FROM dim_course",
    "v_quota_utilisation": _with_university(
        "mart_quota_utilisation",
        ", ".join(f"m.{column}" for column in (*_COUNTS, "utilisation_pct", "join_rate_pct", "learning_hours")),
    ),
    "v_utilisation_by_region": _utilisation_rollup("region"),
    "v_utilisation_by_sector": _utilisation_rollup("sector"),
    "v_utilisation_national": _utilisation_rollup(),
    "v_activity_by_domain": _with_university("mart_activity_by_domain", f"m.domain, {_ACTIVITY}"),
    "v_activity_by_course_type": _with_university("mart_activity_by_course_type", f"m.course_type, {_ACTIVITY}"),
    "v_learner_match": _with_university("mart_learner_match", "m.match_method, m.learners"),
}
# No raw identifier and no learner key: the tables and views an analyst may read.
ANALYST_READS = (
    "mart_quota_utilisation",
    "mart_learner_match",
    "mart_activity_by_domain",
    "mart_activity_by_course_type",
    *VIEWS,
)


def upgrade() -> None:
    op.create_table(
        "fact_seat_day",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (programme.program_slug)",
        ),
        sa.Column(
            "learner_key", sa.String(length=64), nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"
        ),
        sa.Column(
            "state",
            sa.String(length=16),
            nullable=False,
            comment=(
                "invited, joined (a member with no activity yet), active (last activity day A-29 or later),"
                " dormant (a member active before that) or removed (seen before, missing from A's export)"
            ),
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint("as_of_date", "program_slug", "learner_key", name=op.f("pk_fact_seat_day")),
        comment=(
            "One row per as-of date x programme x learner: the state of every seat the snapshot lists, "
            "and of every removed seat of a programme whose cohort runs on the date."
        ),
    )
    op.create_table(
        "learner_match",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (programme.program_slug)",
        ),
        sa.Column(
            "learner_key", sa.String(length=64), nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"
        ),
        sa.Column(
            "person_key",
            sa.String(length=64),
            nullable=True,
            comment="the registry person matched (dim_person.person_key); NULL unless matched",
        ),
        sa.Column(
            "match_method",
            sa.String(length=16),
            nullable=False,
            comment=(
                "external_id (External Id = roll number), email (the one person with that e-mail), "
                "ambiguous (no roll number match, several people share the e-mail) or unmatched"
            ),
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint("as_of_date", "program_slug", "learner_key", name=op.f("pk_learner_match")),
        comment=(
            "One row per as-of date x programme x learner of the membership snapshot: the registry "
            "person the learner was matched to and how (External Id first, then e-mail)."
        ),
    )
    op.create_table(
        "mart_activity_by_course_type",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column(
            "cohort_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's seat cohort id (seat_allocation)",
        ),
        sa.Column(
            "course_type",
            sa.String(length=64),
            nullable=False,
            comment="dim_course.content_type: course or guided_project; unclassified when not in the catalogue",
        ),
        sa.Column("enrolments", sa.Integer(), nullable=False, comment="learner x course rows in A's snapshot"),
        sa.Column("completions", sa.Integer(), nullable=False, comment="those enrolments marked Completed"),
        sa.Column("learning_hours", sa.Float(), nullable=False, comment="hours learners spent over them, 2 decimals"),
        sa.Column(
            "active_learners",
            sa.Integer(),
            nullable=False,
            comment="learners with one of those enrolments active on A-29 or later (not additive across rows)",
        ),
        sa.Column(
            "data_complete_through",
            sa.Date(),
            nullable=False,
            comment="the date the row's data is complete through (= as_of_date)",
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint(
            "as_of_date", "university_id", "cohort_id", "course_type", name=op.f("pk_mart_activity_by_course_type")
        ),
        comment=(
            "One row per as-of date x university x cohort (window containing the date) x course_type "
            "with at least one enrolment: course activity by course type."
        ),
    )
    op.create_table(
        "mart_activity_by_domain",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column(
            "cohort_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's seat cohort id (seat_allocation)",
        ),
        sa.Column(
            "domain",
            sa.String(length=64),
            nullable=False,
            comment="the course's domain in dim_course; unclassified when not in the catalogue",
        ),
        sa.Column("enrolments", sa.Integer(), nullable=False, comment="learner x course rows in A's snapshot"),
        sa.Column("completions", sa.Integer(), nullable=False, comment="those enrolments marked Completed"),
        sa.Column("learning_hours", sa.Float(), nullable=False, comment="hours learners spent over them, 2 decimals"),
        sa.Column(
            "active_learners",
            sa.Integer(),
            nullable=False,
            comment="learners with one of those enrolments active on A-29 or later (not additive across rows)",
        ),
        sa.Column(
            "data_complete_through",
            sa.Date(),
            nullable=False,
            comment="the date the row's data is complete through (= as_of_date)",
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint(
            "as_of_date", "university_id", "cohort_id", "domain", name=op.f("pk_mart_activity_by_domain")
        ),
        comment=(
            "One row per as-of date x university x cohort (window containing the date) x domain with at"
            " least one enrolment: course activity by domain."
        ),
    )
    op.create_table(
        "mart_learner_match",
        sa.Column(
            "as_of_date",
            sa.Date(),
            nullable=False,
            comment="the as-of date A: the snapshot's data is complete through it",
        ),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column(
            "cohort_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's seat cohort id (seat_allocation)",
        ),
        sa.Column(
            "match_method", sa.String(length=16), nullable=False, comment="external_id, email, ambiguous or unmatched"
        ),
        sa.Column(
            "learners",
            sa.Integer(),
            nullable=False,
            comment="seats (invited or joined) of the cohort's programmes whose learner was matched this way",
        ),
        sa.Column(
            "data_complete_through",
            sa.Date(),
            nullable=False,
            comment="the date the row's data is complete through (= as_of_date)",
        ),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that published the row"),
        sa.PrimaryKeyConstraint(
            "as_of_date", "university_id", "cohort_id", "match_method", name=op.f("pk_mart_learner_match")
        ),
        comment=(
            "One row per as-of date x university x cohort (window containing the date) x match method, "
            "zeros included: how the cohort's learners were matched to the HEC registry."
        ),
    )
    op.create_table(
        "seat_lifecycle",
        sa.Column(
            "program_slug",
            sa.String(length=200),
            nullable=False,
            comment="the Coursera programme (programme.program_slug)",
        ),
        sa.Column(
            "learner_key", sa.String(length=64), nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"
        ),
        sa.Column(
            "valid_from", sa.Date(), nullable=False, comment="the first as-of date the seat was seen in this state"
        ),
        sa.Column(
            "valid_to",
            sa.Date(),
            nullable=True,
            comment="the as-of date the next state was first seen (exclusive); NULL for the seat's current state",
        ),
        sa.Column("state", sa.String(length=16), nullable=False, comment="as fact_seat_day.state"),
        sa.Column("load_id", sa.String(length=250), nullable=False, comment="the run that last rebuilt the history"),
        sa.PrimaryKeyConstraint("program_slug", "learner_key", "valid_from", name=op.f("pk_seat_lifecycle")),
        comment=(
            "One row per programme x learner x state episode (SCD type 2): the seat's history, rebuilt "
            "from fact_seat_day whenever an as-of date is published."
        ),
    )
    # The dates published before this revision lack its marts: forgetting their watermarks makes the next
    # quota_utilisation run rebuild every date from its snapshots (marts.pending_dates), the new marts included.
    op.execute("DELETE FROM mart_refresh")
    bind = op.get_bind()
    if bind.dialect.supports_comments:
        for table, comment in TABLE_COMMENTS.items():
            op.create_table_comment(table, comment)
        for (table, column), comment in COLUMN_COMMENTS.items():
            op.alter_column(table, column, comment=comment)
    for name, query in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS\n{query}")
    if bind.dialect.name == "postgresql":
        _grant(bind)


def _ensure_role(name: str) -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') THEN
                CREATE ROLE {name} NOLOGIN;
            END IF;
        EXCEPTION
            -- Another schema's migration created it between the check and the CREATE.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN RAISE EXCEPTION
                'role {name} is missing and this user may not create roles: a superuser runs '
                'CREATE ROLE {name} NOLOGIN once (docs/data-dictionary.md, Access), then upgrade again';
        END $$
        """
    )


def _schema(bind: sa.Connection) -> str:
    """The current schema (the first on the search path: the tests' own, public in production), quoted."""
    return bind.dialect.identifier_preparer.quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())


def _grant(bind: sa.Connection) -> None:
    schema = _schema(bind)
    for role in (ANALYST, PIPELINE):
        _ensure_role(role)
    # Only the database's owner (or a superuser) may let the roles connect; a warehouse kept in a schema of someone
    # else's database leaves that to the database's owner.
    op.execute(
        """
        DO $$
        BEGIN
            IF pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER') THEN
                EXECUTE format('GRANT CONNECT ON DATABASE %I TO dlsei_analyst, dlsei_pipeline', current_database());
            END IF;
        END $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {ANALYST}, {PIPELINE}")
    op.execute(f"GRANT SELECT ON {', '.join(ANALYST_READS)} TO {ANALYST}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {PIPELINE}")
    op.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {PIPELINE}")
    # Tables of later revisions: the pipeline writes them all; an analyst reads only what a revision grants.
    for kind, privileges in (("TABLES", "SELECT, INSERT, UPDATE, DELETE"), ("SEQUENCES", "USAGE, SELECT, UPDATE")):
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {privileges} ON {kind} TO {PIPELINE}")


def _revoke(bind: sa.Connection) -> None:
    # The roles stay: other schemas and databases of the server may use them. So does CONNECT on the database.
    schema = _schema(bind)
    for kind, privileges in (("TABLES", "SELECT, INSERT, UPDATE, DELETE"), ("SEQUENCES", "USAGE, SELECT, UPDATE")):
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE {privileges} ON {kind} FROM {PIPELINE}")
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {ANALYST}, {PIPELINE}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {PIPELINE}")
    op.execute(f"REVOKE USAGE ON SCHEMA {schema} FROM {ANALYST}, {PIPELINE}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _revoke(bind)
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW {name}")
    for table in NEW_TABLES:
        op.drop_table(table)
    if bind.dialect.supports_comments:
        for (table, column), _ in COLUMN_COMMENTS.items():
            op.alter_column(table, column, comment=None)
        for table in TABLE_COMMENTS:
            op.drop_table_comment(table)
