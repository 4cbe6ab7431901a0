"""What a validation found, in plain Python: no GX object leaves this package.

Nothing here holds a row's value. GX results are read with BASIC and no partial unexpected list (the checkpoints'
result_format), and `observed_value` is kept only when it is a number, a dtype name or a list of missing column
names: never a value taken from the data.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dlsei.quality.definitions import CRITICAL, WARNING, column_label


@dataclass(frozen=True)
class ExpectationOutcome:
    suite: str
    expectation: str
    column_name: str | None
    severity: str
    success: bool
    element_count: int | None
    unexpected_count: int | None
    unexpected_percent: float | None
    observed_value: str | None

    def describe(self) -> str:
        where = f" on {self.column_name}" if self.column_name else ""
        if self.unexpected_count is not None and self.element_count is not None:
            # Not GX's percent: for value checks it is of the non-missing rows, which reads wrongly beside a count.
            found = f"{self.unexpected_count} of {self.element_count} rows unexpected"
        elif self.observed_value is not None:
            found = f"observed {self.observed_value}"
        else:
            found = "failed"
        return f"{self.suite}: {self.severity} {self.expectation}{where}: {found}"


@dataclass(frozen=True)
class QualityReport:
    suite: str
    source: str
    outcomes: tuple[ExpectationOutcome, ...]

    @property
    def passed(self) -> bool:
        """True when no critical expectation failed: the input may be published (warnings are recorded)."""
        return not self.critical_failures

    @property
    def critical_failures(self) -> tuple[ExpectationOutcome, ...]:
        return self._failures(CRITICAL)

    @property
    def warnings(self) -> tuple[ExpectationOutcome, ...]:
        return self._failures(WARNING)

    def _failures(self, severity: str) -> tuple[ExpectationOutcome, ...]:
        return tuple(o for o in self.outcomes if not o.success and o.severity == severity)

    def describe(self) -> str:
        """One line per failed expectation, critical first; a one-line summary when nothing failed."""
        failures = self.critical_failures + self.warnings
        if not failures:
            return f"{self.suite}: {self.source}: all {len(self.outcomes)} expectations met"
        return "\n".join(f"{self.source}: {outcome.describe()}" for outcome in failures)


def outcome_from_result(suite: str, result: Any) -> ExpectationOutcome:
    """Turn one GX ExpectationValidationResult into an outcome."""
    config = result.expectation_config
    details: Mapping[str, Any] = result.result or {}
    return ExpectationOutcome(
        suite=suite,
        expectation=config.type,
        column_name=column_label(config.kwargs),
        severity=str(getattr(config.severity, "value", config.severity)),
        success=bool(result.success),
        element_count=_integer(details.get("element_count")),
        unexpected_count=_integer(details.get("unexpected_count")),
        unexpected_percent=_number(details.get("unexpected_percent")),
        observed_value=_observed(config.type, details, raised=raised_an_error(result)),
    )


def raised_an_error(result: Any) -> bool:
    """Whether GX could not evaluate the expectation (its result then carries no counts)."""
    exception_info: Mapping[str, Any] = result.exception_info or {}
    # One flag for an expectation that failed as a whole, or one entry per metric that raised.
    return bool(exception_info.get("raised_exception")) or any(
        isinstance(entry, Mapping) and bool(entry.get("raised_exception")) for entry in exception_info.values()
    )


def _observed(expectation: str, details: Mapping[str, Any], *, raised: bool) -> str | None:
    if raised:
        # The exception text stays in GX's own result file: it can quote data.
        return "not evaluated: the expectation raised an error"
    if expectation == "expect_table_columns_to_match_set":
        missing = (details.get("details") or {}).get("mismatched", {}).get("missing") or []
        return f"missing columns: {', '.join(sorted(missing))}" if missing else None
    observed = details.get("observed_value")
    if expectation == "expect_column_type_to_be" and isinstance(observed, str):
        return observed
    if isinstance(observed, numbers.Number) and not isinstance(observed, bool):
        return str(observed)
    return None


def _integer(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def _number(value: object) -> float | None:
    return None if value is None else float(value)  # type: ignore[arg-type]
