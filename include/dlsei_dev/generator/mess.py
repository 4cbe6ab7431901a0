"""The quirks of real Coursera exports (coursera-exports.md §4), decided once per learner or per file.

None of them changes who holds a seat or what they did, so the truth never looks at this module: a duplicate
row is the same enrolment and an upper-case e-mail is the same learner.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from dlsei_dev.generator.csv_files import FileStyle
from dlsei_dev.generator.name_pool import DEPARTMENTS
from dlsei_dev.generator.population import Learners
from dlsei_dev.generator.streams import uniform_below

BLANK_EXTERNAL_ID_SHARE = 0.2
CASE_DRIFT_SHARE = 0.15
MULTILINE_TITLE_SHARE = 0.01
DUPLICATE_ROW_SHARE = 0.003
BOM_SHARE = 0.35
CRLF_SHARE = 0.4
ACTIVITY_FILE, MEMBERSHIP_FILE = 1, 2  # which file an e-mail is rendered for


@dataclass(frozen=True)
class LearnerFaces:
    """How each learner appears in the exports, aligned with Learners."""

    external_id: np.ndarray
    job_title: np.ndarray
    emails: tuple[np.ndarray, np.ndarray, np.ndarray]  # lower, capitalised local part, upper
    case_drift: np.ndarray  # this learner's e-mail case changes between files and days


def _case_variants(emails: np.ndarray, drifting: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower, capitalised local part and upper case; only drifting learners ever show the last two, so only
    theirs are spelled out."""
    capitalised = emails.copy()
    upper = emails.copy()
    for i in np.flatnonzero(drifting):
        local, _, domain = emails[i].partition("@")
        capitalised[i] = f"{local.title()}@{domain}"
        upper[i] = emails[i].upper()
    return emails, capitalised, upper


def learner_faces(learners: Learners, seat_holders: np.ndarray, mess: bool, rng: np.random.Generator) -> LearnerFaces:
    n = len(learners)
    if not mess:
        no_drift = np.zeros(n, dtype=bool)
        return LearnerFaces(learners.roll, learners.job_title, _case_variants(learners.email, no_drift), no_drift)
    external_id = np.where(rng.random(n) < BLANK_EXTERNAL_ID_SHARE, "", learners.roll).astype(object)
    case_drift = rng.random(n) < CASE_DRIFT_SHARE
    # Picked among seat holders so the exports are sure to carry at least one job title with a line break.
    picks = min(len(seat_holders), max(1, round(len(seat_holders) * MULTILINE_TITLE_SHARE)))
    multiline = seat_holders[rng.choice(len(seat_holders), picks, replace=False)]
    job_title = learners.job_title.copy()
    departments = np.asarray(DEPARTMENTS, dtype=object)[rng.integers(0, len(DEPARTMENTS), picks)]
    base_title = np.where(job_title[multiline] == "", "Visiting Faculty", job_title[multiline])
    job_title[multiline] = base_title + "\n" + departments
    return LearnerFaces(external_id, job_title, _case_variants(learners.email, case_drift), case_drift)


def rendered_emails(faces: LearnerFaces, learner: np.ndarray, day: int, file_kind: int, seed: int) -> np.ndarray:
    variant = np.where(faces.case_drift[learner], uniform_below(seed, 3, learner, day, file_kind), 0)
    lower, capitalised, upper = faces.emails
    return np.where(variant == 0, lower[learner], np.where(variant == 1, capitalised[learner], upper[learner]))


def with_duplicates(rows: int, mess: bool, rng: np.random.Generator) -> np.ndarray:
    """Row order of a course-activity file: each row once, and with the mess a few repeated right after
    themselves, byte for byte, as Coursera sometimes repeats a learner x course row."""
    order = np.arange(rows)
    if not mess or rows == 0:
        return order
    repeated = rng.choice(rows, max(1, round(rows * DUPLICATE_ROW_SHARE)), replace=False)
    return np.sort(np.concatenate([order, repeated]), kind="stable")


def file_style(
    file_name: str, seed: int, mess: bool, *, quote_all: bool, force_bom: bool = False, force_crlf: bool = False
) -> FileStyle:
    """BOM and CRLF per file, from the file name (stable whatever else is generated); `force_*` makes sure the
    first files of a run show each quirk."""
    if not mess:
        return FileStyle(quote_all=quote_all)
    draw = np.random.default_rng([seed, zlib.crc32(file_name.encode())]).random(2)
    return FileStyle(
        bom=force_bom or bool(draw[0] < BOM_SHARE),
        crlf=force_crlf or bool(draw[1] < CRLF_SHARE),
        quote_all=quote_all,
    )
