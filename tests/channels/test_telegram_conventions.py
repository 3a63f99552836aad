"""Telegram conventions end to end (real aiogram over HTTP against FakeBotAPI): the command menu
follows role changes, keyboards collapse after a choice and a stale press is refused, progress
choices come several per row, typing is shown while the core works, digests in the evening go
without a sound."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.channels.telegram.render import (
    CHOSEN_MARK,
    REUSABLE_MARK,
    collapsed,
    is_collapsed,
    keyboard,
    reply_markup,
)
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import people_store
from bot.db.models import Official, OutboxMessage, TelegramMenu, Unit
from bot.messages import Button, button_rows
from bot.texts import ask as QT
from bot.texts import checkin as CT
from bot.texts import common as C
from bot.texts import feedback as F
from handlers.checkin import progress_layout
from testkit.fake_telegram import FakeBotAPI, FakeError
from tests.channels.telegram_support import (
    TelegramRun,
    button_data,
    callback_data,
    exchange,
    running_telegram,
    shown,
)
from tests.harness import BotHarness

USER = 4301
HEAD = 4302


def chat_scope(chat_id: int) -> tuple[str, str]:
    """FakeBotAPI's key of a chat's command scope."""
    return json.dumps({"chat_id": chat_id, "type": "chat"}, sort_keys=True), ""


# ------------------------------------------------------------------------------ the menu


async def _invitation(run: TelegramRun, role: str) -> str:
    async with run.app.sessionmaker.begin() as session:
        unit = Unit(code="CDS", name="Cục Chuyển đổi số", created_at=run.app.clock.now())
        session.add(unit)
        await session.flush()
        invitation = await people_store.create_invitation(
            session, now=run.app.clock.now(), ttl=timedelta(hours=24), unit_id=unit.id,
            role=role, name="Trần Văn Hùng")
        return invitation.code


async def test_menu_follows_role_changes_without_a_restart(
    settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    # a long sync interval: the invitation is applied by the role listener, not by the tick
    async with running_telegram(settings, clock, fake, telegram_menu_sync_seconds=3600) as run:
        assert chat_scope(HEAD) not in fake.commands
        code = await _invitation(run, "head")
        menus = run.parts.menus
        passes = menus.passes
        await exchange(fake, fake.text_update(HEAD, f"/start {code}"))
        await fake.wait_for(lambda f: menus.passes > passes)  # the pass has recorded it too
        assert chat_scope(HEAD) in fake.commands
        names = {c["command"] for c in fake.commands[chat_scope(HEAD)]}
        assert "tiendo" in names or "xuatbaocao" in names  # a head's commands
        async with run.app.sessionmaker() as session:
            assert (await session.get(TelegramMenu, str(HEAD))) is not None
        # the CLI (another process) makes them an ordinary official again: the next sync
        # (here: nudged like the tick would) gives the chat the default menu back
        async with run.app.sessionmaker.begin() as session:
            await session.execute(update(Official).where(Official.name == "Trần Văn Hùng")
                                  .values(role="official"))
        passes = menus.passes
        menus.roles_changed()
        await fake.wait_for(lambda f: menus.passes > passes)
        assert chat_scope(HEAD) not in fake.commands
        assert fake.calls("deleteMyCommands")
        async with run.app.sessionmaker() as session:
            assert (await session.get(TelegramMenu, str(HEAD))) is None


async def test_periodic_sync_catches_changes_made_elsewhere_and_skips_refusing_chats(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    await harness.make_official("Lan", role="official", user=str(USER), channel="telegram")
    async with running_telegram(settings, clock, fake, telegram_menu_sync_seconds=0.05) as run:
        assert chat_scope(USER) not in fake.commands
        fake.fail("setMyCommands", FakeError.chat_not_found(), times=1)
        async with run.app.sessionmaker.begin() as session:  # an import in another process
            await session.execute(update(Official).where(Official.name == "Lan")
                                  .values(role="admin"))
        await fake.wait_for(lambda f: len(f.calls("setMyCommands")) >= 3)
        passes = run.parts.menus.passes
        await fake.wait_for(lambda f: run.parts.menus.passes >= passes + 3)
        assert chat_scope(USER) not in fake.commands  # refused once: not retried every tick
        assert len(fake.calls("setMyCommands")) == 3  # default, groups, the refused one
    # a restart tries again
    async with running_telegram(settings, clock, fake):
        assert "thuhoi" in {c["command"] for c in fake.commands[chat_scope(USER)]}


async def test_group_scope_has_only_group_safe_commands(
    settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    async with running_telegram(settings, clock, fake) as run:
        groups = fake.commands[(json.dumps({"type": "all_group_chats"}), "")]
        safe = {c.names[0] for c in run.app.router.command_list if c.group_safe}
        assert groups and {c["command"] for c in groups} <= safe


# ------------------------------------------------------------------------------ keyboards


@pytest.fixture
async def tg(settings: Settings, clock: ManualClock, fake: FakeBotAPI) -> AsyncIterator[TelegramRun]:
    """troly with Telegram (polling) and the demo guides."""
    async with running_telegram(settings, clock, fake, load_demo=True) as run:
        yield run


async def test_keyboard_collapses_to_the_choice_and_a_stale_press_does_nothing(
    tg: TelegramRun,
) -> None:
    fake = tg.fake
    before = len(fake.sent)
    await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
    index = max(i for i in range(before, len(fake.sent)) if callback_data(fake.sent[i]))
    answer, message_id = fake.sent[index], fake.sent_ids[index]
    rows = answer["reply_markup"]["inline_keyboard"]
    navigation = [row for row in rows if all(b["callback_data"].startswith(REUSABLE_MARK)
                                             for b in row)]
    assert navigation  # the answer's 'see also' sections: reusable, kept by the collapse
    first, second = button_data(answer, F.BUTTON_HELPFUL), button_data(answer, F.BUTTON_WRONG)

    thanks = await exchange(fake, fake.callback_update(USER, first, message_id=message_id))
    assert [shown(m) for m in thanks] == [QT.FEEDBACK_THANKS]
    [edit] = fake.edits
    assert int(edit["message_id"]) == message_id
    assert edit["reply_markup"] == {"inline_keyboard": [
        *navigation, [{"text": CHOSEN_MARK + F.BUTTON_HELPFUL, "callback_data": first}]]}
    # the navigation left on the message still opens its section
    more = await exchange(fake, fake.callback_update(USER, navigation[0][0]["callback_data"],
                                                     message_id=message_id))
    assert more and "📖" in shown(more[-1])
    assert len(fake.edits) == 1

    # an old screen still showing the buttons (pressed before the edit arrived): refused
    sent = len(fake.sent)
    press = fake.callback_update(USER, second, message_id=message_id)
    assert await exchange(fake, press) == []
    answer_call = fake.calls("answerCallbackQuery")[-1]
    assert answer_call.params["callback_query_id"] == press["callback_query"]["id"]
    assert answer_call.params["text"] == C.ALREADY_CHOSEN
    assert len(fake.sent) == sent and len(fake.edits) == 1  # already collapsed: no edit again

    # the collapsed button itself: the same short answer, nothing else
    assert await exchange(fake, fake.callback_update(USER, first, message_id=message_id)) == []
    assert fake.calls("answerCallbackQuery")[-1].params["text"] == C.ALREADY_CHOSEN


async def test_a_failed_collapse_is_retried_on_the_stale_press(tg: TelegramRun) -> None:
    fake = tg.fake
    before = len(fake.sent)
    await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
    index = max(i for i in range(before, len(fake.sent)) if callback_data(fake.sent[i]))
    message_id = fake.sent_ids[index]
    first, second = (button_data(fake.sent[index], F.BUTTON_HELPFUL),
                     button_data(fake.sent[index], F.BUTTON_WRONG))
    fake.fail("editMessageReplyMarkup", FakeError.server_error(), times=1)
    await exchange(fake, fake.callback_update(USER, first, message_id=message_id))
    assert fake.edits == []  # the edit failed; the choice was still handled
    assert await exchange(fake, fake.callback_update(USER, second, message_id=message_id)) == []
    assert fake.calls("answerCallbackQuery")[-1].params["text"] == C.ALREADY_CHOSEN
    [edit] = fake.edits  # collapsed now, to the choice that was made... or pressed
    choices = [b for row in edit["reply_markup"]["inline_keyboard"] for b in row
               if not b["callback_data"].startswith(REUSABLE_MARK)]
    assert len(choices) == 1 and choices[0]["text"].startswith(CHOSEN_MARK)


async def test_keyboard_survives_a_restart(
    settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    async with running_telegram(settings, clock, fake, load_demo=True):
        before = len(fake.sent)
        await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
        index = max(i for i in range(before, len(fake.sent)) if callback_data(fake.sent[i]))
        message_id = fake.sent_ids[index]
        first, second = (button_data(fake.sent[index], F.BUTTON_HELPFUL),
                         button_data(fake.sent[index], F.BUTTON_WRONG))
        await exchange(fake, fake.callback_update(USER, first, message_id=message_id))
    async with running_telegram(settings, clock, fake, load_demo=True):
        assert await exchange(fake, fake.callback_update(USER, second,
                                                         message_id=message_id)) == []
        assert fake.calls("answerCallbackQuery")[-1].params["text"] == C.ALREADY_CHOSEN
        # its navigation ('see also') still opens after the restart
        navigation = next(d for d in callback_data(fake.sent[index])
                          if d.startswith(REUSABLE_MARK))
        more = await exchange(fake, fake.callback_update(USER, navigation, message_id=message_id))
        assert more and "📖" in shown(more[-1])


async def test_sections_of_a_guide_list_open_one_after_another(tg: TelegramRun) -> None:
    # /huongdan → a guide → its sections: a list to browse, not a choice (bot/keyboards.py)
    fake = tg.fake
    before = len(fake.sent)
    await exchange(fake, fake.text_update(USER, "/huongdan"))
    index = next(i for i in range(before, len(fake.sent)) if callback_data(fake.sent[i]))
    guides = callback_data(fake.sent[index])
    assert all(d.startswith(REUSABLE_MARK) for d in guides)
    listed = await exchange(fake, fake.callback_update(USER, guides[0],
                                                       message_id=fake.sent_ids[index]))
    at = fake.sent.index(listed[-1])
    sections, message_id = callback_data(listed[-1]), fake.sent_ids[at]
    assert len(sections) >= 2 and all(d.startswith(REUSABLE_MARK) for d in sections)

    opened = []
    for data in (sections[0], sections[1], sections[0]):
        replies = await exchange(fake, fake.callback_update(USER, data, message_id=message_id))
        assert fake.calls("answerCallbackQuery")[-1].params.get("text") is None
        assert replies and "📖" in shown(replies[-1])
        opened.append(shown(replies[-1]))
    assert opened[0] != opened[1] and opened[0] == opened[2]
    assert fake.edits == []  # nothing collapsed: the list stays as it was
    # the guide list too: a second guide opens
    again = await exchange(fake, fake.callback_update(USER, guides[1],
                                                      message_id=fake.sent_ids[index]))
    assert again and C.ALREADY_CHOSEN not in [shown(m) for m in again]


def test_collapse_keeps_reusable_buttons_and_marks_the_choice() -> None:
    markup = reply_markup((Button("Mục 1", "sec:1", reusable=True),
                           Button(F.BUTTON_HELPFUL, "fby:1"), Button(F.BUTTON_WRONG, "fbn:1"),
                           Button("Mục 2", "sec:2", reusable=True)))
    assert markup is not None
    assert [b["callback_data"] for row in markup["inline_keyboard"] for b in row] == [
        "^sec:1", "fby:1", "fbn:1", "^sec:2"]
    after = collapsed(markup, "fbn:1")
    assert [[(b["text"], b["callback_data"]) for b in row] for row in after["inline_keyboard"]] == [
        [("Mục 1", "^sec:1")], [(CHOSEN_MARK + F.BUTTON_WRONG, "fbn:1")], [("Mục 2", "^sec:2")]]
    assert is_collapsed(after) and not is_collapsed(markup)


# ------------------------------------------------------------------------------ layout


def test_layout_hint_groups_buttons_in_rows() -> None:
    buttons = tuple(Button(f"{p}%", f"ci:p:{p}") for p in (0, 25, 50, 75, 100)) + (
        Button(CT.BTN_DONE, "ci:done"), Button(CT.BTN_SKIP_TASK, "ci:skip"),
        Button(CT.BTN_SKIP_WEEK, "ci:week"))
    layout = progress_layout(False)
    rows = [[b.payload for b in row] for row in button_rows(buttons, layout)]
    assert rows == [["ci:p:0", "ci:p:25", "ci:p:50"], ["ci:p:75", "ci:p:100"],
                    ["ci:done", "ci:skip"], ["ci:week"]]
    markup = keyboard(buttons, layout)
    assert markup is not None and [len(r) for r in markup.inline_keyboard] == [3, 2, 2, 1]
    plain = keyboard(buttons)  # no hint: one per row, as before
    assert plain is not None and len(plain.inline_keyboard) == len(buttons)
    assert all(2 <= len(r) <= 3 for r in button_rows(buttons, progress_layout(True))[:2])


def test_quay_lai_of_a_task_after_the_first_is_a_row_of_its_own() -> None:
    """The second task's progress: "Quay lại" (added by the engine, past the layout hint) is
    alone on the last row, under "Nghỉ cả tuần"."""
    buttons = tuple(Button(f"{p}%", f"ci:p:{p}") for p in (0, 25, 50, 75, 100)) + (
        Button(CT.BTN_KEEP_DRAFT, "ci:keep"), Button(CT.BTN_DONE, "ci:done"),
        Button(CT.BTN_SKIP_TASK, "ci:skip"), Button(CT.BTN_SKIP_WEEK, "ci:week"),
        Button(C.BUTTON_BACK, "back:progress:abc123"))
    markup = keyboard(buttons, progress_layout(True))
    assert markup is not None and [len(r) for r in markup.inline_keyboard] == [3, 2, 1, 2, 1, 1]
    assert markup.inline_keyboard[-1][0].text == C.BUTTON_BACK


# ------------------------------------------------------------------------------ typing, sound


async def test_typing_is_shown_while_the_core_works(
    settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    async with running_telegram(settings, clock, fake, load_demo=True,
                                telegram_typing_after_seconds=0.0):
        await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
        actions = [c.params for c in fake.calls("sendChatAction")]
        assert {"chat_id": str(USER), "action": "typing"} in [
            {k: str(v) for k, v in a.items()} for a in actions]


async def test_answers_quicker_than_the_threshold_show_no_typing(
    settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    # a threshold far above what the answer takes (1 s by default; 30 s here so a loaded
    # test machine cannot cross it)
    async with running_telegram(settings, clock, fake, load_demo=True,
                                telegram_typing_after_seconds=30.0):
        await exchange(fake, fake.text_update(USER, "bao cao tien do hang tuan nhu the nao"))
        assert fake.sent and fake.calls("sendChatAction") == []


async def _queue(run: TelegramRun, kind: str, official_id: int) -> None:
    now = run.app.clock.now()
    async with run.app.sessionmaker.begin() as session:
        session.add(OutboxMessage(
            idem_key=f"{kind}:{now.isoformat()}", kind=kind, recipient_id=official_id,
            channel="telegram", address=str(USER), payload={"text": f"Tin {kind}"},
            due_at=now, not_before=now, late=False, status="pending", attempts=0,
            created_at=now, updated_at=now))


async def test_digests_in_the_evening_go_without_a_sound(
    harness: BotHarness, settings: Settings, clock: ManualClock, fake: FakeBotAPI,
) -> None:
    from scheduler.delivery import OutboxDispatcher
    from scheduler.planner import send_guards

    official_id = await harness.make_official("Lan", role="head", user=str(USER),
                                              channel="telegram")
    async with running_telegram(settings, clock, fake) as run:
        outbox = OutboxDispatcher(run.app.sessionmaker, clock, run.app.channels,
                                  worker_id="test", guards=send_guards())
        await _queue(run, "digest", official_id)  # 08:00 local: a working morning
        await outbox.drain(["telegram"])
        clock.advance(timedelta(hours=12))  # 20:00 local: silent hours
        await _queue(run, "digest", official_id)
        await _queue(run, "overdue", official_id)  # urgent: keeps its sound
        await _queue(run, "guide", official_id)  # a new guide's announcement is not urgent
        await outbox.drain(["telegram"])
    morning, evening, overdue, guide = fake.sent[-4:]
    assert "disable_notification" not in morning
    assert evening["disable_notification"] in (True, "true", "True")
    assert "disable_notification" not in overdue
    assert guide["disable_notification"] in (True, "true", "True")
    async with harness.app.sessionmaker() as session:
        statuses = (await session.execute(select(OutboxMessage.status))).scalars().all()
    assert set(statuses) == {"sent"}
