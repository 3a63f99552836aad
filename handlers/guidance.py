"""Pushing guidance in chat: the audience step of uploads before the upload conversation, "Đã nắm", who
acknowledged (`/huongdan <id>`), and the citizens' version of a guide ("Chia sẻ", `/chiase`).

The audience step keeps its state in the database (guides.audience), and every button names the
guide, so it survives a restart: 'gaud:<guide>:u<unit>' toggles a unit, 'gaud:<guide>:all' all
units, 'gaud:<guide>:send' announces, 'gaud:<guide>:skip' does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.access import may_read_guides
from bot.button_kinds import AckGuide, ShareGuide
from bot.buttons import ButtonData
from bot.clock import local_date
from bot.context import Context
from bot.dates import fmt_day
from bot.db import guidance_store as G
from bot.db import guide_store
from bot.db.models import Guide, GuideVersion, Official, Unit
from bot.ids import parse_id
from bot.messages import Button
from bot.router import ROLES_ADMINS, Command, Router
from bot.texts import common as C
from bot.texts import guidance as T
from bot.texts import guides as GT
from bot.unit_tree import descendants
from handlers.sections import LABEL_CHARS, clip
from knowledge.normalize import fold_words

#: a typed guide name, as shown back when nothing fits
KEY_CHARS = 60


@dataclass(frozen=True)
class AudienceChoice(ButtonData, prefix="gaud"):
    """The audience step after an admin adds a guide: 'u<unit>' (toggle a unit), 'all', 'send'
    or 'skip'."""

    guide_id: int
    action: str

#: unit buttons offered in the audience step (the top units and the level below them)
UNIT_BUTTONS = 10


# ---------------------------------------------------------------- audience step (admins)


async def _candidate_units(ctx: Context) -> list[Unit]:
    units = list((await ctx.session.execute(select(Unit).order_by(Unit.id))).scalars())
    roots = [u for u in units if u.parent_id is None]
    ordered: list[Unit] = []
    for root in roots:
        ordered.append(root)
        ordered += [u for u in units if u.parent_id == root.id]
    return ordered[:UNIT_BUTTONS]


async def audience_prompt(ctx: Context, guide_id: int) -> None:
    """"Gửi hướng dẫn này cho: …" with a button per unit (chosen ones ticked)."""
    guide = await ctx.session.get(Guide, guide_id)
    if guide is None:
        return
    units = await _candidate_units(ctx)
    if not units:
        ctx.reply(T.NO_UNITS)
        return
    audience = G.Audience.of(guide.audience) or G.Audience()
    names = {u.id: u.name for u in (await ctx.session.execute(select(Unit))).scalars()}
    if audience.all_units:
        chosen = T.AUDIENCE_ALL
    else:
        chosen = ", ".join(names.get(u, str(u)) for u in audience.units) or T.AUDIENCE_NONE_CHOSEN
    buttons = [Button(clip(T.UNIT_CHOSEN.format(name=u.name) if u.id in audience.units
                           else u.name, LABEL_CHARS), AudienceChoice(guide.id, f"u{u.id}").pack()) for u in units]
    buttons.append(Button(T.UNIT_CHOSEN.format(name=T.BUTTON_ALL_UNITS) if audience.all_units
                          else T.BUTTON_ALL_UNITS, AudienceChoice(guide.id, "all").pack()))
    # final: never numbered after the units, where "12" typed for a unit coded 12, or a number
    # one too high, would announce the guide; they stay buttons (Zalo), typed by name (console)
    buttons += [Button(T.BUTTON_SEND, AudienceChoice(guide.id, "send").pack(), final=True),
                Button(T.BUTTON_DONT_SEND, AudienceChoice(guide.id, "skip").pack(), final=True)]
    # ten units and "Tất cả đơn vị": on Zalo (five buttons a message) one message of numbered
    # units, a typed number toggling one (bot/messages.py numbered_options), a number always a
    # position (the labels show no codes), as the line after them says
    ctx.reply(T.AUDIENCE_ASK.format(chosen=chosen), buttons,
              numbered=T.AUDIENCE_TYPED.format(last=len(units) + 1))


async def audience_button(ctx: Context, button: AudienceChoice) -> None:
    """Buttons 'gaud:<guide>:<u<unit>|all|send|skip>' (admins only)."""
    action = button.action
    guide = await ctx.session.get(Guide, button.guide_id)
    if guide is None or guide.status != "active":
        ctx.reply(T.AUDIENCE_GONE)
        return
    audience = G.Audience.of(guide.audience) or G.Audience()
    if action == "skip":
        ctx.reply(T.AUDIENCE_SKIPPED.format(title=guide.title))
        return
    if action == "send":
        await _send(ctx, guide, audience)
        return
    if action == "all":
        audience = G.Audience(not audience.all_units, audience.units, audience.roles)
    elif action.startswith("u") and (unit_id := parse_id(action[1:])) is not None \
            and await ctx.session.get(Unit, unit_id) is not None:
        units = tuple(u for u in audience.units if u != unit_id)
        if len(units) == len(audience.units):
            units += (unit_id,)
        audience = G.Audience(audience.all_units, units, audience.roles)
    else:
        ctx.reply(T.AUDIENCE_GONE)
        return
    guide.audience = audience.to_json()
    await ctx.session.flush()
    await audience_prompt(ctx, guide.id)


async def _send(ctx: Context, guide: Guide, audience: G.Audience) -> None:
    if audience.empty:
        ctx.reply(T.AUDIENCE_EMPTY)
        await audience_prompt(ctx, guide.id)
        return
    version = await ctx.session.get_one(GuideVersion, guide.current_version_id)
    if guide.announced_version != version.version:  # pressed twice: announced once
        await G.announce(ctx.session, guide, ctx.now)
    members = await G.audience_members(ctx.session, audience)
    if audience.all_units:
        units = T.AUDIENCE_ALL
    else:
        names = {u.id: u.name for u in (await ctx.session.execute(select(Unit))).scalars()}
        units = ", ".join(names.get(u, str(u)) for u in audience.units)
    ctx.reply(T.AUDIENCE_SENT.format(title=guide.title, count=len(members), units=units))


# ---------------------------------------------------------------- "Đã nắm"


async def acknowledge(ctx: Context, button: AckGuide) -> None:
    """Button 'gack:<guide>:<version>': an official of the audience has read the guide."""
    version, official = button.version, ctx.official
    guide = await ctx.session.get(Guide, button.guide_id)
    audience = G.Audience.of(guide.audience) if guide is not None else None
    if (guide is None or official is None or audience is None
            or guide.status != "active" or guide.announced_version != version
            or official.id not in {o.id for o in await G.audience_members(ctx.session, audience)}):
        ctx.reply(T.ACK_GONE)
        return
    if await G.acknowledge(ctx.session, guide.id, version, official.id, ctx.now):
        ctx.reply(T.ACK_THANKS.format(title=guide.title))
    else:
        ctx.reply(T.ACK_ALREADY.format(title=guide.title))


async def ack_status(ctx: Context, guide: Guide) -> list[str]:
    """Lines for `/huongdan <id>`: heads see their units' officials, admins every unit's count."""
    official = ctx.official
    if official is None or official.role not in ("head", "deputy", "admin"):
        return []
    audience = G.Audience.of(guide.audience)
    if audience is None or guide.announced_version is None or guide.announced_at is None:
        return [T.ACK_NOT_ANNOUNCED] if official.role == "admin" else []
    members = await G.audience_members(ctx.session, audience)
    if official.role != "admin":
        mine = set(descendants(await G.unit_parents(ctx.session), official.unit_id)) \
            if official.unit_id is not None else set()
        members = [m for m in members if m.unit_id in mine]
        if not members:
            return []
    acks = await G.acknowledged(ctx.session, guide.id, guide.announced_version)
    done = [m for m in members if m.id in acks]
    lines = [T.ACK_HEADER.format(version=guide.announced_version,
                                 day=fmt_day(local_date(guide.announced_at)),
                                 done=len(done), total=len(members))]
    if official.role == "admin":
        names = {u.id: u.name for u in (await ctx.session.execute(select(Unit))).scalars()}
        by_unit: dict[int | None, list[Official]] = {}
        for member in members:
            by_unit.setdefault(member.unit_id, []).append(member)
        for unit_id, people in sorted(by_unit.items(), key=lambda kv: names.get(kv[0] or 0, "")):
            lines.append(T.ACK_UNIT_LINE.format(
                unit=names.get(unit_id or 0, "—"), done=sum(1 for p in people if p.id in acks),
                total=len(people)))
        return lines
    lines.append(T.ACK_DONE.format(names=", ".join(m.name for m in done) or T.ACK_NOBODY))
    pending = [m.name for m in members if m.id not in acks]
    lines.append(T.ACK_PENDING.format(names=", ".join(pending) or T.ACK_NOBODY))
    return lines


#: /tiendo lists the guides announced this many days back
PROGRESS_DAYS = 30
#: names of those who have not acknowledged, per guide line of /tiendo
PROGRESS_NAMES = 12


async def progress_lines(ctx: Context, unit_id: int) -> list[str]:
    """For `/tiendo <unit>`: guides announced lately to officials of the unit (and below), with
    how many acknowledged and who has not yet."""
    since = ctx.now - timedelta(days=PROGRESS_DAYS)
    guides = (await ctx.session.execute(select(Guide).where(
        Guide.status == "active", Guide.announced_at.is_not(None), Guide.announced_at >= since,
        Guide.audience.is_not(None)).order_by(Guide.announced_at.desc()))).scalars().all()
    if not guides:
        return []
    units = set(descendants(await G.unit_parents(ctx.session), unit_id))
    lines: list[str] = []
    for guide in guides:
        audience = G.Audience.of(guide.audience)
        if audience is None or guide.announced_version is None or guide.announced_at is None:
            continue
        members = [m for m in await G.audience_members(ctx.session, audience)
                   if m.unit_id in units]
        if not members:
            continue
        acks = await G.acknowledged(ctx.session, guide.id, guide.announced_version)
        pending = [m.name for m in members if m.id not in acks]
        names = ", ".join(pending[:PROGRESS_NAMES]) + (
            T.MORE_NAMES.format(count=len(pending) - PROGRESS_NAMES)
            if len(pending) > PROGRESS_NAMES else "")
        lines.append(T.PROGRESS_GUIDE_LINE.format(
            title=clip(guide.title, LABEL_CHARS * 2),
            day=fmt_day(local_date(guide.announced_at)), done=len(members) - len(pending),
            total=len(members), pending=T.PROGRESS_GUIDE_PENDING.format(names=names)
            if pending else ""))
    return [T.PROGRESS_GUIDES_HEADER.format(days=PROGRESS_DAYS), *lines] if lines else []


# ---------------------------------------------------------------- sharing with citizens


async def _share(ctx: Context, guide: Guide | None, *, unknown: str = C.UNKNOWN_BUTTON) -> None:
    if guide is None or guide.status != "active" or not may_read_guides(ctx):
        ctx.reply(unknown)
        return
    # replaced, past its last day (before the planner withdrew it) or not yet in force: its
    # notice is not what citizens should act on today
    marks = await G.guide_marks(ctx.session, guide.id, local_date(ctx.now))
    if marks:
        ctx.reply(T.SHARE_NOT_IN_FORCE.format(title=guide.title, marks=", ".join(marks)))
        return
    text = await G.guide_share_text(ctx.session, guide)
    if text is None:
        ctx.reply(T.SHARE_NONE.format(title=guide.title))
        return
    ctx.reply(T.SHARE_INTRO)
    ctx.reply(text)


async def share_button(ctx: Context, button: ShareGuide) -> None:
    """Button 'gshare:<guide id>': the citizens' version, ready to forward."""
    await _share(ctx, await ctx.session.get(Guide, button.guide_id))


async def typed_guides(ctx: Context, key: str) -> list[Guide]:
    """The guides a command may name: the one with that id or code, else every guide in force
    whose title (or source reference) holds every word typed, diacritics optional ("/huongdan
    ky so", "/chiase an toan thong tin": officials see titles, not codes), by id."""
    found = await guide_store.find_guide(ctx.session, key)
    if found is not None:
        return [found]
    wanted = set(fold_words(key, letters_only=True).split())
    if not wanted:
        return []
    return [g for g in (await ctx.session.execute(
                select(Guide).where(Guide.status == "active").order_by(Guide.id))).scalars()
            if wanted <= set(fold_words(f"{g.title} {g.source_ref or ''}",
                                        letters_only=True).split())]


async def typed_guide(ctx: Context, key: str) -> Guide | None:
    """The guide a command names (typed_guides); None when none, or several, fit."""
    named = await typed_guides(ctx, key)
    return named[0] if len(named) == 1 else None


async def share_command(ctx: Context) -> None:
    """/chiase <id, code or words of the title>: the same."""
    key = ctx.text.strip()
    if not key:
        ctx.reply(T.SHARE_USAGE)
        return
    # a typed code that matches nothing is not a stale button: say which code was not found
    await _share(ctx, await typed_guide(ctx, key),
                 unknown=GT.GUIDE_NOT_FOUND.format(key=clip(key, KEY_CHARS)))


def register(router: Router) -> None:
    """Register the audience step, acknowledgements and sharing."""
    router.command(Command(("chiase", "share"), share_command, T.COMMAND_SHARE, group_safe=True))
    router.on(AudienceChoice, audience_button, gone=T.AUDIENCE_GONE, roles=ROLES_ADMINS)
    router.on(AckGuide, acknowledge, gone=T.ACK_GONE)
    router.on(ShareGuide, share_button, gone=C.UNKNOWN_BUTTON, group_safe=True)
