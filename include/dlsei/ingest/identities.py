"""The identity store: pseudonym to e-mail, name and roll number, kept apart from every analytical table.

The registry's people extract is the one place raw identifiers are seen before they are keyed; it fills the store
in the transaction that loads the extract. Only a coordinator's list reads it back (alerts/lists.py). People gone
from the registry are erased after the retention period, and anyone may be erased on request: their pseudonymous
history (seats, marts, counts) stays, their identity goes and is not stored again from later extracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import Column, Connection, delete, func, insert, or_, select
from sqlalchemy.schema import DropTable

from dlsei.ingest.pseudonymise import Pseudonymiser
from dlsei.warehouse.bulk import bulk_insert
from dlsei.warehouse.schema import identity_erasure, identity_person
from dlsei.warehouse.temporary import temporary_table


@dataclass(frozen=True)
class Identity:
    email: str | None
    full_name: str | None
    roll_number: str | None


def record_people(conn: Connection, people: pd.DataFrame, keyed: pd.DataFrame, extract_date: date) -> int:
    """Store the identities of a validated people extract (`people`: its raw columns; `keyed`: the same rows as
    dim_person holds them), in the caller's transaction. People the extract no longer lists keep their identity
    until retention erases it; erased pseudonyms are skipped. Returns the identities written."""
    frame = pd.DataFrame(
        {
            "person_key": keyed["person_key"],
            "email_key": keyed["email_key"],
            "university_id": keyed["university_id"],
            "email": people["email"],
            "full_name": people["full_name"],
            "roll_number": people["roll_number"],
            "last_in_registry": extract_date,
        }
    ).drop_duplicates("person_key", keep="last")
    t = identity_person
    staged = temporary_table(conn, "new_identity_person", *(Column(c.name, c.type) for c in t.columns))
    bulk_insert(conn, staged, frame)
    erased = select(identity_erasure.c.erased_key)
    conn.execute(delete(t).where(t.c.person_key.in_(select(staged.c.person_key))))
    names = [c.name for c in t.columns]
    written = conn.execute(
        insert(t).from_select(
            names,
            select(*(staged.c[name] for name in names)).where(
                staged.c.person_key.not_in(erased), staged.c.email_key.not_in(erased)
            ),
        )
    ).rowcount
    conn.execute(DropTable(staged))
    return written


def identities_of(conn: Connection, email_keys: list[str]) -> dict[str, Identity]:
    """The identities of learners by their e-mail key (the learner_key of the snapshots); absent when unknown."""
    if not email_keys:
        return {}
    t = identity_person
    found: dict[str, Identity] = {}
    # In slices: a national list could exceed a backend's bound-parameter limit.
    for start in range(0, len(email_keys), 500):
        rows = conn.execute(
            select(t.c.email_key, t.c.email, t.c.full_name, t.c.roll_number).where(
                t.c.email_key.in_(email_keys[start : start + 500])
            )
        )
        for row in rows:
            found[row.email_key] = Identity(row.email, row.full_name, row.roll_number)
    return found


def apply_retention(conn: Connection, today: date, retention_days: int) -> int:
    """Erase the identities of people gone from the registry (the newest people extract does not list them) whom no
    extract has listed for more than `retention_days`. Returns how many. Without a newer extract nobody is known to
    be gone: a registry that stops sending extracts does not erase everyone."""
    t = identity_person
    newest = select(func.max(t.c.last_in_registry)).scalar_subquery()
    cutoff = today - timedelta(days=retention_days)
    return conn.execute(delete(t).where(t.c.last_in_registry < newest, t.c.last_in_registry < cutoff)).rowcount


def erase(conn: Connection, subject: str, pseudonymiser: Pseudonymiser) -> int:
    """Erase one person's identity, named by e-mail address or by pseudonym (person_key or email_key), and record the
    pseudonyms so later extracts do not store them again. Returns the identities removed (0 when none was held: the
    erasure is still recorded)."""
    t = identity_person
    keys = {pseudonymiser.key("email", subject)} if "@" in subject else {subject.strip().lower()}
    held = conn.execute(
        select(t.c.person_key, t.c.email_key).where(or_(t.c.person_key.in_(keys), t.c.email_key.in_(keys)))
    ).all()
    for row in held:
        keys |= {row.person_key, row.email_key}
    removed = conn.execute(delete(t).where(or_(t.c.person_key.in_(keys), t.c.email_key.in_(keys)))).rowcount
    known = set(conn.execute(select(identity_erasure.c.erased_key).where(identity_erasure.c.erased_key.in_(keys))))
    new = sorted(keys - {row[0] for row in known})
    if new:
        now = datetime.now(UTC)
        conn.execute(insert(identity_erasure), [{"erased_key": key, "erased_at": now} for key in new])
    return removed
