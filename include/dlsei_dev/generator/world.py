"""Everything the sample holds before a single file is written: the registry, the learners and their seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dlsei_dev.generator.catalogue import Catalogue, build_catalogue, coursera_id
from dlsei_dev.generator.mess import LearnerFaces, learner_faces
from dlsei_dev.generator.population import Learners, Population, build_population
from dlsei_dev.generator.programmes import Programmes, allocations_frame, build_programmes, programmes_frame
from dlsei_dev.generator.streams import stream
from dlsei_dev.generator.timelines import Timelines, build_timelines
from dlsei_dev.generator.universities import choose_universities, universities_frame, university_ids


@dataclass(frozen=True)
class World:
    seed: int
    mess: bool
    university_ids: list[str]
    registry: dict[str, pd.DataFrame]  # REGISTRY_FILES kind -> extract
    learners: Learners
    faces: LearnerFaces
    catalogue: Catalogue
    programmes: Programmes
    timelines: Timelines
    contract_id: str


@dataclass(frozen=True)
class Registry:
    """The HEC registry of a world and what its learners and seats are built from."""

    university_ids: list[str]
    extracts: dict[str, pd.DataFrame]  # REGISTRY_FILES kind -> extract
    population: Population
    programmes: Programmes
    catalogue: Catalogue


def build_registry(
    *, seed: int, universities: int, people: int, courses: int, extract_date: date, mess: bool
) -> Registry:
    """The registry alone (each part drawn from a stream of its own, so it is the registry build_world makes): the
    benchmark's registry load needs a million people without a day of Coursera activity."""
    chosen = choose_universities(universities, stream(seed, "universities"))
    ids = university_ids(universities)
    population = build_population(
        universities=chosen,
        university_ids=ids,
        people=people,
        extract_date=extract_date,
        rng=stream(seed, "population"),
        mess=mess,
    )
    registry_sizes = np.bincount(population.learners.home[population.learners.home >= 0], minlength=universities)
    programmes = build_programmes(chosen, registry_sizes, extract_date, stream(seed, "programmes"))
    catalogue = build_catalogue(courses, stream(seed, "catalogue"))
    return Registry(
        university_ids=ids,
        extracts={
            "universities": universities_frame(chosen),
            "people": population.people,
            "seat_allocations": allocations_frame(programmes, ids),
            "programmes": programmes_frame(programmes, ids),
            "course_catalogue": catalogue.frame,
        },
        population=population,
        programmes=programmes,
        catalogue=catalogue,
    )


def build_world(
    *, seed: int, universities: int, people: int, courses: int, extract_date: date, written_days: np.ndarray, mess: bool
) -> World:
    registry = build_registry(
        seed=seed, universities=universities, people=people, courses=courses, extract_date=extract_date, mess=mess
    )
    learners = registry.population.learners
    timelines = build_timelines(
        learners=learners,
        programmes=registry.programmes,
        catalogue=registry.catalogue,
        written_days=written_days,
        seed=seed,
        rng=stream(seed, "timelines"),
    )
    faces = learner_faces(learners, timelines.seats.learner, mess, stream(seed, "faces"))
    return World(
        seed=seed,
        mess=mess,
        university_ids=registry.university_ids,
        registry=registry.extracts,
        learners=learners,
        faces=faces,
        catalogue=registry.catalogue,
        programmes=registry.programmes,
        timelines=timelines,
        contract_id=coursera_id(stream(seed, "contract")),
    )
