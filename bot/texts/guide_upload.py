"""Texts of the chat upload of a guide: what the file holds, the choices (units that must apply
it, roles, validity, the older guide it replaces) and the confirmation before it is stored."""

from __future__ import annotations

# ---------------------------------------------------------------- the summary (before storing)

SUMMARY_FILE = (
    "Tệp \u201c{file}\u201d: hướng dẫn \u201c{title}\u201d ({sections} mục, {passages} đoạn tra "
    "cứu). Chưa lưu."
)
SUMMARY_SOURCE = "Căn cứ: {source}"
SUMMARY_NEW_VERSION = (
    "Đã có hướng dẫn cùng tên{state} (phiên bản {version}, tệp \u201c{old_file}\u201d): tệp này "
    "sẽ là phiên bản mới của hướng dẫn đó; phiên bản cũ vẫn được lưu. Nếu không muốn thay, bấm "
    "\u201cHuỷ\u201d."
)
SUMMARY_VALIDITY = "\u2022 Hiệu lực: {validity}"
VALIDITY_FROM = "từ {day}"
VALIDITY_UNTIL = "đến hết {day}"
VALIDITY_NONE = "từ khi lưu, không thời hạn"
FROM_DOCUMENT = " (theo văn bản)"
AS_BEFORE = " (như phiên bản trước)"
SUMMARY_REPLACES = "\u2022 Thay thế hướng dẫn: {title}"
REPLACES_NONE = "không"
SUMMARY_AUDIENCE = "\u2022 Gửi thông báo tới: {audience}"
AUDIENCE_ROLES = " \u2014 chỉ {roles}"
AUDIENCE_NONE = "không gửi"
AUDIENCE_ALL = "tất cả đơn vị"
AUDIENCE_AS_BEFORE = "{audience} (như phiên bản trước)"
AUDIENCE_UNIT = "{name} ({code})"
SUMMARY_ASK = (
    "Bấm \u201c{save}\u201d để lưu, hoặc bấm các nút còn lại để đặt thêm trước khi lưu. Bấm "
    "\u201cHuỷ\u201d hoặc gõ /huy để bỏ tệp này."
)
BUTTON_SAVE = "Lưu"
BUTTON_SAVE_AND_SEND = "Lưu và gửi thông báo"
BUTTON_UNITS = "Đơn vị nhận"
BUTTON_DATES = "Thời gian hiệu lực"
BUTTON_REPLACES = "Thay thế hướng dẫn cũ"
BUTTON_CANCEL = "Huỷ"
OLD_MESSAGE = "Nút này thuộc một tin nhắn cũ. Vui lòng dùng tin nhắn mới nhất bên dưới."
CHOOSE_ABOVE = "Vui lòng bấm một nút bên dưới (hoặc gõ /huy để bỏ tệp này)."

# ---------------------------------------------------------------- units and roles

UNITS_ASK = (
    "Gõ tên hoặc mã các đơn vị phải áp dụng hướng dẫn, cách nhau bằng dấu phẩy (ví dụ: "
    "{example}); gõ không dấu cũng được. Số gõ ở bước này là mã đơn vị. Đơn vị cấp dưới được "
    "gửi kèm."
)
UNITS_NONE_TYPED = "Chưa thấy tên hay mã đơn vị nào trong tin nhắn."
UNIT_PICK_ASK = (
    "Có nhiều đơn vị khớp với \u201c{typed}\u201d. Anh/chị chọn đơn vị nào? (Hoặc gõ tên đầy đủ "
    "hơn, hay mã đơn vị.)"
)
#: said after the units alike listed by number (Zalo: more than its five buttons): there a
#: typed number is a position, never a unit's code (the units step reads numbers as codes)
UNIT_PICK_TYPED = (
    "Gõ số thứ tự từ 1 đến {last} để chọn, hoặc gõ tên hay mã đơn vị. Ở bước này, số gõ vào "
    "là số thứ tự trong danh sách, không phải mã đơn vị."
)
UNIT_PICK_MORE = (
    " Còn {count} đơn vị khác cũng khớp: nếu không thấy đơn vị cần chọn, vui lòng gõ tên rõ hơn."
)
UNITS_KNOWN = "Mã đơn vị: {units}"
UNITS_MORE = " và {count} đơn vị khác"
UNITS_EMPTY = "Chưa có đơn vị nào trong hệ thống, nên chưa gửi thông báo được."
BUTTON_ALL_UNITS = "Tất cả đơn vị"
BUTTON_NO_AUDIENCE = "Không gửi thông báo"
ROLES_ASK = (
    "Gửi cho vai trò nào trong các đơn vị đã chọn? Bấm để chọn hoặc bỏ chọn, rồi bấm "
    "\u201cXong\u201d. Không chọn vai trò nào: gửi cho mọi cán bộ.\nĐã chọn: {chosen}"
)
ROLES_ALL = "mọi vai trò"
ROLE_BUTTONS = {"official": "Cán bộ", "head": "Trưởng đơn vị", "deputy": "Cấp phó",
                "admin": "Quản trị viên"}
ROLE_CHOSEN = "\u2713 {label}"
BUTTON_DONE = "Xong"

# ---------------------------------------------------------------- validity

EFFECTIVE_ASK = (
    "Gõ ngày hướng dẫn bắt đầu có hiệu lực (ví dụ: 01/01/2027 hoặc 1-1-2027).{document}"
)
UNTIL_ASK = (
    "Gõ ngày cuối cùng hướng dẫn còn hiệu lực (ví dụ: 31/12/2027); sau ngày đó hướng dẫn tự "
    "thu hồi.{document}"
)
DOCUMENT_SAYS = " Văn bản ghi: {day}."
DOCUMENT_SAYS_NOTHING = " Văn bản không ghi ngày này."
UNTIL_PAST = (
    "Ngày {day} đã qua: hướng dẫn sẽ hết hiệu lực ngay khi lưu và không được dùng để trả lời. "
    "Vui lòng gõ một ngày từ hôm nay ({today}) trở đi."
)
BUTTON_AS_DOCUMENT = "Theo văn bản"
BUTTON_NO_DATE = "Không đặt"

# ---------------------------------------------------------------- the guide replaced

REPLACES_ASK = (
    "Hướng dẫn này thay thế hướng dẫn cũ nào? Hướng dẫn cũ vẫn được lưu nhưng không còn được "
    "dùng để trả lời từ ngày hướng dẫn mới có hiệu lực. Chọn bên dưới, hoặc gõ mã hướng dẫn "
    "(xem bằng /huongdan)."
)
REPLACES_NONE_SIMILAR = (
    "Không có hướng dẫn nào tên gần giống. Gõ mã hướng dẫn (xem bằng /huongdan), hoặc bấm "
    "\u201cKhông thay thế\u201d."
)
REPLACES_DOCUMENT_SAYS = (
    "Văn bản ghi là thay thế \u201c{title}\u201d: bấm \u201cTheo văn bản\u201d để giữ, hoặc "
    "\u201cKhông thay thế\u201d nếu không đúng."
)
#: each guide offered, in the message (its whole title) and on its button (clipped)
REPLACES_OPTION = "{number}. {title}"
REPLACES_BUTTON = "{number}. {title}"
BUTTON_NO_REPLACE = "Không thay thế"
REPLACES_ITSELF = "Không thể chọn chính hướng dẫn này. Vui lòng chọn hướng dẫn khác."

# ---------------------------------------------------------------- outcome

SENT = "Đã lên lịch thông báo tới {count} cán bộ của: {units}."
CANCELLED = "Đã huỷ: tệp \u201c{file}\u201d không được lưu, không có gì thay đổi."
EXPIRED = (
    "Tệp \u201c{file}\u201d chưa được lưu vì đã quá thời gian chờ. Vui lòng gửi lại tệp nếu vẫn "
    "cần."
)
GONE = "Tệp này không còn chờ lưu (đã quá hạn hoặc đã được xử lý). Vui lòng gửi lại tệp."
STALE_BUTTON = "Lựa chọn này không còn hiệu lực. Nếu cần, vui lòng gửi lại tệp hướng dẫn."
TITLE_TAKEN_MEANWHILE = (
    "Trong lúc chờ, một hướng dẫn cùng tên đã được thêm. Vui lòng xem lại trước khi lưu."
)
NEW_VERSION_MEANWHILE = (
    "Trong lúc chờ, hướng dẫn này đã có phiên bản mới hơn. Vui lòng xem lại trước khi lưu."
)
PREVIOUS_DROPPED = "Tệp \u201c{file}\u201d gửi trước đó chưa được lưu và đã được bỏ."
