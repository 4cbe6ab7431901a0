"""The alert rules and their thresholds: rules.yml holds the documented defaults, an Airflow Variable overrides."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from dlsei.settings import ConfigurationError, load_settings, origin

ALERT_RULES_VAR = "AIRFLOW_VAR_DLSEI_ALERT_RULES"

DEFAULT_RULES_FILE = Path(__file__).with_name("rules.yml")


@dataclass(frozen=True)
class LowJoinRate:
    enabled: bool
    min_join_rate_pct: float
    min_cohort_age_days: int


@dataclass(frozen=True)
class LowActivityShare:
    enabled: bool
    min_active_share_pct: float
    min_joined: int


@dataclass(frozen=True)
class InvitedNotJoined:
    enabled: bool
    grace_days: int
    min_count: int


@dataclass(frozen=True)
class JoinedNeverStarted:
    enabled: bool
    grace_days: int
    min_count: int


@dataclass(frozen=True)
class DormantLearners:
    enabled: bool
    inactive_days: int
    join_grace_days: int
    progress_exempt_pct: float
    min_count: int


@dataclass(frozen=True)
class CohortEndingUnused:
    enabled: bool
    within_days: int
    min_unused_seats: int


@dataclass(frozen=True)
class AlertRules:
    low_join_rate: LowJoinRate
    low_activity_share: LowActivityShare
    invited_not_joined: InvitedNotJoined
    joined_never_started: JoinedNeverStarted
    dormant_learners: DormantLearners
    cohort_ending_unused: CohortEndingUnused


def load_rules(path: Path | None = None) -> AlertRules:
    """The rules in `path` (default: the checked-in rules.yml), with AIRFLOW_VAR_DLSEI_ALERT_RULES laid over them."""
    source = path or DEFAULT_RULES_FILE
    document = _mapping(yaml.safe_load(source.read_text(encoding="utf-8")), str(source))
    override_text = load_settings().alert_rules
    if override_text:
        where = f"{ALERT_RULES_VAR} (from {origin(ALERT_RULES_VAR)})"
        # JSON is YAML, so one parser reads both forms of the Variable.
        try:
            override = _mapping(yaml.safe_load(override_text), where)
        except yaml.YAMLError as error:
            raise ConfigurationError(f"{where} is neither YAML nor JSON: {error}") from None
        document = _merge(document, override, where)
    return _build(AlertRules, document, str(source))


def _mapping(value: object, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigurationError(f"{where}: expected a mapping of rule names, got {type(value).__name__}")
    return value


def _merge(base: dict[str, Any], override: dict[str, Any], where: str) -> dict[str, Any]:
    merged = dict(base)
    for rule, values in override.items():
        if rule not in base:
            raise ConfigurationError(f"{where}: unknown rule {rule!r}; known: {', '.join(base)}")
        merged[rule] = {**base[rule], **_mapping(values, f"{where}.{rule}")}
    return merged


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(names))
    missing = [n for n in names if n not in values]
    if unknown or missing:
        raise ConfigurationError(f"{where}: unknown keys {unknown}, missing keys {missing}")
    return cls(**{name: _value(hints[name], values[name], f"{where}.{name}") for name in names})


def _value(kind: type, value: object, where: str) -> object:
    if dataclasses.is_dataclass(kind):
        return _build(kind, _mapping(value, where), where)
    # bool is an int to Python: a threshold of `true` is a typo, not 1.
    if kind is bool and isinstance(value, bool):
        return value
    if kind is int and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    raise ConfigurationError(f"{where}: expected a non-negative {kind.__name__}, got {value!r}")
