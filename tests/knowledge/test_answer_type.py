"""Questions that ask for a time, and passages that state one (knowledge/answer_type.py)."""

from __future__ import annotations

import pytest

from knowledge.answer_type import asks_about_money, asks_for_time, speaks_of_money, states_time
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


@pytest.mark.parametrize(
    "question",
    [
        "Tổ trưởng tổ dân phố được trả thù lao bao nhiêu một tháng?",
        "to truong to dan pho duoc tra thu lao bao nhieu mot thang",
        "Cán bộ trực Tết có được hưởng phụ cấp không?",
        "Chi phí thuê đường truyền Internet lấy từ ngân sách nào?",
        "Đăng ký tài khoản có mất phí không?",
        "Người đi tập huấn có được bồi dưỡng tiền ăn không?",
        "Vượt đèn đỏ thì mức phạt là bao nhiêu?",
    ],
)
def test_questions_about_money(question: str) -> None:
    assert asks_about_money(_words(question))


@pytest.mark.parametrize(
    "question",
    [
        "Tiến độ số hóa hồ sơ đến đâu rồi?",  # "tiến" folds like "tiền"
        "Phương tiện nào được dùng để gửi hồ sơ?",
        "Tổ chức phi lợi nhuận có phải đăng ký không?",  # "phi", not "phí"
        "Dung lượng tệp đính kèm tối đa là bao nhiêu?",  # "lượng", not "lương"
        "Báo cáo tuần nộp trước mấy giờ?",
    ],
)
def test_questions_not_about_money(question: str) -> None:
    assert not asks_about_money(_words(question))


@pytest.mark.parametrize(
    "text",
    [
        "Mức chi 50.000 đồng mỗi buổi, từ nguồn ngân sách xã.",
        "Nhuận bút: tin 80.000 đồng, bài 150.000 đồng.",
        "Người dân thanh toán phí, lệ phí trực tuyến.",
        "Gói thầu dưới 30 triệu đồng được mua sắm trực tiếp.",
        "Kinh phí thực hiện",  # a heading is enough
        "Muc chi 50.000 dong moi buoi",  # a guide typed without diacritics
    ],
)
def test_passages_that_speak_of_money(text: str) -> None:
    assert speaks_of_money(text)


@pytest.mark.parametrize(
    "text",
    [
        "Chủ tịch UBND xã quyết định thành lập Ban biên tập từ 03 đến 05 người.",
        "Tiến độ: hoàn thành trước ngày 30 tháng 9, báo cáo hằng tuần.",
        "Đường dây nóng 0259 555 1022, trực từ 7 giờ đến 21 giờ.",
        "Phương tiện đi lại do người dân tự bố trí.",
    ],
)
def test_passages_silent_about_money(text: str) -> None:
    assert not speaks_of_money(text)
