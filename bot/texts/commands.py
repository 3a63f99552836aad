"""Descriptions of the chat commands (shown by /trogiup and in the Telegram command menu)."""

from __future__ import annotations

START = "Bắt đầu, đăng ký bằng mã mời"
HELP = "Xem các lệnh"
ASK = "Hỏi về hướng dẫn nghiệp vụ"
GUIDES = "Xem danh sách hướng dẫn"
WITHDRAW = "Thu hồi một hướng dẫn"
UNANSWERED = "Xem câu hỏi chưa có lời đáp"
CHECKIN = "Báo cáo tiến độ tuần"
EDIT_CHECKIN = "Sửa báo cáo tuần này"
PROGRESS = "Xem tiến độ tuần của đơn vị (hoặc của mình)"
EXPORT = "Xuất báo cáo tiến độ tuần/tháng (.xlsx hoặc văn bản .docx)"
INVITE = "Tạo mã mời cán bộ"
LINK = "Dùng trợ lý trên ứng dụng khác (Zalo, Telegram, web)"
LOGOUT = "Đăng xuất: huỷ liên kết trò chuyện này với anh/chị"
TASKS = "Xem nhiệm vụ đang thực hiện"
