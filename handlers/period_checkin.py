"""The monthly summary conversation (/baocaothang, the prompt's "Báo cáo kỳ này"): what the weekly
check-ins did not say — highlights, difficulties, recommendations — for a month (or a quarter,
half-year or year when the unit asks for those).

The per-task progress, status and blockers of the period are assembled from the weekly check-ins
(bot/reports/build.py) and shown first; the official is asked only the three questions, each can
be skipped, and the whole period can be skipped with a reason. Every answer is written to the
period's draft as it is given, so a restart, /huy or expiry loses nothing; the flow state holds
only the period key, the report id and a position. An edit of a confirmed summary (/baocaothang
sửa) keeps its changes in the flow state instead ('draft', JSON) and applies them all, with the new
revision, when confirmed: stopping or expiry halfway leaves the sent summary as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from bot.button_kinds import PeriodPrompt
from bot.buttons import ButtonData
from bot.checkin_answers import is_none_answer, reads_as_question, typed_text
from bot.clock import local_date
from bot.context import Context
from bot.conversation import END, STAY, Flow
from bot.conversation import Step as FlowStep
from bot.dates import fmt_time_day
from bot.db import period_store
from bot.db.models import Official, PeriodReport, Unit
from bot.db.period_store import SUMMARY_FIELDS
from bot.db.task_store import has_tasks
from bot.events import ButtonPressed
from bot.flow_state import FlowState
from bot.messages import Button
from bot.periods import Period, PeriodError, parse_period
from bot.reports.build import build_unit_report
from bot.reports.model import ProgressReport
from bot.router import ROLES_MEMBERS, Command, Router
from bot.texts import common as C
from bot.texts import period_checkin as T
from handlers.ask import aside
from knowledge.normalize import fold_words
from rules.cutoffs import SUMMARY_KINDS, ReportingRules
from rules.policy import load_rules

FLOW = "pc"
MAX_ANSWER_CHARS = 2000
#: a closed period is still the default of /baocaothang this long after its cut-off
LATE_WINDOW = timedelta(days=7)
TASK_LINES = 12
BLOCKER_LINES = 8
_QUESTIONS = {"highlights": T.ASK_HIGHLIGHTS, "difficulties": T.ASK_DIFFICULTIES,
              "recommendations": T.ASK_RECOMMENDATIONS}


@dataclass(frozen=True)
class PeriodAnswer(ButtonData, prefix=FLOW):
    """A period summary answer pressed: 'skip', 'keep', 'weeks', 'off', 'r:<reason>', 'ok',
    'edit:<field>' (read by the steps)."""

    choice: str


async def _rules(ctx: Context, official: Official) -> ReportingRules:
    unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    return await load_rules(ctx.session, unit)


async def default_period(ctx: Context, official: Official, rules: ReportingRules, *,
                         confirmed: bool = False) -> Period:
    """The period /baocaothang opens: the one that closed last while it is unanswered and
    recent (a week after its cut-off), else the one running now. With `confirmed` (to edit):
    the latest of the two that has been answered."""
    today = local_date(ctx.now)
    current = rules.summary_period(today)
    previous = rules.summary_period(current.start - timedelta(days=1))
    if confirmed:
        for period in (current, previous):
            report = await period_store.report_for(ctx.session, official.id, period.key)
            if report is not None and report.status in period_store.ANSWERED:
                return period
        return current
    if ctx.now >= rules.cutoff(current) - timedelta(hours=12):
        return current  # closing today (the prompt's day) or closed
    report = await period_store.report_for(ctx.session, official.id, previous.key)
    answered = report is not None and report.status in period_store.ANSWERED
    if not answered and ctx.now <= rules.cutoff(previous) + LATE_WINDOW:
        return previous
    return current


async def _own_report(ctx: Context, official: Official, period: Period) -> ProgressReport | None:
    if official.unit_id is None:
        return None
    return await build_unit_report(ctx.session, official.unit_id, period, ctx.now,
                                   include_subunits=False)


def _mine(report: ProgressReport | None, official: Official) -> list[Any]:
    if report is None:
        return []
    return [t for t in report.tasks if official.id in t.responsible_ids]


async def start_period_checkin(ctx: Context, text: str = "", *, from_prompt: bool = False) -> None:
    """Open the summary of a period ('' = the default one; 'sửa' reopens a confirmed one)."""
    official = ctx.official
    if official is None:
        ctx.reply(C.NEEDS_REGISTRATION)
        return
    if not await has_tasks(ctx.session, official.id):
        ctx.reply(T.NO_TASKS_AT_ALL)
        return
    if from_prompt and not text.strip():
        ctx.reply(T.STALE_PROMPT)
        return
    rules = await _rules(ctx, official)
    words = fold_words(text)
    edit = words in T.EDIT_VOCABULARY or any(words.startswith(w + " ") for w in T.EDIT_VOCABULARY)
    if edit:
        text = text.split(None, 1)[1] if len(text.split(None, 1)) > 1 else ""
    today = local_date(ctx.now)
    period = await default_period(ctx, official, rules, confirmed=edit)
    if text.strip():
        try:
            period = rules.parse(text, today)
        except PeriodError as exc:
            if from_prompt:
                ctx.reply(T.STALE_PROMPT)
                return
            ctx.reply(str(exc))
            return
    own = await _own_report(ctx, official, period)
    mine = _mine(own, official)
    if not mine:
        ctx.reply(T.NO_TASKS.format(period=period.label))
        return
    if period.kind not in SUMMARY_KINDS:
        ctx.reply(T.STALE_PROMPT if from_prompt else T.NOT_A_SUMMARY_PERIOD)
        return
    if period.start > today:
        ctx.reply(T.FUTURE_PERIOD.format(period=period.label))
        return
    report = await period_store.report_for(ctx.session, official.id, period.key)
    confirmed = report is not None and report.status in period_store.ANSWERED
    if edit and not confirmed:
        ctx.reply(T.NOTHING_TO_EDIT.format(period=period.label))
        return
    if confirmed and not edit:
        assert report is not None
        if report.status == "skipped":
            ctx.reply(T.ALREADY_SKIPPED.format(period=period.label, reason=report.skip_reason or ""))
        else:
            at = fmt_time_day(report.submitted_at) if report.submitted_at else ""
            ctx.reply(T.ALREADY_SUBMITTED.format(period=period.label, at=at))
        return
    assert own is not None
    cutoff = rules.cutoff(period)
    report = await period_store.get_or_create(ctx.session, official.id, period.key, period.kind,
                                              ctx.now)
    if edit:
        ctx.reply(T.INTRO_EDIT.format(period=period.label_with_dates))
        if ctx.now > cutoff:
            ctx.reply(T.EDIT_LATE_NOTICE.format(cutoff=fmt_time_day(cutoff)))
    else:
        ctx.reply(_intro(own, official, period, cutoff, mine))
    blockers = [f"[{t.code}] {b.text}" for t in mine for b in t.blockers]
    ctx.start_flow(FLOW, {"period": period.key, "kind": period.kind, "report": report.id,
                          "field": 0, "review": False, "edit": edit,
                          "blockers": blockers[:BLOCKER_LINES]})


def _intro(own: ProgressReport, official: Official, period: Period, cutoff: datetime,
           mine: list[Any]) -> str:
    status = next((o for o in own.officials if o.official_id == official.id), None)
    weeks = (T.WEEKS_DONE.format(done=status.weeks_reported, total=status.weeks_expected)
             if status and status.weeks_expected else T.WEEKS_NONE_DUE)
    lines = [T.INTRO.format(period=period.label_with_dates, cutoff=fmt_time_day(cutoff), weeks=weeks), "",
             T.TASKS_HEADER]
    lines += [T.TASK_LINE.format(code=t.code, title=t.title[:120], progress=t.progress,
                                 status=t.status_label) for t in mine[:TASK_LINES]]
    blockers = [(t.code, b.text) for t in mine for b in t.blockers]
    if blockers:
        lines += ["", T.BLOCKERS_HEADER]
        lines += [T.BLOCKER_LINE.format(code=code, text=text)
                  for code, text in blockers[:BLOCKER_LINES]]
    return "\n".join(lines)


async def baocaothang(ctx: Context) -> None:
    """/baocaothang [kỳ | sửa [kỳ]]."""
    await start_period_checkin(ctx, ctx.text)


async def prompt_button(ctx: Context, button: PeriodPrompt) -> None:
    """'Báo cáo kỳ này' on the planner's prompt: the summary of that period."""
    await start_period_checkin(ctx, button.period_key, from_prompt=True)


# ---------------------------------------------------------------- helpers


async def _report(ctx: Context, state: FlowState) -> PeriodReport:
    report = await ctx.session.get(PeriodReport, int(state.data["report"]))
    if report is None:  # never deleted; a stale state row would be a bug
        raise LookupError(state.data["report"])
    return report


def _field(state: FlowState) -> str:
    return SUMMARY_FIELDS[int(state.data["field"])]


def _changes(state: FlowState) -> dict[str, str | None]:
    """An edit's changes by field (kept in the conversation until the edit is confirmed)."""
    draft: dict[str, str | None] = state.data.setdefault("draft", {})
    return draft


def _value(report: PeriodReport, state: FlowState, name: str) -> str | None:
    """A field's answer, with an edit's unconfirmed change on top."""
    if state.data.get("edit") and name in _changes(state):
        return _changes(state)[name]
    value: str | None = getattr(report, name)
    return value


async def _save(ctx: Context, state: FlowState, report: PeriodReport, name: str,
                value: str | None) -> None:
    """A first summary writes each answer at once; an edit of a confirmed one keeps its changes
    in the conversation and applies them all when confirmed (stopping leaves the summary as sent).

    A first summary whose period was confirmed (or skipped) meanwhile from the official's other
    chat becomes an edit from here on, so it no longer changes the sent summary until confirmed."""
    if not state.data.get("edit") and report.status in period_store.ANSWERED:
        state.data["edit"] = True
        if report.status == "skipped":
            ctx.reply(T.SKIPPED_ELSEWHERE.format(period=_label(state),
                                                 reason=report.skip_reason or ""))
        else:
            at = fmt_time_day(report.submitted_at) if report.submitted_at else ""
            ctx.reply(T.SENT_ELSEWHERE.format(period=_label(state), at=at))
    if state.data.get("edit"):
        if name not in SUMMARY_FIELDS:
            raise ValueError(f"unknown summary field {name!r}")
        _changes(state)[name] = value
        return
    await period_store.save_field(ctx.session, report, name, value, ctx.now)


def _answer(ctx: Context) -> tuple[str, str]:
    """(button payload without 'pc:', typed text): exactly one of them is non-empty."""
    if isinstance(ctx.event, ButtonPressed):
        payload = ctx.event.payload
        prefix = FLOW + ":"
        return (payload[len(prefix):] if payload.startswith(prefix) else "?"), ""
    return "", typed_text(ctx.text)


def _label(state: FlowState) -> str:
    # a label does not depend on the closing day; the key is canonical
    return parse_period(str(state.data["period"]), date(2000, 1, 1)).label


async def _period(ctx: Context, state: FlowState) -> tuple[Period, ReportingRules]:
    official = ctx.official
    assert official is not None
    rules = await _rules(ctx, official)
    return rules.parse(str(state.data["period"]), local_date(ctx.now)), rules


def _next(state: FlowState) -> str:
    if state.data.get("review"):
        return "summary"
    index = int(state.data["field"]) + 1
    if index < len(SUMMARY_FIELDS):
        state.data["field"] = index
        return "field"
    state.data["review"] = True
    return "summary"


# ---------------------------------------------------------------- step: one field


async def field_prompt(ctx: Context, state: FlowState) -> None:
    """Ask one of the three questions, offering skip, keep and (difficulties) the weekly blockers."""
    report = await _report(ctx, state)
    name = _field(state)
    lines = [_QUESTIONS[name]]
    buttons = [Button(T.BTN_SKIP_FIELD, PeriodAnswer("skip").pack())]
    current = _value(report, state, name)
    if current:
        lines.append(T.CURRENT_VALUE.format(text=current[:300]))
        buttons.append(Button(T.BTN_KEEP, PeriodAnswer("keep").pack()))
    if name == "difficulties" and state.data.get("blockers"):
        buttons.append(Button(T.BTN_FROM_WEEKS, PeriodAnswer("weeks").pack()))
    if int(state.data["field"]) == 0 and not state.data.get("review"):
        buttons.append(Button(T.BTN_OFF, PeriodAnswer("off").pack()))
    ctx.reply("\n".join(lines), buttons)


async def field_handle(ctx: Context, state: FlowState) -> str | None:
    """Typed text, 'không', skip, keep, the weekly blockers, or no report this period."""
    pressed, typed = _answer(ctx)
    if typed and reads_as_question(typed):  # answered, not stored; the question is asked again
        await aside(ctx, typed)
        return STAY
    report = await _report(ctx, state)
    name = _field(state)
    value: str | None
    if pressed == "keep":
        return _next(state)
    if pressed == "off" and int(state.data["field"]) == 0:
        return "off_reason"
    if pressed == "skip" or (typed and is_none_answer(typed)):
        value = None
    elif pressed == "weeks" and name == "difficulties" and state.data.get("blockers"):
        value = "\n".join(str(b) for b in state.data["blockers"])
    elif pressed:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    elif len(typed) > MAX_ANSWER_CHARS:
        ctx.reply(T.ANSWER_TOO_LONG.format(limit=MAX_ANSWER_CHARS))
        return STAY
    elif not typed:  # spaces or invisible characters only: nothing to store, asked again
        ctx.reply(T.EMPTY_ANSWER)
        return STAY
    else:
        value = typed
    await _save(ctx, state, report, name, value)
    return _next(state)


# ---------------------------------------------------------------- step: no report this period


async def off_prompt(ctx: Context, state: FlowState) -> None:
    """Why there is no report this period."""
    ctx.reply(T.ASK_OFF_REASON, [Button(T.BTN_LEAVE, PeriodAnswer("r:leave").pack()),
                                 Button(T.BTN_TRIP, PeriodAnswer("r:trip").pack())])


async def off_handle(ctx: Context, state: FlowState) -> str | None:
    """Leave, business trip or a typed reason: the period is skipped and the flow ends."""
    pressed, typed = _answer(ctx)
    if typed and reads_as_question(typed):
        await aside(ctx, typed)
        return STAY
    reason = {"r:leave": T.REASON_LEAVE, "r:trip": T.REASON_TRIP}.get(pressed)
    if reason is None:
        if pressed or not typed:
            ctx.reply(T.CHOOSE_ABOVE)
            return STAY
        if len(typed) > MAX_ANSWER_CHARS:
            ctx.reply(T.ANSWER_TOO_LONG.format(limit=MAX_ANSWER_CHARS))
            return STAY
        reason = typed
    period, rules = await _period(ctx, state)
    await period_store.skip(ctx.session, await _report(ctx, state), reason, ctx.now,
                            rules.cutoff(period))
    ctx.reply(T.SKIPPED.format(period=_label(state), reason=reason))
    return END


# ---------------------------------------------------------------- step: summary and submit


async def summary_prompt(ctx: Context, state: FlowState) -> None:
    """The three answers, to confirm or correct."""
    report = await _report(ctx, state)
    lines = [T.SUMMARY_HEADER.format(period=_label(state))]
    for template, name in ((T.SUMMARY_HIGHLIGHTS, "highlights"),
                           (T.SUMMARY_DIFFICULTIES, "difficulties"),
                           (T.SUMMARY_RECOMMENDATIONS, "recommendations")):
        lines.append(template.format(text=_value(report, state, name) or T.SUMMARY_EMPTY))
    lines += ["", T.SUMMARY_FOOTER]
    # final: on the console it is typed by name, never "1" before the three "Sửa mục"
    buttons = [Button(T.BTN_SUBMIT, PeriodAnswer("ok").pack(), final=True)]
    buttons += [Button(label, PeriodAnswer(f"edit:{i}").pack())
                for i, label in enumerate(T.BTN_EDIT)]
    ctx.reply("\n".join(lines), buttons)


_CONFIRM_WORDS = frozenset({"gui", "gui bao cao", "ok", "dong y", "xac nhan", "co", "yes"})


async def summary_handle(ctx: Context, state: FlowState) -> str | None:
    """Submit, or go back to one question."""
    pressed, typed = _answer(ctx)
    if pressed == "ok" or (typed and fold_words(typed) in _CONFIRM_WORDS):
        await _submit(ctx, state)
        return END
    if pressed.startswith("edit:") and pressed[5:] in ("0", "1", "2"):
        state.data["field"] = int(pressed[5:])
        return "field"
    ctx.reply(T.CHOOSE_ABOVE)
    return STAY


async def _submit(ctx: Context, state: FlowState) -> None:
    report = await _report(ctx, state)
    first = report.status == "draft"
    if state.data.get("edit"):  # the edit's changes, all at once with the new revision
        for name, value in _changes(state).items():
            await period_store.save_field(ctx.session, report, name, value, ctx.now)
    period, rules = await _period(ctx, state)
    cutoff = rules.cutoff(period)
    late = await period_store.submit(ctx.session, report, ctx.now, cutoff)
    label = _label(state)
    if first:
        ctx.reply((T.SUBMITTED_LATE if late else T.SUBMITTED).format(period=label,
                                                                    cutoff=fmt_time_day(cutoff)))
    else:
        ctx.reply((T.REVISED_LATE if late else T.REVISED).format(
            period=label, revision=report.revision - 1, cutoff=fmt_time_day(cutoff)))


# ---------------------------------------------------------------- cancel, expiry, stale buttons


async def on_cancel(ctx: Context, state: FlowState) -> None:
    """/huy: what was typed is kept as a draft; an edit's unconfirmed changes are dropped."""
    text = T.CANCELLED_EDIT if state.data.get("edit") else T.CANCELLED
    ctx.reply(text.format(period=_label(state)))


async def on_expire(ctx: Context, state: FlowState) -> None:
    """Idle too long: what was typed is kept as a draft; an edit's unconfirmed changes are dropped."""
    text = T.EXPIRED_EDIT if state.data.get("edit") else T.EXPIRED
    ctx.reply(text.format(period=_label(state)))


def build_flow() -> Flow:
    """The period summary flow."""
    return Flow(name=FLOW, first="field", on_cancel=on_cancel, on_expire=on_expire, steps={
        "field": FlowStep(field_prompt, field_handle),
        # "Không có báo cáo kỳ này" pressed by mistake: "Quay lại" to the first question
        "off_reason": FlowStep(off_prompt, off_handle, back="field"),
        "summary": FlowStep(summary_prompt, summary_handle),
    })


def register(router: Router) -> None:
    """Register /baocaothang, the prompt's button and the flow."""
    router.command(Command(("baocaothang", "monthly", "bao_cao_thang", "baocaoky"), baocaothang,
                           T.CMD_PERIOD_CHECKIN, roles=ROLES_MEMBERS, group_safe=False))
    router.on(PeriodPrompt, prompt_button, gone=C.UNKNOWN_BUTTON)  # every payload fits
    router.flow(build_flow(), stale=T.STALE_BUTTON)

