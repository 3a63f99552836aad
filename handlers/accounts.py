"""Linked apps and invitation codes in chat: /taikhoan (one's own apps; a unit's for heads and
admins), /mamoi (a unit's codes still waiting to be used), the 'Gỡ' and 'Thu hồi' buttons, and
the list of one's apps under /lienket. Who may act on what is decided in bot/access.py."""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import LEADERS, account_for, invitation_for, may_manage, may_revoke
from bot.buttons import ButtonData
from bot.context import Context
from bot.dates import fmt_day, fmt_time_day
from bot.db import account_store, people_store
from bot.db.models import ChatAccount, Official, Unit
from bot.messages import Button
from bot.router import ROLES_HEADS, ROLES_MEMBERS, Command, Router
from bot.texts import commands as CMD
from bot.texts import people as T

#: lines in one message (a phone screen); the CLI lists them all
LIST_LIMIT = 20
BUTTON_LIMIT = 8


@dataclass(frozen=True)
class Unbind(ButtonData, prefix="acc_unb"):
    """'Gỡ' next to one of an official's apps (/taikhoan, /lienket)."""

    account_id: int


@dataclass(frozen=True)
class Revoke(ButtonData, prefix="inv_rev"):
    """'Thu hồi' next to a code not used yet (/mamoi)."""

    code: str


def app_name(channel: str) -> str:
    """'Telegram', 'Zalo', 'web'…"""
    return T.CHANNEL_NAMES.get(channel, channel)


def _when(account: ChatAccount) -> str:
    if account.last_inbound_at is None:
        return ""
    return T.ACCOUNT_LAST.format(when=fmt_day(account.last_inbound_at))


async def _manageable(ctx: Context) -> list[tuple[ChatAccount, Official]]:
    me = ctx.official
    assert me is not None
    if me.role == "admin":
        rows = await account_store.bound_accounts(ctx.session)
    elif me.role in LEADERS and me.unit_id is not None:
        people = await people_store.officials_in(
            ctx.session, await people_store.subunit_ids(ctx.session, me.unit_id))
        rows = await account_store.bound_accounts(ctx.session, [o.id for o in people])
    else:
        rows = await account_store.bound_accounts(ctx.session, [me.id])
    return [(a, o) for a, o in rows if await may_manage(ctx, o)]


def own_apps(ctx: Context, accounts: list[ChatAccount]) -> tuple[str, list[Button]]:
    """The official's own linked apps, each with its 'Gỡ' button."""
    lines = [T.OWN_APPS_HEADER.format(count=len(accounts))]
    buttons: list[Button] = []
    for n, account in enumerate(accounts, start=1):
        current = T.ACCOUNT_CURRENT if account.id == ctx.account.id else ""
        lines.append(T.OWN_APP_ITEM.format(n=n, app=_label(account), current=current,
                                           last=_when(account)))
        # acts at once: a typed number (the console) is asked back once
        buttons.append(Button(T.BUTTON_UNBIND.format(n=n), Unbind(account.id).pack(),
                              confirm_typed=True))
    lines.append(T.ACCOUNTS_FOOTER)
    return "\n".join(lines), buttons[:BUTTON_LIMIT]


def _label(account: ChatAccount) -> str:
    name = app_name(account.channel)
    return f"{name} · {account.display_name}" if account.display_name else name


async def accounts(ctx: Context) -> None:
    """/taikhoan: my linked apps; a head's or admin's: the unit's, each with a 'Gỡ' button."""
    me = ctx.official
    assert me is not None  # members only
    rows = await _manageable(ctx)
    if me.role == "official" or all(o.id == me.id for _, o in rows):
        text, own = own_apps(ctx, [a for a, _ in rows])
        ctx.reply(text, own)
        return
    lines = [T.UNIT_ACCOUNTS_HEADER.format(count=len(rows))]
    buttons: list[Button] = []
    for n, (account, official) in enumerate(rows[:LIST_LIMIT], start=1):
        lines.append(T.UNIT_ACCOUNT_ITEM.format(n=n, name=official.name, app=_label(account),
                                                last=_when(account)))
        # acts at once: a typed number (the console) is asked back once
        buttons.append(Button(T.BUTTON_UNBIND.format(n=n), Unbind(account.id).pack(),
                              confirm_typed=True))
    if len(rows) > LIST_LIMIT:
        lines.append(T.ACCOUNTS_MORE.format(count=len(rows) - LIST_LIMIT))
    lines.append(T.ACCOUNTS_FOOTER)
    ctx.reply("\n".join(lines), buttons[:BUTTON_LIMIT])


async def unbind(ctx: Context, button: Unbind) -> None:
    """'Gỡ': detach that app from its official now; say what happens to its queued messages."""
    account = await account_for(ctx, button.account_id)
    if account is None:
        ctx.reply(T.ACCOUNT_NOT_YOURS)
        return
    done = await account_store.unbind_account(
        ctx.session, account, ctx.now, channels=ctx.deps.settings.reminder_channels)
    ctx.note_roles_changed()  # the app's chat no longer has its official's menu
    if account.id == ctx.account.id:  # they unbound the app they are using: a guest from now on
        ctx.official = None
        if ctx.flow_state is not None:
            ctx.end_flow()  # a check-in in progress belongs to the official, not to this chat
    lines = [T.UNBOUND.format(app=app_name(account.channel),
                              name=done.official.name if done.official else "")]
    lines += [T.UNBOUND_MOVED.format(count=n, app=app_name(channel))
              for channel, n in sorted(done.moved.items())]
    if done.cancelled:
        lines.append(T.UNBOUND_CANCELLED.format(count=done.cancelled))
    ctx.reply("\n".join(lines))


async def invitations(ctx: Context) -> None:
    """/mamoi: the codes still waiting to be used that I may revoke, each with 'Thu hồi'."""
    pending = [i for i in await account_store.invitations(ctx.session, ctx.now)
               if await may_revoke(ctx, i)]
    if not pending:
        ctx.reply(T.INVITES_NONE)
        return
    lines = [T.INVITES_HEADER.format(count=len(pending))]
    buttons: list[Button] = []
    for n, invitation in enumerate(pending[:LIST_LIMIT], start=1):
        unit = await ctx.session.get(Unit, invitation.unit_id) if invitation.unit_id else None
        lines.append(T.INVITE_ITEM.format(
            n=n, code=invitation.code, who=invitation.name or T.INVITE_SOMEONE,
            unit=unit.name if unit else "—", role=T.ROLE_LABELS.get(invitation.role, invitation.role),
            expires=fmt_time_day(invitation.expires_at)))
        buttons.append(Button(T.BUTTON_REVOKE.format(n=n), Revoke(invitation.code).pack(),
                              confirm_typed=True))  # a typed number is asked back once
    if len(pending) > LIST_LIMIT:
        lines.append(T.INVITES_MORE.format(count=len(pending) - LIST_LIMIT))
    ctx.reply("\n".join(lines), buttons[:BUTTON_LIMIT])


async def revoke(ctx: Context, button: Revoke) -> None:
    """'Thu hồi': withdraw a code that was not used yet."""
    invitation = await invitation_for(ctx, button.code)
    official = ctx.official
    if invitation is None or official is None:
        ctx.reply(T.INVITE_NOT_YOURS)
        return
    await people_store.revoke_invitation(ctx.session, invitation.code, ctx.now, by=official.id)
    ctx.reply(T.INVITE_REVOKED.format(code=invitation.code))


def register(router: Router) -> None:
    """Register /taikhoan, /mamoi and their buttons (private chats only: the default)."""
    router.command(Command(("taikhoan", "accounts", "tai_khoan"), accounts, CMD.ACCOUNTS,
                           roles=ROLES_MEMBERS))
    router.command(Command(("mamoi", "invites", "ma_moi"), invitations, CMD.INVITES,
                           roles=ROLES_HEADS))
    router.on(Unbind, unbind, gone=T.ACCOUNT_NOT_YOURS)
    router.on(Revoke, revoke, gone=T.INVITE_NOT_YOURS)
