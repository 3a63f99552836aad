"""bot/conversation.py: a flow's "Quay lại" is declared once, by Step.back; the engine shows the
button under the step's question and takes the press (or a typed /quaylai), also after a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import Context
from bot.conversation import END, BackTo, Flow, FlowBack, Step
from bot.flow_state import FlowState
from bot.messages import BACK_COMMAND, CANCEL_COMMAND, Button
from bot.router import Command
from bot.texts import common as C
from tests.harness import BotHarness, labels, texts

CANCEL = "Huỷ"


async def ask_name(ctx: Context, state: FlowState) -> None:
    ctx.reply("Tên anh/chị là gì?")


async def got_name(ctx: Context, state: FlowState) -> str | None:
    state.data["name"] = ctx.text.strip()
    return "colour"


async def ask_colour(ctx: Context, state: FlowState) -> None:
    ctx.reply(f"Chào {state.data['name']}.")  # two messages: the button goes under the question
    ctx.reply("Chọn màu:", [Button("Đỏ", "tb:red"),
                            Button(CANCEL, "tb:cancel", command=CANCEL_COMMAND)])


async def got_colour(ctx: Context, state: FlowState) -> str | None:
    if ctx.payload == "tb:cancel":
        ctx.reply("Đã dừng.")
        return END
    return "note"


async def ask_note(ctx: Context, state: FlowState) -> None:
    ctx.reply("Ghi chú thêm?")  # no buttons of its own


async def got_note(ctx: Context, state: FlowState) -> str | None:
    ctx.reply("Xong.")
    return END


FLOW = Flow("tb", first="name", steps={
    "name": Step(ask_name, got_name),
    "colour": Step(ask_colour, got_colour, back="name"),
    "note": Step(ask_note, got_note, back="colour"),
})


async def start(ctx: Context) -> None:
    ctx.start_flow("tb")


def add_flow(app: App) -> None:
    app.router.flow(FLOW)
    app.router.command(Command(("tb",), start, "thử"))


@pytest.fixture
async def h(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = await BotHarness(settings, clock, extra_setup=[add_flow]).start()
    yield harness
    await harness.close()


async def test_the_engine_shows_the_back_button_of_step_back(h: BotHarness) -> None:
    """No prompt adds "Quay lại": it is under the last message of a step that has a way back,
    before "Huỷ", and nowhere on the first step."""
    first = await h.say("/tb")
    assert labels(first) == []
    colour = await h.say("Lan")
    assert [list(m.buttons) == [] for m in colour] == [True, False]
    assert labels(colour) == ["Đỏ", C.BUTTON_BACK, CANCEL]
    back = next(b for b in colour[-1].buttons if b.label == C.BUTTON_BACK)
    assert back.command == BACK_COMMAND  # said as "gõ /quaylai" where buttons are few (Zalo)
    assert labels(await h.press("tb:red")) == [C.BUTTON_BACK]


async def test_back_pressed_after_a_restart_goes_back_a_step(h: BotHarness) -> None:
    await h.say("/tb")
    await h.say("Lan")
    await h.press("tb:red")
    await h.restart()
    again = await h.press(label=C.BUTTON_BACK)
    assert "Chọn màu:" in texts(again) and "Chào Lan." in texts(again)
    await h.restart()
    assert "Tên anh/chị là gì?" in texts(await h.press(label=C.BUTTON_BACK))
    no_way = texts(await h.say("/quaylai"))  # the first step: said so, and asked again
    assert C.NO_WAY_BACK_HERE in no_way and "Tên anh/chị là gì?" in no_way


async def _prompt(ctx: Context, state: FlowState) -> None:
    ctx.reply("?")


async def _handle(ctx: Context, state: FlowState) -> str | None:
    return END


def test_a_way_back_names_an_earlier_step_and_the_first_step_has_none() -> None:
    with pytest.raises(ValueError, match="nowhere"):
        Flow("x", first="a", steps={"a": Step(_prompt, _handle),
                                    "b": Step(_prompt, _handle, back="c")})
    with pytest.raises(ValueError, match="first"):
        Flow("x", first="a", steps={"a": Step(_prompt, _handle, back="b"),
                                    "b": Step(_prompt, _handle, back="a")})
    with pytest.raises(ValueError, match="itself"):
        Flow("x", first="a", steps={"a": Step(_prompt, _handle),
                                    "b": Step(_prompt, _handle, back="b")})


# a way back decided from the state: one question per item, back to the item before


async def ask_item(ctx: Context, state: FlowState) -> None:
    ctx.reply(f"Mục {state.data['i'] + 1}?", [Button("Xong", "it:done")])


async def got_item(ctx: Context, state: FlowState) -> str | None:
    state.data["i"] += 1
    return "item" if state.data["i"] < 3 else END


def item_before(state: FlowState) -> BackTo | None:
    i = int(state.data["i"])
    return BackTo("item", {"i": i - 1}) if i > 0 else None


ITEMS = Flow("it", first="item", steps={"item": Step(ask_item, got_item, back=item_before)})


async def start_items(ctx: Context) -> None:
    ctx.start_flow("it", {"i": 0})


def add_items(app: App) -> None:
    app.router.flow(ITEMS)
    app.router.command(Command(("it",), start_items, "thử"))


async def test_a_way_back_from_the_state_goes_to_the_item_before(
        settings: Settings, clock: ManualClock) -> None:
    """The button and /quaylai read the same way back; none on the first item; a restart keeps
    the place; the button pressed again (it led to item 2) does not go further back."""
    h = await BotHarness(settings, clock, extra_setup=[add_items]).start()
    try:
        first = await h.say("/it")
        assert labels(first) == ["Xong"]  # nothing before the first item
        await h.say("a")
        third = await h.say("b")
        assert texts(third) == "Mục 3?" and labels(third) == ["Xong", C.BUTTON_BACK]
        back = next(b for b in third[-1].buttons if b.label == C.BUTTON_BACK)
        assert back.payload == FlowBack("item", BackTo("item", {"i": 1}).mark()).pack()
        await h.restart()
        assert texts(await h.press(back.payload)) == "Mục 2?"
        await h.restart()
        again = texts(await h.press(back.payload))  # a second tap of the same button
        assert C.OLD_BACK_BUTTON in again and "Mục 2?" in again
        assert "Mục 1?" in texts(await h.say("/quaylai"))
        no_way = texts(await h.say("/quaylai"))
        assert C.NO_WAY_BACK_HERE in no_way and "Mục 1?" in no_way
        assert texts(await h.say("c")) == "Mục 2?"
    finally:
        await h.close()


def test_a_way_back_from_the_state_is_checked_where_it_is_read() -> None:
    nowhere = Flow("x", first="a", steps={
        "a": Step(_prompt, _handle, back=lambda state: BackTo("c"))})
    with pytest.raises(ValueError, match="nowhere"):
        nowhere.way_back(FlowState("x", "a"))
    itself = Flow("x", first="a", steps={
        "a": Step(_prompt, _handle, back=lambda state: BackTo("a", {"i": 0}))})
    with pytest.raises(ValueError, match="itself"):
        itself.way_back(FlowState("x", "a", {"i": 0}))
    assert itself.way_back(FlowState("x", "a", {"i": 1})) == BackTo("a", {"i": 0})
    assert BackTo("a").mark() == "" and FlowBack("a").pack() == "back:a"  # as sent before
