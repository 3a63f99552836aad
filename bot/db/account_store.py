"""Revocation: listing chat accounts and invitation codes, unbinding an account, for the CLI and chat.

Unbinding (by an admin or head, by the official, or by logging out) ends the account's access at
once (the dispatcher resolves the official from the account on every event, and a web login is
valid only while its account stays bound), revokes its web logins, deletes its conversation
state, and deals with what was queued for it: reminders,
check-in prompts and digests move to the official's next active app (or are cancelled when there
is none); answers and web notices, which belong to the conversation on that app, are cancelled.
A message already being sent at that instant cannot be called back (at most one); the outbox
dispatcher re-checks the binding before every send (scheduler/delivery.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db import web_tokens
from bot.db.models import ChatAccount, ConversationState, Invitation, Official, OutboxMessage
from bot.ids import parse_id
from bot.outbox import (
    ACCOUNT_BLOCKED,
    UNSENT,
    NewRow,
    cancel_unsent,
    enqueue,
    meta_of,
    with_meta,
)

#: kinds the planner writes per official: they follow the official to another app
PLANNED_KINDS = frozenset({"deadline", "overdue", "checkin", "nudge", "digest", "snooze",
                           "guide", "guide_remind", "guide_expired",
                           "guide_withdrawn"})
UNBOUND = "unbound"


async def find_account(session: AsyncSession, ref: str) -> ChatAccount | None:
    """An account by id ('12') or by 'channel:external id' ('telegram:555')."""
    ref = ref.strip()
    if ":" in ref:
        channel, _, external = ref.partition(":")
        return (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == channel, ChatAccount.external_id == external))).scalar()
    account_id = parse_id(ref)
    return await session.get(ChatAccount, account_id) if account_id is not None else None


async def bound_accounts(session: AsyncSession, official_ids: Sequence[int] | None = None
                         ) -> list[tuple[ChatAccount, Official]]:
    """Accounts bound to an official (all, or these officials'), by official name then id."""
    query = (select(ChatAccount, Official).join(Official, Official.id == ChatAccount.official_id)
             .order_by(Official.name, Official.id, ChatAccount.id))
    if official_ids is not None:
        query = query.where(ChatAccount.official_id.in_(list(official_ids)))
    return [(account, official) for account, official in (await session.execute(query)).all()]


def mark_unsubscribed(account: ChatAccount, now: datetime) -> None:
    """The user unfollowed or blocked the bot (a platform's event said so): nothing is sent to
    this account until they write again (the dispatcher makes it active then)."""
    account.status = ACCOUNT_BLOCKED
    account.status_changed_at = now


def invitation_status(invitation: Invitation, now: datetime) -> str:
    """'revoked', 'used', 'expired' or 'pending'."""
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.used_at is not None:
        return "used"
    return "expired" if invitation.expires_at <= now else "pending"


async def invitations(session: AsyncSession, now: datetime, *, pending_only: bool = True,
                      unit_ids: Sequence[int] | None = None) -> list[Invitation]:
    """Invitation codes (pending ones, or all), oldest first; optionally of these units only."""
    query = select(Invitation).order_by(Invitation.created_at, Invitation.code)
    if pending_only:
        query = query.where(Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
                            Invitation.expires_at > now)
    if unit_ids is not None:
        query = query.where(Invitation.unit_id.in_(list(unit_ids)))
    return list((await session.execute(query)).scalars())


@dataclass(frozen=True)
class Unbinding:
    """What unbinding an account did."""

    official: Official | None
    #: queued messages moved to another app of the official, by channel
    moved: Counter[str] = field(default_factory=Counter)
    #: queued messages withdrawn
    cancelled: int = 0


async def unbind_account(session: AsyncSession, account: ChatAccount, now: datetime, *,
                         channels: Sequence[str], reason: str = UNBOUND) -> Unbinding:
    """Detach the account from its official (an unbind, or the user logging out): end its web
    logins, clear its conversations, move or cancel what is queued for it.

    `channels`: the reminder channels, most preferred first (where moved messages may go);
    `reason`: recorded on revoked logins and cancelled messages ('unbound', 'logout')."""
    official = await session.get(Official, account.official_id) if account.official_id else None
    account.official_id = None
    if account.id is None:  # a stranger never stored (web): nothing else is theirs
        return Unbinding(official)
    await web_tokens.revoke_account(session, account.id, now, reason)
    states = (await session.execute(select(ConversationState).where(
        ConversationState.channel == account.channel,
        ConversationState.user_id == account.external_id))).scalars().all()
    for state in states:  # through the ORM: the dispatcher may still save this chat's state
        await session.delete(state)
    target = await _next_account(session, official, account, channels)
    moved: Counter[str] = Counter()
    cancelled = 0
    rows = (await session.execute(select(OutboxMessage).where(
        OutboxMessage.channel == account.channel, OutboxMessage.address == account.chat_id,
        OutboxMessage.status.in_(UNSENT)).order_by(OutboxMessage.id))).scalars().all()
    for row in rows:
        follows = (target is not None and official is not None and row.kind in PLANNED_KINDS
                   and row.recipient_id == official.id)
        # each cancel is conditional: a row a sender claimed since the select goes out as it
        # was (and is not copied: it would arrive twice)
        if follows and target is not None:
            if await cancel_unsent(session, row, now, reason, moved_to=target.channel):
                await _copy_to(session, row, target, now, reason)
                moved[target.channel] += 1
        elif await cancel_unsent(session, row, now, reason):
            cancelled += 1
    await session.flush()
    return Unbinding(official, moved, cancelled)


async def _next_account(session: AsyncSession, official: Official | None, account: ChatAccount,
                        channels: Sequence[str]) -> ChatAccount | None:
    """The official's preferred other active account on a reminder channel."""
    if official is None:
        return None
    others = (await session.execute(select(ChatAccount).where(
        ChatAccount.official_id == official.id, ChatAccount.id != account.id,
        ChatAccount.status == "active", ChatAccount.channel.in_(list(channels)),
    ).order_by(ChatAccount.id))).scalars().all()
    rank = {name: i for i, name in enumerate(channels)}
    return min(others, key=lambda a: (rank[a.channel], a.id), default=None)


async def _copy_to(session: AsyncSession, row: OutboxMessage, target: ChatAccount,
                   now: datetime, reason: str) -> None:
    """Queue the row's message for `target` under its occurrence's key on that channel (the
    planner's idempotency, '<base>:<channel>'), unless that key is already queued there."""
    meta = meta_of(row.payload)
    meta["moved_from"], meta["moved_reason"] = row.id, reason
    await enqueue(session, NewRow(
        idem_key=f"{row.idem_key.rsplit(':', 1)[0]}:{target.channel}", kind=row.kind,
        subject_type=row.subject_type, subject_id=row.subject_id,
        recipient_id=row.recipient_id, channel=target.channel, address=target.chat_id,
        payload=with_meta(row.payload, meta), due_at=row.due_at,
        not_before=max(row.not_before, now), expires_at=row.expires_at, late=row.late,
        max_attempts=row.max_attempts, created_at=now))
