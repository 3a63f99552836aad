"""Logging out: /dangxuat (or "đăng xuất" typed alone) detaches this chat from its official."""

from __future__ import annotations

from bot.context import Context
from bot.db import account_store
from bot.router import ROLES_MEMBERS, Command, Fallback, Router
from bot.texts import commands as CMD
from bot.texts import logout as T
from knowledge.normalize import fold

#: typed alone (any case, with or without diacritics), these mean /dangxuat
LOGOUT_WORDS = frozenset({"dang xuat", "logout", "log out"})


async def logout(ctx: Context) -> None:
    """Unbind this chat account: its logins end, its queued reminders move to the official's other
    app (or are withdrawn) — bot/db/account_store.py."""
    official = ctx.official
    if official is None:
        ctx.reply(T.NOT_LOGGED_IN)
        return
    await account_store.unbind_account(ctx.session, ctx.account, ctx.now, reason="logout",
                                       channels=ctx.deps.settings.reminder_channels)
    ctx.official = None
    if ctx.flow_state is not None:
        ctx.end_flow()  # a check-in in progress belongs to the official, not to this chat
    ctx.reply(T.LOGGED_OUT.format(name=official.name))


def typed_logout(ctx: Context) -> bool:
    """"đăng xuất" typed alone (answered before the Q&A fallback)."""
    return fold(ctx.text.strip()).casefold() in LOGOUT_WORDS


def register(router: Router) -> None:
    """Register /dangxuat and the typed words (call after the Q&A feature)."""
    # members only: a guest has nothing to log out of (typed anyway: the polite members-only note)
    router.command(Command(("dangxuat", "logout", "dang_xuat"), logout, CMD.LOGOUT,
                           roles=ROLES_MEMBERS))
    router.fallback(Fallback("logout", logout, matches=typed_logout))
