"""`airflow scheduler` with the pipeline's modules imported before it starts, for the demo's local Airflow.

The LocalExecutor forks its workers from the scheduler, and each worker forks a process per task: whatever the
scheduler has imported, every task starts with. Imported here once, pandas, Great Expectations, SQLAlchemy and
the dlsei stages cost a task nothing, where each task would otherwise import them again (tens of seconds per task
on a busy two-core machine, for tasks that take a second). A deployment's Celery workers pay that once per worker
process in the same way. Run as `python -m dlsei_dev.warm_scheduler [scheduler options]`.
"""

from __future__ import annotations

import importlib
import sys

# What the tasks of the four DAGs import when they run (orchestration/tasks.py imports its stages lazily).
TASK_MODULES = (
    "great_expectations",
    "dlsei.orchestration.tasks",
    "dlsei.ingest.coursera",
    "dlsei.ingest.registry",
    "dlsei.ingest.arrivals",
    "dlsei.publish.marts",
    "dlsei.publish.restatement",
    "dlsei.alerts",
    "dlsei.quality.docs",
)


def main() -> int:
    for module in TASK_MODULES:
        importlib.import_module(module)
    from airflow.__main__ import main as airflow_main

    sys.argv = ["airflow", "scheduler", *sys.argv[1:]]
    return airflow_main()


if __name__ == "__main__":
    sys.exit(main())
