"""The alert rules: documented defaults in rules.yml, overridden by the Airflow Variable, refused when malformed."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlsei.alerts import load_rules
from dlsei.alerts.rules import DEFAULT_RULES_FILE
from dlsei.settings import ConfigurationError

VAR = "AIRFLOW_VAR_DLSEI_ALERT_RULES"


@pytest.fixture(autouse=True)
def no_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)


def test_the_checked_in_defaults() -> None:
    rules = load_rules()
    assert rules.low_join_rate.min_join_rate_pct == 60.0
    assert rules.low_join_rate.min_cohort_age_days == 30
    assert rules.low_activity_share.min_active_share_pct == 50.0
    assert rules.invited_not_joined.grace_days == 14
    assert rules.joined_never_started.grace_days == 14
    assert rules.dormant_learners.inactive_days == 30  # the mart's own `dormant`
    assert rules.dormant_learners.progress_exempt_pct == 80.0
    assert rules.cohort_ending_unused.within_days == 30
    assert all(getattr(rules, name).enabled for name in rules.__dataclass_fields__)


@pytest.mark.parametrize(
    "override",
    [
        '{"low_join_rate": {"min_join_rate_pct": 45}, "dormant_learners": {"enabled": false}}',
        "low_join_rate:\n  min_join_rate_pct: 45\ndormant_learners:\n  enabled: false\n",
    ],
    ids=["json", "yaml"],
)
def test_the_variable_overrides_only_what_it_names(monkeypatch: pytest.MonkeyPatch, override: str) -> None:
    monkeypatch.setenv(VAR, override)
    rules = load_rules()
    assert rules.low_join_rate.min_join_rate_pct == 45.0
    assert rules.low_join_rate.min_cohort_age_days == 30
    assert rules.dormant_learners.enabled is False
    assert rules.dormant_learners.inactive_days == 30


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ('{"low_join_rte": {"min_join_rate_pct": 45}}', "unknown rule 'low_join_rte'"),
        ('{"low_join_rate": {"min_join_pct": 45}}', "unknown keys \\['min_join_pct'\\]"),
        ('{"low_join_rate": {"min_join_rate_pct": "high"}}', "low_join_rate.min_join_rate_pct"),
        ('{"invited_not_joined": {"grace_days": -1}}', "invited_not_joined.grace_days"),
        ('{"invited_not_joined": {"min_count": true}}', "invited_not_joined.min_count"),
        ("[1, 2]", "expected a mapping"),
        ("{unclosed", "neither YAML nor JSON"),
    ],
)
def test_a_malformed_override_is_refused(monkeypatch: pytest.MonkeyPatch, override: str, complaint: str) -> None:
    monkeypatch.setenv(VAR, override)
    with pytest.raises(ConfigurationError, match=complaint):
        load_rules()


def test_another_rules_file(tmp_path: Path) -> None:
    text = DEFAULT_RULES_FILE.read_text()
    custom = tmp_path / "rules.yml"
    custom.write_text(text.replace("min_unused_seats: 10", "min_unused_seats: 3"))
    assert load_rules(custom).cohort_ending_unused.min_unused_seats == 3
    custom.write_text(text.replace("  min_unused_seats: 10\n", ""))
    with pytest.raises(ConfigurationError, match="missing keys \\['min_unused_seats'\\]"):
        load_rules(custom)
