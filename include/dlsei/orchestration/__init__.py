"""The Airflow-facing side of the package: assets, DAG defaults and the functions DAG tasks call.

DAG files import `assets` and `defaults` at parse time, so these two stay cheap (no pandas, no GX); `tasks`
is imported inside the task bodies.
"""
