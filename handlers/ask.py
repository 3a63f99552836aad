"""Guidance Q&A: free text or /hoi → the best passage with its source, or an honest 'not found'."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.access import may_read_guides
from bot.context import Context
from bot.db import guide_store
from bot.db.models import Guide, GuideChunk
from bot.ids import parse_id
from bot.messages import Button
from bot.router import Command, Router
from bot.texts import ask as T
from bot.texts import commands as CMD
from bot.texts import common as C
from knowledge.snippet import trim_for_phone
from knowledge.types import Hit, Passage, SearchResult

#: characters of passage shown in one answer (fits a phone screen)
ANSWER_CHARS = 700
SEE_ALSO_LIMIT = 3
LABEL_CHARS = 60


async def ask_command(ctx: Context) -> None:
    """/hoi <question>."""
    if not ctx.text.strip():
        ctx.reply(T.ASK_WHAT)
        return
    await answer(ctx, ctx.text)


async def fallback(ctx: Context) -> None:
    """Plain text is a question."""
    if not ctx.text.strip():
        ctx.reply(C.EMPTY_MESSAGE)
        return
    await answer(ctx, ctx.text)


async def answer(ctx: Context, question: str) -> None:
    """Search the guides and reply with the best passage, or decline honestly."""
    if not may_read_guides(ctx):
        ctx.reply(C.GUIDES_ONLY_FOR_MEMBERS)
        return
    if ctx.deps.knowledge.passage_count == 0:
        ctx.reply(T.NO_GUIDES)
        return
    result = ctx.deps.knowledge.search(question, limit=8)
    if result.confident and result.hits:
        _reply_with_answer(ctx, question, result)
    else:
        await _reply_not_found(ctx, question, result)


def _section(hit: Hit) -> str:
    return " › ".join(hit.passage.heading_path)


def _format_passage(hit: Hit, question: str) -> str:
    parts = [trim_for_phone(hit.passage.text, question, max_chars=ANSWER_CHARS), ""]
    parts.append(T.ANSWER_SOURCE.format(title=hit.passage.guide_title))
    if hit.passage.heading_path:
        parts.append(T.ANSWER_SECTION.format(section=_section(hit)))
    if hit.passage.source_ref:
        parts.append(T.ANSWER_REF.format(source_ref=hit.passage.source_ref))
    return "\n".join(parts)


def _shorten(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def corrected_question(question: str, corrections: tuple[tuple[str, str], ...]) -> str:
    """The question as understood: each corrected word (Telex, typo) replaced in place."""
    fixes = {old.casefold(): new for old, new in corrections}
    words = re.split(r"(\w+)", question)
    return "".join(fixes.get(w.casefold(), w) for w in words).strip()


def _reply_with_answer(ctx: Context, question: str, result: SearchResult) -> None:
    best = result.hits[0]
    text = _format_passage(best, question)
    if result.corrected_terms:
        corrected = corrected_question(question, result.corrected_terms)
        text = T.ANSWER_CORRECTED.format(corrected=corrected) + "\n\n" + text
    seen = {(best.passage.guide_id, best.passage.heading_path)}
    buttons: list[Button] = []
    for hit in result.hits[1:]:
        key = (hit.passage.guide_id, hit.passage.heading_path)
        if key in seen or not hit.passage.id.isdigit():
            continue
        seen.add(key)
        label = _section(hit) or hit.passage.guide_title
        buttons.append(Button(_shorten(label), f"see:{hit.passage.id}"))
        if len(buttons) == SEE_ALSO_LIMIT:
            break
    ctx.reply(text + (f"\n\n{T.SEE_ALSO}" if buttons else ""), buttons)


async def _reply_not_found(ctx: Context, question: str, result: SearchResult) -> None:
    best = result.hits[0] if result.hits else None
    await guide_store.log_unanswered(
        ctx.session, text=question[:2000], channel=ctx.event.chat.channel,
        chat_id=ctx.event.chat.chat_id, official_id=ctx.official.id if ctx.official else None,
        best_guide_slug=best.passage.guide_id if best else None,
        best_score=best.score if best else None, now=ctx.now,
    )
    guides: dict[str, str] = {}
    for hit in result.hits:
        guides.setdefault(hit.passage.guide_id, hit.passage.guide_title)
    buttons = [Button(_shorten(title), f"guide:{slug}") for slug, title in guides.items()]
    text = T.NOT_FOUND + (f"\n\n{T.NOT_FOUND_CLOSEST}" if buttons else "")
    ctx.reply(text, buttons[:SEE_ALSO_LIMIT])


async def see_also(ctx: Context, chunk_id: str) -> None:
    """Button 'see:<chunk id>': show that passage if its guide still answers."""
    row, passage_id = None, parse_id(chunk_id)
    if passage_id is not None and may_read_guides(ctx):
        row = (await ctx.session.execute(
            select(GuideChunk, Guide).join(Guide, Guide.current_version_id == GuideChunk.version_id)
            .where(GuideChunk.id == passage_id, Guide.status == "active")
        )).first()
    if row is None:
        ctx.reply(T.PASSAGE_GONE)
        return
    chunk, guide = row
    hit = Hit(Passage(id=str(chunk.id), guide_id=guide.slug, guide_title=guide.title,
                      heading_path=tuple(chunk.heading_path), text=chunk.text,
                      source_ref=guide.source_ref), 0.0)
    ctx.reply(_format_passage(hit, ""))


def register(router: Router) -> None:
    """Register Q&A."""
    router.command(Command(("hoi", "ask"), ask_command, CMD.ASK, group_safe=True))
    router.button("see", see_also, group_safe=True)
    router.fallback = fallback
