"""Errors the orchestration layer reacts to. Dependency-free: Airflow resolves these names when it parses DAGs."""

from __future__ import annotations


class DataQualityError(RuntimeError):
    """Published data would break a critical expectation: nothing is published. Retrying cannot help."""
