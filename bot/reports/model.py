"""The neutral report model: a unit's or a plan's progress over one period (week, month, quarter,
half-year, year), as of the period's cut-off. Frozen dataclasses with no database behind them:
every renderer (chat text, digest, .xlsx, .docx) reads the same object.

Built by `bot.reports.build.build_report` (rules in its docstring). For renderers:

- `ProgressReport.scope` says whose report it is (a unit and everything below it, or a plan across
  units); `period` which period, with its Vietnamese label and dates and its cut-off instant.
- `as_of` is the instant the figures describe: the cut-off for a period that has ended, else the
  moment the report was made. Answers given after it are not in the figures; they are listed in
  `TaskProgress.late_updates`. Whoever first answered after the cut-off is flagged late
  (`OfficialStatus.late`, `SummaryNote.late`).
- `tasks` carry the four government-tracking categories (`CATEGORIES`), progress and status at
  `as_of`, and the blockers raised during the period.
- `units` are the sub-units (unit scope) or the units with tasks in the plan (plan scope), each
  with who has not reported and how many tasks are overdue.
- `notes` are the officials' own period summaries (kết quả nổi bật, khó khăn, kiến nghị) — only
  for months and longer periods.
- `unreachable` lists officials with tasks due soon or overdue and no chat troly can reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from rules.deadlines import CATEGORIES, Category

ScopeKind = Literal["unit", "plan"]


@dataclass(frozen=True)
class ReportPeriod:
    """The period a report covers."""

    kind: str  # week | month | quarter | half | year
    key: str  # '2026-W48', '2026-11', '2026-Q4', '2026-H2', '2026'
    label: str  # 'tuần 48/2026', 'tháng 11/2026', 'quý IV/2026' (Vietnamese, for titles)
    label_with_dates: str  # 'tháng 11/2026 (15/10–14/11/2026)'
    start: date
    end: date  # inclusive
    #: when the period's reports close (UTC; moved off days off)
    cutoff: datetime


@dataclass(frozen=True)
class ReportScope:
    """Whose report: a unit (with its sub-units) or a plan (across every unit with its tasks)."""

    kind: ScopeKind
    name: str  # the unit's name, or the plan's reference
    unit_id: int | None = None
    unit_code: str | None = None
    plan_id: int | None = None
    plan_ref: str | None = None
    plan_title: str | None = None
    #: a unit scope restricted to some plans (a consolidating unit looking at another unit)
    plan_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class OfficialStatus:
    """One official's reporting in the period."""

    official_id: int
    name: str
    unit_name: str
    #: submitted | skipped | draft (started, not confirmed) | missing | on_leave
    status: str
    #: submitted or skipped (a skipped period is an answer); not on leave (see `on_leave`)
    reported: bool
    #: first answered after the cut-off
    late: bool
    submitted_at: datetime | None
    #: why the period was skipped (status 'skipped' or 'on_leave'), else None
    skipped_reason: str | None
    #: edited again after the cut-off (a late revision exists)
    revised_late: bool = False
    unit_id: int | None = None
    code: str | None = None
    #: weekly check-ins answered / expected in the period (months and longer; weeks: 1 or 0)
    weeks_reported: int = 0
    weeks_expected: int = 0

    @property
    def on_leave(self) -> bool:
        """On recorded leave over the cut-off without an answer: neither reported nor missing."""
        return self.status == "on_leave"


@dataclass(frozen=True)
class Blocker:
    """A blocker reported on a task, and by whom."""

    official: str
    text: str
    #: ISO week of the check-in that raised it ('' when unknown)
    week: str = ""


@dataclass(frozen=True)
class LateUpdate:
    """An answer about a task given after the period's cut-off: shown, marked, not counted."""

    official: str
    at: datetime
    progress: int | None
    status: str | None
    status_label: str
    blockers: str | None = None


@dataclass(frozen=True)
class TaskProgress:
    """One task as of the report's `as_of`."""

    task_id: int
    code: str
    title: str
    plan_ref: str
    lead_unit: str | None
    co_units: tuple[str, ...]
    responsible: tuple[str, ...]
    deadline: date | None
    deadline_text: str | None
    #: days from the reference day to the deadline (negative: overdue), None without a deadline
    days_left: int | None
    progress: int
    #: on_track | at_risk | late | done | skipped | None (no answer in the period)
    status: str | None
    status_label: str
    blockers: tuple[Blocker, ...]
    next_plans: tuple[str, ...]
    evidence: str | None
    category: Category
    done_at: datetime | None
    #: at least one confirmed answer for this task in the period (by the cut-off)
    reported: bool
    plan_id: int | None = None
    lead_unit_id: int | None = None
    #: answers given after the cut-off, oldest first
    late_updates: tuple[LateUpdate, ...] = ()
    #: official ids of `responsible`, in the same order
    responsible_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class UnitRollup:
    """A unit in one line: a direct sub-unit with everything below it (unit scope), or a unit with
    tasks in the plan (plan scope, its own officials and the plan's tasks it leads)."""

    unit_id: int
    unit_name: str
    reported: int
    total: int
    avg_progress: float | None
    overdue: int
    task_count: int
    unit_code: str | None = None
    #: officials expected to report who had not by the cut-off
    missing: tuple[str, ...] = ()
    #: officials who reported after the cut-off
    late: tuple[str, ...] = ()

    @property
    def has_not_reported(self) -> bool:
        """Someone expected to report in this unit had not by the cut-off."""
        return bool(self.missing)


@dataclass(frozen=True)
class SummaryNote:
    """An official's own summary of a month or longer period."""

    official_id: int
    official: str
    unit_name: str
    period_key: str
    period_label: str
    #: submitted | skipped
    status: str
    highlights: str | None
    difficulties: str | None
    recommendations: str | None
    skipped_reason: str | None
    submitted_at: datetime | None
    late: bool


@dataclass(frozen=True)
class UnreachableOfficial:
    """An official with tasks due soon or overdue whom troly cannot reach (no bound chat)."""

    official_id: int
    name: str
    code: str | None
    unit_name: str
    #: task codes due within the look-ahead or overdue
    tasks: tuple[str, ...]


@dataclass(frozen=True)
class ProgressReport:
    """A scope's period: officials, tasks, units, summaries. Frozen; safe for any renderer."""

    scope: ReportScope
    period: ReportPeriod
    generated_at: datetime
    #: the instant the figures describe (the cut-off once the period has ended)
    as_of: datetime
    officials: tuple[OfficialStatus, ...]
    tasks: tuple[TaskProgress, ...]
    units: tuple[UnitRollup, ...] = field(default=())
    notes: tuple[SummaryNote, ...] = field(default=())
    unreachable: tuple[UnreachableOfficial, ...] = field(default=())

    # -------------------------------------------------------------- people

    @property
    def reported(self) -> tuple[OfficialStatus, ...]:
        """Officials who answered (submitted or skipped)."""
        return tuple(o for o in self.officials if o.reported)

    @property
    def not_reported(self) -> tuple[OfficialStatus, ...]:
        """Officials who have not answered (including unconfirmed drafts), not on leave."""
        return tuple(o for o in self.officials if not o.reported and not o.on_leave)

    @property
    def on_leave(self) -> tuple[OfficialStatus, ...]:
        """Officials on recorded leave over the cut-off who did not answer."""
        return tuple(o for o in self.officials if o.on_leave)

    @property
    def expected(self) -> tuple[OfficialStatus, ...]:
        """Officials counted in "reported x/y": everyone but those on leave."""
        return tuple(o for o in self.officials if not o.on_leave)

    @property
    def late_officials(self) -> tuple[OfficialStatus, ...]:
        """Officials who answered after the cut-off."""
        return tuple(o for o in self.officials if o.late)

    # -------------------------------------------------------------- tasks

    @property
    def counts(self) -> dict[Category, int]:
        """Number of tasks per category (all four keys present)."""
        result: dict[Category, int] = dict.fromkeys(CATEGORIES, 0)
        for task in self.tasks:
            result[task.category] += 1
        return result

    def tasks_in(self, category: Category) -> tuple[TaskProgress, ...]:
        """Tasks of one category."""
        return tuple(t for t in self.tasks if t.category == category)

    @property
    def avg_progress(self) -> float | None:
        """Mean progress of the tasks (None without tasks)."""
        values = [t.progress for t in self.tasks]
        return round(sum(values) / len(values), 1) if values else None

    @property
    def blockers(self) -> tuple[tuple[TaskProgress, Blocker], ...]:
        """Every blocker with its task."""
        return tuple((t, b) for t in self.tasks for b in t.blockers)

    @property
    def late_updates(self) -> tuple[tuple[TaskProgress, LateUpdate], ...]:
        """Every answer given after the cut-off, with its task."""
        return tuple((t, u) for t in self.tasks for u in t.late_updates)

    # -------------------------------------------------------------- units

    @property
    def units_not_reported(self) -> tuple[UnitRollup, ...]:
        """Units where someone expected to report had not by the cut-off."""
        return tuple(u for u in self.units if u.has_not_reported)

    @property
    def units_late(self) -> tuple[UnitRollup, ...]:
        """Units with overdue tasks."""
        return tuple(u for u in self.units if u.overdue)

    @property
    def is_history(self) -> bool:
        """The period has ended: the figures are as of its cut-off."""
        return self.as_of < self.generated_at

    # -------------------------------------------------------------- the weekly names

    @property
    def unit_id(self) -> int:
        """The unit of a unit report (0 for a plan report)."""
        return self.scope.unit_id or 0

    @property
    def unit_name(self) -> str:
        """The scope's name (unit name, or plan reference)."""
        return self.scope.name

    @property
    def iso_week(self) -> str:
        """The period key (an ISO week for weekly reports)."""
        return self.period.key

    @property
    def week_start(self) -> date:
        """First day of the period."""
        return self.period.start

    @property
    def week_end(self) -> date:
        """Last day of the period."""
        return self.period.end

    @property
    def cutoff(self) -> datetime:
        """The period's cut-off."""
        return self.period.cutoff

    @property
    def subunits(self) -> tuple[UnitRollup, ...]:
        """The unit roll-ups."""
        return self.units


#: the names the weekly report used before periods existed
WeeklySummary = ProgressReport
TaskWeek = TaskProgress
OfficialWeek = OfficialStatus
SubunitRollup = UnitRollup


def names_the_plan(title: str | None, ref: str | None) -> bool:
    """True when the plan's title says what the plan is about, not only its number again (imports
    before the subject line was read kept 'KẾ HOẠCH SỐ 286/KH-BTTTT NGÀY …' as the title)."""
    if not title:
        return False
    number = (ref or "").rsplit(" ", 1)[-1].casefold()
    return not (number and number in title.casefold())
