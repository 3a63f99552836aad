"""Pushing guidance: a guide's audience, its announcement, acknowledgements, validity marks,
the announcement's summary and the citizens' version of sections marked for sharing.

Audience (guides.audience, JSON): {"units": [unit ids], "roles": [roles]} — the officials of
those units and every unit below them, of those roles (no roles: every role); {"all": true}
instead of units means every unit. Announcing a guide records the version and the instant
(guides.announced_version / announced_at); the planner (scheduler/guidance.py) then writes one
outbox row per member, and one reminder after 3 working days to those who have not pressed
"Đã nắm" (guide_acks).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import outbox
from bot.dates import fmt_day
from bot.db.batches import chunks
from bot.db.guide_store import GuideState, guide_sections, guide_states, replaced_by
from bot.db.models import Guide, GuideAck, GuideChunk, GuideVersion, Official, OutboxMessage, Unit
from bot.texts import guidance as T
from bot.unit_tree import descendants

#: roles an audience may name (bot/router.py roles, guests aside)
ROLES = ("official", "head", "deputy", "admin")
#: lines of an announcement's summary
SUMMARY_LINES = 3
SUMMARY_LINE_CHARS = 160
#: headings of a section that summarizes the guide (its lines become the announcement's summary)
SUMMARY_HEADING_PATTERN = re.compile(
    r"^\s*(?:[IVX\d]+[.)]\s*)?(tóm\s+tắt|nội\s+dung\s+chính|tổng\s+quan)", re.IGNORECASE)
#: the citizens' version stays one forwardable message (Zalo: 2,000 characters)
SHARE_CHARS = 1700
#: outbox kinds
KIND_ANNOUNCE = "guide"
KIND_REMIND = "guide_remind"
KIND_EXPIRED = "guide_expired"
KIND_WITHDRAWN = "guide_withdrawn"


# ---------------------------------------------------------------- audience


@dataclass(frozen=True)
class Audience:
    """Who a guide is for."""

    all_units: bool = False
    units: tuple[int, ...] = ()
    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> Audience | None:
        """The audience stored in guides.audience (None: none set)."""
        if not data:
            return None
        units = tuple(int(u) for u in data.get("units", []) if isinstance(u, int))
        roles = tuple(r for r in data.get("roles", []) if r in ROLES)
        return cls(bool(data.get("all")), units, roles)

    def to_json(self) -> dict[str, Any]:
        """The JSON stored in guides.audience."""
        data: dict[str, Any] = {"units": list(self.units), "roles": list(self.roles)}
        if self.all_units:
            data["all"] = True
        return data

    @property
    def empty(self) -> bool:
        """Nobody chosen yet."""
        return not self.all_units and not self.units

    def unit_ids(self, parents: Iterable[tuple[int, int | None]]) -> set[int]:
        """Every unit the audience covers (sub-units included)."""
        pairs = list(parents)
        if self.all_units:
            return {uid for uid, _ in pairs}
        found: set[int] = set()
        for unit_id in self.units:
            found.update(descendants(pairs, unit_id))
        return found

    def members(self, people: Iterable[tuple[int, int | None, str]],
                parents: Iterable[tuple[int, int | None]]) -> list[int]:
        """Ids of the officials (id, unit id, role) the audience covers, in id order."""
        units = self.unit_ids(parents)
        return sorted(pid for pid, unit_id, role in people
                      if unit_id in units and (not self.roles or role in self.roles))


async def unit_parents(session: AsyncSession) -> list[tuple[int, int | None]]:
    """(unit id, parent id) of every unit."""
    return [(uid, parent) for uid, parent in
            (await session.execute(select(Unit.id, Unit.parent_id))).all()]


async def audience_members(session: AsyncSession, audience: Audience) -> list[Official]:
    """The active officials an audience covers."""
    units = audience.unit_ids(await unit_parents(session))
    if not units:
        return []
    found: list[Official] = []
    for part in chunks(sorted(units)):
        found += (await session.execute(select(Official).where(
            Official.status == "active", Official.unit_id.in_(part)))).scalars()
    return sorted((o for o in found if not audience.roles or o.role in audience.roles),
                  key=lambda o: o.id)


async def units_by_code(session: AsyncSession, codes: Sequence[str]) -> tuple[list[int], list[str]]:
    """Unit ids for codes (case as typed, then case-insensitive), and the codes not found."""
    rows = (await session.execute(select(Unit.id, Unit.code))).all()
    exact = {code: uid for uid, code in rows}
    folded = {code.casefold(): uid for uid, code in rows}
    ids: list[int] = []
    missing: list[str] = []
    for code in codes:
        uid = exact.get(code, folded.get(code.casefold()))
        if uid is None:
            missing.append(code)
        elif uid not in ids:
            ids.append(uid)
    return ids, missing


async def announce(session: AsyncSession, guide: Guide, now: datetime) -> int:
    """Announce the guide's current version to its audience (the planner sends it); its number."""
    version = await session.get(GuideVersion, guide.current_version_id)
    assert version is not None
    guide.announced_version = version.version
    guide.announced_at = now
    return version.version


# ---------------------------------------------------------------- acknowledgements


async def acknowledge(session: AsyncSession, guide_id: int, version: int, official_id: int,
                      now: datetime) -> bool:
    """Record "Đã nắm"; False when it was already recorded. Cancels the pending reminder."""
    if await session.get(GuideAck, (guide_id, version, official_id)) is not None:
        return False
    session.add(GuideAck(guide_id=guide_id, version=version, official_id=official_id,
                         acknowledged_at=now))
    await outbox.cancel(session, OutboxMessage.idem_key.startswith(
        f"{KIND_ANNOUNCE}:{guide_id}:v{version}:remind:{official_id}:", autoescape=True),
        now=now, reason="acknowledged")
    return True


async def acknowledged(session: AsyncSession, guide_id: int, version: int) -> dict[int, datetime]:
    """Who acknowledged a version, and when."""
    rows = await session.execute(select(GuideAck.official_id, GuideAck.acknowledged_at).where(
        GuideAck.guide_id == guide_id, GuideAck.version == version))
    found: dict[int, datetime] = {}
    for official_id, at in rows.all():
        found[official_id] = at
    return found


# ---------------------------------------------------------------- validity marks


def marks(states: Mapping[int, GuideState], guide_id: int, today: date) -> list[str]:
    """Why a guide does not answer today, in words ('chưa có hiệu lực…', 'đã được thay thế…')."""
    state = states.get(guide_id)
    if state is None:
        return []
    found: list[str] = []
    if state.effective_until is not None and state.effective_until < today:
        found.append(T.EXPIRED.format(day=fmt_day(date.fromordinal(
            state.effective_until.toordinal() + 1))))
    elif state.effective_from is not None and today < state.effective_from:
        found.append(T.NOT_YET.format(day=fmt_day(state.effective_from)))
    newer = replaced_by(states, guide_id, today)
    if newer is not None:
        found.append(T.REPLACED_BY.format(title=newer.title))
    return found


def validity_words(effective_from: date | None, effective_until: date | None) -> str | None:
    """'có hiệu lực từ 01/01/2027, có hiệu lực đến hết 30/06/2027' (None when undated)."""
    parts = []
    if effective_from is not None:
        parts.append(T.IN_FORCE_FROM.format(day=fmt_day(effective_from)))
    if effective_until is not None:
        parts.append(T.IN_FORCE_UNTIL.format(day=fmt_day(effective_until)))
    return ", ".join(parts) or None


async def guide_marks(session: AsyncSession, guide_id: int, today: date) -> list[str]:
    """marks() with the states loaded."""
    return marks(await guide_states(session), guide_id, today)


# ---------------------------------------------------------------- summary and sharing


def _lines(text: str) -> list[str]:
    out = []
    for raw in text.splitlines():
        line = re.sub(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+", "", raw).strip()
        line = line.replace("**", "").replace("__", "")
        if line:
            out.append(line)
    return out


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary(sections: Sequence[GuideChunk]) -> list[str]:
    """Three lines: a summary section's first lines when the guide has one, else the first line
    of each of its first sections (the opening passage last, it is often just the legal basis)."""
    for chunk in sections:
        if chunk.heading_path and SUMMARY_HEADING_PATTERN.match(chunk.heading_path[-1]):
            lines = [line for c in sections if c.heading_path == chunk.heading_path
                     for line in _lines(c.text)]
            if lines:
                return [_clip(line, SUMMARY_LINE_CHARS) for line in lines[:SUMMARY_LINES]]
    firsts: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for chunk in sections:
        path = tuple(chunk.heading_path)
        if not path or path in seen:
            continue
        seen.add(path)
        lines = _lines(chunk.text)
        if lines:
            firsts.append(_clip(f"{path[-1]}: {lines[0]}", SUMMARY_LINE_CHARS))
        if len(firsts) == SUMMARY_LINES:
            return firsts
    opening = [line for c in sections if not c.heading_path for line in _lines(c.text)]
    return firsts + [_clip(line, SUMMARY_LINE_CHARS) for line in opening][:SUMMARY_LINES - len(firsts)]


def share_text(guide: Guide, sections: Sequence[GuideChunk]) -> str | None:
    """The citizens' version: the sections marked '[chia sẻ]', plain, with the source cited."""
    marked = [c for c in sections if c.share]
    if not marked:
        return None
    body: list[str] = []
    last_path: tuple[str, ...] | None = None
    for chunk in marked:
        path = tuple(chunk.heading_path)
        if path != last_path and path:
            body.append(path[-1].upper())
        last_path = path
        body += [f"- {line}" if raw.lstrip()[:1] in "-*+\u2022" else line
                 for raw, line in zip(_raw_lines(chunk.text), _lines(chunk.text), strict=True)]
    text = "\n".join(body)
    ref = f" ({guide.source_ref})" if guide.source_ref else ""
    source = T.SHARE_SOURCE.format(title=guide.title, ref=ref)
    room = SHARE_CHARS - len(source) - 2
    if len(text) > room:
        text = text[: room - 1].rsplit("\n", 1)[0].rstrip() + "\n…"
    return f"{text}\n\n{source}"


def _raw_lines(text: str) -> list[str]:
    return [raw for raw in text.splitlines()
            if re.sub(r"^\s*(?:[-*+\u2022]|\d+[.)])\s+", "", raw).replace("**", "")
            .replace("__", "").strip()]


async def has_share(session: AsyncSession, guide: Guide) -> bool:
    """Whether the guide's current version has sections marked for sharing."""
    return (await session.execute(select(GuideChunk.id).where(
        GuideChunk.version_id == guide.current_version_id, GuideChunk.share.is_(True)).limit(1))
    ).first() is not None


async def guide_share_text(session: AsyncSession, guide: Guide) -> str | None:
    """share_text() of the guide's current version."""
    return share_text(guide, await guide_sections(session, guide))
