"""`troly tasks import`: a plan's task table as ministries write it (STT, Mã nhiệm vụ, Nhiệm vụ, …)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import local_date
from bot.dates import fmt_day
from bot.db import people_store
from bot.db.models import Official, Plan, Task, TaskAssignee, TaskUnit
from bot.db.plan_store import set_consolidators
from bot.db.task_store import record_task_state
from bot.imports.common import (
    ImportFailed,
    ImportResult,
    RowError,
    fold_key,
    split_list,
    text,
    too_long,
)
from bot.imports.officials import find_unit
from bot.imports.tabular import Table
from bot.imports.template import TableImport
from bot.texts import imports as texts
from rules.deadlines import (
    DeadlineError,
    month_first_doubt,
    parse_deadline,
    reads_only_month_first,
)

#: field → the header spellings accepted in the file (data for parsing, not messages)
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "ordinal": ("STT", "TT", "Số thứ tự"),
    "code": ("Mã nhiệm vụ", "Mã NV", "Mã"),
    "title": ("Nhiệm vụ", "Tên nhiệm vụ", "Nội dung nhiệm vụ", "Nội dung"),
    "lead": ("Đơn vị chủ trì", "Chủ trì", "Cơ quan chủ trì"),
    "co": ("Đơn vị phối hợp", "Phối hợp", "Cơ quan phối hợp"),
    "officials": ("Cán bộ phụ trách", "Người phụ trách", "Cán bộ thực hiện", "Cán bộ theo dõi"),
    "deadline": ("Thời hạn", "Thời hạn hoàn thành", "Thời gian hoàn thành", "Hạn hoàn thành"),
    "product": ("Sản phẩm", "Sản phẩm đầu ra", "Kết quả"),
    "note": ("Ghi chú",),
    "consolidating": ("Đơn vị tổng hợp", "Cơ quan tổng hợp", "Đơn vị theo dõi, tổng hợp"),
}
REQUIRED = ("code", "title", "lead", "deadline")
#: column widths of the tasks table (models.Task): field → (limit, header)
_LIMITS = {"ordinal": (16, HEADER_ALIASES["ordinal"][0]),
           "deadline": (128, HEADER_ALIASES["deadline"][0])}
#: the plan line above a ministry's table ("Kế hoạch số 286/KH-BTTTT …", with or without diacritics)
_PLAN_PATTERN = re.compile(r"(K[ếe] ho[ạa]ch|KH)\s+s[ốo]\s*:?\s*([\w./-]+)", re.IGNORECASE)
_YEAR_RE = re.compile(r"\b(20\d\d)\b")
#: a place-and-date line under the number ("Hà Nội, ngày 15 tháng 10 năm 2026", "Ngày 15/10/2026")
_DATE_LINE_PATTERN = re.compile(r"^[^\d]{0,60}?\bng[àa]y\s+\d{1,2}\s*(th[áa]ng|/|-|\.)", re.IGNORECASE)
#: 'V/v' / 'Về việc' in front of a subject line
_SUBJECT_PREFIX_PATTERN = re.compile(r"^(V/v|V\.v|Về việc|Ve viec)\s*:?\s*", re.IGNORECASE)
#: task attribute → the field (column) it comes from; a change is named by that column's header
_FIELD_OF = {"ordinal": "ordinal", "title": "title", "lead_unit_id": "lead", "deadline": "deadline",
             "deadline_text": "deadline", "product": "product", "note": "note", "co_units": "co",
             "assignees": "officials"}


@dataclass(frozen=True)
class PlanInfo:
    """The plan a table belongs to."""

    ref: str
    title: str | None
    year: int


def _subject(preamble: list[str], after: int) -> str | None:
    """The plan's subject: the first line under its number line that is neither another number
    line nor a place-and-date line ('Triển khai chuyển đổi số năm 2026'); None when there is none."""
    for line in preamble[after + 1:]:
        line = " ".join(line.split())
        if not line or _PLAN_PATTERN.search(line) or _DATE_LINE_PATTERN.match(line):
            continue
        return _SUBJECT_PREFIX_PATTERN.sub("", line).strip() or None
    return None


def detect_plan(preamble: list[str], ref: str | None, year: int | None, today: date) -> PlanInfo:
    """The plan reference (--plan, else 'Kế hoạch số …' above the table), its title (the subject
    line under the number line, never the number line itself) and the default year."""
    at = next((i for i, line in enumerate(preamble) if _PLAN_PATTERN.search(line)), None)
    title = _subject(preamble, at) if at is not None else None
    if ref is None and at is not None:
        match = _PLAN_PATTERN.search(preamble[at])
        assert match is not None
        ref = f"Kế hoạch số {match.group(2)}"
    if ref is None:
        raise ImportFailed([RowError(0, texts.PLAN_UNKNOWN)])
    if len(ref.strip()) > 255:
        raise ImportFailed([RowError(0, texts.PLAN_REF_TOO_LONG)])
    if title is not None:
        title = title[:500]
    if year is None:
        found = _YEAR_RE.findall(" ".join([ref, *preamble]))
        year = int(found[-1]) if found else today.year
    return PlanInfo(ref.strip(), title, year)


async def _officials_index(session: AsyncSession) -> list[Official]:
    return list((await session.execute(select(Official).where(Official.status == "active"))).scalars())


def _find_official(officials: list[Official], key: str) -> tuple[Official | None, str | None]:
    exact = [o for o in officials if o.code and o.code == key]
    if exact:
        return exact[0], None
    folded = fold_key(key)
    matches = [o for o in officials if fold_key(o.name) == folded or (o.code and fold_key(o.code) == folded)]
    if len(matches) > 1:
        return None, texts.OFFICIAL_AMBIGUOUS.format(count=len(matches), name=key)
    if not matches:
        return None, texts.OFFICIAL_UNKNOWN.format(name=key)
    return matches[0], None


async def import_tasks(session: AsyncSession, file_name: str, content: bytes, now: datetime, *,
                       plan_ref: str | None = None, year: int | None = None,
                       dry_run: bool = False, partial: bool = False) -> ImportResult:
    """Validate the whole table, then create/update the plan's tasks by code: all or nothing, or
    with `partial` the bad rows left out."""
    return await TasksImport(plan_ref, year).run(session, file_name, content, now,
                                                 dry_run=dry_run, partial=partial)


class TasksImport(TableImport):
    """A plan's tasks by code (the plan named above the table or given), with their lead and
    co-units, officials and the plan's consolidating units; heading rows are skipped."""

    kind = "tasks"
    header_aliases = HEADER_ALIASES
    required = REQUIRED

    def __init__(self, plan_ref: str | None, year: int | None) -> None:
        super().__init__()
        self.plan_ref, self.year = plan_ref, year
        self.plan_info = PlanInfo("", None, 0)
        self.plan: Plan | None = None
        #: the plan's tasks in the database, by code; new ones added by apply
        self.tasks: dict[str, Task] = {}
        #: task id → its co-units and assignees now
        self.links: dict[int, dict[str, list[int]]] = {}
        #: the plan's consolidating units, from any row
        self.consolidating: list[int] = []

    async def validate(self, session: AsyncSession, table: Table, now: datetime, *,
                       partial: bool) -> list[RowError]:
        """Every row against the units and officials; the plan's tasks as they are now."""
        plan_info = self.plan_info = detect_plan(table.preamble, self.plan_ref, self.year,
                                                 local_date(now))
        self.subject = plan_info.ref
        units = await people_store.all_units(session)
        officials = await _officials_index(session)
        errors: list[RowError] = []
        parsed = self.parsed
        consolidating = self.consolidating
        seen: dict[str, int] = {}
        # one row written month first ("03/15/2027") puts every date of the column that reads
        # both ways ("03/04/2027") in doubt: none of them is read day first silently
        month_first = next(((row.number, text(row.get("deadline"))) for row in table.rows
                            if reads_only_month_first(row.get("deadline"),
                                                      default_year=plan_info.year)), None)
        for row in table.rows:
            problems = row.problems()
            row_consolidating: list[int] = []
            for key in split_list(text(row.get("consolidating"))):
                unit = find_unit(units, key)
                if unit is None:
                    problems.append(texts.TASK_CONSOLIDATOR_UNKNOWN.format(unit=key))
                else:
                    row_consolidating.append(unit.id)
            code, title = text(row.get("code")), text(row.get("title"))
            lead_key, deadline_raw = text(row.get("lead")), row.get("deadline")
            if not code and not lead_key and deadline_raw is None and not text(row.get("officials")):
                # a section heading ("I. NHIỆM VỤ CHUNG") or a note line
                if problems:
                    errors += [RowError(row.number, p) for p in problems]
                else:
                    self.skipped_rows.append(row.number)
                    consolidating += [u for u in row_consolidating if u not in consolidating]
                continue
            if not code:
                problems.append(texts.TASK_CODE_MISSING)
            elif len(code) > 64:
                problems.append(texts.TASK_CODE_TOO_LONG)
            elif code in seen:
                problems.append(texts.TASK_CODE_DUPLICATE.format(code=code, row=seen[code]))
            else:
                seen[code] = row.number
            if not title:
                problems.append(texts.TASK_TITLE_MISSING)
            lead = find_unit(units, lead_key) if lead_key else None
            if not lead_key:
                problems.append(texts.TASK_LEAD_MISSING)
            elif lead is None:
                problems.append(texts.TASK_LEAD_UNKNOWN.format(unit=lead_key))
            co_ids: list[int] = []
            for key in split_list(text(row.get("co"))):
                unit = find_unit(units, key)
                if unit is None:
                    problems.append(texts.TASK_CO_UNKNOWN.format(unit=key))
                elif unit.id not in co_ids and (lead is None or unit.id != lead.id):
                    co_ids.append(unit.id)
            assignee_ids: list[int] = []
            for key in split_list(text(row.get("officials"))):
                official, problem = _find_official(officials, key)
                if problem is not None:
                    problems.append(problem)
                elif official is not None and official.id not in assignee_ids:
                    assignee_ids.append(official.id)
            deadline: date | None = None
            try:
                deadline = parse_deadline(deadline_raw, default_year=plan_info.year).day
            except DeadlineError as exc:
                problems.append(str(exc))
            if month_first is not None:
                doubt = month_first_doubt(deadline_raw, default_year=plan_info.year,
                                          row=month_first[0], example=month_first[1])
                if doubt is not None:
                    problems.append(doubt)
            # a spreadsheet's date-time cell is the calendar day written in it, not an instant
            deadline_text = (
                fmt_day(deadline_raw.date() if isinstance(deadline_raw, datetime) else deadline_raw)
                if isinstance(deadline_raw, date) else text(deadline_raw) or None)
            problems += too_long({"ordinal": text(row.get("ordinal")), "deadline": deadline_text},
                                 _LIMITS)
            if problems:
                errors += [RowError(row.number, p) for p in problems]
                continue
            assert lead is not None
            consolidating += [u for u in row_consolidating if u not in consolidating]
            parsed[code] = {
                "ordinal": text(row.get("ordinal")) or None, "title": title,
                "lead_unit_id": lead.id, "deadline": deadline, "deadline_text": deadline_text,
                "product": text(row.get("product")) or None, "note": text(row.get("note")) or None,
                "co_units": sorted(co_ids), "assignees": sorted(assignee_ids),
            }
        if not parsed and not errors:
            raise ImportFailed([RowError(0, texts.NO_TASKS)])
        self.plan = (await session.execute(
            select(Plan).where(Plan.ref == plan_info.ref))).scalar_one_or_none()
        if self.plan is not None:
            self.tasks = {t.code: t for t in (await session.execute(
                select(Task).where(Task.plan_id == self.plan.id))).scalars()}
            for known in self.tasks.values():
                co = sorted((await session.execute(
                    select(TaskUnit.unit_id).where(TaskUnit.task_id == known.id))).scalars())
                people = sorted((await session.execute(select(TaskAssignee.official_id).where(
                    TaskAssignee.task_id == known.id))).scalars())
                self.links[known.id] = {"co_units": co, "assignees": people}
        self.existing = dict(self.tasks)
        return errors

    def created_line(self, code: str, values: dict[str, Any]) -> str:
        """The task's code and the start of its title."""
        return f"{code}: {values['title'][:80]}"

    def changes(self, code: str, values: dict[str, Any]) -> list[str]:
        """The headers of the changed columns, each once (deadline and its text share one)."""
        old = self.tasks[code]
        links = self.links.get(old.id, {})
        changes: list[str] = []
        for key, value in values.items():
            current = links.get(key) if key in ("co_units", "assignees") else getattr(old, key)
            header = HEADER_ALIASES[_FIELD_OF[key]][0]
            if current != value and header not in changes:
                changes.append(header)
        return changes

    async def apply(self, session: AsyncSession, now: datetime) -> None:
        """The plan (created, or its title completed), its consolidating units, then the tasks and
        their co-units and assignees."""
        plan, plan_info = self.plan, self.plan_info
        if plan is None:
            plan = Plan(ref=plan_info.ref, title=plan_info.title, created_at=now)
            session.add(plan)
            await session.flush()
        elif plan_info.title and plan.title != plan_info.title and (
                plan.title is None or _PLAN_PATTERN.search(plan.title)):
            plan.title = plan_info.title  # earlier imports kept the number line as the title
        if self.consolidating:
            await set_consolidators(session, plan.id, self.consolidating, now)
        for code, values in self.parsed.items():
            task = self.tasks.get(code)
            fields = {k: v for k, v in values.items() if k not in ("co_units", "assignees")}
            if task is None:
                task = Task(plan_id=plan.id, code=code, status="open", progress=0, created_at=now,
                            updated_at=now, **fields)
                session.add(task)
                await session.flush()
                await record_task_state(session, task, now, "import")
            else:
                for key, value in fields.items():
                    setattr(task, key, value)
                task.updated_at = now
            links = self.links.get(task.id, {"co_units": [], "assignees": []})
            await _sync(session, TaskUnit, task.id, "unit_id", links["co_units"],
                        values["co_units"])
            await _sync(session, TaskAssignee, task.id, "official_id", links["assignees"],
                        values["assignees"])


async def _sync(session: AsyncSession, model: type[TaskUnit] | type[TaskAssignee], task_id: int,
                column: str, current: list[int], wanted: list[int]) -> None:
    for value in set(current) - set(wanted):
        row = await session.get(model, (task_id, value))
        if row is not None:
            await session.delete(row)
    for value in set(wanted) - set(current):
        session.add(model(task_id=task_id, **{column: value}))

