"""World: the tests' one seeding helper (units, officials and their chats, plans, tasks, a
conversation under way, with the ORM).

Every test that needs people or tasks in the database before the dialog starts seeds them here, whether
it drives a BotHarness (`harness.world`, created at the harness clock's time) or a bare database
(scheduler simulations, CLI runs: `World(sessionmaker)`, created at EPOCH).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import local_datetime, to_local
from bot.db.models import (
    ChatAccount,
    ConversationState,
    Official,
    OutboxMessage,
    Plan,
    Task,
    TaskAssignee,
    Unit,
)

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    """A local wall time as an aware UTC instant."""
    return local_datetime(day, time(hh, mm))


def sent_local(row: OutboxMessage) -> datetime:
    """The local time a row was sent (a row never sent fails the test here)."""
    assert row.sent_at is not None, row.idem_key
    return to_local(row.sent_at)


def _epoch() -> datetime:
    return EPOCH


@dataclass
class World:
    """Creates units, officials, chat accounts, plans and tasks directly with the ORM.

    `now` stamps created_at; `unit_name`, `plan_ref` and `plan_title` are what a unit or plan gets
    when the test does not say (scheduler tests and dialog tests grew different defaults).
    """

    sessionmaker: async_sessionmaker[AsyncSession]
    now: Callable[[], datetime] = _epoch
    unit_name: str = "Phòng {code}"
    plan_ref: str = "KH 286/KH-BTTTT"
    plan_title: str | None = "Kế hoạch"
    units: dict[str, int] = field(default_factory=dict)
    plan_id: int | None = None

    async def unit(self, code: str, *, name: str | None = None, parent: str | None = None,
                   schedule: dict[str, object] | None = None) -> int:
        """The unit with this code, created if it does not exist yet; return its id."""
        async with self.sessionmaker.begin() as s:
            unit = (await s.execute(select(Unit).where(Unit.code == code))).scalar()
            if unit is None:
                parent_id = (await s.execute(select(Unit.id).where(Unit.code == parent))).scalar() \
                    if parent else None
                unit = Unit(code=code, name=name or self.unit_name.format(code=code),
                            created_at=self.now(), schedule=schedule, parent_id=parent_id)
                s.add(unit)
                await s.flush()
            self.units[code] = unit.id
            return unit.id

    async def official(self, name: str, unit: str, *, role: str = "official",
                       accounts: Mapping[str, str] | None = None, head: bool = False,
                       absent: bool = False, code: str | None = None) -> int:
        """An active official of the unit (created if needed), bound to `accounts` ({channel: chat
        id}, by default Telegram chat `name`); return their id."""
        unit_id = await self.unit(unit)
        now = self.now()
        async with self.sessionmaker.begin() as s:
            off = Official(code=code, name=name, unit_id=unit_id, role=role, status="active",
                           absent=absent, created_at=now)
            s.add(off)
            await s.flush()
            for channel, chat in (accounts if accounts is not None else {"telegram": name}).items():
                s.add(self._account(off.id, channel, chat))
            if head:
                u = await s.get(Unit, unit_id)
                assert u is not None
                u.head_official_id = off.id
            return off.id

    def _account(self, official_id: int, channel: str, chat: str) -> ChatAccount:
        return ChatAccount(channel=channel, external_id=chat, chat_id=chat,
                           official_id=official_id, status="active", created_at=self.now())

    async def account(self, official_id: int, channel: str, chat: str) -> int:
        """Another active chat of an official (user and private chat `chat`); return its id."""
        async with self.sessionmaker.begin() as s:
            account = self._account(official_id, channel, chat)
            s.add(account)
            await s.flush()
            return account.id

    async def conversation(self, channel: str, chat: str, flow: str, step: str) -> None:
        """A conversation of `flow` under way at `step` in a private chat, as the dispatcher
        stores one."""
        async with self.sessionmaker.begin() as s:
            s.add(ConversationState(channel=channel, chat_id=chat, user_id=chat, flow=flow,
                                    step=step, data={}, version=1, updated_at=self.now()))

    async def plan(self, ref: str | None = None, *, title: str | None = None) -> int:
        """The plan with this reference (default: the world's), created if needed with `title`
        (default: the world's); return its id."""
        ref = ref or self.plan_ref
        async with self.sessionmaker.begin() as s:
            plan = (await s.execute(select(Plan).where(Plan.ref == ref))).scalar()
            if plan is None:
                plan = Plan(ref=ref, title=title if title is not None else self.plan_title,
                            created_at=self.now())
                s.add(plan)
                await s.flush()
            if ref == self.plan_ref:
                self.plan_id = plan.id
            return plan.id

    async def task(self, code: str, deadline: date | None, unit: str, assignees: list[int], *,
                   title: str | None = None, plan: str | None = None) -> int:
        """An open task led by the unit, assigned to the officials; return its id."""
        [task_id] = await self.tasks(assignees, [(code, title or f"Nhiệm vụ {code}", deadline)],
                                     unit=unit, plan=plan)
        return task_id

    async def tasks(self, assignees: list[int], tasks: list[tuple[str, str, date | None]], *,
                    unit: str = "DV1", plan: str | None = None) -> list[int]:
        """Open tasks (code, title, deadline) of one plan, led by the unit, each assigned to all the
        officials; return their ids."""
        plan_id = await self.plan(plan)
        unit_id = await self.unit(unit)
        now = self.now()
        ids = []
        async with self.sessionmaker.begin() as s:
            for code, title, deadline in tasks:
                task = Task(plan_id=plan_id, code=code, title=title, lead_unit_id=unit_id,
                            deadline=deadline, status="open", progress=0, created_at=now,
                            updated_at=now)
                s.add(task)
                await s.flush()
                for official_id in assignees:
                    s.add(TaskAssignee(task_id=task.id, official_id=official_id))
                ids.append(task.id)
        return ids

    async def rows(self, **where: object) -> list[OutboxMessage]:
        """Outbox rows matching the column values, by due time."""
        async with self.sessionmaker() as s:
            q = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.id)
            for name, value in where.items():
                q = q.where(getattr(OutboxMessage, name) == value)
            return list((await s.execute(q)).scalars())

    async def statuses(self) -> dict[str, str]:
        """idem_key → status."""
        return {r.idem_key: r.status for r in await self.rows()}
