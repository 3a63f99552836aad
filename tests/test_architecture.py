"""Import rules of DESIGN.md, and user-facing Vietnamese kept in bot/texts/."""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "knowledge", "scheduler")
PLATFORM_LIBS = ("aiogram", "aiohttp", "httpx", "telegram")
#: the only places allowed to import platform/HTTP libraries
EDGES = ("bot/channels/", "bot/web.py", "bot/app.py")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.mark.parametrize("package", PACKAGES)
def test_platform_libraries_only_at_the_edges(package: str) -> None:
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in _modules(package)
        if not _rel(path).startswith(EDGES)
        for name in _imports(path)
        if name.split(".")[0] in PLATFORM_LIBS
    ]
    assert offenders == []


def test_knowledge_is_pure() -> None:
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in _modules("knowledge")
        for name in _imports(path)
        if name.split(".")[0] in ("bot", "handlers", "scheduler")
    ]
    assert offenders == []


def test_handlers_do_not_reach_into_scheduler_internals_or_channels() -> None:
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in _modules("handlers")
        for name in _imports(path)
        if name.startswith("bot.channels")
    ]
    assert offenders == []


def _has_vietnamese(text: str) -> bool:
    return any(
        unicodedata.decomposition(ch) and not ch.isascii() and ch.isalpha() or ch in "đĐ"
        for ch in text
    )


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


@pytest.mark.parametrize("package", ("handlers", "scheduler"))
def test_user_facing_vietnamese_lives_in_bot_texts(package: str) -> None:
    offenders = []
    for path in _modules(package):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstring_nodes(tree)
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and id(node) not in docstrings and _has_vietnamese(node.value)):
                offenders.append(f"{_rel(path)}:{node.lineno}: {node.value[:40]!r}")
    assert offenders == []
