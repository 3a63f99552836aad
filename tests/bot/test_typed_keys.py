"""What each reader of typed names compares (pinned before they shared knowledge.normalize.fold_words):
case, diacritics (đ/Đ), white space of any kind, and each reader's own punctuation rule."""

from __future__ import annotations

import pytest

from bot import checkin_answers, periods
from bot.db import plan_store
from bot.imports.common import fold_key
from bot.messages import typed_name
from bot.small_talk import small_talk


@pytest.mark.parametrize(("text", "key"), [
    ("  Gửi  BÁO cáo ", "gui bao cao"),
    ("✓ Đã xong", "da xong"),
    ("Đã\u2713xong", "da xong"),
    ("Tiếp,\ttheo!", "tiep, theo!"),
    ("ĐƠN\u00a0VỊ\n", "don vi"),
    ("", ""),
])
def test_typed_name(text: str, key: str) -> None:
    assert typed_name(text) == key


@pytest.mark.parametrize(("text", "key"), [
    (" Họ\u00a0và  TÊN: ", "ho va ten"),
    ("*Đơn vị*", "don vi"),
    ("Mã. số:", "ma. so"),
    ("Đầu mối, phối hợp", "dau moi, phoi hop"),
    ("✓ Tên", "✓ ten"),
    (" : ", ""),
])
def test_fold_key(text: str, key: str) -> None:
    assert fold_key(text) == key


def test_plan_handles_read_through_the_key() -> None:
    assert plan_store.looks_like_plan(" KẾ   HOẠCH số 286 ")
    assert plan_store.looks_like_plan("Đ KH286") is False
    assert plan_store.plan_number("Kế hoạch\u00a0SỐ 286/KH-BTTTT") == "286"
    assert plan_store.plan_number("  286 /  KH-BTTTT") == "286"


@pytest.mark.parametrize(("text", "key"), [
    ("Quý I,2026", "quy i 2026"),
    ("  THÁNG\u00a03 , năm 2026", "thang 3 nam 2026"),
    ("Tuần 49/2026", "tuan 49/2026"),
])
def test_period_keys(text: str, key: str) -> None:
    assert periods._key(text) == key


@pytest.mark.parametrize(("text", "key"), [
    ("80%", "80 %"),
    (" Khoảng  80 PHẦN TRĂM ", "khoang 80 phan tram"),
    ("Đạt%%", "dat % %"),
    ("Không có.", "khong co."),
])
def test_checkin_answer_keys(text: str, key: str) -> None:
    assert checkin_answers._key(text) == key


def test_checkin_answers_read_through_the_key() -> None:
    assert checkin_answers.parse_percent("Đạt 80%") == 80
    assert checkin_answers.parse_percent("tám mươi lăm phần trăm") == 85
    assert checkin_answers.is_none_answer(" KHÔNG  có! ")
    assert checkin_answers.parse_status("Chậm\u00a0tiến độ.") == "late"


@pytest.mark.parametrize(("text", "kind"), [
    ("Xin-chào!!!", "greeting"), ("Cảm…ơn", "thanks"), ("ĐÃ\u00a0NHẬN", "ack"),
    ("ok.ok", "ack"), ("c.ơn", "thanks")])
def test_small_talk_reads_punctuation_as_spaces(text: str, kind: str) -> None:
    assert small_talk(text) == kind
