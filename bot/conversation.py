"""Multi-step conversations: flows of named steps whose state is JSON kept in the database.

A step's `handle` returns the name of the next step, STAY (None: ask again) or END. The engine
then calls the next step's `prompt`. State is saved in the same transaction as the handler's
domain writes, so an exception rolls back to the previous step and a restart resumes there.

A step may name the step "Quay lại" returns to (`Step.back`), and that is the only place it is
declared: the engine asks a step with `ask` here, which adds the "Quay lại" button under the
prompt's last message, and the dispatcher takes the press, or a typed /quaylai, before the step's
`handle`: the earlier step is asked again with the state as it is (nothing chosen is undone). So
no step offers cancelling everything as its only way out, and no button goes nowhere.

A flow's first step has no way back (Flow checks it): there is no earlier step, and a "Quay lại"
that left the conversation would drop what it holds without saying so (a file waiting, a report
half answered). "Huỷ" (/huy) is the way out of every step; /quaylai typed on a first step is
answered that there is no step before, with /huy named, and the step asked again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

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


@dataclass(frozen=True)
class Step:
    """One question of a flow: how to ask it, how to handle the answer, and the step "Quay
    lại" goes back to (None: none). The prompt never adds "Quay lại" itself: `ask` does, from
    `back`."""

    prompt: StepPrompt
    handle: StepHandler
    back: str | None = None


@dataclass(frozen=True)
class FlowBack(ButtonData, prefix="back"):
    """"Quay lại" pressed at a step (the step it was shown at: pressed under an older message,
    it does not act on the step asked since)."""

    step: str


def _back_button(step: str) -> Button:
    """"Quay lại" shown at `step` (typed: /quaylai, said instead where buttons are few:
    Zalo)."""
    return Button(C.BUTTON_BACK, FlowBack(step).pack(), command=BACK_COMMAND)


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
        if first is not None and first.back is not None:
            raise ValueError(f"flow {self.name}: the first step {self.first!r} has a way back")
        for name, step in self.steps.items():
            if step.back == name:
                raise ValueError(f"flow {self.name}: step {name!r} goes back to itself")
            if step.back is not None and step.back not in self.steps:
                raise ValueError(f"flow {self.name}: step {name!r} goes back nowhere "
                                 f"({step.back!r} is not a step)")

    def step(self, name: str) -> Step:
        """The step called `name` (KeyError for an unknown step: a stale state row)."""
        return self.steps[name]


async def ask(ctx: Context, flow: Flow, state: FlowState) -> None:
    """Ask the step `state` is at: its prompt, with "Quay lại" under the prompt's last message
    when the step has a way back (Step.back), so that the button and /quaylai always agree."""
    step = flow.step(state.step)
    before = len(ctx.replies)
    await step.prompt(ctx, state)
    if step.back is None or len(ctx.replies) == before:
        return
    last = ctx.replies[-1]
    ctx.replies[-1] = replace(last, buttons=_with_back(last.buttons, _back_button(state.step)))
