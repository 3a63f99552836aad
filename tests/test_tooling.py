"""`make lint` (ruff) and `make typecheck` (mypy) cover every folder that holds Python: a new
folder (deploy/ once was one) left out of either fails here instead of going unchecked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _python_folders() -> set[str]:
    """Top-level folders of the repository with a .py file anywhere below them."""
    return {path.name for path in ROOT.iterdir()
            if path.is_dir() and not path.name.startswith(".") and not path.name.endswith(".egg-info")
            and next(path.rglob("*.py"), None) is not None}


def _linted() -> set[str]:
    """The paths `make lint` gives ruff."""
    found = re.search(r"^\s*\$\(BIN\)/ruff check (.+)$",
                      (ROOT / "Makefile").read_text(encoding="utf-8"), re.M)
    assert found is not None, "no ruff line in the Makefile's lint target"
    return set(found.group(1).split())


def _typechecked() -> set[str]:
    """The paths `make typecheck` (mypy, files from pyproject.toml) checks."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(config["tool"]["mypy"]["files"])


def test_the_folders_found_include_the_known_ones() -> None:
    # the finder itself works (it would otherwise pass an empty set and the checks below vacuously)
    assert {"bot", "tests", "deploy"} <= _python_folders()


def test_make_lint_covers_every_folder_with_python() -> None:
    assert _python_folders() - _linted() == set()


def test_make_typecheck_covers_every_folder_with_python() -> None:
    assert _python_folders() - _typechecked() == set()
