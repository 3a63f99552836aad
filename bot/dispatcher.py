"""The one path every inbound event takes: lock → transaction → route → error boundary → send."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Protocol, cast

from sqlalchemy import Connection, Table, bindparam, case, insert, inspect, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, make_transient_to_detached

from bot import button_payloads, keyboards, outbox
from bot.channel import Channel
from bot.context import Context, Deps
from bot.conversation import END, Flow, FlowBack, FlowHook, ask, go_back
from bot.db import changes, people_store
from bot.db.base import reading, transaction
from bot.db.chat_moves import move_chat
from bot.db.models import ChatAccount, ConversationState, InboundUpdate, Official
from bot.db.precompiled import Precompiled, begin_with
from bot.errors import UserFacingError
from bot.events import (
    ButtonPressed,
    ChatMoved,
    ChatRef,
    FileReceived,
    InboundEvent,
    Interacted,
    MessagesSeen,
    Resubscribed,
    Sender,
    Subscribed,
    TextMessage,
    Unsubscribed,
    UnsupportedMedia,
)
from bot.flow_state import FlowState
from bot.group_chats import file_in_group_note, private_chat_note
from bot.locks import (
    LOCK_CHAT,
    LOCK_CHAT_AND_RECORD,
    KeyedLocks,
    chat_lock_key,
    lock_chat_literal,
)
from bot.messages import (
    Menu,
    OutgoingMessage,
    menu_of_buttons,
    numbered_options,
    to_payload,
    typed_name,
    with_parts_sent,
)
from bot.replies import QUEUED_CHANNELS, WAITING, ReplyResult, ReplySender, replies_waiting
from bot.router import Router, parse_command, split_payload
from bot.text_input import UnpairedSurrogate, clean_event
from bot.texts import common as T

logger = logging.getLogger(__name__)
#: the catch-all's own logger, so tests can fail when it fires unexpectedly (tests/conftest.py)
boundary_logger = logging.getLogger(__name__ + ".boundary")

#: longest text we process; longer messages get a polite refusal (nothing is stored)
MAX_TEXT_CHARS = 4000
CANCEL_COMMANDS = frozenset({"huy", "cancel"})
#: typed "Quay lại" of a conversation step (bot/conversation.py, Step.back)
BACK_COMMANDS = frozenset({"quaylai", "quay_lai", "back"})
#: the replies of an event wait this long at most for its after-commit jobs (an index rebuild)
AFTER_COMMIT_WAIT_SECONDS = 30.0
#: how much of a message is quoted back when the database was too busy to take it
BUSY_ECHO_CHARS = 1000
#: what confirms, or drops, a typed number asked back (Menu.pending), as typed_name reads them
#: ("huỷ" is not one: typed alone it stops the conversation, as /huy does)
CONFIRM_VOCABULARY = frozenset({"co", "dong y", "ok", "xac nhan", "yes", "dung", "dung roi"})
DECLINE_VOCABULARY = frozenset({"khong", "ko", "k", "no", "thoi", "bo qua", "sai"})
#: channels whose unknown senders get no account row until they bind to an official: a web
#: session id is minted freely by any page load, a Telegram or Zalo id is a platform account
#: (whose row carries its blocked status and Zalo's reply window)
UNSTORED_STRANGERS = frozenset({"web"})


def typed_command(text: str) -> tuple[str, str] | None:
    """The command a message is: '/…' (bot/router.py), "huỷ" typed alone (/huy) or "quay lại"
    typed alone (/quaylai)."""
    command = parse_command(text)
    if command is None:
        typed = " ".join(text.casefold().strip(" .!").split())
        if typed in T.CANCEL_WORDS:
            return "huy", ""
        if typed in T.BACK_WORDS:
            return "quaylai", ""
    return command


def _dedupe_statement(dialect: Any) -> Any:
    # Core, built once: one statement (no savepoint around a failing INSERT), a repeat inserts
    # no row
    table = InboundUpdate.__table__
    return dialect.insert(table).values(
        channel=bindparam("p_channel"), update_id=bindparam("p_key"),
        received_at=bindparam("p_now")).on_conflict_do_nothing()


# the event's statements run precompiled on the DBAPI cursor (bot/db/precompiled.py): no
# SQLAlchemy execution context per statement
_RECORD_KEYS = ("p_channel", "p_key", "p_now")
#: on PostgreSQL bot.locks.LOCK_CHAT_AND_RECORD takes the chat's lock in the same statement
_DEDUPE_SQLITE = Precompiled(_dedupe_statement(sqlite), keys=_RECORD_KEYS)
_LOCK_CHAT_AND_RECORD = Precompiled(LOCK_CHAT_AND_RECORD, keys=(*_RECORD_KEYS, "p_lock"))
_LOCK_CHAT = Precompiled(LOCK_CHAT, keys=("p_lock",))
_ACCOUNTS = cast(Table, ChatAccount.__table__)
_STATES = cast(Table, ConversationState.__table__)
_ACCOUNT_WHERE = (_ACCOUNTS.c.channel == bindparam("p_channel"),
                  _ACCOUNTS.c.external_id == bindparam("p_user"))
_STATE_WHERE = (_STATES.c.channel == bindparam("p_channel"),
                _STATES.c.chat_id == bindparam("p_chat"), _STATES.c.user_id == bindparam("p_user"))
#: what _open reads of the chat's conversation state
_STATE_COLUMNS = ("flow", "step", "data", "menu", "expires_at")
_OFFICIALS = cast(Table, Official.__table__)
_OFFICIAL_KEYS = tuple(column.key for column in _OFFICIALS.c)
#: read with the account, as columns of its statement: its official, the conversation state, the
#: knowledge generation (the Q&A path's first read, bot/db/guide_cache.py) and whether earlier
#: replies wait in the outbox (bot/replies.py): one round trip instead of five
_WITH_ACCOUNT = (
    *(select(column).where(_OFFICIALS.c.id == _ACCOUNTS.c.official_id).correlate(_ACCOUNTS)
      .scalar_subquery().label(f"bound_{column.key}") for column in _OFFICIALS.c),
    *(select(_STATES.c[name]).where(*_STATE_WHERE).scalar_subquery().label(f"state_{name}")
      for name in _STATE_COLUMNS),
    changes.generation_column(changes.KNOWLEDGE).label("knowledge_generation"),
    WAITING.exists().label("replies_waiting"),
)
#: the parameters of the statements reading _WITH_ACCOUNT
_READ_KEYS = ("p_channel", "p_user", "p_chat", "p_address")
_ACCOUNT = Precompiled(select(*_ACCOUNTS.c, *_WITH_ACCOUNT).where(*_ACCOUNT_WHERE),
                       keys=_READ_KEYS)
#: the same without an account (one row, no FROM): a sender troly has no account of yet (a web
#: chat stranger, a first message) reads what the event needs in one statement too
_NO_ACCOUNT = Precompiled(select(*_WITH_ACCOUNT[len(_OFFICIALS.c):]), keys=_READ_KEYS)
#: the account, noted as heard from (and active again if it was not) in the statement loading
#: it. Core on the session's connection, not the ORM's bulk UPDATE (several times the CPU)
_TOUCH_ACCOUNT = Precompiled(
    update(_ACCOUNTS).where(*_ACCOUNT_WHERE)
    .values(last_inbound_at=bindparam("p_now"), status="active",
            status_changed_at=case((_ACCOUNTS.c.status != "active", bindparam("p_now")),
                                   else_=_ACCOUNTS.c.status_changed_at))
    .returning(*_ACCOUNTS.c, *_WITH_ACCOUNT), keys=(*_READ_KEYS, "p_now"))
_ACCOUNT_KEYS = tuple(column.key for column in _ACCOUNTS.c)


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What _open read besides the account: its official (None: not bound), the state's columns
    (None: no row), and whether earlier replies wait in the outbox (None: not asked)."""

    official: Official | None
    state: tuple[Any, ...] | None
    replies_waiting: bool | None


@dataclass(frozen=True, slots=True)
class _Fed:
    """What processing an event gave: its replies (committed), and whether earlier replies to
    the chat still wait in the outbox (asked in the event's transaction; None: not asked)."""

    replies: list[OutgoingMessage]
    replies_waiting: bool | None = None
    #: a press's keyboard is spent as committed (a choice from it was recorded, by this press or
    #: an earlier one); None: not known here (not a press, rolled back, a repeat dropped)
    keyboard_spent: bool | None = None


def _attached(session: AsyncSession, row: tuple[Any, ...]) -> ChatAccount:
    """The account of a Core row as a persistent object of `session` (handlers change it); the
    session's own object when a handler loaded it before asking for ctx.account."""
    values = dict(zip(_ACCOUNT_KEYS, row, strict=False))
    loaded = session.identity_map.get(
        inspect(ChatAccount).identity_key_from_primary_key((values["id"],)))
    if loaded is not None:
        return loaded
    account = ChatAccount(**values)
    make_transient_to_detached(account)  # as if loaded: nothing to flush
    session.add(account)
    return account


def _loaded(session: AsyncSession, extra: dict[str, Any]) -> _Loaded:
    """The columns _WITH_ACCOUNT added to the account's row (or _NO_ACCOUNT's row), by key."""
    official = None
    if extra.get("official_id") is not None:  # the account's own column: bound
        official = Official(**{key: extra[f"bound_{key}"] for key in _OFFICIAL_KEYS})
        make_transient_to_detached(official)  # as if loaded: handlers may change it
        session.add(official)
    state = tuple(extra[f"state_{name}"] for name in _STATE_COLUMNS)
    # every column NULL: no row (or one holding nothing, which loads the same)
    changes.remember(session, changes.KNOWLEDGE, extra["knowledge_generation"])
    return _Loaded(official, state if any(v is not None for v in state) else None,
                   bool(extra["replies_waiting"]))


_STATE_KEYS = ("p_channel", "p_chat", "p_user")


def _state_writes(columns: tuple[str, ...]) -> tuple[Precompiled, Precompiled]:
    """The UPDATE and the INSERT writing `columns` of a chat's state (parameters v_<column>
    and _STATE_KEYS)."""
    values = {name: bindparam(f"v_{name}", type_=_STATES.c[name].type) for name in columns}
    keys = (*_STATE_KEYS, *(f"v_{name}" for name in columns))
    saved = update(_STATES).where(*_STATE_WHERE).values(version=_STATES.c.version + 1, **values)
    first = insert(_STATES).values(
        channel=bindparam("p_channel"), chat_id=bindparam("p_chat"), user_id=bindparam("p_user"),
        version=1, **{"data": {}, **values})
    return Precompiled(saved, keys=keys), Precompiled(first, keys=keys)  # (one key set: see _write_state)


#: what _save_state writes: the menu alone (no flow changed or running), or the flow too
_MENU_WRITES = _state_writes(("menu", "updated_at"))
_FLOW_WRITES = _state_writes(("data", "expires_at", "flow", "menu", "step", "updated_at"))


def _write_state(session: Session, writes: tuple[Precompiled, Precompiled], chat: ChatRef,
                 user_id: str, values: dict[str, Any]) -> None:
    """In the session's greenlet (run_sync): the chat's state row updated, or inserted when it
    has none yet (`writes`: the UPDATE and the INSERT of `values`' columns)."""
    connection = session.connection()
    saved, first = writes
    params = {"p_channel": chat.channel, "p_chat": chat.chat_id, "p_user": user_id,
              **{f"v_{name}": value for name, value in values.items()}}
    # a value the chosen statement does not name would be dropped without a word (not an assert:
    # python -O would drop the check); the UPDATE and the INSERT take the same keys
    if params.keys() != saved.keys:
        raise ValueError(f"state write of {sorted(saved.keys)}: {sorted(params)}")
    if saved.run(connection, params).rowcount == 0:
        # the chat's first state (or its row was deleted: an unbind)
        first.run(connection, params)


class Refused(Exception):
    """An EventGuard refused the event: nothing of it is processed or stored."""


class Repeat(Exception):
    """A RecordsDelivery guard found the event processed before: everything this run did is
    rolled back and nothing is sent."""


class EventGuard(Protocol):
    """Credentials an edge checks inside the event's transaction (see Dispatcher.feed)."""

    async def before(self, ctx: Context) -> None:
        """Before routing; raise Refused to process nothing."""
        ...

    async def after(self, ctx: Context) -> None:
        """After routing, in the same transaction."""
        ...


class RecordsDelivery(EventGuard):
    """An EventGuard that records itself that its event was processed (a stored update's row,
    bot/channels/inbound_queue.py): the dispatcher then writes no `inbound_updates` key for it,
    and `after` raises Repeat when the event's effects were committed before."""

    async def replies_left(self, sessionmaker: async_sessionmaker[AsyncSession],
                           left: list[dict[str, Any]]) -> None:
        """While its replies are sent: record those still to send (to_payload; the first one's
        parts delivered in it), which a process taking the event after a crash sends instead
        of them all. Nothing by default."""


def is_database_busy(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked" (the busy timeout ran out)."""
    return "is locked" in str(exc.orig or exc).lower()


def vietnamese_count(number: int) -> str:
    """A count as Vietnamese write it: thousands grouped with dots ('4.000')."""
    return f"{number:,}".replace(",", ".")


def too_long(length: int) -> str:
    """The answer to a text of `length` characters, over MAX_TEXT_CHARS."""
    return T.MESSAGE_TOO_LONG.format(length=vietnamese_count(length),
                                     limit=vietnamese_count(MAX_TEXT_CHARS))


def _busy_text(event: InboundEvent) -> str:
    """The polite wait, with the message they sent quoted back (a file's or a photo's caption
    too; long ones shortened); never in a group (it may hold a code, not burnt since nothing was
    stored)."""
    typed = (event.text if isinstance(event, TextMessage)
             else event.caption if isinstance(event, FileReceived | UnsupportedMedia) else "")
    if typed.strip() and event.chat_kind != "group":
        typed = typed.strip()
        if len(typed) > BUSY_ECHO_CHARS:
            typed = typed[:BUSY_ECHO_CHARS].rstrip() + "…"
        return T.DATABASE_BUSY + T.DATABASE_BUSY_YOUR_TEXT.format(text=typed)
    return T.DATABASE_BUSY


class Dispatcher:
    """Feeds neutral events through the router inside one transaction per event."""

    def __init__(self, deps: Deps, sessionmaker: async_sessionmaker[AsyncSession], *,
                 router: Router) -> None:
        self._deps = deps
        self._router = router
        self._sessionmaker = sessionmaker
        self._locks = KeyedLocks()
        # SQLite has one writer: queueing our own transactions here is fairer and far faster than
        # letting them poll SQLite's busy handler (which gave 1–10 s tails under 20 concurrent chats).
        self._write_lock: asyncio.Lock | None = (
            asyncio.Lock() if deps.settings.is_sqlite else None
        )
        self._background: set[asyncio.Task[None]] = set()
        self._replies = ReplySender(sessionmaker, deps.clock, writes=self._serialised_writes)

    @property
    def deps(self) -> Deps:
        """The shared dependencies."""
        return self._deps

    async def handle(self, event: InboundEvent, channel: Channel, *,
                     guard: EventGuard | None = None,
                     working: contextlib.AbstractAsyncContextManager[object] | None = None,
                     before_send: Callable[[bool | None], Awaitable[None]] | None = None,
                     ) -> list[OutgoingMessage]:
        """Process an event, then send its replies on `channel` (after commit), in order.

        Every adapter's one call for an inbound event (tests/test_architecture.py). `working` is
        held while the event is processed, not while its replies are sent (Telegram's "typing…");
        `before_send` runs after the commit, before the first reply (Telegram collapses the
        keyboard a press chose from); it is given whether the press's keyboard is spent as
        committed (None: not known here, keyboard_used tells). A web edge's channel collects the
        replies for its response.
        """
        async with working if working is not None else contextlib.nullcontext():
            fed = await self._feed(event, guard)
        if before_send is not None:
            await before_send(fed.keyboard_spent)
        await self.deliver(event.chat, event.sender, fed.replies, channel,
                           waiting=fed.replies_waiting, guard=guard)
        return fed.replies

    async def resend(self, chat: ChatRef, sender: Sender, replies: list[OutgoingMessage],
                     channel: Channel, *, guard: EventGuard | None = None) -> list[ReplyResult]:
        """Send replies committed by a process that died before sending them (the inbound
        queue's recovery, bot/channels/inbound_queue.py): nothing is processed again; `guard`
        records how far this gets, as handle's does."""
        return await self.deliver(chat, sender, replies, channel, guard=guard)

    async def deliver(self, chat: ChatRef, sender: Sender, replies: list[OutgoingMessage],
                      channel: Channel, *, waiting: bool | None = None,
                      guard: EventGuard | None = None) -> list[ReplyResult]:
        """Send replies in order; a retryable failure goes to the outbox (bot/replies.py).

        handle's second half; edges call handle (or resend), never this (tests/test_architecture.py).
        `waiting`: whether earlier replies of the chat wait in the outbox, if already asked.
        A guard that records its event's delivery (RecordsDelivery) is told what is left to
        send whenever a platform message went out and more follow: a process dying in between
        leaves the rest alone to whoever takes the event (never what was delivered).
        """
        progress = (self._recorder(guard, replies)
                    if isinstance(guard, RecordsDelivery) else None)
        return await self._replies.deliver(chat, sender, replies, channel, waiting=waiting,
                                           progress=progress)

    def _recorder(self, guard: RecordsDelivery,
                  replies: list[OutgoingMessage]) -> Callable[[int, int], Awaitable[None]]:
        async def record(done: int, parts: int) -> None:
            left = [to_payload(m) for m in replies[done:]]
            if left and parts:
                left[0] = with_parts_sent(left[0], parts)
            try:
                async with self._serialised_writes():
                    await guard.replies_left(self._sessionmaker, left)
            except SQLAlchemyError:  # the sending goes on; a crash now resends from the last record
                logger.exception("recording the replies left to send failed")
        return record

    async def feed(self, event: InboundEvent, *,
                   guard: EventGuard | None = None) -> list[OutgoingMessage]:
        """Process one event; return the replies to send (already committed).

        handle's first half, and the tests' way to drive the core without a channel; edges call
        handle, never this (tests/test_architecture.py).

        `guard` checks an edge's credentials inside the event's transaction, where no other event
        of the chat can interleave (the web login, bot/web_login.py); Refused propagates.
        """
        return (await self._feed(event, guard)).replies

    async def _feed(self, event: InboundEvent, guard: EventGuard | None) -> _Fed:
        try:
            event = clean_event(event)  # the one boundary for text from people
        except UnpairedSurrogate:
            logger.info("refusing text with a lone surrogate from %s", event.chat)
            return _Fed([OutgoingMessage(T.TEXT_UNREADABLE)])  # nothing stored; the step stays
        async with self._locks.hold((event.chat.channel, event.chat.chat_id)):
            try:
                async with self._serialised_writes(), transaction(self._sessionmaker) as session:
                    opened = await self._open(session, event,
                                              recorded=isinstance(guard, RecordsDelivery))
                    if opened is None:  # a platform retry we already handled
                        return _Fed([])
                    ctx, waiting = opened
                    if guard is not None:
                        await guard.before(ctx)
                    spent = await self._route(ctx)
                    # long payloads become tokens in this transaction, before the menu is saved
                    ctx.replies = await button_payloads.shorten(session, ctx.replies, ctx.now,
                                                                self._deps.issued_tokens)
                    numbered_menu = self._number_choices(ctx)
                    ctx.replies = keyboards.stamp(ctx.replies)  # each keyboard is single-use
                    await self._save_state(ctx, numbered_menu)
                    if guard is not None:
                        await guard.after(ctx)
                    # asked in this transaction (with the account when it was loaded, else
                    # here), not in one of its own after the commit: a chat's replies are queued
                    # only while they are sent, and the edges send one chat's replies one event
                    # at a time (their per-chat queues), so none of this chat's is queued in
                    # between; one sent meanwhile only makes these queue behind it needlessly
                    if (waiting is None and ctx.replies
                            and event.chat.channel in QUEUED_CHANNELS):
                        waiting = await replies_waiting(session, event.chat)
                await self._after_commit(ctx)
                return _Fed(ctx.replies, waiting, spent)
            except Refused:
                raise  # nothing was processed (rolled back); the edge answers it
            except Repeat:  # processed before (rolled back): nothing to send again
                logger.info("dropping repeated update %s/%s", event.chat.channel,
                            event.dedupe_key)
                return _Fed([])
            except UserFacingError as exc:
                return _Fed([OutgoingMessage(exc.message)])
            except OperationalError as exc:
                if not is_database_busy(exc):
                    boundary_logger.exception("handler failed for %s", event.chat)
                    return _Fed([OutgoingMessage(T.GENERIC_ERROR)])
                # SQLite's one writer is held (a long import): not a bug; everything rolled
                # back, the step stays, and what they typed comes back so nothing is lost
                logger.warning("database busy for %s: %s", event.chat, exc.orig)
                return _Fed([OutgoingMessage(_busy_text(event))])
            except Exception:
                boundary_logger.exception("handler failed for %s", event.chat)
                return _Fed([OutgoingMessage(T.GENERIC_ERROR)])

    async def keyboard_used(self, chat: ChatRef, keyboard: str) -> bool:
        """Whether a choice was already made from this keyboard (a press on it is stale)."""
        async with reading(self._sessionmaker) as session:
            return await keyboards.is_used(session, chat, keyboard)

    def _serialised_writes(self) -> contextlib.AbstractAsyncContextManager[object]:
        return self._write_lock if self._write_lock is not None else contextlib.nullcontext()

    def serialised_writes(self) -> contextlib.AbstractAsyncContextManager[object]:
        """Hold while writing outside an event (SQLite: queue behind the events' transactions)."""
        return self._serialised_writes()

    async def _after_commit(self, ctx: Context) -> None:
        """Tell the role listeners; run the after-commit jobs and wait for them (bounded) before
        the replies go out: "Đã thêm hướng dẫn" read, the guide must answer the next question
        (the index rebuilt in the background after the reply answered it from the old one).
        Only this chat waits: the transaction and the write lock are released by now; the chat's
        lock is held on purpose, so that its next message (the web chat sends it at once) comes
        after these replies and is answered from the rebuilt index."""
        if ctx.roles_changed:
            for listener in self._deps.role_listeners:
                listener()
        tasks = []
        for job in ctx.after_commit:
            task = asyncio.create_task(job())
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            tasks.append(task)
        if tasks:  # a job that fails or outlasts the wait goes on as before, in the background
            await asyncio.wait(tasks, timeout=AFTER_COMMIT_WAIT_SECONDS)

    async def drain(self) -> None:
        """Wait for background work started by handlers (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    # ------------------------------------------------------------------ setup

    async def _open(self, session: AsyncSession, event: InboundEvent, *,
                    recorded: bool = False) -> tuple[Context, bool | None] | None:
        """The event's context; None when its key says it was processed before. `recorded`:
        its guard records that itself (RecordsDelivery), no `inbound_updates` key is written."""
        # the opening statements in one greenlet: each awaited call of an AsyncSession or an
        # AsyncConnection (the connection, each statement) spawns a greenlet of its own
        read = await session.run_sync(self._read, session, event, recorded)
        if read is None:  # a platform retry we already handled
            return None
        account_of, loaded = read
        official = loaded.official
        if official is not None and official.status != "active":
            official = None
        ctx = Context(event=event, deps=self._deps, session=session, account_of=account_of,
                      official=official)
        state = loaded.state
        if state is not None:
            flow, step, data, menu, expires_at = state
            ctx.menu = Menu.of(menu)
            if flow is not None and step is not None:
                ctx.flow_state = FlowState(flow=flow, step=step, data=dict(data or {}))
                ctx.flow_expires_at = expires_at
        return ctx, loaded.replies_waiting

    def _read(self, sync_session: Session, session: AsyncSession, event: InboundEvent,
              recorded: bool) -> tuple[Callable[[], ChatAccount], _Loaded] | None:
        """In the session's greenlet (run_sync): the dedupe key, the chat's lock, the account.
        None: a repeat."""
        # the hot statements run as Core on the session's connection: no autoflush, no ORM
        # compile or unit-of-work step per statement (the ORM's overhead was most of their CPU)
        connection = sync_session.connection()
        # PostgreSQL: serialise one chat across processes for the rest of this transaction
        lock = chat_lock_key(event.chat) if connection.dialect.name == "postgresql" else None
        if event.dedupe_key and not recorded:
            if not self._first_delivery(connection, event, lock):
                return None
        elif lock is not None and not begin_with(connection, lock_chat_literal(lock)):
            # (asyncpg: the transaction's BEGIN and the lock went as one message, one round
            # trip; else, the lock alone)
            _LOCK_CHAT.run(connection, {"p_lock": lock})
        return self._account(sync_session, session, connection, event)

    def _first_delivery(self, connection: Connection, event: InboundEvent,
                        lock: int | None) -> bool:
        """Record the update's key (taking the chat's lock first, when given); False: a repeat."""
        assert event.dedupe_key is not None
        values = {"p_channel": event.chat.channel, "p_key": event.dedupe_key,
                  "p_now": self._deps.clock.now()}
        if lock is None:  # SQLite
            inserted = _DEDUPE_SQLITE.run(connection, values)
        else:  # the advisory lock in the same statement: one round trip, not two
            inserted = _LOCK_CHAT_AND_RECORD.run(connection, {**values, "p_lock": lock})
        if inserted.rowcount == 0:
            logger.info("dropping repeated update %s/%s", event.chat.channel, event.dedupe_key)
            return False
        return True

    def _account(self, sync_session: Session, session: AsyncSession, connection: Connection,
                 event: InboundEvent) -> tuple[Callable[[], ChatAccount], _Loaded]:
        """The sender's account (built when the handler asks for it: Context.account) and what
        was read with it."""
        now = self._deps.clock.now()
        chat = event.chat
        params = {"p_channel": chat.channel, "p_user": event.sender.user_id, "p_now": now,
                  "p_chat": chat.chat_id, "p_address": chat.chat_id}
        # reading (a receipt) is not an interaction; leaving is not one either
        touched = not isinstance(event, Unsubscribed | MessagesSeen | ChatMoved)
        read = (_TOUCH_ACCOUNT if touched else _ACCOUNT).run(connection, params)
        row = read.first()
        if row is not None:
            # noted as heard from, and active again if it was not (they came back: unblocked,
            # followed again), by _TOUCH_ACCOUNT
            return (functools.partial(_attached, session, row),
                    _loaded(session, read.mapping(row)))
        account = ChatAccount(channel=chat.channel, external_id=event.sender.user_id,
                              chat_id=event.sender.user_id, created_at=now, status="active",
                              display_name=event.sender.display_name,
                              last_inbound_at=now if touched else None)
        if chat.channel not in UNSTORED_STRANGERS \
                and not isinstance(event, MessagesSeen | ChatMoved):
            sync_session.add(account)
            sync_session.flush()
        # else: kept out of the session; people_store.redeem_invitation stores it on binding (a
        # receipt from a stranger, e.g. of a message an operator sent from the OA console, stores
        # nobody)
        # a new account: bound to nobody yet; its state (a stranger's web session has one), the
        # knowledge generation and the outbox in one statement
        read = _NO_ACCOUNT.run(connection, params)
        [row] = read.rows
        return lambda: account, _loaded(session, read.mapping(row))

    # ------------------------------------------------------------------ routing

    async def _route(self, ctx: Context) -> bool | None:
        """Route the event; for a press with a keyboard, True (its keyboard is spent now)."""
        router = self._router
        spent: bool | None = None
        event = ctx.event
        if isinstance(event, Resubscribed | Interacted):
            return None  # _account marked the account active and noted the interaction: nothing to say
        if isinstance(event, ChatMoved):  # a service message: the chat's new id, no answer
            await move_chat(ctx.session, event.chat.channel, event.chat.chat_id,
                            event.new_chat_id, ctx.now)
            return None
        if isinstance(event, MessagesSeen):  # a read receipt: noted on what was sent, no answer
            seen = await outbox.mark_seen(ctx.session, event.chat.channel, event.chat.chat_id,
                                          event.message_ids, event.at)
            logger.debug("%d message(s) seen in %s", seen, event.chat)
            return None
        if isinstance(event, Subscribed | Unsubscribed | UnsupportedMedia):
            handler = (router.on_subscribed if isinstance(event, Subscribed)
                       else router.on_unsubscribed if isinstance(event, Unsubscribed)
                       else router.on_unsupported)
            if handler is not None:
                await handler(ctx)
            if not isinstance(event, UnsupportedMedia) or not event.caption.strip():
                return None
            # a photo with a caption: its notice said, the caption is answered as if typed
            ctx.event = event = TextMessage(chat=event.chat, sender=event.sender, at=event.at,
                                            dedupe_key=event.dedupe_key, text=event.caption,
                                            chat_kind=event.chat_kind)
        if isinstance(event, TextMessage):
            if len(event.text) > MAX_TEXT_CHARS:
                ctx.reply(too_long(len(event.text)))
                return None
            chosen = self._numbered_choice(ctx, event)
            if chosen is None:  # a number not in the list: said so, nothing done
                return None
            ctx.event = event = chosen
        if isinstance(event, ButtonPressed):
            resolved = await button_payloads.resolve(ctx.session, event.payload, ctx.now)
            if resolved is None:  # an expired token: its meaning is gone
                ctx.reply(T.BUTTON_EXPIRED)
                return None
            ctx.event = event = replace(event, payload=resolved)
            if event.keyboard:
                spent = True  # by this press, or by an earlier one
                if not await keyboards.consume(ctx.session, event.chat, event.keyboard,
                                               ctx.now):
                    ctx.reply(T.ALREADY_CHOSEN)  # a second choice from one keyboard: no action
                    return spent
        if ctx.in_group and ctx.flow_state is not None:
            ctx.end_flow()  # conversations run in private chats only (a state from before that rule)
        await self._expire_flow(ctx)  # queues the expiry notice; the message is routed afresh
        command = typed_command(event.text) if isinstance(event, TextMessage) else None
        if command is not None:
            await self._run_command(ctx, *command)
        elif ctx.flow_state is not None and isinstance(event, TextMessage | ButtonPressed):
            if not (isinstance(event, ButtonPressed) and await self._global_button(ctx, event)):
                await self._run_step(ctx)
        elif isinstance(event, ButtonPressed):
            await self._run_button(ctx, event)
        elif isinstance(event, FileReceived):
            if ctx.in_group:  # never downloaded there (the edge passes no content)
                ctx.reply(file_in_group_note(ctx))
            elif router.file_handler is None:
                ctx.reply(T.FILES_NOT_SUPPORTED_HERE)
            else:
                await router.file_handler(ctx)
            if event.caption.strip():
                if ctx.flow_started:  # the conversation the file began reads it ("thay thế …")
                    return await self._route_caption(ctx, event)
                await self._caption_not_read(ctx, event)
        elif (fallback := router.fallback_for(ctx)) is not None:
            await fallback.handler(ctx)
        await self._prompt_new_flow(ctx)
        return spent

    @staticmethod
    async def _caption_not_read(ctx: Context, event: FileReceived) -> None:
        """The caption of a file that began no conversation (refused: not an admin, a type or
        a place troly does not take; or a table's preview) is no question: never answered or
        queued for admins (it is mostly the file's description). The refusal says so; in a
        group a code in it is burnt, everyone saw it (as when typed there)."""
        if ctx.in_group:
            for word in event.caption.split():
                code = people_store.invitation_key(word.lstrip("/").partition("@")[0])
                if people_store.looks_like_code(code):
                    await people_store.revoke_invitation(ctx.session, code, ctx.now)
        if ctx.replies and not ctx.replies[-1].buttons:  # a refusal: no choice under it
            last = ctx.replies[-1]
            ctx.replies[-1] = replace(last, text=last.text + T.CAPTION_NOT_READ)

    async def _route_caption(self, ctx: Context, event: FileReceived) -> bool | None:
        """A file's caption, handled as the text typed right after the file: in the flow the
        file started (the guide upload's summary, whose prompt then follows the caption's
        answer: "thay thế HD-03" sets what it replaces), else as any typed text."""
        ctx.flow_expires_at = None  # expiry was checked for this event; a new flow is fresh
        ctx.event = TextMessage(chat=event.chat, sender=event.sender, at=event.at,
                                dedupe_key=event.dedupe_key, text=event.caption,
                                message_id=event.message_id, chat_kind=event.chat_kind)
        return await self._route(ctx)

    @staticmethod
    def _numbered_choice(ctx: Context, event: TextMessage) -> TextMessage | ButtonPressed | None:
        """'2' picks the second option of the last numbered menu (channels without buttons, or
        choices listed by number where a message carries too few buttons), a final choice's
        name typed picks it ("gửi báo cáo"); a number outside a menu that asked for a number
        gets the valid range, and nothing is done (None): never the choice after the list. An
        item that acts for good (Button.confirm_typed) is named back first (None), and pressed
        when its number, or "có", is typed next."""
        menu = ctx.menu
        if menu is None:
            return event
        choice = event.text.strip().rstrip(".)")
        number = int(choice) if choice.isascii() and choice.isdigit() and len(choice) <= 3 \
            else None
        payload: str | None = None
        if menu.pending is not None:  # asked once: whatever comes next ends the question
            pending, ctx.menu = menu.pending, replace(menu, pending=None)
            menu = ctx.menu
            said = typed_name(event.text)
            if number == pending + 1 or said in CONFIRM_VOCABULARY:
                payload = menu.numbered[pending]
            elif said in DECLINE_VOCABULARY:
                ctx.reply(T.TYPED_CHOICE_DROPPED)
                ctx.menu_kept = True
                return None
        if payload is None and number is not None:
            index = number - 1
            if 0 <= index < len(menu.numbered):
                label = menu.asked_label(index)
                if label is not None:
                    ctx.reply(T.TYPED_CHOICE_CONFIRM.format(number=number, label=label))
                    ctx.menu, ctx.menu_kept = replace(menu, pending=index), True
                    return None
                payload = menu.numbered[index]
            elif menu.strict:
                ctx.reply(Dispatcher._not_listed(ctx, menu, number))
                ctx.menu_kept = True
                return None
        elif payload is None:  # a final choice's name, or the word of a way out or back listed
            payload = menu.named_payload(event.text) or menu.word_payload(event.text)
        if payload is None:
            return event
        return ButtonPressed(chat=event.chat, sender=event.sender, at=event.at,
                             payload=payload, chat_kind=event.chat_kind)

    @staticmethod
    def _not_listed(ctx: Context, menu: Menu, number: int) -> str:
        """"Số 12 không có trong danh sách…": the range, and how the final choices are made."""
        last = len(menu.numbered)
        text = (T.NUMBER_NOT_LISTED.format(number=number, last=last) if last > 1
                else T.NUMBER_NOT_LISTED_ONE.format(number=number) if last == 1
                else T.NUMBER_NOT_LISTED_NONE.format(number=number))
        if menu.named:
            labels = T.OR.join(f"\u201c{label}\u201d" for label, _ in menu.named)
            text += (T.FINAL_BY_BUTTON_OR_NAME if ctx.can_show_buttons
                     else T.FINAL_BY_NAME).format(labels=labels)
        return text

    async def _run_command(self, ctx: Context, name: str, args: str) -> None:
        if name in CANCEL_COMMANDS:
            await self._cancel_flow(ctx)
            return
        if name in BACK_COMMANDS:
            if ctx.flow_state is None:
                ctx.reply(T.NOTHING_TO_GO_BACK)
            else:
                await self._run_step(ctx)  # the engine reads the typed /quaylai there
            return
        command = self._router.commands.get(name)
        if command is None:
            if ctx.in_group:  # '/<a code>' is a code everyone saw: burnt, and never repeated
                if people_store.looks_like_code(name):
                    await people_store.revoke_invitation(ctx.session, name, ctx.now)
                ctx.reply(T.UNKNOWN_COMMAND_IN_GROUP)
                return
            ctx.reply(T.UNKNOWN_COMMAND.format(command="/" + name))
            return
        if ctx.in_group and not command.group_safe:
            self._private_only(ctx)
            return
        if ctx.role not in command.roles:
            ctx.reply(T.NEEDS_REGISTRATION if ctx.official is None else T.NOT_ALLOWED)
            return
        ctx.event = replace(ctx.event, text=args) if isinstance(ctx.event, TextMessage) else ctx.event
        await command.handler(ctx)

    async def _run_button(self, ctx: Context, event: ButtonPressed) -> None:
        prefix, arg = split_payload(event.payload)
        handler = self._router.buttons.get(prefix)
        if handler is None:
            ctx.reply(T.UNKNOWN_BUTTON)
            return
        if ctx.in_group and prefix not in self._router.group_safe_buttons:
            self._private_only(ctx)
            return
        await handler(ctx, arg)

    def _private_only(self, ctx: Context) -> None:
        """In a group, a command or button with private data gets this note and nothing else."""
        ctx.reply(private_chat_note(ctx))

    async def _global_button(self, ctx: Context, event: ButtonPressed) -> bool:
        """Buttons that belong to no flow (e.g. 'see also') still work during a flow."""
        prefix, arg = split_payload(event.payload)
        assert ctx.flow_state is not None
        if (prefix.startswith(ctx.flow_state.flow) or prefix not in self._router.buttons
                or prefix == FlowBack.prefix):  # "Quay lại" is the flow's (_went_back)
            return False
        await self._router.buttons[prefix](ctx, arg)
        return True

    # ------------------------------------------------------------------ flows

    async def _run_step(self, ctx: Context) -> None:
        state = ctx.flow_state
        assert state is not None
        flow = self._router.flows.get(state.flow)
        if flow is None or state.step not in flow.steps:
            logger.warning("dropping unknown flow state %s/%s", state.flow, state.step)
            ctx.end_flow()
            return
        # a flow the file just started, its caption handled here: the step's prompt follows
        ctx.flow_started = False
        if await self._went_back(ctx, flow, state):
            return
        next_step = await flow.step(state.step).handle(ctx, state)
        if ctx.flow_state is not state:  # the handler ended or replaced the flow itself
            return
        ctx.flow_changed = True
        if next_step == END:
            ctx.flow_state = None
            return
        if next_step is not None:
            state.step = next_step
        await ask(ctx, flow, state)

    @staticmethod
    async def _went_back(ctx: Context, flow: Flow, state: FlowState) -> bool:
        """"Quay lại" pressed or /quaylai typed: the step before is asked again, the state as it
        is (True); or, where there is no way back (an older message's button, a step without
        one), said so and the step asked again (True). False: not a way back."""
        event = ctx.event
        if isinstance(event, ButtonPressed):
            pressed = FlowBack.unpack(event.payload)
            if pressed is None:
                return False
        elif isinstance(event, TextMessage) and (
                (command := typed_command(event.text)) is not None
                and command[0] in BACK_COMMANDS):
            pressed = None  # typed: the step being asked
        else:
            return False
        # the same way back the button was shown from (a target names a step: Flow checks it)
        to = flow.way_back(state)
        ctx.flow_changed = True
        if pressed is not None and (pressed.step, pressed.at) != (
                state.step, to.mark() if to is not None else ""):
            ctx.reply(T.OLD_BACK_BUTTON)  # shown at another step, or where it led elsewhere
        elif to is None:
            ctx.reply(T.NO_WAY_BACK_HERE)
        else:
            go_back(state, to)
        await ask(ctx, flow, state)
        return True

    async def _prompt_new_flow(self, ctx: Context) -> None:
        state = ctx.flow_state
        if state is None or not ctx.flow_started:
            return
        ctx.flow_started = False
        await ask(ctx, self._router.flows[state.flow], state)

    async def _cancel_flow(self, ctx: Context) -> None:
        if ctx.flow_state is None:
            ctx.reply(T.NOTHING_TO_CANCEL)
        else:
            await self._leave_flow(ctx, lambda flow: flow.on_cancel, T.CANCELLED)

    async def _expire_flow(self, ctx: Context) -> None:
        expires_at = ctx.flow_expires_at
        if ctx.flow_state is not None and expires_at is not None and expires_at <= ctx.now:
            await self._leave_flow(ctx, lambda flow: flow.on_expire, T.FLOW_EXPIRED)

    async def _leave_flow(self, ctx: Context, hook_of: Callable[[Flow], FlowHook | None],
                          default_text: str) -> None:
        """End the active flow, letting it say what was kept (its hook) or a default line."""
        state = ctx.flow_state
        assert state is not None
        flow = self._router.flows.get(state.flow)
        hook = hook_of(flow) if flow is not None else None
        if hook is not None:
            await hook(ctx, state)
        else:
            ctx.reply(default_text)
        ctx.end_flow()

    # ------------------------------------------------------------------ state

    async def _save_state(self, ctx: Context, numbered_menu: Menu | None = None) -> None:
        menu = self._menu_of(ctx, numbered_menu)
        if not ctx.flow_changed and (not ctx.replies or (menu is None and ctx.menu is None)):
            return  # nothing said (a read receipt): the menu stays what it was
        values: dict[str, Any] = {"menu": menu.to_json() if menu is not None else None,
                                  "updated_at": ctx.now}
        writes = _MENU_WRITES
        state = ctx.flow_state
        if ctx.flow_changed or state is not None:
            writes = _FLOW_WRITES
            if state is not None:
                state.check_json()
            idle = timedelta(minutes=self._deps.settings.conversation_idle_minutes)
            values.update(flow=state.flow if state else None, step=state.step if state else None,
                          data=dict(state.data) if state else {},
                          expires_at=ctx.now + idle if state else None)
        # the connection and the statements in one greenlet (each awaited call spawns one)
        await ctx.session.run_sync(_write_state, writes, ctx.event.chat,
                                   ctx.event.sender.user_id, values)

    @staticmethod
    def _menu_of(ctx: Context, numbered_menu: Menu | None) -> Menu | None:
        """The options a typed number picks from now: the last reply's with choices (an event
        answered with nothing, a read receipt, or a number refused as not in the list, keeps
        the menu it found)."""
        if not ctx.replies or (ctx.menu_kept and not any(m.buttons for m in ctx.replies)):
            return ctx.menu
        if ctx.can_show_buttons:
            return numbered_menu
        with_buttons = [m for m in ctx.replies if m.buttons]
        if not with_buttons:
            return None
        # a typed number that is the step's answer (a percentage) leaves only names to type
        return menu_of_buttons(with_buttons[-1])

    @staticmethod
    def _number_choices(ctx: Context) -> Menu | None:
        """Replies whose choices may be typed and do not fit one message of this channel as
        buttons get them numbered in their text (bot/messages.py, numbered_options); the
        options of the last such reply, when no reply with buttons follows it (what a typed
        number picks)."""
        limit = ctx.button_limit
        if limit is None or not ctx.can_show_buttons:
            return None
        menu: Menu | None = None
        replies: list[OutgoingMessage] = []
        for message in ctx.replies:
            numbered = numbered_options(message, limit)
            if numbered is not None:
                message, menu = numbered
            elif message.buttons:
                menu = None
            replies.append(message)
        ctx.replies = replies
        return menu
