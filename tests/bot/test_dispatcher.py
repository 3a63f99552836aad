"""The dispatcher through the real app: flows, restart, cancel, expiry, numbered options, errors."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from bot.app import App
from bot.channel import Capability
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import Context
from bot.conversation import END, Flow, Step
from bot.db.models import ChatAccount, ConversationState, InboundUpdate, Official, Synonym
from bot.events import ButtonPressed, ChannelName, ChatRef, FileReceived, Sender, TextMessage
from bot.flow_state import FlowState
from bot.locks import chat_lock_key
from bot.messages import Button, OutgoingMessage
from bot.router import Command
from bot.texts import common as T
from bot.texts import guide_upload as UT
from bot.texts import guides as G
from tests.fakes import FakeChannel
from tests.harness import (
    BotHarness,
    engine_statements,
    fits,
    payloads,
    recorded_statements,
    texts,
)

# A two-question toy flow: name, then a colour chosen by button; 'boom' raises mid-step.


async def ask_name(ctx: Context, state: FlowState) -> None:
    ctx.reply("Tên anh/chị là gì?")


async def got_name(ctx: Context, state: FlowState) -> str | None:
    if ctx.text == "boom":
        ctx.session.add(Synonym(term="written-before-crash", expansions=["x"]))
        raise RuntimeError("handler bug")
    if ctx.text.startswith("locked"):  # what SQLite says while a long import holds the writer
        ctx.session.add(Synonym(term="written-before-lock", expansions=["x"]))
        raise OperationalError("INSERT INTO synonyms …", {},
                               sqlite3.OperationalError("database is locked"))
    if not ctx.text.strip():
        ctx.reply("Tên không được để trống.")
        return None
    state.data["name"] = ctx.text.strip()
    return "colour"


async def ask_colour(ctx: Context, state: FlowState) -> None:
    ctx.reply("Chọn màu:", [Button("Đỏ", "toy:red"), Button("Xanh", "toy:blue")])


async def got_colour(ctx: Context, state: FlowState) -> str | None:
    if not ctx.payload.startswith("toy:"):
        ctx.reply("Vui lòng chọn một màu.")
        return None
    ctx.reply(f"Xong: {state.data['name']} thích {ctx.payload[4:]}.")
    return END


async def toy_expired(ctx: Context, state: FlowState) -> None:
    ctx.reply(f"Hết giờ; đã giữ tên {state.data.get('name', '?')}.")


TOY = Flow("toy", first="name", steps={"name": Step(ask_name, got_name),
                                       "colour": Step(ask_colour, got_colour)},
           on_expire=toy_expired)


async def start_toy(ctx: Context) -> None:
    ctx.start_flow("toy")


async def locked(ctx: Context) -> None:
    raise OperationalError("INSERT INTO synonyms …", {},
                           sqlite3.OperationalError("database is locked"))


def add_toy(app: App) -> None:
    app.router.flow(TOY)
    app.router.command(Command(("toy",), start_toy, "thử"))
    app.router.command(Command(("toybusy",), locked, "bận", group_safe=True))


@pytest.fixture
async def toy(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    console = FakeChannel(name="console", capabilities=frozenset())
    h = await BotHarness(settings, clock, {"console": console}, extra_setup=[add_toy]).start()
    yield h
    await h.close()


# web: a stranger has no account row, its state is read on its own; telegram: with the account
@pytest.mark.parametrize("channel", ["web", "telegram"])
async def test_flow_survives_restart_at_every_step(toy: BotHarness, channel: ChannelName) -> None:
    assert "Tên" in texts(await toy.say("/toy", channel=channel))
    await toy.restart()
    replies = await toy.say("Lan", channel=channel)
    assert payloads(replies) == ["toy:red", "toy:blue"]
    await toy.restart()
    assert "Xong: Lan thích blue." in texts(await toy.press("toy:blue", channel=channel))
    # the flow ended: plain text is a question again, not a colour
    assert "Vui lòng chọn" not in texts(await toy.say("Lan", channel=channel))


async def test_invalid_answer_reasks_same_step(toy: BotHarness) -> None:
    await toy.say("/toy")
    await toy.say("Lan")
    replies = await toy.say("tím")
    assert "Vui lòng chọn một màu." in texts(replies)
    assert payloads(replies) == ["toy:red", "toy:blue"]


async def test_error_rolls_back_and_keeps_step(
    toy: BotHarness, error_boundary: list[logging.LogRecord],
) -> None:
    await toy.say("/toy")
    replies = await toy.say("boom")
    assert texts(replies) == T.GENERIC_ERROR
    assert len(error_boundary) == 1  # the catch-all fired, on purpose here
    async with toy.app.sessionmaker() as session:
        assert await session.get(Synonym, "written-before-crash") is None
        state = await session.get(ConversationState, ("web", "u1", "u1"))
        assert state is not None and state.step == "name"
    assert payloads(await toy.say("Lan")) == ["toy:red", "toy:blue"]


async def test_a_locked_database_is_a_polite_wait_and_keeps_the_input(toy: BotHarness) -> None:
    await toy.say("/toy")
    replies = await toy.say("locked: Nguyễn Văn A")
    text = texts(replies)
    assert T.DATABASE_BUSY in text
    # what they typed comes back, nothing is lost
    assert T.DATABASE_BUSY_YOUR_TEXT.format(text="locked: Nguyễn Văn A") in text
    async with toy.app.sessionmaker() as session:
        assert await session.get(Synonym, "written-before-lock") is None
        state = await session.get(ConversationState, ("web", "u1", "u1"))
        assert state is not None and state.step == "name"  # same question, asked again later
    assert payloads(await toy.say("Lan")) == ["toy:red", "toy:blue"]


async def test_a_locked_database_keeps_a_file_s_caption(toy: BotHarness) -> None:
    """When the database is too busy to take a file, its caption comes back as typed text does
    (the file is sent again anyway)."""
    toy.app.router.file_handler = locked
    file = FileReceived(chat=ChatRef("web", "u1"), sender=Sender("u1"), at=toy.clock.now(),
                        file_name="ghichu.txt", size=1, content=b"x",
                        caption="Nguyễn Văn A")
    text = texts(await toy.app.dispatcher.feed(file))
    assert T.DATABASE_BUSY_YOUR_TEXT.format(text="Nguyễn Văn A") in text


async def test_a_refused_file_s_caption_is_not_the_step_s_answer(toy: BotHarness) -> None:
    """A file troly does not take (an official is no admin) sent with a caption in the middle of
    a conversation: the refusal, saying the caption was not read, is the only reply; the caption
    is not taken as the step's answer (it was: "Lan" became the name)."""
    await toy.say("/toy")
    file = FileReceived(chat=ChatRef("web", "u1"), sender=Sender("u1"), at=toy.clock.now(),
                        file_name="ghichu.txt", size=1, content=b"x", caption="Lan")
    replies = await toy.app.dispatcher.feed(file)
    assert [m.text for m in replies] == [G.ONLY_ADMINS_UPLOAD + T.CAPTION_NOT_READ]
    async with toy.app.sessionmaker() as session:
        state = await session.get(ConversationState, ("web", "u1", "u1"))
        assert state is not None and state.step == "name" and "name" not in state.data
    assert payloads(await toy.say("Mai")) == ["toy:red", "toy:blue"]


async def test_a_locked_database_in_a_group_repeats_nothing(toy: BotHarness) -> None:
    """In a group the wait is said without the message: it may hold a code (everyone saw it, and
    nothing was stored, so it was not burnt): troly does not post it again."""
    event = TextMessage(chat=ChatRef("telegram", "-100900"), sender=Sender("lan"),
                        at=toy.clock.now(), text="/toybusy K7QM2XPA9B", chat_kind="group")
    assert texts(await toy.app.dispatcher.feed(event)) == T.DATABASE_BUSY
    private = TextMessage(chat=ChatRef("telegram", "lan"), sender=Sender("lan"),
                          at=toy.clock.now(), text="/toybusy K7QM2XPA9B")
    assert T.DATABASE_BUSY_YOUR_TEXT.format(text="/toybusy K7QM2XPA9B") in texts(
        await toy.app.dispatcher.feed(private))


async def test_cancel_and_nothing_to_cancel(toy: BotHarness) -> None:
    assert T.NOTHING_TO_CANCEL in texts(await toy.say("/huy"))
    await toy.say("/toy")
    assert T.CANCELLED in texts(await toy.say("/huy"))
    async with toy.app.sessionmaker() as session:
        state = await session.get(ConversationState, ("web", "u1", "u1"))
        assert state is None or state.flow is None


async def test_expiry_says_what_was_kept(toy: BotHarness, clock: ManualClock) -> None:
    await toy.say("/toy")
    await toy.say("Lan")
    clock.advance(timedelta(minutes=toy.settings.conversation_idle_minutes + 1))
    replies = await toy.say("/trogiup")
    assert "Hết giờ; đã giữ tên Lan." in texts(replies)
    assert T.HELP_HEADER in texts(replies)


async def test_numbered_options_on_channel_without_buttons(toy: BotHarness) -> None:
    await toy.say("/toy", channel="console")
    await toy.say("Lan", channel="console")
    replies = await toy.say("2", channel="console")
    assert "Xong: Lan thích blue." in texts(replies)


async def test_number_is_text_where_buttons_exist(toy: BotHarness) -> None:
    await toy.say("/toy")
    await toy.say("Lan")
    assert "Vui lòng chọn một màu." in texts(await toy.say("2"))


async def test_two_messages_at_once_are_serialised(toy: BotHarness) -> None:
    await toy.say("/toy")
    first, second = await asyncio.gather(toy.say("Lan"), toy.say("Mai"))
    # one of them answered the name; the other was handled at the colour step
    assert sum("Vui lòng chọn một màu." in texts(r) for r in (first, second)) == 1


async def test_unknown_command_and_too_long_message(harness: BotHarness) -> None:
    assert "/khongco" in texts(await harness.say("/khongco"))
    assert texts(await harness.say("a" * 5000)) == T.MESSAGE_TOO_LONG.format(length="5.000",
                                                                            limit="4.000")
    # the limit is counted in characters as people read them (NFC): 4,000 letters pass
    assert T.MESSAGE_TOO_LONG.split("{")[0] not in texts(await harness.say("ệ" * 4000))


@pytest.mark.parametrize("channel", ["web", "telegram", "zalo"])
async def test_a_huge_message_mid_conversation_is_refused_and_the_step_stays(
        toy: BotHarness, channel: ChannelName) -> None:
    """The web chat takes a 64 KB body (some 20,000 Vietnamese letters): such a message is
    refused before any step, search or store reads it, and the conversation waits as it was."""
    await toy.say("/toy", channel=channel)
    huge = "Nguyễn Thị Lan " * 1500
    assert texts(await toy.say(huge, channel=channel)) == T.MESSAGE_TOO_LONG.format(
        length="22.500", limit="4.000")
    async with toy.app.sessionmaker() as session:
        state = await session.get(ConversationState, (channel, "u1", "u1"))
        assert state is not None and state.step == "name" and "name" not in state.data
    assert payloads(await toy.say("Lan", channel=channel)) == ["toy:red", "toy:blue"]


async def test_repeated_platform_update_is_dropped(harness: BotHarness) -> None:
    event = TextMessage(chat=ChatRef("telegram", "7"), sender=Sender("7"), at=harness.clock.now(),
                        text="/trogiup", dedupe_key="update-1")
    assert await harness.app.dispatcher.feed(event)
    assert await harness.app.dispatcher.feed(event) == []
    async with harness.app.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(InboundUpdate))
        assert count == 1


async def test_admin_commands_refused_to_guests_and_officials(harness: BotHarness) -> None:
    assert T.NEEDS_REGISTRATION in texts(await harness.say("/chuatraloi"))
    await harness.make_official("Lan", user="u2")
    assert T.NOT_ALLOWED in texts(await harness.say("/chuatraloi", user="u2"))


async def test_blocked_account_reactivated_on_message(harness: BotHarness) -> None:
    # a platform account (web strangers get no row: bot/dispatcher.py UNSTORED_STRANGERS)
    await harness.say("/start", channel="telegram")
    async with harness.app.sessionmaker.begin() as session:
        account = (await session.execute(select(ChatAccount))).scalar_one()
        account.status = "blocked"
    harness.clock.advance(timedelta(minutes=5))
    came_back = harness.clock.now()
    await harness.say("/start", channel="telegram")
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount))).scalar_one()
        assert account.status == "active"
        assert account.status_changed_at == came_back
        assert account.last_inbound_at == came_back
    harness.clock.advance(timedelta(minutes=5))
    await harness.say("/trogiup", channel="telegram")  # already active: only heard from again
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount))).scalar_one()
        assert (account.status, account.status_changed_at) == ("active", came_back)
        assert account.last_inbound_at == harness.clock.now()


async def test_an_event_reads_account_state_generation_and_outbox_in_one_statement(
        harness: BotHarness) -> None:
    """The touch of a known account returns what the event needs besides: its conversation state,
    the knowledge generation and whether replies wait in the outbox (no round trip each)."""
    await harness.say("/trogiup", channel="telegram")
    chat = ChatRef("telegram", "u1")
    question = TextMessage(chat=chat, sender=Sender("u1"), at=harness.clock.now(), text="/trogiup")
    with recorded_statements(harness.app) as statements:
        assert await harness.app.dispatcher.handle(question, FakeChannel(name="telegram"))
    reads = [s for s in statements
             if any(t in s for t in ("conversation_state", "change_counters", "outbox"))]
    assert len(reads) == 1 and reads[0].startswith("UPDATE chat_accounts"), statements


def test_console_capabilities_have_no_buttons() -> None:
    assert Capability.BUTTONS not in FakeChannel(capabilities=frozenset()).capabilities


async def test_group_message_does_not_redirect_private_chat(harness: BotHarness) -> None:
    group = TextMessage(chat=ChatRef("telegram", "-100"), sender=Sender("42"),
                        at=harness.clock.now(), text="/trogiup")
    await harness.app.dispatcher.feed(group)
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount))).scalar_one()
    assert account.chat_id == "42"


async def test_an_event_is_committed_and_closed_in_its_own_task(harness: BotHarness) -> None:
    """No task per transaction (SQLAlchemy's async context managers start two: the commit and the
    close, each shielded): the event's transaction, and a read of its own, end in the caller's
    task."""
    await harness.say("/trogiup", channel="telegram")
    loop = asyncio.get_running_loop()
    started: list[object] = []
    default = loop.get_task_factory()

    def counting(loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any) -> asyncio.Task[Any]:
        started.append(coro)
        return asyncio.Task(coro, loop=loop, **kwargs)

    loop.set_task_factory(counting)
    try:
        assert texts(await harness.say("/trogiup", channel="telegram"))
        # a read of its own (a press's keyboard, before it is answered) neither
        assert not await harness.app.dispatcher.keyboard_used(ChatRef("telegram", "u1"), "kb")
    finally:
        loop.set_task_factory(default)
    assert started == []


async def test_the_account_is_built_when_a_handler_asks_for_it(harness: BotHarness) -> None:
    """An event whose handler never uses its account builds no ORM object of it (the Q&A path);
    asked for after the handler loaded it, it is the session's own object; changed, it is
    stored."""
    await harness.say("/trogiup", channel="telegram")  # the account exists from here on
    built: list[list[ChatAccount]] = []

    def accounts_in(ctx: Context) -> list[ChatAccount]:
        return [o for o in ctx.session.identity_map.values() if isinstance(o, ChatAccount)]

    async def rename(ctx: Context) -> None:
        built.append(accounts_in(ctx))
        loaded = (await ctx.session.execute(select(ChatAccount))).scalar_one()
        assert ctx.account is loaded
        ctx.account.display_name = "Lan"
        ctx.reply("ok")

    async def untouched(ctx: Context) -> None:
        ctx.reply("ok")
        built.append(accounts_in(ctx))

    harness.app.router.command(Command(("doiten",), rename, "đổi tên"))
    harness.app.router.command(Command(("khong",), untouched, "không"))
    assert texts(await harness.say("/khong", channel="telegram")) == "ok"
    assert texts(await harness.say("/doiten", channel="telegram")) == "ok"
    assert built == [[], []]
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(ChatAccount.display_name))).scalar_one() == "Lan"
    # asked for first, it is the object a later load of the session finds
    async def asks_first(ctx: Context) -> None:
        account = ctx.account
        assert (await ctx.session.execute(select(ChatAccount))).scalar_one() is account
        assert account.display_name == "Lan" and account.last_inbound_at == ctx.now
        ctx.reply("ok")

    harness.app.router.command(Command(("truoc",), asks_first, "trước"))
    assert texts(await harness.say("/truoc", channel="telegram")) == "ok"


async def test_a_bound_accounts_official_comes_with_the_account(harness: BotHarness) -> None:
    """The official is read with the account (no query of its own) and is the session's object:
    what a handler changes on it is stored."""
    await harness.make_official("Lan", role="admin", user="u3")
    with recorded_statements(harness.app) as statements:
        assert T.NOT_ALLOWED not in texts(await harness.say("/chuatraloi", user="u3"))
    assert not [s for s in statements if s.startswith("SELECT officials")], statements

    async def rename(ctx: Context) -> None:
        assert ctx.official is not None and ctx.official.name == "Lan"
        assert await ctx.session.get(Official, ctx.official.id) is ctx.official
        ctx.official.name = "Lan Anh"
        ctx.reply("ok")

    harness.app.router.command(Command(("doiten",), rename, "đổi tên", roles=frozenset({"admin"})))
    assert texts(await harness.say("/doiten", user="u3")) == "ok"
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(Official.name))).scalar_one() == "Lan Anh"
    # an official made inactive is nobody's: the account acts as a guest
    async with harness.app.sessionmaker.begin() as session:
        (await session.execute(select(Official))).scalar_one().status = "inactive"
    assert T.NEEDS_REGISTRATION in texts(await harness.say("/chuatraloi", user="u3"))


async def test_a_press_records_its_choice_in_one_statement_and_says_it_is_spent(
        harness: BotHarness) -> None:
    """A choice is recorded by one INSERT (no savepoint around it); the edge learns after the
    commit that the keyboard is spent without reading it again (Telegram collapses it then)."""
    async def offer(ctx: Context) -> None:
        ctx.reply("chọn", [Button("A", "pick:a"), Button("B", "pick:b")])

    async def pick(ctx: Context, arg: str) -> None:
        ctx.reply(f"đã chọn {arg}")

    harness.app.router.command(Command(("chon",), offer, "chọn"))
    harness.app.router.button("pick", pick)
    [offered] = await harness.say("/chon", channel="telegram")
    assert offered.keyboard
    chat = ChatRef("telegram", "u1")
    spent: list[bool | None] = []

    async def before_send(known: bool | None) -> None:
        spent.append(known)

    async def press(payload: str) -> list[str]:
        event = ButtonPressed(chat=chat, sender=Sender("u1"), at=harness.clock.now(),
                              payload=payload, keyboard=offered.keyboard)
        return [m.text for m in await harness.app.dispatcher.handle(
            event, FakeChannel(name="telegram"), before_send=before_send)]

    with recorded_statements(harness.app) as statements:
        assert await press("pick:a") == ["đã chọn a"]
    assert [s for s in statements if "used_keyboards" in s or "SAVEPOINT" in s] == [
        next(s for s in statements if s.startswith("INSERT INTO used_keyboards"))]
    assert await press("pick:b") == [T.ALREADY_CHOSEN]  # stale: the one recorded choice holds
    assert spent == [True, True]
    assert await harness.app.dispatcher.keyboard_used(chat, offered.keyboard)
    assert not await harness.app.dispatcher.keyboard_used(chat, "another")


async def test_a_stranger_reads_state_and_generation_in_one_statement(
        harness: BotHarness) -> None:
    """A sender without an account (a web chat stranger) costs one read besides the touch that
    found no account: its conversation state and the knowledge generation together."""
    with recorded_statements(harness.app) as statements:
        assert texts(await harness.say("cho hỏi thủ tục", user="stranger"))
    reads = [s for s in statements
             if any(t in s for t in ("conversation_state", "change_counters"))]
    assert len(reads) == 2 and reads[0].startswith("UPDATE chat_accounts"), statements
    assert "conversation_state" in reads[1] and "change_counters" in reads[1], statements


BEES_MD = (
    "# Hướng dẫn nuôi ong mật ở xã\n\n"
    "## Thời vụ chia đàn ong\n\n"
    "Đàn ong mật được chia vào tháng ba âm lịch, khi cầu ong đầy mật và có nhiều ong non.\n"
).encode()


async def test_a_message_right_after_a_stored_guide_waits_for_its_index(
        harness: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    """The wait for the after-commit index rebuild holds the chat's lock, on purpose: the next
    message of the same chat (the web chat sends it at once; Telegram and Zalo queue a chat's
    updates anyway) is answered after "Đã thêm hướng dẫn" and from the new guide, never from the
    old index nor before the confirmation. Only that chat waits (the write lock is free)."""
    await harness.make_official("Quản trị", role="admin", user="adm")
    summary = await harness.send_file("nuoi-ong.md", BEES_MD, user="adm")
    knowledge = harness.app.knowledge
    build = knowledge._build

    def slow_build(*args: Any) -> Any:  # the rebuild of a large knowledge base
        time.sleep(0.5)
        return build(*args)

    monkeypatch.setattr(knowledge, "_build", slow_build)
    order: list[str] = []

    async def save() -> list[OutgoingMessage]:
        replies = await harness.press(label=UT.BUTTON_SAVE, among=summary, user="adm")
        order.append("saved")
        return replies

    async def ask_at_once() -> list[OutgoingMessage]:
        await asyncio.sleep(0.05)  # the press holds the chat by now
        replies = await harness.say("thời vụ chia đàn ong mật", user="adm")
        order.append("answered")
        return replies

    saved, answered = await asyncio.gather(save(), ask_at_once())
    assert order == ["saved", "answered"]
    assert fits(texts(saved), G.ADDED)
    assert "tháng ba âm lịch" in texts(answered)


async def test_an_events_own_statements_run_precompiled(toy: BotHarness) -> None:
    """The statements every event runs (its dedupe key, its account, its state's write: the
    chat's first and a later one) go to the DBAPI cursor precompiled (bot/db/precompiled.py),
    without an execution context of SQLAlchemy's each; what a handler runs keeps it."""
    contexts: dict[str, list[object]] = {}

    def seen(_conn: object, _cursor: object, statement: str, _parameters: object,
             context: object, _many: bool) -> None:
        contexts.setdefault(" ".join(statement.split()[:3]), []).append(context)

    chat = ChatRef("telegram", "u1")
    engine = toy.app.engine.sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        for key, text in (("1", "/toy"), ("2", "Lan")):
            typed = TextMessage(chat=chat, sender=Sender("u1"), at=toy.clock.now(), text=text,
                                dedupe_key=key)
            assert await toy.app.dispatcher.handle(typed, FakeChannel(name="telegram"))
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    own = {name: runs for name, runs in contexts.items()
           if any(table in name for table in ("chat_accounts", "inbound_updates",
                                              "conversation_state"))}
    assert set(own) >= {"INSERT INTO inbound_updates", "INSERT INTO chat_accounts",
                        "UPDATE chat_accounts SET", "INSERT INTO conversation_state",
                        "UPDATE conversation_state SET"}, contexts
    # the first message's new account is the ORM's (a flush); all the others precompiled
    assert {name: runs for name, runs in own.items() if any(c is not None for c in runs)} == {
        "INSERT INTO chat_accounts": [own["INSERT INTO chat_accounts"][0]]}, own


async def test_an_event_on_postgresql_begins_with_its_chat_lock_in_one_round_trip(
        toy: BotHarness) -> None:
    """PostgreSQL (asyncpg): the event's transaction begins with its chat's advisory lock in
    the same message (bot/db/precompiled.py, begin_with), not a BEGIN and then the lock."""
    if toy.app.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's chat lock")
    chat = ChatRef("telegram", "u1")
    await toy.say("/toy", channel="telegram")
    with engine_statements(toy.app.engine.sync_engine) as sent:
        assert texts(await toy.say("Lan", channel="telegram"))
    locks = [s for s in sent if "pg_advisory_xact_lock" in s]
    assert len(locks) == 1, sent
    assert locks[0].startswith("BEGIN") and locks[0].endswith(
        f"; SELECT pg_advisory_xact_lock({chat_lock_key(chat)})"), locks
    assert sent.index(locks[0]) == 0  # the event's first statement
