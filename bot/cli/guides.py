"""`troly guides …`, `troly ask`, `troly kb eval`."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import open_app, person_text, print_json, run
from bot.clock import SystemClock, local_date
from bot.dates import fmt_day
from bot.db import changes, guidance_store, guide_store
from bot.guide_import import (
    GuideToReplaceNotFound,
    NeedsConfirmation,
    describe_confirmation,
    describe_pages_without_text,
    describe_problem,
    describe_result,
    import_guide,
    ingest_limits,
    parse_guide,
)
from bot.guide_options import GuideOptionError, GuideOptions, announce_new, check_range
from bot.texts import cli as texts
from knowledge.types import IngestError, IngestProblem, SearchResult

guides_app = typer.Typer(no_args_is_help=True, help="Manage guidance documents.")
kb_app = typer.Typer(no_args_is_help=True, help="Knowledge base tools.")


@guides_app.command("add")
def add(
    files: list[Path] = typer.Argument(..., exists=False, help=".docx, .pdf, .md or .txt files"),
    title: str | None = typer.Option(None, help="title (default: from the document)",
                                     callback=person_text),
    source: str | None = typer.Option(None, help="source reference, e.g. 'Kế hoạch số 286/KH-BTTTT'",
                                      callback=person_text),
    replace: str | None = typer.Option(
        None, help="id or slug of the guide this file replaces (its old versions are kept)"),
    yes: bool = typer.Option(
        False, "--yes", "-y", help="replace a guide with the same title without asking"),
    effective: str | None = typer.Option(
        None, "--effective", help="first day in force, YYYY-MM-DD or DD/MM/YYYY (default: read "
        "from the document, 'có hiệu lực từ ngày …')"),
    until: str | None = typer.Option(
        None, "--until", help="last day in force, inclusive; the day after, it is withdrawn "
        "(default: read from the document, 'hết hiệu lực từ ngày …')"),
    replaces: str | None = typer.Option(
        None, "--replaces", help="id or slug of an older guide this one supersedes (a different "
        "guide; --replace makes a new version of the same guide)"),
    no_replaces: bool = typer.Option(
        False, "--no-replaces", help="it supersedes no guide, even if its text says 'thay thế "
        "…' or its previous version did (the chat's 'Không thay thế')"),
    audience: list[str] = typer.Option(
        [], "--audience", help="units that must apply it, by code or name ('SO', 'UBND xa Tan "
        "Lap'; diacritics, case and small typos aside), sub-units included (repeat or "
        "separate with commas); they are told in their chat"),
    role: list[str] = typer.Option(
        [], "--role", help="only these roles of the audience: official, head, deputy, admin"),
) -> None:
    """Add guides. A file replaces a guide only with --replace ID, or when its title is an
    existing guide's and you confirm (asked on a terminal, or --yes); otherwise it is skipped.
    With --audience (or when the guide replaced already has an audience) the new guide or
    version is announced to its audience."""
    if title and len(files) > 1:
        raise typer.BadParameter("--title needs exactly one file")
    if replace and len(files) > 1:
        raise typer.BadParameter("--replace needs exactly one file")
    flags = _options(effective, until, replaces, audience, role, no_replaces)

    async def _add() -> int:
        failures = 0
        async with open_app(load_demo=False) as app:
            limits = ingest_limits(app.settings)
            for path in files:
                if not path.is_file():
                    typer.echo(texts.FILE_NOT_FOUND.format(path=path), err=True)
                    failures += 1
                    continue
                size = path.stat().st_size
                if size > limits.max_bytes:  # refused from its size, never read
                    typer.echo(describe_problem(IngestError(
                        path.name, IngestProblem.TOO_LARGE, f"{size} > {limits.max_bytes} bytes",
                        limit=limits.max_bytes)), err=True)
                    failures += 1
                    continue
                content = path.read_bytes()
                try:  # read once, whatever is asked after
                    parsed = await parse_guide(path.name, content, limits, title=title)
                except IngestError as exc:
                    typer.echo(describe_problem(exc), err=True)
                    failures += 1
                    continue
                confirmed = yes
                announced: tuple[int, int] | None = None
                while True:
                    try:
                        async with app.sessionmaker.begin() as session:
                            validity = await flags.validity(
                                session, synonyms=app.knowledge.extra_synonyms)
                            result = await import_guide(
                                session, file_name=path.name, content=content,
                                uploaded_by="cli", now=app.clock.now(), limits=limits,
                                title=title, source_ref=source,
                                replace=replace, confirm_same_title=confirmed,
                                validity=validity, parsed=parsed)
                            if isinstance(result, guide_store.AddResult) and not result.unchanged:
                                announced = await announce_new(session, result.guide.id,
                                                               app.clock.now())
                    except GuideOptionError as exc:
                        typer.echo(str(exc), err=True)
                        return failures + 1
                    except IngestError as exc:
                        typer.echo(describe_problem(exc), err=True)
                        result = None
                    except GuideToReplaceNotFound:
                        typer.echo(texts.GUIDE_NOT_FOUND.format(key=replace), err=True)
                        result = None
                    if not isinstance(result, NeedsConfirmation) or confirmed:
                        break
                    question = describe_confirmation(result, path.name)
                    if not sys.stdin.isatty() or not typer.confirm(question, default=False):
                        typer.echo(question + "\n" + texts.SAME_TITLE_SKIPPED, err=True)
                        result = None
                        break
                    confirmed = True
                if result is None or isinstance(result, NeedsConfirmation):
                    failures += 1
                    continue
                typer.echo(f"[{result.guide.slug}] {describe_result(result)}")
                if parsed.pages_without_text:  # a PDF's scanned pages: said, as in the chat
                    typer.echo(texts.ABOUT_FILE.format(file=path.name, warning=(
                        describe_pages_without_text(parsed.pages_without_text))), err=True)
                if announced is not None:
                    typer.echo(texts.GUIDE_ANNOUNCED.format(version=announced[0],
                                                            count=announced[1]))
        return failures

    if run(_add):
        raise typer.Exit(1)


def _options(effective: str | None, until: str | None, replaces: str | None,
             audience: list[str], role: list[str], no_replaces: bool) -> GuideOptions:
    """The flags read and checked by the rules the chat upload uses too (bot/guide_options.py)."""
    try:
        return GuideOptions.parse(effective=effective, until=until, replaces=replaces,
                                  units=audience, roles=role,
                                  today=local_date(SystemClock().now()),
                                  no_replaces=no_replaces)
    except GuideOptionError as exc:
        raise typer.BadParameter(str(exc)) from exc


@guides_app.command("set")
def set_(
    key: str = typer.Argument(..., help="guide id or slug"),
    effective: str | None = typer.Option(None, "--effective", help="first day in force"),
    until: str | None = typer.Option(None, "--until", help="last day in force, inclusive"),
    replaces: str | None = typer.Option(None, "--replaces", help="the older guide it supersedes"),
    no_replaces: bool = typer.Option(False, "--no-replaces",
                                     help="it supersedes no guide (the link is removed)"),
    audience: list[str] = typer.Option([], "--audience",
                                       help="units by code or name, sub-units included"),
    role: list[str] = typer.Option([], "--role", help="only these roles of the audience"),
    announce: bool = typer.Option(False, "--announce",
                                  help="announce the current version to the audience now"),
) -> None:
    """Change an existing guide's validity or audience (and announce it with --announce)."""
    flags = _options(effective, until, replaces, audience, role, no_replaces)

    async def _set() -> tuple[str, tuple[int, int] | None] | None:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            guide = await guide_store.find_guide(session, key)
            if guide is None:
                return None
            options = await flags.validity(session,
                                           synonyms=app.knowledge.extra_synonyms)
            start = options.effective_from or guide.effective_from
            end = options.effective_until or guide.effective_until
            check_range(start, end)
            guide.effective_from, guide.effective_until = start, end
            if options.replaces is not None and options.replaces.id != guide.id:
                guide.replaces_id = options.replaces.id
            elif options.no_replaces:
                guide.replaces_id = None
            for name, value in options.extra.items():
                setattr(guide, name, value)
            guide.updated_at = app.clock.now()
            await changes.bump(session, changes.KNOWLEDGE, app.clock.now())  # what answers moved
            announced = await announce_new(session, guide.id, app.clock.now()) if announce else None
            return guide.title, announced

    try:
        done = run(_set)
    except GuideOptionError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    if done is None:
        typer.echo(texts.GUIDE_NOT_FOUND.format(key=key), err=True)
        raise typer.Exit(1)
    typer.echo(texts.GUIDE_UPDATED.format(title=done[0]))
    if done[1] is not None:
        typer.echo(texts.GUIDE_ANNOUNCED.format(version=done[1][0], count=done[1][1]))


def _info_json(info: guide_store.GuideInfo) -> dict[str, Any]:
    return {"id": info.id, "slug": info.slug, "title": info.title, "source": info.source_ref,
            "status": info.status, "version": info.version, "file": info.file_name,
            "sections": info.headings, "passages": info.passages,
            "uploaded_by": info.uploaded_by, "uploaded_at": info.uploaded_at.isoformat(),
            "effective_from": info.effective_from.isoformat() if info.effective_from else None,
            "effective_until": info.effective_until.isoformat() if info.effective_until else None,
            "replaces": info.replaces_id, "withdrawn_reason": info.withdrawn_reason}


@guides_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """List guides (active and withdrawn)."""

    async def _list() -> list[guide_store.GuideInfo]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            return await guide_store.list_guides(session)

    for info in run(_list):
        if as_json:
            print_json(_info_json(info))
        else:
            typer.echo(texts.GUIDE_LINE.format(id=info.id, slug=info.slug, version=info.version,
                                               status=info.status, passages=info.passages,
                                               title=info.title))
            validity = guidance_store.validity_words(info.effective_from, info.effective_until)
            if validity:
                typer.echo(texts.GUIDE_VALIDITY.format(id="", validity=validity))


@guides_app.command("show")
def show(key: str = typer.Argument(..., help="guide id or slug")) -> None:
    """Show a guide's details and sections."""

    async def _show() -> tuple[guide_store.GuideInfo, list[str]] | None:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            guide = await guide_store.find_guide(session, key)
            if guide is None:
                return None
            chunks = await guide_store.guide_sections(session, guide)
            names = list(dict.fromkeys(" › ".join(c.heading_path) for c in chunks))
            return await guide_store.guide_info(session, guide), names

    found = run(_show)
    if found is None:
        typer.echo(texts.GUIDE_NOT_FOUND.format(key=key), err=True)
        raise typer.Exit(1)
    info, sections = found
    for name, value in _info_json(info).items():
        typer.echo(f"{name}: {value}")
    typer.echo("sections:")
    for section in sections:
        typer.echo(f"  - {section or texts.GUIDE_OPENING_SECTION}")


@guides_app.command("withdraw")
def withdraw(key: str = typer.Argument(..., help="guide id or slug")) -> None:
    """Withdraw a guide: it is never used for answers again."""

    async def _withdraw() -> str | None:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            guide = await guide_store.find_guide(session, key)
            if guide is None:
                return None
            # again (or at once from elsewhere): its audience would be told a second time; the
            # store's conditional UPDATE decides
            if guide.status == "withdrawn" or not await guide_store.withdraw_guide(
                    session, guide, app.clock.now()):
                return texts.GUIDE_ALREADY_WITHDRAWN.format(
                    title=guide.title,
                    day=fmt_day(local_date(guide.withdrawn_at or app.clock.now())))
            return texts.GUIDE_WITHDRAWN.format(title=guide.title)

    said = run(_withdraw)
    if said is None:
        typer.echo(texts.GUIDE_NOT_FOUND.format(key=key), err=True)
        raise typer.Exit(1)
    typer.echo(said)


def result_json(question: str, result: SearchResult,
                files: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The stable JSON shape of `troly ask --json` (`files`: guide id → uploaded file name)."""
    def guide(hit_index: int) -> dict[str, Any]:
        p = result.hits[hit_index].passage
        return {"id": p.guide_id, "title": p.guide_title, "file": (files or {}).get(p.guide_id),
                "source": p.source_ref}

    best = result.hits[0] if result.hits else None
    return {
        "question": question,
        "answered": bool(result.confident and best),
        "outcome": result.outcome if best else "decline",
        "guide": guide(0) if best else None,
        "section": " › ".join(best.passage.heading_path) if best else None,
        "text": best.passage.text if best and result.confident else None,
        "score": round(best.score, 4) if best else 0.0,
        "alternatives": [
            {"guide": guide(i), "section": " › ".join(h.passage.heading_path),
             "score": round(h.score, 4)}
            for i, h in enumerate(result.hits[1:4], start=1)
        ],
    }


def ask(
    question: str | None = typer.Argument(None, help="the question; omitted: one per line on stdin"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Answer a question from the guides (or many, one per line on stdin, as JSON lines)."""

    async def _ask() -> None:
        async with open_app() as app:
            async with app.sessionmaker() as session:
                files = {g.slug: g.file_name
                         for g in await guide_store.list_guides(session, include_withdrawn=False)}
            questions = [question] if question is not None else (line.rstrip("\n") for line in sys.stdin)
            for q in questions:
                if not q.strip():
                    continue
                result = app.knowledge.search(q, limit=5)
                data = result_json(q, result, files)
                if as_json or question is None:
                    print_json(data)
                elif data["answered"]:
                    typer.echo(f"{data['guide']['title']} › {data['section']}\n\n{data['text']}")
                else:
                    typer.echo(texts.NO_ANSWER)

    run(_ask)


@kb_app.command("eval")
def kb_eval(
    corpus: Path = typer.Option(..., help="corpus.jsonl (id, title, text)"),
    queries: Path = typer.Option(..., help="queries.jsonl (id, text, relevant)"),
    as_json: bool = typer.Option(False, "--json", help="JSON output"),
) -> None:
    """Measure retrieval (hit@k, MRR@10, latency, build time) on a question→passage set."""
    from knowledge.evaluate import run_eval

    report = run_eval(corpus, queries)
    if as_json:
        print_json(report)
        return
    for line in _format_eval(report):
        typer.echo(line)


def _format_eval(report: dict[str, Any]) -> list[str]:
    lines = [f"passages: {report['passages']}, index build: {report['build_s']:.2f} s"]
    for variant, m in report["variants"].items():
        lines.append(f"{variant:>7}: hit@1 {m['hit1']:.3f}  hit@5 {m['hit5']:.3f}  "
                     f"hit@10 {m['hit10']:.3f}  MRR@10 {m['mrr10']:.3f}  "
                     f"median {m['median_ms']:.2f} ms  p99 {m['p99_ms']:.2f} ms")
    return lines


def register(app: typer.Typer) -> None:
    """Add guide and knowledge commands."""
    app.add_typer(guides_app, name="guides")
    app.add_typer(kb_app, name="kb")
    app.command("ask")(ask)
