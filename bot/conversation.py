"""Multi-step conversations: flows of named steps whose state is JSON kept in the database.

A step's `handle` returns the name of the next step, STAY (None: ask again) or END. The engine
then calls the next step's `prompt`. State is saved in the same transaction as the handler's
domain writes, so an exception rolls back to the previous step and a restart resumes there.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.context import Context

END = "__end__"
STAY: None = None


@dataclass
class FlowState:
    """The live state of one chat's flow; `data` must stay JSON-serialisable."""

    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)

    def check_json(self) -> None:
        """Fail early (in the handler's transaction) if data would not survive a restart."""
        json.loads(json.dumps(self.data))


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
