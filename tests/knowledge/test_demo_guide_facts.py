"""The bundled guides that describe troly say what troly does: their facts are read against the
code's defaults (schedule policy, settings, commands), so the two cannot drift apart again."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
import typer

from bot.chat_import import PENDING_IMPORT_TTL
from bot.cli import build_cli
from bot.clock import local_datetime
from bot.config import Settings
from bot.db.people_store import CODE_ALPHABET, CODE_LENGTH, LEGACY_CODE_LENGTH, looks_like_code
from bot.dispatcher import CANCEL_COMMANDS
from bot.router import Router
from bot.texts import admin_import as IMPORT_T
from handlers import register
from handlers.imports import TABLE_SUFFIXES
from knowledge.demo import demo_guides
from rules.cutoffs import DEFAULT_PERIOD_CUTOFF, ReportingRules, parse_period_cutoff
from rules.policy import Schedule
from rules.workdays import WorkCalendar
from scheduler.planner import week_day

WEEKLY = "bao-cao-tien-do-hang-tuan"
USAGE = "su-dung-troly"
TROLY_GUIDES = (WEEKLY, USAGE, "chuyen-doi-so-cap-xa")  # every demo guide that names a troly command
DAYS = {"mon": "thứ Hai", "tue": "thứ Ba", "wed": "thứ Tư", "thu": "thứ Năm", "fri": "thứ Sáu",
        "sat": "thứ Bảy", "sun": "Chủ nhật"}
DEFAULTS = Schedule()
SETTINGS = Settings(_env_file=None)


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


def _month_close() -> tuple[int, time]:
    return parse_period_cutoff(DEFAULT_PERIOD_CUTOFF)


def _expected() -> dict[str, list[str]]:
    cut_day, cut_at = _cutoff()
    close_day, close_at = _month_close()
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
            # months close on the 14th (Decree 09/2019/NĐ-CP); prompt, nudges, digest on that day
            f"từ ngày {close_day + 1} tháng trước đến ngày {close_day} của tháng báo cáo",
            f"Hạn chốt số liệu tháng là {_at(close_at)} ngày {close_day} hằng tháng",
            f"{_at(prompt)} sáng ngày chốt, troly gửi tin mời báo cáo tháng",
            f"được nhắc lúc {nudge_phrase}; {_at(DEFAULTS.digest_period_time)} cùng ngày",
            f"sau {_at(close_at)} ngày {close_day} hằng tháng",
            "tin mời, tin nhắc và hạn chốt cùng chuyển về ngày làm việc liền trước trong tuần",
            "vào cuộc trò chuyện với troly, xem trước rồi bấm \"Nhập\"",
            "nhập trên máy chủ bằng lệnh troly tasks import",
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
            f"Kỳ tháng chốt lúc {_at(close_at)} ngày {close_day} hằng tháng; tin mời báo cáo tháng "
            f"đến lúc {_at(prompt)} sáng ngày chốt",
            f"chỉ nhập khi chính người gửi bấm \"{IMPORT_T.BUTTON_IMPORT}\" (tệp được giữ "
            f"{int(PENDING_IMPORT_TTL.total_seconds() // 3600)} giờ)",
            "Chỉ quản trị viên nhập được qua tin nhắn",
            "Trên máy chủ có thể nhập bằng lệnh troly tasks import",
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


@pytest.mark.parametrize("slug", TROLY_GUIDES)
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
    (WEEKLY, "hạn chốt vẫn là 16 giờ thứ Sáu"),  # the cut-off moves off a holiday too
    (WEEKLY, "ngày 20 hằng tháng"),  # months close on the 14th
    (WEEKLY, "trước ngày 25"),
    (USAGE, "trước 3 ngày làm việc"),
    (USAGE, "chiều thứ Năm"),
    (USAGE, "mà không lưu gì"),  # /huy keeps the draft
    (USAGE, "chưa nhập được qua tin nhắn"),  # admins import tables in chat (handlers/imports.py)
    (WEEKLY, "chưa nhập được qua tin nhắn"),
    (USAGE, "Trên Zalo không có nút bấm"),
    (USAGE, "cắt gọn"),  # answers show whole sections, paged
    (USAGE, "gõ \"chua dung\""),
])
def test_claims_that_were_wrong_are_gone(slug: str, claim: str) -> None:
    assert claim not in _text(slug)


def test_the_example_invitation_code_has_the_real_shape() -> None:
    (code,) = re.findall(r"/start ([A-Z0-9]+)\.", _text(USAGE))
    # the example looks like a code issued today (CODE_LENGTH characters), not like the shorter
    # ones issued before 2026-12-03 that troly still accepts: an official comparing the code
    # received with the guide's example should not think theirs is wrong
    assert len(code) == CODE_LENGTH != LEGACY_CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert looks_like_code(code)


def test_no_demo_guide_shows_a_code_of_the_old_length() -> None:
    # any code-shaped word of LEGACY_CODE_LENGTH (letters and digits of the code alphabet) in a
    # guide troly ships is an example of the old codes
    for guide in demo_guides():
        text = guide.content.decode("utf-8")
        old = [w for w in re.findall(r"\b[A-Z0-9]+\b", text)
               if len(w) == LEGACY_CODE_LENGTH and looks_like_code(w)]
        assert not old, (guide.slug, old)


def test_the_holiday_example_is_what_the_scheduler_does() -> None:
    # The weekly guide's example: in the Tết week of 2027 (Thursday and Friday off) the prompt and
    # the cut-off are on Wednesday 03/02/2027.
    text = _text(WEEKLY)
    assert ("tin mời báo cáo đến lúc 8 giờ thứ Tư 03/02/2027 và hạn chốt là 16 giờ thứ Tư "
            "03/02/2027") in text
    calendar, monday = WorkCalendar(), date(2027, 2, 1)
    assert not calendar.is_working_day(date(2027, 2, 4)) and not calendar.is_working_day(date(2027, 2, 5))
    prompt_day = week_day(monday, DEFAULTS.checkin_weekday, DEFAULTS, calendar)
    assert prompt_day == date(2027, 2, 3) and DEFAULTS.checkin_time == time(8, 0)
    cut_day, cut_at = _cutoff()
    assert DEFAULTS.cutoff(monday, calendar) == local_datetime(date(2027, 2, 3), cut_at)
    rules = ReportingRules(calendar=calendar)
    assert rules.week_cutoff(monday) == local_datetime(date(2027, 2, 3), time(16, 0))


def test_the_month_runs_as_the_guide_says() -> None:
    # "từ ngày 15 tháng trước đến ngày 14 của tháng báo cáo", closing at 16:00 on the 14th.
    rules = ReportingRules(calendar=WorkCalendar())
    month = rules.period_of("month", date(2026, 11, 3))
    assert (month.start, month.end) == (date(2026, 10, 15), date(2026, 11, 14))
    close_day, close_at = _month_close()
    assert (close_day, close_at) == (14, time(16, 0))
    assert "month" in DEFAULTS.period_checkins


def test_plans_are_imported_the_two_ways_the_guides_name() -> None:
    cli = typer.main.get_command(build_cli())
    tasks = cli.commands["tasks"]  # type: ignore[attr-defined]
    assert "import" in tasks.commands
    # the chat import takes the same tables, from admins only
    assert {".xlsx", ".csv"} <= TABLE_SUFFIXES
    assert "Chỉ quản trị viên" in IMPORT_T.ONLY_ADMINS_IMPORT
