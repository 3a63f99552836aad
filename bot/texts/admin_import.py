"""Admins without a shell: importing plan files sent in chat, and inviting officials who already
exist (`troly invite --official`, `/moi CB003`) instead of creating a second person of the same name."""

from __future__ import annotations

# ---------------------------------------------------------------- invitations (CLI and /moi)
CLI_DUPLICATE_NAME = (
    "Đơn vị {unit} đã có cán bộ \u201c{name}\u201d: {matches}. Chưa tạo mã mời.\n"
    "Mời đúng người đã có: troly invite --official MÃ_CÁN_BỘ. "
    "Nếu là người khác trùng tên, thêm --new để tạo người mới."
)
CLI_MATCH = "{code} ({title})"
NO_CODE = "chưa có mã cán bộ"
CLI_UNIT_MISMATCH = "Cán bộ {code} thuộc đơn vị {official_unit}, không phải {unit}; bỏ --unit hoặc sửa lại."
CLI_ROLE_MISMATCH = "Cán bộ {code} có vai trò {official_role}, không phải {role}; bỏ --role hoặc sửa vai trò khi nhập danh sách cán bộ."
CLI_OFFICIAL_INACTIVE = "Cán bộ {code} đã nghỉ hoặc chuyển công tác; không tạo mã mời."
CLI_NAME_WITH_OFFICIAL = "--name không dùng cùng --official (tên lấy từ hồ sơ cán bộ {code})."
CLI_INVITED_OFFICIAL = "Mã mời gắn với cán bộ {code} — {name}: dùng mã này, tài khoản chat sẽ gắn vào hồ sơ đã có (cùng nhiệm vụ)."

INVITE_EXISTING_CREATED = (
    "Đã tạo mã mời cho {name} ({code_label}) — {unit}, vai trò: {role}. Mã gắn với hồ sơ cán bộ "
    "đã có, cùng các nhiệm vụ được giao.\n"
    "Mã mời: {code} (dùng một lần, hết hạn lúc {expires}).\n"
    "Cách dùng: gửi mã này cho trợ lý trên Zalo hoặc trang web; trên Telegram gửi /start {code}"
    "{link}"
)
INVITE_OFFICIAL_NOT_ALLOWED = (
    "Anh/chị không mời được cán bộ mã {code}: chỉ mời được cán bộ cấp dưới trong đơn vị mình "
    "hoặc đơn vị trực thuộc."
)
INVITE_OFFICIAL_INACTIVE = "Cán bộ mã {code} đã nghỉ hoặc chuyển công tác; không tạo mã mời."
INVITE_NO_SUCH_CODE = (
    "Không có cán bộ nào mã {code}; chưa tạo mã mời.{suggestions}\n"
    "Mời cán bộ đã có: /moi MÃ_CÁN_BỘ. Mời người mới: /moi Họ và tên."
)
INVITE_CODE_SUGGESTIONS = "\nCó phải anh/chị định gõ: {codes}?"
INVITE_CODE_SUGGESTION = "{code} ({name})"
DUPLICATE_NAME_QUESTION = (
    "{unit} đã có cán bộ tên \u201c{name}\u201d:\n{matches}\n"
    "Nếu đó là người anh/chị muốn mời, bấm tên người đó: mã mời sẽ gắn với hồ sơ đã có (cùng các "
    "nhiệm vụ được giao). Nếu là người khác trùng tên, bấm \u201cTạo người mới\u201d."
)
DUPLICATE_MATCH_LINE = "• {name} — {code_label}{title}"
DUPLICATE_MATCH_TITLE = ", {title}"
BUTTON_INVITE_EXISTING = "Mời {name} ({code_label})"
BUTTON_INVITE_NEW = "Tạo người mới"
INVITE_CHOICE_GONE = "Lựa chọn này không còn hiệu lực. Anh/chị gõ lại /moi nếu vẫn cần mời."

# ---------------------------------------------------------------- plan files sent in chat
UNKNOWN_TABLE = (
    "không nhận ra bảng trong tệp: cần một dòng tiêu đề của danh sách đơn vị (Mã đơn vị, Tên "
    "đơn vị), danh sách cán bộ (Mã cán bộ, Họ và tên, Mã đơn vị) hoặc bảng nhiệm vụ của kế hoạch "
    "(Mã nhiệm vụ, Nhiệm vụ, Đơn vị chủ trì, Thời hạn)"
)
KIND_LABELS = {
    "units": "danh sách đơn vị",
    "officials": "danh sách cán bộ",
    "tasks": "bảng nhiệm vụ",
}
ITEM_LABELS = {"units": "đơn vị", "officials": "cán bộ", "tasks": "nhiệm vụ"}
PREVIEW_HEADER = "Xem trước tệp {file} — {kind}{subject}. Chưa có gì được ghi."
SUBJECT = " của {subject}"
DONE_HEADER = "Đã nhập tệp {file} — {kind}{subject}."
PREVIEW_CREATED = "Thêm mới {count} {item}:"
PREVIEW_UPDATED = "Thay đổi {count} {item}:"
DONE_CREATED = "Đã thêm {count} {item}:"
DONE_UPDATED = "Đã cập nhật {count} {item}:"
UNCHANGED = "Không đổi: {count} {item}."
NOT_IN_FILE = (
    "Có trong hệ thống nhưng không có trong tệp ({count}, giữ nguyên, không xoá): {codes}"
)
REJECTED_HEADER = "Dòng bị từ chối ({count}, không nhập):"
REJECTED_LINE = "• {error}"
CREATED_LINE = "+ {item}"
UPDATED_LINE = "~ {code}: {columns}"
MORE = "… và {count} mục khác"
PREVIEW_ASK = (
    "Bấm \u201cNhập\u201d để ghi đúng các thay đổi trên (tệp được giữ {hours} giờ), hoặc "
    "\u201cHuỷ\u201d. Các dòng bị từ chối có thể sửa rồi gửi lại tệp sau."
)
NOTHING_TO_IMPORT = "Không có gì để nhập: tệp không thêm hay thay đổi gì."
BUTTON_IMPORT = "Nhập"
BUTTON_CANCEL = "Huỷ"
ONLY_ADMINS_IMPORT = (
    "Chỉ quản trị viên mới nhập được danh sách đơn vị, cán bộ hay bảng nhiệm vụ. Anh/chị vui "
    "lòng gửi tệp cho quản trị viên của đơn vị."
)
FILE_TOO_LARGE = (
    "Tệp {file} lớn hơn {limit} MB nên trợ lý không nhận. Anh/chị vui lòng chia thành các tệp "
    "nhỏ hơn."
)
FILE_REJECTED = "Không nhập được tệp {file}; chưa có gì được ghi:\n{reasons}"
OLD_EXCEL = (
    "Tệp {file} là định dạng Excel cũ (.xls) hoặc bảng tính khác mà trợ lý chưa đọc được. Anh/chị "
    "vui lòng mở tệp và lưu lại dưới dạng .xlsx (Excel Workbook) hoặc .csv (UTF-8), rồi gửi lại."
)
PLAN_UNKNOWN = (
    "chưa biết bảng nhiệm vụ thuộc kế hoạch nào: anh/chị ghi một dòng \u201cKế hoạch số "
    "286/KH-BTTTT …\u201d phía trên dòng tiêu đề của bảng rồi gửi lại"
)
CHOICE_GONE = (
    "Tệp này không còn chờ nhập (đã nhập, đã huỷ, quá hạn, hoặc do người khác gửi). Anh/chị gửi "
    "lại tệp nếu vẫn cần nhập."
)
CANCELLED = "Đã huỷ, không nhập tệp {file}."
CHANGED_SINCE = (
    "Dữ liệu trong hệ thống đã thay đổi kể từ lúc xem trước, nên trợ lý chưa nhập tệp {file}. "
    "Dưới đây là bản xem trước mới."
)

# ---------------------------------------------------------------- files sent from the web chat
WEB_BAD_FILE_NAME = "Thiếu hoặc sai tên tệp (X-File-Name)."
HELP_SEND_FILES = (
    "Gửi tệp (quản trị viên): hướng dẫn .docx, .pdf, .md, .txt được xem trước, có thể chọn đơn "
    "vị nhận, thời gian hiệu lực, hướng dẫn được thay thế, bấm \u201cLưu\u201d mới ghi; bảng "
    ".xlsx, .csv (danh sách đơn vị, cán bộ hoặc bảng nhiệm vụ của kế hoạch) được xem trước, bấm "
    "\u201cNhập\u201d mới ghi."
)
