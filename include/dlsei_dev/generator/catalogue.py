"""The course catalogue: Coursera courses and guided projects over all 11 browse domains, with the attributes
Coursera shows per course (id, slug, partner, learning path) and the hidden ones that drive learners (popularity,
length)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dlsei.canonical import DOMAINS
from dlsei_dev.generator.course_pool import COURSES, GUIDED_PROJECT_PARTNER, GUIDED_PROJECTS, LEARNING_PATHS

GUIDED_EVERY = 4  # one guided project per four catalogue slots of a domain
_PATH_DOMAINS = ("Data Science", "Information Technology", "Personal Development")


@dataclass(frozen=True)
class Catalogue:
    frame: pd.DataFrame  # the registry extract, columns of REGISTRY_FILES["course_catalogue"]
    course_id: np.ndarray
    slug: np.ndarray
    name: np.ndarray
    partner: np.ndarray
    guided: np.ndarray
    est_hours: np.ndarray  # hundredths of an hour to finish the whole course
    popularity: np.ndarray  # enrolment probabilities, summing to 1
    collection: np.ndarray  # learning-path index, -1 for none
    path_names: tuple[str, ...]
    path_ids: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.course_id)


def coursera_id(rng: np.random.Generator) -> str:
    """22 URL-safe characters, the shape of Coursera's course and collection ids."""
    return base64.urlsafe_b64encode(rng.bytes(16)).rstrip(b"=").decode()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def build_catalogue(size: int, rng: np.random.Generator) -> Catalogue:
    names: list[str] = []
    partners: list[str] = []
    domains: list[str] = []
    guided: list[bool] = []
    for i in range(size):
        domain = DOMAINS[i % len(DOMAINS)]
        slot = i // len(DOMAINS)  # the how-many-th title of its domain
        is_guided = slot % GUIDED_EVERY == GUIDED_EVERY - 1
        titles = (
            [(title, GUIDED_PROJECT_PARTNER) for title in GUIDED_PROJECTS[domain]] if is_guided else COURSES[domain]
        )
        index = slot // GUIDED_EVERY if is_guided else slot - slot // GUIDED_EVERY
        title, partner = titles[index % len(titles)]
        # Catalogues larger than the pool reuse titles as later parts of a series.
        edition = index // len(titles)
        names.append(f"{title}: Part {edition + 1}" if edition else title)
        partners.append(partner)
        domains.append(domain)
        guided.append(is_guided)

    slugs: list[str] = []
    taken: set[str] = set()
    for name in names:
        slug = _slug(name)
        slug = slug if slug not in taken else f"{slug}-{len(slugs)}"
        taken.add(slug)
        slugs.append(slug)
    ids = [coursera_id(rng) for _ in range(size)]
    guided_arr = np.array(guided)
    est_hours = np.where(guided_arr, rng.integers(100, 250, size), rng.integers(800, 6000, size))
    popularity = 1.0 / (1.0 + rng.permutation(size)) ** 0.8

    collection = np.full(size, -1)
    path_names: list[str] = []
    for path, ((path_name, length), domain) in enumerate(zip(LEARNING_PATHS, _PATH_DOMAINS, strict=True)):
        members = [i for i in range(size) if domains[i] == domain and not guided[i]][:length]
        collection[members] = path
        path_names.append(path_name)
    path_ids = tuple(coursera_id(rng) for _ in path_names)

    frame = pd.DataFrame(
        {
            "course_id": ids,
            "course_slug": slugs,
            "course_name": names,
            "domain": domains,
            "content_type": np.where(guided_arr, "guided_project", "course"),
        }
    )
    return Catalogue(
        frame=frame,
        course_id=np.asarray(ids, dtype=object),
        slug=np.asarray(slugs, dtype=object),
        name=np.asarray(names, dtype=object),
        partner=np.asarray(partners, dtype=object),
        guided=guided_arr,
        est_hours=est_hours,
        popularity=popularity / popularity.sum(),
        collection=collection,
        path_names=tuple(path_names),
        path_ids=path_ids,
    )
