"""Validate one frame against its kind's committed suite: one checkpoint run, every expectation at once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from dlsei.quality.context import batch_definition, get_context
from dlsei.quality.definitions import suite_for, suite_parameters
from dlsei.quality.derived import with_derived_columns
from dlsei.quality.outcomes import QualityReport, outcome_from_result


def validate(
    kind: str, frame: pd.DataFrame, *, source: str, parameters: Mapping[str, object] | None = None
) -> QualityReport:
    """Run the suite of `kind` on `frame` (validating a copy with the derived columns of derived.py).

    `parameters` are the suite's run-time parameters: `university_ids` (the registry's known ids) for the
    registry suites that check references, `export_ts` for the Coursera suites (default: now, as no activity
    can be in the future). The validation result is also kept in the GX project for Data Docs.
    """
    suite, results = run_suite(kind, frame, run_name=source, parameters=parameters)
    return QualityReport(
        suite=suite,
        source=source,
        outcomes=tuple(outcome_from_result(suite, r) for r in results),
    )


def run_suite(
    kind: str, frame: pd.DataFrame, *, run_name: str, parameters: Mapping[str, object] | None
) -> tuple[str, list[Any]]:
    """The suite's name and GX's ExpectationValidationResults, for this package only (no GX object leaves it)."""
    from great_expectations.core.run_identifier import RunIdentifier

    suite = suite_for(kind)
    context = get_context()
    batch_definition(context, suite)  # get-or-create: the checkpoint finds its asset by name
    checkpoint = context.checkpoints.get(suite)
    # The checkpoint's one validation definition, run as Checkpoint.run would run it (same result format, result
    # stored for Data Docs, the checkpoint's id in its meta) without the checkpoint's own layer: its freshness check
    # and result envelope cost 0.2-0.4 s a run, and ingest runs the suite once per chunk. The committed checkpoints
    # have no actions; one that had some would be refused here rather than have them skipped.
    if checkpoint.actions:
        raise ValueError(f"checkpoint {suite} has actions, which run_suite does not run")
    (definition,) = checkpoint.validation_definitions
    validation = definition.run(
        checkpoint_id=checkpoint.id,
        batch_parameters={"dataframe": with_derived_columns(kind, frame)},
        expectation_parameters=_resolve(suite, parameters or {}),
        result_format=checkpoint.result_format,
        # An explicit time: without one GX tries to read a date out of the run name (the file name).
        run_id=RunIdentifier(run_name=run_name, run_time=datetime.now(UTC)),
    )
    return suite, list(validation.results)


def _resolve(suite: str, parameters: Mapping[str, object]) -> dict[str, object]:
    needed = suite_parameters(suite)
    values = {name: parameters[name] for name in needed if parameters.get(name) is not None}
    if "export_ts" in needed:
        values["export_ts"] = _utc(values.get("export_ts", datetime.now(UTC)))
    if "university_ids" in values:
        values["university_ids"] = sorted(str(u) for u in values["university_ids"])  # type: ignore[attr-defined]
    missing = needed - values.keys()
    if missing:
        raise ValueError(f"suite {suite} needs the run-time parameter(s) {', '.join(sorted(missing))}")
    return values


def _utc(value: object) -> pd.Timestamp:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
