"""/tuongduong (admins): the search's synonyms, stored in the database.

`/tuongduong` lists them; `/tuongduong them CNSCĐ = công nghệ số cộng đồng, tổ công nghệ số` adds
(a term alone before '=' works too); `/tuongduong xoa CNSCĐ [= tổ công nghệ số]` removes the term
or one of its synonyms. Every change bumps the knowledge generation: every process rebuilds.
"""

from __future__ import annotations

from bot.context import Context
from bot.db import queue_store
from bot.router import ROLES_ADMINS, Command, Router
from bot.texts import feedback as T
from knowledge.normalize import fold

#: synonyms listed in chat (the CLI lists all)
LIST_LIMIT = 30


def _split(text: str) -> tuple[str, list[str]]:
    term, _, rest = text.partition("=")
    return term.strip(), [e.strip() for e in rest.replace(";", ",").split(",") if e.strip()]


async def synonyms(ctx: Context) -> None:
    """/tuongduong [them|xoa] …"""
    text = ctx.text.strip()
    if not text:
        await _list(ctx)
        return
    verb, _, rest = text.partition(" ")
    action = fold(verb.casefold())
    by = ctx.official.name if ctx.official else None
    if action in T.SYNONYMS_REMOVE_VOCABULARY:
        term, expansions = _split(rest)
        if not term:
            ctx.reply(T.SYNONYMS_USAGE)
            return
        what = f"{term} = {expansions[0]}" if expansions else term
        removed = await queue_store.remove_synonym(ctx.session, term,
                                                   expansions[0] if expansions else None,
                                                   by=by, now=ctx.now)
        if not removed:
            ctx.reply(T.SYNONYMS_NOT_FOUND.format(what=what))
            return
        ctx.reply(T.SYNONYMS_REMOVED.format(what=what))
        ctx.after_commit.append(ctx.deps.reload_knowledge)
        return
    if action in T.SYNONYMS_ADD_VOCABULARY:
        text = rest
    term, expansions = _split(text)
    if not term or not expansions or "=" not in text:
        ctx.reply(T.SYNONYMS_USAGE)
        return
    before = dict(await queue_store.list_synonyms(ctx.session)).get(queue_store.clean_term(term))
    now_list = await queue_store.add_synonyms(ctx.session, term, expansions, by=by, now=ctx.now)
    shown = ", ".join(now_list)
    if before == now_list:
        ctx.reply(T.SYNONYMS_UNCHANGED.format(term=term, expansions=shown))
        return
    ctx.reply(T.SYNONYMS_ADDED.format(term=queue_store.clean_term(term), expansions=shown))
    ctx.after_commit.append(ctx.deps.reload_knowledge)


async def _list(ctx: Context) -> None:
    rows = await queue_store.list_synonyms(ctx.session)
    if not rows:
        ctx.reply(T.SYNONYMS_NONE + "\n\n" + T.SYNONYMS_USAGE)
        return
    lines = [T.SYNONYMS_HEADER.format(count=len(rows))]
    lines += [T.SYNONYMS_ITEM.format(term=term, expansions=", ".join(exp))
              for term, exp in rows[:LIST_LIMIT]]
    if len(rows) > LIST_LIMIT:
        lines.append(T.SYNONYMS_MORE.format(count=len(rows) - LIST_LIMIT))
    lines += ["", T.SYNONYMS_USAGE]
    ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    """Register /tuongduong."""
    router.command(Command(("tuongduong", "synonyms"), synonyms, T.CMD_SYNONYMS,
                           roles=ROLES_ADMINS))
