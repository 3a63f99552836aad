"""Who receives what, loaded in bulk: contacts per official, unit tree, heads (deputies if absent)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ChatAccount, Official, Unit
from bot.unit_tree import descendants

__all__ = ["DEFAULT_CHANNELS", "Contact", "Directory", "Person", "load_directory"]

#: channels reminders go out on, most preferred first
DEFAULT_CHANNELS: tuple[str, ...] = ("telegram", "zalo", "web")


@dataclass(frozen=True, slots=True)
class Contact:
    """Where to reach an official on one channel."""

    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class Person:
    """An active official as the planner sees them."""

    id: int
    name: str
    unit_id: int | None
    role: str
    absent: bool
    created_at: datetime | None = None


@dataclass
class Directory:
    """Officials, their contacts and the unit tree, loaded once per planner run."""

    people: dict[int, Person]
    contacts: dict[int, list[Contact]]
    units: dict[int, tuple[str, int | None, int | None]]  # id → (name, parent_id, head_official_id)
    #: leave recorded with /nghiphep or `troly leave add`: official → (first, last) local dates
    leaves: dict[int, list[tuple[date, date]]] = field(default_factory=dict)

    def on_leave(self, official_id: int, day: date) -> bool:
        """Whether the official is on leave on a local date."""
        return any(start <= day <= end for start, end in self.leaves.get(official_id, ()))

    def away(self, person: Person, day: date | None) -> bool:
        """Marked absent, or on leave that day."""
        return person.absent or (day is not None and self.on_leave(person.id, day))

    def primary(self, official_id: int) -> Contact | None:
        """The preferred active contact (deterministic: channel preference, then oldest account)."""
        found = self.contacts.get(official_id)
        return found[0] if found else None

    def other_contacts(self, official_id: int, channel: str) -> list[Contact]:
        """Active contacts on channels other than `channel` (fallback when one refuses)."""
        return [c for c in self.contacts.get(official_id, []) if c.channel != channel]

    def subunits(self, unit_id: int) -> list[int]:
        """The unit and every unit below it."""
        return descendants(((uid, parent) for uid, (_, parent, _) in self.units.items()), unit_id)

    def children(self, unit_id: int) -> list[int]:
        """Direct sub-units."""
        return sorted(uid for uid, (_, parent, _) in self.units.items() if parent == unit_id)

    def heads(self, unit_id: int, day: date | None = None) -> list[Person]:
        """The head (who may hold the post concurrently with another unit's), or the deputies when
        the head is absent, on leave on `day` or unset (as people_store.heads_of). A head on leave with no deputy at work still gets it."""
        if unit_id not in self.units:
            return []
        head_id = self.units[unit_id][2]
        head = self.people.get(head_id) if head_id is not None else None
        # a head whose home unit is another holds this post concurrently (kiêm nhiệm): the slot
        # is freed whenever an official moves or leaves (bot/imports/officials.py), so a slot
        # naming someone of another unit is a concurrent headship, not a stale one
        if head is None:
            head = next((p for p in sorted(self.people.values(), key=lambda p: p.id)
                         if p.unit_id == unit_id and p.role == "head"), None)
        if head is not None and not self.away(head, day):
            return [head]
        deputies = sorted((p for p in self.people.values()
                           if p.unit_id == unit_id and p.role == "deputy"
                           and not self.away(p, day)), key=lambda p: p.id)
        if not deputies and head is not None and not head.absent:
            return [head]  # on leave and nobody stands in: better read late than lost
        return deputies


async def load_directory(session: AsyncSession,
                         channels: Sequence[str] = DEFAULT_CHANNELS) -> Directory:
    """Active officials, their active chat accounts on `channels`, and the units."""
    people = {
        o.id: Person(o.id, o.name, o.unit_id, o.role, o.absent, o.created_at)
        for o in (await session.execute(
            select(Official.id, Official.name, Official.unit_id, Official.role, Official.absent,
                   Official.created_at)
            .where(Official.status == "active"))).all()
    }
    rank = {name: i for i, name in enumerate(channels)}
    rows = (await session.execute(
        select(ChatAccount.official_id, ChatAccount.channel, ChatAccount.chat_id, ChatAccount.id)
        .where(ChatAccount.status == "active", ChatAccount.official_id.is_not(None),
               ChatAccount.channel.in_(list(channels))))).all()
    contacts: dict[int, list[Contact]] = {}
    for official_id, channel, chat_id, _account in sorted(
            rows, key=lambda r: (rank[r[1]], r[3])):
        if official_id is not None and official_id in people:
            bucket = contacts.setdefault(official_id, [])
            if all(c.channel != channel for c in bucket):  # one address per channel
                bucket.append(Contact(channel, chat_id))
    units = {uid: (name, parent, head) for uid, name, parent, head in (await session.execute(
        select(Unit.id, Unit.name, Unit.parent_id, Unit.head_official_id))).all()}
    return Directory(people=people, contacts=contacts, units=units)


