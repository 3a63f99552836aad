"""The newcomer's contract: README's two commands, every setting documented, CI runs every test, cited docs exist."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings

ROOT = Path(__file__).resolve().parent.parent


def _docs() -> str:
    return "\n".join(p.read_text(encoding="utf-8")
                     for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])


def test_readme_starts_with_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```", 2)[1]
    assert "make run" in first_block and "make test-all" in first_block


def test_every_setting_is_documented() -> None:
    docs = _docs()
    missing = [f"TROLY_{name.upper()}" for name in Settings.model_fields
               if f"TROLY_{name.upper()}" not in docs]
    assert missing == []


def test_ci_runs_every_test_with_postgres_required() -> None:
    """CI runs README's test command, `make test-all`; the quicker `make test` leaves the slow
    tests out, CI does not."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "make test-all" in ci
    assert "export TROLY_TEST_REQUIRE_POSTGRES=1" in ci
    recipes = (ROOT / "Makefile").read_text(encoding="utf-8").split("\n\n")
    [fast] = [r for r in recipes if r.startswith("test:")]
    [every] = [r for r in recipes if r.startswith("test-all:")]
    assert fast.splitlines()[1].strip() == \
        '$(BIN)/python -m pytest -q -m "not slow" -n $(TEST_JOBS) $(PYTEST_ARGS)'
    assert every.splitlines()[1].strip() == "$(BIN)/python -m pytest -q $(PYTEST_ARGS)"


def test_docs_cited_by_code_live_in_the_repository() -> None:
    """A comment citing docs/<name>.md §N.M points at a file of this repository with that section."""
    import re

    cite = re.compile(r"docs/([\w-]+\.md)((?:\s+§\d+(?:\.\d+)*)?)")
    missing: list[str] = []
    for folder in ("bot", "handlers", "knowledge", "rules", "scheduler", "tests", "bench"):
        for source in sorted((ROOT / folder).rglob("*.py")):
            for name, section in cite.findall(source.read_text(encoding="utf-8")):
                doc = ROOT / "docs" / name
                if not doc.exists():
                    missing.append(f"{source.relative_to(ROOT)}: docs/{name}")
                    continue
                number = section.strip().lstrip("§")
                heading = re.compile(rf"^#+\s+{re.escape(number)}[.\s]", re.MULTILINE)
                if number and not heading.search(doc.read_text(encoding="utf-8")):
                    missing.append(f"{source.relative_to(ROOT)}: docs/{name} §{number}")
    assert missing == []
