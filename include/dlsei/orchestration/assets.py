"""The assets that chain the DAGs: landing DAGs produce them, the warehouse DAG is scheduled on them."""

from __future__ import annotations

from airflow.sdk import Asset

COURSERA_SNAPSHOTS = Asset("coursera_snapshots", uri="dlsei://warehouse/snap_coursera")
HEC_REGISTRY = Asset("hec_registry", uri="dlsei://warehouse/hec_registry")
QUOTA_UTILISATION = Asset("quota_utilisation", uri="dlsei://warehouse/mart_quota_utilisation")
