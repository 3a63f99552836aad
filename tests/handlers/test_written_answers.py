"""/chuatraloi → 'Câu trả lời đã viết': an admin's Q&A answers listed page by page, edited ('Sửa', a
two-step conversation surviving restarts) and withdrawn ('Gỡ', confirmed), through the real
dispatcher; the search serves the new text only, a re-import of the guide keeps the change, and
every edit and withdrawal is on record (who, when, the text before and after)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.buttons import Offset
from bot.clock import ManualClock
from bot.config import Settings
from bot.db import guide_store
from bot.db.models import Guide, GuideVersion, QAEntry, QAEntryChange, Unit
from bot.guide_import import import_guide, ingest_limits
from bot.messages import OutgoingMessage
from bot.texts import ask as A
from bot.texts import common as C
from bot.texts import feedback as T
from handlers.unanswered import HISTORY_PER_PAGE, WRITTEN_PER_PAGE, AnswerHistory, WrittenAnswers
from scheduler.delivery import OutboxDispatcher
from scheduler.planner import send_guards
from tests.fakes import FakeChannel
from tests.harness import BotHarness, fields, fits, labels, payloads, texts

GOLD = "gia vang hom nay bao nhieu mot chi"
ANSWER = "Troly không theo dõi giá vàng; xem bảng giá niêm yết của ngân hàng nhà nước."
NEW = "Giá vàng do Ngân hàng Nhà nước công bố mỗi sáng; xem mục tỷ giá trên cổng thông tin."


@pytest.fixture
async def h(settings: Settings, clock: ManualClock) -> AsyncIterator[BotHarness]:
    """Demo guides; askers on a recording Telegram channel, the admin on the web chat."""
    harness = await BotHarness(settings, clock, {"telegram": FakeChannel(name="telegram")},
                               load_demo=True).start()
    await harness.make_official("Quản trị", role="admin", user="admin")
    yield harness
    await harness.close()


async def _answer(h: BotHarness, *, into_offered: bool = False) -> int:
    """Someone asks GOLD, the admin answers it (the unit's FAQ guide or the guide troly offered);
    returns the guide's id."""
    assert A.NOT_FOUND in texts(await h.say(GOLD, user="a1", channel="telegram"))
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_ANSWER, user="admin")
    target = await h.say(ANSWER, user="admin")
    if into_offered:
        choice = next(p for p in payloads(target) if p.startswith("qans:") and p != "qans:faq")
        await h.press(choice, user="admin")
    else:
        await h.press(label=T.BUTTON_FAQ, user="admin")
    await h.app.dispatcher.drain()
    assert ANSWER in texts(await h.say(GOLD, user="a2", channel="telegram"))
    async with h.app.sessionmaker() as session:
        (entry,) = (await session.execute(select(QAEntry))).scalars()
        return entry.guide_id


async def _ask(h: BotHarness, user: str) -> str:
    await h.app.dispatcher.drain()  # the index rebuild started after the commit
    return texts(await h.say(GOLD, user=user, channel="telegram"))


async def _reimport(h: BotHarness, guide_id: int) -> None:
    """The guide's current file uploaded again with one more line (a new version from the file)."""
    async with h.app.sessionmaker.begin() as session:
        guide = await session.get(Guide, guide_id)
        assert guide is not None
        version = await session.get(GuideVersion, guide.current_version_id)
        assert version is not None and version.content is not None
        new = version.content.decode("utf-8").replace("\n## ", "\nThêm một dòng.\n\n## ", 1)
        await import_guide(session, file_name=version.file_name, content=new.encode("utf-8"),
                           uploaded_by="Quản trị", now=h.clock.now(),
                           limits=ingest_limits(h.settings), replace=str(guide.id))
    await h.app.knowledge.reload(h.app.sessionmaker)


async def _sections(h: BotHarness, guide_id: int) -> list[str]:
    async with h.app.sessionmaker() as session:
        guide = await session.get(Guide, guide_id)
        assert guide is not None
        return [c.text for c in await guide_store.guide_sections(session, guide)]


async def test_edit_replaces_the_answer_everywhere(h: BotHarness) -> None:
    guide_id = await _answer(h)
    listing = await h.say("/chuatraloi", user="admin")
    assert T.QUEUE_NONE in texts(listing) and T.BUTTON_WRITTEN in labels(listing)
    written = await h.press(label=T.BUTTON_WRITTEN, user="admin")
    assert fits(texts(written), T.WRITTEN_HEADER) and ANSWER in texts(written)
    prompt = await h.press(label=T.BUTTON_EDIT, user="admin")
    assert fits(texts(prompt), T.EDIT_PROMPT) and ANSWER in texts(prompt)
    await h.restart()  # the conversation survives a restart at each step
    confirm = await h.say("Gia vang: mot con so sai", user="admin")
    assert fits(texts(confirm), T.EDIT_CONFIRM) and T.BUTTON_SAVE in labels(confirm)
    await h.restart()
    confirm = await h.say(NEW, user="admin")  # typed again at the confirmation: the newer text
    assert NEW in texts(confirm)
    await h.restart()
    assert ANSWER in await _ask(h, "a3")  # nothing changed before 'Lưu'
    done = await h.press(label=T.BUTTON_SAVE, among=confirm, user="admin")
    assert fits(texts(done), T.EDITED)
    answered = await _ask(h, "a4")
    assert NEW in answered and ANSWER not in answered and "mot con so sai" not in answered
    sections = await _sections(h, guide_id)
    assert sections.count(NEW) == 1 and ANSWER not in sections
    async with h.app.sessionmaker() as session:
        (entry,) = (await session.execute(select(QAEntry))).scalars()
        assert entry.answer == NEW
        guide = await session.get(Guide, guide_id)
        version = await session.get(GuideVersion, guide.current_version_id if guide else None)
        assert version is not None and version.content is not None
        assert NEW in version.content.decode() and ANSWER not in version.content.decode()
    again = await h.press(label=T.BUTTON_WRITTEN, among=listing, user="admin")
    assert NEW in texts(again) and ANSWER not in texts(again)


async def test_edit_can_be_cancelled(h: BotHarness) -> None:
    await _answer(h)
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_EDIT, user="admin")
    await h.say(NEW, user="admin")
    assert T.EDIT_STOPPED in texts(await h.say("/huy", user="admin"))
    assert ANSWER in await _ask(h, "a3")


async def test_quay_lai_at_the_confirmation_shows_the_answer_again(h: BotHarness) -> None:
    """As answering a question ('Trả lời': the guide's step goes back to the text), the new
    text's confirmation goes back to the answer as stored, to be written again."""
    await _answer(h)
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_EDIT, user="admin")
    confirm = await h.say(NEW, user="admin")
    assert labels(confirm) == [T.BUTTON_SAVE, C.BUTTON_BACK]
    await h.restart()
    back = texts(await h.press(label=C.BUTTON_BACK, user="admin"))
    assert fits(back, T.EDIT_PROMPT) and ANSWER in back
    assert ANSWER in await _ask(h, "a3")  # nothing stored


async def test_remove_needs_a_confirmation_and_stops_answering(h: BotHarness) -> None:
    await _answer(h)
    await h.say("/chuatraloi", user="admin")
    written = await h.press(label=T.BUTTON_WRITTEN, user="admin")
    confirm = await h.press(label=T.BUTTON_REMOVE, among=written, user="admin")
    assert fits(texts(confirm), T.REMOVE_CONFIRM)
    assert ANSWER in await _ask(h, "a3")  # not before the confirmation
    await h.restart()  # stateless buttons
    done = await h.press(label=T.BUTTON_REMOVE_CONFIRM, among=confirm, user="admin")
    assert fits(texts(done), T.REMOVED)
    assert ANSWER not in await _ask(h, "a4")
    # pressed again, or the old 'Sửa': gone
    assert texts(await h.press(label=T.BUTTON_REMOVE_CONFIRM, among=confirm,
                               user="admin")) == T.WRITTEN_GONE
    assert texts(await h.press(label=T.BUTTON_EDIT, among=written, user="admin")) == T.WRITTEN_GONE
    assert texts(await h.press(WrittenAnswers().pack(), user="admin")) == T.WRITTEN_NONE
    listing = await h.say("/chuatraloi", user="admin")
    assert T.BUTTON_WRITTEN not in labels(listing)
    assert T.BUTTON_HISTORY in labels(listing)  # the withdrawal is on record
    # the unit's FAQ guide, now without a section, still lists and opens without an error
    guides = await h.say("/huongdan", user="admin")
    faq = next(p for p in payloads(guides) if "hoi-dap" in p)
    opened = texts(await h.press(faq, user="admin"))
    assert C.GENERIC_ERROR not in opened


async def test_reimport_keeps_an_edit_and_a_removal(h: BotHarness) -> None:
    guide_id = await _answer(h, into_offered=True)
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_EDIT, user="admin")
    await h.say(NEW, user="admin")
    await h.press(label=T.BUTTON_SAVE, user="admin")
    await _reimport(h, guide_id)
    answered = await _ask(h, "a3")
    assert NEW in answered and ANSWER not in answered
    sections = await _sections(h, guide_id)
    assert sections.count(NEW) == 1 and ANSWER not in sections
    assert any("Thêm một dòng." in s for s in sections)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    await h.press(label=T.BUTTON_REMOVE, among=written, user="admin")
    await h.press(label=T.BUTTON_REMOVE_CONFIRM, user="admin")
    assert NEW not in await _sections(h, guide_id)
    await _reimport(h, guide_id)
    assert NEW not in await _sections(h, guide_id)
    assert NEW not in await _ask(h, "a4")


async def test_only_those_who_may_answer_may_edit(h: BotHarness) -> None:
    await _answer(h)  # into the FAQ guide of the admin's unit DV1
    await h.make_official("Lan", user="plain", unit_code="DV2")
    await h.make_official("Hùng", role="head", user="owner", unit_code="DV3")
    async with h.app.sessionmaker.begin() as session:  # DV3 owns a guide: it reviews its queue
        unit = (await session.execute(select(Unit).where(Unit.code == "DV3"))).scalar_one()
        other = (await session.execute(select(Guide).order_by(Guide.id))).scalars().first()
        assert other is not None
        other.owner_unit_id = unit.id
    await h.say("/chuatraloi", user="admin")
    written = await h.press(label=T.BUTTON_WRITTEN, user="admin")
    edit, remove = (p for p in payloads(written) if p.startswith(("uqe:", "uqr:")))
    entry = edit.split(":")[1]
    for user in ("plain", "owner"):
        assert texts(await h.press(edit, user=user)) == T.WRITTEN_GONE
        assert texts(await h.press(remove, user=user)) == T.WRITTEN_GONE
        assert texts(await h.press(f"uqx:{entry}", user=user)) == T.WRITTEN_GONE
        assert texts(await h.say(NEW, user=user)) != T.EDITED  # no conversation was started
    assert C.NOT_ALLOWED in texts(await h.press(WrittenAnswers().pack(), user="plain"))
    owner_list = await h.press(WrittenAnswers().pack(), user="owner")
    assert texts(owner_list) == T.WRITTEN_NONE
    # a colleague of the unit owning the FAQ guide may edit; the right is checked again at 'Lưu'
    await h.make_official("Mai", user="colleague", unit_code="DV1")
    assert fits(texts(await h.press(edit, user="colleague")), T.EDIT_PROMPT)
    await h.say(NEW, user="colleague")
    async with h.app.sessionmaker.begin() as session:
        faq = (await session.execute(select(Guide).where(Guide.slug == "hoi-dap-dv1"))).scalar_one()
        faq.owner_unit_id = unit.id  # handed to DV3 meanwhile
    assert texts(await h.press(label=T.BUTTON_SAVE, user="colleague")) == T.WRITTEN_GONE
    async with h.app.sessionmaker() as session:
        (row,) = (await session.execute(select(QAEntry))).scalars()
        assert row.answer == ANSWER
    assert ANSWER in await _ask(h, "a3")


def _telegram(h: BotHarness) -> FakeChannel:
    channel = h.channels["telegram"]
    assert isinstance(channel, FakeChannel)
    return channel


async def _deliver(h: BotHarness) -> None:
    await h.app.dispatcher.drain()
    await OutboxDispatcher(h.app.sessionmaker, h.clock, h.app.channels, worker_id="t",
                           guards=send_guards()).drain()


async def test_an_askers_message_not_yet_sent_carries_the_edit(h: BotHarness) -> None:
    await _answer(h)  # the message to the asker a1 is still in the outbox
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_EDIT, user="admin")
    await h.say(NEW, user="admin")
    done = texts(await h.press(label=T.BUTTON_SAVE, user="admin"))
    assert T.EDITED_WAITING.format(count=1) in done
    await _deliver(h)
    ((chat, message),) = _telegram(h).sent
    assert chat.chat_id == "a1" and fits(message.text, T.ASKER_ANSWERED)
    assert NEW in message.text and ANSWER not in message.text
    # its 'Đọc mục này' opens the edited section of the guide's current version
    section = texts(await h.press(message.buttons[0].payload, user="a1", channel="telegram"))
    assert NEW in section and ANSWER not in section


async def test_an_askers_message_not_yet_sent_is_cancelled_with_the_answer(h: BotHarness) -> None:
    await _answer(h)
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_REMOVE, user="admin")
    done = texts(await h.press(label=T.BUTTON_REMOVE_CONFIRM, user="admin"))
    assert T.REMOVED_WAITING.format(count=1) in done
    await _deliver(h)
    assert _telegram(h).sent == []


# ---------------------------------------------------------------- the record of edits and withdrawals


async def _edit(h: BotHarness, text: str, *, user: str = "admin") -> list[OutgoingMessage]:
    """'Câu trả lời đã viết' → 'Sửa' → the text → 'Lưu' (the list's first answer)."""
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user=user),
                            user=user)
    await h.press(label=T.BUTTON_EDIT, among=written[1:2], user=user)
    await h.say(text, user=user)
    return await h.press(label=T.BUTTON_SAVE, user=user)


async def _records(h: BotHarness) -> list[QAEntryChange]:
    async with h.app.sessionmaker() as session:
        return list((await session.execute(select(QAEntryChange)
                                           .order_by(QAEntryChange.id))).scalars())


async def test_edits_and_a_withdrawal_are_recorded_and_shown(h: BotHarness) -> None:
    await _answer(h)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    assert T.BUTTON_HISTORY not in labels(written)  # nothing changed yet
    assert T.BUTTON_ENTRY_HISTORY not in labels(written) and not fits(texts(written),
                                                                     T.WRITTEN_EDITED)
    h.clock.advance(timedelta(minutes=5))
    assert fits(texts(await _edit(h, NEW)), T.EDITED)
    h.clock.advance(timedelta(minutes=5))
    await h.make_official("Mai", user="colleague", unit_code="DV1")  # a colleague in the unit
    assert fits(texts(await _edit(h, "Xem bảng giá vàng trên cổng thông tin.", user="colleague")),
                T.EDITED)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    edited = fields(texts(written), T.WRITTEN_EDITED)
    assert edited is not None and edited["count"] == "2" and edited["by"] == "Mai"
    history = await h.press(label=T.BUTTON_ENTRY_HISTORY, among=written, user="admin")
    assert fits(texts(history), T.HISTORY_ENTRY_HEADER)
    newest, older = (fields(m.text, T.HISTORY_EDITED) for m in history[1:3])  # newest first
    assert newest is not None and older is not None
    assert (newest["by"], newest["question"], newest["when"]) == ("Mai", GOLD, edited["when"])
    assert (newest["old"], newest["new"]) == (NEW, "Xem bảng giá vàng trên cổng thông tin.")
    assert (older["by"], older["old"], older["new"]) == ("Quản trị", ANSWER, NEW)
    # the withdrawal: the entry is gone from the list, its record stays
    await h.press(label=T.BUTTON_REMOVE, among=written, user="admin")
    await h.press(label=T.BUTTON_REMOVE_CONFIRM, user="admin")
    listing = await h.say("/chuatraloi", user="admin")
    assert T.BUTTON_WRITTEN not in labels(listing)
    await h.restart()  # the record is in the database, the buttons are stateless
    log = await h.press(label=T.BUTTON_HISTORY, among=listing, user="admin")
    assert fits(texts(log), T.HISTORY_HEADER)
    removed = fields(log[1].text, T.HISTORY_REMOVED)
    assert removed is not None and removed["by"] == "Quản trị" and removed["question"] == GOLD
    assert removed["old"] == "Xem bảng giá vàng trên cổng thông tin."
    assert sum(fits(m.text, T.HISTORY_EDITED) for m in log) == 2
    records = await _records(h)
    assert [(r.action, r.changed_by) for r in records] == [
        ("edited", "Quản trị"), ("edited", "Mai"), ("removed", "Quản trị")]
    assert records[0].old_answer == ANSWER and records[0].new_answer == NEW
    assert records[2].new_answer is None
    assert records[0].changed_at < records[1].changed_at
    async with h.app.sessionmaker() as session:
        mai = await session.get(QAEntryChange, records[1].id)
        assert mai is not None and mai.changed_by_id is not None


async def test_a_refused_save_records_nothing(h: BotHarness) -> None:
    await _answer(h)
    await h.say("/chuatraloi", user="admin")
    await h.press(label=T.BUTTON_WRITTEN, user="admin")
    await h.press(label=T.BUTTON_EDIT, user="admin")
    await h.say(NEW, user="admin")
    async with h.app.sessionmaker.begin() as session:  # withdrawn meanwhile, elsewhere
        (entry,) = (await session.execute(select(QAEntry))).scalars()
        await session.delete(entry)
    assert texts(await h.press(label=T.BUTTON_SAVE, user="admin")) == T.WRITTEN_GONE
    assert await _records(h) == []
    assert T.BUTTON_HISTORY not in labels(await h.say("/chuatraloi", user="admin"))


async def test_the_record_is_seen_by_those_who_may_see_the_answer(h: BotHarness) -> None:
    await _answer(h)  # into DV1's FAQ guide
    await _edit(h, NEW)
    await h.make_official("Lan", user="plain", unit_code="DV2")
    await h.make_official("Hùng", role="head", user="owner", unit_code="DV3")
    async with h.app.sessionmaker.begin() as session:  # DV3 owns another guide
        unit = (await session.execute(select(Unit).where(Unit.code == "DV3"))).scalar_one()
        other = (await session.execute(select(Guide).order_by(Guide.id))).scalars().first()
        assert other is not None
        other.owner_unit_id = unit.id
    assert C.NOT_ALLOWED in texts(await h.press(AnswerHistory().pack(), user="plain"))
    assert texts(await h.press(AnswerHistory().pack(), user="owner")) == T.HISTORY_NONE
    listing = await h.say("/chuatraloi", user="owner")
    assert T.BUTTON_HISTORY not in labels(listing)
    (entry_history,) = [p for p in payloads(await h.press(WrittenAnswers().pack(), user="admin"))
                        if p.startswith(AnswerHistory.prefix + ":")]
    assert texts(await h.press(entry_history, user="owner")) == T.WRITTEN_GONE
    await h.make_official("Mai", user="colleague", unit_code="DV1")
    assert NEW in texts(await h.press(label=T.BUTTON_HISTORY,
                                      among=await h.say("/chuatraloi", user="colleague"),
                                      user="colleague"))


async def test_a_new_answer_does_not_inherit_a_withdrawn_ones_record(h: BotHarness) -> None:
    """SQLite gives a new row the id of the largest one deleted: the new answer starts clean."""
    await _answer(h)
    await _edit(h, NEW)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    await h.press(label=T.BUTTON_REMOVE, among=written, user="admin")
    await h.press(label=T.BUTTON_REMOVE_CONFIRM, user="admin")
    await _answer(h)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    assert not fits(texts(written), T.WRITTEN_EDITED)
    assert T.BUTTON_ENTRY_HISTORY not in labels(written)
    entry = next(p for p in payloads(written) if p.startswith("uqe:")).split(":")[1]
    assert texts(await h.press(AnswerHistory(entry_id=int(entry)).pack(),
                               user="admin")) == T.HISTORY_NONE


# ---------------------------------------------------------------- more than a page, more than 200


async def _many(h: BotHarness, count: int) -> list[str]:
    """`count` written answers in one FAQ guide (stored directly: the list reads the entries),
    one a minute; their questions, newest first."""
    async with h.app.sessionmaker.begin() as session:
        guide = Guide(slug="hoi-dap-nhieu", title="Hỏi – đáp nhiều", status="active",
                      created_at=h.clock.now(), updated_at=h.clock.now())
        session.add(guide)
        await session.flush()
        for n in range(count):
            session.add(QAEntry(guide_id=guide.id, heading_path=[T.QA_HEADING, f"Câu hỏi số {n}"],
                                answer=f"Trả lời số {n}.", created_at=h.clock.now(),
                                created_by="Quản trị"))
            h.clock.advance(timedelta(minutes=1))
    return [f"Câu hỏi số {n}" for n in reversed(range(count))]


def _questions(replies: list[OutgoingMessage]) -> list[str]:
    return [found["question"] for m in replies
            if (found := fields(m.text, T.WRITTEN_ITEM)) is not None]


async def test_every_answer_is_reached_page_by_page(h: BotHarness) -> None:
    count = 40 * WRITTEN_PER_PAGE + 3  # more than the 200 the list used to stop at
    questions = await _many(h, count)
    pages = -(-count // WRITTEN_PER_PAGE)
    page = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                         user="admin")
    assert fields(texts(page), T.WRITTEN_HEADER) == {
        "count": str(count), "first": "1", "last": str(WRITTEN_PER_PAGE)}
    assert T.PAGE.format(page=1, pages=pages) in texts(page)
    assert T.BUTTON_PREV_PAGE not in labels(page)
    seen = _questions(page)
    for number in range(2, pages + 1):
        page = await h.press(label=T.BUTTON_NEXT_PAGE, among=page, user="admin")
        assert T.PAGE.format(page=number, pages=pages) in texts(page)
        seen += _questions(page)
    assert seen == questions  # each once, newest first, the oldest three included
    assert T.BUTTON_NEXT_PAGE not in labels(page) and T.BUTTON_PREV_PAGE in labels(page)
    back = await h.press(label=T.BUTTON_PREV_PAGE, among=page, user="admin")
    assert T.PAGE.format(page=pages - 1, pages=pages) in texts(back)
    assert _questions(back) == questions[-8:-3]
    # navigation, not a choice: pressing a page button spends no keyboard (bot/keyboards.py)
    assert all(b.reusable for m in page for b in m.buttons
               if b.label in (T.BUTTON_PREV_PAGE, T.BUTTON_NEXT_PAGE))


async def test_a_page_past_the_end_shows_the_last_page(h: BotHarness) -> None:
    questions = await _many(h, 2 * WRITTEN_PER_PAGE + 1)
    page = await h.press(WrittenAnswers(Offset(10 * WRITTEN_PER_PAGE)).pack(), user="admin")
    assert _questions(page) == questions[-1:]  # entries withdrawn since the button was sent


async def test_the_history_pages_too(h: BotHarness) -> None:
    await _answer(h)
    texts_in_order = [f"Nội dung lần {n}." for n in range(HISTORY_PER_PAGE + 2)]
    for text in texts_in_order:
        h.clock.advance(timedelta(minutes=1))
        await _edit(h, text)
    written = await h.press(label=T.BUTTON_WRITTEN, among=await h.say("/chuatraloi", user="admin"),
                            user="admin")
    first = await h.press(label=T.BUTTON_ENTRY_HISTORY, among=written, user="admin")
    assert T.PAGE.format(page=1, pages=2) in texts(first)
    second = await h.press(label=T.BUTTON_NEXT_PAGE, among=first, user="admin")
    news = [found["new"] for m in first + second
            if (found := fields(m.text, T.HISTORY_EDITED)) is not None]
    assert news == list(reversed(texts_in_order))
