"""dlsei-pipeline: seat utilisation for HEC DLSEI Coursera licences.

The stage packages, in pipeline order: ingest (land, ledger, snapshots), exports (parse), quality (validate),
publish (marts), alerts, report, web; beside them warehouse (schema, engine, migrations) and orchestration (the
Airflow side). docs/architecture.md follows one file through them.
"""
