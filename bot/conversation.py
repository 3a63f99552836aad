"""Multi-step conversations: flows of named steps whose state is JSON kept in the database.

A step's `handle` returns the name of the next step, STAY (None: ask again) or END. The engine
then calls the next step's `prompt`. State is saved in the same transaction as the handler's
domain writes, so an exception rolls back to the previous step and a restart resumes there.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

# FlowState lives in bot/flow_state.py, so that bot/context.py need not import this module
from bot.flow_state import FlowState

if TYPE_CHECKING:
    from bot.context import Context

END = "__end__"
STAY: None = None


StepHandler = Callable[["Context", FlowState], Awaitable[str | None]]
StepPrompt = Callable[["Context", FlowState], Awaitable[None]]
FlowHook = Callable[["Context", FlowState], Awaitable[None]]


@dataclass(frozen=True)
class Step:
    """One question of a flow: how to ask it, and how to handle the answer."""

    prompt: StepPrompt
    handle: StepHandler


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
