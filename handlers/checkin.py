"""The weekly check-in conversation (/baocao, /suabaocao): per task progress, status, blockers, plan.

Every answer is written to the week's report as it is given (status 'draft' until confirmed), so a
restart, /huy or expiry loses nothing; the flow state holds only ids and positions. An edit of a sent
report (/suabaocao) keeps its changes in the flow state instead and applies them all, with the new
revision, when confirmed: stopping or expiry halfway leaves the sent report as it was. Button payloads
start with the flow name ('ci:…') so the dispatcher routes them to the active step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.buttons import ButtonData
from bot.checkin_answers import (
    is_none_answer,
    parse_percent,
    parse_status,
    reads_as_question,
    typed_text,
)
from bot.clock import local_date
from bot.context import Context
from bot.conversation import END, STAY, BackTo, Flow, Step
from bot.dates import fmt_day, fmt_day_month, fmt_instant, fmt_time_day
from bot.db import checkin_store
from bot.db.models import CheckinEntry, CheckinReport, Official, Task, Unit
from bot.db.task_store import open_tasks_for
from bot.events import ButtonPressed
from bot.flow_state import FlowState
from bot.messages import Button
from bot.periods import week_shown
from bot.router import ROLES_MEMBERS, Command, Router
from bot.texts import checkin as T
from bot.texts import commands as CMD
from bot.texts import common as C
from handlers.ask import aside
from handlers.tasks import deadline_phrase
from knowledge.normalize import fold_words
from rules.cutoffs import monday_of, previous_week, week_of
from rules.policy import unit_checkin_cutoff, unit_late_checkin_end

CHECKIN_FLOW = "ci"
PROGRESS_LEVELS = (0, 25, 50, 75, 100)
#: progress levels per row of buttons (short labels: '25%')
PROGRESS_ROW = 3
MAX_ANSWER_CHARS = 2000
TITLE_CHARS = 200
KEEP_LABEL_CHARS = 40
SUMMARY_EDIT_BUTTONS = 8
STATUS_PAYLOADS = {"on": "on_track", "risk": "at_risk", "late": "late"}


@dataclass(frozen=True)
class CheckinAnswer(ButtonData, prefix=CHECKIN_FLOW):
    """A check-in answer pressed: 'p:<percent>', 'keep', 'done', 'skip', 'week', 's:<status>',
    'e:none', 'w:<reason>', 'ok', 'edit:<n>', or a none-answer code (read by the steps)."""

    choice: str


@dataclass(frozen=True)
class CheckinWeek(ButtonData, prefix="wkc"):
    """Which week to report (its ISO key), asked while last week is unsent and can still be filed
    late. Stateless: the choice survives a restart and needs no open conversation. Every payload
    fits (a week that is neither this nor last week is answered as a stale button)."""

    week: str = ""


# ---------------------------------------------------------------- opening the check-in


async def _unit_of(ctx: Context, official: Official) -> Unit | None:
    return await ctx.session.get(Unit, official.unit_id) if official.unit_id else None


async def _cutoff_for(ctx: Context, official: Official, week: str) -> datetime:
    return await unit_checkin_cutoff(ctx.session, monday_of(week), await _unit_of(ctx, official))


async def _late_until(ctx: Context, official: Official, week: str) -> datetime:
    """Until when `week` can still be filed late (the unit's Schedule.late_checkin_until)."""
    return await unit_late_checkin_end(ctx.session, monday_of(week), await _unit_of(ctx, official))


async def late_week(ctx: Context, official: Official) -> tuple[str, datetime] | None:
    """(last week, until when it can be filed) when last week has no sent or skipped report, the
    official was already registered in it, and its grace window is still open; else None."""
    week = previous_week(week_of(ctx.now))
    if official.created_at is not None and week_of(official.created_at) > week:
        return None
    report = await checkin_store.report_for(ctx.session, official.id, week)
    if report is not None and report.status != "draft":
        return None
    until = await _late_until(ctx, official, week)
    return (week, until) if ctx.now <= until else None


def _week_button(label: str, week: str) -> Button:
    monday = monday_of(week)
    return Button(label.format(number=int(week.rsplit("W", 1)[1]), start=fmt_day_month(monday),
                               end=fmt_day_month(monday + timedelta(days=6))),
                  CheckinWeek(week).pack())


async def start_checkin(ctx: Context, *, task_ids: list[int] | None = None,
                        week: str | None = None) -> None:
    """Open the check-in for the current ISO week, or `week` (last week, filed late; the caller
    checked it may be), optionally only for the given tasks. /baocao while last week is unsent and
    still open asks which week first."""
    official = ctx.official
    if official is None:
        ctx.reply(C.NEEDS_REGISTRATION)
        return
    tasks = await open_tasks_for(ctx.session, official.id)
    if week is None and task_ids is None and tasks:
        late = await late_week(ctx, official)
        if late is not None:
            ctx.reply(T.ASK_WHICH_WEEK.format(week=week_shown(late[0]), until=fmt_instant(late[1])),
                      [_week_button(T.BTN_LATE_WEEK, late[0]),
                       _week_button(T.BTN_THIS_WEEK, week_of(ctx.now))], layout=(1, 1))
            return
    week = week or week_of(ctx.now)
    if task_ids is not None:
        tasks = [t for t in tasks if t.id in set(task_ids)]
        if not tasks:
            ctx.reply(T.NO_SUCH_TASKS)
            return
    elif not tasks:
        ctx.reply(T.NO_OPEN_TASKS.format(week=week_shown(week)))
        return
    report = await checkin_store.report_for(ctx.session, official.id, week)
    edit = report is not None and report.status != "draft"
    if edit and task_ids is None:
        assert report is not None
        if report.status == "skipped":
            ctx.reply(T.ALREADY_SKIPPED.format(week=week_shown(week), reason=report.skip_reason or ""))
        else:
            at = fmt_time_day(report.submitted_at) if report.submitted_at else ""
            ctx.reply(T.ALREADY_SUBMITTED.format(week=week_shown(week), at=at))
        return
    await _open(ctx, official, week, [t.id for t in tasks], edit=edit)


async def edit_checkin(ctx: Context) -> None:
    """/suabaocao: reopen this week's confirmed report (after the cut-off, edits are flagged late)."""
    official = ctx.official
    assert official is not None  # the command is for members only
    week = week_of(ctx.now)
    report = await checkin_store.report_for(ctx.session, official.id, week)
    if report is None or report.status == "draft":
        ctx.reply(T.NOTHING_TO_EDIT.format(week=week_shown(week)))
        return
    ids = [t.id for t in await open_tasks_for(ctx.session, official.id)]
    for task_id in await checkin_store.entries_of(ctx.session, report.id):
        task = await ctx.session.get(Task, task_id)
        if task is not None and task.status != "cancelled" and task_id not in ids:
            ids.append(task_id)
    if not ids:
        ctx.reply(T.NO_OPEN_TASKS.format(week=week_shown(week)))
        return
    await _open(ctx, official, week, ids, edit=True)


async def _open(ctx: Context, official: Official, week: str, task_ids: list[int], *,
                edit: bool) -> None:
    report = await checkin_store.get_or_create_report(ctx.session, official.id, week, ctx.now)
    cutoff = await _cutoff_for(ctx, official, week)
    if edit:
        ctx.reply(T.INTRO_EDIT.format(week=week_shown(week), count=len(task_ids)))
        if ctx.now > cutoff:
            ctx.reply(T.EDIT_LATE_NOTICE.format(cutoff=fmt_time_day(cutoff)))
    elif week != week_of(ctx.now):  # last week, filed late
        ctx.reply(T.INTRO_LATE.format(week=week_shown(week), count=len(task_ids),
                                      cutoff=fmt_time_day(cutoff)))
    else:
        ctx.reply(T.INTRO.format(week=week_shown(week), count=len(task_ids),
                                 cutoff=fmt_instant(cutoff)))  # with its weekday, as the prompt
    ctx.start_flow(CHECKIN_FLOW, {"week": week, "report": report.id, "tasks": task_ids, "i": 0,
                                  "edit": edit, "review": False})


async def baocao(ctx: Context) -> None:
    """/baocao: this week's check-in (or last week's, when it is unsent and still open)."""
    await start_checkin(ctx)


async def choose_week(ctx: Context, button: CheckinWeek) -> None:
    """The week chosen: this week, or last week while it can still be filed late."""
    official = ctx.official
    if official is None:
        ctx.reply(C.NEEDS_REGISTRATION)
        return
    current = week_of(ctx.now)
    if not await open_tasks_for(ctx.session, official.id):  # the same for any week pressed
        ctx.reply(T.NO_OPEN_TASKS.format(week=week_shown(current)))
        return
    if button.week == current:
        await start_checkin(ctx, week=current)
    elif button.week == previous_week(current):
        until = await _late_until(ctx, official, button.week)
        if ctx.now > until:
            ctx.reply(T.LATE_WEEK_CLOSED.format(week=week_shown(button.week),
                                                until=fmt_time_day(until)))
            return
        await start_checkin(ctx, week=button.week)  # says so if it was sent meanwhile
    else:
        ctx.reply(T.STALE_BUTTON)


# ---------------------------------------------------------------- helpers


def _data(state: FlowState) -> dict[str, Any]:
    return state.data


def _task_id(state: FlowState) -> int:
    return int(state.data["tasks"][state.data["i"]])


async def _task(ctx: Context, state: FlowState) -> Task:
    task = await ctx.session.get(Task, _task_id(state))
    if task is None:  # deleted meanwhile: should never happen (tasks are never deleted)
        raise LookupError(_task_id(state))
    return task


def _overlay(row: CheckinEntry | None, report_id: int, task_id: int,
             changes: dict[str, Any] | None) -> CheckinEntry | None:
    """The stored answer with an edit's unconfirmed changes on top (a detached copy)."""
    if not changes:
        return row
    values = {name: getattr(row, name) if row is not None else None
              for name in checkin_store.ENTRY_FIELDS}
    values.update(changes)
    return CheckinEntry(report_id=report_id, task_id=task_id, **values)


def _changes(state: FlowState) -> dict[str, dict[str, Any]]:
    """An edit's changes by task id (kept in the conversation until the edit is confirmed)."""
    draft: dict[str, dict[str, Any]] = state.data.setdefault("draft", {})
    return draft


async def _current(ctx: Context, state: FlowState) -> CheckinEntry | None:
    report_id, task_id = int(state.data["report"]), _task_id(state)
    row = await checkin_store.entry(ctx.session, report_id, task_id)
    if not state.data.get("edit"):
        return row
    return _overlay(row, report_id, task_id, _changes(state).get(str(task_id)))


async def _entries(ctx: Context, state: FlowState) -> dict[int, CheckinEntry]:
    """The report's answers by task id, with an edit's unconfirmed changes on top."""
    report_id = int(state.data["report"])
    entries = await checkin_store.entries_of(ctx.session, report_id)
    if state.data.get("edit"):
        for key, changes in _changes(state).items():
            row = _overlay(entries.get(int(key)), report_id, int(key), changes)
            if row is not None:
                entries[int(key)] = row
    return entries


async def _previous(ctx: Context, state: FlowState) -> CheckinEntry | None:
    assert ctx.official is not None
    return await checkin_store.previous_entry(ctx.session, ctx.official.id, _task_id(state),
                                              str(state.data["week"]))


async def _save(ctx: Context, state: FlowState, **values: Any) -> None:
    """A first check-in writes each answer at once; an edit of a sent report keeps its changes
    in the conversation and applies them all when confirmed (stopping leaves the report as sent).

    A first check-in whose report was sent meanwhile from the official's other chat (Telegram and
    the web chat each hold their own conversation on the same report) becomes an edit from here
    on: its answers no longer change the sent report until confirmed (a revision, as /suabaocao)."""
    if not state.data.get("edit"):
        report = await ctx.session.get(CheckinReport, int(state.data["report"]))
        if report is not None and report.status != "draft":
            state.data["edit"] = True
            week = week_shown(str(state.data["week"]))
            if report.status == "skipped":
                ctx.reply(T.SKIPPED_ELSEWHERE.format(week=week, reason=report.skip_reason or ""))
            else:
                at = fmt_time_day(report.submitted_at) if report.submitted_at else ""
                ctx.reply(T.SENT_ELSEWHERE.format(week=week, at=at))
    if state.data.get("edit"):
        unknown = set(values) - set(checkin_store.ENTRY_FIELDS)
        if unknown:
            raise ValueError(f"unknown entry fields {sorted(unknown)}")
        _changes(state).setdefault(str(_task_id(state)), {}).update(values)
        return
    await checkin_store.save_entry(ctx.session, int(state.data["report"]), _task_id(state),
                                   ctx.now, **values)


def _answer(ctx: Context) -> tuple[str, str]:
    """(button payload without 'ci:', typed text): exactly one of them is non-empty."""
    if isinstance(ctx.event, ButtonPressed):
        payload = ctx.event.payload
        prefix = CHECKIN_FLOW + ":"
        return (payload[len(prefix):] if payload.startswith(prefix) else "?"), ""
    return "", typed_text(ctx.text)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _advance(state: FlowState) -> str:
    """After a task: back to the summary when reviewing, else the next task or the summary."""
    if not state.data.get("review"):
        state.data["i"] = int(state.data["i"]) + 1
        if state.data["i"] < len(state.data["tasks"]):
            return "progress"
    state.data["review"] = True  # from now on, correcting a task returns to the summary
    return "summary"


def _text_answer(ctx: Context, text: str) -> str | None:
    """Validated free text (None and a polite re-ask when empty or too long)."""
    if not text:
        ctx.reply(T.EMPTY_ANSWER)
        return None
    if len(text) > MAX_ANSWER_CHARS:
        ctx.reply(T.ANSWER_TOO_LONG.format(limit=MAX_ANSWER_CHARS))
        return None
    return text


async def _question_aside(ctx: Context, typed: str) -> bool:
    """A typed question ('…?' or '/…') is answered, not stored; the step is asked again."""
    if not typed or not reads_as_question(typed):
        return False
    await aside(ctx, typed)
    return True


def _status_line(row: CheckinEntry) -> str:
    status = T.STATUS_LABELS.get(row.status or "", T.NA)
    return T.SUMMARY_PROGRESS.format(progress=row.progress if row.progress is not None else T.NA,
                                     status=status)


# ---------------------------------------------------------------- step: progress


async def progress_prompt(ctx: Context, state: FlowState) -> None:
    """Show the task, last week's values, and ask for the progress."""
    task = await _task(ctx, state)
    total = len(state.data["tasks"])
    lines = [T.TASK_HEADER.format(n=int(state.data["i"]) + 1, total=total,
                                  title=_short(task.title, TITLE_CHARS))]
    if task.deadline is not None:
        lines.append(T.TASK_DEADLINE.format(deadline=fmt_day(task.deadline),
                                            left=deadline_phrase(task.deadline, local_date(ctx.now))))
    elif task.deadline_text:
        lines.append(T.TASK_NO_DEADLINE.format(text=task.deadline_text))
    current, previous = await _current(ctx, state), await _previous(ctx, state)
    keep: str | None = None
    if current is not None and current.status == "skipped":
        lines.append(T.DRAFT_SKIPPED.format(reason=current.skip_reason or T.NA))
        keep = T.BTN_KEEP_DRAFT
    elif current is not None and current.status is not None:
        lines.append(T.DRAFT_VALUES.format(progress=current.progress, status=_status_name(current)))
        keep = T.BTN_KEEP_DRAFT
    elif previous is not None:
        lines.append(T.LAST_WEEK.format(progress=previous.progress, status=_status_name(previous)))
        keep = T.BTN_KEEP
    levels = [Button(f"{p}%", CheckinAnswer(f"p:{p}").pack()) for p in PROGRESS_LEVELS]
    others = [Button(keep, CheckinAnswer("keep").pack())] if keep is not None else []
    others += [Button(T.BTN_DONE, CheckinAnswer("done").pack()),
               Button(T.BTN_SKIP_TASK, CheckinAnswer("skip").pack()),
               Button(T.BTN_SKIP_WEEK, CheckinAnswer("week").pack())]
    if not ctx.numbered(len(levels) + len(others)):
        lines.append(T.ASK_PROGRESS)
        ctx.reply("\n".join(lines), [*levels, *others], layout=progress_layout(keep is not None))
        return
    # the levels do not fit one message as buttons (Zalo: five; the console: none): a typed
    # number is the percentage (never an option's number: "5" listed fifth would be 100 %),
    # the other choices stay buttons (Zalo) or are typed by name (the console)
    lines.append(T.ASK_PROGRESS_TYPED if ctx.can_show_buttons else T.ASK_PROGRESS_TYPED_OR_CHOICE)
    ctx.reply("\n".join(lines), others, numbers_typed=True)


def progress_back(state: FlowState) -> BackTo | None:
    """"Quay lại" at a task's progress: the task before's progress, with what was entered for
    it shown ("Đã nhập: …") and kept unless answered again (Giữ như đã nhập: on to this task).
    Its progress rather than its last question: a question alone ("Kế hoạch tuần tới?") does not
    say which task it is about, on a phone screen under this task's header; the progress names
    the task and shows its answers, and "Quay lại" pressed again goes a whole task further back.
    None on the first task (nothing before it), and when a task is corrected from the summary
    (its "Giữ như đã nhập" returns to the summary)."""
    index = int(state.data["i"])
    if index == 0 or state.data.get("review"):
        return None
    return BackTo("progress", {"i": index - 1})


def progress_layout(with_keep: bool) -> tuple[int, ...]:
    """Rows of the progress choices: the levels three by three, 'keep' alone, then
    'done' with 'skip this task', then 'off all week' (not nine rows on a phone)."""
    levels = len(PROGRESS_LEVELS)
    rows = (PROGRESS_ROW,) * (levels // PROGRESS_ROW)
    rows += (levels % PROGRESS_ROW,) if levels % PROGRESS_ROW else ()
    return rows + ((1,) if with_keep else ()) + (2, 1)


def _status_name(row: CheckinEntry) -> str:
    return T.STATUS_LABELS.get(row.status or "", T.NA)


_PROGRESS_CHOICES = {fold_words(label): choice for label, choice in (
    (T.BTN_KEEP, "keep"), (T.BTN_KEEP_DRAFT, "keep"), (T.BTN_DONE, "done"),
    (T.BTN_SKIP_TASK, "skip"), (T.BTN_SKIP_WEEK, "week"))}


async def progress_handle(ctx: Context, state: FlowState) -> str | None:
    """A level, a typed percentage, keep, done, skip the task or the week."""
    pressed, typed = _answer(ctx)
    if typed:  # a choice typed by name (the console lists them so; anywhere else too)
        pressed = _PROGRESS_CHOICES.get(fold_words(typed), "")
    if pressed == "done":
        await _save(ctx, state, progress=100, status="done", skip_reason=None)
        return "evidence"
    if pressed == "skip":
        return "skip_reason"
    if pressed == "week":
        return "week_reason"
    if pressed == "keep":
        return await _keep_all(ctx, state)
    value: int | None = None
    if pressed.startswith("p:") and pressed[2:].isascii() and pressed[2:].isdigit():
        value = int(pressed[2:])
    elif typed:
        value = parse_percent(typed)
    if value is None and await _question_aside(ctx, typed):  # "Hạn chốt là khi nào?"
        return STAY
    if value is None or not 0 <= value <= 100:
        ctx.reply(T.BAD_PROGRESS.format(answer=_short(typed, 40)) if typed else T.CHOOSE_ABOVE)
        return STAY
    if value == 100:  # 100 % is done: ask for the evidence instead of a status
        await _save(ctx, state, progress=100, status="done", skip_reason=None)
        return "evidence"
    current = await _current(ctx, state)
    if current is not None and current.status in ("done", "skipped"):
        await _save(ctx, state, progress=value, status=None, skip_reason=None, evidence=None)
    else:
        await _save(ctx, state, progress=value)
    return "status"


async def _keep_all(ctx: Context, state: FlowState) -> str | None:
    current = await _current(ctx, state)
    if current is not None and current.status is not None:
        return _advance(state)  # this week's draft is complete: keep it as it is
    previous = await _previous(ctx, state)
    if previous is None:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    await _save(ctx, state, progress=previous.progress, status=previous.status,
                blockers=previous.blockers, next_plan=previous.next_plan, skip_reason=None)
    return _advance(state)


# ---------------------------------------------------------------- steps: status, blockers, next


async def _default(ctx: Context, state: FlowState, field: str) -> tuple[Any, bool]:
    """This week's earlier answer for the field, else last week's (offered as a button), and
    whether it is this week's (the button says which)."""
    current = await _current(ctx, state)
    value = getattr(current, field) if current is not None else None
    if value is not None:
        return value, True
    previous = await _previous(ctx, state)
    return (getattr(previous, field) if previous is not None else None), False


async def status_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the status."""
    buttons = [Button(T.STATUS_LABELS[STATUS_PAYLOADS[k]], CheckinAnswer(f"s:{k}").pack())
               for k in STATUS_PAYLOADS]
    ctx.reply(T.ASK_STATUS, buttons)


async def status_handle(ctx: Context, state: FlowState) -> str | None:
    """One of the three statuses (button, number, or typed words)."""
    pressed, typed = _answer(ctx)
    status = STATUS_PAYLOADS.get(pressed[2:]) if pressed.startswith("s:") else None
    if status is None and typed:
        status = parse_status(typed)
    if status is None and await _question_aside(ctx, typed):
        return STAY
    if status is None:
        ctx.reply(T.BAD_STATUS)
        return STAY
    await _save(ctx, state, status=status)
    return "blockers"


def _free_text_step(field: str, question: str, none_label: str, none_code: str,
                    after: Callable[[FlowState], str]) -> Step:
    """A step answered by free text, 'none' (button or "không"), or last week's value."""

    async def prompt(ctx: Context, state: FlowState) -> None:
        buttons = [Button(none_label, CheckinAnswer(none_code).pack())]
        previous, this_week = await _default(ctx, state, field)
        if previous:
            same = T.BTN_SAME_AS_DRAFT if this_week else T.BTN_SAME_AS_LAST
            buttons.append(Button(f"{same}: {_short(previous, KEEP_LABEL_CHARS)}",
                                  CheckinAnswer("keep").pack()))
        ctx.reply(question, buttons)

    async def handle(ctx: Context, state: FlowState) -> str | None:
        pressed, typed = _answer(ctx)
        if await _question_aside(ctx, typed):
            return STAY
        if pressed == none_code or (typed and is_none_answer(typed)):
            value = None
        elif pressed == "keep":
            value, _ = await _default(ctx, state, field)
        elif pressed:
            ctx.reply(T.CHOOSE_ABOVE)
            return STAY
        else:
            value = _text_answer(ctx, typed)
            if value is None:
                return STAY
        await _save(ctx, state, **{field: value})
        return after(state)

    return Step(prompt, handle)


#: blockers ("không" for none), then next week's plan, then the next task
BLOCKERS_STEP = _free_text_step("blockers", T.ASK_BLOCKERS, T.BTN_NO_BLOCKERS, "b:none",
                                lambda _state: "next")
NEXT_PLAN_STEP = _free_text_step("next_plan", T.ASK_NEXT, T.BTN_NONE, "n:none", _advance)


# ---------------------------------------------------------------- steps: done, skip task, skip week


async def evidence_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for optional evidence of a done task."""
    ctx.reply(T.ASK_EVIDENCE, [Button(T.BTN_NONE, CheckinAnswer("e:none").pack())])


async def evidence_handle(ctx: Context, state: FlowState) -> str | None:
    """A link or note, or none."""
    pressed, typed = _answer(ctx)
    if await _question_aside(ctx, typed):
        return STAY
    if pressed == "e:none" or (typed and is_none_answer(typed)):
        await _save(ctx, state, evidence=None)
        return _advance(state)
    if pressed:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    text = _text_answer(ctx, typed)
    if text is None:
        return STAY
    await _save(ctx, state, evidence=text)
    return _advance(state)


async def skip_reason_prompt(ctx: Context, state: FlowState) -> None:
    """Ask why the task is skipped this week."""
    del state
    ctx.reply(T.ASK_SKIP_REASON)


async def skip_reason_handle(ctx: Context, state: FlowState) -> str | None:
    """The reason; the task is skipped for this week."""
    _, typed = _answer(ctx)
    if await _question_aside(ctx, typed):
        return STAY
    text = _text_answer(ctx, typed)
    if text is None:
        return STAY
    await _save(ctx, state, status="skipped", skip_reason=text, progress=None)
    return _advance(state)


async def week_reason_prompt(ctx: Context, state: FlowState) -> None:
    """Ask why the whole week is skipped."""
    ctx.reply(T.ASK_WEEK_REASON, [Button(T.BTN_LEAVE, CheckinAnswer("w:leave").pack()),
                                  Button(T.BTN_TRIP, CheckinAnswer("w:trip").pack())])


async def week_reason_handle(ctx: Context, state: FlowState) -> str | None:
    """Leave, business trip, or a typed reason: the week is skipped and the flow ends."""
    pressed, typed = _answer(ctx)
    if await _question_aside(ctx, typed):
        return STAY
    reasons = {"w:leave": T.REASON_LEAVE, "w:trip": T.REASON_TRIP}
    reason: str | None = reasons.get(pressed)
    if reason is None:
        if pressed:
            ctx.reply(T.CHOOSE_ABOVE)
            return STAY
        reason = _text_answer(ctx, typed)
        if reason is None:
            return STAY
    official = ctx.official
    assert official is not None
    report = await ctx.session.get(CheckinReport, int(state.data["report"]))
    assert report is not None
    week = str(state.data["week"])
    await checkin_store.skip_week(ctx.session, report, reason, ctx.now,
                                  await _cutoff_for(ctx, official, week))
    ctx.reply(T.WEEK_SKIPPED.format(week=week_shown(week), reason=reason))
    return END


# ---------------------------------------------------------------- step: summary


async def summary_prompt(ctx: Context, state: FlowState) -> None:
    """Everything answered, to confirm (or pick a task to correct)."""
    entries = await _entries(ctx, state)
    lines = [T.SUMMARY_HEADER.format(week=week_shown(state.data["week"]))]
    for n, task_id in enumerate(state.data["tasks"], start=1):
        task = await ctx.session.get(Task, int(task_id))
        title = _short(task.title, 120) if task is not None else str(task_id)
        row = entries.get(int(task_id))
        lines.append(T.SUMMARY_TASK.format(n=n, title=title, line=_summary_line(row)))
        if row is not None and row.status not in ("done", "skipped"):
            lines.append(T.SUMMARY_BLOCKERS.format(text=row.blockers or T.NONE_TEXT))
            lines.append(T.SUMMARY_NEXT.format(text=row.next_plan or T.NONE_TEXT))
    lines += ["", T.SUMMARY_FOOTER]
    # final: never numbered right after the last task, where a number typed one too high would
    # send the report; a button still (Zalo), or typed by its name (the console)
    submit = Button(T.BTN_SUBMIT, CheckinAnswer("ok").pack(), final=True)
    count = len(state.data["tasks"])
    # numbered (Zalo over five, the console), option n is "Sửa nhiệm vụ n" for every task, as
    # the tasks above are numbered: "1" typed for the first task, or "9" for the ninth, must not
    # send the report; as buttons (Telegram, web), the first few tasks have one
    numbered = ctx.numbered(1 + min(count, SUMMARY_EDIT_BUTTONS))
    edits = [Button(T.BTN_EDIT_TASK.format(n=n), CheckinAnswer(f"edit:{n - 1}").pack())
             for n in range(1, (count if numbered else min(count, SUMMARY_EDIT_BUTTONS)) + 1)]
    buttons = [*edits, submit] if numbered else [submit, *edits]
    ctx.reply("\n".join(lines), buttons, numbered=T.SUMMARY_TYPED.format(last=count))


def _summary_line(row: CheckinEntry | None) -> str:
    if row is None or (row.progress is None and row.status is None):
        return T.SUMMARY_MISSING
    if row.status == "done":
        evidence = T.SUMMARY_EVIDENCE.format(text=row.evidence) if row.evidence else ""
        return T.SUMMARY_DONE.format(evidence=evidence)
    if row.status == "skipped":
        return T.SUMMARY_SKIPPED.format(reason=row.skip_reason or "")
    return _status_line(row)


_CONFIRM_WORDS = frozenset({"gui", "gui bao cao", "ok", "dong y", "xac nhan", "co", "yes"})


async def summary_handle(ctx: Context, state: FlowState) -> str | None:
    """Submit, or go back to one task."""
    pressed, typed = _answer(ctx)
    if pressed == "ok" or (typed and fold_words(typed) in _CONFIRM_WORDS):
        await _submit(ctx, state)
        return END
    if pressed.startswith("edit:") and pressed[5:].isascii() and pressed[5:].isdigit():
        index = int(pressed[5:])
        if 0 <= index < len(state.data["tasks"]):
            state.data["i"] = index
            return "progress"
    ctx.reply(T.CHOOSE_ABOVE)
    return STAY


async def _submit(ctx: Context, state: FlowState) -> None:
    official = ctx.official
    assert official is not None
    report = await ctx.session.get(CheckinReport, int(state.data["report"]))
    assert report is not None
    week = str(state.data["week"])
    first = report.status == "draft"
    if state.data.get("edit"):  # the edit's changes, all at once with the new revision
        for key, changes in _changes(state).items():
            await checkin_store.save_entry(ctx.session, report.id, int(key), ctx.now, **changes)
    cutoff = await _cutoff_for(ctx, official, week)
    # deliberately no second look at the late-filing window (Schedule.late_checkin_until): a
    # report of last week started inside it (Monday 11:59) is accepted when it is submitted after
    # it closes, bounded by the flow's expiry. It was started in time, it still counts as late,
    # and digests already sent are not sent again.
    late = await checkin_store.submit(ctx.session, report, ctx.now, cutoff)
    if first:
        text = T.SUBMITTED_LATE if late else T.SUBMITTED
        ctx.reply(text.format(week=week_shown(week), cutoff=fmt_time_day(cutoff)))
    else:
        text = T.REVISED_LATE if late else T.REVISED
        ctx.reply(text.format(week=week_shown(week), revision=report.revision - 1, cutoff=fmt_time_day(cutoff)))


# ---------------------------------------------------------------- cancel, expiry, stale buttons


async def _answered(ctx: Context, state: FlowState) -> int:
    entries = await checkin_store.entries_of(ctx.session, int(state.data["report"]))
    wanted = {int(t) for t in state.data.get("tasks", [])}
    return sum(1 for task_id, row in entries.items() if task_id in wanted
               and (row.progress is not None or row.status is not None))


async def on_cancel(ctx: Context, state: FlowState) -> None:
    """/huy: say what was kept."""
    if state.data.get("edit"):  # every task was answered before: a count says nothing here
        ctx.reply(T.CANCELLED_EDIT)
        return
    count = await _answered(ctx, state)
    ctx.reply(T.CANCELLED.format(count=count) if count else T.CANCELLED_EMPTY)


async def on_expire(ctx: Context, state: FlowState) -> None:
    """Idle too long: say what was kept."""
    count = await _answered(ctx, state)
    week = state.data.get("week", "")
    if state.data.get("edit"):
        ctx.reply(T.EXPIRED_EDIT.format(week=week_shown(week)))
    else:
        ctx.reply(T.EXPIRED.format(week=week_shown(week), count=count) if count
                  else T.EXPIRED_EMPTY.format(week=week_shown(week)))


def build_flow() -> Flow:
    """The check-in flow."""
    return Flow(
        name=CHECKIN_FLOW, first="progress", on_cancel=on_cancel, on_expire=on_expire,
        steps={
            # "Quay lại" (bot/conversation.py) at a task's progress: the task before's
            "progress": Step(progress_prompt, progress_handle, back=progress_back),
            # a button pressed by mistake ("Bỏ qua việc này", "Nghỉ cả tuần", "Hoàn thành") is
            # undone by answering this task's progress again
            "status": Step(status_prompt, status_handle, back="progress"),
            "blockers": replace(BLOCKERS_STEP, back="status"),
            "next": replace(NEXT_PLAN_STEP, back="blockers"),
            "evidence": Step(evidence_prompt, evidence_handle, back="progress"),
            "skip_reason": Step(skip_reason_prompt, skip_reason_handle, back="progress"),
            "week_reason": Step(week_reason_prompt, week_reason_handle, back="progress"),
            "summary": Step(summary_prompt, summary_handle),
        },
    )


def register(router: Router) -> None:
    """Register /baocao, /suabaocao and the check-in flow."""
    router.command(Command(("baocao", "checkin", "bao_cao"), baocao,
                           CMD.CHECKIN, roles=ROLES_MEMBERS))
    router.command(Command(("suabaocao", "editreport", "sua_bao_cao"), edit_checkin,
                           CMD.EDIT_CHECKIN, roles=ROLES_MEMBERS))
    router.flow(build_flow(), stale=T.STALE_BUTTON)
    router.on(CheckinWeek, choose_week, gone=T.STALE_BUTTON, roles=ROLES_MEMBERS)  # every payload fits
