"""`troly unanswered list|answer|link|ignore|answers [--history]|edit|remove`, `troly synonyms list|add|remove|import`,
`troly guides owner`: the chat's /chuatraloi and /tuongduong on the command line."""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import kb_loop
from bot.cli.common import open_app, person_text, print_json, run
from bot.cli.guides import guides_app
from bot.dates import fmt_day_time
from bot.db import guide_store, queue_store
from bot.db.models import Guide, Unit
from bot.texts import feedback as T

unanswered_app = typer.Typer(help="Questions the guides did not answer, grouped by similar "
                                  "question, and what to do with each group.")
synonyms_app = typer.Typer(no_args_is_help=True, help="Search synonyms stored in the database.")
CLI_USER = "cli"


def cli_user() -> str:
    """Who changes a written answer on the command line, for its record: 'cli (<login>)'."""
    try:
        return f"{CLI_USER} ({getpass.getuser()})"
    except (OSError, KeyError):  # no login name in the environment nor in the password database
        return CLI_USER


def _group_json(group: queue_store.QueueGroup) -> dict[str, Any]:
    return {"group": group.key, "count": group.count, "last_asked": group.last_asked.isoformat(),
            "text": group.text, "questions": [q.text for q in group.questions],
            "guides": group.guides, "shown": group.shown, "comments": group.comments}


def _not_answering(refused: kb_loop.NotAnswering, key: str | None) -> str:
    """Why the guide took no answer or pointed question (kb_loop refused it: expired or replaced
    since troly offered it, an entry stored there would never be found)."""
    return T.CLI_GUIDE_NOT_IN_FORCE.format(key=key or refused.slug,
                                          marks=", ".join(refused.marks))


def _list(as_json: bool) -> None:
    async def _load() -> list[dict[str, Any]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            return [_group_json(g) for g in await queue_store.queue(session)]

    for group in run(_load):
        if as_json:
            print_json(group)
            continue
        when = fmt_day_time(datetime.fromisoformat(group["last_asked"]))
        typer.echo(T.CLI_GROUP_LINE.format(key=group["group"], count=group["count"],
                                           when=when, text=group["text"]))
        if group["guides"]:
            typer.echo(T.CLI_GROUP_GUIDES.format(guides=", ".join(group["guides"])))


@unanswered_app.callback(invoke_without_command=True)
def unanswered(ctx: typer.Context,
               as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Without a subcommand: list the groups (as `list`)."""
    if ctx.invoked_subcommand is None:
        _list(as_json)


@unanswered_app.command("list")
def list_groups(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Groups of similar unanswered questions, most recently asked first (#key names a group)."""
    _list(as_json)


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(1)


async def _group(session: AsyncSession, key: int) -> queue_store.QueueGroup | None:
    return await queue_store.group_of(session, key)


@unanswered_app.command("answer")
def answer(
    group: int = typer.Argument(..., help="the group's key (#… in `troly unanswered list`)"),
    text: str = typer.Option(..., "--text", help="the answer", callback=person_text),
    guide: str | None = typer.Option(
        None, help="id or slug of the guide the Q&A entry goes in (default: an FAQ guide)"),
    unit: str | None = typer.Option(None, help="unit code whose FAQ guide gets the entry"),
) -> None:
    """Answer a group: a Q&A entry, indexed at once, sent to everyone who asked."""
    async def _answer() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            now = app.clock.now()
            found = await _group(session, group)
            if found is None:
                return T.CLI_GROUP_NOT_FOUND.format(key=group)
            if guide is not None:
                target = await guide_store.find_guide(session, guide)
                if target is None or target.status != "active":
                    return T.CLI_GUIDE_NOT_FOUND.format(key=guide)
            else:
                unit_id = None
                if unit is not None:
                    unit_id = (await session.execute(
                        select(Unit.id).where(Unit.code == unit))).scalar_one_or_none()
                    if unit_id is None:
                        return T.CLI_UNIT_NOT_FOUND.format(code=unit)
                target = await kb_loop.faq_for(session, unit_id, now)
            try:
                done = await kb_loop.answer_group(session, found, text or "", target,
                                                  by=CLI_USER, now=now)
            except kb_loop.NotAnswering as refused:
                return _not_answering(refused, guide)
            typer.echo(T.CLI_ANSWERED.format(guide=done.guide_title, closed=done.closed,
                                             notified=done.notified))
            return ""

    error = run(_answer)
    if error:
        _fail(error)


def _section_chunk(starts: list[tuple[tuple[str, ...], int]], section: str) -> int | None:
    """A section by number (1-based, as `troly guides show` lists them) or by heading text."""
    if section.isdigit() and 1 <= int(section) <= len(starts):
        return starts[int(section) - 1][1]
    wanted = " ".join(section.split()).casefold()
    for path, chunk_id in starts:
        if wanted in (" › ".join(path).casefold(), (path[-1] if path else "").casefold()):
            return chunk_id
    return None


@unanswered_app.command("link")
def link(
    group: int = typer.Argument(..., help="the group's key"),
    guide: str = typer.Option(..., help="id or slug of the guide"),
    section: str = typer.Option(..., help="section number (as `troly guides show`) or heading",
                                callback=person_text),
) -> None:
    """Point a group to a section: its questions become another wording of that section."""
    async def _link() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            found = await _group(session, group)
            if found is None:
                return T.CLI_GROUP_NOT_FOUND.format(key=group)
            target = await guide_store.find_guide(session, guide)
            if target is None or target.status != "active":
                return T.CLI_GUIDE_NOT_FOUND.format(key=guide)
            chunk_id = _section_chunk(await guide_store.section_starts(session, target),
                                      section or "")
            try:
                done = await kb_loop.link_group(session, found, chunk_id, by=CLI_USER,
                                                now=app.clock.now()) if chunk_id else None
            except kb_loop.NotAnswering as refused:
                return _not_answering(refused, guide)
            if done is None:
                return T.CLI_SECTION_NOT_FOUND.format(guide=target.slug, section=section)
            typer.echo(T.CLI_LINKED.format(section=section, guide=done.guide_title,
                                           closed=done.closed, notified=done.notified))
            return ""

    error = run(_link)
    if error:
        _fail(error)


@unanswered_app.command("ignore")
def ignore(
    group: int = typer.Argument(..., help="the group's key"),
    reason: str = typer.Option(..., help="why (kept with the questions)", callback=person_text),
) -> None:
    """Close a group without an answer, with a reason."""
    async def _ignore() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            found = await _group(session, group)
            if found is None:
                return T.CLI_GROUP_NOT_FOUND.format(key=group)
            closed = await kb_loop.ignore_group(session, found, reason or "", by=CLI_USER,
                                                now=app.clock.now())
            typer.echo(T.CLI_IGNORED.format(closed=closed))
            return ""

    error = run(_ignore)
    if error:
        _fail(error)


# ---------------------------------------------------------------- answers already written


def _change_json(change: queue_store.AnswerChange) -> dict[str, Any]:
    return {"id": change.entry_id, "action": change.action, "guide_id": change.guide_id,
            "guide": change.guide_title, "question": change.question,
            "old_answer": change.old_answer, "new_answer": change.new_answer,
            "changed_at": change.changed_at.isoformat(), "changed_by": change.changed_by}


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _history(as_json: bool) -> None:
    async def _load() -> list[queue_store.AnswerChange]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            return await queue_store.answer_changes(session)

    for change in run(_load):
        if as_json:
            print_json(_change_json(change))
            continue
        common = {"when": fmt_day_time(change.changed_at), "id": change.entry_id,
                  "by": change.changed_by or T.HISTORY_UNKNOWN_BY, "guide": change.guide_title,
                  "question": change.question, "old": _one_line(change.old_answer)}
        typer.echo(T.CLI_HISTORY_REMOVED.format(**common) if change.new_answer is None
                   else T.CLI_HISTORY_EDITED.format(new=_one_line(change.new_answer), **common))


@unanswered_app.command("answers")
def answers(
    as_json: bool = typer.Option(False, "--json", help="JSON lines"),
    history: bool = typer.Option(False, "--history", help="instead: every edit and removal of "
                                 "a written answer, newest first (who, when, the text before "
                                 "and after)"),
) -> None:
    """The Q&A answers written so far, newest first (#id names one for `edit` and `remove`)."""
    if history:
        _history(as_json)
        return

    async def _load() -> list[queue_store.WrittenAnswer]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            return await queue_store.written_answers(session)

    for entry in run(_load):
        if as_json:
            print_json({"id": entry.id, "guide_id": entry.guide_id, "guide": entry.guide_title,
                        "question": entry.question, "answer": entry.answer,
                        "created_at": entry.created_at.isoformat(),
                        "created_by": entry.created_by,
                        "edits": [_change_json(c) for c in entry.edits]})
            continue
        typer.echo(T.CLI_WRITTEN_LINE.format(
            id=entry.id, when=fmt_day_time(entry.created_at), guide=entry.guide_title,
            question=entry.question, answer=_one_line(entry.answer)))
        if entry.edits:
            last = entry.edits[-1]
            typer.echo(T.CLI_WRITTEN_EDITED.format(
                count=len(entry.edits), when=fmt_day_time(last.changed_at),
                by=last.changed_by or T.HISTORY_UNKNOWN_BY))


@unanswered_app.command("edit")
def edit(
    entry: int = typer.Argument(..., help="the answer's id (#… in `troly unanswered answers`)"),
    text: str = typer.Option(..., "--text", help="the new answer", callback=person_text),
) -> None:
    """Replace a written answer: every process serves the new text from its next question on."""
    async def _edit() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            new = (text or "").strip()
            if not new:
                return T.CLI_EMPTY_TEXT
            done = await kb_loop.edit_answer(session, entry, new, by=cli_user(),
                                             now=app.clock.now())
            if done is None:
                return T.CLI_WRITTEN_NOT_FOUND.format(id=entry)
            typer.echo(T.CLI_EDITED.format(id=entry, guide=done.guide_title)
                       + (T.EDITED_WAITING.format(count=done.waiting) if done.waiting else ""))
            return ""

    error = run(_edit)
    if error:
        _fail(error)


@unanswered_app.command("remove")
def remove(
    entry: int = typer.Argument(..., help="the answer's id (#… in `troly unanswered answers`)"),
) -> None:
    """Withdraw a written answer: it answers nothing from now on, even after a re-import."""
    async def _remove() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            done = await kb_loop.remove_answer(session, entry, by=cli_user(),
                                               now=app.clock.now())
            if done is None:
                return T.CLI_WRITTEN_NOT_FOUND.format(id=entry)
            typer.echo(T.CLI_REMOVED.format(id=entry)
                       + (T.REMOVED_WAITING.format(count=done.waiting) if done.waiting else ""))
            return ""

    error = run(_remove)
    if error:
        _fail(error)


# ---------------------------------------------------------------- synonyms


@synonyms_app.command("list")
def synonyms_list(as_json: bool = typer.Option(False, "--json", help="JSON lines")) -> None:
    """Every stored synonym."""
    async def _load() -> list[tuple[str, list[str]]]:
        async with open_app(load_demo=False, index=False) as app, app.sessionmaker() as session:
            return await queue_store.list_synonyms(session)

    for term, expansions in run(_load):
        if as_json:
            print_json({"term": term, "synonyms": expansions})
        else:
            typer.echo(T.CLI_SYNONYM_LINE.format(term=term, expansions=", ".join(expansions)))


@synonyms_app.command("add")
def synonyms_add(
    term: str = typer.Argument(..., help="a term, e.g. CNSCĐ", callback=person_text),
    synonyms: list[str] = typer.Argument(..., help="what it also means"),
) -> None:
    """Link a term with synonyms (both ways); every process picks it up within seconds."""
    async def _add() -> list[str]:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            return await queue_store.add_synonyms(session, term or "", synonyms, by=CLI_USER,
                                                  now=app.clock.now())

    saved = run(_add)
    if not saved:
        _fail(T.CLI_SYNONYM_NOT_FOUND.format(what=term))
    typer.echo(T.CLI_SYNONYM_SAVED.format(term=queue_store.clean_term(term or ""),
                                          expansions=", ".join(saved)))


@synonyms_app.command("remove")
def synonyms_remove(
    term: str = typer.Argument(..., callback=person_text),
    synonym: str | None = typer.Argument(None, help="only this synonym of the term"),
) -> None:
    """Remove a term, or one of its synonyms."""
    async def _remove() -> bool:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            return await queue_store.remove_synonym(session, term or "", synonym, by=CLI_USER,
                                                    now=app.clock.now())

    what = f"{term} = {synonym}" if synonym else term
    if not run(_remove):
        _fail(T.CLI_SYNONYM_NOT_FOUND.format(what=what))
    typer.echo(T.CLI_SYNONYM_REMOVED.format(what=what))


@synonyms_app.command("import")
def synonyms_import(path: Path = typer.Argument(..., help='JSON file {"term": ["synonym", …]}')
                    ) -> None:
    """Add a JSON synonyms file (the TROLY_SYNONYMS_FILE format) to the database."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        table = {str(k): [str(v) for v in vs] for k, vs in data.items()}
    except (OSError, ValueError, AttributeError, TypeError):
        _fail(T.CLI_SYNONYMS_BAD_FILE.format(path=path))
        return

    async def _import() -> int:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            return await queue_store.import_synonyms(session, table, by=CLI_USER,
                                                     now=app.clock.now())

    typer.echo(T.CLI_SYNONYMS_IMPORTED.format(changed=run(_import), total=len(table), path=path))


# ---------------------------------------------------------------- guide owners


@guides_app.command("owner")
def owner(
    key: str = typer.Argument(..., help="guide id or slug"),
    unit: str = typer.Argument(..., help="unit code (its officials review the guide's "
                                         "unanswered questions), or - for none"),
) -> None:
    """Set the unit that owns a guide."""
    async def _owner() -> str:
        async with open_app(load_demo=False, index=False) as app, \
                app.sessionmaker.begin() as session:
            guide: Guide | None = await guide_store.find_guide(session, key)
            if guide is None:
                return T.CLI_GUIDE_NOT_FOUND.format(key=key)
            unit_id = None
            if unit != "-":
                unit_id = (await session.execute(
                    select(Unit.id).where(Unit.code == unit))).scalar_one_or_none()
                if unit_id is None:
                    return T.CLI_UNIT_NOT_FOUND.format(code=unit)
            guide.owner_unit_id = unit_id
            typer.echo(T.CLI_OWNER_SET.format(guide=guide.slug,
                                              unit=unit if unit_id else T.CLI_OWNER_NONE))
            return ""

    error = run(_owner)
    if error:
        _fail(error)


def register(app: typer.Typer) -> None:
    """Add `unanswered` and `synonyms`."""
    app.add_typer(unanswered_app, name="unanswered")
    app.add_typer(synonyms_app, name="synonyms")
