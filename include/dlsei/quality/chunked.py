"""One validation of an export too large to hold at once: its suite runs on each chunk as the file streams past,
and the chunks' results add up to one report for the file.

Why chunks rather than the whole frame: memory then depends on the chunk's size, not the file's. GX's cost is
mostly per row (it hashes each batch's frame, then evaluates every expectation): measured on 570,000 membership
rows, chunks of 200,000 rows cost what one whole-frame run costs, chunks of 50,000 about 1.4 times as much.

How the results add up, by what an expectation states:
- about each row (not null, in a set, a pattern, a range, a pair of columns): every row is checked in its chunk;
  the counts add up and the percentages are recomputed from them exactly as GX computes them;
- about the columns (present, of a type): every chunk has the same columns; a chunk that fails speaks for the file;
- the row count: the chunks' rows add up, and the total is held to the expectation's bounds.
Uniqueness (one row per key) is checked within each chunk. Across chunks it is kept by the loader, which folds a
key's rows into one in the warehouse and writes them under the key's primary key (ingest/staging.py): a duplicate that
survived would abort the load, not be published. Any other kind of expectation cannot be added up this way, and
validating it in chunks is refused rather than reported wrongly (so is `mostly`, a share of all the rows).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd

from dlsei.quality.definitions import suite_for
from dlsei.quality.outcomes import QualityReport, outcome_from_result, raised_an_error
from dlsei.quality.validation import run_suite

ROW_EXPECTATIONS: Final = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        # Within the chunk; across chunks by the loader's fold and the snapshot's primary key (see above).
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
    }
)
COLUMN_EXPECTATIONS: Final = frozenset({"expect_table_columns_to_match_set", "expect_column_type_to_be"})
ROW_COUNT: Final = "expect_table_row_count_to_be_between"
_COUNTS: Final = ("element_count", "missing_count", "unexpected_count")


@dataclass(frozen=True)
class _Result:
    """The parts of a GX ExpectationValidationResult that outcome_from_result reads."""

    expectation_config: Any
    success: bool
    result: dict[str, Any]
    exception_info: dict[str, Any]


class ChunkedValidation:
    def __init__(self, kind: str, *, source: str, parameters: Mapping[str, object] | None = None) -> None:
        self.kind = kind
        self.source = source
        self.parameters = parameters
        self._suite = suite_for(kind)
        self._chunks: list[list[Any]] = []

    def add(self, chunk: pd.DataFrame) -> bool:
        """Validate one chunk; return whether it met every critical expectation. Its GX run is named after the file
        and the chunk's first and last index labels (the loader indexes rows by their record number in the file)."""
        run_name = f"{self.source} (records {chunk.index[0]}-{chunk.index[-1]})" if len(chunk) else self.source
        _, results = run_suite(self.kind, chunk, run_name=run_name, parameters=self.parameters)
        for result in results:
            config = result.expectation_config
            # `mostly` judges a share of all the rows: no single chunk can.
            if config.type not in ROW_EXPECTATIONS | COLUMN_EXPECTATIONS | {ROW_COUNT} or "mostly" in config.kwargs:
                raise ValueError(f"{self._suite}: {config.type} cannot be validated chunk by chunk")
        self._chunks.append(results)
        chunk_report = QualityReport(self._suite, run_name, tuple(outcome_from_result(self._suite, r) for r in results))
        return chunk_report.passed

    def report(self) -> QualityReport:
        """What one validation of all the chunks together reports."""
        if not self._chunks:
            raise ValueError(f"{self.source}: no chunk was validated")
        # GX orders a run's results as it happens to evaluate them: results are paired by expectation id.
        by_id: dict[str, list[Any]] = {}
        for results in self._chunks:
            for result in results:
                by_id.setdefault(result.expectation_config.id, []).append(result)
        if any(len(results) != len(self._chunks) for results in by_id.values()):
            raise ValueError(f"{self.source}: the chunks were not validated against the same expectations")
        merged = [_merge(results) for results in by_id.values()]
        return QualityReport(
            suite=self._suite,
            source=self.source,
            outcomes=tuple(outcome_from_result(self._suite, result) for result in merged),
        )


def _merge(results: list[Any]) -> _Result:
    config = results[0].expectation_config
    failed = next((r for r in results if not r.success), None)
    unevaluated = next((r for r in results if raised_an_error(r)), None)
    if unevaluated is not None or config.type in COLUMN_EXPECTATIONS:
        # A chunk GX could not evaluate, else the first that failed, speaks for the file.
        speaker = unevaluated or failed or results[0]
        return _Result(config, failed is None, dict(speaker.result), speaker.exception_info)
    if config.type == ROW_COUNT:
        rows = sum(int(r.result["observed_value"]) for r in results)
        low, high = config.kwargs.get("min_value"), config.kwargs.get("max_value")
        success = (low is None or rows >= low) and (high is None or rows <= high)
        return _Result(config, success, {"observed_value": rows}, results[0].exception_info)
    return _Result(config, failed is None, _added_counts([r.result for r in results]), results[0].exception_info)


def _added_counts(details: list[dict[str, Any]]) -> dict[str, Any]:
    """The counts summed; GX's unexpected_percent is of the non-missing rows when it reports missing rows at all."""
    summed = {key: sum(int(d[key]) for d in details) for key in _COUNTS if key in details[0]}
    considered = summed["element_count"] - summed.get("missing_count", 0)
    summed["unexpected_percent"] = summed["unexpected_count"] / considered * 100 if considered else None
    return summed
