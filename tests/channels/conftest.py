"""Fixtures shared by the channel tests: the fake Telegram Bot API server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from testkit.fake_telegram import FakeBotAPI


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotAPI]:
    """The fake Bot API server (tests/channels/zalo's own `fake` is the fake Zalo server)."""
    async with FakeBotAPI() as server:
        yield server
