"""Kinds of button shown by more than one part: built by the scheduler (reminders, digests,
guide notices) or by several flows, answered by handlers/.

A kind shown and answered by one flow alone is declared in that flow's module (handlers/*).
Every prefix is unique (tests/handlers/test_button_prefixes.py); the wire format is the one
these buttons always had, so buttons already sent in chats still resolve.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.buttons import ButtonData, Offset


@dataclass(frozen=True)
class OpenSection(ButtonData, prefix="sec"):
    """A guide's section, opened whole (handlers/sections.py); 'Đọc mục' under answers too."""

    chunk_id: int


@dataclass(frozen=True)
class OpenSectionOld(ButtonData, prefix="see"):
    """The same, as buttons sent before sections were paged said it."""

    chunk_id: int


@dataclass(frozen=True)
class OpenGuide(ButtonData, prefix="guide"):
    """A guide's sections as buttons, from `offset` on (handlers/guides.py)."""

    slug: str
    offset: Offset = Offset(0)


@dataclass(frozen=True)
class ShareGuide(ButtonData, prefix="gshare"):
    """The citizens' version of a guide, ready to forward (handlers/guidance.py)."""

    guide_id: int


@dataclass(frozen=True)
class AckGuide(ButtonData, prefix="gack"):
    """'Đã nắm' under a guide's announcement (handlers/guidance.py)."""

    guide_id: int
    version: int


@dataclass(frozen=True)
class TaskDone(ButtonData, prefix="rem_done"):
    """'Đã xong' under a deadline reminder (handlers/reminders.py)."""

    task_id: int


@dataclass(frozen=True)
class TaskProgress(ButtonData, prefix="rem_prog"):
    """'Cập nhật tiến độ' under a deadline reminder."""

    task_id: int


@dataclass(frozen=True)
class TaskSnooze(ButtonData, prefix="rem_snz"):
    """'Nhắc lại sau' under a deadline reminder."""

    task_id: int


@dataclass(frozen=True)
class CheckinNow(ButtonData, prefix="rem_checkin"):
    """'Báo cáo ngay' under the weekly check-in prompt: the prompt's ISO week ('' on buttons sent
    before it was carried)."""

    week: str = ""


@dataclass(frozen=True)
class DigestAck(ButtonData, prefix="rem_ack"):
    """'Đã xem' under a digest: the unit, the ISO week or period key, and the digest's kind."""

    unit_id: int
    period: str
    kind: str


@dataclass(frozen=True)
class PeriodPrompt(ButtonData, prefix="rem_period"):
    """'Báo cáo kỳ này' under the planner's period prompt (handlers/period_checkin.py)."""

    period_key: str = ""  # always set; a bare prefix opens the current period, as it did
