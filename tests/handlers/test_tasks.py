"""/nhiemvu: open tasks, nearest deadline first, with days left."""

from __future__ import annotations

from datetime import date

from tests.handlers.checkin_helpers import add_tasks
from tests.harness import BotHarness, texts


async def test_open_tasks_nearest_first_with_days_left(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    other = await harness.make_official("Người Khác", user="u2")
    await add_tasks(harness, [me], [("NV3", "Không hạn", None), ("NV2", "Hạn xa", date(2026, 12, 31)),
                                    ("NV1", "Quá hạn", date(2026, 11, 20)),
                                    ("NV0", "Hôm nay", date(2026, 11, 23))])
    await add_tasks(harness, [other], [("NVX", "Việc của người khác", date(2026, 11, 24))])
    text = texts(await harness.say("/nhiemvu"))
    order = [text.index(code) for code in ("[NV1]", "[NV0]", "[NV2]", "[NV3]")]
    assert order == sorted(order)
    assert "quá hạn 3 ngày" in text and "hạn hôm nay" in text and "còn 38 ngày" in text
    assert "NVX" not in text


async def test_done_tasks_are_not_listed(harness: BotHarness) -> None:
    me = await harness.make_official("Lê Minh Châu")
    await add_tasks(harness, [me], [("NV1", "Việc một", date(2026, 12, 1))])
    for step in ["/baocao", "ci:done", "ci:e:none", "ci:ok"]:
        await (harness.press(step) if step.startswith("ci:") else harness.say(step))
    assert "không có nhiệm vụ nào" in texts(await harness.say("/nhiemvu"))
