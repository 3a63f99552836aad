"""Leave (/nghiphep, `troly leave`): every user-facing string (Vietnamese)."""

from __future__ import annotations

CMD_LEAVE = "Báo nghỉ phép từ ngày … đến ngày …: tạm dừng nhắc việc"
DATES_UNREADABLE = (
    "Chưa hiểu ngày nghỉ \u201c{text}\u201d. Ví dụ: 21/12 - 25/12, từ 21/12 đến 25/12/2026, "
    "21-25/12, mai, hoặc một ngày 21/12."
)
END_BEFORE_START = "Ngày kết thúc nghỉ phải sau ngày bắt đầu."
TOO_LONG = "Mỗi lần báo nghỉ tối đa {days} ngày; anh/chị vui lòng kiểm tra lại năm."
IN_THE_PAST = "Thời gian nghỉ này đã qua lâu; không cần ghi nhận nữa."
ASK_DATES = (
    "Anh/chị nghỉ từ ngày nào đến ngày nào? Ví dụ: 21/12 - 25/12 (có thể ghi thêm lý do sau). "
    "Gõ /huy để dừng."
)
CURRENT_HEADER = "Nghỉ phép đã ghi nhận:"
CURRENT_ITEM = "• {start} – {end}{note}"
NOTE = " ({note})"
CONFIRM = (
    "Xác nhận {who} nghỉ từ {start} đến {end} ({days} ngày)?\n"
    "Trong thời gian này troly tạm dừng nhắc việc và lời mời báo cáo gửi {whom}."
)
CONFIRM_HEAD = " Các bản tổng hợp của {unit} sẽ gửi cho {deputies}."
CONFIRM_HEAD_ALONE = " {unit} chưa có cấp phó nên bản tổng hợp vẫn gửi cho {whom}."
#: after the confirmation (its first question when the dates came with the command)
CONFIRM_STOP = "\nGõ /huy để dừng."
WHO_SELF = "anh/chị"
BTN_CONFIRM = "Xác nhận"
RECORDED = "Đã ghi nhận nghỉ phép từ {start} đến {end}. Gõ /nghiphep huy nếu có thay đổi."
RECORDED_FOR = "Đã ghi nhận {name} nghỉ phép từ {start} đến {end}."
NOTHING_TO_CANCEL = "Không có kỳ nghỉ nào đang hoặc sắp diễn ra để huỷ."
CANCELLED_LEAVE = "Đã huỷ kỳ nghỉ {start} – {end}; nhắc việc hoạt động lại bình thường."
OFFICIAL_NOT_YOURS = "Không tìm thấy cán bộ mã \u201c{code}\u201d trong đơn vị anh/chị phụ trách."
STOPPED = "Đã dừng, chưa ghi nhận nghỉ phép nào."
EXPIRED = "Phiên báo nghỉ phép đã hết thời gian chờ; chưa ghi nhận gì. Gõ /nghiphep để bắt đầu lại."
STALE_BUTTON = "Phiên báo nghỉ phép này đã kết thúc. Gõ /nghiphep để báo nghỉ."
CHOOSE_ABOVE = "Anh/chị vui lòng bấm Xác nhận, hoặc gõ lại ngày nghỉ."
#: words after /nghiphep that withdraw the current or next leave (folded)
CANCEL_VOCABULARY = frozenset({"huy", "cancel", "xoa"})
