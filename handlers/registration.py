"""Joining: invitation codes (/start <code>, or the code alone on Zalo and web), /moi, /lienket."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from rapidfuzz import fuzz, process

from bot.access import may_manage
from bot.buttons import ButtonData
from bot.context import Context
from bot.dates import fmt_time, fmt_time_day
from bot.db import people_store
from bot.db.models import Invitation, Official, Unit
from bot.group_chats import private_chat_link
from bot.ids import parse_id
from bot.invites import head_refusal, same_name_in_unit
from bot.messages import Button
from bot.router import ROLES_HEADS, ROLES_MEMBERS, Command, Fallback, Router
from bot.small_talk import small_talk
from bot.texts import admin_import as I
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import people as T
from handlers import accounts, ask
from knowledge.normalize import fold_words

#: Telegram deep-link payloads: at most 64 characters of A-Za-z0-9_-
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_ROLE_WORDS = {
    "canbo": "official", "official": "official", "chuyenvien": "official",
    "pho": "deputy", "capho": "deputy", "deputy": "deputy",
    "truong": "head", "truongdonvi": "head", "head": "head",
    "quantri": "admin", "admin": "admin",
}


def _fmt(invitation: Invitation) -> str:
    return fmt_time_day(invitation.expires_at)


async def redeem(ctx: Context, code: str) -> None:
    """Bind this chat account with an invitation code, or explain why not (without telling a
    guess whether the code exists), within the per-chat and per-account attempt limit."""
    code = people_store.clean_code(code)
    if not _CODE_RE.match(code):
        ctx.reply(T.CODE_BAD_FORMAT)
        return
    key = people_store.AttemptKey(ctx.event.chat.channel, ctx.event.chat.chat_id,
                                  ctx.event.sender.user_id, ctx.network)
    # the check holds the budgets until the transaction ends: the try recorded below is counted
    # by every concurrent check (other sessions of the address, other processes)
    blocked = await people_store.attempts_blocked_until(ctx.session, key, ctx.now,
                                                        limits=attempt_limits(ctx))
    if ctx.in_group:  # everyone saw the code: burn it, and answer a guess the same way
        if blocked is None:
            await people_store.revoke_invitation(ctx.session, code, ctx.now)
            await people_store.record_attempt(ctx.session, key, ctx.now, ok=False)
        ctx.reply(C.CODE_IN_GROUP.format(link=private_chat_link(ctx)))
        return
    if blocked is not None:
        text = T.TOO_MANY_ATTEMPTS_NETWORK if blocked.by_network else T.TOO_MANY_ATTEMPTS
        minutes = _minutes_until(ctx, blocked.until)
        ctx.reply(text.format(minutes=minutes,
                              time=fmt_time(ctx.now + timedelta(minutes=minutes))))
        return
    result = await people_store.redeem_invitation(ctx.session, code, ctx.account, ctx.now)
    await people_store.record_attempt(ctx.session, key, ctx.now,
                                      ok=result.outcome in ("bound", "already_bound", "head_taken"))
    if result.outcome == "bound":
        official = result.official
        assert official is not None
        ctx.official = official
        ctx.note_roles_changed()  # a head's or admin's chat gets their menu now
        unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
        ctx.reply(T.BOUND.format(
            name=official.name, unit=T.BOUND_UNIT.format(unit=unit.name) if unit else "",
            channel=T.CHANNEL_NAMES.get(ctx.event.chat.channel, ctx.event.chat.channel)))
    elif result.outcome == "already_bound":
        assert result.official is not None
        ctx.reply(T.ALREADY_BOUND.format(name=result.official.name))
    elif result.outcome == "head_taken":
        assert result.official is not None and result.invitation is not None
        unit = await ctx.session.get(Unit, result.invitation.unit_id)
        ctx.reply(T.CODE_HEAD_TAKEN.format(unit=unit.name if unit else "",
                                           name=result.official.name))
    elif result.outcome == "other_official":
        ctx.reply(T.ACCOUNT_TAKEN.format(name=result.official.name if result.official else ""))
    else:
        ctx.reply(T.CODE_INVALID)


def attempt_limits(ctx: Context) -> people_store.AttemptLimits:
    """The invitation attempt limits of the settings."""
    settings = ctx.deps.settings
    return people_store.AttemptLimits(
        per_key=settings.invitation_attempts,
        per_network=settings.invitation_attempts_per_network,
        window=timedelta(minutes=settings.invitation_attempts_window_minutes))


def _minutes_until(ctx: Context, until: datetime) -> int:
    """Whole minutes to wait (rounded up: a try at the time said is let through)."""
    return max(1, math.ceil((until - ctx.now).total_seconds() / 60))


async def handle_start(ctx: Context) -> bool:
    """/start with a code binds the account; returns True when it handled the message."""
    code = ctx.text.strip()
    if not code:
        return False
    await redeem(ctx, code.split()[0])
    return True


def how_to_join(ctx: Context) -> str:
    """The polite explanation for chats that are not bound to an official (in a group: join in
    a private chat, never by posting a code where everyone reads it)."""
    if ctx.in_group:
        return T.HOW_TO_JOIN_IN_GROUP.format(link=private_chat_link(ctx))
    return T.HOW_TO_JOIN if ctx.deps.settings.guides_public else T.HOW_TO_JOIN_PRIVATE


#: words that may come before a code typed alone, folded ("mã mời: K7QM2XPA9B", "mã của em
#: là …", "code …"); one of _CODE_WORDS among them says the word after them is meant as a code
_BEFORE_CODE = frozenset({"ma", "moi", "code", "invite", "invitation", "la", "cua", "toi", "em",
                          "day", "so", "my", "is"})
_CODE_WORDS = frozenset({"ma", "code", "invite", "invitation"})
#: a code attempt's length (codes have 10 characters, those issued before 8): a slip either way
_ATTEMPT_CHARS = range(6, 17)
_LETTERS_ONLY_CHARS = range(8, 13)


@dataclass(frozen=True)
class _Typed:
    """The one word of a message that may be a code, and whether words naming it came first."""

    word: str
    named: bool


def _typed(text: str) -> _Typed | None:
    """The code-like word of a message that is one word, or one word after "mã (mời)"/"code"."""
    words = people_store.clean_code(text).split()
    before = [fold_words(w).strip(":.,") for w in words[:-1]]
    if not words or not all(w in _BEFORE_CODE for w in before):
        return None
    named = any(w in _CODE_WORDS for w in before)
    if before and not named:
        return None
    return _Typed(people_store.clean_code(words[-1]), named)


def typed_code(ctx: Context) -> bool:
    """A chat may send the code alone, or after "mã mời" (Zalo and web above all; answered
    before the Q&A fallback). A bound chat too: on an office computer someone else's web login
    may still be open, and the code went to the guides (logged for admins as a question); it is
    answered as `/start <code>` is ("already bound to …"), see redeem_typed."""
    typed = _typed(ctx.text)
    return typed is not None and people_store.looks_like_code(typed.word)


async def redeem_typed(ctx: Context) -> None:
    """The code typed alone. In a bound chat (private or a group) only a code troly issued
    (used or not) is one: a question of a code's shape ("phuluc2b", "QD2345UBND") is searched
    as before and uses up no attempt."""
    typed = _typed(ctx.text)
    assert typed is not None
    code = people_store.invitation_key(typed.word)
    if ctx.official is not None and not await people_store.invitation_exists(ctx.session, code):
        await ask.fallback(ctx)
        return
    await redeem(ctx, code)


def code_attempt(ctx: Context) -> bool:
    """An unbound private chat's message shaped like a code but not one troly issues: one word of
    letters and digits of about a code's length from the code's alphabet but one character (a
    character too many or too few, a 0 for a letter), or capitals alone of a code's length and
    alphabet ("YAARNJHBKQ"), or any word of letters and digits after "mã mời"/"code". Checked
    after typed_code; the handler still answers a real question (code_not_recognised)."""
    if ctx.official is not None or ctx.in_group or small_talk(ctx.text) is not None:
        return False
    typed = _typed(ctx.text)
    if typed is None or not (typed.word.isascii() and typed.word.isalnum()):
        return False
    word = typed.word
    if typed.named:
        return len(word) in _ATTEMPT_CHARS
    # codes hold no I, O, 0 or 1: Vietnamese words typed together almost always do
    # ("DICHVUCONG", "CHUYENDOISO"), a code typed with one slip at most one of them
    strays = sum(c not in people_store.CODE_ALPHABET for c in word.upper())
    if any(c.isdigit() for c in word) and any(c.isalpha() for c in word):
        return strays <= 1 and len(word) in _ATTEMPT_CHARS
    return word.isalpha() and word.isupper() and strays == 0 \
        and len(word) in _LETTERS_ONLY_CHARS


async def code_not_recognised(ctx: Context) -> None:
    """A code attempt: said so with what a code looks like and where to get one, never queued
    for admins as an unanswered question. Conservative: a word the guides answer (an
    abbreviation in capitals, "CSDLQGDC") is answered as a question, unless "mã mời" named it."""
    typed = _typed(ctx.text)
    assert typed is not None

    def unanswered() -> None:
        ctx.reply(T.CODE_NOT_RECOGNISED.format(code=typed.word))

    if typed.named:
        unanswered()
    else:
        await ask.answer(ctx, ctx.text, unanswered=unanswered)


# ---------------------------------------------------------------- /moi and /lienket


@dataclass(frozen=True)
class InviteChoice(ButtonData, prefix="moi"):
    """After a same-name warning: 'off' invites that existing official ('<official>:<hours>'),
    'new' a new one ('<unit>:<role>:<hours>:<name>'); the handler reads the detail."""

    choice: Literal["off", "new"]
    detail: str


#: '/moi … 48h …': the validity of the code, in hours (heads and admins; at most 30 days)
_HOURS_RE = re.compile(r"^([+-]?\d{1,6})(" + "|".join(T.HOURS_SUFFIXES) + ")$", re.IGNORECASE)
MAX_CHAT_TTL_HOURS = 720
#: officials of the same name offered as buttons after a /moi with a name already in the unit
MAX_NAME_MATCHES = 4
#: one word after /moi read as an official's code (see looks_like_official_code)
_OFFICIAL_CODE_RE = re.compile(r"^[A-Za-z0-9_./-]{1,64}$")
#: the closest existing codes offered after a mistyped one, and how close (rapidfuzz ratio 0-100)
MAX_CODE_SUGGESTIONS = 3
CODE_SUGGESTION_CUTOFF = 60


def _ttl(ctx: Context) -> timedelta:
    return timedelta(hours=ctx.deps.settings.invitation_ttl_hours)


def _take_hours(words: list[str]) -> int | None:
    """Remove the first 'Nh' word and return N (None when there is none)."""
    for i, word in enumerate(words):
        match = _HOURS_RE.match(word)
        if match:
            del words[i]
            return int(match.group(1))
    return None


async def invite(ctx: Context) -> None:
    """/moi [unit code] [role] Name, or /moi <official code>: an invitation for a new official, or
    one bound to an official who already exists (imported with a plan); admins, heads, deputies."""
    inviter = ctx.official
    assert inviter is not None
    words = ctx.text.split()
    hours = _take_hours(words)
    if hours is not None and not 0 < hours <= MAX_CHAT_TTL_HOURS:
        ctx.reply(T.INVITE_BAD_HOURS.format(max_hours=MAX_CHAT_TTL_HOURS))
        return
    unit: Unit | None = None
    if words:
        unit = await people_store.unit_by_code(ctx.session, words[0])
        if unit is not None:
            words = words[1:]
    if len(words) == 1 and (unit is None or looks_like_official_code(words[0])):
        existing = await people_store.official_by_code(ctx.session, words[0])
        if existing is not None:
            await _invite_existing(ctx, existing, hours)
            return
        if looks_like_official_code(words[0]):  # a mistyped code, never a person's name
            await _no_such_code(ctx, unit, words[0])
            return
    role = "official"
    if words and words[0].casefold() in _ROLE_WORDS:
        role = _ROLE_WORDS[words.pop(0).casefold()]
    if unit is None:
        unit = await ctx.session.get(Unit, inviter.unit_id) if inviter.unit_id else None
    if unit is None:
        ctx.reply(T.INVITE_NO_UNIT if ctx.text.strip() else T.INVITE_USAGE.format(
            max_hours=MAX_CHAT_TTL_HOURS, default_hours=ctx.deps.settings.invitation_ttl_hours))
        return
    name = " ".join(words) or None
    refusal = await _refusal(ctx, unit, role, head=False)
    if refusal is not None:
        ctx.reply(refusal)
        return
    # the same name first: inviting the unit's own recorded head (imported, not yet bound) by
    # name offers them, as before the one-head refusal, which would advise demoting them
    if name is not None:
        matches = await same_name_in_unit(ctx.session, unit.id, name)
        if matches:
            _ask_which(ctx, unit, role, hours, name, matches)
            return
    refusal = await _refusal(ctx, unit, role)
    if refusal is not None:
        ctx.reply(refusal)
        return
    await _create_new(ctx, unit, role, hours, name)


def looks_like_official_code(word: str) -> bool:
    """Whether one typed word has the shape of an official's code (CB001, 2024-017): no spaces,
    only letters, digits and - _ . /, with a digit — a person's name never has one."""
    return bool(_OFFICIAL_CODE_RE.match(word)) and any(c.isdigit() for c in word)


async def _no_such_code(ctx: Context, unit: Unit | None, code: str) -> None:
    """No official has the code typed after /moi: say so, offer the closest codes of the people
    the inviter may manage in the unit (and below), and create nothing."""
    inviter = ctx.official
    assert inviter is not None
    unit_id = unit.id if unit is not None else inviter.unit_id
    if unit_id is not None:
        scope = await people_store.officials_in(
            ctx.session, await people_store.subunit_ids(ctx.session, unit_id))
    else:
        scope = [o for o in await people_store.all_officials(ctx.session) if o.status == "active"]
    by_code = {o.code: o for o in scope if o.code and await may_manage(ctx, o)}
    close = process.extract(code.upper(), {c: c.upper() for c in by_code}, scorer=fuzz.ratio,
                            limit=MAX_CODE_SUGGESTIONS, score_cutoff=CODE_SUGGESTION_CUTOFF)
    shown = [I.INVITE_CODE_SUGGESTION.format(code=c, name=by_code[c].name) for _, _, c in close]
    ctx.reply(I.INVITE_NO_SUCH_CODE.format(
        code=code, suggestions=I.INVITE_CODE_SUGGESTIONS.format(codes=", ".join(shown))
        if shown else ""))


async def _refusal(ctx: Context, unit: Unit, role: str, *, head: bool = True) -> str | None:
    """Why the current official may not invite a `role` into `unit` (None: they may). Heads and
    deputies invite officials and deputies into their own branch; admins anyone, but no second
    head (not checked with `head` False: the permission alone)."""
    inviter = ctx.official
    assert inviter is not None
    if inviter.role == "admin":
        return await head_refusal(ctx.session, unit, role, ctx.now) if head else None
    if role not in ("official", "deputy"):
        return T.INVITE_ROLE_NOT_ALLOWED
    if inviter.unit_id is None or not await people_store.is_within(
            ctx.session, unit.id, inviter.unit_id):
        return T.INVITE_UNIT_NOT_ALLOWED
    return None


async def _create_new(ctx: Context, unit: Unit, role: str, hours: int | None,
                      name: str | None) -> None:
    inviter = ctx.official
    assert inviter is not None
    ttl = timedelta(hours=hours) if hours is not None else _ttl(ctx)
    invitation = await people_store.create_invitation(
        ctx.session, now=ctx.now, ttl=ttl, unit_id=unit.id, role=role, name=name,
        created_by=inviter.id)
    url = people_store.deep_link(ctx.deps.settings.telegram_bot_username, invitation.code)
    ctx.reply(T.INVITE_CREATED.format(
        who=name or T.INVITE_SOMEONE, unit=unit.name, role=T.ROLE_LABELS[role],
        code=invitation.code, expires=_fmt(invitation),
        link=T.INVITE_LINK.format(url=url) if url else ""))


def _code_label(official: Official) -> str:
    return official.code or I.NO_CODE


def _ask_which(ctx: Context, unit: Unit, role: str, hours: int | None, name: str,
               matches: list[Official]) -> None:
    """The unit already has someone of this name: invite them, or (on purpose) a new person."""
    shown = matches[:MAX_NAME_MATCHES]
    lines = [I.DUPLICATE_MATCH_LINE.format(
        name=o.name, code_label=_code_label(o),
        title=I.DUPLICATE_MATCH_TITLE.format(title=o.title) if o.title else "") for o in shown]
    ttl = str(hours) if hours is not None else ""
    buttons = [Button(I.BUTTON_INVITE_EXISTING.format(name=o.name, code_label=_code_label(o)),
                      InviteChoice("off", f"{o.id}:{ttl}").pack()) for o in shown]
    buttons.append(Button(I.BUTTON_INVITE_NEW, InviteChoice("new", f"{unit.id}:{role}:{ttl}:{name}").pack()))
    ctx.reply(I.DUPLICATE_NAME_QUESTION.format(unit=unit.name, name=name,
                                               matches="\n".join(lines)), buttons)


async def _invite_existing(ctx: Context, official: Official, hours: int | None, *,
                           refused: str | None = None) -> None:
    """An invitation bound to an official who already exists: the chat joins their record.
    Someone the inviter may not manage, or who left, is answered without their name (`refused`
    replaces the answer: a button gets the same sentence as a forged one)."""
    inviter = ctx.official
    assert inviter is not None
    code = official.code or "-"
    if not await may_manage(ctx, official):
        ctx.reply(refused or I.INVITE_OFFICIAL_NOT_ALLOWED.format(code=code))
        return
    if official.status != "active":
        ctx.reply(refused or I.INVITE_OFFICIAL_INACTIVE.format(code=code))
        return
    ttl = timedelta(hours=hours) if hours is not None else _ttl(ctx)
    invitation = await people_store.create_invitation(
        ctx.session, now=ctx.now, ttl=ttl, unit_id=official.unit_id, role=official.role,
        name=official.name, official_id=official.id, created_by=inviter.id)
    unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    url = people_store.deep_link(ctx.deps.settings.telegram_bot_username, invitation.code)
    ctx.reply(I.INVITE_EXISTING_CREATED.format(
        name=official.name, code_label=_code_label(official), unit=unit.name if unit else "-",
        role=T.ROLE_LABELS.get(official.role, official.role), code=invitation.code,
        expires=_fmt(invitation), link=T.INVITE_LINK.format(url=url) if url else ""))


def _hours_arg(raw: str) -> int | None | bool:
    """The validity carried by a /moi button: '' (default), N hours, or False when malformed."""
    if not raw:
        return None
    if raw.isdigit() and len(raw) <= 4 and 0 < int(raw) <= MAX_CHAT_TTL_HOURS:
        return int(raw)
    return False


async def invite_choice(ctx: Context, button: InviteChoice) -> None:
    """Buttons 'moi:off:<official>:<hours>' / 'moi:new:<unit>:<role>:<hours>:<name>' after a
    same-name warning. Everything is checked again for whoever presses: a forged button grants
    nothing /moi would not."""
    kind, rest = button.choice, button.detail
    if kind == "off":
        raw_id, _, raw_hours = rest.partition(":")
        official_id, hours = parse_id(raw_id), _hours_arg(raw_hours)
        official = await ctx.session.get(Official, official_id) if official_id is not None else None
        if official is None or hours is False:
            ctx.reply(I.INVITE_CHOICE_GONE)
            return
        await _invite_existing(ctx, official, hours if isinstance(hours, int) else None,
                               refused=I.INVITE_CHOICE_GONE)
        return
    parts = rest.split(":", 3)
    if kind != "new" or len(parts) != 4:
        ctx.reply(I.INVITE_CHOICE_GONE)
        return
    raw_unit, role, raw_hours, name = parts
    unit_id, hours = parse_id(raw_unit), _hours_arg(raw_hours)
    unit = await ctx.session.get(Unit, unit_id) if unit_id is not None else None
    name = " ".join(name.split())
    if unit is None or hours is False or role not in people_store.ROLES or not name:
        ctx.reply(I.INVITE_CHOICE_GONE)
        return
    if await _refusal(ctx, unit, role) is not None:
        ctx.reply(I.INVITE_CHOICE_GONE)
        return
    await _create_new(ctx, unit, role, hours if isinstance(hours, int) else None, name)


async def link_account(ctx: Context) -> None:
    """/lienket: a one-time code to use troly from another app as the same official, and the
    apps already linked (each with a button to unbind it)."""
    official = ctx.official
    assert official is not None
    invitation = await people_store.create_invitation(
        ctx.session, now=ctx.now, ttl=_ttl(ctx), unit_id=official.unit_id, role=official.role,
        name=official.name, official_id=official.id, created_by=official.id)
    url = people_store.deep_link(ctx.deps.settings.telegram_bot_username, invitation.code)
    ctx.reply(T.LINK_CREATED.format(code=invitation.code, expires=_fmt(invitation),
                                    link=T.INVITE_LINK.format(url=url) if url else ""))
    text, buttons = accounts.own_apps(ctx, await people_store.accounts_of(ctx.session, official.id))
    ctx.reply(text, buttons)


def register(router: Router) -> None:
    """Register /moi, /lienket and the code-alone fallback (call after the Q&A feature)."""
    router.command(Command(("moi", "invite"), invite, CMD.INVITE, roles=ROLES_HEADS))
    router.on(InviteChoice, invite_choice, gone=I.INVITE_CHOICE_GONE, roles=ROLES_HEADS)
    router.command(Command(("lienket", "link"), link_account,
                           CMD.LINK,
                           roles=ROLES_MEMBERS))
    # disjoint from the "đăng xuất" fallback (a code holds a digit), so their order is free
    router.fallback(Fallback("invitation_code", redeem_typed, matches=typed_code))
    # after the code (a code is never an attempt), before the Q&A it would otherwise reach
    router.fallback(Fallback("code_attempt", code_not_recognised, matches=code_attempt))
