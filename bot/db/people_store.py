"""Units, officials, chat accounts and invitations: queries the features share."""

from __future__ import annotations

import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from bot.db.base import is_postgres
from bot.db.models import ChatAccount, Invitation, InvitationAttempt, Official, Unit
from bot.texts import people as T
from bot.unit_tree import descendants
from knowledge.normalize import drop_invisible

#: invitation codes: unambiguous upper-case letters and digits (easy to read aloud and type)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: 10 characters of 32 with a letter and a digit: 1.06e15 codes (about 50 bits), so that guessing
#: stays hopeless within the attempt limits even for a guesser with many accounts or addresses
#: (the figures: README, Security)
CODE_LENGTH = 10
#: the length of codes issued before (2026-12-03): still accepted until they expire
LEGACY_CODE_LENGTH = 8
ROLES = ("official", "head", "deputy", "admin")


# ---------------------------------------------------------------- units


async def unit_by_code(session: AsyncSession, code: str) -> Unit | None:
    """The unit with this code (case-insensitive on the stored upper/lower form)."""
    code = code.strip()
    unit = (await session.execute(select(Unit).where(Unit.code == code))).scalar_one_or_none()
    if unit is None and code.upper() != code:
        unit = (await session.execute(select(Unit).where(Unit.code == code.upper()))).scalar_one_or_none()
    return unit


async def all_units(session: AsyncSession) -> list[Unit]:
    """Every unit, by code."""
    return list((await session.execute(select(Unit).order_by(Unit.code))).scalars())


async def child_units(session: AsyncSession, unit_id: int) -> list[Unit]:
    """Direct sub-units of a unit, by code."""
    return list((await session.execute(
        select(Unit).where(Unit.parent_id == unit_id).order_by(Unit.code))).scalars())


async def subunit_ids(session: AsyncSession, unit_id: int) -> list[int]:
    """The unit and all units below it (any depth), the unit first."""
    rows = (await session.execute(select(Unit.id, Unit.parent_id))).all()
    return descendants(((uid, parent) for uid, parent in rows), unit_id)


async def is_within(session: AsyncSession, unit_id: int, ancestor_id: int) -> bool:
    """True when unit_id is ancestor_id or below it."""
    return unit_id in await subunit_ids(session, ancestor_id)


async def heads_of(session: AsyncSession, unit_id: int) -> list[Official]:
    """Who leads the unit now: the head, or the deputies when the head is absent (or unset)."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return []
    head = await session.get(Official, unit.head_official_id) if unit.head_official_id else None
    # a head of another unit named in the slot holds this post concurrently (kiêm nhiệm)
    if head is None:  # no explicit head: an active official with role 'head' in the unit
        head = (await session.execute(select(Official).where(
            Official.unit_id == unit_id, Official.role == "head", Official.status == "active",
        ).order_by(Official.id))).scalars().first()
    if head is not None and head.status == "active" and not head.absent:
        return [head]
    deputies = (await session.execute(select(Official).where(
        Official.unit_id == unit_id, Official.role == "deputy", Official.status == "active",
        Official.absent.is_(False)).order_by(Official.id))).scalars()
    return list(deputies)


async def current_head(session: AsyncSession, unit_id: int) -> Official | None:
    """The unit's active head, absent or not: the official its head slot names (their home unit
    may be another: kiêm nhiệm), else an active official of the unit with role 'head'."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return None
    head = await session.get(Official, unit.head_official_id) if unit.head_official_id else None
    if head is not None and head.status == "active":
        return head
    return (await session.execute(select(Official).where(
        Official.unit_id == unit_id, Official.role == "head", Official.status == "active",
    ).order_by(Official.id))).scalars().first()


async def deputies_of(session: AsyncSession, unit_id: int) -> list[Official]:
    """Active deputies of a unit."""
    return list((await session.execute(select(Official).where(
        Official.unit_id == unit_id, Official.role == "deputy", Official.status == "active",
    ).order_by(Official.id))).scalars())


# ---------------------------------------------------------------- officials


async def official_by_code(session: AsyncSession, code: str) -> Official | None:
    """The official with this code."""
    return (await session.execute(
        select(Official).where(Official.code == code.strip()))).scalar_one_or_none()


async def officials_in(session: AsyncSession, unit_ids: list[int], *,
                       active_only: bool = True) -> list[Official]:
    """Officials of the given units, by name."""
    query = select(Official).where(Official.unit_id.in_(unit_ids))
    if active_only:
        query = query.where(Official.status == "active")
    return list((await session.execute(query.order_by(Official.name, Official.id))).scalars())


async def all_officials(session: AsyncSession) -> list[Official]:
    """Every official, by unit then name."""
    return list((await session.execute(
        select(Official).order_by(Official.unit_id, Official.name, Official.id))).scalars())


async def accounts_of(session: AsyncSession, official_id: int, *,
                      active_only: bool = True) -> list[ChatAccount]:
    """The official's chat accounts (one person, several apps), oldest first."""
    query = select(ChatAccount).where(ChatAccount.official_id == official_id)
    if active_only:
        query = query.where(ChatAccount.status == "active")
    return list((await session.execute(query.order_by(ChatAccount.id))).scalars())


# ---------------------------------------------------------------- invitations


def new_code() -> str:
    """A fresh invitation code (CODE_LENGTH characters of A-Z2-9 with a letter and a digit: valid
    as a Telegram start payload, and recognisable when typed alone on Zalo or the web)."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if looks_like_code(code):
            return code


def deep_link(username: str | None, code: str) -> str | None:
    """https://t.me/<bot>?start=<code>, when the bot's username is configured."""
    if not username:
        return None
    return f"https://t.me/{username.lstrip('@')}?start={code}"


#: what a code copied out of a sentence or a message brings along at its ends
_AROUND_CODE = " \t\r\n.,;:!?\"'“”‘’«»()[]<>"


def clean_code(text: str) -> str:
    """A typed or pasted code without what copying adds: invisible characters (a zero-width
    space, a BOM), quotes and the sentence's punctuation around it ('“YA4RNJH8KQ”.')."""
    return drop_invisible(text).strip(_AROUND_CODE)


def invitation_key(text: str) -> str:
    """The invitation code a typed, pasted or given text names, as codes are stored: without
    what copying adds (clean_code), in capitals (codes are issued in capitals and typed in any
    case). The one rule wherever a code is looked up or recognised."""
    return clean_code(text).upper()


def looks_like_code(text: str) -> bool:
    """Whether a typed message is plausibly an invitation code (code alone on Zalo/web)."""
    candidate = invitation_key(text)
    return (len(candidate) in (CODE_LENGTH, LEGACY_CODE_LENGTH)
            and all(c in CODE_ALPHABET for c in candidate)
            and any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate))


async def create_invitation(
    session: AsyncSession, *, now: datetime, ttl: timedelta, unit_id: int | None,
    role: str = "official", name: str | None = None, official_id: int | None = None,
    created_by: int | None = None,
) -> Invitation:
    """A one-time invitation code (for a new official, or to link another app of an existing one)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    while True:  # 32^10 codes: a collision is astronomically rare, but never reuse one
        code = new_code()
        if await session.get(Invitation, code) is None:
            break
    invitation = Invitation(code=code, unit_id=unit_id, role=role, name=name,
                            official_id=official_id, created_by=created_by, created_at=now,
                            expires_at=now + ttl)
    session.add(invitation)
    await session.flush()
    return invitation


@dataclass(frozen=True)
class Redemption:
    """The result of using an invitation code: the official, or why not.

    'invalid' covers unknown, used, expired and revoked codes alike (a guess learns nothing);
    'other_official' is answered before the code is even looked up. 'head_taken': a usable code
    for a new head of a unit that has an active head now (the official is that head); the code
    stays unused.
    """

    outcome: str  # bound|already_bound|invalid|other_official|head_taken
    official: Official | None = None
    invitation: Invitation | None = None


async def _find_invitation(session: AsyncSession, code: str) -> Invitation | None:
    invitation = await session.get(Invitation, invitation_key(code))
    if invitation is None:
        invitation = await session.get(Invitation, clean_code(code))  # one issued in lower case
    return invitation


async def invitation_exists(session: AsyncSession, code: str) -> bool:
    """Whether troly ever issued `code` (used, revoked, expired or not)."""
    return await _find_invitation(session, code) is not None


def usable(invitation: Invitation, now: datetime) -> bool:
    """Not used, not revoked, not expired."""
    return (invitation.used_at is None and invitation.revoked_at is None
            and invitation.expires_at > now)


async def redeem_invitation(session: AsyncSession, code: str, account: ChatAccount,
                            now: datetime) -> Redemption:
    """Bind a chat account to the invitation's official (creating the official if needed)."""
    invitation = await _find_invitation(session, code)
    if account.official_id is not None:
        # a bound account may only repeat its own code or link its own official; anything else
        # gets the same answer whether the code exists or not
        current = await session.get(Official, account.official_id)
        if invitation is not None and invitation.used_by_account_id == account.id:
            return Redemption("already_bound", current, invitation)
        if invitation is None or invitation.official_id != account.official_id \
                or not usable(invitation, now):
            return Redemption("other_official", current)
    if invitation is None or not usable(invitation, now):
        return Redemption("invalid")
    if invitation.official_id is None and invitation.role == "head" \
            and invitation.unit_id is not None:
        head = await current_head(session, invitation.unit_id)
        if head is not None:  # the unit got a head since (import, another code): not a second
            return Redemption("head_taken", head, invitation)
    if account.id is None:  # a web stranger's account is stored only once it binds (dispatcher)
        session.add(account)
        await session.flush()
    # claim the code atomically: two chats using it at the same moment, only one wins
    claimed = await session.execute(
        update(Invitation).where(Invitation.code == invitation.code, Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .values(used_at=now, used_by_account_id=account.id))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return Redemption("invalid")
    official = await session.get(Official, invitation.official_id) if invitation.official_id else None
    if official is None:
        official = Official(name=invitation.name or account.display_name or T.DEFAULT_OFFICIAL_NAME,
                            role=invitation.role, unit_id=invitation.unit_id, status="active",
                            absent=False, created_at=now)
        session.add(official)
        await session.flush()
        if invitation.role == "head" and invitation.unit_id is not None:
            unit = await session.get(Unit, invitation.unit_id)
            if unit is not None and unit.head_official_id is None:
                unit.head_official_id = official.id
    account.official_id = official.id
    await session.refresh(invitation)
    return Redemption("bound", official, invitation)


async def revoke_invitation(session: AsyncSession, code: str, now: datetime,
                            by: int | None = None) -> Invitation | None:
    """Withdraw an unused code; returns it (None when there is no such unused, unrevoked code)."""
    invitation = await _find_invitation(session, code)
    if invitation is None or invitation.used_at is not None or invitation.revoked_at is not None:
        return None
    invitation.revoked_at, invitation.revoked_by = now, by
    return invitation


# ---------------------------------------------------------------- guessing limits


#: the attempt rows of a client network (web chat: an address, an IPv6 /64) carry this channel,
#: the network as chat and user: one more budget, counted like a chat's
NETWORK_CHANNEL = "net"
#: PostgreSQL advisory lock class of the attempt budgets: the two-int form, a key space of its own
#: (the chats' and the migrations' locks use the one-bigint form)
_BUDGET_LOCK_CLASS = 0x6D61


@dataclass(frozen=True)
class AttemptKey:
    """Who tries a code: the chat it is typed in, the account typing it and, where the edge knows
    it, the client network it comes from (web chat strangers are sessions, free to make anew)."""

    channel: str
    chat_id: str
    user_id: str
    network: str | None = None


@dataclass(frozen=True)
class AttemptLimits:
    """Failed tries allowed per window: per chat and per account, and per client network."""

    per_key: int
    per_network: int
    window: timedelta


@dataclass(frozen=True)
class Blocked:
    """A try refused: when the next may come, and whether the network's budget (shared with
    everyone behind its address) is the one spent."""

    until: datetime
    by_network: bool = False


@dataclass(frozen=True)
class _Budget:
    """One budget a try spends: the attempt rows of this channel whose `column` is `value`."""

    channel: str
    column: InstrumentedAttribute[str]
    value: str
    limit: int

    @property
    def lock_key(self) -> int:
        """Its advisory lock key, in int4's range (a collision only makes two take turns)."""
        name = f"{self.channel}:{self.column.key}:{self.value}"
        return zlib.crc32(name.encode()) - 2 ** 31


def _budgets(key: AttemptKey, limits: AttemptLimits) -> list[_Budget]:
    """Every budget a try of `key` spends."""
    budgets = [_Budget(key.channel, InvitationAttempt.chat_id, key.chat_id, limits.per_key),
               _Budget(key.channel, InvitationAttempt.user_id, key.user_id, limits.per_key)]
    if key.network is not None:
        budgets.append(_Budget(NETWORK_CHANNEL, InvitationAttempt.chat_id, key.network,
                               limits.per_network))
    return budgets


async def attempts_blocked_until(session: AsyncSession, key: AttemptKey, now: datetime, *,
                                 limits: AttemptLimits) -> Blocked | None:
    """Whether this try must wait (None: it may go ahead), counting failed tries in the window
    per chat, per account and per network; the budgets are then held until the transaction
    ends, so that the check and the record_attempt after it in the same transaction are one
    step: concurrent tries sharing a budget (two sessions behind one address, one account in two
    chats, two processes) are counted one after the other and never all pass the check.

    PostgreSQL: an advisory lock per budget, all taken by one statement in one order (two tries
    cannot deadlock); SQLite: the event's transaction already holds the database's one write
    lock (BEGIN IMMEDIATE), in every process.
    """
    budgets = _budgets(key, limits)
    if is_postgres(session):
        locks = sorted({budget.lock_key for budget in budgets})
        await session.execute(select(*(func.pg_advisory_xact_lock(_BUDGET_LOCK_CLASS, lock)
                                       for lock in locks)))
    since = now - limits.window
    blocked: Blocked | None = None
    for budget in budgets:
        times = (await session.execute(
            select(InvitationAttempt.at).where(
                InvitationAttempt.channel == budget.channel, budget.column == budget.value,
                InvitationAttempt.at > since, InvitationAttempt.ok.is_(False))
            .order_by(InvitationAttempt.at.desc()).limit(budget.limit))).scalars().all()
        if len(times) >= budget.limit:  # the oldest of the last `limit` failures ages out then
            until = min(times) + limits.window
            if blocked is None or until > blocked.until:
                blocked = Blocked(until, by_network=budget.channel == NETWORK_CHANNEL)
    return blocked


async def record_attempt(session: AsyncSession, key: AttemptKey, now: datetime, *,
                         ok: bool) -> None:
    """Remember one try (and forget tries older than a day); in the transaction of the
    attempts_blocked_until that let it through."""
    session.add(InvitationAttempt(channel=key.channel, chat_id=key.chat_id, user_id=key.user_id,
                                  at=now, ok=ok))
    if key.network is not None:
        session.add(InvitationAttempt(channel=NETWORK_CHANNEL, chat_id=key.network,
                                      user_id=key.network, at=now, ok=ok))
    await session.execute(delete(InvitationAttempt).where(
        InvitationAttempt.at < now - timedelta(days=1)))
