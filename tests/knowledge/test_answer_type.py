"""Questions that ask for a time, and passages that state one (knowledge/answer_type.py)."""

from __future__ import annotations

import pytest

from knowledge.answer_type import asks_for_time, states_time
from knowledge.normalize import fold, syllables


def _words(question: str) -> list[str]:
    return [fold(w) for w in syllables(question.lower())]


@pytest.mark.parametrize(
    "question",
    [
        "Hạn số hóa sổ khai sinh?",
        "Han so hoa so khai sinh?",
        "Mật khẩu mail bao lâu đổi?",
        "Lịch công tác phải đưa lên trang trước mấy giờ?",
        "Báo cáo tháng nộp trước ngày mấy?",
        "bao cao tuan nop truoc may gio thu may",
        "Thời hạn trả lời phản ánh là bao nhiêu ngày?",
        "Khi nào phải gửi báo cáo quý?",
        "Máy vi tính dùng được mấy năm thì được mua mới?",
    ],
)
def test_questions_asking_for_a_time(question: str) -> None:
    assert asks_for_time(_words(question))


@pytest.mark.parametrize(
    "question",
    [
        "Gia hạn chứng thư số thì mất phí bao nhiêu?",  # renewing, not a deadline
        "Chứng thư số hết hạn thì làm gì?",
        "Quyền hạn của Ủy ban thường vụ Quốc hội là gì?",
        "Khi hợp đồng chưa đến hạn mà chấm dứt thì có bồi thường không?",
        "Có hạn chế số lượng tài khoản không?",
        "Hạn mức chi nhuận bút một tháng?",
        "Mua 2 bộ máy tính có phải đấu thầu không?",  # "máy" is no "mấy"
        "Có bao nhiêu trình độ giáo dục nghề nghiệp?",  # a number is not a time
        "Văn thư ký hộ văn bản có được không?",
    ],
)
def test_questions_not_asking_for_a_time(question: str) -> None:
    assert not asks_for_time(_words(question))


@pytest.mark.parametrize(
    "text",
    [
        "Hoàn thành số hóa sổ khai sinh trước ngày 30 tháng 9.",
        "Trả lời trong 05 ngày làm việc.",
        "Điểm hỗ trợ mở từ 7 giờ 30 đến 11 giờ 30.",
        "Gửi báo cáo trước 15/6.",
        "Họp vào sáng thứ Hai.",
        "Báo cáo hằng quý.",
        "Hoan thanh truoc ngay 30 thang 9.",  # a passage without diacritics still states its dates
    ],
)
def test_passages_stating_a_time(text: str) -> None:
    assert states_time(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thứ tự ưu tiên: sổ khai sinh, sổ kết hôn, sổ khai tử.",  # "thứ tự" folds like "thứ tư"
        "Sổ đăng ký khai sinh đang lưu tại UBND cấp xã.",
        "Mỗi xã được cấp tối đa 03 tài khoản.",  # a number, not a time
        "Lập hồ sơ theo Mẫu số 05/CKS.",
    ],
)
def test_passages_stating_no_time(text: str) -> None:
    assert not states_time(text)
