"""/tuongduong through the real dispatcher: synonyms stored in the database, taking effect in a
second process on the same database (two app instances) after its knowledge watcher's poll."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.texts import ask as A
from bot.texts import common as C
from bot.texts import feedback as T
from tests.harness import BotHarness, texts

QUESTION = "nhom so hoa thon gom nhung ai"
TERM = "nhóm số hóa thôn"
MEANS = "tổ công nghệ số cộng đồng"
SECTION = "Mục: 3. Tổ công nghệ số cộng đồng"


@pytest.fixture
async def two(settings: Settings, clock: ManualClock) -> AsyncIterator[tuple[BotHarness, BotHarness]]:
    """Two troly processes on one database (the second finds the demo guides the first added)."""
    first = await BotHarness(settings, clock, load_demo=True).start()
    second = await BotHarness(settings, clock, load_demo=True).start()
    await first.make_official("Quản trị", role="admin", user="admin")
    yield first, second
    await second.close()
    await first.close()


async def test_a_synonym_takes_effect_in_a_second_process(
        two: tuple[BotHarness, BotHarness]) -> None:
    first, second = two
    assert SECTION not in texts(await second.say(QUESTION))
    added = texts(await first.say(f"/tuongduong them {TERM} = {MEANS}", user="admin"))
    assert T.SYNONYMS_ADDED.format(term=TERM, expansions=MEANS) in added
    await first.app.dispatcher.drain()
    assert first.app.knowledge_watcher is not None and second.app.knowledge_watcher is not None
    assert await second.app.knowledge_watcher.tick()  # the generation moved: rebuilt
    answered = texts(await second.say(QUESTION))
    assert A.NOT_FOUND not in answered and SECTION in answered
    # and removing it takes effect there too
    removed = texts(await first.say(f"/tuongduong xoá {TERM}", user="admin"))
    assert T.SYNONYMS_REMOVED.format(what=TERM) in removed
    assert await second.app.knowledge_watcher.tick()
    assert SECTION not in texts(await second.say(QUESTION))


async def test_list_add_to_a_term_and_remove_one_synonym(kb_harness: BotHarness) -> None:
    await kb_harness.make_official("Quản trị", role="admin", user="admin")
    assert T.SYNONYMS_NONE in texts(await kb_harness.say("/tuongduong", user="admin"))
    await kb_harness.say("/tuongduong CNSCĐ = tổ công nghệ số", user="admin")
    both = texts(await kb_harness.say("/tuongduong them CNSCĐ = tổ CNS, tổ công nghệ số",
                                      user="admin"))
    assert T.SYNONYMS_ADDED.format(term="CNSCĐ", expansions="tổ công nghệ số, tổ CNS") in both
    same = texts(await kb_harness.say("/tuongduong them CNSCĐ = tổ CNS", user="admin"))
    assert same.startswith(T.SYNONYMS_UNCHANGED.split("{")[0])
    listing = texts(await kb_harness.say("/tuongduong", user="admin"))
    assert T.SYNONYMS_ITEM.format(term="CNSCĐ", expansions="tổ công nghệ số, tổ CNS") in listing
    await kb_harness.say("/tuongduong xoa CNSCĐ = tổ CNS", user="admin")
    assert T.SYNONYMS_ITEM.format(term="CNSCĐ", expansions="tổ công nghệ số") + "\n" in texts(
        await kb_harness.say("/tuongduong", user="admin"))
    assert T.SYNONYMS_NOT_FOUND.format(what="không có") in texts(
        await kb_harness.say("/tuongduong xoa không có", user="admin"))
    assert T.SYNONYMS_USAGE in texts(await kb_harness.say("/tuongduong them CNSCĐ", user="admin"))


async def test_only_admins_edit_synonyms(kb_harness: BotHarness) -> None:
    await kb_harness.make_official("Lan", user="u2")
    assert C.NOT_ALLOWED in texts(await kb_harness.say("/tuongduong them a = b", user="u2"))
