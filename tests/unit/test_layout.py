"""The package's layout promises (docs/architecture.md): few modules at the root, and the developer's tooling never
imported by what runs in production."""

from __future__ import annotations

import ast
from pathlib import Path

from dlsei_dev.local_airflow import REPO_ROOT

RUNTIME = REPO_ROOT / "include" / "dlsei"


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_the_root_of_the_package_holds_at_most_eight_modules() -> None:
    assert len(list(RUNTIME.glob("*.py"))) <= 8


def test_dags_plugins_and_the_runtime_package_never_import_the_dev_tooling() -> None:
    # The CLI offers the developer's subcommands and imports them when it builds its parser: the one exception.
    sources = [*REPO_ROOT.joinpath("dags").glob("*.py"), *REPO_ROOT.joinpath("plugins").glob("*.py")]
    sources += [path for path in RUNTIME.rglob("*.py") if path != RUNTIME / "cli.py"]
    offenders = {
        str(path.relative_to(REPO_ROOT))
        for path in sources
        if any(name == "dlsei_dev" or name.startswith("dlsei_dev.") for name in imported_modules(path))
    }
    assert offenders == set()
