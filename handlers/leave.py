"""/nghiphep: record leave between two dates. Reminders and prompts pause for that official (the
planner records them as cancelled 'on_leave' and never sends them late); while a head is away
their unit's digests go to the unit's deputies (officials with role 'deputy').

`/nghiphep 21/12 - 25/12 [lý do]` asks to confirm; `/nghiphep` alone shows the recorded leave and
asks for the dates; `/nghiphep huy` withdraws the current or next leave. A head or deputy (or an
admin) may name an official of their unit tree first: `/nghiphep CB003 21/12 - 25/12`. The dates
wait in the conversation state, so a restart between the question and "Xác nhận" loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.access import LEADERS
from bot.buttons import ButtonData
from bot.clock import local_date
from bot.context import Context
from bot.conversation import END, STAY, Flow, Step
from bot.dates import fmt_date
from bot.db import leave_store, people_store
from bot.db.models import Official, Unit
from bot.events import ButtonPressed
from bot.flow_state import FlowState
from bot.leave_dates import LeaveDates, LeaveDatesError, parse_leave
from bot.messages import Button
from bot.router import ROLES_MEMBERS, Command, Router
from bot.texts import common as C
from bot.texts import leave as T
from knowledge.normalize import fold_words

FLOW = "lv"


@dataclass(frozen=True)
class LeaveAnswer(ButtonData, prefix=FLOW):
    """'ok' under the leave confirmation (read by the step; 'again' under older ones)."""

    choice: str


async def _whose(ctx: Context, words: list[str]) -> tuple[Official | None, list[str]]:
    """The official the leave is for (the speaker, or a code a leader named first) and the rest;
    (None, …) after replying when the code is not someone they lead."""
    official = ctx.official
    assert official is not None
    if not words or official.role not in (*LEADERS, "admin"):
        return official, words
    other = await people_store.official_by_code(ctx.session, words[0])
    if other is None or other.id == official.id:
        return official, words
    allowed = official.role == "admin" or (
        official.unit_id is not None and other.unit_id is not None
        and await people_store.is_within(ctx.session, other.unit_id, official.unit_id))
    if not allowed:
        ctx.reply(T.OFFICIAL_NOT_YOURS.format(code=words[0]))
        return None, words
    return other, words[1:]


async def nghiphep(ctx: Context) -> None:
    """/nghiphep [mã cán bộ] [từ … đến …] | huy."""
    if ctx.official is None:
        ctx.reply(C.NEEDS_REGISTRATION)
        return
    who, words = await _whose(ctx, ctx.text.split())
    if who is None:
        return
    today = local_date(ctx.now)
    if words and fold_words(" ".join(words)) in T.CANCEL_VOCABULARY:
        await _cancel(ctx, who, today)
        return
    data = {"official": who.id}
    if not words:
        current = await leave_store.leaves_of(ctx.session, who.id, from_day=today)
        if current:
            ctx.reply("\n".join([T.CURRENT_HEADER, *(T.CURRENT_ITEM.format(
                start=fmt_date(leave.start_day), end=fmt_date(leave.end_day),
                note=T.NOTE.format(note=leave.note) if leave.note else "") for leave in current)]))
        ctx.start_flow(FLOW, data)
        return
    try:
        dates = parse_leave(" ".join(words), today=today)
    except LeaveDatesError as exc:
        ctx.reply(str(exc))
        return
    state = ctx.start_flow(FLOW, {**data, **_dates_data(dates)})
    state.step = "confirm"


def _dates_data(dates: LeaveDates) -> dict[str, str | None]:
    return {"first": dates.first.isoformat(), "last": dates.last.isoformat(), "note": dates.note}


async def _cancel(ctx: Context, who: Official, today: date) -> None:
    current = await leave_store.leaves_of(ctx.session, who.id, from_day=today)
    if not current:
        ctx.reply(T.NOTHING_TO_CANCEL)
        return
    leave = current[0]
    await leave_store.cancel_leave(ctx.session, leave.id, ctx.now)
    ctx.reply(T.CANCELLED_LEAVE.format(start=fmt_date(leave.start_day), end=fmt_date(leave.end_day)))


# ---------------------------------------------------------------- steps


async def dates_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the dates."""
    del state
    ctx.reply(T.ASK_DATES)


async def dates_handle(ctx: Context, state: FlowState) -> str | None:
    """Typed dates → confirm."""
    if isinstance(ctx.event, ButtonPressed) or not ctx.text.strip():
        ctx.reply(T.ASK_DATES)
        return STAY
    try:
        dates = parse_leave(ctx.text, today=local_date(ctx.now))
    except LeaveDatesError as exc:
        ctx.reply(str(exc))
        return STAY
    state.data.update(_dates_data(dates))
    return "confirm"


async def confirm_prompt(ctx: Context, state: FlowState) -> None:
    """What will happen, to confirm."""
    official = await ctx.session.get(Official, int(state.data["official"]))
    assert official is not None
    first, last = date.fromisoformat(state.data["first"]), date.fromisoformat(state.data["last"])
    self_ = ctx.official is not None and official.id == ctx.official.id
    whom = T.WHO_SELF if self_ else official.name
    text = T.CONFIRM.format(who=whom, start=fmt_date(first), end=fmt_date(last),
                            days=(last - first).days + 1, whom=whom)
    unit = await ctx.session.get(Unit, official.unit_id) if official.unit_id else None
    if unit is not None and (official.role == "head" or unit.head_official_id == official.id):
        deputies = [d for d in await people_store.deputies_of(ctx.session, unit.id)
                    if d.id != official.id]
        text += (T.CONFIRM_HEAD.format(unit=unit.name, deputies=", ".join(d.name for d in deputies))
                 if deputies else T.CONFIRM_HEAD_ALONE.format(unit=unit.name, whom=whom))
    text += T.CONFIRM_STOP
    ctx.reply(text, [Button(T.BTN_CONFIRM, LeaveAnswer("ok").pack())])  # "Quay lại": Step.back


#: a yes typed at the confirmation (the button's own label included), folded: not new dates
_CONFIRM_WORDS = frozenset({"xac nhan", "co", "ok", "dong y", "dung", "yes"})


async def confirm_handle(ctx: Context, state: FlowState) -> str | None:
    """Record it (the button, or a yes typed), or type the dates again."""
    pressed = ctx.payload[len(FLOW) + 1:] if ctx.payload.startswith(f"{FLOW}:") else ""
    if not pressed and fold_words(ctx.text).strip(" .!") in _CONFIRM_WORDS:
        pressed = "ok"
    if pressed == "again":  # "Nhập lại ngày" under a confirmation sent before "Quay lại" took its place
        return "dates"
    if not pressed and ctx.text.strip():  # typed new dates instead of pressing a button
        return await dates_handle(ctx, state)
    if pressed != "ok":
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    official_id = int(state.data["official"])
    first, last = date.fromisoformat(state.data["first"]), date.fromisoformat(state.data["last"])
    by = ctx.official.id if ctx.official is not None else None
    await leave_store.add_leave(ctx.session, official_id, first, last, ctx.now,
                                note=state.data.get("note"), created_by=by)
    await leave_store.cancel_queued(ctx.session, official_id, first, last, ctx.now)
    official = await ctx.session.get(Official, official_id)
    if by == official_id or official is None:
        ctx.reply(T.RECORDED.format(start=fmt_date(first), end=fmt_date(last)))
    else:
        ctx.reply(T.RECORDED_FOR.format(name=official.name, start=fmt_date(first), end=fmt_date(last)))
    return END


async def on_cancel(ctx: Context, state: FlowState) -> None:
    """/huy: nothing recorded."""
    del state
    ctx.reply(T.STOPPED)


async def on_expire(ctx: Context, state: FlowState) -> None:
    """Idle too long: nothing recorded."""
    del state
    ctx.reply(T.EXPIRED)


def register(router: Router) -> None:
    """Register /nghiphep and its conversation."""
    router.command(Command(("nghiphep", "leave", "nghi_phep"), nghiphep, T.CMD_LEAVE,
                           roles=ROLES_MEMBERS, group_safe=False))
    router.flow(Flow(name=FLOW, first="dates", on_cancel=on_cancel, on_expire=on_expire, steps={
        "dates": Step(dates_prompt, dates_handle),
        # "Quay lại": the dates typed again (also when they came with the command)
        "confirm": Step(confirm_prompt, confirm_handle, back="dates"),
    }), stale=T.STALE_BUTTON)
