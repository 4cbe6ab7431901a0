"""registry history: valid_from / valid_to on dim_university, dim_person, dim_seat_allocation and dim_programme

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03

The registry kept its current state only, so a mart of an earlier date joined today's registry. Each of the four
tables now keeps one row per version (type 2): `valid_from`, the date of the extract that made it true, joins the
primary key; `valid_to`, the date of the extract that changed or dropped it, is NULL while the version is current.
The rows already loaded become the first versions, valid from 1900-01-01 (the first extract of a kind stands for
every date before it). The views that name a university join the version valid on their row's as-of date, and
v_university lists the current versions; their columns are unchanged.
"""

from __future__ import annotations

import importlib.util
import warnings
from pathlib import Path
from types import ModuleType

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BEFORE_ANY_EXTRACT = "1900-01-01"
KEYS = {
    "dim_university": ("university_id",),
    "dim_person": ("person_key",),
    "dim_seat_allocation": ("university_id", "cohort_id"),
    "dim_programme": ("program_slug",),
}
VALID_FROM = (
    "the first date the version holds: the date of the extract that made it true "
    f"({BEFORE_ANY_EXTRACT} for the first extract of its kind)"
)
VALID_TO = (
    "the first date it no longer holds (the date of the extract that changed or dropped it); NULL while it is current"
)
TABLE_COMMENTS = {
    "dim_university": (
        "One row per university of the HEC registry x version (valid_from to valid_to; NULL valid_to is the current "
        "one).",
        "One row per university of the HEC registry (the latest extract).",
    ),
    "dim_person": (
        "One row per student or faculty member of the HEC registry x version (valid_from to valid_to; NULL valid_to "
        "is the current one), identifiers as keys.",
        "One row per student or faculty member of the HEC registry (the latest extract), identifiers as keys.",
    ),
    "dim_seat_allocation": (
        "One row per university x cohort x version: the seats HEC allocated (valid_from to valid_to; NULL valid_to "
        "is the current one).",
        "One row per university x cohort: the seats HEC allocated (the latest extract).",
    ),
    "dim_programme": (
        "One row per Coursera programme x version: the university x cohort whose seats it carries (valid_from to "
        "valid_to; NULL valid_to is the current one).",
        "One row per Coursera programme: the university x cohort whose seats it carries (the latest extract).",
    ),
}

_UNDATED_JOIN = "LEFT JOIN dim_university u ON u.university_id = m.university_id"
_DATED_JOIN = (
    "LEFT JOIN dim_university u ON u.university_id = m.university_id\n"
    "    AND u.valid_from <= m.as_of_date AND (u.valid_to IS NULL OR u.valid_to > m.as_of_date)"
)
_CURRENT_UNIVERSITIES = " WHERE valid_to IS NULL"


def _revision(name: str) -> ModuleType:
    """An earlier revision's module: the views it defined are rebuilt from its own SQL, not from a copy."""
    spec = importlib.util.spec_from_file_location(f"_dlsei_revision_{name}", Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _views() -> dict[str, str]:
    """Every view that reads dim_university, as revisions 0002 and 0010 left it."""
    initial, rollups = _revision("0002_marts_views_roles"), _revision("0010_utilisation_rollups")
    named = {name: query for name, query in initial.VIEWS.items() if "dim_university" in query}
    named |= {name: rollups.utilisation_rollup(*keys) for name, keys in rollups.ROLLUPS.items()}
    return named


def _dated(name: str, query: str) -> str:
    if name == "v_university":
        return query + _CURRENT_UNIVERSITIES
    assert _UNDATED_JOIN in query, name
    return query.replace(_UNDATED_JOIN, _DATED_JOIN)


def _rebuild(history: bool) -> None:
    """Drop the views over dim_university, alter the tables (SQLite copies them, which a view naming one refuses),
    and create the views again, joining the dated versions or not."""
    views = _views()
    for name in views:
        op.execute(f"DROP VIEW IF EXISTS {name}")
    _alter_tables(history)
    for name, query in views.items():
        op.execute(f"CREATE VIEW {name} AS\n{_dated(name, query) if history else query}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"GRANT SELECT ON {', '.join(views)} TO dlsei_analyst")


def _alter_tables(history: bool) -> None:
    bind = op.get_bind()
    for table, keys in KEYS.items():
        comment, old_comment = TABLE_COMMENTS[table]
        with warnings.catch_warnings(), op.batch_alter_table(table, recreate="auto") as batch:
            # SQLite's copy of the table is reflected with the old key on its columns; the new key replaces it, which
            # SQLAlchemy warns of and does (the test of this revision checks the key).
            warnings.filterwarnings("ignore", "Table '_alembic_tmp_", sa.exc.SAWarning)
            if bind.dialect.name == "postgresql":
                # SQLite's copy of the table takes the new key in place of the old (whose name 0009 left as it was).
                batch.drop_constraint(f"pk_{table}", type_="primary")
            if history:
                batch.add_column(
                    sa.Column(
                        "valid_from",
                        sa.Date(),
                        nullable=False,
                        server_default=sa.text(f"'{BEFORE_ANY_EXTRACT}'"),
                        comment=VALID_FROM,
                    )
                )
                batch.add_column(sa.Column("valid_to", sa.Date(), nullable=True, comment=VALID_TO))
                batch.create_primary_key(f"pk_{table}", [*keys, "valid_from"])
            else:
                batch.drop_column("valid_to")
                batch.drop_column("valid_from")
                batch.create_primary_key(f"pk_{table}", list(keys))
        if bind.dialect.supports_comments:
            op.create_table_comment(table, comment if history else old_comment)


def upgrade() -> None:
    _rebuild(history=True)


def downgrade() -> None:
    # Only the current versions survive a downgrade: the tables held nothing else before.
    for table in KEYS:
        op.execute(f"DELETE FROM {table} WHERE valid_to IS NOT NULL")  # noqa: S608 - the table names above
    _rebuild(history=False)
