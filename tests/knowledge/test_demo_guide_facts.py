"""The bundled guides that describe troly say what troly does: their facts are read against the
code's defaults (schedule policy, settings, commands), so the two cannot drift apart again."""

from __future__ import annotations

import re
from datetime import time

import pytest

from bot.config import Settings
from bot.db.people_store import CODE_ALPHABET, CODE_LENGTH
from bot.dispatcher import CANCEL_COMMANDS
from bot.router import Router
from handlers import register
from knowledge.demo import demo_guides
from scheduler.policy import Schedule

WEEKLY = "bao-cao-tien-do-hang-tuan"
USAGE = "su-dung-troly"
DAYS = {"mon": "thứ Hai", "tue": "thứ Ba", "wed": "thứ Tư", "thu": "thứ Năm", "fri": "thứ Sáu",
        "sat": "thứ Bảy", "sun": "Chủ nhật"}
DEFAULTS = Schedule()
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def _text(slug: str) -> str:
    (guide,) = [g for g in demo_guides() if g.slug == slug]
    return " ".join(guide.content.decode("utf-8").split())


def _at(value: time) -> str:
    """8:00 → '8 giờ', 15:30 → '15 giờ 30' (how the guides write a time)."""
    return f"{value.hour} giờ" + (f" {value.minute:02d}" if value.minute else "")


def _day(weekday: str, *, capital: bool = False) -> str:
    name = DAYS[weekday]
    return name[0].upper() + name[1:] if capital else name


def _offsets(days: tuple[int, ...]) -> str:
    """(7, 3, 1, 0) → '7 ngày, 3 ngày, 1 ngày và đúng ngày hạn'."""
    parts = [f"{d} ngày" if d else "đúng ngày hạn" for d in sorted(days, reverse=True)]
    return ", ".join(parts[:-1]) + " và " + parts[-1] if len(parts) > 1 else parts[0]


def _cutoff() -> tuple[str, time]:
    weekday, _, clock = DEFAULTS.checkin_cutoff.partition(" ")
    hour, _, minute = clock.partition(":")
    return weekday, time(int(hour), int(minute))


def _expected() -> dict[str, list[str]]:
    cut_day, cut_at = _cutoff()
    prompt, nudges = DEFAULTS.checkin_time, DEFAULTS.nudge_times
    day = DEFAULTS.checkin_weekday
    nudge_phrase = " và ".join(_at(n) for n in nudges)
    deadline = f"trước hạn {_offsets(DEFAULTS.deadline_offsets_days)}, lúc {_at(DEFAULTS.reminder_time)}"
    return {
        WEEKLY: [
            f"{_day(day, capital=True)}, {_at(prompt)}: troly gửi tin mời báo cáo",
            f"{_day(day, capital=True)}, {nudge_phrase}: troly nhắc những người chưa báo cáo",
            f"**{_at(cut_at)} {_day(cut_day)}**",
            f"{_day(cut_day, capital=True)}, {_at(cut_at)}: hết hạn báo cáo",
            f"{_day(DEFAULTS.digest_week_weekday, capital=True)}, {_at(DEFAULTS.digest_week_time)}: "
            "lãnh đạo đơn vị nhận bản tổng hợp",
            f"Sáng {_day(DEFAULTS.digest_ahead_weekday)} lúc {_at(DEFAULTS.digest_ahead_time)}",
            f"không trả lời trong {SETTINGS.conversation_idle_minutes} phút",
        ],
        USAGE: [
            f"nhắc {deadline} sáng, chỉ vào ngày làm việc",
            f"sắp đến hạn: {deadline} sáng",
            f"sau {DEFAULTS.overdue_escalate_after_days} ngày làm việc quá hạn, lãnh đạo đơn vị chủ trì",
            f"tin mời báo cáo gửi lúc {_at(prompt)} {_day(day)}",
            f"nhắc lại lúc {nudge_phrase}; hạn chốt là {_at(cut_at)} {_day(cut_day)}",
            f"từ {_at(DEFAULTS.quiet_start)} đến {_at(DEFAULTS.quiet_end)} sáng; tin đến hạn trong "
            f"khoảng này được gửi lúc {_at(DEFAULTS.quiet_end)}",
            f"lúc {_at(DEFAULTS.digest_week_time)} {_day(DEFAULTS.digest_week_weekday)}",
            f"Lúc {_at(DEFAULTS.digest_ahead_time)} {_day(DEFAULTS.digest_ahead_weekday)}",
            f"trong {SETTINGS.conversation_idle_minutes} phút, thao tác tự hết hạn",
            f"tối đa {SETTINGS.max_upload_mb} MB",
        ],
    }


@pytest.mark.parametrize("slug", [WEEKLY, USAGE])
def test_the_guide_states_the_code_defaults(slug: str) -> None:
    text = _text(slug)
    missing = [phrase for phrase in _expected()[slug] if phrase not in text]
    assert not missing, f"{slug}.md no longer matches the defaults: {missing}"


@pytest.mark.parametrize("slug", [WEEKLY, USAGE])
def test_every_duration_and_size_in_the_guide_is_the_code_default(slug: str) -> None:
    text = _text(slug)
    assert {int(m) for m in re.findall(r"(\d+) phút", text)} <= {SETTINGS.conversation_idle_minutes}
    assert {int(m) for m in re.findall(r"(\d+) MB", text)} <= {SETTINGS.max_upload_mb}


@pytest.mark.parametrize("slug", [WEEKLY, USAGE])
def test_every_command_the_guide_names_exists(slug: str) -> None:
    router = Router()
    register(router)
    known = set(router.commands) | CANCEL_COMMANDS  # /huy is the dispatcher's own
    named = set(re.findall(r"(?<![\w/])/([a-z_]+)\b", _text(slug)))
    assert named and named <= known, named - known


@pytest.mark.parametrize(("slug", "claim"), [
    (WEEKLY, "Thứ Năm, 15 giờ"),  # the nudges are on the check-in day
    (WEEKLY, "Thứ Sáu, 9 giờ"),
    (WEEKLY, "30 phút"),
    (WEEKLY, "chiều thứ Năm"),
    (WEEKLY, "Sau hạn, báo cáo không sửa được"),  # /suabaocao works after the cut-off
    (WEEKLY, "hạn báo cáo chuyển về ngày làm việc liền trước"),  # the cut-off does not move
    (USAGE, "trước 3 ngày làm việc"),
    (USAGE, "chiều thứ Năm"),
    (USAGE, "mà không lưu gì"),  # /huy keeps the draft
    (USAGE, "gửi bảng nhiệm vụ dạng"),  # there is no chat import of plans
    (USAGE, "Trên Zalo không có nút bấm"),
    (USAGE, "cắt gọn"),  # answers show whole sections, paged
    (USAGE, "gõ \"chua dung\""),
])
def test_claims_that_were_wrong_are_gone(slug: str, claim: str) -> None:
    assert claim not in _text(slug)


def test_the_example_invitation_code_has_the_real_shape() -> None:
    (code,) = re.findall(r"/start ([A-Z0-9]+)\.", _text(USAGE))
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
