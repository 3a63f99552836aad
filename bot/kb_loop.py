"""What an admin does with a group of unanswered questions, shared by chat, CLI and bench:
answer it (a Q&A entry, the askers told through the outbox), point it to a section (its questions
become another wording of that section, the askers told), or ignore it with a reason; and later
edit or withdraw an answer written (the askers' messages not yet sent follow).

Each action runs in the caller's transaction and closes the group's questions (`resolved`). An
answer or a pointed question goes only in a guide that answers today (NotAnswering otherwise):
the check is here, where they are stored, so no caller can forget it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.button_kinds import OpenSection
from bot.clock import local_date
from bot.db import guidance_store, guide_store, queue_store
from bot.db.models import Guide, GuideChunk, Official, OutboxMessage, UnansweredQuestion, Unit
from bot.db.queue_store import QueueGroup, WrittenAnswer
from bot.messages import Button, OutgoingMessage, to_payload
from bot.outbox import UNSENT, NewRow, cancel, enqueue, rewrite_unsent, unsent_of_kind
from bot.texts import feedback as T
from bot.texts import guidance as G
from rules.policy import load_policies
from rules.quiet import hold_until_morning

#: outbox kind of an admin's answer to earlier askers (withdrawing its guide cancels it unsent)
ANSWER_KIND = guide_store.ANSWER_KIND
#: an answer not delivered within this many days is dropped (the asker may ask again)
ANSWER_TTL_DAYS = 14
#: characters of the question quoted back to the asker
QUOTE_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    """What an action did."""

    guide_title: str
    chunk_id: int | None
    closed: int
    notified: int


class NotAnswering(Exception):
    """The guide chosen answers nothing today (past its last day, not yet in force, replaced by a
    guide in force): an answer or a pointed question stored there would never be found, while
    the askers were told they were answered. Nothing was stored; `marks` says why in words."""

    def __init__(self, guide: Guide, marks: list[str]) -> None:
        super().__init__(f"guide {guide.slug} does not answer today: {', '.join(marks)}")
        self.slug = guide.slug
        self.title = guide.title
        self.marks = marks

    @property
    def why(self) -> str:
        """The marks as one phrase ('hết hiệu lực từ 01/12/2026, đã được thay thế bởi …')."""
        return ", ".join(self.marks)


async def answering_ids(session: AsyncSession, now: datetime) -> set[int]:
    """Ids of the guides that answer today (active, within their dates, not replaced): the only
    ones an answer or a pointed question may go in (what the chat offers)."""
    return await guide_store.in_force_guide_ids(session, local_date(now))


async def _refuse_unless_answering(session: AsyncSession, guide: Guide, now: datetime, *,
                                   activates: bool = False) -> None:
    """NotAnswering unless `guide` answers today once the action is done (`activates`: storing
    an entry makes the guide active again, queue_store.add_qa_entry: a withdrawn FAQ guide)."""
    today = local_date(now)
    states = await guide_store.guide_states(session)
    if activates and guide.id in states:
        states[guide.id] = replace(states[guide.id], status="active")
    if guide.id not in guide_store.in_force_ids(states, today):
        # marks() reads the dates and replacements only (the guide list, the shares and the
        # section notes show the status apart); a withdrawn guide says so first, whatever its dates
        state = states.get(guide.id)
        marks = guidance_store.marks(states, guide.id, today)
        withdrawn = state is None or state.status != "active"
        raise NotAnswering(guide, [G.WITHDRAWN, *marks] if withdrawn else marks)


async def faq_for(session: AsyncSession, unit_id: int | None, now: datetime) -> Guide:
    """The FAQ guide of a unit (admins without a unit: the general one), created if needed."""
    unit = await session.get(Unit, unit_id) if unit_id is not None else None
    title = T.FAQ_TITLE.format(unit=unit.name) if unit is not None else T.FAQ_TITLE_GENERAL
    return await queue_store.faq_guide(session, unit, title=title, now=now)


async def answer_group(session: AsyncSession, group: QueueGroup, answer: str, guide: Guide, *,
                       by: str | None, now: datetime, question: str | None = None) -> Outcome:
    """Store the answer as a Q&A entry of `guide`, close the group, tell everyone who asked
    (NotAnswering, nothing stored, when the guide answers nothing today)."""
    await _refuse_unless_answering(session, guide, now, activates=True)
    asked = " ".join((question or group.text).split())
    chunk_id = await queue_store.add_qa_entry(session, guide, heading=T.QA_HEADING,
                                              question=asked, answer=answer.strip(), by=by, now=now)
    closed = await queue_store.resolve(session, group.ids, resolution="answered",
                                       note=f"{guide.slug}#{chunk_id}", by=by, now=now)
    notified = 0
    for q in queue_store.askers(group):
        text = T.ASKER_ANSWERED.format(question=_quote(q.text), answer=answer.strip(),
                                       guide=guide.title)
        notified += await _tell(session, q, text, chunk_id, now)
    return Outcome(guide.title, chunk_id, closed, notified)


async def link_group(session: AsyncSession, group: QueueGroup, chunk_id: int, *,
                     by: str | None, now: datetime) -> Outcome | None:
    """Make the group's questions other wordings of the section holding `chunk_id`, close the
    group, tell everyone who asked; None when the section is gone (NotAnswering, nothing
    stored, when its guide answers nothing today)."""
    guide = (await session.execute(
        select(Guide).join(GuideChunk, GuideChunk.version_id == Guide.current_version_id)
        .where(GuideChunk.id == chunk_id, Guide.status == "active"))).scalar_one_or_none()
    if guide is None:  # as queue_store.link_section: a section of no current version is gone
        return None
    await _refuse_unless_answering(session, guide, now)
    chunk = await queue_store.link_section(session, chunk_id, [q.text for q in group.questions],
                                           by=by, now=now)
    if chunk is None:
        return None
    section = " › ".join(chunk.heading_path) or guide.title
    closed = await queue_store.resolve(session, group.ids, resolution="linked",
                                       note=f"{guide.slug}#{chunk_id}: {section}"[:2000],
                                       by=by, now=now)
    notified = 0
    for q in queue_store.askers(group):
        text = T.ASKER_LINKED.format(question=_quote(q.text), section=section, guide=guide.title)
        notified += await _tell(session, q, text, chunk_id, now)
    return Outcome(guide.title, chunk_id, closed, notified)


async def ignore_group(session: AsyncSession, group: QueueGroup, reason: str, *,
                       by: str | None, now: datetime) -> int:
    """Close the group with a reason; how many questions were closed."""
    return await queue_store.resolve(session, group.ids, resolution="ignored",
                                     note=" ".join(reason.split())[:2000], by=by, now=now)


@dataclass(frozen=True)
class Revised:
    """An answer edited or withdrawn, and how many of the askers' messages still waiting to go
    out (held through quiet hours) were rewritten or cancelled with it."""

    guide_title: str
    waiting: int


async def edit_answer(session: AsyncSession, entry_id: int, answer: str, *, by: str | None,
                      now: datetime, by_id: int | None = None) -> Revised | None:
    """Replace a written answer (queue_store.edit_qa_entry, recorded with who did it: `by`, the
    official `by_id`); the askers' messages not yet sent carry the new text and section. None when
    the entry is gone."""
    entry = await queue_store.written_answer(session, entry_id)
    chunk_id = await queue_store.edit_qa_entry(session, entry_id, answer.strip(), by=by, now=now,
                                               by_id=by_id) if entry is not None else None
    if entry is None or chunk_id is None:
        return None
    return Revised(entry.guide_title, await _revise_waiting(session, entry, answer.strip(),
                                                            chunk_id, now))


async def remove_answer(session: AsyncSession, entry_id: int, *, by: str | None,
                        now: datetime, by_id: int | None = None) -> Revised | None:
    """Withdraw a written answer (queue_store.remove_qa_entry, recorded as edits are); the askers'
    messages not yet sent are cancelled. None when the entry was already gone."""
    entry = await queue_store.written_answer(session, entry_id)
    if entry is None or not await queue_store.remove_qa_entry(session, entry_id, by=by, now=now,
                                                              by_id=by_id):
        return None
    return Revised(entry.guide_title, await _revise_waiting(session, entry, None, None, now))


async def _revise_waiting(session: AsyncSession, entry: WrittenAnswer, answer: str | None,
                          chunk_id: int | None, now: datetime) -> int:
    """The askers' messages of `entry` still to go out: rewritten with `answer` (its section
    behind 'Đọc mục này'), or cancelled when None; how many. A message is the entry's when it
    ends as ASKER_ANSWERED does with the entry's answer and guide."""
    tail = T.ASKER_ANSWERED.split("{answer}", 1)[1].format(guide=entry.guide_title)
    old = entry.answer.strip() + tail
    mine = [(row_id, payload) for row_id, payload in await unsent_of_kind(session, ANSWER_KIND)
            if str(payload.get("text", "")).endswith(old)]
    if answer is None:
        if not mine:
            return 0
        return await cancel(session, OutboxMessage.id.in_([row_id for row_id, _ in mine]),
                            now=now, reason="answer_withdrawn", statuses=UNSENT)
    done = 0
    section = OpenSection.prefix + ":"
    for row_id, payload in mine:
        text = str(payload["text"])
        payload["text"] = text[:len(text) - len(old)] + answer + tail
        payload["buttons"] = [[label, OpenSection(chunk_id).pack()
                               if chunk_id is not None and str(data).startswith(section) else data]
                              for label, data in payload.get("buttons", [])]
        done += await rewrite_unsent(session, row_id, payload, now)
    return done


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


async def _tell(session: AsyncSession, q: UnansweredQuestion, text: str, chunk_id: int,
                now: datetime) -> int:
    """Queue one message for the chat that asked, held through its unit's quiet hours (as
    reminders are); 1 when queued. A web chat guest has no mailbox (nothing would ever fetch
    it): nothing is queued and 0 returned, so the admin is not told a guest was answered."""
    if q.channel == "web" and q.official_id is None:
        return 0
    official = await session.get(Official, q.official_id) if q.official_id is not None else None
    schedule = (await load_policies(session)).for_unit(official.unit_id if official else None)
    not_before = hold_until_morning(now, schedule.quiet_start, schedule.quiet_end)
    read = Button(T.BUTTON_READ_SECTION, OpenSection(chunk_id).pack(), reusable=True)  # not a choice
    message = OutgoingMessage(text, (read,))
    return int(await enqueue(session, NewRow(
        idem_key=f"{ANSWER_KIND}:{q.id}:{q.channel}", kind=ANSWER_KIND,
        subject_type="unanswered", subject_id=str(q.id), recipient_id=q.official_id,
        channel=q.channel, address=q.chat_id, payload=to_payload(message), due_at=now,
        not_before=not_before, expires_at=now + timedelta(days=ANSWER_TTL_DAYS),
        created_at=now)))
