"""The columns no canonical column takes, kept per row as one JSON object (header as written -> value).

Built with vectorised pyarrow string kernels: a per-row `json.dumps` would cost seconds on a million-row export.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from dlsei.exports.dtypes import STRING

_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROLS = [chr(code) for code in range(0x20) if chr(code) not in "\n\r\t"]
_NEEDS_ESCAPE = '[\\\\"\\x00-\\x1f]'


def _json_string(text: pa.Array) -> pa.Array:
    if pc.any(pc.match_substring_regex(text, _NEEDS_ESCAPE)).as_py():
        for char, escape in _ESCAPES:
            text = pc.replace_substring(text, char, escape)
        for char in _OTHER_CONTROLS:
            text = pc.replace_substring(text, char, f"\\u{ord(char):04x}")
    return pc.binary_join_element_wise('"', text, '"', "")


def extras_column(raw: pd.DataFrame, extras: Sequence[tuple[int, str]]) -> pd.Series:
    """A JSON object string per row of the non-empty extra values, in header order; <NA> when there are none."""
    members: list[pa.Array] = []
    for position, header in extras:
        value = pc.utf8_trim_whitespace(pa.array(raw[f"c{position}"], type=pa.string()))
        key = "," + json.dumps(header, ensure_ascii=False) + ":"
        member = pc.binary_join_element_wise(key, _json_string(value), "")
        members.append(pc.if_else(pc.equal(value, ""), "", member))
    if not members:
        return pd.Series(pd.NA, index=raw.index, dtype=STRING)
    # Empty strings, never nulls, go into the join: pyarrow 26 drops the rows whose inputs are all null when
    # joining with null_handling="skip". Each member carries its leading comma; the first one is cut off.
    joined = pc.binary_join_element_wise(*members, "")
    braced = pc.binary_join_element_wise("{", pc.utf8_slice_codeunits(joined, 1), "}", "")
    objects = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), braced)
    return pd.Series(pd.arrays.ArrowStringArray(objects), index=raw.index, dtype=STRING)
