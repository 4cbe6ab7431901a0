"""The project's GX file data context: where it lives, and opening it once per process.

`import great_expectations` costs 10-15 s, so it happens here, inside functions, never when a DAG file is parsed.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import FileDataContext

ROOT_ENV: Final = "DLSEI_GX_ROOT"
DATASOURCE: Final = "dlsei"
BATCH_DEFINITION: Final = "whole_frame"


def gx_root() -> Path:
    """`DLSEI_GX_ROOT`, else the repository's great_expectations/ (the package is installed editable from the
    repository, with include/ as its source root)."""
    configured = os.environ.get(ROOT_ENV, "").strip()
    if configured:
        return Path(configured).resolve()
    return Path(__file__).resolve().parents[3] / "great_expectations"


def get_context() -> FileDataContext:
    return _open(gx_root())


@functools.cache
def _open(root: Path) -> FileDataContext:
    if not (root / "great_expectations.yml").is_file():
        # Without this check GX would quietly scaffold an empty project there and every suite would be missing.
        raise FileNotFoundError(f"no GX project at {root} (set {ROOT_ENV} to the great_expectations/ folder)")
    # Read when GX is imported; great_expectations.yml says the same for the context itself.
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    return gx.get_context(mode="file", context_root_dir=str(root))


def batch_definition(context: FileDataContext, asset: str) -> BatchDefinition:
    """Get or create the whole-frame batch definition of one dataframe asset of the project's pandas source.

    Never `add_or_update_pandas`: on an existing data source it silently drops the assets, and with them every
    stored validation definition. On the committed configuration this only reads, so parallel tasks are safe.
    """
    try:
        source = context.data_sources.get(DATASOURCE)
    except KeyError:
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        data_asset = source.get_asset(asset)
    except LookupError:
        data_asset = source.add_dataframe_asset(asset)
    try:
        return data_asset.get_batch_definition(BATCH_DEFINITION)
    except KeyError:
        return data_asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
