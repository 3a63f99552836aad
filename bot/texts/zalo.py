"""Texts shown only on Zalo."""

from __future__ import annotations

#: body of a button message that has no text of its own
CHOOSE = "Anh/chị vui lòng chọn:"
#: body of the follow-up message carrying buttons 6–10, 11–15, …
MORE_OPTIONS = "Các lựa chọn khác:"
#: a button left out for the five-button limit, said as the command that does the same
#: ("Gõ /huy để huỷ."); `action` is the button's label, its first letter in lower case
TYPED_OPTION = "Gõ {command} để {action}."
ATTACHMENT_NOT_SENT = (
    "Tệp \u201c{file}\u201d không gửi được qua Zalo (Zalo chỉ nhận tệp PDF, DOC, DOCX đến 5 MB "
    "và ảnh JPG, PNG đến 1 MB). Anh/chị vui lòng xem tệp này trên Telegram hoặc trang web của "
    "hệ thống."
)
#: a file Zalo cannot carry (XLSX, or too big), sent as a link to troly's download page
FILE_LINK = (
    "📎 Tệp “{file}” (Zalo không gửi trực tiếp được loại tệp này): {url}\n"
    "Liên kết dùng được đến {until}."
)
FILE_DOWNLOAD_FAILED = (
    "Xin lỗi, tôi chưa tải được tệp \u201c{file}\u201d từ Zalo. Anh/chị vui lòng gửi lại sau ít phút."
)

# ---------------------------------------------------------------- inbound events troly cannot read
VOICE_NOT_SUPPORTED = (
    "Xin lỗi, tôi chưa hỗ trợ tin nhắn thoại, vui lòng gõ câu hỏi bằng chữ."
)
LINK_NOT_SUPPORTED = (
    "Cảm ơn anh/chị đã gửi đường liên kết. Tôi chưa mở được đường liên kết; anh/chị vui lòng gõ "
    "câu hỏi bằng chữ, hoặc gửi hướng dẫn dưới dạng tệp .docx, .pdf."
)
LOCATION_NOT_SUPPORTED = (
    "Cảm ơn anh/chị đã gửi vị trí. Tôi chưa dùng được thông tin vị trí; anh/chị vui lòng gõ câu "
    "hỏi bằng chữ."
)
BUSINESS_CARD_NOT_SUPPORTED = (
    "Cảm ơn anh/chị đã gửi danh thiếp. Tôi chưa đọc được danh thiếp; để mời đồng nghiệp dùng trợ "
    "lý, anh/chị vui lòng liên hệ quản trị viên của đơn vị để nhận mã mời."
)
SUBMIT_INFO_NOT_USED = (
    "Cảm ơn anh/chị. Trợ lý chưa dùng thông tin chia sẻ qua biểu mẫu của Zalo; để bắt đầu sử "
    "dụng, anh/chị vui lòng gõ mã mời do quản trị viên cung cấp, hoặc gõ câu hỏi bằng chữ."
)

# ---------------------------------------------------------------- the OA's persistent menu (items)
MENU_ASK = "Hỏi hướng dẫn"
MENU_TASKS = "Nhiệm vụ của tôi"
MENU_WEEKLY_REPORT = "Báo cáo tuần"
MENU_HELP = "Trợ giúp"

# ---------------------------------------------------------------- `troly zalo menu` (operators)
CLI_NOT_CONFIGURED = (
    "Zalo chưa được cấu hình: cần TROLY_ZALO_APP_ID, TROLY_ZALO_APP_SECRET và "
    "TROLY_ZALO_OA_SECRET_KEY (xem docs/zalo.md)."
)
CLI_MENU_HEADER = "Menu cố định của OA (mỗi mục gửi lệnh như người dùng gõ):"
CLI_MENU_ITEM = "  {title} → {command}"
CLI_MENU_REQUEST = "Lệnh --set gửi: POST {url}"
CLI_MENU_SET = "Đã cài menu OA: {count} mục."
CLI_MENU_REFUSED = (
    "Zalo không nhận yêu cầu cài menu ({error}). Địa chỉ API cài menu chưa được xác nhận "
    "(docs/zalo.md §7); anh/chị có thể cài menu thủ công trên oa.zalo.me với các mục ở trên."
)
