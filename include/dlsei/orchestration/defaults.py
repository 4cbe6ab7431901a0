"""Defaults every DAG shares: owner, retries, schedule time zone and tags."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule
from airflow.timetables.trigger import CronTriggerTimetable

from dlsei.settings import TIMEZONE

OWNER = "dlsei-data-team"
START_DATE = pendulum.datetime(2026, 1, 1, tz=TIMEZONE)

# Coursera e-mails its daily export in the early morning; 08:00 Karachi leaves it time to arrive.
DAILY_MORNING = CronTriggerTimetable("0 8 * * *", timezone=TIMEZONE)

# The programme report covers the month just ended: on the 1st, after that morning's exports are published.
MONTHLY_FIRST = CronTriggerTimetable("0 12 1 * *", timezone=TIMEZONE)

# A data-quality failure is a fact about the data: retrying cannot fix it, so it fails at once and the data
# team hears of it; a network or database hiccup still gets its retries.
RETRY_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception="dlsei.errors.DataQualityError",
            action=RetryAction.FAIL,
            reason="critical data-quality failure: fix the data, then re-run the day",
        ),
        RetryRule(
            exception="dlsei.errors.IncompleteDay",
            action=RetryAction.FAIL,
            reason="missing or quarantined files: the data team was told; re-run the day once they are in",
        ),
    ]
)


def default_args() -> dict[str, object]:
    from dlsei.orchestration.callbacks import notify_task_failure

    return {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_policy": RETRY_POLICY,
        # Called once a task has failed for good, after its last retry: the data team hears once, not per try.
        "on_failure_callback": notify_task_failure,
    }


# Tags: what the DAG does (purpose) and which source it touches; tests/dags checks every DAG uses them.
PURPOSE_TAGS = frozenset({"ingest", "publish"})
SOURCE_TAGS = frozenset({"coursera", "hec-registry", "warehouse"})
