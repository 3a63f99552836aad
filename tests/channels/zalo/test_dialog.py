"""A whole conversation over Zalo: webhook in → dispatcher → reply out to the fake OA API."""

from __future__ import annotations

from typing import Any

from bot.app import build_app
from bot.channel import Capability
from bot.channels.zalo.routes import WEBHOOK_PATH
from bot.clock import ManualClock
from bot.config import Settings
from bot.texts import ask as A
from bot.texts import common as C
from testkit.fake_zalo import WINDOW_CLOSED, FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event


async def test_dialog_with_commands_buttons_and_a_question(zalo_app: ZaloApp,
                                                           fake_zalo: FakeZalo) -> None:
    await zalo_app.app.prepare(migrate=False, load_demo=True)  # the bundled demo guides
    clock = zalo_app.clock
    ids = iter(range(1, 100))

    async def step(name: str, text: str | None = None) -> list[dict[str, Any]]:  # the fake's JSON
        before = len(fake_zalo.sent)
        message = {} if text is None else {"msg_id": f"d{next(ids)}", "text": text}
        assert await zalo_app.post_event(event(name, "u9", clock, **message)) == 200
        await zalo_app.settle()  # one at a time, like a person typing
        return [m["message"] for m in fake_zalo.sent[before:]]

    greeting = await step("follow")
    assert greeting[0]["text"] == C.WELCOME.format(bot=C.BOT_NAME)
    assert C.HELP_HEADER in (await step("user_send_text", "/trogiup"))[0]["text"]
    assert [m["text"] for m in await step("user_send_text", "/huy")] == [C.NOTHING_TO_CANCEL]

    # a menu with more than five guides arrives as query buttons in groups of five
    menu = await step("user_send_text", "/huongdan")
    groups = [m["attachment"]["payload"]["buttons"] for m in menu]
    assert len(groups) >= 2 and all(len(g) <= 5 for g in groups)
    first = groups[0][0]
    assert first["type"] == "oa.query.hide" and first["payload"].startswith("#btn:guide:")
    # pressing it: Zalo sends the payload back as the user's text
    sections = await step("user_send_text", first["payload"])
    header = A.GUIDE_SECTIONS_HEADER.split("{count}")[0].format(title=first["title"])
    assert sections[0]["text"].startswith(header)
    section_buttons = [b for m in sections for b in m["attachment"]["payload"]["buttons"]]
    assert all(b["payload"].startswith("#btn:") for b in section_buttons)
    whole = await step("user_send_text", section_buttons[1]["payload"])
    assert "📖" in whole[-1]["text"] and len(whole[-1]["text"]) <= 2000

    # a question without diacritics is answered from the guides, under the 2,000 limit
    answer = await step("user_send_text", "huong dan bao cao tien do hang tuan")
    assert answer and all(len(m["text"]) <= 2000 for m in answer)
    assert "báo cáo" in answer[0]["text"].lower()

    assert [m["text"] for m in await step("user_send_text", "#btn:nosuchbutton")] == [
        C.UNKNOWN_BUTTON]
    assert [m["text"] for m in await step("user_send_text", "/khongcolenhnay")] == [
        C.UNKNOWN_COMMAND.format(command="/khongcolenhnay")]


async def test_reply_refused_by_zalo_is_logged_not_raised(zalo_app: ZaloApp,
                                                          fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(WINDOW_CLOSED)
    assert await zalo_app.post_event(event("user_send_text", "u9", zalo_app.clock, msg_id="1",
                                           text="/trogiup")) == 200
    await zalo_app.settle()
    assert fake_zalo.sent == []
    # the next message is processed normally
    assert await zalo_app.post_event(event("user_send_text", "u9", zalo_app.clock, msg_id="2",
                                           text="/trogiup")) == 200
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u9")) == 1


async def test_build_app_attaches_zalo_only_when_configured(zalo_settings: Settings,
                                                            settings: Settings,
                                                            clock: ManualClock) -> None:
    app = build_app(zalo_settings, clock=clock)
    try:
        assert "zalo" in app.channels
        assert app.dispatcher.deps.capabilities["zalo"] >= {Capability.BUTTONS}
        paths = {r.resource.canonical for r in app.web_app.router.routes() if r.resource}
        assert WEBHOOK_PATH in paths
        assert len(app.components) >= 3
    finally:
        await app.stop()
    plain = build_app(settings, clock=clock)
    try:
        assert "zalo" not in plain.channels
        paths = {r.resource.canonical for r in plain.web_app.router.routes() if r.resource}
        assert WEBHOOK_PATH not in paths
    finally:
        await plain.stop()
