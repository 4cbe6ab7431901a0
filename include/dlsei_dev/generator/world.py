"""Everything the sample holds before a single file is written: the registry, the learners and their seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dlsei_dev.generator.catalogue import Catalogue, build_catalogue, coursera_id
from dlsei_dev.generator.mess import LearnerFaces, learner_faces
from dlsei_dev.generator.population import Learners, build_population
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


def build_world(
    *, seed: int, universities: int, people: int, courses: int, extract_date: date, written_days: np.ndarray, mess: bool
) -> World:
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
    timelines = build_timelines(
        learners=population.learners,
        programmes=programmes,
        catalogue=catalogue,
        written_days=written_days,
        seed=seed,
        rng=stream(seed, "timelines"),
    )
    faces = learner_faces(population.learners, timelines.seats.learner, mess, stream(seed, "faces"))
    return World(
        seed=seed,
        mess=mess,
        university_ids=ids,
        registry={
            "universities": universities_frame(chosen),
            "people": population.people,
            "seat_allocations": allocations_frame(programmes, ids),
            "programmes": programmes_frame(programmes, ids),
            "course_catalogue": catalogue.frame,
        },
        learners=population.learners,
        faces=faces,
        catalogue=catalogue,
        programmes=programmes,
        timelines=timelines,
        contract_id=coursera_id(stream(seed, "contract")),
    )
