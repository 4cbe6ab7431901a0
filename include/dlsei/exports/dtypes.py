"""The pandas dtypes of the canonical logical types (see canonical.py)."""

from __future__ import annotations

from typing import Final

import pandas as pd

# Arrow-backed: a third of the memory of Python-object strings, and the parser's output needs no copy.
STRING: Final = pd.StringDtype("pyarrow")
TIMESTAMP: Final = "datetime64[us, UTC]"
DTYPES: Final[dict[str, object]] = {
    "str": STRING,
    "ts": TIMESTAMP,
    # NumPy's, NaN for a missing value: GX checks a range on it in one vectorised comparison, where on pandas'
    # nullable Float64 it calls a Python function per value (a fifth of the time it takes to validate a chunk).
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
}
