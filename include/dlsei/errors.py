"""Errors the orchestration layer reacts to, and the one every refused file raises. Dependency-free: Airflow
resolves these names when it parses DAGs."""

from __future__ import annotations


class DataQualityError(RuntimeError):
    """Published data would break a critical expectation: nothing is published. Retrying cannot help."""


class IncompleteDay(RuntimeError):
    """Files were put aside or the day's exports are missing; whatever did arrive was published. The wait for late
    files already happened in the sensor, so retrying cannot help: the data team has been told."""


class FileRejected(Exception):
    """A delivered file cannot be loaded as it is: the landing sequence quarantines it under `rule`, with the
    message as its reason."""

    def __init__(self, rule: str, reason: str) -> None:
        super().__init__(reason)
        self.rule = rule
