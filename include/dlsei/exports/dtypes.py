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
    "float": "Float64",
    "int": "Int64",
    "bool": "boolean",
}
