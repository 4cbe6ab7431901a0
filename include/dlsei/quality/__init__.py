"""Data quality: one GX Core suite per input kind, run before anything is published.

    report = validate("membership", frame, source=file_name, parameters={"export_ts": export_ts})
    store_results(conn, report, load_id=run.load_id, validated_for=run.logical_date)
    if not report.passed: ...   # a critical expectation failed: do not publish
    build_data_docs()           # once per run, downstream

The suites are committed JSON under great_expectations/ (written from definitions.py by maintain.py); the
README there lists what each suite checks and at which severity. Importing this package does not import
great_expectations (10-15 s): DAG files may import it.
"""

from dlsei.quality.definitions import SUITES
from dlsei.quality.docs import build_data_docs
from dlsei.quality.outcomes import ExpectationOutcome, QualityReport
from dlsei.quality.store import store_results
from dlsei.quality.validation import validate

__all__ = [
    "SUITES",
    "ExpectationOutcome",
    "QualityReport",
    "build_data_docs",
    "store_results",
    "validate",
]
