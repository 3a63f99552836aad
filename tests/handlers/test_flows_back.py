"""Every registered conversation, step by step: "Quay lại" is shown exactly where it works.

For each step of each flow the test asks the step through the real dispatcher and reads its
buttons, then restarts the process and presses the button (or types /quaylai): a step with a way
back there (Flow.way_back: Step.back, a step or a function of the state) shows one "Quay lại",
under its last message, and the press goes where it leads; a step without one shows none, and
/quaylai says there is no step before (with /huy) and asks the same step again. A step whose way
back depends on the state is walked again in the places of PLACES. A new flow must be added to
STARTERS, so it is walked too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from bot.conversation import Flow, FlowBack
from bot.db.models import ConversationState
from bot.flow_state import FlowState
from bot.messages import CANCEL_COMMAND, OutgoingMessage
from bot.texts import common as C
from tests.harness import BotHarness, texts

USER = "admin"
GUIDE = """# Hướng dẫn tiếp nhận hồ sơ đất đai

Số hiệu: 12/HD-UBND

## Thời gian tiếp nhận

Bộ phận một cửa tiếp nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm hằng tuần.

## Lệ phí

Lệ phí cấp giấy chứng nhận nộp tại bộ phận một cửa.
"""

#: starts the flow for real (the replies), or gives the state its button leaves (a dict)
Starter = Callable[[BotHarness, dict[str, int]],
                   Awaitable[list[OutgoingMessage] | dict[str, Any]]]


async def _checkin(h: BotHarness, ids: dict[str, int]) -> list[OutgoingMessage]:
    return await h.say("/baocao", user=USER)


async def _period(h: BotHarness, ids: dict[str, int]) -> list[OutgoingMessage]:
    return await h.say("/baocaothang", user=USER)


async def _upload(h: BotHarness, ids: dict[str, int]) -> list[OutgoingMessage]:
    return await h.send_file("dat-dai.md", GUIDE.encode("utf-8"), user=USER)


async def _leave(h: BotHarness, ids: dict[str, int]) -> list[OutgoingMessage]:
    # the dates typed with the command: the confirmation is the first question
    return await h.say("/nghiphep 21/12 - 25/12", user=USER)


# flows started by a button under a message of their own (an unanswered group, a written
# answer, a reminder, an answer's feedback): their state as the button leaves it
async def _answer(h: BotHarness, ids: dict[str, int]) -> dict[str, Any]:
    return {"group": 1, "ids": [1], "question": "Giá vàng hôm nay bao nhiêu?"}


async def _edit(h: BotHarness, ids: dict[str, int]) -> dict[str, Any]:
    return {"entry": 1, "question": "Giá vàng hôm nay bao nhiêu?"}


async def _ignore(h: BotHarness, ids: dict[str, int]) -> dict[str, Any]:
    return {"group": 1, "question": "Giá vàng hôm nay bao nhiêu?"}


async def _evidence(h: BotHarness, ids: dict[str, int]) -> dict[str, Any]:
    return {"task_id": ids["task"]}


async def _why(h: BotHarness, ids: dict[str, int]) -> dict[str, Any]:
    return {"question": 1}


STARTERS: dict[str, Starter] = {
    "ci": _checkin, "pc": _period, "gnew": _upload, "lv": _leave, "qans": _answer,
    "qedit": _edit, "qign": _ignore, "remev": _evidence, "fbwhy": _why,
}
#: what a step needs in its state beyond what starting the flow put there (reached in a real
#: conversation by an answer to the step before)
EXTRA: dict[tuple[str, str], dict[str, Any]] = {
    ("gnew", "unitpick"): {"picking": {"found": [], "asks": [{
        "typed": "Đơn vị", "alike": 2, "units": [[1, "DV1", "Đơn vị DV1"],
                                                 [2, "DV2", "Đơn vị DV2"]]}]}},
    ("qedit", "confirm"): {"answer": "Giá vàng do Ngân hàng Nhà nước công bố mỗi sáng."},
    ("qans", "target"): {"answer": "Xem bảng giá niêm yết."},
}
#: further places of a step whose way back depends on the state (Step.back a function): the
#: state there, beyond what starting the flow put there
PLACES: list[tuple[str, str, dict[str, Any]]] = [
    ("ci", "progress", {"i": 1}),  # the second task: back to the first task's progress
    ("ci", "progress", {"i": 1, "review": True}),  # corrected from the summary: none
]


async def _state(h: BotHarness) -> ConversationState | None:
    async with h.app.sessionmaker() as session:
        return (await session.execute(select(ConversationState).where(
            ConversationState.channel == "web", ConversationState.chat_id == USER))).scalar_one_or_none()


async def _put(h: BotHarness, flow: str, step: str, data: dict[str, Any]) -> None:
    """The chat's conversation at `step` of `flow` (as the step before left it)."""
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as session:
        row = await session.get(ConversationState, ("web", USER, USER))
        if row is None:
            row = ConversationState(channel="web", chat_id=USER, user_id=USER, version=0)
            session.add(row)
        row.flow, row.step, row.data = flow, step, data
        row.updated_at, row.expires_at = now, now + timedelta(hours=1)


def _says_the_way_out(messages: list[OutgoingMessage], steps: int, where: str) -> None:
    """The first messages of a conversation name its way out: "Huỷ" or /huy (a one-question
    conversation: a button that ends it, "Bỏ qua", does too)."""
    buttons = [b for m in messages for b in m.buttons]
    assert ("/huy" in texts(messages) or any(b.command == CANCEL_COMMAND for b in buttons)
            or (steps == 1 and buttons)), where


async def _walk(h: BotHarness, flow: Flow, step_name: str, state: dict[str, Any],
                opening: list[OutgoingMessage] | None) -> bool:
    """Ask the step at `state`, restart, then press its "Quay lại" (or type /quaylai): True if
    it had a way back, which the press and /quaylai both took."""
    name = flow.name
    where = f"{name}/{step_name} {state.get('i', '')}"
    await _put(h, name, step_name, state)
    # the step asked again through the engine ("Quay lại" of an older message pressed)
    shown = await h.press(FlowBack("older").pack(), user=USER)
    assert C.OLD_BACK_BUTTON in texts(shown), where
    to = flow.way_back(FlowState(name, step_name, dict(state)))
    if step_name == flow.first and opening is not None:  # a way out, said from the start
        assert to is None, where  # nothing before the first question
        _says_the_way_out(opening or shown[1:], len(flow.steps), where)
    backs = [b for m in shown for b in m.buttons if FlowBack.unpack(b.payload)]
    await h.restart()  # the way back lives in the database
    if to is None:
        assert backs == [], where
        said = texts(await h.say("/quaylai", user=USER))
        assert C.NO_WAY_BACK_HERE in said, where
        assert (row := await _state(h)) is not None and row.step == step_name, where
        return False
    assert [(b.label, b.payload) for b in backs] == [
        (C.BUTTON_BACK, FlowBack(step_name, to.mark()).pack())], where
    assert backs[0] in shown[-1].buttons, where  # under the question, not above it
    went = await h.press(backs[0].payload, user=USER)
    assert went and C.NO_WAY_BACK_HERE not in texts(went), where
    assert (row := await _state(h)) is not None and row.step == to.step, where
    assert _at(row, to.data), where
    if to.data:  # pressed again (a double tap): said to be old, not further back
        assert C.OLD_BACK_BUTTON in texts(await h.press(backs[0].payload, user=USER)), where
        assert (row := await _state(h)) is not None and row.step == to.step, where
        assert _at(row, to.data), where
    await _put(h, name, step_name, state)  # typed, as where the button is said (Zalo)
    await h.say("/quaylai", user=USER)
    assert (row := await _state(h)) is not None and row.step == to.step, where
    assert _at(row, to.data), where
    return True


def _at(row: ConversationState, data: Mapping[str, Any]) -> bool:
    """Whether the saved state holds these values (where a way back leads)."""
    return all(row.data.get(k) == v for k, v in data.items())


async def test_every_step_shows_quay_lai_exactly_where_it_goes_back(harness: BotHarness) -> None:
    h = harness
    admin = await h.make_official("Quản trị", role="admin", user=USER)
    task, _ = await h.world.tasks([admin], [("NV1", "Số hoá hồ sơ", date(2027, 3, 31)),
                                            ("NV2", "Tập huấn", date(2027, 4, 30))])
    ids = {"official": admin, "task": task}
    flows = h.app.router.flows
    assert set(flows) == set(STARTERS), "walk the new flow too: add it to STARTERS"
    walked = 0
    for name, flow in flows.items():
        assert not isinstance(flow.steps[flow.first].back, str)  # none where it starts
        begun = await STARTERS[name](h, ids)
        if isinstance(begun, dict):
            data, opening = begun, []
        else:  # started for real: the state it left
            started = await _state(h)
            assert started is not None and started.flow == name, name
            data, opening = dict(started.data), begun
        for step_name in flow.steps:
            state = {**data, **EXTRA.get((name, step_name), {})}
            walked += await _walk(h, flow, step_name, state, opening)
        for place in (p for p in PLACES if p[0] == name):
            walked += await _walk(h, flow, place[1], {**data, **place[2]}, None)
        await h.say("/huy", user=USER)
    assert walked >= 13  # the steps with a way back today, and the check-in's second task
