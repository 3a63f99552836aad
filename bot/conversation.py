"""Multi-step conversations: flows of named steps whose state is JSON kept in the database.

A step's `handle` returns the name of the next step, STAY (None: ask again) or END. The engine
then calls the next step's `prompt`. State is saved in the same transaction as the handler's
domain writes, so an exception rolls back to the previous step and a restart resumes there.

A step may name the step "Quay lại" returns to (`Step.back`): its prompt shows back_button(state),
and the engine (bot/dispatcher.py) takes the press, or a typed /quaylai, before the step's
`handle`: the earlier step is asked again with the state as it is (nothing chosen is undone).
So no step offers cancelling everything as its only way out.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.buttons import ButtonData

# FlowState lives in bot/flow_state.py, so that bot/context.py need not import this module
from bot.flow_state import FlowState
from bot.messages import BACK_COMMAND, Button
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
    lại" goes back to (None: none; its prompt then shows no back_button)."""

    prompt: StepPrompt
    handle: StepHandler
    back: str | None = None


@dataclass(frozen=True)
class FlowBack(ButtonData, prefix="back"):
    """"Quay lại" pressed at a step (the step it was shown at: pressed under an older message,
    it does not act on the step asked since)."""

    step: str


def back_button(state: FlowState) -> Button:
    """"Quay lại" for the step being asked (typed: /quaylai, said instead where buttons are
    few: Zalo)."""
    return Button(C.BUTTON_BACK, FlowBack(state.step).pack(), command=BACK_COMMAND)


@dataclass(frozen=True)
class Flow:
    """A named conversation: its steps, the first one, and what to say on cancel/expiry."""

    name: str
    first: str
    steps: Mapping[str, Step]
    on_cancel: FlowHook | None = None
    on_expire: FlowHook | None = None

    def step(self, name: str) -> Step:
        """The step called `name` (KeyError for an unknown step: a stale state row)."""
        return self.steps[name]
