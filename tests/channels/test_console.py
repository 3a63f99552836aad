"""The console (`troly chat`, no buttons): every choice printed as a numbered line, "Quay lại"
and "Huỷ" numbered after the list's items, and a number typed is what the screen shows under
it; the screen's way out or back typed by its word ("huỷ", "huy", "quay lai") does what it
shows there (the import's "Huỷ" too), while "huy" where no list shows "Huỷ" stays text (a given
name)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from bot.channels.console import ConsoleChannel
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.models import Guide, PendingImport
from bot.events import ChatRef
from bot.messages import OutgoingMessage
from bot.texts import admin_import as I
from bot.texts import checkin as CI
from bot.texts import common as C
from bot.texts import guide_upload as GU
from bot.texts import leave as L
from tests.harness import BotHarness

GUIDE = ("# Hướng dẫn thử\n\n## Phần một\n\nNội dung phần một.\n\n"
         "## Phần hai\n\nNội dung phần hai.\n").encode()
UNITS = "ma,ten\nDV9,Đơn vị chín\n".encode()


@dataclass
class Console:
    """The app with the real console channel: what a user types, and the screen it prints."""

    harness: BotHarness
    out: io.StringIO
    channel: ConsoleChannel

    async def _shown(self, replies: list[OutgoingMessage]) -> str:
        self.out.seek(0)
        self.out.truncate()
        for message in replies:
            await self.channel.send(ChatRef("console", "u1"), message)
        return self.out.getvalue()

    async def type(self, text: str) -> str:
        return await self._shown(await self.harness.say(text, channel="console"))

    async def send_file(self, name: str, content: bytes) -> str:
        return await self._shown(await self.harness.send_file(name, content, channel="console"))


@pytest.fixture
async def console(settings: Settings, clock: ManualClock) -> AsyncIterator[Console]:
    out = io.StringIO()
    channel = ConsoleChannel(out)
    h = await BotHarness(settings, clock, {"console": channel}).start()
    yield Console(h, out, channel)
    await h.close()


def numbered(screen: str) -> dict[str, int]:
    """The screen's numbered lines: label → number."""
    return {m[2]: int(m[1]) for m in re.finditer(r"^(\d+)\. (.+)$", screen, re.M)}


async def test_back_is_numbered_after_the_items_and_its_number_goes_back(
        console: Console) -> None:
    oid = await console.harness.make_official("Lê Minh Châu", channel="console")
    await console.harness.world.tasks([oid], [("NV1", "Tập huấn", date(2026, 12, 31))])
    assert CI.ASK_PROGRESS_TYPED_OR_CHOICE in await console.type("/baocao")
    screen = await console.type("50")
    shown = numbered(screen)
    assert shown[C.BUTTON_BACK] == len(shown) == 4  # after the three statuses
    assert CI.ASK_PROGRESS_TYPED_OR_CHOICE in await console.type(str(shown[C.BUTTON_BACK]))
    await console.type("50")
    assert CI.ASK_PROGRESS_TYPED_OR_CHOICE in await console.type("quay lai")
    await console.type("50")
    await console.harness.restart()  # the menu is stored: the same after a restart
    assert "Có khó khăn" in await console.type("1")  # 1 = "Đúng tiến độ", as shown


async def test_cancel_typed_as_its_word_where_the_list_shows_it(console: Console) -> None:
    await console.harness.make_official("Trần Quản Trị", channel="console", role="admin")
    screen = await console.send_file("huong-dan-thu.md", GUIDE)
    assert numbered(screen)[GU.BUTTON_CANCEL] == 4
    # "huy" without its tone mark: the file shown "4. Huỷ" is dropped (it was "bấm một nút")
    assert GU.CANCELLED.format(file="huong-dan-thu.md") in await console.type("huy")
    screen = await console.send_file("huong-dan-thu.md", GUIDE)
    screen = await console.type("2")  # "2. Thời gian hiệu lực": its date step
    cancel = numbered(screen)[GU.BUTTON_CANCEL]
    assert numbered(screen)[C.BUTTON_BACK] == cancel - 1
    assert GU.CANCELLED.format(file="huong-dan-thu.md") in await console.type(str(cancel))
    async with console.harness.app.sessionmaker() as session:
        assert (await session.execute(select(Guide))).scalars().all() == []


@pytest.mark.parametrize("word", ["huỷ", "huy", "Hủy."])
async def test_the_imports_cancel_is_its_word_too(console: Console, word: str) -> None:
    await console.harness.make_official("Trần Quản Trị", channel="console", role="admin")
    screen = await console.send_file("don-vi.csv", UNITS)
    assert numbered(screen) == {I.BUTTON_IMPORT: 1, I.BUTTON_CANCEL: 2}
    # before: "huỷ" was /huy, "nothing to cancel", and the preview stayed
    assert I.CANCELLED.format(file="don-vi.csv") in await console.type(word)
    async with console.harness.app.sessionmaker() as session:
        assert (await session.execute(select(PendingImport))).scalars().all() == []


async def test_huy_where_no_list_shows_cancel_is_text(console: Console) -> None:
    """"Huy" is also a given name: alone, it is a way out only where a list shows "Huỷ"."""
    await console.harness.make_official("Lê Minh Châu", channel="console")
    await console.type("/nghiphep")
    assert L.DATES_UNREADABLE.format(text="huy") in await console.type("huy")
    assert L.STOPPED in await console.type("huỷ")  # the word with its tone mark stops it
