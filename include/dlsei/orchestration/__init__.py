"""The Airflow-facing side of the package: assets, DAG defaults and the functions DAG tasks call.

DAG files import `assets`, `defaults` and `deadlines` (with `callbacks`) at parse time, so these stay cheap (no
pandas, no GX); `tasks` is imported inside the task bodies. `listener` is loaded by the plugin in every Airflow
process, and is as cheap.
"""
