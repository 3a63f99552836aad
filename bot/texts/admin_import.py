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
    "Anh/chị không mời được cán bộ {name}: chỉ mời được cán bộ cấp dưới trong đơn vị mình hoặc "
    "đơn vị trực thuộc."
)
INVITE_OFFICIAL_INACTIVE = "Cán bộ {name} đã nghỉ hoặc chuyển công tác; không tạo mã mời."
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
