"""The web chat's login check for one request, run inside the event's transaction.

Inside the transaction (and the dispatcher's per-chat lock) no other request of the same session can
interleave, so "this request bound the session" is exact: only the request whose own event bound it
gets a token, and a request racing a binding without the token is refused, not let in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.context import Context
from bot.db import web_mailbox, web_tokens
from bot.db.web_tokens import Access, Issued
from bot.dispatcher import Refused


@dataclass
class WebLogin:
    """An EventGuard for one web request: the token it presented, what came of it."""

    presented: str | None
    idle: timedelta
    #: the page's mailbox cursor: a logged-in session's messages up to it are acknowledged and
    #: what still waits is read in the event's transaction (None: not wanted)
    mailbox_after: int | None = None
    access: Access = Access.GUEST
    #: a token issued by this request (it bound the session)
    issued: Issued | None = None
    #: the request ended its own login (logged out)
    ended: bool = False
    #: the official the session is logged in as after the request, and their name
    official_id: int | None = None
    name: str | None = None
    #: what waits in the mailbox for the official logged in (mailbox_after given, logged in by an
    #: earlier request), oldest first
    waiting: list[web_mailbox.Waiting] | None = None
    #: the client's network (bot/channels/web_auth.py client_network), told to the handlers
    network: str | None = None

    async def before(self, ctx: Context) -> None:
        """Refuse a bound session without its valid token (Refused → HTTP 401); tell the
        handlers the client's network (a web stranger makes sessions at will, not networks)."""
        ctx.network = self.network
        account = ctx.account if ctx.account.id is not None else None
        self.access = await web_tokens.check(ctx.session, account, self.presented, ctx.now,
                                             self.idle)
        if self.access is Access.REFUSED:
            raise Refused

    async def after(self, ctx: Context) -> None:
        """Issue a token when this event bound the session; notice when it logged out."""
        account = ctx.account
        if self.access is Access.LOGGED_IN:
            assert self.presented is not None
            if not await web_tokens.still_valid(ctx.session, account, self.presented, ctx.now):
                self.ended = True
        elif account.official_id is not None:  # a guest before routing: this event bound it
            self.issued = await web_tokens.issue(ctx.session, account, ctx.now, self.idle)
        if not self.ended and ctx.official is not None and account.official_id is not None:
            self.official_id, self.name = ctx.official.id, ctx.official.name
            if self.mailbox_after is not None and self.issued is None:
                # here, not in transactions of their own after the event's
                address = ctx.event.chat.chat_id
                await web_mailbox.acknowledge(ctx.session, address, self.mailbox_after, ctx.now)
                # only what was meant for the official logged in now (a session id may be reused)
                self.waiting = [item for item in await web_mailbox.waiting(ctx.session, address,
                                                                           ctx.now)
                                if item.recipient_id in (None, self.official_id)]
