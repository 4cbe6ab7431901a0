"""Who exists: the HEC registry's students and faculty, and the Coursera learners the registry does not know."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dlsei_dev.generator.cohorts import NEVER, day_number, iso_dates
from dlsei_dev.generator.name_pool import (
    FACULTY_TITLES,
    FAMILY_NAMES,
    FEMALE_NAMES,
    FOREIGN_NAMES,
    MALE_NAMES,
    PUBLIC_MAIL_DOMAINS,
    STUDENT_TITLES,
)
from dlsei_dev.generator.university_pool import CNIC_PROVINCE, University

FACULTY_SHARE = 0.1
EXTERNAL_SHARE = 0.02  # Coursera learners per registry person that HEC's registry does not list


@dataclass(frozen=True)
class Learners:
    """Everyone who can hold a seat, registry people first (index = row of the people extract), then externals.
    Arrays are aligned by learner index."""

    name: np.ndarray
    email: np.ndarray  # lower case, unique
    roll: np.ndarray  # registry roll number, "" for externals
    home: np.ndarray  # university index, -1 for externals
    faculty: np.ndarray
    eligible_from: np.ndarray  # last day the registry still had the person (NEVER while enrolled)
    job_title: np.ndarray
    city: np.ndarray
    region: np.ndarray
    country: np.ndarray
    business_unit: np.ndarray
    business_unit_2: np.ndarray

    def __len__(self) -> int:
        return len(self.email)


@dataclass(frozen=True)
class Population:
    people: pd.DataFrame  # the registry extract, columns of REGISTRY_FILES["people"]
    learners: Learners


def _pick(rng: np.random.Generator, pool: list[str] | tuple[str, ...], size: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), size)]


def _dedupe_emails(local: pd.Series, domain: pd.Series) -> pd.Series:
    """Namesakes share a mailbox name, so the second and later get a number, as mail admins do."""
    address = local + "@" + domain
    repeat = address.groupby(address, sort=False).cumcount()
    suffix = (repeat + 1).astype(str).where(repeat > 0, "")
    return local + suffix + "@" + domain


def _display_names(
    rng: np.random.Generator, first: np.ndarray, family: np.ndarray, faculty: np.ndarray, mess: bool
) -> np.ndarray:
    plain = pd.Series(first) + " " + pd.Series(family)
    titled = np.where(faculty & (rng.random(len(first)) < 0.25), "Dr. " + plain, plain).astype(object)
    if not mess:
        return titled
    urdu_first = pd.Series(first).map({**MALE_NAMES, **FEMALE_NAMES})
    urdu = urdu_first + " " + pd.Series(family).map(FAMILY_NAMES)
    draw = rng.random(len(first))
    comma = pd.Series(family) + ", " + pd.Series(first)
    return np.where(draw < 0.04, urdu, np.where(draw < 0.09, comma, titled)).astype(object)


def _cnics(rng: np.random.Generator, province: np.ndarray, female: np.ndarray) -> np.ndarray:
    # An odd multiplier is a bijection modulo 10**11, so every person gets a distinct number.
    n = len(province)
    body = (np.arange(n, dtype=np.int64) * 7_654_321 + int(rng.integers(0, 10**11))) % 10**11
    last = rng.integers(0, 5, n) * 2 + np.where(female, 0, 1)
    digits = pd.Series(province.astype(str)) + pd.Series(body).astype(str).str.zfill(11) + pd.Series(last).astype(str)
    return (digits.str[:5] + "-" + digits.str[5:12] + "-" + digits.str[12]).to_numpy(dtype=object)


def build_population(
    *,
    universities: list[University],
    university_ids: list[str],
    people: int,
    extract_date: date,
    rng: np.random.Generator,
    mess: bool,
) -> Population:
    n_unis = len(universities)
    sizes = rng.multinomial(people, (w := rng.lognormal(0, 0.45, n_unis)) / w.sum())
    home = np.repeat(np.arange(n_unis), sizes)
    faculty = rng.random(people) < FACULTY_SHARE
    female = rng.random(people) < np.where(faculty, 0.4, 0.5)
    first = np.where(female, _pick(rng, list(FEMALE_NAMES), people), _pick(rng, list(MALE_NAMES), people)).astype(
        object
    )
    family = _pick(rng, list(FAMILY_NAMES), people)

    extract_day = day_number(extract_date)
    status = np.where(
        faculty,
        np.where(rng.random(people) < 0.93, "enrolled", "left"),
        rng.choice(np.array(["enrolled", "graduated", "left"], dtype=object), people, p=[0.8, 0.12, 0.08]),
    ).astype(object)
    enrolled = status == "enrolled"
    # Leavers and graduates of the last ten months still hold seats they were invited to before they went.
    left_day = extract_day - rng.integers(1, 300, people)
    years_back = rng.choice(np.arange(1, 8), people, p=[0.22, 0.2, 0.18, 0.15, 0.12, 0.08, 0.05])
    left_year = left_day.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    study_years = np.where(status == "graduated", 4, rng.integers(0, 3, people))
    intake = np.where(enrolled, extract_date.year - years_back, left_year - study_years)
    september_first = ((intake - 1970) * 12 + 8).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    admitted = np.minimum(september_first + rng.integers(0, 30, people), extract_day - 1)
    hired = extract_day - rng.integers(30, 15 * 365, people)
    status_day = np.where(~enrolled, left_day, np.where(faculty, hired, admitted))

    codes = pd.Series([u.code for u in universities], dtype=object)[home].reset_index(drop=True)
    group = codes + "-" + pd.Series(np.where(faculty, "FAC", intake.astype(str)), dtype=object)
    group_index, group_names = pd.factorize(group)
    serial = group.groupby(group_index, sort=False).cumcount() + rng.integers(1, 2000, len(group_names))[group_index]
    roll = (group + "-" + serial.astype(str).str.zfill(5)).to_numpy(dtype=object)

    domains = pd.Series([u.domain for u in universities])[home].reset_index(drop=True)
    local = (pd.Series(first) + "." + pd.Series(family)).str.lower()
    email = _dedupe_emails(local, domains).to_numpy(dtype=object)
    name = _display_names(rng, first, family, faculty, mess)

    regions = np.array([u.region for u in universities], dtype=object)
    own_province = np.array([CNIC_PROVINCE[r] for r in regions])[home]
    province = np.where(rng.random(people) < 0.75, own_province, rng.choice(list(CNIC_PROVINCE.values()), people))
    frame = pd.DataFrame(
        {
            "roll_number": roll,
            "cnic": _cnics(rng, province, female),
            "full_name": name,
            "email": email,
            "university_id": np.asarray(university_ids, dtype=object)[home],
            "role": np.where(faculty, "faculty", "student").astype(object),
            "status": status,
            "status_date": iso_dates(status_day),
            # Every tenth person's gender is not recorded; by row, so the random draws (and every other figure of
            # a seed) stay as they were.
            "gender": np.where(np.arange(people) % 10 == 9, "", np.where(female, "female", "male")).astype(object),
        }
    )
    registry = Learners(
        name=name,
        email=email,
        roll=roll,
        home=home,
        faculty=faculty,
        eligible_from=np.where(enrolled, NEVER, status_day),
        job_title=np.where(faculty, _pick(rng, FACULTY_TITLES, people), _pick(rng, STUDENT_TITLES, people)),
        city=np.array([u.city for u in universities], dtype=object)[home],
        region=regions[home],
        country=np.full(people, "Pakistan", dtype=object),
        business_unit=np.array([u.name for u in universities], dtype=object)[home],
        business_unit_2=np.where(faculty, "Faculty", "Students").astype(object),
    )
    externals = _externals(rng, round(people * EXTERNAL_SHARE) if mess else 0, universities, set(email))
    return Population(people=frame, learners=_concat(registry, externals))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _externals(rng: np.random.Generator, count: int, universities: list[University], taken: set[str]) -> Learners:
    """Visiting staff and personal-mailbox sign-ups: on Coursera, not in the registry, no roll number."""
    names: list[str] = []
    emails: list[str] = []
    for _ in range(count):
        if rng.random() < 0.3:
            name = FOREIGN_NAMES[rng.integers(len(FOREIGN_NAMES))]
        else:
            pool = list(MALE_NAMES) if rng.random() < 0.5 else list(FEMALE_NAMES)
            name = f"{pool[rng.integers(len(pool))]} {list(FAMILY_NAMES)[rng.integers(len(FAMILY_NAMES))]}"
        local = ".".join(_ascii(part) for part in name.split())
        if rng.random() < 0.7:
            domain = PUBLIC_MAIL_DOMAINS[rng.integers(len(PUBLIC_MAIL_DOMAINS))]
            local = f"{local}{rng.integers(10, 100)}"
        else:
            domain = universities[rng.integers(len(universities))].domain
            local = f"visiting.{local}"
        while f"{local}@{domain}" in taken:
            local = f"{local}{rng.integers(0, 10)}"
        taken.add(f"{local}@{domain}")
        names.append(name)
        emails.append(f"{local}@{domain}")
    blank = np.full(count, "", dtype=object)
    foreign = np.isin(np.asarray(names, dtype=object), FOREIGN_NAMES)
    return Learners(
        name=np.asarray(names, dtype=object),
        email=np.asarray(emails, dtype=object),
        roll=blank,
        home=np.full(count, -1),
        faculty=np.zeros(count, dtype=bool),
        eligible_from=np.full(count, NEVER),
        job_title=np.where(foreign, "Visiting Faculty", "").astype(object),
        city=blank,
        region=blank,
        country=np.where(foreign, "", "Pakistan").astype(object),
        business_unit=blank,
        business_unit_2=blank,
    )


def _concat(a: Learners, b: Learners) -> Learners:
    return Learners(**{f: np.concatenate([getattr(a, f), getattr(b, f)]) for f in Learners.__dataclass_fields__})
