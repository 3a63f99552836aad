"""What the scheduler and handlers/reminders.py share about reminders, kept below both.

- The buttons of a deadline reminder: the planner sends them, handlers/reminders.py answers them
  (and sends them again on a snoozed reminder).
- What a reminder preview returns, and the shape of the function that makes one. The scheduler
  implements it (scheduler.preview.preview_all: the planner run on a simulated clock); the
  composition root passes it in `Deps.reminder_preview`, so the admins' /xemnhac shows the
  preview without handlers/ importing the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.button_kinds import TaskDone, TaskProgress, TaskSnooze
from bot.messages import Button
from bot.messaging_window import WindowConfig
from bot.texts import reminders as T


def task_buttons(task_id: int) -> tuple[Button, ...]:
    """The three buttons of a deadline reminder."""
    return (Button(T.BUTTON_DONE, TaskDone(task_id).pack()),
            Button(T.BUTTON_PROGRESS, TaskProgress(task_id).pack()),
            Button(T.BUTTON_SNOOZE, TaskSnooze(task_id).pack()))


@dataclass(frozen=True)
class PreviewItem:
    """One message that would go out."""

    at: datetime
    kind: str
    recipient: str
    channel: str
    address: str
    idem_key: str
    text: str
    late: bool
    #: the channel it would actually take ("" when none can take it)
    via: str = ""
    #: why, on a channel with a messaging window: window, paid, template, or the reasons it left
    #: each channel ("paid_not_allowed", "window_closed"), then "rerouted" / "unreachable"
    route: str = ""


@dataclass(frozen=True)
class Unreachable:
    """An official something falls due for whom troly cannot reach (no bound chat)."""

    official_id: int
    name: str
    code: str | None
    unit: str
    #: message kind → how many would have been due
    kinds: dict[str, int]


@dataclass(frozen=True)
class PreviewResult:
    """What would go out, and for whom nothing can go out."""

    items: list[PreviewItem]
    unreachable: list[Unreachable]


class ReminderPreview(Protocol):
    """Messages due in [start, end) and the officials they could not reach; sends nothing."""

    async def __call__(self, session: AsyncSession, start: datetime, end: datetime, *,
                       now: datetime | None = ..., channels: Sequence[str] = ...,
                       digests: bool = ...,
                       windows: Mapping[str, WindowConfig] | None = ...) -> PreviewResult:
        """Run the preview in the caller's session (left untouched)."""
        ...
