"""Texts shown only on Zalo."""

from __future__ import annotations

#: body of a button message that has no text of its own
CHOOSE = "Anh/chị vui lòng chọn:"
#: body of the follow-up message carrying buttons 6–10, 11–15, …
MORE_OPTIONS = "Các lựa chọn khác:"
ATTACHMENT_NOT_SENT = (
    "Tệp \u201c{file}\u201d không gửi được qua Zalo (Zalo chỉ nhận tệp PDF, DOC, DOCX đến 5 MB "
    "và ảnh JPG, PNG đến 1 MB). Anh/chị vui lòng xem tệp này trên Telegram hoặc trang web của "
    "hệ thống."
)
FILE_DOWNLOAD_FAILED = (
    "Xin lỗi, tôi chưa tải được tệp \u201c{file}\u201d từ Zalo. Anh/chị vui lòng gửi lại sau ít phút."
)
