"""/moi <mã cán bộ> binds a code to an official imported with a plan; /moi with a name the unit already
has asks whom was meant instead of creating a second person (buttons re-checked for whoever presses)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.db.models import ChatAccount, Invitation, Official
from bot.imports.common import fold_key
from bot.imports.officials import import_officials
from bot.imports.tasks import import_tasks
from bot.imports.units import import_units
from bot.texts import admin_import as I
from bot.texts import people as P
from tests.harness import BotHarness, button, fields, fits, labels, texts

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _invited(text: str) -> str | None:
    """The invitation code a reply created (None: it created none)."""
    for template in (I.INVITE_EXISTING_CREATED, P.INVITE_CREATED):
        found = fields(text, template)
        if found is not None:
            return found["code"]
    return None


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
    created = fields(reply, I.INVITE_EXISTING_CREATED)
    assert created is not None
    assert (created["name"], created["code_label"]) == ("Lê Minh Châu", "CB003")
    bound = texts(await harness.say(f"/start {created['code']}", user="chau", channel="telegram"))
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
        assert I.INVITE_OFFICIAL_NOT_ALLOWED.format(code=code) in reply
        assert "Nguyễn Văn An" not in reply and "Đỗ Thị Giang" not in reply
    assert fits(texts(await harness.say("/moi CB004", user="deputy")), I.INVITE_EXISTING_CREATED)


async def test_same_name_asks_whom_and_survives_a_restart(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB001", "head")
    replies = await harness.say("/moi le minh chau", user="head")
    question = texts(replies)
    assert fits(question, I.DUPLICATE_NAME_QUESTION) and "CB003" in question
    assert _invited(question) is None  # nothing created yet
    async with harness.app.sessionmaker() as session:
        assert (await session.execute(select(Invitation))).scalars().first() is None
    chau_label = I.BUTTON_INVITE_EXISTING.format(name="Lê Minh Châu", code_label="CB003")
    existing = button(replies, chau_label)
    assert I.BUTTON_INVITE_NEW in labels(replies)
    await harness.restart()
    # a plain official cannot use the head's button (checked again for whoever presses)
    await _bind(harness, "CB004", "dung")
    assert I.INVITE_CHOICE_GONE in texts(await harness.press(existing, user="dung"))
    # a forged payload gets the same polite answer
    assert I.INVITE_CHOICE_GONE in texts(await harness.press("moi:off:999999:", user="head"))
    assert I.INVITE_CHOICE_GONE in texts(await harness.press("moi:new:1:boss::X", user="head"))
    chosen = texts(await harness.press(label=chau_label, user="head"))
    code = _invited(chosen)
    assert code is not None and "CB003" in chosen
    async with harness.app.sessionmaker() as session:
        invitation = await session.get(Invitation, code)
        chau = (await session.execute(select(Official).where(Official.code == "CB003"))).scalar_one()
        assert invitation is not None and invitation.official_id == chau.id
    # the other button creates a new person on purpose
    other = texts(await harness.press(label=I.BUTTON_INVITE_NEW, user="head"))
    new_code = _invited(other)
    assert new_code is not None
    await harness.say(f"/start {new_code}", user="chau2", channel="telegram")
    assert await _chau_count(harness) == 2


async def test_head_cannot_use_a_new_person_button_outside_their_branch(harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB005", "hn")  # Giám đốc Sở Hà Nội
    await _bind(harness, "CB001", "head")
    replies = await harness.say("/moi Lê Minh Châu", user="head")
    new = button(replies, I.BUTTON_INVITE_NEW)  # the head's button, pressed by another head
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
    assert fits(reply, I.INVITE_NO_SUCH_CODE.format(code="CB0003", suggestions=I.INVITE_CODE_SUGGESTIONS.format(codes="{codes}")))
    assert I.INVITE_CODE_SUGGESTION.format(code="CB003", name="Lê Minh Châu") in reply
    assert _invited(reply) is None
    # with a unit code before it, and a code matching nobody close: still nobody invented
    reply = texts(await harness.say("/moi CDS XY-77", user="head"))
    assert I.INVITE_NO_SUCH_CODE.format(code="XY-77", suggestions="") in reply
    assert not fits(reply, I.INVITE_CODE_SUGGESTIONS)
    assert await _invitation_count(harness) == 0
    async with harness.app.sessionmaker() as session:
        names = {o.name for o in (await session.execute(select(Official))).scalars()}
        assert "CB0003" not in names and "XY-77" not in names
    # a real name (and a real code after a unit code) still works
    assert _invited(texts(await harness.say("/moi Trịnh Văn Khoa", user="head")))
    assert "(CB004)" in texts(await harness.say("/moi CDS CB004", user="head"))
    assert await _invitation_count(harness) == 2


async def test_code_suggestions_name_only_people_the_inviter_may_manage(
        harness: BotHarness) -> None:
    await _import_examples(harness)
    await _bind(harness, "CB002", "deputy")  # Phó Cục trưởng CDS: not the head CB001
    reply = texts(await harness.say("/moi CB00l", user="deputy"))  # a letter l for the digit 1
    assert fits(reply, I.INVITE_NO_SUCH_CODE.format(code="CB00l", suggestions=I.INVITE_CODE_SUGGESTIONS.format(codes="{codes}")))
    assert "CB001" not in reply and "Nguyễn Văn An" not in reply
    assert I.INVITE_CODE_SUGGESTION.format(code="CB003", name="Lê Minh Châu") in reply \
        or I.INVITE_CODE_SUGGESTION.format(code="CB004", name="Phạm Thu Dung") in reply
    assert await _invitation_count(harness) == 0


async def test_admin_inviting_the_units_own_head_by_name_is_offered_them(
        harness: BotHarness) -> None:
    """/moi CDS truong Nguyễn Văn An for CDS's imported, unbound head offered "Mời … (CB001)"; the
    one-head refusal ran first and advised demoting the real head. The same name is asked first."""
    await _import_examples(harness)
    await harness.make_official("Quản Trị", role="admin", user="admin", unit_code="VP")
    replies = await harness.say("/moi CDS truong Nguyễn Văn An", user="admin")
    question = texts(replies)
    assert fits(question, I.DUPLICATE_NAME_QUESTION) and "CB001" in question
    assert "Đã nghỉ" not in question
    offered = I.BUTTON_INVITE_EXISTING.format(name="Nguyễn Văn An", code_label="CB001")
    assert offered in labels(replies)
    # a new person as head is still refused: CDS has its head
    assert I.INVITE_CHOICE_GONE in texts(await harness.press(label=I.BUTTON_INVITE_NEW,
                                                            user="admin"))
    assert _invited(texts(await harness.press(label=offered, user="admin"))) is not None
    # another name: the one-head refusal as before
    other = texts(await harness.say("/moi CDS truong Trần Văn Mới", user="admin"))
    assert P.INVITE_UNIT_HAS_HEAD.format(unit="CDS", name="Nguyễn Văn An", code=" (CB001)") \
        in other
