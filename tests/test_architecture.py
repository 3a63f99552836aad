"""The layout's rules (README.md, "Layout": the floors and what each may import), the one home of
outbox writes and of date formats, and user-facing Vietnamese kept in bot/texts/."""

from __future__ import annotations

import ast
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "knowledge", "rules", "scheduler")
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


def _imported_names(path: Path) -> set[str]:
    """`from bot import app` as 'bot.app' (what _imports leaves as 'bot')."""
    return {
        f"{node.module}.{alias.name}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
        for alias in node.names
    }


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
        if name.split(".")[0] in ("bot", "handlers", "rules", "scheduler")
    ]
    assert offenders == []


#: every folder of code (what a circle may run through): the packages, the fakes, the benches
CODE = (*PACKAGES, "testkit", "bench", "deploy")


def _circle_edges(path: Path) -> set[str]:
    """The first-party files one file imports (TYPE_CHECKING imports too). `from pkg import mod`
    is an import of mod alone: a package's __init__ runs before any of its submodules, which is
    no dependency of the importer on what __init__ imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [_module_path(alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            targets = [_module_path(f"{node.module}.{alias.name}") for alias in node.names]
            if not all(targets):  # some names are not modules: they come from the module itself
                targets.append(_module_path(node.module))
        else:
            continue
        found.update(t for t in targets if t is not None and t != _rel(path))
    return found


def find_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Circles of a graph (node → nodes it imports), each as the path that closes it; none
    found means there are none (a depth-first search meets every circle's back edge)."""
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> None:
        if node in trail:
            cycles.append([*trail[trail.index(node) :], node])
            return
        if node in done:
            return
        for nxt in graph.get(node, []):
            visit(nxt, [*trail, node])
        done.add(node)

    for start in graph:
        visit(start, [])
    return cycles


def import_cycles(*folders: str) -> list[list[str]]:
    """Circles of imports among the files of `folders`, each as its file paths."""
    inside = tuple(f"{folder}/" for folder in folders)
    graph = {
        _rel(path): sorted(t for t in _circle_edges(path) if t.startswith(inside))
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py")) if "migrations" not in path.parts
    }  # fmt: skip
    return find_cycles(graph)


def test_no_import_circles() -> None:
    """No import circle anywhere in the code, TYPE_CHECKING imports included: what a module
    needs of one that imports it is a protocol of its own (bot/context.py's FlowStarts)."""
    assert import_cycles(*CODE) == []


def test_circle_check_sees_circles() -> None:
    assert find_cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c", "a"]]
    assert find_cycles({"a": ["b", "c"], "b": ["c"], "c": []}) == []
    assert _circle_edges(ROOT / "handlers/start.py") >= {"handlers/registration.py",
                                                         "bot/router.py"}
    assert "handlers/__init__.py" not in _circle_edges(ROOT / "handlers/start.py")


@pytest.mark.parametrize("folder", CODE)
def test_nothing_outside_tests_imports_tests(folder: str) -> None:
    """Shared fakes live in testkit/, labelled questions in knowledge/demo/: tests/ is a leaf."""
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        for name in _imports(path)
        if name.split(".")[0] == "tests"
    ]
    assert offenders == []


#: the floors, lowest first (README, "Layout"): a module imports its own floor and those below,
#: never one above. A path belongs to the floor of its longest matching prefix.
FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("knowledge", ("knowledge/",)),
    ("core", ("bot/",)),
    ("rules", ("rules/",)),
    # the core's parts that apply the rules (cut-offs, deadlines, quiet hours), shared by the
    # features and the CLI
    ("services", ("bot/reports/", "bot/imports/detect.py", "bot/imports/tasks.py",
                  "bot/imports/units.py", "bot/kb_loop.py", "bot/leave_dates.py",
                  "bot/guide_options.py")),
    ("features", ("handlers/", "scheduler/")),
    ("edges", ("bot/channels/", "bot/web.py", "bot/web_login.py", "bot/cli/", "bot/app.py")),
)
#: features side by side that must not import each other (package → packages it must not import)
APART = {"handlers": ("scheduler",), "scheduler": ("handlers",)}
#: (importer, imported module) pairs still crossing a floor, each with the work that removes it
KNOWN_CROSSINGS: dict[tuple[str, str], str] = {}


def floor_of(rel: str) -> int | None:
    """The floor (index in FLOORS) of a path relative to the root, None outside every floor."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if rel.startswith(prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return best[1] if best is not None else None


def _module_path(name: str) -> str | None:
    """The file of a first-party module name, relative to the root (None: not ours)."""
    base = ROOT / Path(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return _rel(candidate)
    return None


def _imported_files(path: Path) -> set[tuple[str, str]]:
    """(module name, file) of every first-party module a file imports; `from pkg import mod`
    names the submodule."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            target = _module_path(name)
            if target is not None:
                found.add((name, target))
    return found


def floor_crossings() -> list[str]:
    """Imports from a lower floor into a higher one, and between features kept apart."""
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            rel = _rel(path)
            own = floor_of(rel)
            assert own is not None, f"{rel} is on no floor"
            for name, target in sorted(_imported_files(path)):
                if (rel, name) in KNOWN_CROSSINGS:
                    continue
                other = floor_of(target)
                assert other is not None, f"{target} is on no floor"
                if other > own:
                    offenders.append(f"{rel} ({FLOORS[own][0]}) imports {name} ({FLOORS[other][0]})")
                elif target.split("/")[0] in APART.get(rel.split("/")[0], ()):
                    offenders.append(f"{rel} imports {name}")
    return offenders


def test_lower_floors_do_not_import_upper_floors() -> None:
    assert floor_crossings() == []


def test_known_crossings_still_exist() -> None:
    """An allowance whose import is gone is deleted, so it cannot hide a new one."""
    stale = [f"{rel} → {name}" for rel, name in KNOWN_CROSSINGS
             if name not in {n for n, _ in _imported_files(ROOT / rel)}]
    assert stale == []


def test_floor_check_sees_upward_and_sideways_imports() -> None:
    assert floor_of("bot/dispatcher.py") == 1 and floor_of("bot/reports/build.py") == 3
    assert floor_of("bot/channels/web.py") == 5 and floor_of("bot/web.py") == 5
    assert floor_of("rules/policy.py") == 2 and floor_of("handlers/ask.py") == 4
    assert _module_path("rules.policy") == "rules/policy.py"
    assert _module_path("bot.reports") == "bot/reports/__init__.py"
    assert _module_path("aiogram") is None


def test_readme_layout_draws_the_floors() -> None:
    """README's layout names every floor, top first, with each floor's paths under it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    drawing = layout.split("```", 2)[1]
    text: dict[str, str] = {}
    current = ""
    for line in drawing.splitlines():
        if line.strip() and not line.startswith((" ", "─")):
            current = line.split()[0]
            text[current] = ""
        if current:
            text[current] += line + "\n"
    assert list(text) == [name for name, _ in reversed(FLOORS)]
    for name, prefixes in FLOORS:
        shown = [prefix.rsplit("/", 1)[-1] or prefix for prefix in prefixes]
        assert [p for p in shown if p not in text[name]] == [], name


def test_handlers_and_scheduler_do_not_import_each_other_or_the_edges() -> None:
    offenders = [
        f"{_rel(path)} imports {name}"
        for package in ("handlers", "scheduler")
        for path in _modules(package)
        for name, target in _imported_files(path)
        if (_rel(path), name) not in KNOWN_CROSSINGS
        and (target.split("/")[0] in APART[package] or floor_of(target) == len(FLOORS) - 1)
    ]
    assert offenders == []


def test_channels_do_not_import_the_composition_root() -> None:
    """attach_telegram / attach_zalo hand their parts to bot/app.py; a channel importing bot.app
    (even under TYPE_CHECKING) would bring the import cycle back."""
    offenders = [
        f"{_rel(path)} imports {name}"
        for path in sorted((ROOT / "bot" / "channels").rglob("*.py"))
        for name in _imports(path) | _imported_names(path)
        if name == "bot.app" or name.startswith("bot.app.")
    ]
    assert offenders == []


#: the two halves of Dispatcher.handle (process in one transaction; send after the commit): an
#: edge hands every inbound event to handle whole, so it can neither send before the commit nor
#: forget to send (issue 13, "One inbound path")
HANDLE_HALVES = frozenset({"feed", "deliver"})
#: the edges: channel adapters, the web server, the composition root, the CLI's chat
INBOUND_EDGES = (*EDGES, "bot/cli/")


def _halves_called(source: str) -> list[str]:
    calls = sorted((node.lineno, node.func.attr) for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                   and node.func.attr in HANDLE_HALVES)
    return [f"line {line}: .{name}()" for line, name in calls]


def test_edges_call_dispatcher_handle_not_its_halves() -> None:
    offenders = [
        f"{_rel(path)} {call}"
        for path in _modules("bot")
        if _rel(path).startswith(INBOUND_EDGES)
        for call in _halves_called(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_halves_check_sees_feed_and_deliver() -> None:
    source = ("async def f(d, e, c):\n"
              "    replies = await d.feed(e)\n"
              "    await self.dispatcher.deliver(e.chat, e.sender, replies, c)\n"
              "    await d.handle(e, c)\n")
    assert _halves_called(source) == ["line 2: .feed()", "line 3: .deliver()"]


#: rows the dispatcher alone writes for an inbound event, in its transaction: the dedupe key and
#: the account with its status (issue 13: the edges' own inserts and status writes are gone)
INBOUND_ROWS = frozenset({"InboundUpdate", "ChatAccount"})
WRITES = frozenset({"insert", "update", "delete"})


def _inbound_rows_written(source: str, rows: frozenset[str] = INBOUND_ROWS) -> list[str]:
    """Calls that create or change an inbound row (or one of `rows`): Model(...),
    insert/update/delete(Model)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else (
            func.attr if isinstance(func, ast.Attribute) else "")
        if name in rows:
            found.append((node.lineno, f"{name}(...)"))
        elif name in WRITES and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in rows:
            found.append((node.lineno, f"{name}({node.args[0].id})"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_edges_write_no_inbound_or_account_rows() -> None:
    offenders = [
        f"{_rel(path)} {write}"
        for path in _modules("bot")
        if _rel(path).startswith(INBOUND_EDGES)
        for write in _inbound_rows_written(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


#: what an inbound event changes in the outbox (a read receipt marks messages seen) is the
#: dispatcher's too: a channel adapter hands it over as a neutral event (MessagesSeen)
OUTBOX_ROWS = frozenset({"OutboxMessage"})


def test_channel_adapters_write_no_outbox_rows() -> None:
    offenders = [
        f"{_rel(path)} {write}"
        for path in sorted((ROOT / "bot" / "channels").rglob("*.py"))
        for write in _inbound_rows_written(path.read_text(encoding="utf-8"), OUTBOX_ROWS)
    ]
    assert offenders == []


def test_inbound_rows_check_sees_inserts_updates_and_new_rows() -> None:
    source = ("async def f(s):\n"
              "    await s.execute(sqlite.insert(InboundUpdate).values(update_id='1'))\n"
              "    await s.execute(update(ChatAccount).values(status='blocked'))\n"
              "    s.add(ChatAccount(channel='zalo'))\n"
              "    await s.execute(select(ChatAccount))\n")
    assert _inbound_rows_written(source) == ["line 2: insert(InboundUpdate)",
                                             "line 3: update(ChatAccount)",
                                             "line 4: ChatAccount(...)"]


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


#: module-level constants named so hold data the code parses with, not messages: the accepted
#: column headers of import files, regexes over Vietnamese documents, accepted words
DATA_CONSTANT_SUFFIXES = ("_HEADERS", "_ALIASES", "_PATTERN", "_VOCABULARY")
#: help= of these typer calls is the CLI's --help (admin documentation, English with examples)
TYPER_HELP_CALLS = ("Typer", "Option", "Argument")
#: (module, literal) → why that one Vietnamese literal is not a message for bot/texts/
ALLOWED_LITERALS = {
    ("bot/db/guide_store.py", "đ"): "slugify folds đ to d for ASCII slugs",
    ("bot/db/guide_store.py", "Đ"): "slugify folds Đ to D for ASCII slugs",
    ("bot/imports/tasks.py", "Kế hoạch số "):
        "the canonical Plan.ref built from a document's 'Kế hoạch số …' line (must equal --plan values)",
}


def _exempt_nodes(tree: ast.Module) -> set[int]:
    """Constants under a data constant (by name) or under help= of a typer call."""
    roots: list[ast.AST] = []
    for stmt in tree.body:
        targets = (stmt.targets if isinstance(stmt, ast.Assign)
                   else [stmt.target] if isinstance(stmt, ast.AnnAssign) else [])
        if any(isinstance(t, ast.Name) and t.id.endswith(DATA_CONSTANT_SUFFIXES) for t in targets):
            assert isinstance(stmt, ast.Assign | ast.AnnAssign) and stmt.value is not None
            roots.append(stmt.value)
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "typer"
                and node.func.attr in TYPER_HELP_CALLS):
            roots += [kw.value for kw in node.keywords if kw.arg == "help"]
    return {id(n) for root in roots for n in ast.walk(root)}


def vietnamese_literals(source: str, rel: str) -> list[str]:
    """Vietnamese string literals of a module that are neither docstrings nor exempt data."""
    tree = ast.parse(source)
    skipped = _docstring_nodes(tree) | _exempt_nodes(tree)
    return [
        f"{rel}:{node.lineno}: {node.value[:40]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in skipped and _has_vietnamese(node.value)
        and (rel, node.value) not in ALLOWED_LITERALS
    ]


@pytest.mark.parametrize("package", ("bot", "handlers", "rules", "scheduler"))
def test_user_facing_vietnamese_lives_in_bot_texts(package: str) -> None:
    offenders = [
        offender
        for path in _modules(package)
        if not _rel(path).startswith("bot/texts/")
        for offender in vietnamese_literals(path.read_text(encoding="utf-8"), _rel(path))
    ]
    assert offenders == []


def test_vietnamese_literal_check_reports_messages_and_spares_data() -> None:
    source = '''
"""Mô-đun: a docstring may be Vietnamese."""
import typer

HEADER_ALIASES = {"code": ("Mã cán bộ", "Mã")}
app = typer.Typer(help="Đơn vị (units)")
GREETING = "Xin chào"


def command(x: str = typer.Option("", help="ví dụ 'Kế hoạch số 1'")) -> None:
    """Lệnh: a docstring again."""
    LOCAL_HEADERS = ["Họ tên"]
    typer.echo(f"Không tìm thấy {x}", err=True)
    typer.echo("đ")
'''
    found = vietnamese_literals(source, "bot/example.py")
    assert sorted(line.split(": ", 1)[1] for line in found) == sorted([
        "'Xin chào'", "'Họ tên'", "'Không tìm thấy '", "'đ'"])
    # an allowlisted literal is spared only in the file it is allowed for
    assert vietnamese_literals('SLUG = "đ"', "bot/db/guide_store.py") == []
    assert vietnamese_literals('SLUG = "đ"', "bot/other.py") != []


#: the one writer of spreadsheets (no formula ever starts in a cell troly writes)
SPREADSHEET_WRITER = "bot/reports/sheets.py"


def test_spreadsheets_are_written_only_through_the_safe_writer() -> None:
    offenders = []
    for package in PACKAGES:
        for path in _modules(package):
            if _rel(path) == SPREADSHEET_WRITER:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "openpyxl":
                    offenders += [f"{_rel(path)} imports openpyxl.{a.name}" for a in node.names
                                  if a.name == "Workbook"]
                if isinstance(node, ast.Attribute) and node.attr in ("writer", "DictWriter") \
                        and isinstance(node.value, ast.Name) and node.value.id == "csv":
                    offenders.append(f"{_rel(path)}:{node.lineno} uses csv.{node.attr}")
    assert offenders == []


#: the one home of date formats (what readers are shown: day first, local time)
DATES_HOME = "bot/dates.py"
#: a strftime directive in a format: '%d/%m/%Y', '%H:%M'
DATE_DIRECTIVE = re.compile(r"%[aAbBdHjmMpSyYzZ]")
#: (module, format) → why that format of a date is not one shown to a reader
ALLOWED_DATE_FORMATS = {
    ("rules/policy.py", "%H:%M"):
        "a setting's time as its JSON holds it (stored, and `troly schedule show --json`)",
    ("scheduler/service.py", "%H%M"): "a digest job's id, never shown",
}


def date_formats(source: str, rel: str) -> list[str]:
    """Where one file formats a date or time itself: .strftime(…), an f-string's {x:%d/%m},
    format(x, '%d/%m'), '{:%d/%m}'.format(x)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and _call_name(node) == "strftime":
            found.append((node.lineno, ast.unparse(node.args[0]) if node.args else "strftime"))
        elif isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = "".join(str(part.value) for part in ast.walk(node.format_spec)
                           if isinstance(part, ast.Constant))
            if DATE_DIRECTIVE.search(spec):
                found.append((node.lineno, spec))
        elif isinstance(node, ast.Call) and _call_name(node) == "format" \
                and isinstance(node.func, ast.Name) and len(node.args) == 2 \
                and isinstance(node.args[1], ast.Constant) \
                and DATE_DIRECTIVE.search(str(node.args[1].value)):
            found.append((node.lineno, str(node.args[1].value)))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.search(r"\{[^{}]*:[^{}]*" + DATE_DIRECTIVE.pattern, node.value):
            found.append((node.lineno, node.value))
    return [f"{rel}:{line}: {spec}" for line, spec in sorted(found)
            if (rel, spec.strip("'\"")) not in ALLOWED_DATE_FORMATS]


def test_dates_are_formatted_only_in_bot_dates() -> None:
    """One home for how dates are shown (issue 13): the others call bot/dates.py."""
    offenders = [
        found
        for package in PACKAGES
        for path in _modules(package)
        if _rel(path) != DATES_HOME
        for found in date_formats(path.read_text(encoding="utf-8"), _rel(path))
    ]
    assert offenders == []


def test_date_format_check_sees_formats() -> None:
    source = '''
start = self.start.strftime("%d/%m" if same_year else "%d/%m/%Y")
when = f"{to_local(now):%H:%M}"
day = f"{day:%d/%m/%Y}"
shown = format(day, "%d/%m")
line = "ngày {:%d/%m}".format(day)
fine = f"{count:02d} {ratio:.1%} {day.isoformat()} {width:>10}"
'''
    assert date_formats(source, "x.py") == [
        "x.py:2: '%d/%m' if same_year else '%d/%m/%Y'", "x.py:3: %H:%M", "x.py:4: %d/%m/%Y",
        "x.py:5: %d/%m", "x.py:6: ngày {:%d/%m}"]
    assert date_formats('hhmm = f"{value:%H:%M}"', "rules/policy.py") == []
    assert date_formats('hhmm = f"{value:%H:%M}"', "rules/other.py") != []


#: the one home of outbox rows: only it writes them (bot/outbox.py)
OUTBOX_HOME = "bot/outbox.py"
OUTBOX_MODEL = "OutboxMessage"
OUTBOX_TABLE = "outbox"
#: calls that build a writing statement on the table they are given: update(T), insert(T),
#: delete(T), insert_ignore(session, T) (bot/db/base.py)
ROW_WRITERS = frozenset({*WRITES, "insert_ignore"})
#: calls that hand a model to the ORM for its rows (session.get(OutboxMessage, 1))
ORM_LOADERS = frozenset({"get", "get_one", "merge", "refresh"})
#: raw SQL writing the outbox table
RAW_OUTBOX_WRITE = re.compile(rf"\b(insert\s+into|update|delete\s+from)\s+\"?{OUTBOX_TABLE}\"?(\s|$)",
                              re.IGNORECASE)


def _call_name(node: ast.Call) -> str:
    func = node.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(
        func, ast.Attribute) else ""


def _table_names(tree: ast.AST) -> set[str]:
    """Names standing for the outbox's model or table in a module: OutboxMessage, and names
    assigned from it or from its __table__ (bot/replies.py's _OUTBOX)."""
    names = {OUTBOX_MODEL}
    for _ in range(3):  # aliases of aliases
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None \
                    and _is_table(node.value, names):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _is_table(expr: ast.expr, names: set[str]) -> bool:
    """`expr` is the outbox's model or table: a name of it, its __table__, cast(Table, …) of one."""
    if isinstance(expr, ast.Name):
        return expr.id in names
    if isinstance(expr, ast.Attribute) and expr.attr == "__table__":
        return _is_table(expr.value, names)
    if isinstance(expr, ast.Call) and _call_name(expr) == "cast":
        return any(_is_table(arg, names) for arg in expr.args)
    return False


def _row_positions(expr: ast.expr, models: set[str]) -> list[int] | None:
    """Where outbox rows (ORM objects) stand in what `expr` gives: [] for rows themselves,
    positions for tuples of a select of several entities, None when it gives no row."""
    for node in ast.walk(expr):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name == "select":
            found = [i for i, arg in enumerate(node.args)
                     if isinstance(arg, ast.Name) and arg.id in models]
            if found:
                return [] if len(node.args) == 1 else found
        elif name in ORM_LOADERS and node.args and isinstance(node.args[0], ast.Name) \
                and node.args[0].id in models:
            return []
    return None


def _names_in(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _root_name(expr: ast.expr) -> str | None:
    """`row` of row.status, row.payload["meta"], rows[0].status."""
    while isinstance(expr, ast.Attribute | ast.Subscript | ast.Starred):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else None


def _mentions_model(annotation: ast.expr | None, models: set[str]) -> bool:
    return annotation is not None and any(
        isinstance(n, ast.Name) and n.id in models
        or isinstance(n, ast.Constant) and isinstance(n.value, str)
        and any(m in n.value for m in models)
        for n in ast.walk(annotation))


def _scope_nodes(scope: ast.AST) -> list[ast.AST]:
    """The nodes of a function (its nested functions too: closures share its names), or of a
    module outside its functions."""
    if not isinstance(scope, ast.Module):
        return list(ast.walk(scope))
    nodes: list[ast.AST] = []
    todo: list[ast.AST] = [scope]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo += [child for child in ast.iter_child_nodes(node)
                 if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)]
    return nodes


#: calls giving what their arguments hold (a list of rows, a row, tuples with rows in them)
PASS_THROUGH = frozenset({"list", "tuple", "set", "sorted", "reversed", "iter", "next", "filter",
                          "enumerate", "zip"})


def _holds_rows(expr: ast.expr, rows: set[str]) -> bool:
    """`expr` is rows of a name holding them: the name, rows[0], sorted(rows), enumerate(rows)."""
    if isinstance(expr, ast.Await | ast.Starred):
        return _holds_rows(expr.value, rows)
    if isinstance(expr, ast.Name):
        return expr.id in rows
    if isinstance(expr, ast.Subscript):
        return _holds_rows(expr.value, rows)
    if isinstance(expr, ast.Call) and _call_name(expr) in PASS_THROUGH:
        return any(_holds_rows(arg, rows) for arg in expr.args)
    return False


def _row_names(nodes: list[ast.AST], models: set[str]) -> set[str]:
    """Names of a scope holding outbox rows (or lists of them): annotated with the model, or
    bound from a select of it, from session.get(OutboxMessage, …), or from another such name
    (for row in rows, rows[0], sorted(rows))."""
    rows: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.arg) and _mentions_model(node.annotation, models):
            rows.add(node.arg)
        elif isinstance(node, ast.AnnAssign) and _mentions_model(node.annotation, models):
            rows |= _names_in(node.target)
    bindings: list[tuple[ast.expr, ast.expr]] = []
    for node in nodes:
        if isinstance(node, ast.Assign):
            bindings += [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
            bindings.append((node.target, node.value))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            bindings.append((node.target, node.iter))
    changed = True
    while changed:
        changed = False
        for target, value in bindings:
            positions = _row_positions(value, models)
            if positions is None and not _holds_rows(value, rows):
                continue
            named = (_names_in(target) if not positions or not isinstance(target, ast.Tuple)
                     else {n for i in positions if i < len(target.elts)
                           for n in _names_in(target.elts[i])})
            if not named <= rows:
                rows |= named
                changed = True
    return rows


def outbox_row_writes(source: str, rel: str) -> list[str]:
    """What in one file writes outbox rows: a writing statement on the outbox's table
    (update(OutboxMessage)…, insert_ignore(s, OutboxMessage), OutboxMessage.__table__.delete(),
    raw SQL), a new OutboxMessage(…), or a change to an outbox row loaded through the ORM
    (row.status = …, row.payload[…] = …, setattr(row, …), session.delete(row))."""
    tree = ast.parse(source)
    tables = _table_names(tree)
    models = {OUTBOX_MODEL} | {name for name in tables if name != OUTBOX_MODEL}
    docstrings = _docstring_nodes(tree)
    found: set[tuple[int, str]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in ROW_WRITERS and any(_is_table(arg, tables) for arg in node.args):
                found.add((node.lineno, f"{name}({OUTBOX_MODEL})"))
            elif name in WRITES and isinstance(node.func, ast.Attribute) \
                    and _is_table(node.func.value, tables):
                found.add((node.lineno, f"{OUTBOX_MODEL}.{name}()"))
            elif isinstance(node.func, ast.Name) and node.func.id in models:
                found.add((node.lineno, f"{OUTBOX_MODEL}(...)"))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in docstrings and RAW_OUTBOX_WRITE.search(node.value):
            found.add((node.lineno, "raw SQL"))
    for scope in ast.walk(tree):
        if not isinstance(scope, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        nodes = _scope_nodes(scope)
        rows = _row_names(nodes, models)
        for node in nodes:
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets = [t for target in node.targets for t in ast.walk(target)]
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = list(ast.walk(node.target))
            elif isinstance(node, ast.Delete):
                targets = list(node.targets)
            for target in targets:
                if isinstance(target, ast.Attribute | ast.Subscript) \
                        and isinstance(target.ctx, ast.Store | ast.Del) \
                        and _root_name(target) in rows:
                    found.add((target.lineno, f"{ast.unparse(target)} ="))
            if isinstance(node, ast.Call) and _call_name(node) in ("setattr", "delete") \
                    and node.args and _root_name(node.args[0]) in rows:
                found.add((node.lineno, f"{_call_name(node)}({ast.unparse(node.args[0])})"))
    return [f"{rel}:{line}: {what}" for line, what in sorted(found)]


def test_outbox_rows_are_written_only_by_the_outbox() -> None:
    offenders = [
        found
        for package in PACKAGES
        for path in _modules(package)
        if _rel(path) != OUTBOX_HOME
        for found in outbox_row_writes(path.read_text(encoding="utf-8"), _rel(path))
    ]
    assert offenders == []


def test_outbox_row_write_check_sees_writes() -> None:
    """The ways outbox rows were written outside bot/outbox.py until issue 13's last moves
    (unbinding's loaded rows, the planner's build_failed rows, the mailbox deposit's payload),
    the other ways to write them, and reads and other rows' writes that are no write."""
    source = '''
async def unbind(session, account, now, reason):
    rows = (await session.execute(select(OutboxMessage).where(
        OutboxMessage.status.in_(UNSENT)))).scalars().all()
    for row in rows:
        row.last_error = reason
        row.status, row.last_error_code, row.updated_at = OutboxStatus.CANCELLED, reason, now


async def still_failed(self, row_id, **values):
    done = await self.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id)
        .values(updated_at=self.now, **values))


async def deposit(session, row, payload):
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id)
                          .values(payload=payload))


async def others(session, row_id, copy: OutboxMessage):
    session.add(OutboxMessage(idem_key="k", status="sent"))
    await session.execute(insert_ignore(session, cast(Table, OutboxMessage.__table__)), [])
    await session.execute(_OUTBOX.delete().where(_OUTBOX.c.id == row_id))
    await session.execute(text("UPDATE outbox SET status = 'sent'"))
    row = await session.get(OutboxMessage, row_id)
    row.payload["meta"] = {}
    setattr(copy, "status", "sent")
    for found, official in (await session.execute(select(OutboxMessage, Official))).all():
        official.name = "not a row"
        await session.delete(found)

_OUTBOX = cast(Table, OutboxMessage.__table__)


async def reads(session, occurrence, batch, account):
    rows = (await session.execute(select(OutboxMessage.id, OutboxMessage.status))).all()
    for row_id, status in rows:
        batch.not_before = status
    occurrence.status = OutboxStatus.EXPIRED
    account.status = "blocked"
    await session.execute(update(ChatAccount).values(status="blocked"))
    await session.execute(select(_OUTBOX.c.id).where(_OUTBOX.c.status == "pending"))
'''
    assert outbox_row_writes(source, "x.py") == [
        "x.py:6: row.last_error =",
        "x.py:7: row.last_error_code =", "x.py:7: row.status =", "x.py:7: row.updated_at =",
        "x.py:12: update(OutboxMessage)",
        "x.py:17: update(OutboxMessage)",
        "x.py:22: OutboxMessage(...)",
        "x.py:23: insert_ignore(OutboxMessage)",
        "x.py:24: OutboxMessage.delete()",
        "x.py:25: raw SQL",
        "x.py:27: row.payload['meta'] =",
        "x.py:28: setattr(copy)",
        "x.py:31: delete(found)",
    ]


def test_outbox_status_is_taken_from_the_outbox() -> None:
    """bot/outbox_status.py exists only so that the models need not import the outbox."""
    importers = sorted(
        _rel(path)
        for folder in CODE
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "bot.outbox_status" in {name for name, _ in _imported_files(path)})
    assert importers == ["bot/db/models.py", OUTBOX_HOME]
