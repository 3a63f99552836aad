"""/moi <mã cán bộ> binds a code to an official imported with a plan; /moi with a name the unit already
has asks whom was meant instead of creating a second person (buttons re-checked for whoever presses)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from bot.db.models import ChatAccount, Invitation, Official
from bot.imports.common import fold_key
from bot.imports.officials import import_officials
from bot.imports.tasks import import_tasks
from bot.imports.units import import_units
from bot.texts import admin_import as I
from tests.harness import BotHarness, payloads, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
CODE_RE = re.compile(r"Mã mời: (\w+)")


async def _import_examples(h: BotHarness) -> None:
    now = h.clock.now()
    for name, importer in (("don-vi.csv", import_units), ("can-bo.csv", import_officials)):
        async with h.app.sessionmaker.begin() as session:
            await importer(session, name, (EXAMPLES / name).read_bytes(), now)
    async with h.app.sessionmaker.begin() as session:
        await import_tasks(session, "nhiem-vu.csv", (EXAMPLES / "nhiem-vu.csv").read_bytes(), now)


async def _bind(h: BotHarness, official_code: str, user: str) -> None:
    """Give an imported official a web chat (as if they had joined)."""
    async with h.app.sessionmaker.begin() as session:
        official = (await session.execute(
            select(Official).where(Official.code == official_code))).scalar_one()
        session.add(ChatAccount(channel="web", external_id=user, chat_id=user,
                                official_id=official.id, status="active", created_at=h.clock.now()))


async def _chau_count(h: BotHarness) -> int:
    async with h.app.sessionmaker() as session:
        everyone = (await session.execute(select(Official))).scalars().all()
        return sum(fold_key(o.name) == "le minh chau" for o in everyone)


async def test_head_invites_an_imported_official_who_gets_their_tasks(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB001", "head")  # Cục trưởng CDS
    reply = texts(await harness.say("/moi CB003", user="head"))
    assert "Lê Minh Châu (CB003)" in reply and "hồ sơ cán bộ đã có" in reply
    code = CODE_RE.search(reply)
    assert code is not None
    bound = texts(await harness.say(f"/start {code.group(1)}", user="chau", channel="telegram"))
    assert "Lê Minh Châu" in bound
    tasks = texts(await harness.say("/nhiemvu", user="chau", channel="telegram"))
    assert "NV01" in tasks or "Xây dựng Kế hoạch chuyển đổi số" in tasks
    assert await _chau_count(harness) == 1


async def test_invite_existing_respects_rank_and_branch(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB002", "deputy")  # Phó Cục trưởng CDS
    # a deputy may not invite the head, nor someone of another branch
    # (named by the code they typed: the answer tells nothing about people they may not manage)
    for code in ("CB001", "CB006"):
        reply = texts(await harness.say(f"/moi {code}", user="deputy"))
        assert f"không mời được cán bộ mã {code}" in reply
        assert "Nguyễn Văn An" not in reply and "Đỗ Thị Giang" not in reply
    assert "Mã mời:" in texts(await harness.say("/moi CB004", user="deputy"))


async def test_same_name_asks_whom_and_survives_a_restart(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB001", "head")
    replies = await harness.say("/moi le minh chau", user="head")
    question = texts(replies)
    assert "đã có cán bộ tên" in question and "CB003" in question
    assert CODE_RE.search(question) is None  # nothing created yet
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(Invitation))).scalars().first() is None
    existing, new = payloads(replies)
    assert existing.startswith("moi:off:") and new.startswith("moi:new:")
    await harness.restart()
    # a plain official cannot use the head's button (checked again for whoever presses)
    await _bind(harness, "CB004", "dung")
    assert I.INVITE_CHOICE_GONE in texts(await harness.press(existing, user="dung"))
    # a forged payload gets the same polite answer
    assert I.INVITE_CHOICE_GONE in texts(await harness.press("moi:off:999999:", user="head"))
    assert I.INVITE_CHOICE_GONE in texts(await harness.press("moi:new:1:boss::X", user="head"))
    chosen = texts(await harness.press(existing, user="head"))
    code = CODE_RE.search(chosen)
    assert code is not None and "CB003" in chosen
    async with harness.app.sessionmaker() as session:
        invitation = await session.get(Invitation, code.group(1))
        chau = (await session.execute(select(Official).where(Official.code == "CB003"))).scalar_one()
        assert invitation is not None and invitation.official_id == chau.id
    # the other button creates a new person on purpose
    other = texts(await harness.press(new, user="head"))
    new_code = CODE_RE.search(other)
    assert new_code is not None
    await harness.say(f"/start {new_code.group(1)}", user="chau2", channel="telegram")
    assert await _chau_count(harness) == 2


async def test_head_cannot_use_a_new_person_button_outside_their_branch(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB005", "hn")  # Giám đốc Sở Hà Nội
    await _bind(harness, "CB001", "head")
    replies = await harness.say("/moi Lê Minh Châu", user="head")
    _, new = payloads(replies)
    assert I.INVITE_CHOICE_GONE in texts(await harness.press(new, user="hn"))
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(Invitation))).scalars().first() is None


async def _invitation_count(h: BotHarness) -> int:
    async with h.app.sessionmaker() as session:
        return len((await session.execute(select(Invitation))).scalars().all())


async def test_mistyped_official_code_creates_nobody_and_suggests_close_codes(
        harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB001", "head")  # Cục trưởng CDS
    reply = texts(await harness.say("/moi CB0003", user="head"))
    assert "Không có cán bộ nào mã CB0003" in reply and "CB003 (Lê Minh Châu)" in reply
    assert CODE_RE.search(reply) is None
    # with a unit code before it, and a code matching nobody close: still nobody invented
    reply = texts(await harness.say("/moi CDS XY-77", user="head"))
    assert "Không có cán bộ nào mã XY-77" in reply and "Có phải" not in reply
    assert await _invitation_count(harness) == 0
    async with harness.app.sessionmaker() as session:
        names = {o.name for o in (await session.execute(select(Official))).scalars()}
        assert "CB0003" not in names and "XY-77" not in names
    # a real name (and a real code after a unit code) still works
    assert CODE_RE.search(texts(await harness.say("/moi Trịnh Văn Khoa", user="head")))
    assert "(CB004)" in texts(await harness.say("/moi CDS CB004", user="head"))
    assert await _invitation_count(harness) == 2


async def test_code_suggestions_name_only_people_the_inviter_may_manage(
        harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB002", "deputy")  # Phó Cục trưởng CDS: not the head CB001
    reply = texts(await harness.say("/moi CB00l", user="deputy"))  # a letter l for the digit 1
    assert "Không có cán bộ nào mã CB00l" in reply
    assert "CB001" not in reply and "Nguyễn Văn An" not in reply
    assert "CB003 (Lê Minh Châu)" in reply or "CB004 (Phạm Thu Dung)" in reply
    assert await _invitation_count(harness) == 0
