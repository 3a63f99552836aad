"""Ownership: what a button payload or command names is loaded only if the current official may
act on it. Ids are parsed and range-checked first (bot.ids), so a foreign id, an absent one and a
malformed one all come back as None — the caller answers them with the same sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from bot.context import Context
from bot.db.models import (
    ChatAccount,
    Invitation,
    Official,
    OutboxMessage,
    PendingImport,
    Task,
    TaskAssignee,
    Unit,
)
from bot.db.people_store import invitation_key, subunit_ids, usable
from bot.db.plan_store import consolidators_of, plan_unit_ids, plans_consolidated_by

#: the digests a head receives (scheduler/digest.py): two a week, one per closing period
DIGEST_KINDS = frozenset({"week", "ahead", "month", "quarter", "half", "year"})
#: an ISO week or a period key (2026-W48, 2026-11, 2026-Q4, 2026-H2, 2026)
_WEEK_RE = re.compile(r"^\d{4}(?:-(?:W\d{2}|\d{2}|Q[1-4]|H[12]))?$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
LEADERS = frozenset({"head", "deputy"})
_RANK = {"official": 0, "deputy": 1, "head": 2}


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
    if unit_id is None:
        return False
    return unit_id in await led_units(ctx, official)


async def led_units(ctx: Context, official: Official) -> set[int]:
    """The units a head or deputy leads: their own unit and everything below it, and the units
    (with theirs below) whose head slot names them while their home unit is another (kiêm
    nhiệm: one person heading two units)."""
    led: set[int] = set()
    if official.role not in LEADERS:
        # a head slot is cleared only by the officials import: one still naming someone demoted,
        # deactivated or gone by another path (a role change, a direct edit) gives them nothing
        return led
    if official.unit_id is not None:
        led.update(await subunit_ids(ctx.session, official.unit_id))
    if official.status != "active":
        return led
    held = (await ctx.session.execute(
        select(Unit.id).where(Unit.head_official_id == official.id))).scalars()
    for unit_id in held:
        if unit_id not in led:
            led.update(await subunit_ids(ctx.session, unit_id))
    return led


async def task_for(ctx: Context, task_id: int, *, assignees_only: bool = False) -> Task | None:
    """The task `task_id` names if the current official is responsible for it, or — unless
    `assignees_only` — leads its lead unit (or a unit above it), or is an admin."""
    official = ctx.official
    if official is None:
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


async def digest_for(ctx: Context, unit_id: int, week: str, kind: str) -> DigestRef | None:
    """The digest its "Đã xem" button names (unit, ISO week or period key, kind) if it was
    addressed to the current official: the outbox holds the row the planner wrote for them (any
    channel, any status)."""
    official = ctx.official
    if official is None or not _WEEK_RE.match(week) or kind not in DIGEST_KINDS:
        return None
    base = f"digest:{unit_id}:{week}:{kind}:{official.id}:"
    row = (await ctx.session.execute(select(OutboxMessage.id).where(
        OutboxMessage.kind == "digest", OutboxMessage.recipient_id == official.id,
        OutboxMessage.subject_type == "unit", OutboxMessage.subject_id == str(unit_id),
        OutboxMessage.idem_key.startswith(base, autoescape=True),
    ).limit(1))).first()
    return DigestRef(unit_id, week, kind) if row is not None else None


async def may_manage(ctx: Context, official: Official) -> bool:
    """Whether the current official may see and unbind `official`'s apps: themselves; an admin
    anyone; a head or deputy everyone (but admins) in the units below theirs, and in their own
    unit those of lower rank (a head its deputies and officials; a deputy never the head)."""
    me = ctx.official
    if me is None:
        return False
    if me.id == official.id or me.role == "admin":
        return True
    if official.role == "admin" or not await leads_unit(ctx, me, official.unit_id):
        return False
    if official.unit_id != me.unit_id:
        return True
    return _RANK.get(official.role, 0) < _RANK.get(me.role, 0)


async def account_for(ctx: Context, account_id: int) -> ChatAccount | None:
    """The bound chat account `account_id` names, if the current official may manage it."""
    if ctx.official is None:
        return None
    account = await ctx.session.get(ChatAccount, account_id)
    if account is None or account.official_id is None:
        return None
    owner = await ctx.session.get(Official, account.official_id)
    return account if owner is not None and await may_manage(ctx, owner) else None


async def may_revoke(ctx: Context, invitation: Invitation) -> bool:
    """Admins revoke any code; whoever created one may revoke it; a head or deputy revokes the
    codes (other than admin codes) of their unit and the units below it."""
    me = ctx.official
    if me is None:
        return False
    if me.role == "admin" or (invitation.created_by is not None and invitation.created_by == me.id):
        return True
    return invitation.role != "admin" and await leads_unit(ctx, me, invitation.unit_id)


async def invitation_for(ctx: Context, code: str) -> Invitation | None:
    """The still-usable invitation `code` names, if the current official may revoke it."""
    if ctx.official is None or not _CODE_RE.match(code):
        return None
    invitation = await ctx.session.get(Invitation, invitation_key(code))
    if invitation is None or not usable(invitation, ctx.now):
        return None
    return invitation if await may_revoke(ctx, invitation) else None


async def pending_import_for(ctx: Context, pending_id: int) -> PendingImport | None:
    """The previewed table `pending_id` names, if the current official is the admin who sent it
    and it has not expired."""
    official = ctx.official
    if official is None or official.role != "admin":
        return None
    row = await ctx.session.get(PendingImport, pending_id)
    if row is None or row.official_id != official.id or row.expires_at <= ctx.now:
        return None
    return row


# ---------------------------------------------------------------- reports: units and plans


@dataclass(frozen=True, slots=True)
class UnitView:
    """What an official may see of a unit: all of it, or only some plans' tasks (a
    consolidating unit looking at a unit outside its own tree)."""

    allowed: bool
    plan_ids: tuple[int, ...] = ()


async def unit_view(ctx: Context, official: Official, unit_id: int) -> UnitView:
    """Admins see every unit; heads and deputies their unit and everything below it; and the
    heads and deputies of a consolidating unit (đơn vị tổng hợp) every unit with a part in the
    plans it consolidates — those plans' tasks only."""
    if official.role == "admin":
        return UnitView(True)
    own = await led_units(ctx, official)
    if not own:
        return UnitView(False)
    if unit_id in own:
        return UnitView(True)
    target = set(await subunit_ids(ctx.session, unit_id))
    plans = [p for p in await plans_consolidated_by(ctx.session, sorted(own))
             if await plan_unit_ids(ctx.session, p) & target]
    return UnitView(bool(plans), tuple(plans))


async def may_view_plan(ctx: Context, official: Official, plan_id: int) -> bool:
    """A plan across units: admins; anyone in a consolidating unit of the plan, and the heads and
    deputies above one; heads and deputies whose tree holds every unit with a part in it."""
    if official.role == "admin":
        return True
    if official.unit_id is None:
        return False
    consolidating = {u.id for u in await consolidators_of(ctx.session, plan_id)}
    if official.unit_id in consolidating:
        return True
    if official.role not in LEADERS:
        return False
    own = set(await subunit_ids(ctx.session, official.unit_id))
    if consolidating & own:
        return True
    involved = await plan_unit_ids(ctx.session, plan_id)
    return bool(involved) and involved <= own
