"""Ownership: what a button payload or command names is loaded only if the current official may
act on it. Ids are parsed and range-checked first (bot.ids), so a foreign id, an absent one and a
malformed one all come back as None — the caller answers them with the same sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.context import Context
from bot.db.models import Official, OutboxMessage, Task, TaskAssignee
from bot.db.people_store import subunit_ids
from bot.ids import parse_id

#: the two digests a head receives each week (scheduler/digest.py)
DIGEST_KINDS = frozenset({"week", "ahead"})
_WEEK_RE = re.compile(r"^\d{4}-W\d{2}$")
LEADERS = frozenset({"head", "deputy"})


def may_read_guides(ctx: Context) -> bool:
    """Guides answer officials always, and everyone else when TROLY_GUIDES_PUBLIC is on; in a
    group chat anyone may read the answer, so there only when the guides are public."""
    if ctx.in_group:
        return ctx.deps.settings.guides_public
    return ctx.official is not None or ctx.deps.settings.guides_public


async def leads_unit(ctx: Context, official: Official, unit_id: int | None) -> bool:
    """Whether the official leads `unit_id` or a unit above it (admins lead everything)."""
    if official.role == "admin":
        return True
    if official.role not in LEADERS or official.unit_id is None or unit_id is None:
        return False
    return unit_id in await subunit_ids(ctx.session, official.unit_id)


async def task_for(ctx: Context, arg: str, *, assignees_only: bool = False) -> Task | None:
    """The task `arg` names if the current official is responsible for it, or — unless
    `assignees_only` — leads its lead unit (or a unit above it), or is an admin."""
    official, task_id = ctx.official, parse_id(arg)
    if official is None or task_id is None:
        return None
    task = await ctx.session.get(Task, task_id)
    if task is None:
        return None
    if await ctx.session.get(TaskAssignee, (task.id, official.id)) is not None:
        return task
    if not assignees_only and await leads_unit(ctx, official, task.lead_unit_id):
        return task
    return None


@dataclass(frozen=True, slots=True)
class DigestRef:
    """One digest as its "Đã xem" button names it."""

    unit_id: int
    iso_week: str
    kind: str

    @property
    def key(self) -> str:
        """'<unit>:<week>:<kind>' in canonical form."""
        return f"{self.unit_id}:{self.iso_week}:{self.kind}"


async def digest_for(ctx: Context, arg: str) -> DigestRef | None:
    """The digest `arg` ('<unit>:<ISO week>:<kind>') names if it was addressed to the current
    official: the outbox holds the row the planner wrote for them (any channel, any status)."""
    official = ctx.official
    parts = arg.split(":")
    if official is None or len(parts) != 3:
        return None
    unit_id, week, kind = parse_id(parts[0]), parts[1], parts[2]
    if unit_id is None or not _WEEK_RE.match(week) or kind not in DIGEST_KINDS:
        return None
    base = f"digest:{unit_id}:{week}:{kind}:{official.id}:"
    row = (await ctx.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.kind == "digest", OutboxMessage.recipient_id == official.id,
        OutboxMessage.subject_type == "unit", OutboxMessage.subject_id == str(unit_id),
        OutboxMessage.idem_key.startswith(base, autoescape=True),
    ).limit(1))).first()
    return DigestRef(unit_id, week, kind) if row is not None else None
