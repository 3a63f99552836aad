"""What the `troly` command line prints for administrators (its --help texts stay in English)."""

from __future__ import annotations

# ---------------------------------------------------------------- shared
FILE_NOT_FOUND = "Không tìm thấy tệp: {path}"

# ---------------------------------------------------------------- troly chat
CHAT_PROMPT = "Gõ câu hỏi (Ctrl+D để thoát).\n"

# ---------------------------------------------------------------- troly guides / ask
GUIDE_LINE = "{id:>3}  {slug:<40} v{version}  {status:<9} {passages:>3} đoạn  {title}"
GUIDE_NOT_FOUND = "Không tìm thấy hướng dẫn: {key}"
#: name of the text before a guide's first heading
GUIDE_OPENING_SECTION = "(mở đầu)"
GUIDE_WITHDRAWN = "Đã thu hồi: {title}"
NO_ANSWER = "Không tìm thấy câu trả lời trong các hướng dẫn."

# ---------------------------------------------------------------- troly officials / invite / report
NO_ACCOUNTS = "chưa gắn tài khoản"
UNIT_NOT_FOUND = "Không có đơn vị mã {code}."
OFFICIAL_NOT_FOUND = "Không có cán bộ mã {code}."
INVITATION_CODE = "Mã mời: {code} (hết hạn {expires})"
INVITATION_TELEGRAM = "Telegram: {link}"
INVITATION_HOW_TO_USE = "Zalo/web: gửi mã này cho trợ lý. Telegram: /start {code}"
FILE_WRITTEN = "Đã ghi {path}"

# ---------------------------------------------------------------- troly reminders preview / outbox
PREVIEW_LATE = " (muộn)"
PREVIEW_TOTAL = "{count} tin dự kiến gửi."
OUTBOX_EMPTY = "outbox trống"
