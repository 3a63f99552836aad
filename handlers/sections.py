"""Whole guide sections, paged for a phone: 'Xem tiếp' walks every page, nothing is cut away.

A section is every chunk of an active guide's current version with the same heading path. Its
pages are the chunks in order, a chunk longer than a page split on paragraph, line, sentence or
word boundaries (knowledge.snippet.paginate). A page is addressed by (chunk id, page of that chunk),
so a 'Xem tiếp' button needs no conversation state and works after a restart; when the guide is
replaced or withdrawn meanwhile, the button says so instead of showing stale guidance.

Payloads: 'sec:<chunk id>' opens the section at that chunk (with 'Xem từ đầu mục' when that is not
its first page), 'pg:<chunk id>:<n>' shows the n-th page of that chunk ('Xem tiếp'), and the older
'see:<chunk id>' is read as 'sec'.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import may_read_guides
from bot.button_kinds import OpenSection, OpenSectionOld
from bot.buttons import ButtonData
from bot.clock import local_date
from bot.context import Context
from bot.db import guidance_store, guide_store, queue_store
from bot.messages import Button
from bot.router import Router
from bot.texts import ask as T
from bot.texts import guidance as GT
from knowledge.snippet import best_page, paginate


@dataclass(frozen=True)
class SectionPage(ButtonData, prefix="pg"):
    """One page of a section ('Xem tiếp', 'Về đầu mục'): the page's chunk and its part."""

    chunk_id: int
    part: int

#: body characters of one page: a phone screen or two (guide chunks aim at 600, at most ~1200)
PAGE_CHARS = 1200
#: a whole page message, frame included, stays under Zalo's 2,000 characters (Telegram: 4,096)
MESSAGE_CHARS = 1900
#: title, section and source lines are clipped to this, so the frame always leaves a page room
FIELD_CHARS = 150
#: the line above the passage ("Có thể liên quan…", "Tôi hiểu câu hỏi là…")
LEAD_CHARS = 260
LABEL_CHARS = 60
ELLIPSIS = "…"


@dataclass(frozen=True)
class Page:
    """One page of a section."""

    chunk_id: int
    part: int  # page of its chunk
    text: str


def clip(text: str, limit: int) -> str:
    """The text, or its first `limit` characters ending in '…' (labels and frame lines only)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def section_name(path: tuple[str, ...] | list[str]) -> str:
    """A section's name as shown: its heading path, or 'Phần mở đầu' for the opening passage."""
    return " › ".join(path) if path else T.OPENING_SECTION


def section_label(guide_title: str, path: tuple[str, ...] | list[str]) -> str:
    """A button label for a section: its own heading (the guide's title for the opening)."""
    return clip(path[-1] if path else T.OPENING_SECTION, LABEL_CHARS)


def pages_of(section: guide_store.SectionText) -> list[Page]:
    """Every page of a section, in reading order."""
    return [Page(chunk_id, part, text)
            for chunk_id, body in section.chunks
            for part, text in enumerate(paginate(body, PAGE_CHARS))]


def _render(section: guide_store.SectionText, page: Page, number: int, total: int,
            lead: str) -> str:
    lines = [clip(lead, LEAD_CHARS), ""] if lead else []
    lines += [page.text, "", T.ANSWER_SOURCE.format(title=clip(section.guide_title, FIELD_CHARS))]
    if section.heading_path:
        lines.append(T.ANSWER_SECTION.format(
            section=clip(section_name(section.heading_path), FIELD_CHARS)))
    if section.source_ref:
        lines.append(T.ANSWER_REF.format(source_ref=clip(section.source_ref, FIELD_CHARS)))
    if total > 1:
        lines.append(T.PAGE_OF.format(page=number, pages=total))
    return "\n".join(lines)


async def show(ctx: Context, chunk_id: int, part: int | None = None, *, query: str = "",
               lead: str = "", entry: bool = True, extra: tuple[Button, ...] = (),
               related: bool = False) -> bool:
    """Reply with a page of the section holding `chunk_id`; False (nothing sent) when it is gone.

    `part` None: the page of that chunk sharing most words with `query`. `entry`: the reader
    arrives here (an answer, a section button), so a page inside the section also offers its
    start. `extra` buttons follow the paging ones; `related`: they are other sections, and a last
    line says so ('Xem thêm:', or 'Đọc tiếp, hoặc xem thêm:' when 'Xem tiếp' comes first).
    """
    guides = ctx.deps.knowledge.guides  # per-process cache, checked against the generation
    section = await guides.section_of_chunk(ctx.session, chunk_id)
    if section is None:
        return False
    pages = pages_of(section)
    mine = [i for i, p in enumerate(pages) if p.chunk_id == chunk_id]
    if part is None:
        index = mine[best_page([pages[i].text for i in mine], query)]
    elif 0 <= part < len(mine):
        index = mine[part]
    else:
        return False
    page = pages[index]
    # a guide read outside its time in force (browsing) says so; answers only come from guides in
    # force, so this adds nothing to an answer (and costs it no query: the states are cached)
    marks = guidance_store.marks(await guides.guide_states(ctx.session), section.guide_id,
                                 local_date(ctx.now))
    if marks:
        note = GT.SECTION_NOTE.format(marks=", ".join(marks))
        lead = f"{note}\n{lead}" if lead else note
    text = _render(section, page, index + 1, len(pages), lead)
    buttons: list[Button] = []
    if index + 1 < len(pages):
        following = pages[index + 1]
        buttons.append(Button(T.BUTTON_NEXT_PAGE.format(page=index + 2, pages=len(pages)),
                              SectionPage(following.chunk_id, following.part).pack(), reusable=True))
    if entry and index > 0:
        buttons.append(Button(T.BUTTON_SECTION_START, SectionPage(pages[0].chunk_id, 0).pack(),
                              reusable=True))
    buttons += extra
    if related:
        text += "\n\n" + (T.SEE_ALSO_AFTER_NEXT if index + 1 < len(pages) else T.SEE_ALSO)
    ctx.reply(text, buttons)
    return True


async def open_section(ctx: Context, button: OpenSection | OpenSectionOld) -> None:
    """Button 'sec:<chunk id>' (and the older 'see:<chunk id>'): the section from that chunk.

    A chat that may not read the guides gets the same answer as for a passage that is gone.
    """
    if not may_read_guides(ctx) or not await _show_or_moved(ctx, button.chunk_id, 0):
        ctx.reply(T.PASSAGE_GONE)


async def next_page(ctx: Context, button: SectionPage) -> None:
    """Button 'pg:<chunk id>:<page>': one page of a section ('Xem tiếp')."""
    if not may_read_guides(ctx) \
            or not await _show_or_moved(ctx, button.chunk_id, button.part, entry=False):
        ctx.reply(T.PASSAGE_GONE)


async def _show_or_moved(ctx: Context, chunk_id: int, part: int, *, entry: bool = True) -> bool:
    """show(), and for a chunk of an FAQ guide's older version (a button sent before the next
    answer was written, or before migration 0023 merged its duplicate guide into the one kept)
    the same question's section as it is now (its first page if that page is gone)."""
    if await show(ctx, chunk_id, part, entry=entry):
        return True
    moved = await queue_store.current_qa_chunk(ctx.session, chunk_id)
    return moved is not None and (await show(ctx, moved, part, entry=entry)
                                  or (part != 0 and await show(ctx, moved, 0, entry=entry)))


def register(router: Router) -> None:
    """Register section reading."""
    router.on(OpenSection, open_section, gone=T.PASSAGE_GONE, group_safe=True)
    # buttons sent before sections were paged
    router.on(OpenSectionOld, open_section, gone=T.PASSAGE_GONE, group_safe=True)
    router.on(SectionPage, next_page, gone=T.PASSAGE_GONE, group_safe=True)
