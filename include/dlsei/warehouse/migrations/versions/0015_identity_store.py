"""identity store: pseudonym to e-mail, name and roll number, readable only by the role dlsei_identity

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

A coordinator removes a learner in Coursera's admin UI by e-mail; a pseudonym gives them nothing to act on. The
registry's raw identifiers are kept here, apart from every analytical table: identity_person (filled when a people
extract loads, erased after retention or on request) and identity_erasure (the pseudonyms erased on request, so a
later extract does not store them again).

On PostgreSQL the tables live beside the warehouse's (one schema: the tests' per-test schemas and a warehouse kept in
someone else's database need nothing more than the schema they were given), but no group role the warehouse already
knows may read them: 0002's default privileges gave dlsei_pipeline every new table, so that is revoked here, and the
group role dlsei_identity (created when absent) alone is granted them. The process that loads the registry and
delivers coordinator lists logs in as a member of dlsei_identity; analysts never are.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

IDENTITY = "dlsei_identity"
TABLES = ("identity_person", "identity_erasure")
_KEY = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "identity_person",
        sa.Column("person_key", _KEY, nullable=False, comment="HMAC of the roll number (dim_person.person_key)"),
        sa.Column("email_key", _KEY, nullable=False, comment="HMAC of the trimmed, lower-cased e-mail"),
        sa.Column(
            "university_id",
            sa.String(length=32),
            nullable=False,
            comment="the registry's university id (dim_university)",
        ),
        sa.Column(
            "email",
            sa.String(length=320),
            nullable=True,
            comment="the e-mail in the registry: the one Coursera's admin UI finds a learner by",
        ),
        sa.Column("full_name", sa.String(length=300), nullable=True, comment="the name in the registry"),
        sa.Column("roll_number", sa.String(length=64), nullable=True, comment="the registry's roll number"),
        sa.Column(
            "last_in_registry",
            sa.Date(),
            nullable=False,
            comment="the newest people extract that listed the person",
        ),
        sa.PrimaryKeyConstraint("person_key", name=op.f("pk_identity_person")),
        comment="One row per person of the HEC registry still within retention: pseudonym to e-mail, name and roll "
        "number. Readable only by dlsei_identity.",
    )
    op.create_index("ix_identity_person_email_key", "identity_person", ["email_key"])
    op.create_table(
        "identity_erasure",
        sa.Column("erased_key", _KEY, nullable=False, comment="a person_key or email_key whose identity was erased"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False, comment="when the erasure was asked for"),
        sa.PrimaryKeyConstraint("erased_key", name=op.f("pk_identity_erasure")),
        comment="One row per pseudonym whose identity was erased on request: later registry extracts do not store it "
        "again.",
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _grant(bind)


def _grant(bind: sa.Connection) -> None:
    schema = bind.dialect.identifier_preparer.quote(bind.execute(sa.text("SELECT current_schema()")).scalar_one())
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{IDENTITY}') THEN
                CREATE ROLE {IDENTITY} NOLOGIN;
            END IF;
        EXCEPTION
            -- Another schema's migration created it between the check and the CREATE.
            WHEN duplicate_object OR unique_violation THEN NULL;
            WHEN insufficient_privilege THEN RAISE EXCEPTION
                'role {IDENTITY} is missing and this user may not create roles: a superuser runs '
                'CREATE ROLE {IDENTITY} NOLOGIN once (docs/data-dictionary.md, Access), then upgrade again';
        END $$
        """
    )
    tables = ", ".join(TABLES)
    op.execute(f"REVOKE ALL ON {tables} FROM PUBLIC, dlsei_pipeline, dlsei_analyst")
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {IDENTITY}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {tables} TO {IDENTITY}")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"REVOKE ALL ON {', '.join(TABLES)} FROM {IDENTITY}")
    op.drop_table("identity_erasure")
    op.drop_index("ix_identity_person_email_key", table_name="identity_person")
    op.drop_table("identity_person")
