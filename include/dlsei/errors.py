"""Errors the orchestration layer reacts to. Dependency-free: Airflow resolves these names when it parses DAGs."""

from __future__ import annotations


class DataQualityError(RuntimeError):
    """Published data would break a critical expectation: nothing is published. Retrying cannot help."""


class IncompleteDay(RuntimeError):
    """Files were put aside or the day's exports are missing; whatever did arrive was published. The wait for late
    files already happened in the sensor, so retrying cannot help: the data team has been told."""
