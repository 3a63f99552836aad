"""Guides: list and browse them; admins add (by sending a file), withdraw, review unanswered."""

from __future__ import annotations

from bot.access import may_read_guides
from bot.clock import to_local
from bot.context import Context
from bot.db import guide_store
from bot.guide_import import describe_problem, describe_result, import_guide, ingest_limits
from bot.messages import Button
from bot.router import ROLES_ADMINS, Command, Router
from bot.texts import ask as A
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import guides as T
from knowledge.types import IngestError

LIST_BUTTONS = 8


async def list_guides(ctx: Context) -> None:
    """/huongdan: the active guides, each a button to its sections."""
    if not may_read_guides(ctx):
        ctx.reply(C.GUIDES_ONLY_FOR_MEMBERS)
        return
    guides = await guide_store.list_guides(ctx.session, include_withdrawn=False)
    if not guides:
        ctx.reply(A.NO_GUIDES)
        return
    lines = [A.GUIDE_LIST_HEADER.format(count=len(guides))]
    for n, info in enumerate(guides, start=1):
        ref = f" ({info.source_ref})" if info.source_ref else ""
        code = A.GUIDE_CODE.format(slug=info.slug) if ctx.role == "admin" else ""
        lines.append(A.GUIDE_LIST_ITEM.format(n=n, title=info.title, ref=ref) + code)
    lines.append("")
    lines.append(A.GUIDE_LIST_FOOTER)
    buttons = [Button(_short(g.title), f"guide:{g.slug}") for g in guides[:LIST_BUTTONS]]
    ctx.reply("\n".join(lines), buttons)


def _short(title: str, limit: int = 60) -> str:
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


async def show_guide(ctx: Context, slug: str) -> None:
    """Button 'guide:<slug>': the guide's sections."""
    guide = await guide_store.find_guide(ctx.session, slug) if may_read_guides(ctx) else None
    if guide is None or guide.status != "active":
        ctx.reply(T.GUIDE_GONE)
        return
    chunks = await guide_store.guide_sections(ctx.session, guide)
    sections: list[str] = []
    for chunk in chunks:
        name = " › ".join(chunk.heading_path)
        if name and name not in sections:
            sections.append(name)
    lines = [A.GUIDE_SECTIONS_HEADER.format(title=guide.title)]
    lines += [A.GUIDE_SECTIONS_ITEM.format(section=s) for s in sections[:40]]
    ctx.reply("\n".join(lines))


async def receive_file(ctx: Context) -> None:
    """A file sent in chat: admins add it as a guide; others are told politely."""
    file = ctx.file
    assert file is not None
    if ctx.role != "admin":
        ctx.reply(T.ONLY_ADMINS_UPLOAD)
        return
    max_mb = ctx.deps.settings.max_upload_mb
    # the declared size decides first: a file above the limit is refused without being read
    if file.content is None or file.size > max_mb * 1024 * 1024:
        ctx.reply(T.FILE_TOO_LARGE_TO_DOWNLOAD.format(file=file.file_name, limit=max_mb))
        return
    uploader = ctx.official.name if ctx.official else None
    try:
        async with ctx.session.begin_nested():  # a bad file leaves nothing behind
            result = await import_guide(
                ctx.session, file_name=file.file_name, content=file.content,
                uploaded_by=uploader, now=ctx.now, limits=ingest_limits(ctx.deps.settings),
            )
    except IngestError as exc:
        ctx.reply(describe_problem(exc))
        return
    ctx.reply(describe_result(result))
    if not result.unchanged:
        ctx.after_commit.append(ctx.deps.services["reload_knowledge"])


async def withdraw(ctx: Context) -> None:
    """/thuhoi <slug|id>: withdraw a guide."""
    key = ctx.text.strip()
    if not key:
        ctx.reply(T.WITHDRAW_USAGE)
        return
    guide = await guide_store.find_guide(ctx.session, key)
    if guide is None:
        ctx.reply(T.GUIDE_NOT_FOUND.format(key=key))
        return
    await guide_store.withdraw_guide(ctx.session, guide, ctx.now)
    ctx.reply(T.WITHDRAWN.format(title=guide.title))
    ctx.after_commit.append(ctx.deps.services["reload_knowledge"])


async def unanswered(ctx: Context) -> None:
    """/chuatraloi: recent questions the guides did not answer."""
    rows = await guide_store.list_unanswered(ctx.session, limit=20)
    if not rows:
        ctx.reply(T.UNANSWERED_NONE)
        return
    lines = [T.UNANSWERED_HEADER.format(count=len(rows))]
    for row in rows:
        when = to_local(row.asked_at).strftime("%d/%m %H:%M")
        lines.append(T.UNANSWERED_ITEM.format(when=when, text=row.text[:200]))
    ctx.reply("\n".join(lines))


def register(router: Router) -> None:
    """Register guide browsing and admin guide management."""
    router.command(Command(("huongdan", "guides"), list_guides, CMD.GUIDES, group_safe=True))
    router.command(Command(("thuhoi", "withdraw"), withdraw, CMD.WITHDRAW,
                           roles=ROLES_ADMINS))
    router.command(Command(("chuatraloi", "unanswered"), unanswered,
                           CMD.UNANSWERED, roles=ROLES_ADMINS))
    router.button("guide", show_guide, group_safe=True)
    router.file_handler = receive_file
