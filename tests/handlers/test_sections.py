"""Whole sections on a phone: every section button and 'Xem thêm' show the full text, long ones in
pages walked with 'Xem tiếp' (every page reachable, nothing cut, across a restart)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db import guide_store
from bot.db.models import Guide
from bot.messages import OutgoingMessage
from bot.texts import ask as T
from bot.texts import guides as GT
from handlers.sections import MESSAGE_CHARS, PAGE_CHARS, pages_of
from tests.harness import BotHarness, button, fits, payloads, texts

STEPS = " ".join(f"Bước {i}: cán bộ một cửa kiểm tra thành phần hồ sơ số {i} và ghi phiếu tiếp nhận."
                 for i in range(60))
LONG_GUIDE = (
    "# Hướng dẫn tiếp nhận hồ sơ tại bộ phận một cửa\n\n"
    "Căn cứ: Quyết định số 77/QĐ-UBND ngày 01/02/2024\n\n"
    f"## Quy trình tiếp nhận\n\n{STEPS}\n\n## Lệ phí\n\nLệ phí nộp tại quầy thu ngân.\n"
).encode()


def _visible(text: str) -> str:
    return "".join(text.split())


def _body(message: OutgoingMessage) -> str:
    """The passage part of a page message (before the 📖 source block)."""
    return message.text.split("\n\n📖")[0]


def _next(message: OutgoingMessage) -> str | None:
    return next((b.payload for b in message.buttons if b.label.startswith("Xem tiếp")), None)


async def _read_section(h: BotHarness, payload: str, *, restart_after: int | None = None
                        ) -> list[OutgoingMessage]:
    """Open a section and press 'Xem tiếp' until the end; return every page shown."""
    pages = [(await h.press(payload))[-1]]
    while (following := _next(pages[-1])) is not None:
        if restart_after is not None and len(pages) == restart_after:
            await h.restart()
        pages.append((await h.press(following))[-1])
        assert len(pages) < 100
    return pages


async def _section_text(h: BotHarness, chunk_id: int) -> str:
    async with h.app.sessionmaker() as session:
        section = await guide_store.section_of_chunk(session, chunk_id)
    assert section is not None
    return "\n\n".join(text for _, text in section.chunks)


async def _add_long_guide(h: BotHarness) -> None:
    await h.make_official("Quản trị", role="admin", user="admin")
    assert fits(texts(await h.upload_guide("mot-cua.md", LONG_GUIDE, user="admin")), GT.ADDED)


async def _section_buttons(h: BotHarness, guide_payload: str) -> list[str]:
    """Every section button of a guide, following 'Các mục tiếp theo'."""
    found: list[str] = []
    payload: str | None = guide_payload
    while payload is not None:
        (reply,) = await h.press(payload)
        found += [b.payload for b in reply.buttons if b.payload.startswith("sec:")]
        payload = next((b.payload for b in reply.buttons if b.label == T.BUTTON_MORE_SECTIONS),
                       None)
    return found


async def test_every_demo_section_is_shown_whole(kb_harness: BotHarness) -> None:
    guides = [p for p in payloads(await kb_harness.say("/huongdan")) if p.startswith("guide:")]
    assert len(guides) == 6
    sections = [s for g in guides for s in await _section_buttons(kb_harness, g)]
    assert len(sections) == 69  # every section of the six demo guides (69 since the [chia sẻ] section)
    for payload in sections:
        pages = await _read_section(kb_harness, payload)
        shown = "".join(_body(p) for p in pages)
        assert _visible(shown) == _visible(await _section_text(kb_harness,
                                                               int(payload.split(":")[1])))
        assert all(not _body(p).endswith("…") for p in pages)


async def test_long_section_is_paged_and_every_page_is_reachable(harness: BotHarness) -> None:
    await _add_long_guide(harness)
    (guide,) = [p for p in payloads(await harness.say("/huongdan")) if p.startswith("guide:")]
    first = (await _section_buttons(harness, guide))[-2]  # opening, steps, fees
    pages = await _read_section(harness, first, restart_after=3)
    assert len(pages) >= 5
    total = len(pages)
    for number, page in enumerate(pages, start=1):
        assert T.PAGE_OF.format(page=number, pages=total) in page.text
        assert T.ANSWER_SECTION.format(section="Quy trình tiếp nhận") in page.text
        assert len(page.text) <= MESSAGE_CHARS and len(_body(page)) <= PAGE_CHARS
    assert _visible("".join(_body(p) for p in pages)) == _visible(STEPS)


async def test_long_answer_is_paged_too(harness: BotHarness) -> None:
    await _add_long_guide(harness)
    (answer,) = await harness.say("buoc 45 can bo mot cua kiem tra thanh phan ho so")
    assert "Bước 45" in _body(answer)  # the page that holds it, not the section's first
    assert T.PAGE_OF.split("{")[0] in answer.text
    start = button([answer], T.BUTTON_SECTION_START)
    pages = await _read_section(harness, start)
    assert _visible("".join(_body(p) for p in pages)) == _visible(STEPS)


async def test_a_section_opened_in_the_middle_offers_its_start(harness: BotHarness) -> None:
    await _add_long_guide(harness)
    async with harness.app.sessionmaker() as session:
        guide = (await session.execute(select(Guide))).scalar_one()
        chunks = await guide_store.guide_sections(session, guide)
    middle = chunks[2].id
    (reply,) = await harness.press(f"sec:{middle}")
    (first,) = await harness.press(label=T.BUTTON_SECTION_START)
    assert T.PAGE_OF.format(page=1, pages=len(chunks) - 2) in first.text  # opening, fees
    assert "Bước 0:" in _body(first)


async def test_pages_of_a_withdrawn_guide_are_gone(harness: BotHarness) -> None:
    await _add_long_guide(harness)
    (guide,) = [p for p in payloads(await harness.say("/huongdan")) if p.startswith("guide:")]
    first = (await _section_buttons(harness, guide))[-2]  # opening, steps, fees
    (page,) = await harness.press(first)
    following = _next(page)
    assert following is not None
    await harness.say(f"/thuhoi {guide.split(':', 1)[1]}", user="admin")
    assert texts(await harness.press(following)) == T.PASSAGE_GONE
    assert texts(await harness.press(first)) == T.PASSAGE_GONE


async def test_forged_or_broken_page_payloads_are_explained(kb_harness: BotHarness) -> None:
    for payload in ("pg:abc", "pg:1:x", "pg:1:999", "sec:99999999999999999999", "see:abc",
                    "sec:", "pg:"):
        assert texts(await kb_harness.press(payload)) == T.PASSAGE_GONE, payload


async def test_huge_title_and_source_still_fit_one_message(harness: BotHarness) -> None:
    title = "Hướng dẫn " + "rất dài " * 80
    source = "Căn cứ: Công văn " + "số 12/CV-UBND " * 40
    heading = "Mục " + "con " * 100
    guide = f"# {title}\n\n{source}\n\n## {heading}\n\n{STEPS}\n".encode()
    await harness.make_official("Quản trị", role="admin", user="admin")
    await harness.upload_guide("dai.md", guide, user="admin")
    async with harness.app.sessionmaker() as session:
        chunk = (await guide_store.guide_sections(
            session, (await session.execute(select(Guide))).scalar_one()))[0]
        section = await guide_store.section_of_chunk(session, chunk.id)
    assert section is not None
    pages = await _read_section(harness, f"sec:{chunk.id}")
    assert len(pages) == len(pages_of(section))
    assert all(len(p.text) <= MESSAGE_CHARS for p in pages)


def test_a_chunk_longer_than_a_page_is_split_without_loss() -> None:
    text = "\n\n".join(f"Đoạn {i}. " + "nội dung hướng dẫn chi tiết " * 30 for i in range(5))
    section = guide_store.SectionText("g", "Hướng dẫn", None, ("Mục 1",), ((7, text), (8, "Hết.")))
    pages = pages_of(section)
    assert [p.chunk_id for p in pages][-1] == 8 and len(pages) > 3
    assert [p.part for p in pages if p.chunk_id == 7] == list(range(len(pages) - 1))
    assert all(len(p.text) <= PAGE_CHARS for p in pages)
    assert _visible("".join(p.text for p in pages)) == _visible(text + "Hết.")
