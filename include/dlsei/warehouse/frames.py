"""Hand pandas frames to SQLAlchemy."""

from __future__ import annotations

import pandas as pd


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as dicts with None for missing values: the database driver knows nothing of pandas' NA and NaT."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
