"""Guides: list and browse them; admins withdraw them (adding one: handlers/guide_upload.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.access import may_read_guides
from bot.button_kinds import OpenGuide, OpenSection, ShareGuide
from bot.buttons import ButtonData, Offset
from bot.clock import local_date
from bot.context import Context
from bot.dates import fmt_day
from bot.db import guidance_store, guide_store, queue_store
from bot.db.models import Guide, PendingUpload
from bot.guide_import import (
    GuideToReplaceNotFound,
    NeedsConfirmation,
    describe_result,
    import_guide,
    ingest_limits,
)
from bot.messages import Button
from bot.router import ROLES_ADMINS, ROLES_HEADS, Command, Router
from bot.texts import ask as A
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import guidance as GT
from bot.texts import guides as T
from handlers import guidance
from handlers.sections import LABEL_CHARS, clip, section_label
from knowledge.types import IngestError


@dataclass(frozen=True)
class MoreGuides(ButtonData, prefix="glist"):
    """'Xem thêm hướng dẫn': the list of guides from `offset` on."""

    offset: Offset = Offset(0)


@dataclass(frozen=True)
class UploadChoice(ButtonData, prefix="gup"):
    """'Thay thế' / 'Giữ bản cũ' after an admin sent a guide with a title already used."""

    answer: Literal["ok", "no"]
    upload_id: int


#: guides per /huongdan page and sections per guide page (Zalo shows five buttons per message)
LIST_BUTTONS = 8
SECTION_BUTTONS = 8


def _offset(text: str) -> int:
    return int(text) if text.isdigit() and len(text) <= 6 else 0


async def list_guides(ctx: Context) -> None:
    """/huongdan: the guides, each a button to its sections; `/huongdan <id>` opens one (with
    who acknowledged it, for heads and admins)."""
    key = ctx.text.strip()
    if key:
        slug, _, raw_offset = key.partition(":")
        if may_read_guides(ctx) and await guide_store.find_guide(ctx.session, slug) is None:
            # words of a title ("/huongdan ky so"), or nothing known: never "no longer in force"
            named = await guidance.typed_guides(ctx, key)
            if not named:
                ctx.reply(T.GUIDE_TYPED_NOT_FOUND.format(key=clip(key, guidance.KEY_CHARS)))
                await _guide_page(ctx, 0)
                return
            if len(named) > 1:  # "/huongdan dat dai": which of them
                _several(ctx, key, named)
                return
            slug, raw_offset = named[0].slug, ""
        await show_guide(ctx, slug, _offset(raw_offset), status=True)
        return
    await _guide_page(ctx, 0)


def _several(ctx: Context, key: str, named: list[Guide]) -> None:
    """The guides the words typed fit, each a button (the first LIST_BUTTONS)."""
    lines = [T.GUIDE_TYPED_SEVERAL.format(key=clip(key, guidance.KEY_CHARS), count=len(named))]
    lines += [A.GUIDE_LIST_ITEM.format(title=g.title,
                                       ref=f" ({g.source_ref})" if g.source_ref else "")
              for g in named[:LIST_BUTTONS]]
    if len(named) > LIST_BUTTONS:
        lines.append(T.GUIDE_TYPED_MORE.format(count=len(named) - LIST_BUTTONS))
    ctx.reply("\n".join(lines), [Button(clip(g.title, LABEL_CHARS), OpenGuide(g.slug).pack())
                                 for g in named[:LIST_BUTTONS]], reusable=True)


async def more_guides(ctx: Context, button: MoreGuides) -> None:
    """Button 'glist:<offset>': the next guides of the list."""
    await _guide_page(ctx, button.offset)


async def _guide_page(ctx: Context, offset: int) -> None:
    if not may_read_guides(ctx):
        ctx.reply(C.GUIDES_ONLY_FOR_MEMBERS)
        return
    # active guides, and those withdrawn because their time ran out (listed, marked)
    guides = [g for g in await guide_store.list_guides(ctx.session)
              if g.status == "active" or g.withdrawn_reason == "expired"]
    if not guides:
        ctx.reply(A.NO_GUIDES)
        return
    states = await guide_store.guide_states(ctx.session)
    today = local_date(ctx.now)
    guides.sort(key=lambda g: g.status != "active")  # in force first, expired last
    shown = guides[offset:offset + LIST_BUTTONS] or guides[:LIST_BUTTONS]
    offset = guides.index(shown[0])
    lines = [A.GUIDE_LIST_HEADER.format(count=len(guides))]
    for info in shown:
        ref = f" ({info.source_ref})" if info.source_ref else ""
        # heads type `/huongdan <mã>` to see who acknowledged a guide, admins withdraw by it
        code = A.GUIDE_CODE.format(slug=info.slug) if ctx.role in ROLES_HEADS else ""
        marks = guidance_store.marks(states, info.id, today)
        mark = GT.MARK.format(marks=", ".join(marks)) if marks else ""
        lines.append(A.GUIDE_LIST_ITEM.format(title=info.title, ref=ref) + mark + code)
    lines.append("")
    lines.append(A.GUIDE_LIST_FOOTER)
    buttons = [Button(clip(g.title, LABEL_CHARS), OpenGuide(g.slug).pack()) for g in shown]
    if offset + LIST_BUTTONS < len(guides):
        buttons.append(Button(A.BUTTON_MORE_GUIDES, MoreGuides(Offset(offset + LIST_BUTTONS)).pack()))
    ctx.reply("\n".join(lines), buttons, reusable=True)  # a list to browse, not a choice


async def guide_button(ctx: Context, button: OpenGuide) -> None:
    """Button 'guide:<slug>[:<offset>]': the guide's sections, each a button opening it."""
    await show_guide(ctx, button.slug, button.offset)


async def show_guide(ctx: Context, slug: str, offset: int, *, status: bool = False) -> None:
    """The guide's sections from `offset`, each a button opening it; with `status`
    (`/huongdan <id>`), heads and admins also see who acknowledged it."""
    guide = await guide_store.find_guide(ctx.session, slug) if may_read_guides(ctx) else None
    if guide is None and may_read_guides(ctx):  # a duplicate FAQ guide merged (0023): the kept one
        guide = await queue_store.merged_faq_guide(ctx.session, slug)
    marks = (await guidance_store.guide_marks(ctx.session, guide.id, local_date(ctx.now))
             if guide is not None else [])
    if guide is not None and guide.status != "active" and guide.withdrawn_reason == "expired":
        ctx.reply(GT.GUIDE_EXPIRED.format(title=guide.title, marks=", ".join(marks)))
        return
    if guide is None or guide.status != "active":
        ctx.reply(T.GUIDE_GONE)
        return
    sections = await guide_store.section_starts(ctx.session, guide)
    shown = sections[offset:offset + SECTION_BUTTONS] or sections[:SECTION_BUTTONS]
    offset = sections.index(shown[0]) if shown else 0
    # a short header only: the sections themselves are the buttons (or, on a channel without
    # buttons, the numbered options made of them), so listing them here too doubled the screen
    lines = [A.GUIDE_SECTIONS_HEADER.format(title=guide.title, count=len(sections))]
    if marks:
        lines.insert(0, GT.SECTION_NOTE.format(marks=", ".join(marks)))
    if status:
        extra = await guidance.ack_status(ctx, guide)
        if extra:
            lines += ["", *extra]
    # sections to browse: reading one and coming back for the next must work (bot/keyboards.py)
    buttons = [Button(section_label(guide.title, path), OpenSection(chunk_id).pack(), reusable=True)
               for path, chunk_id in shown]
    if offset + SECTION_BUTTONS < len(sections):
        more = OpenGuide(guide.slug, Offset(offset + SECTION_BUTTONS))
        buttons.append(Button(A.BUTTON_MORE_SECTIONS, more.pack(), reusable=True))
    if not marks and await guidance_store.has_share(ctx.session, guide):  # only in force
        buttons.append(Button(GT.BUTTON_SHARE, ShareGuide(guide.id).pack(), reusable=True))
    ctx.reply("\n".join(lines), buttons)


async def _reply_result(ctx: Context, result: guide_store.AddResult) -> None:
    ctx.reply(describe_result(result))
    if not result.unchanged:
        ctx.after_commit.append(ctx.deps.reload_knowledge)
        await guidance.audience_prompt(ctx, result.guide.id)  # the next step: who must know


async def confirm_upload(ctx: Context, button: UploadChoice) -> None:
    """Buttons 'gup:ok:<id>' / 'gup:no:<id>': replace the same-title guide, or drop the file.

    Uploads no longer ask this (handlers/guide_upload.py asks before storing anything); the
    buttons sent before still work for their day. Only the admin who sent the file may answer;
    anyone else, a stale or a forged button gets the same "no longer valid", and a file waiting
    in the upload conversation (no target) is not this button's.
    """
    row = await ctx.session.get(PendingUpload, button.upload_id)
    mine = (row is not None and ctx.official is not None and row.target_guide_id is not None
            and row.official_id == ctx.official.id and row.expires_at > ctx.now)
    if row is None or not mine:
        ctx.reply(T.UPLOAD_CHOICE_GONE)
        return
    await ctx.session.delete(row)
    if button.answer == "no":
        ctx.reply(T.UPLOAD_KEPT_OLD.format(file=row.file_name))
        return
    try:
        async with ctx.session.begin_nested():
            result = await import_guide(
                ctx.session, file_name=row.file_name, content=row.content,
                uploaded_by=row.uploaded_by, now=ctx.now, limits=ingest_limits(ctx.deps.settings),
                replace=str(row.target_guide_id))
    except (IngestError, GuideToReplaceNotFound):
        ctx.reply(T.UPLOAD_CHOICE_GONE)
        return
    assert not isinstance(result, NeedsConfirmation)  # a named target is never asked about
    await _reply_result(ctx, result)


async def withdraw(ctx: Context) -> None:
    """/thuhoi <slug|id>: withdraw a guide; the audience it was announced to is told."""
    key = ctx.text.strip()
    if not key:
        ctx.reply(T.WITHDRAW_USAGE)
        return
    guide = await guide_store.find_guide(ctx.session, key)
    if guide is None:
        ctx.reply(T.GUIDE_NOT_FOUND.format(key=key))
        return
    # again (or at once from another admin or the expiry job): a new withdrawal time would tell
    # its audience twice; the store's conditional UPDATE decides
    if guide.status == "withdrawn" or not await guide_store.withdraw_guide(ctx.session, guide,
                                                                           ctx.now):
        ctx.reply(T.ALREADY_WITHDRAWN.format(title=guide.title,
                                             day=fmt_day(local_date(guide.withdrawn_at or ctx.now))))
        return
    # the planner tells an announced guide's audience, once, through the outbox (as on expiry)
    audience = guidance_store.Audience.of(guide.audience) if guide.announced_version is not None else None
    told = T.WITHDRAWN_AUDIENCE_TOLD if audience is not None and not audience.empty else ""
    ctx.reply(T.WITHDRAWN.format(title=guide.title) + told)
    ctx.after_commit.append(ctx.deps.reload_knowledge)


def register(router: Router) -> None:
    """Register guide browsing and admin guide management."""
    router.command(Command(("huongdan", "guides"), list_guides, CMD.GUIDES, group_safe=True))
    router.command(Command(("thuhoi", "withdraw"), withdraw, CMD.WITHDRAW,
                           roles=ROLES_ADMINS))
    router.on(OpenGuide, guide_button, gone=T.GUIDE_GONE, group_safe=True)
    router.on(MoreGuides, more_guides, gone=C.UNKNOWN_BUTTON, group_safe=True)  # every payload fits
    # only the admin who sent the file may answer (the handler checks it is theirs)
    router.on(UploadChoice, confirm_upload, gone=T.UPLOAD_CHOICE_GONE, roles=ROLES_ADMINS)
