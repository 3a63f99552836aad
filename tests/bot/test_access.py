"""Every button payload checks ownership: pressed with foreign, absent or malformed ids by a
guest, an official of another unit and a head of a sibling unit, it is refused the same way, writes
nothing and queues nothing. The payload kinds come from the router, so a new kind cannot escape."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.db import guide_store, people_store, queue_store
from bot.db.base import Base
from bot.db.models import ChatAccount, OutboxMessage, QAEntry, Task, UnansweredQuestion, Unit
from bot.ids import parse_id
from bot.texts import common as C
from bot.texts import feedback as F
from bot.texts import people as P
from bot.texts import reminders as R
from knowledge.types import ParsedGuide, Section
from tests.harness import BotHarness, fits, texts

#: ids that do not exist, cannot exist, or would overflow a PostgreSQL integer
ABSENT_IDS = ("999999", "0", "-1", "99999999999999999999", "2147483648", "abc", "", "١٢", "1.5")
#: columns every event touches (the dispatcher records when a chat was last heard from)
VOLATILE = {("chat_accounts", "last_inbound_at")}


async def _world(h: BotHarness) -> dict[str, Any]:
    """Unit A (Lan, her head) and its sibling B (Minh, B's head) under one root; A's secrets."""
    now = h.clock.now()
    async with h.app.sessionmaker.begin() as s:
        root = Unit(code="ROOT", name="Tỉnh", created_at=now)
        s.add(root)
        await s.flush()
        for code in ("A", "B"):
            s.add(Unit(code=code, name=f"Sở {code}", parent_id=root.id, created_at=now))
    lan = await h.make_official("Lan", user="lan", unit_code="A")
    head_a = await h.make_official("Trưởng A", role="head", user="head_a", unit_code="A")
    await h.make_official("Minh", user="minh", unit_code="B")
    await h.make_official("Trưởng B", role="head", user="head_b", unit_code="B")
    open_task, closed_task = await h.world.tasks(
        [lan], [("BIMAT-1", "Hồ sơ mật của sở A", date(2026, 12, 11)),
                   ("BIMAT-2", "Việc đã xong của sở A", date(2026, 12, 1))], unit="A")
    async with h.app.sessionmaker.begin() as s:
        closed = await s.get(Task, closed_task)
        assert closed is not None
        closed.status = "done"
        unit_a = (await s.execute(select(Unit.id).where(Unit.code == "A"))).scalar_one()
        # the digest of unit A, delivered to A's head (its "Đã xem" button is A's head's alone)
        s.add(OutboxMessage(
            idem_key=f"digest:{unit_a}:2026-W48:week:{head_a}:web", kind="digest",
            subject_type="unit", subject_id=str(unit_a), recipient_id=head_a, channel="web",
            address="head_a", payload={"text": "…"}, due_at=now, not_before=now, late=False,
            status="sent", attempts=1, max_attempts=8, created_at=now, sent_at=now,
            updated_at=now))
        parsed = ParsedGuide(title="Hướng dẫn đã thu hồi", source_ref=None,
                             sections=(Section(("Mục 1",), "Nội dung cũ"),))
        added = await guide_store.add_guide(s, parsed, file_name="cu.md", content=b"x",
                                            uploaded_by=None, now=now)
        guide = await guide_store.find_guide(s, added.guide.slug)
        assert guide is not None
        await guide_store.withdraw_guide(s, guide, now)
        [chunk] = await guide_store.guide_sections(s, guide)
        lan_account = (await s.execute(select(ChatAccount.id).where(
            ChatAccount.external_id == "lan"))).scalar_one()
        invitation = await people_store.create_invitation(
            s, now=now, ttl=timedelta(hours=24), unit_id=unit_a, name="Người mới của sở A",
            created_by=head_a)
        # a guide unit A owns and a question it did not answer (A's officials review it)
        owned = await guide_store.add_guide(
            s, ParsedGuide(title="Hướng dẫn riêng của sở A", source_ref=None,
                           sections=(Section(("Mục A",), "Nội dung cũ của A"),)),
            file_name="a.md", content=b"a", uploaded_by=None, now=now)
        owned_guide = await guide_store.find_guide(s, owned.guide.slug)
        assert owned_guide is not None
        owned_guide.owner_unit_id = unit_a
        [owned_chunk] = await guide_store.guide_sections(s, owned_guide)
        await guide_store.log_unanswered(
            s, text="Hồ sơ mật của sở A nộp ở đâu?", channel="web", chat_id="lan",
            official_id=lan, best_guide_slug=owned.guide.slug, best_score=1.0, now=now)
        question = (await s.execute(select(UnansweredQuestion.id))).scalar_one()
        # an answer written by unit A (its FAQ guide's title is public, like every guide's)
        faq = await queue_store.faq_guide(s, await s.get(Unit, unit_a), title="Hỏi – đáp riêng",
                                          now=now)
        await queue_store.add_qa_entry(s, faq, heading="Hỏi – đáp", question="Hồ sơ mật nộp ở đâu",
                                       answer="Nội dung cũ: phòng 2", by="Lan", now=now)
        entry = (await s.execute(select(QAEntry.id))).scalar_one()
        # edited once: its record holds both texts and who edited it
        await queue_store.edit_qa_entry(s, entry, "Nội dung cũ đã sửa: phòng 3", by="Lan", now=now)
    return {"question": question, "entry": entry, "owned_guide": owned_guide.id, "owned_chunk": owned_chunk.id,
            "open": open_task, "closed": closed_task, "unit_a": unit_a, "chunk": chunk.id,
            "slug": added.guide.slug, "guide_id": added.guide.id,
            "lan_account": lan_account, "code": invitation.code, "lan": lan}


def _foreign_args(w: dict[str, Any]) -> dict[str, list[str]]:
    """For every registered payload kind: arguments naming something of unit A (or withdrawn)."""
    task_ids = [str(w["open"]), str(w["closed"])]
    return {
        "rem_done": task_ids,
        "rem_prog": task_ids,
        "rem_snz": task_ids,
        "rem_ack": [f"{w['unit_a']}:2026-W48:week", f"{w['unit_a']}:2026-W48:ahead"],
        "rem_checkin": [str(w["open"])],
        "remev_skip": [str(w["open"])],
        "ci": ["p:50", "ok", f"edit:{w['open']}"],
        # which week to report (last week filed late): a week key, nothing of unit A
        "wkc": ["2026-W48", "2026-W47", str(w["open"])],
        # the summary prompt names a period, not something of unit A: those with no tasks (and
        # guests) get the same refusal for a real period as for nonsense, and nothing is written
        "rem_period": ["2026-11", "2026-W48", "2026-Q4"],
        "pc": ["ok", "skip", "off", "edit:0"],
        "lv": ["ok", "again"],
        "see": [str(w["chunk"])],
        "sec": [str(w["chunk"])],
        "pg": [f"{w['chunk']}:0", f"{w['chunk']}:1"],
        "fby": [str(w["chunk"])],
        "fbn": [f"{w['chunk']}:noi dung cu"],
        "gup": ["ok:1", "no:1"],  # no upload waits: absent (foreign ones: tests/handlers)
        "glist": ["0", "8"],  # not an id: the same public list for everyone
        "guide": [w["slug"]],
        # the audience step is the admins'; "Đã nắm" only for the audience of a guide in force
        "gaud": [f"{w['guide_id']}:send", f"{w['guide_id']}:u{w['unit_a']}",
                 f"{w['guide_id']}:all"],
        "gack": [f"{w['guide_id']}:1"],
        "gshare": [str(w["guide_id"])],
        "acc_unb": [str(w["lan_account"])],
        "inv_rev": [w["code"], w["code"].lower()],
        # /moi's same-name choice: invite Lan of unit A, or a new person into unit A
        "moi": [f"off:{w['lan']}:", f"off:{w['lan']}:48", f"new:{w['unit_a']}:official::Người mới",
                f"new:{w['unit_a']}:admin:24:Người mới"],
        "imp": ["ok:1", "no:1"],  # no table waits: absent (foreign ones: tests/handlers)
        # the unanswered queue: a group of unit A's guide, reviewed by A's officials and admins
        "uqm": ["0", "5"],
        "uqa": [str(w["question"])],
        "uql": [str(w["question"])],
        "uqi": [str(w["question"])],
        "uqg": [f"{w['question']}:{w['owned_guide']}", f"{w['question']}:{w['owned_guide']}:8"],
        "uqs": [f"{w['question']}:{w['owned_chunk']}"],
        # conversation buttons pressed outside their conversation: "this has ended", nothing kept
        "qans": ["faq", str(w["owned_guide"])],
        "qign": ["0", "1"],
        "qedit": ["save"],
        # the answers written: unit A's FAQ entry, changed by A's officials and admins only
        "uqw": ["0", "5"],
        "uqe": [str(w["entry"])],
        "uqr": [str(w["entry"])],
        "uqx": [str(w["entry"])],
        # their record: every change unit A's officials and admins may see, or the entry's own
        "uqh": ["0", "5", f"0:{w['entry']}", f"5:{w['entry']}"],
        "fbwhy": ["skip"],
        # a conversation's "Quay lại" with no conversation: nothing to go back to, for everyone
        "back": ["review", "until", "progress"],
        # the upload conversation's buttons outside it: nothing saved, no guide of A replaced
        "gnew": ["save", "units", "all", f"g:{w['guide_id']}", "role:admin", "cancel",
                 "0a1b2c3d:1:save", f"0a1b2c3d:2:g:{w['guide_id']}", ":1:role:admin"],
    }


async def _snapshot(h: BotHarness) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (minus volatile columns), to prove nothing was written."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with h.app.sessionmaker() as s:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            rows = (await s.execute(select(*columns))).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


@pytest.mark.slow
async def test_every_button_refuses_foreign_and_absent_ids_alike(harness: BotHarness) -> None:
    h = harness
    world = await _world(h)
    foreign = _foreign_args(world)
    registered = set(h.app.router.buttons)
    assert registered == set(foreign), (
        "a button kind without an ownership case here: add it to _foreign_args "
        f"(missing {sorted(registered - set(foreign))}, stale {sorted(set(foreign) - registered)})")
    secrets = ("BIMAT", "Hồ sơ mật", "Việc đã xong", "Sở A", "Nội dung cũ", "Lan", world["code"],
               "Người mới")
    for user in ("guest", "minh", "head_b"):
        await h.say("/trogiup", user=user)  # the chat account exists before the snapshot
    before = await _snapshot(h)
    for prefix in sorted(registered):
        for user in ("guest", "minh", "head_b"):
            seen: dict[str, str] = {}
            for arg in [*foreign[prefix], *ABSENT_IDS]:
                payload = f"{prefix}:{arg}" if arg else prefix
                replies = await h.press(payload, user=user)
                shown = "\n".join(m.text + "|" + ",".join(b.payload for b in m.buttons)
                                  for m in replies)
                assert replies and C.GENERIC_ERROR not in shown, (payload, user, shown)
                assert not any(word in shown for word in secrets), (payload, user, shown)
                seen[payload] = shown
            assert len(set(seen.values())) == 1, (prefix, user, seen)
    after = await _snapshot(h)
    for table in before:
        assert after[table] == before[table], f"{table} changed"


def test_parse_id_accepts_only_database_sized_positive_integers() -> None:
    assert parse_id("42") == 42 and parse_id("2147483647") == 2147483647
    for text in ABSENT_IDS[1:]:
        assert parse_id(text) is None, text
    assert parse_id("0042") == 42 and parse_id(" 7") is None and parse_id("²") is None


async def test_owners_still_act_on_their_own_task(harness: BotHarness) -> None:
    h = harness
    world = await _world(h)
    snoozed = await h.press(f"rem_snz:{world['open']}", user="lan")
    assert fits(texts(snoozed), R.SNOOZED)
    done = await h.press(f"rem_done:{world['open']}", user="head_a")  # a head of the lead unit
    assert "BIMAT-1" in "\n".join(m.text for m in done)
    ack = await h.press(f"rem_ack:{world['unit_a']}:2026-W48:week", user="head_a")
    assert R.ACK_OK in texts(ack)
    closed = await h.press(f"rem_done:{world['closed']}", user="lan")
    assert "BIMAT-2" in "\n".join(m.text for m in closed)  # her own closed task: she may know
    history = await h.press(f"uqh:0:{world['entry']}", user="lan")  # her unit's answer's record
    assert fits(texts(history), F.HISTORY_EDITED.format(
        when="{when}", by="{by}", question="{question}", guide="{guide}",
        old="Nội dung cũ: phòng 2", new="{new}"))  # the old answer (data) as it was stored
    withdraw = await h.press(f"uqr:{world['entry']}", user="lan")  # her unit's answer
    assert fits(texts(withdraw), F.REMOVE_CONFIRM)
    revoked = await h.press(f"inv_rev:{world['code']}", user="head_a")
    assert fits(texts(revoked), P.INVITE_REVOKED)
    unbound = await h.press(f"acc_unb:{world['lan_account']}", user="head_a")
    assert fits(texts(unbound), P.UNBOUND)


async def test_head_of_a_parent_unit_may_act_on_a_sub_unit_task(harness: BotHarness) -> None:
    h = harness
    world = await _world(h)
    await h.make_official("Chủ tịch", role="head", user="root_head", unit_code="ROOT")
    replies = await h.press(f"rem_snz:{world['open']}", user="root_head")
    assert fits(texts(replies), R.SNOOZED)
    removed = await h.press(f"uqx:{world['entry']}", user="root_head")  # an answer of unit A
    assert fits(texts(removed), F.REMOVED)
