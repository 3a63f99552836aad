"""Grouping similar questions: accents, Telex, typos and word order aside; different questions apart."""

from __future__ import annotations

from knowledge.clustering import cluster, question_key, similar


def test_the_same_question_typed_differently_is_one_group() -> None:
    texts = ["Giá vàng hôm nay bao nhiêu một chỉ?", "gia vang hom nay bao nhieu mot chi",
             "giá vàng hôm nay bao nhiu 1 chỉ", "Gias vangf homo nay bao nhieeu mootj chir",
             "Ai ký giấy hẹn trả kết quả?"]
    assert cluster(texts) == [[0, 1, 2, 3], [4]]


def test_keys_fold_and_decode() -> None:
    assert question_key("Tổ CNSCĐ họp?") == "to cnscd hop"
    assert question_key("dduwowcj khoong") == "duoc khong"


def test_short_questions_must_match_closely() -> None:
    assert not similar(question_key("lệ phí"), question_key("lệ phí trước bạ xe máy"))
    assert similar(question_key("lệ phí?"), question_key("Lệ phí"))


def test_different_questions_about_one_topic_stay_apart() -> None:
    texts = ["Thời hạn trả lời phản ánh kiến nghị là bao lâu?",
             "Phản ánh kiến nghị trùng lặp thì xử lý thế nào?",
             "Ai phân loại phản ánh kiến nghị trên cổng?"]
    assert cluster(texts) == [[0], [1], [2]]


def test_empty_and_order() -> None:
    assert cluster([]) == []
    assert cluster(["", ""]) == [[0, 1]]
