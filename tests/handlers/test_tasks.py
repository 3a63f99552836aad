"""/nhiemvu: open tasks, nearest deadline first, with days left."""

from __future__ import annotations

from datetime import date

from bot.texts import checkin as CT
from bot.texts import people as P
from tests.harness import BotHarness, Press, texts


async def test_open_tasks_nearest_first_with_days_left(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    other = await harness.make_official("Người Khác", user="u2")
    await harness.world.tasks([me], [("NV3", "Không hạn", None), ("NV2", "Hạn xa", date(2026, 12, 31)),
                                     ("NV1", "Quá hạn", date(2026, 11, 20)),
                                     ("NV0", "Hôm nay", date(2026, 11, 23))])
    await harness.world.tasks([other], [("NVX", "Việc của người khác", date(2026, 11, 24))])
    text = texts(await harness.say("/nhiemvu"))
    order = [text.index(code) for code in ("[NV1]", "[NV0]", "[NV2]", "[NV3]")]
    assert order == sorted(order)
    assert CT.OVERDUE_DAYS.format(days=3) in text and CT.DUE_TODAY in text
    assert CT.DAYS_LEFT.format(days=38) in text
    assert "NVX" not in text


async def test_done_tasks_are_not_listed(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    await harness.world.tasks([me], [("NV1", "Việc một", date(2026, 12, 1))])
    for step in ["/baocao", Press(CT.BTN_DONE), Press(CT.BTN_NONE), Press(CT.BTN_SUBMIT)]:
        await harness.act(step)
    assert P.NO_TASKS in texts(await harness.say("/nhiemvu"))
