"""The planner's guidance work: guides past their last day in force are withdrawn, new and
replaced guides are announced to their audience, the audience is reminded once, and told when a
guide expires. Same rules as reminders: idempotency keys, quiet hours, channel preference.

Keys (subject_type 'guide'):
- `guide:<guide>:v<version>:announce:<official>` — the announcement (kind `guide`), due when the
  admin announced it; planned for ANNOUNCE_WINDOW, so an official added to the unit meanwhile
  gets it too;
- `guide:<guide>:v<version>:remind:<official>` — one reminder (kind `guide_remind`) at the
  reminder time 3 working days after the announcement, to those who have not pressed "Đã nắm";
- `guide:<guide>:expired:<official>` — "hết hiệu lực" (kind `guide_expired`) at the reminder
  time of the day after the last day in force;
- `guide:<guide>:withdrawn:<withdrawn at, epoch s>:<official>` — "đã thu hồi" (kind
  `guide_withdrawn`) when an admin withdrew the guide (/thuhoi), due at once; a guide re-added
  and withdrawn again is told again, each withdrawal once.

Announcements and reminders still waiting when the guide is withdrawn (by an admin, the CLI or
expiry) or a new version of it is stored are cancelled in that transaction
(guide_store.cancel_read_requests); only the current text's announcement is planned.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.button_kinds import AckGuide, OpenGuide, ShareGuide
from bot.clock import local_date, local_datetime
from bot.dates import fmt_day
from bot.db import guidance_store as G
from bot.db import guide_store
from bot.db.models import Guide, GuideAck, GuideVersion
from bot.messages import Button, OutgoingMessage
from bot.outbox import OutboxStatus
from bot.texts import guidance as T
from rules.policy import Schedule
from scheduler import planner as P

if TYPE_CHECKING:
    from scheduler.planner import MessageBuilder, Planner

#: an announcement is planned (for officials added meanwhile too) this long after it was made
ANNOUNCE_WINDOW = timedelta(days=14)
#: the reminder goes out this many working days after the announcement
REMIND_AFTER_WORKING_DAYS = 3
#: a reminder or an expiry notice missed during downtime is still sent this long after
GRACE = timedelta(days=7)
SUBJECT = "guide"


async def plan_guidance(planner: Planner) -> None:
    """Withdraw expired guides, then plan announcements, reminders, expiry and withdrawal
    notices."""
    with planner._isolated("guides past their end date", None):
        async with planner.session.begin_nested():
            await guide_store.withdraw_expired(planner.session, planner.now, planner.today)
    guides = (await planner.session.execute(select(Guide).where(
        Guide.announced_version.is_not(None), Guide.audience.is_not(None)))).scalars().all()
    if not guides:
        return
    parents = [(uid, parent) for uid, (_, parent, _) in planner.directory.units.items()]
    people = [(p.id, p.unit_id, p.role) for p in planner.directory.people.values()]
    for guide in guides:
        audience = G.Audience.of(guide.audience)
        if audience is None or audience.empty:
            continue
        with planner._isolated(f"guide {guide.id}", None):
            members = audience.members(people, parents)
            if guide.status == "active":
                await _announce(planner, guide, members)
            elif guide.withdrawn_reason == "expired":
                _expired(planner, guide, members)
            elif guide.withdrawn_reason == "admin":
                _withdrawn(planner, guide, members)


def _schedule(planner: Planner, official_id: int) -> Schedule:
    person = planner.directory.people.get(official_id)
    return planner.inputs.policies.for_unit(person.unit_id if person else None)


def _working_days_after(planner: Planner, day: date, count: int) -> date:
    for _ in range(count):
        day = planner.calendar.next_working_day(day)
    return day


def _tell(planner: Planner, guide: Guide, official_id: int, *, key: str, kind: str,
          due_at: datetime, expires_at: datetime, build: MessageBuilder,
          meta: dict[str, int]) -> None:
    """One outbox row about the guide for one official, timed by their unit's quiet hours."""
    not_before, late = planner._timing(due_at, _schedule(planner, official_id))
    planner._add(base_key=f"guide:{guide.id}:{key}:{official_id}", kind=kind, subject_type=SUBJECT,
                 subject_id=str(guide.id), recipient_id=official_id, due_at=due_at,
                 not_before=not_before, expires_at=expires_at, late=late, status=OutboxStatus.PENDING,
                 build=build, meta=meta)


def _on_day(planner: Planner, official_id: int, day: date) -> datetime | None:
    """The official's reminder time on that day, or None outside the planner's horizon and grace."""
    due_at = local_datetime(day, _schedule(planner, official_id).reminder_time)
    if due_at > planner.now + P.HORIZON or planner.now >= due_at + GRACE:
        return None
    return due_at


async def _announce(planner: Planner, guide: Guide, members: list[int]) -> None:
    announced_at, version = guide.announced_at, guide.announced_version
    if announced_at is None or version is None or planner.now >= announced_at + ANNOUNCE_WINDOW:
        return
    current = await planner.session.get(GuideVersion, guide.current_version_id)
    if current is None or current.version != version:
        return  # a newer text was stored and not announced (yet): the old one is not pushed
    build = _announcement(planner, guide, version, remind=False)
    if announced_at <= planner.now + P.HORIZON:
        for official_id in members:
            _tell(planner, guide, official_id, key=f"v{version}:announce", kind=G.KIND_ANNOUNCE,
                  due_at=announced_at, expires_at=announced_at + ANNOUNCE_WINDOW, build=build,
                  meta={"guide": guide.id, "version": version})
    remind_day = _working_days_after(planner, local_date(announced_at), REMIND_AFTER_WORKING_DAYS)
    acked = set((await planner.session.execute(select(GuideAck.official_id).where(
        GuideAck.guide_id == guide.id, GuideAck.version == version))).scalars())
    reminder = _announcement(planner, guide, version, remind=True)
    for official_id in members:
        due_at = _on_day(planner, official_id, remind_day)
        if official_id in acked or due_at is None:
            continue
        _tell(planner, guide, official_id, key=f"v{version}:remind", kind=G.KIND_REMIND,
              due_at=due_at, expires_at=due_at + GRACE, build=reminder,
              meta={"guide": guide.id, "version": version})


def _announcement(planner: Planner, guide: Guide, version: int, *,
                  remind: bool) -> MessageBuilder:
    cache: list[OutgoingMessage] = []

    async def build() -> OutgoingMessage:
        if not cache:
            cache.append(await announcement_message(planner, guide, version, remind=remind))
        return cache[0]
    return build


async def announcement_message(planner: Planner, guide: Guide, version: int, *,
                               remind: bool) -> OutgoingMessage:
    """Title, source document, validity, what it replaces, a three-line summary; Đọc / Đã nắm."""
    session = planner.session
    sections = await guide_store.guide_sections(session, guide)
    if remind:
        assert guide.announced_at is not None
        lines = [T.ANNOUNCE_REMIND.format(title=guide.title,
                                          day=fmt_day(local_date(guide.announced_at)))]
    elif version > 1:
        lines = [T.ANNOUNCE_UPDATED.format(title=guide.title, version=version)]
    else:
        lines = [T.ANNOUNCE_NEW.format(title=guide.title)]
    if guide.source_ref:
        lines.append(T.ANNOUNCE_SOURCE.format(source=guide.source_ref))
    validity = G.validity_words(guide.effective_from, guide.effective_until)
    if validity:
        lines.append(T.ANNOUNCE_VALIDITY.format(validity=validity))
    if guide.replaces_id is not None:
        old = await session.get(Guide, guide.replaces_id)
        if old is not None:
            lines.append(T.ANNOUNCE_REPLACES.format(title=old.title))
    if not remind:
        summary = G.summary(sections)
        if summary:
            lines += ["", T.ANNOUNCE_SUMMARY, *(T.ANNOUNCE_LINE.format(line=s) for s in summary)]
    lines += ["", T.ANNOUNCE_FOOTER]
    # reading and the citizens' version are navigation (reusable: reading first, then
    # acknowledging must work); the acknowledgement is the one choice (bot/keyboards.py)
    buttons = [Button(T.BUTTON_READ, OpenGuide(guide.slug).pack(), reusable=True),
               Button(T.BUTTON_ACK, AckGuide(guide.id, version).pack())]
    if any(c.share for c in sections):
        buttons.append(Button(T.BUTTON_SHARE, ShareGuide(guide.id).pack(), reusable=True))
    return OutgoingMessage("\n".join(lines), tuple(buttons))


def _expired(planner: Planner, guide: Guide, members: list[int]) -> None:
    if guide.effective_until is None or guide.announced_version is None:
        return
    first_day_out = guide.effective_until + timedelta(days=1)
    build = _expiry_message(planner, guide, first_day_out)
    for official_id in members:
        due_at = _on_day(planner, official_id, first_day_out)
        if due_at is not None:
            _tell(planner, guide, official_id, key="expired", kind=G.KIND_EXPIRED, due_at=due_at,
                  expires_at=due_at + GRACE, build=build, meta={"guide": guide.id})


def _expiry_message(planner: Planner, guide: Guide, first_day_out: date) -> MessageBuilder:
    async def build() -> OutgoingMessage:
        replacement, buttons = await _replacement(planner, guide)
        return OutgoingMessage(T.EXPIRED_NOTICE.format(
            title=guide.title, day=fmt_day(first_day_out), replacement=replacement), buttons)
    return build


async def _replacement(planner: Planner, guide: Guide) -> tuple[str, tuple[Button, ...]]:
    newer = (await planner.session.execute(select(Guide).where(
        Guide.replaces_id == guide.id, Guide.status == "active").order_by(Guide.id)
    )).scalars().first()
    if newer is None:
        return "", ()
    return (T.EXPIRED_REPLACEMENT.format(title=newer.title),
            (Button(T.BUTTON_READ, OpenGuide(newer.slug).pack(), reusable=True),))


def _withdrawn(planner: Planner, guide: Guide, members: list[int]) -> None:
    """An admin withdrew the guide: its audience is told at once (quiet hours respected)."""
    withdrawn_at = guide.withdrawn_at
    if withdrawn_at is None or planner.now >= withdrawn_at + GRACE:
        return
    build = _withdrawal_message(planner, guide, withdrawn_at)
    stamp = int(withdrawn_at.timestamp())
    for official_id in members:
        _tell(planner, guide, official_id, key=f"withdrawn:{stamp}", kind=G.KIND_WITHDRAWN,
              due_at=withdrawn_at, expires_at=withdrawn_at + GRACE, build=build,
              meta={"guide": guide.id})


def _withdrawal_message(planner: Planner, guide: Guide, withdrawn_at: datetime) -> MessageBuilder:
    async def build() -> OutgoingMessage:
        replacement, buttons = await _replacement(planner, guide)
        return OutgoingMessage(T.WITHDRAWN_NOTICE.format(
            title=guide.title, day=fmt_day(local_date(withdrawn_at)),
            replacement=replacement), buttons)
    return build
