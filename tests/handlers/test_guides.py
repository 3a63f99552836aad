"""Guides in chat: list and browse; admins add, replace and withdraw; bad files lose nothing."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import docx
import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import Settings
from bot.db import guide_store
from bot.db.models import Guide, GuideChunk, GuideVersion, Official, PendingUpload
from bot.events import ChatRef, FileReceived, Sender
from bot.guide_import import PENDING_TTL
from bot.texts import ask as A
from bot.texts import guidance as GT
from bot.texts import guide_upload as UT
from bot.texts import guides as T
from knowledge.types import IngestProblem
from scheduler.ticks import Ticks
from tests.harness import BotHarness, button, fields, fits, labels, payloads, texts
from tests.knowledge.conftest import number_heading_styles

TITLE = "Hướng dẫn tiếp nhận hồ sơ đất đai"

GUIDE_V1 = """# Hướng dẫn tiếp nhận hồ sơ đất đai

Căn cứ: Công văn số 12/CV-UBND

## Thời gian tiếp nhận

Bộ phận một cửa tiếp nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm hằng tuần.

## Lệ phí

Lệ phí thẩm định hồ sơ cấp giấy chứng nhận quyền sử dụng đất nộp tại quầy thu ngân.
""".encode()

GUIDE_V2 = GUIDE_V1.replace("thứ Ba và thứ Năm".encode(), "tất cả các ngày làm việc".encode())


async def _admin(h: BotHarness) -> None:
    await h.make_official("Quản trị", role="admin", user="admin")


async def test_admin_adds_guide_by_sending_a_file(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    (summary,) = await kb_harness.send_file("dat-dai.md", GUIDE_V1, user="admin")
    # what the file holds, and nothing stored before "Lưu" (the choices: tests/handlers/
    # test_guide_upload.py)
    assert UT.SUMMARY_FILE.format(file="dat-dai.md", title=TITLE, sections=3, passages=3) \
        in summary.text
    assert [b.label for b in summary.buttons] == [UT.BUTTON_SAVE, UT.BUTTON_UNITS,
                                                  UT.BUTTON_DATES, UT.BUTTON_REPLACES,
                                                  UT.BUTTON_CANCEL]
    assert not [g for g in await _guides(kb_harness) if g[1] == TITLE]
    replies = await kb_harness.press(label=UT.BUTTON_SAVE, user="admin")
    await kb_harness.app.dispatcher.drain()
    assert fits(texts(replies), T.ADDED.format(title=TITLE, version=1, sections=3, passages=3,
                                               ref=T.REF_LINE.format(source_ref="{ref}")))
    assert T.REF_LINE.format(source_ref="Công văn số 12/CV-UBND") in texts(replies)
    answer = texts(await kb_harness.say("bo phan mot cua tiep nhan ho so dat dai vao ngay nao"))
    assert "thứ Ba và thứ Năm" in answer


async def _replace(h: BotHarness, file_name: str, content: bytes, *, restart: bool = False) -> str:
    """Send a file whose title exists, store it as its new version; return the final reply."""
    (question,) = await h.send_file(file_name, content, user="admin")
    assert fits(question.text, UT.SUMMARY_NEW_VERSION)
    if restart:
        await h.restart()
    replies = await h.press(label=UT.BUTTON_SAVE, user="admin")
    await h.app.dispatcher.drain()
    return texts(replies)


async def test_replacing_keeps_old_version_and_answers_from_new(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    await kb_harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    replies = await _replace(kb_harness, "dat-dai-v2.md", GUIDE_V2, restart=True)
    assert fits(replies, T.REPLACED.format(title=TITLE, version=2, old=1, sections="{sections}",
                                           passages="{passages}", ref="{ref}"))
    answer = texts(await kb_harness.say("bo phan mot cua tiep nhan ho so dat dai vao ngay nao"))
    assert "tất cả các ngày làm việc" in answer and "thứ Ba" not in answer
    async with kb_harness.app.sessionmaker() as session:
        guide = (await session.execute(
            select(Guide).where(Guide.title == "Hướng dẫn tiếp nhận hồ sơ đất đai"))).scalar_one()
        versions = await session.scalar(
            select(func.count()).select_from(GuideVersion).where(GuideVersion.guide_id == guide.id))
        assert versions == 2


async def test_same_file_twice_changes_nothing(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    await kb_harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    assert T.UNCHANGED.format(title=TITLE, version=1) in texts(
        await kb_harness.send_file("x.md", GUIDE_V1, user="admin"))


#: the start of a legacy Word (.doc) file: an OLE compound document
OLE = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 64


async def test_bad_files_get_a_reason_and_store_nothing(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    async with kb_harness.app.sessionmaker() as session:
        before = await session.scalar(select(func.count()).select_from(GuideChunk))
    cases = {
        "tep.xyz": (b"\x00\x01 some bytes", T.INGEST_PROBLEMS[IngestProblem.UNSUPPORTED_TYPE]),
        "rong.md": (b"", T.INGEST_PROBLEMS[IngestProblem.EMPTY]),
        "hong.pdf": (b"%PDF-1.7\n garbage", T.INGEST_PROBLEMS[IngestProblem.CORRUPTED]),
        "hong.docx": (b"PK\x03\x04 not really a zip", T.INGEST_PROBLEMS[IngestProblem.CORRUPTED]),
        # the kinds admins send most often get what to do instead
        "anh.jpg": (b"\xff\xd8\xff\xe0", T.UNSUPPORTED_KINDS["image"]),
        "cu.doc": (OLE, T.UNSUPPORTED_KINDS["word_legacy"]),
        "cu-doi-ten.docx": (OLE, T.UNSUPPORTED_KINDS["word_legacy"]),
        "van-ban.odt": (b"PK\x03\x04", T.UNSUPPORTED_KINDS["document"].format(suffix=".odt")),
        "trinh-chieu.PPTX": (b"PK\x03\x04",
                             T.UNSUPPORTED_KINDS["slides"].format(suffix=".pptx")),
        "ho-so.zip": (b"PK\x03\x04", T.UNSUPPORTED_KINDS["archive"].format(suffix=".zip")),
    }
    for name, (content, reason) in cases.items():
        reply = texts(await kb_harness.send_file(name, content, user="admin"))
        assert T.INGEST_FAILED.format(file=name, reason=reason) in reply, reply
    reply = texts(await kb_harness.send_file("lon.pdf", None, user="admin"))
    assert fits(reply, T.FILE_TOO_LARGE_TO_DOWNLOAD.format(file="lon.pdf", limit="{limit}"))
    async with kb_harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(GuideChunk)) == before


async def test_non_admin_file_is_refused_politely(kb_harness: BotHarness) -> None:
    await kb_harness.make_official("Lan", user="lan")
    assert T.ONLY_ADMINS_UPLOAD in texts(await kb_harness.send_file("a.md", GUIDE_V1, user="lan"))
    assert T.ONLY_ADMINS_UPLOAD in texts(await kb_harness.send_file("a.md", GUIDE_V1, user="guest"))


async def test_withdrawn_guide_is_never_used(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    await kb_harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    replies = await kb_harness.say("bo phan mot cua tiep nhan ho so dat dai vao ngay nao")
    assert "thứ Ba" in texts(replies)
    slug = "huong-dan-tiep-nhan-ho-so-dat-dai"
    assert T.WITHDRAWN.format(title=TITLE) in texts(
        await kb_harness.say(f"/thuhoi {slug}", user="admin"))
    await kb_harness.app.dispatcher.drain()
    after = texts(await kb_harness.say("bo phan mot cua tiep nhan ho so dat dai vao ngay nao"))
    assert "thứ Ba" not in after
    assert T.GUIDE_GONE in texts(await kb_harness.press(f"guide:{slug}"))


async def _withdrawal(h: BotHarness, slug: str) -> tuple[str, str | None, object]:
    async with h.app.sessionmaker() as session:
        guide = await guide_store.find_guide(session, slug)
        assert guide is not None
        return guide.status, guide.withdrawn_reason, guide.withdrawn_at


async def test_a_guide_withdrawn_twice_at_once_is_withdrawn_once(kb_harness: BotHarness) -> None:
    """Review of 6110600: 'already withdrawn' was read, then written. /thuhoi that read the guide
    active while the expiry job withdrew it wrote a second withdrawal (a new time, told to its
    audience again; the reason 'expired' overwritten). The row's status decides in one UPDATE."""
    h = kb_harness
    await _admin(h)
    await h.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    slug = "huong-dan-tiep-nhan-ho-so-dat-dai"
    async with h.app.sessionmaker() as session:  # what /thuhoi read: the guide active
        stale = await guide_store.find_guide(session, slug)
    assert stale is not None and stale.status == "active"
    first = h.clock.now()
    async with h.app.sessionmaker.begin() as session:  # the expiry job, in between
        guide = await guide_store.find_guide(session, slug)
        assert guide is not None
        await guide_store.withdraw_guide(session, guide, first, reason="expired")
    h.clock.advance(timedelta(minutes=1))
    async with h.app.sessionmaker.begin() as session:
        session.add(stale)
        again = await guide_store.withdraw_guide(session, stale, h.clock.now())
    status, reason, at = await _withdrawal(h, slug)
    assert (status, reason) == ("withdrawn", "expired") and at is not None
    assert at.replace(tzinfo=None) == first.replace(tzinfo=None)  # type: ignore[attr-defined]
    assert again is False and stale.withdrawn_reason == "expired"


async def test_two_transactions_withdrawing_at_once_withdraw_once(
        kb_harness: BotHarness, database_url: str) -> None:
    """The same on PostgreSQL with the two transactions really at once (READ COMMITTED): both
    read the guide active; the second's UPDATE waits for the first's commit, then finds the
    row withdrawn and changes nothing. (SQLite writers take the lock at BEGIN: one at a time.)"""
    if not database_url.startswith("postgresql"):
        pytest.skip("two writers at once: PostgreSQL only")
    h = kb_harness
    await _admin(h)
    await h.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    slug = "huong-dan-tiep-nhan-ho-so-dat-dai"
    now = h.clock.now()
    async with h.app.sessionmaker() as one, h.app.sessionmaker() as two:
        first, second = (await guide_store.find_guide(one, slug),
                         await guide_store.find_guide(two, slug))
        assert first is not None and second is not None and second.status == "active"
        await guide_store.withdraw_guide(one, first, now, reason="expired")
        racing = asyncio.create_task(
            guide_store.withdraw_guide(two, second, now + timedelta(minutes=1)))
        await asyncio.sleep(0.3)
        assert not racing.done()  # waits on the first's row lock
        await one.commit()
        again = await racing
        await two.commit()
    status, reason, _ = await _withdrawal(h, slug)
    assert (status, reason) == ("withdrawn", "expired") and again is False


async def test_list_and_browse_guides(kb_harness: BotHarness) -> None:
    replies = await kb_harness.say("/huongdan")
    assert A.GUIDE_LIST_HEADER.format(count=6) in texts(replies)
    guide_buttons = [p for p in payloads(replies) if p.startswith("guide:")]
    assert len(guide_buttons) == 6
    (sections,) = await kb_harness.press(label=labels(replies)[0])
    assert fits(sections.text, A.GUIDE_SECTIONS_HEADER)
    opened = [b.payload for b in sections.buttons if b.payload.startswith("sec:")]
    assert opened and "📖" in texts(await kb_harness.press(opened[-1]))


async def test_the_list_is_not_numbered_and_heads_see_the_codes(kb_harness: BotHarness) -> None:
    """'/huongdan 2' opens the guide whose id is 2: a list numbered 1., 2. … invited typing the
    place instead. Heads and admins, who type '/huongdan <mã>', see each guide's code."""
    await kb_harness.make_official("Trưởng", role="head", user="head")
    guest = texts(await kb_harness.say("/huongdan"))
    bullet = A.GUIDE_LIST_ITEM.format(title="", ref="")
    code_mark = A.GUIDE_CODE.split("{")[0]
    assert "\n" + bullet in guest and "\n1. " not in guest and code_mark not in guest
    head = texts(await kb_harness.say("/huongdan", user="head"))
    codes = [found["slug"] for line in head.splitlines()
             if (found := fields(line, A.GUIDE_CODE)) is not None]
    assert len(codes) == 6
    opened = texts(await kb_harness.say(f"/huongdan {codes[1]}", user="head"))
    # the second line
    assert head.splitlines()[2].removeprefix(bullet).split(" (")[0] in opened


async def test_a_guide_typed_by_words_of_its_title(kb_harness: BotHarness) -> None:
    """Found in the web chat (ux-web): officials see titles, not codes, and typed
    "/huongdan ky so"; any word that was no code got "Hướng dẫn này không còn hiệu lực" — a guide
    that never existed said to be out of force. Words of one title (diacritics optional) open
    it, as /chiase does; words that fit none, or several, say so above the list."""
    opened = texts(await kb_harness.say("/huongdan chu ky so"))
    assert fits(opened, A.GUIDE_SECTIONS_HEADER)
    assert "Hướng dẫn gửi, nhận văn bản điện tử và sử dụng chữ ký số" in opened
    replies = await kb_harness.say("/huongdan abc")  # nothing
    assert T.GUIDE_GONE not in texts(replies)
    assert texts(replies[:1]) == T.GUIDE_TYPED_NOT_FOUND.format(key="abc")
    assert A.GUIDE_LIST_HEADER.format(count=6) in texts(replies)
    # several (review of 91a10b5: they were told "Không tìm thấy"): said so, the ones that fit
    # listed, each a button that opens it
    (several,) = await kb_harness.say("/huongdan huong dan")  # every guide
    assert T.GUIDE_TYPED_NOT_FOUND.format(key="huong dan") not in several.text
    assert several.text.splitlines()[0] == T.GUIDE_TYPED_SEVERAL.format(key="huong dan", count=6)
    assert len(several.buttons) == 6 and len(several.text.splitlines()) == 7
    (opened_one,) = await kb_harness.press(several.buttons[0].payload)
    assert fits(opened_one.text, A.GUIDE_SECTIONS_HEADER)
    shared = texts(await kb_harness.say("/chiase dich vu cong truc tuyen"))
    assert GT.SHARE_SOURCE.split("{")[0] in shared


async def test_unanswered_list_for_admins(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    await kb_harness.say("gia vang hom nay bao nhieu")
    assert "gia vang hom nay" in texts(await kb_harness.say("/chuatraloi", user="admin"))


def _bomb_docx(paragraphs: int) -> bytes:
    """A small .docx whose text inflates ~100:1: every heading a section, every section a passage."""
    document = docx.Document()
    for n in range(paragraphs):
        document.add_heading(f"Mục {n}", 1)
        document.add_paragraph("Nội dung hướng dẫn chuyển đổi số cấp xã. " * 8)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.mark.slow
async def test_a_guide_too_long_or_inflating_too_far_is_refused_in_chat(
        settings: Settings, clock: ManualClock) -> None:
    """Today a 0.8 MB .docx inflating to 200 MB became a 145,000-passage guide; here, smaller."""
    bomb = _bomb_docx(1500)
    settings = settings.model_copy(update={"max_guide_passages": 1000, "max_guide_unpacked_mb": 1})
    harness = await BotHarness(settings, clock).start()
    try:
        await _admin(harness)
        reply = texts(await harness.send_file("bom.docx", bomb, user="admin"))
        assert T.INGEST_FAILED.format(file="bom.docx", reason=T.INGEST_PROBLEMS[
            IngestProblem.UNPACKED_TOO_LARGE].format(limit=1)) in reply
        harness.settings = settings.model_copy(update={"max_guide_unpacked_mb": 50})
        await harness.restart()
        reply = texts(await harness.send_file("bom.docx", bomb, user="admin"))
        assert T.INGEST_FAILED.format(file="bom.docx", reason=T.INGEST_PROBLEMS[
            IngestProblem.TOO_MANY_PASSAGES].format(limit=1000)) in reply
        async with harness.app.sessionmaker() as session:
            assert await session.scalar(select(func.count()).select_from(Guide)) == 0
            assert await session.scalar(select(func.count()).select_from(GuideChunk)) == 0
    finally:
        await harness.close()


async def test_an_upload_over_its_declared_size_is_refused_unread(kb_harness: BotHarness) -> None:
    await _admin(kb_harness)
    event = FileReceived(chat=ChatRef("web", "admin"), sender=Sender("admin"),
                         at=kb_harness.clock.now(), file_name="lon.md", size=21 * 1024 * 1024,
                         content=GUIDE_V1)  # a channel that declared 21 MB but handed over bytes
    reply = texts(await kb_harness.app.dispatcher.feed(event))
    assert T.FILE_TOO_LARGE_TO_DOWNLOAD.format(file="lon.md", limit=20) in reply
    async with kb_harness.app.sessionmaker() as session:
        assert await session.scalar(
            select(func.count()).select_from(Guide).where(Guide.title.contains("đất đai"))) == 0


async def _guides(h: BotHarness) -> list[tuple[str, str, int]]:
    async with h.app.sessionmaker() as session:
        rows = (await session.execute(select(Guide).order_by(Guide.id))).scalars().all()
        counts = {g.id: await session.scalar(select(func.count()).select_from(GuideVersion)
                                             .where(GuideVersion.guide_id == g.id)) for g in rows}
    return [(g.slug, g.title, counts[g.id] or 0) for g in rows]


async def test_same_title_is_not_replaced_without_confirmation(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    (question,) = await harness.send_file("dat-dai-v2.md", GUIDE_V2, user="admin")
    assert UT.SUMMARY_NEW_VERSION.format(state="", version=1, old_file="dat-dai.md") \
        in question.text
    save = button([question], UT.BUTTON_SAVE)
    assert await _guides(harness) == [("huong-dan-tiep-nhan-ho-so-dat-dai",
                                       "Hướng dẫn tiếp nhận hồ sơ đất đai", 1)]
    assert UT.CANCELLED.format(file="dat-dai-v2.md") in texts(
        await harness.press(label=UT.BUTTON_CANCEL, user="admin"))
    assert (await _guides(harness))[0][2] == 1
    answer = texts(await harness.say("bo phan mot cua tiep nhan ho so dat dai vao ngay nao"))
    assert "thứ Ba và thứ Năm" in answer
    assert texts(await harness.press(save, user="admin")) == UT.STALE_BUTTON
    assert (await _guides(harness))[0][2] == 1


async def test_only_the_uploading_admin_may_save_and_only_while_it_waits(
        harness: BotHarness) -> None:
    await _admin(harness)
    await harness.make_official("Quản trị 2", role="admin", user="admin2")
    await harness.make_official("Lan", user="lan")
    await harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    (question,) = await harness.send_file("dat-dai-v2.md", GUIDE_V2, user="admin")
    save = button([question], UT.BUTTON_SAVE)
    for user in ("admin2", "lan", "guest"):
        assert texts(await harness.press(save, user=user)) == UT.STALE_BUTTON
    # idle past the conversation's time: the file is dropped, the button no longer stores it
    harness.clock.advance(timedelta(minutes=harness.settings.conversation_idle_minutes + 1))
    replies = texts(await harness.press(save, user="admin"))
    assert UT.EXPIRED.format(file="dat-dai-v2.md") in replies and UT.STALE_BUTTON in replies
    assert (await _guides(harness))[0][2] == 1
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PendingUpload)) == 0
    for forged in ("gup:ok:99999999999999", "gup:ok:abc", "gup:maybe:1", "gup:", "gnew:save"):
        assert texts(await harness.press(forged, user="admin")) in (T.UPLOAD_CHOICE_GONE,
                                                                    UT.STALE_BUTTON)


async def test_a_replacement_asked_before_the_upload_conversation_still_works(
        harness: BotHarness) -> None:
    """'Thay thế hướng dẫn cũ' buttons sent before uploads asked first stay good for their day."""
    await _admin(harness)
    await harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    async with harness.app.sessionmaker.begin() as session:
        guide = (await session.execute(select(Guide))).scalar_one()
        admin = (await session.execute(select(Official))).scalar_one()
        row = PendingUpload(file_name="dat-dai-v2.md", content=GUIDE_V2, official_id=admin.id,
                            uploaded_by=admin.name, target_guide_id=guide.id,
                            created_at=harness.clock.now(),
                            expires_at=harness.clock.now() + PENDING_TTL)
        session.add(row)
        await session.flush()
        row_id = row.id
    assert texts(await harness.press(f"gup:ok:{row_id}", user="lan")) == T.UPLOAD_CHOICE_GONE
    replies = texts(await harness.press(f"gup:ok:{row_id}", user="admin"))
    assert fits(replies, T.REPLACED)
    assert (await _guides(harness))[0][2] == 2


async def test_a_different_title_never_replaces_a_guide_with_the_same_id(
        harness: BotHarness) -> None:
    await _admin(harness)
    await harness.upload_guide("a.md", "# Hướng dẫn báo cáo\n\nNội dung A.\n".encode(),
                               user="admin")
    replies = await harness.upload_guide("b.md", "# Hướng dẫn bảo cáo\n\nNội dung B.\n".encode(),
                                         user="admin")
    assert fits(texts(replies), T.ADDED)  # a new guide, not a replacement
    assert await _guides(harness) == [("huong-dan-bao-cao", "Hướng dẫn báo cáo", 1),
                                      ("huong-dan-bao-cao-2", "Hướng dẫn bảo cáo", 1)]


async def test_the_same_file_again_asks_nothing(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.upload_guide("dat-dai.md", GUIDE_V1, user="admin")
    (reply,) = await harness.send_file("copy.md", GUIDE_V1, user="admin")
    assert T.UNCHANGED.format(title=TITLE, version=1) in reply.text and not reply.buttons


async def test_pending_uploads_are_collected(harness: BotHarness) -> None:
    await _admin(harness)
    await harness.send_file("dat-dai-v2.md", GUIDE_V2, user="admin")  # never saved
    harness.clock.advance(PENDING_TTL + timedelta(minutes=1))
    await Ticks(harness.app.sessionmaker, harness.clock, {}, owner="t").maintenance_tick()
    async with harness.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(PendingUpload)) == 0


NUMBERED_GUIDE = """# Hướng dẫn chuyển đổi số cấp xã

## 1. Nguyên tắc chung

Mọi hồ sơ được số hóa trước khi lưu trữ.

## 2. Trách nhiệm của cán bộ

Cán bộ cập nhật tiến độ hằng tuần trên hệ thống.

## 3. Chế độ báo cáo

Báo cáo định kỳ gửi trước ngày 25 hằng tháng.
""".encode()


async def test_a_guide_lists_each_section_once_without_a_second_number(
        harness: BotHarness) -> None:
    await _admin(harness)
    await harness.upload_guide("cds.md", NUMBERED_GUIDE, user="admin")
    await harness.make_official("Lan", user="u1")
    (sections,) = await harness.say("/huongdan huong-dan-chuyen-doi-so-cap-xa")
    shown = [b.label for b in sections.buttons if b.payload.startswith("sec:")]
    assert shown == ["1. Nguyên tắc chung", "2. Trách nhiệm của cán bộ", "3. Chế độ báo cáo"]
    # the buttons are the list: the text is a short header, not the same labels again
    assert sections.text == A.GUIDE_SECTIONS_HEADER.format(
        title="Hướng dẫn chuyển đổi số cấp xã", count=3)
    assert not any(label in sections.text for label in shown)
    assert "2. 1." not in sections.text and "1. 1." not in sections.text
    # a restart changes nothing: the buttons need no conversation state
    await harness.restart()
    (again,) = await harness.press("guide:huong-dan-chuyen-doi-so-cap-xa")
    assert [b.label for b in again.buttons if b.payload.startswith("sec:")] == shown
    assert not any(label in again.text for label in shown)


async def test_a_regulation_numbered_by_word_is_answered_with_its_article(
        harness: BotHarness) -> None:
    """Articles numbered by Word's list (not typed): the answer cites "Điều 3", as printed."""
    await _admin(harness)
    document = docx.Document()
    number_heading_styles(document, [("Heading1", "upperRoman", "Chương %1"),
                                     ("Heading2", "decimal", "Điều %2.")], running=True)
    document.add_paragraph("Quy chế tiếp nhận hồ sơ trực tuyến", style="Title")
    document.add_heading("QUY ĐỊNH CHUNG", level=1)
    for title, body in [
        ("Phạm vi điều chỉnh", "Quy chế này quy định việc tiếp nhận hồ sơ trực tuyến."),
        ("Đối tượng áp dụng", "Cán bộ bộ phận một cửa của Ủy ban nhân dân cấp xã."),
    ]:
        document.add_heading(title, level=2)
        document.add_paragraph(body)
    document.add_heading("TỔ CHỨC THỰC HIỆN", level=1)
    document.add_heading("Thời hạn xử lý hồ sơ", level=2)
    document.add_paragraph("Hồ sơ trực tuyến được xử lý trong thời hạn ba ngày làm việc kể từ "
                           "ngày nhận đủ hồ sơ hợp lệ.")
    buffer = io.BytesIO()
    document.save(buffer)
    assert fits(texts(await harness.upload_guide("quy-che.docx", buffer.getvalue(),
                                                 user="admin")), T.ADDED)
    reply = texts(await harness.say("hồ sơ trực tuyến được xử lý trong bao nhiêu ngày"))
    assert "Điều 3. Thời hạn xử lý hồ sơ" in reply and "ba ngày làm việc" in reply
