"""The lock files pin what pyproject.toml asks for: edit a dependency without `make lock` and
this fails (the Docker image and `make` install only what the locks say)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$", re.M)


def _pins(name: str) -> dict[str, set[str]]:
    """package → the versions pinned for Python 3.11 (markers for newer Pythons are skipped)."""
    pins: dict[str, set[str]] = {}
    for package, version, marker in PIN.findall((ROOT / name).read_text(encoding="utf-8")):
        if marker and "python_full_version >= '3.12'" in marker:
            continue
        pins.setdefault(canonicalize_name(package.split("[")[0]), set()).add(version)
    return pins


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    items = project["dependencies"] if extra is None else project["optional-dependencies"][extra]
    return [Requirement(item) for item in items]


def _check(lock: str, requirements: list[Requirement]) -> list[str]:
    pins = _pins(lock)
    problems = []
    for requirement in requirements:
        versions = pins.get(canonicalize_name(requirement.name), set())
        if not versions:
            problems.append(f"{requirement.name} is not in {lock}")
        problems += [f"{requirement.name}=={v} in {lock} is outside {requirement.specifier}"
                     for v in versions if not requirement.specifier.contains(v, prereleases=True)]
    return problems


def test_the_runtime_lock_pins_every_dependency() -> None:
    assert _check("requirements.lock", _declared(None)) == []


def test_the_dev_lock_pins_everything_and_agrees_with_the_runtime_lock() -> None:
    assert _check("requirements-dev.lock", _declared(None) + _declared("dev")) == []
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {name: runtime[name] for name in runtime if dev.get(name) != runtime[name]} == {}


def test_every_pin_has_a_hash() -> None:
    for lock in ("requirements.lock", "requirements-dev.lock"):
        blocks = re.split(r"\n(?=\S)", (ROOT / lock).read_text(encoding="utf-8"))
        unhashed = [b.split()[0] for b in blocks if "==" in b.split("\n")[0] and "--hash=sha256:" not in b]
        assert unhashed == [], lock
