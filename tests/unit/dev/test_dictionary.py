"""docs/data-dictionary.md is what the schema says today, and the schema says enough for analysts."""

from __future__ import annotations

from dlsei_dev.dictionary import PATH, VIEWS, main, render

from dlsei.warehouse.schema import metadata


def test_the_committed_dictionary_is_current() -> None:
    assert PATH.read_text(encoding="utf-8") == render(), "run `python -m dlsei_dev.dictionary` and commit the file"
    assert main(["--check"]) == 0


def test_every_table_states_its_grain_and_every_view_is_described() -> None:
    text = PATH.read_text(encoding="utf-8")
    assert [t.name for t in metadata.sorted_tables if not (t.comment or "").startswith("One row per")] == []
    assert all(f"### `{name}`" in text for name in (*metadata.tables, *VIEWS))
    assert "(no description yet)" not in text
