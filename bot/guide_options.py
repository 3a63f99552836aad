"""What an admin sets on a guide beside its file, read and checked in one place for the CLI
(`troly guides add/set`) and the chat upload: the audience (units by code or by name as officials
type it, bot/unit_names.py; sub-units included; and roles), the validity (first and last day in force) and the older guide it replaces.

Every check raises GuideOptionError, whose str() is the Vietnamese sentence to show; nothing is
stored by this module except what `announce_new` records when the caller stores a guide.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dates import fmt_day
from bot.db import guidance_store, guide_store
from bot.db.models import Guide, Unit
from bot.texts import guides as T
from bot.unit_names import (
    Abbreviations,
    EntryMatch,
    UnitName,
    UnitsRead,
    admin_abbreviations,
    read_units,
    split_entries,
)
from knowledge.normalize import fold
from knowledge.validity import document_numbers
from rules.deadlines import DeadlineError, parse_day

ROLES = guidance_store.ROLES


class GuideOptionError(ValueError):
    """A date, role, unit or guide an admin named that cannot be used; str() says why."""


def read_day(text: str, *, today: date) -> date:
    """A day as officials type it ('1/1/2027', '01-01-2027', '1.1.27', '2027-01-01', 'mai');
    a day without a year is this year's (next year's when long past)."""
    value = text.strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return parse_day(value, today=today)
    except DeadlineError as exc:
        reason = str(exc)  # 'chưa hiểu ngày “…” (ví dụ đúng: …)', 'ngày 31/2/2027 không tồn tại'
        raise GuideOptionError(reason[:1].upper() + reason[1:] + ".") from exc


#: the earliest year a guide's day may be in (an earlier one is a year mistyped: '1/1/1900')
FIRST_YEAR = 2000
#: how many years ahead a guide's day may be ('31/12/2999' is not a date to store)
YEARS_AHEAD = 10


def check_likely(day: date, *, today: date) -> None:
    """A day typed for a guide's validity lies between FIRST_YEAR and YEARS_AHEAD from today."""
    last = today.year + YEARS_AHEAD
    if not FIRST_YEAR <= day.year <= last:
        raise GuideOptionError(T.OPTION_UNLIKELY_YEAR.format(day=fmt_day(day), first=FIRST_YEAR,
                                                             last=last))


def check_range(start: date | None, until: date | None) -> None:
    """The last day in force may not come before the first."""
    if start is not None and until is not None and until < start:
        raise GuideOptionError(T.OPTION_BAD_RANGE.format(start=fmt_day(start),
                                                         until=fmt_day(until)))


def split_values(values: Iterable[str]) -> tuple[str, ...]:
    """'SO, PHONG' 'KHAC' → ('SO', 'PHONG', 'KHAC'): commas, semicolons or spaces separate."""
    found: list[str] = []
    for value in values:
        for part in value.replace(";", ",").replace(",", " ").split():
            if part not in found:
                found.append(part)
    return tuple(found)


def read_roles(values: Iterable[str]) -> tuple[str, ...]:
    """Roles an audience may be narrowed to (official, head, deputy, admin)."""
    roles = split_values(values)
    wrong = [r for r in roles if r not in ROLES]
    if wrong:
        raise GuideOptionError(T.OPTION_UNKNOWN_ROLES.format(roles=", ".join(wrong),
                                                             known=", ".join(ROLES)))
    return roles


#: wrong unit entries named in the message (500 pasted codes must not make it unreadable)
CODES_NAMED = 10


async def known_units(session: AsyncSession) -> list[UnitName]:
    """Every unit, as names are matched against."""
    rows = (await session.execute(select(Unit.id, Unit.code, Unit.name).order_by(Unit.id))).all()
    return [UnitName(uid, code, name) for uid, code, name in rows]


#: synonyms given beside the database's (TROLY_SYNONYMS_FILE's: KnowledgeService.extra_synonyms)
Synonyms = Mapping[str, Sequence[str]]


async def unit_abbreviations(session: AsyncSession,
                             extra: Synonyms | None = None) -> Abbreviations:
    """The admins' synonyms (the file's, then the database's: as the search reads them) that
    abbreviate a phrase, for reading unit names (bot/unit_names.py)."""
    return admin_abbreviations(extra or {}, await guide_store.synonyms(session))


def unit_words(unit: UnitName) -> str:
    """'Sở Nội vụ (SO)'."""
    return T.OPTION_UNIT.format(name=unit.name, code=unit.code)


def unknown_units_text(unknown: Sequence[EntryMatch]) -> str:
    """Entries that name no unit, each with the closest units when some are close."""
    named = [T.OPTION_UNIT_SUGGESTED.format(
        typed=e.typed[:60], units=", ".join(unit_words(u) for u in e.suggestions))
        if e.suggestions else f"\u201c{e.typed[:40]}\u201d" for e in unknown[:CODES_NAMED]]
    more = (T.OPTION_MORE_CODES.format(count=len(unknown) - CODES_NAMED)
            if len(unknown) > CODES_NAMED else "")
    return T.OPTION_UNKNOWN_UNITS.format(units="; ".join(named) + more)


def unclear_unit_text(entry: EntryMatch) -> str:
    """An entry several units fit alike (the CLI cannot ask which)."""
    more = (T.OPTION_MORE_UNITS.format(count=entry.alike - len(entry.choices))
            if entry.alike > len(entry.choices) else "")
    return T.OPTION_UNCLEAR_UNIT.format(
        typed=entry.typed[:60], units=", ".join(unit_words(u) for u in entry.choices) + more)


async def read_unit_entries(session: AsyncSession, entries: Sequence[str],
                            synonyms: Synonyms | None = None) -> UnitsRead:
    """What each typed entry (a code, codes, or a name) names among the units (the admins'
    abbreviations understood)."""
    return read_units(await known_units(session), entries,
                      await unit_abbreviations(session, synonyms))


async def unit_ids(session: AsyncSession, entries: Sequence[str], *,
                   exact: bool = False, synonyms: Synonyms | None = None) -> list[int]:
    """The units named (by code, case aside, or by name); every entry must name its units
    without doubt. `exact`: codes only (a unit chosen in chat and removed since must not be
    taken for another whose code or name is alike). `synonyms`: beside the database's."""
    if exact:
        ids, missing = await guidance_store.units_by_code(session, list(entries))
        if missing:
            raise GuideOptionError(unknown_units_text([EntryMatch(c) for c in missing]))
        return ids
    read = await read_unit_entries(session, entries, synonyms)
    if read.unknown:
        raise GuideOptionError(unknown_units_text(read.unknown))
    if read.unclear:
        raise GuideOptionError(unclear_unit_text(read.unclear[0]))
    return [u.id for u in read.found]


async def replaced_guide(session: AsyncSession, key: str) -> Guide:
    """The older guide named by id or code (slug) that a new guide supersedes (what the CLI's
    --replaces and a choice stored in the chat carry; what an admin types: typed_guide)."""
    guide = await guide_store.find_guide(session, key.strip())
    if guide is None:
        raise GuideOptionError(T.OPTION_GUIDE_NOT_FOUND.format(key=key.strip()[:60]))
    return guide


#: "thay thế HD-03", "thay cho 12/HD-UBND", "Thay thế: huong-dan-cu", matched on the text folded
#: (diacritics optional)
_REPLACES_TYPED = re.compile(r"^\s*thay\s+(?:the|cho)(?:\s*[:\-\u2013]\s*|\s+)(?=\S)",
                             re.IGNORECASE)


def typed_replacement(text: str) -> str | None:
    """The guide named by "thay thế <mã>" typed at the upload's summary (or sent as the file's
    caption, which the dispatcher hands to the step as typed text); None when the text says no
    such."""
    text = unicodedata.normalize("NFC", text)
    folded = fold(text)
    found = _REPLACES_TYPED.match(folded) if len(folded) == len(text) else None
    return text[found.end():].strip()[:200] if found else None


async def typed_guide(session: AsyncSession, text: str) -> Guide:
    """The older guide an admin typed for a new one to replace, read alike at the upload's
    summary and at its "Thay thế" step: "thay thế 12/HD-UBND" or the name alone — an id or code,
    a document number the guide cites, or words of the title or source reference of the one
    guide in force that has them. GuideOptionError when no guide (or several) fits."""
    key = typed_replacement(text)
    key = text.strip() if key is None else key
    guide = await _guide_named(session, key)
    if guide is None:
        raise GuideOptionError(T.OPTION_GUIDE_NOT_FOUND.format(key=key[:60]))
    return guide


async def _guide_named(session: AsyncSession, key: str) -> Guide | None:
    key = key.strip().strip("\"'\u201c\u201d.")
    found = await guide_store.find_guide(session, key) \
        or await guide_store.find_guide(session, key.casefold())
    if found is None and (numbers := document_numbers(key)):
        found = await guide_store.find_by_document_number(session, numbers)
    if found is not None or not key:
        return found
    wanted = " ".join(key.casefold().split())
    named = [g for g in (await session.execute(
                 select(Guide).where(Guide.status == "active"))).scalars()
             if wanted in " ".join(f"{g.title} {g.source_ref or ''}".casefold().split())]
    return named[0] if len(named) == 1 else None


@dataclass(frozen=True)
class GuideOptions:
    """What the admin chose (None / empty: not chosen; dates then come from the document)."""

    effective: date | None = None
    until: date | None = None
    #: id or code of the older guide this one supersedes
    replaces: str | None = None
    #: it supersedes no guide, whatever its text says ('thay thế Hướng dẫn số …') or the
    #: guide's previous version was linked to ("Không thay thế", `--no-replaces`)
    no_replaces: bool = False
    #: units that must apply it (codes, or names as typed in the CLI), sub-units included
    units: tuple[str, ...] = ()
    all_units: bool = False
    #: only these roles of the audience (empty: every role)
    roles: tuple[str, ...] = ()
    #: `units` are codes already resolved (the chat's choice): matched exactly, never by name
    exact_units: bool = False

    @classmethod
    def parse(cls, *, effective: str | None, until: str | None, replaces: str | None,
              units: Iterable[str], roles: Iterable[str], today: date,
              no_replaces: bool = False) -> GuideOptions:
        """The options as typed (CLI flags): dates read, the range and the roles checked."""
        start = read_day(effective, today=today) if effective is not None else None
        end = read_day(until, today=today) if until is not None else None
        check_range(start, end)
        if replaces and no_replaces:
            raise GuideOptionError(T.OPTION_REPLACES_AND_NOT)
        return cls(start, end, replaces, no_replaces, split_entries(units),
                   roles=read_roles(roles))

    @property
    def has_audience(self) -> bool:
        """Whether units were chosen (the guide is then announced to them)."""
        return self.all_units or bool(self.units)

    async def audience(self, session: AsyncSession, *,
                       synonyms: Synonyms | None = None) -> guidance_store.Audience | None:
        """The audience to store (None: none chosen); every unit must be found (names read
        with the admins' abbreviations: the database's and `synonyms`)."""
        if self.all_units:
            return guidance_store.Audience(True, (), self.roles)
        if not self.units:
            return None
        ids = await unit_ids(session, self.units, exact=self.exact_units, synonyms=synonyms)
        return guidance_store.Audience(False, tuple(ids), self.roles)

    async def validity(self, session: AsyncSession, *,
                       synonyms: Synonyms | None = None) -> guide_store.ValidityOptions:
        """What add_guide applies: dates, the guide replaced, the audience."""
        check_range(self.effective, self.until)
        replaced = await replaced_guide(session, self.replaces) if self.replaces else None
        audience = await self.audience(session, synonyms=synonyms)
        extra: dict[str, object] = {"audience": audience.to_json()} if audience else {}
        return guide_store.ValidityOptions(self.effective, self.until, replaced, extra,
                                           no_replaces=self.no_replaces and replaced is None)

    def to_json(self) -> dict[str, Any]:
        """For a conversation's state (bot/flow_state.py): survives a restart."""
        return {"effective": self.effective.isoformat() if self.effective else None,
                "until": self.until.isoformat() if self.until else None,
                "replaces": self.replaces, "no_replaces": self.no_replaces,
                "units": list(self.units), "all": self.all_units,
                "roles": list(self.roles), "exact": self.exact_units}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GuideOptions:
        """Back from to_json."""
        def day(key: str) -> date | None:
            value = data.get(key)
            return date.fromisoformat(value) if isinstance(value, str) else None

        return cls(day("effective"), day("until"), data.get("replaces") or None,
                   bool(data.get("no_replaces")), tuple(str(u) for u in data.get("units") or ()), bool(data.get("all")),
                   tuple(r for r in data.get("roles") or () if r in ROLES),
                   bool(data.get("exact", True)))  # states written before held codes only


async def announce_new(session: AsyncSession, guide_id: int,
                       now: datetime) -> tuple[int, int] | None:
    """Announce the guide's current version when it has an audience: (version, members)."""
    guide = await session.get(Guide, guide_id)
    audience = guidance_store.Audience.of(guide.audience) if guide is not None else None
    if guide is None or audience is None or audience.empty:
        return None
    version = await guidance_store.announce(session, guide, now)
    return version, len(await guidance_store.audience_members(session, audience))
