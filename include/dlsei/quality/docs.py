"""Rebuild GX Data Docs from the stored suites and validation results."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from dlsei.quality.context import get_context


def build_data_docs() -> Path:
    """Rebuild the local site once per run, downstream of every validation, and return its index.html.

    Validations never build docs themselves: parallel tasks would race on the same site files.
    """
    urls = get_context().build_data_docs()
    return Path(unquote(urlparse(urls["local_site"]).path))
