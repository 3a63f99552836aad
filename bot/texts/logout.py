"""Logging out of a chat (handlers/logout.py)."""

from __future__ import annotations

LOGGED_OUT = (
    "Đã đăng xuất. Trò chuyện này không còn liên kết với {name}: nhắc việc, báo cáo và tệp sẽ "
    "không gửi đến đây nữa. Để dùng lại, anh/chị vui lòng nhập một mã mời mới (lấy bằng /lienket "
    "trên ứng dụng khác, hoặc nhờ lãnh đạo đơn vị, quản trị viên).")
NOT_LOGGED_IN = "Trò chuyện này chưa liên kết với cán bộ nào, anh/chị không cần đăng xuất."
