"""Texts of guide validity, audiences, announcements, acknowledgements and sharing."""

from __future__ import annotations

# ---------------------------------------------------------------- validity marks

NOT_YET = "chưa có hiệu lực, áp dụng từ {day}"
EXPIRED = "hết hiệu lực từ {day}"
REPLACED_BY = "đã được thay thế bởi \u201c{title}\u201d"
#: a guide withdrawn whose dates alone would still be in force (bot/kb_loop.py)
WITHDRAWN = "đã được thu hồi"
IN_FORCE_FROM = "có hiệu lực từ {day}"
IN_FORCE_UNTIL = "có hiệu lực đến hết {day}"
MARK = " \u2014 {marks}"
SECTION_NOTE = "\u26a0\ufe0f Lưu ý: hướng dẫn này {marks}."
GUIDE_EXPIRED = (
    "Hướng dẫn \u201c{title}\u201d {marks}, không còn được dùng để trả lời. Gõ /huongdan để "
    "xem các hướng dẫn đang áp dụng."
)
LIST_EXPIRED_ITEM = "\u2022 {title}{ref} \u2014 {marks}"

# ---------------------------------------------------------------- audience (admin, after upload)

AUDIENCE_ASK = (
    "Gửi hướng dẫn này cho: {chosen}\n"
    "Chọn đơn vị (bấm lần nữa để bỏ chọn; đơn vị cấp dưới được gửi kèm), rồi bấm "
    "\u201cGửi thông báo\u201d."
)
#: said after the units listed by number (Zalo: more choices than its five buttons); "Gửi thông
#: báo" and "Không gửi" have no number (a number one too high, or a unit's code, must not send)
AUDIENCE_TYPED = (
    "Gõ số thứ tự từ 1 đến {last} để chọn hoặc bỏ chọn (ví dụ: 2). Số gõ vào là số thứ tự "
    "trong danh sách, không phải mã đơn vị. Khi đã chọn xong, bấm nút \u201cGửi thông "
    "báo\u201d (hoặc gõ \u201cgửi thông báo\u201d)."
)
AUDIENCE_NONE_CHOSEN = "(chưa chọn đơn vị nào)"
AUDIENCE_ALL = "tất cả đơn vị"
BUTTON_ALL_UNITS = "Tất cả đơn vị"
BUTTON_SEND = "Gửi thông báo"
BUTTON_DONT_SEND = "Không gửi"
UNIT_CHOSEN = "\u2713 {name}"
AUDIENCE_SENT = (
    "Đã lên lịch thông báo hướng dẫn \u201c{title}\u201d tới {count} cán bộ của: {units}. "
    "Người chưa bấm \u201cĐã nắm\u201d sẽ được nhắc một lần sau 3 ngày làm việc."
)
AUDIENCE_EMPTY = "Chưa chọn đơn vị nào. Vui lòng chọn ít nhất một đơn vị, hoặc bấm \u201cKhông gửi\u201d."
AUDIENCE_SKIPPED = "Đã ghi nhận: không gửi thông báo về hướng dẫn \u201c{title}\u201d."
AUDIENCE_GONE = "Lựa chọn này không còn hiệu lực. Gõ /huongdan để xem danh sách."
NO_UNITS = "Chưa có đơn vị nào trong hệ thống, nên chưa gửi thông báo được."

# ---------------------------------------------------------------- announcement and reminder

ANNOUNCE_NEW = "\U0001f4d8 Hướng dẫn mới: \u201c{title}\u201d"
ANNOUNCE_UPDATED = "\U0001f4d8 Hướng dẫn được cập nhật (phiên bản {version}): \u201c{title}\u201d"
ANNOUNCE_REMIND = (
    "\U0001f514 Nhắc lại: anh/chị chưa xác nhận đã nắm hướng dẫn \u201c{title}\u201d "
    "(gửi ngày {day})."
)
ANNOUNCE_SOURCE = "Căn cứ: {source}"
ANNOUNCE_VALIDITY = "Hiệu lực: {validity}"
ANNOUNCE_REPLACES = "Thay thế: \u201c{title}\u201d"
ANNOUNCE_SUMMARY = "Tóm tắt:"
ANNOUNCE_LINE = "\u2022 {line}"
ANNOUNCE_FOOTER = "Bấm \u201cĐọc\u201d để xem toàn văn, \u201cĐã nắm\u201d khi đã đọc."
BUTTON_READ = "Đọc"
BUTTON_ACK = "Đã nắm"
BUTTON_SHARE = "Chia sẻ"
EXPIRED_NOTICE = (
    "\U0001f4d5 Hướng dẫn \u201c{title}\u201d đã hết hiệu lực từ {day} và được thu hồi; troly "
    "không còn dùng hướng dẫn này để trả lời.{replacement}"
)
WITHDRAWN_NOTICE = (
    "\U0001f4d5 Hướng dẫn \u201c{title}\u201d đã được quản trị viên thu hồi từ ngày {day}; troly "
    "không còn dùng hướng dẫn này để trả lời.{replacement}"
)
EXPIRED_REPLACEMENT = " Hướng dẫn thay thế: \u201c{title}\u201d."

# ---------------------------------------------------------------- acknowledgement

ACK_THANKS = "Cảm ơn anh/chị. Đã ghi nhận anh/chị đã nắm hướng dẫn \u201c{title}\u201d."
ACK_ALREADY = "Anh/chị đã xác nhận đã nắm hướng dẫn \u201c{title}\u201d trước đó."
ACK_GONE = (
    "Thông báo này không còn hiệu lực (hướng dẫn đã được cập nhật hoặc thu hồi). Gõ /huongdan "
    "để xem hướng dẫn hiện hành."
)
ACK_HEADER = "Đã nắm hướng dẫn (phiên bản {version}, gửi {day}): {done}/{total} cán bộ."
ACK_UNIT_LINE = "\u2022 {unit}: {done}/{total}"
ACK_DONE = "Đã nắm: {names}"
ACK_PENDING = "Chưa xác nhận: {names}"
ACK_NOBODY = "—"
ACK_NOT_ANNOUNCED = "Hướng dẫn này chưa được gửi thông báo tới đơn vị nào."
PROGRESS_GUIDES_HEADER = "Hướng dẫn mới gửi đơn vị ({days} ngày qua), số cán bộ đã nắm:"
PROGRESS_GUIDE_LINE = "\u2022 \u201c{title}\u201d (gửi {day}): {done}/{total}{pending}"
PROGRESS_GUIDE_PENDING = " \u2014 chưa: {names}"
MORE_NAMES = " và {count} người khác"

# ---------------------------------------------------------------- sharing with citizens

SHARE_INTRO = (
    "Nội dung dưới đây viết cho người dân. Anh/chị có thể chuyển tiếp nguyên văn vào nhóm Zalo "
    "của thôn, tổ dân phố hoặc gia đình:"
)
SHARE_SOURCE = "Nguồn: {title}{ref}"
SHARE_NONE = (
    "Hướng dẫn \u201c{title}\u201d không có mục nào được đánh dấu để chia sẻ với người dân."
)
SHARE_NOT_IN_FORCE = (
    "Hướng dẫn \u201c{title}\u201d {marks}, nên không gửi bản tin cho người dân từ hướng dẫn "
    "này. Gõ /huongdan để xem các hướng dẫn đang áp dụng."
)
SHARE_USAGE = (
    "Cách dùng: /chiase <mã hướng dẫn>, hoặc gõ /huongdan, chọn hướng dẫn rồi bấm "
    "\u201cChia sẻ\u201d."
)
COMMAND_SHARE = "Bản tin cho người dân từ một hướng dẫn (để chuyển tiếp)"
