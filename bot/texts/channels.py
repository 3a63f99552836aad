"""Texts the Telegram adapter sends itself (outside the core's handlers)."""

from __future__ import annotations

UNSUPPORTED_MESSAGE = (
    "Xin lỗi, tôi chỉ đọc được tin nhắn chữ và tệp hướng dẫn (.docx, .pdf, .md, .txt). "
    "Anh/chị vui lòng gõ câu hỏi bằng chữ."
)
FILE_DOWNLOAD_FAILED = (
    "Xin lỗi, tôi chưa tải được tệp \u201c{file}\u201d từ Telegram. "
    "Anh/chị vui lòng gửi lại sau ít phút."
)
#: text of a message that has only buttons (Telegram needs some text)
CHOOSE = "Mời anh/chị chọn:"

# ---------------------------------------------------------------- console (`troly chat`)
#: printed under a message for each file it carries (a terminal cannot show the file)
CONSOLE_ATTACHMENT = "[tệp đính kèm: {file}]"
