"""Header cells as they are matched (normalised) and as they are kept in `extras` (cleaned)."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def clean_header(cell: str) -> str:
    """The header as a person wrote it, without the BOM, stray quotes, surrounding blanks or a required-field star."""
    text = cell.replace("\ufeff", "").strip().strip('"').strip()
    return _SPACES.sub(" ", text.rstrip("*").strip())


def normalise_header(cell: str) -> str:
    """The form layouts are matched on: Coursera changes the case of headers between exports (`External Id`,
    `External ID`) and starred exports mark required columns with `*`."""
    return clean_header(cell).casefold()
