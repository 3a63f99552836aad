"""Choices on Zalo, where a message carries five buttons: a step with more options is still one
message when the extra ones have a typed equivalent (the roles of a new guide's audience: four
roles, "Xong", "Quay lại" and "Huỷ", the last two said as "Gõ /quaylai để quay lại.", "Gõ /huy
để huỷ.")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Guide, PendingUpload
from bot.texts import guide_upload as UT
from bot.texts import zalo as ZT
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event, open_zalo_app
from tests.channels.zalo.test_routes import _docx_bytes, _file_event, _make_official

ADMIN = "adm"


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    buttons: list[dict[str, str]] = (message["message"].get("attachment") or {}).get(
        "payload", {}).get("buttons", [])
    return buttons


def _press(sent: list[dict[str, Any]], title: str) -> str:
    """The payload of the button titled `title` on the last message that has one."""
    for message in reversed(sent):
        for button in _buttons(message):
            if button["title"] == title:
                return button["payload"]
    raise AssertionError(f"no button {title!r} in {sent}")


async def _say(zalo: ZaloApp, fake: FakeZalo, text: str, msg_id: str) -> list[dict[str, Any]]:
    """The admin's text (or a button's payload); the OA messages troly sent in answer."""
    before = len(fake.sent)
    zalo.clock.advance(timedelta(seconds=1))
    assert await zalo.post_event(event("user_send_text", ADMIN, zalo.clock, msg_id=msg_id,
                                       text=text)) == 200
    await zalo.settle()
    return fake.sent[before:]


async def test_roles_step_is_one_message_and_huy_is_typed(zalo_settings: Settings,
                                                          clock: ManualClock,
                                                          fake_zalo: FakeZalo) -> None:
    async with open_zalo_app(zalo_settings, clock) as zalo:
        await _make_official(zalo, ADMIN, "admin")
        assert await zalo.post_event(_file_event(zalo, fake_zalo, ADMIN, "bao-cao.docx",
                                                 _docx_bytes(), "f1")) == 200
        await zalo.settle()
        await _say(zalo, fake_zalo, _press(fake_zalo.sent, UT.BUTTON_UNITS), "m1")
        [roles] = await _say(zalo, fake_zalo, "DV1", "m2")
    # one message: the question, the typed way to stop, and five buttons (roles, "Xong")
    typed = ZT.TYPED_OPTION.format(command="/huy", action="huỷ")
    back = ZT.TYPED_OPTION.format(command="/quaylai", action="quay lại")
    assert roles["message"]["text"] == "\n".join([UT.ROLES_ASK.format(chosen=UT.ROLES_ALL),
                                                  back, typed])
    assert [b["title"] for b in _buttons(roles)] == [*UT.ROLE_BUTTONS.values(), UT.BUTTON_DONE]
    assert ZT.MORE_OPTIONS not in fake_zalo.sent_texts(ADMIN)

    async with open_zalo_app(zalo_settings, clock) as zalo:  # a restart: the step is stored
        # a toggle asks again, in one message again, the chosen role ticked
        [again] = await _say(zalo, fake_zalo, _press(fake_zalo.sent, UT.ROLE_BUTTONS["head"]),
                             "m3")
        assert [b["title"] for b in _buttons(again)][1] == UT.ROLE_CHOSEN.format(
            label=UT.ROLE_BUTTONS["head"])
        assert again["message"]["text"].endswith(typed)
        # what the text says works: /huy drops the file, as "Huỷ" does elsewhere
        [cancelled] = await _say(zalo, fake_zalo, "/huy", "m4")
        assert cancelled["message"]["text"] == UT.CANCELLED.format(file="bao-cao.docx")
        async with zalo.app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(PendingUpload)) == 0
            assert await session.scalar(select(func.count()).select_from(Guide)) == 0
