"""Multi-step conversations: flows of named steps whose state is JSON kept in the database.

A step's `handle` returns the name of the next step, STAY (None: ask again) or END. The engine
then calls the next step's `prompt`. State is saved in the same transaction as the handler's
domain writes, so an exception rolls back to the previous step and a restart resumes there.

A step may name the step "Quay lại" returns to (`Step.back`), and that is the only place it is
declared: the engine asks a step with `ask` here, which adds the "Quay lại" button under the
prompt's last message, and the dispatcher takes the press, or a typed /quaylai, before the step's
`handle`: the earlier step is asked again with the state as it is (nothing chosen is undone). So
no step offers cancelling everything as its only way out, and no button goes nowhere.

A way back may also depend on where the conversation is: `Step.back` is then a function of the
state giving a `BackTo` (the step, and the state's values that change with it: a step asked once
per item, such as a task's progress, goes back to the item before) or None (no way back here). It
is read only from the state, by `Flow.way_back`, for the button and for the press or /quaylai
alike, so they still agree; a target that is not a step (or the very place asked) is an error
there. The button carries a short mark of where it leads: pressed twice, or under an older
message of the same step for another item, it does not go back further than it said. A static
way back carries no mark: pressed under an older message of its step for another item, it goes
back within the item asked now (one step, nothing undone), which is harmless, so not refused.

A flow's first step has no way back where the flow starts (Flow checks a static one; a way back
decided from the state must give none in the state the flow starts with): there is no earlier
step, and a "Quay lại" that left the conversation would drop what it holds without saying so (a
file waiting, a report half answered). "Huỷ" (/huy) is the way out of every step; /quaylai typed
where there is no way back is answered that there is no step before, with /huy named, and the
step asked again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from bot.buttons import ButtonData

# FlowState lives in bot/flow_state.py, so that bot/context.py need not import this module
from bot.flow_state import FlowState
from bot.messages import BACK_COMMAND, CANCEL_COMMAND, Button
from bot.texts import common as C

if TYPE_CHECKING:
    from bot.context import Context

END = "__end__"
STAY: None = None


StepHandler = Callable[["Context", FlowState], Awaitable[str | None]]
StepPrompt = Callable[["Context", FlowState], Awaitable[None]]
FlowHook = Callable[["Context", FlowState], Awaitable[None]]
#: where "Quay lại" goes from a state (None: no way back there); read only, never writes it
WayBack = Callable[[FlowState], "BackTo | None"]
#: hex digits of a way back's mark (BackTo.mark)
MARK_CHARS = 6


@dataclass(frozen=True)
class BackTo:
    """Where "Quay lại" leads: a step, and the values of the state's data that change with it
    (e.g. {"i": 1}: the item before, for a step asked once per item). Nothing else is undone."""

    step: str
    data: Mapping[str, Any] = field(default_factory=dict)

    def mark(self) -> str:
        """A short mark of the place it leads to ('' for a step alone, as a static way back):
        the button carries it, so that a press under an older message that led elsewhere does
        not go back further."""
        if not self.data:
            return ""
        text = json.dumps(dict(self.data), sort_keys=True, separators=(",", ":"))
        return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()[:MARK_CHARS]


@dataclass(frozen=True)
class Step:
    """One question of a flow: how to ask it, how to handle the answer, and the step "Quay
    lại" goes back to: a step's name, a function of the state (WayBack), or None (none). The
    prompt never adds "Quay lại" itself: `ask` does, from `back`."""

    prompt: StepPrompt
    handle: StepHandler
    back: str | WayBack | None = None


@dataclass(frozen=True)
class FlowBack(ButtonData, prefix="back"):
    """"Quay lại" pressed at a step (the step it was shown at, and the mark of where it led,
    BackTo.mark: pressed under an older message, it does not act on the place asked since)."""

    step: str
    at: str = ""


def _back_button(step: str, to: BackTo) -> Button:
    """"Quay lại" shown at `step` (typed: /quaylai, said instead where buttons are few:
    Zalo)."""
    return Button(C.BUTTON_BACK, FlowBack(step, to.mark()).pack(), command=BACK_COMMAND)


def _with_back(buttons: Sequence[Button], back: Button) -> tuple[Button, ...]:
    """The buttons with "Quay lại" after the step's own choices and before "Huỷ" (the way out
    stays last, where officials find it)."""
    at = len(buttons)
    while at > 0 and buttons[at - 1].command == CANCEL_COMMAND:
        at -= 1
    return (*buttons[:at], back, *buttons[at:])


@dataclass(frozen=True)
class Flow:
    """A named conversation: its steps, the first one, and what to say on cancel/expiry."""

    name: str
    first: str
    steps: Mapping[str, Step]
    on_cancel: FlowHook | None = None
    on_expire: FlowHook | None = None

    def __post_init__(self) -> None:
        first = self.steps.get(self.first)
        if first is not None and isinstance(first.back, str):
            raise ValueError(f"flow {self.name}: the first step {self.first!r} has a way back")
        for name, step in self.steps.items():
            if isinstance(step.back, str):
                self._check_target(name, BackTo(step.back), {})

    def _check_target(self, name: str, to: BackTo, data: Mapping[str, Any]) -> None:
        if to.step not in self.steps:
            raise ValueError(f"flow {self.name}: step {name!r} goes back nowhere "
                             f"({to.step!r} is not a step)")
        if to.step == name and all(data.get(k) == v for k, v in to.data.items()):
            raise ValueError(f"flow {self.name}: step {name!r} goes back to itself")

    def step(self, name: str) -> Step:
        """The step called `name` (KeyError for an unknown step: a stale state row)."""
        return self.steps[name]

    def way_back(self, state: FlowState) -> BackTo | None:
        """Where "Quay lại" leads from the step `state` is at (None: nowhere), read from the
        state alone: the button shown and the press (or /quaylai) ask this same function."""
        back = self.step(state.step).back
        if back is None:
            return None
        to = BackTo(back) if isinstance(back, str) else back(state)
        if to is not None:
            self._check_target(state.step, to, state.data)
        return to


async def ask(ctx: Context, flow: Flow, state: FlowState) -> None:
    """Ask the step `state` is at: its prompt, with "Quay lại" under the prompt's last message
    when the step has a way back there (Flow.way_back), so that the button and /quaylai always
    agree."""
    step = flow.step(state.step)
    before = len(ctx.replies)
    await step.prompt(ctx, state)
    # after the prompt: the state as it is saved, which a press (or /quaylai) will read
    to = flow.way_back(state)
    if to is None or len(ctx.replies) == before:
        return
    last = ctx.replies[-1]
    ctx.replies[-1] = replace(last, buttons=_with_back(last.buttons,
                                                       _back_button(state.step, to)))


def go_back(state: FlowState, to: BackTo) -> None:
    """Move `state` where "Quay lại" leads (Flow.way_back): the step, and the values that
    change with it; every other answer is kept."""
    state.step = to.step
    state.data.update(to.data)
