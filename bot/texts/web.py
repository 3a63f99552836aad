"""Errors of the web chat API (bot/web.py), shown by the chat page."""

from __future__ import annotations

BODY_TOO_LARGE = "Nội dung quá lớn."
#: POST /api/chat over its body limit (an API client: the page never sends a text that long)
MESSAGE_TOO_LARGE = (
    "Tin nhắn quá dài (tối đa {limit} ký tự) nên chưa được xử lý. Anh/chị vui lòng rút gọn, "
    "hoặc chia thành nhiều tin nhắn ngắn hơn.")
#: the page's count under the input box, shown as a message nears the limit (bot/static/chat.html;
#: {count} and {limit} filled in there, with dots: "3.950/4.000")
PAGE_COUNTER = "{count}/{limit} ký tự"
#: the page's notice when the text in the box is over the limit: it is not sent, and stays there
PAGE_TOO_LONG = (
    "Tin nhắn dài {count} ký tự, quá giới hạn {limit} ký tự nên chưa gửi. Anh/chị vui lòng rút "
    "gọn, hoặc chia thành nhiều tin nhắn.")
#: the page's notice when a request never reached the server (the text goes back in the box)
PAGE_OFFLINE = "Mất kết nối tới máy chủ. Anh/chị vui lòng thử lại."
#: asked before "Đăng xuất" in the page's header logs out: a mis-tap would end the login (and a
#: check-in in progress), and logging in again takes a new invitation code
PAGE_LOGOUT_CONFIRM = (
    "Anh/chị muốn đăng xuất? Sau khi đăng xuất, trò chuyện này không nhận nhắc việc nữa, việc "
    "đang làm dở (như báo cáo tuần) dừng lại, và muốn dùng lại phải có mã mời mới.")
NOT_JSON = "Dữ liệu gửi lên không phải JSON hợp lệ."
NOT_AN_OBJECT = "Dữ liệu gửi lên phải là một đối tượng JSON."
BAD_SESSION = "Thiếu hoặc sai mã phiên (session)."
TEXT_OR_BUTTON = "Cần đúng một trong hai trường: text hoặc button."
BAD_CURSOR = "Giá trị after phải là mã tin nhắn (số nguyên không âm)."
BAD_BUTTON = "Mã nút bấm không hợp lệ."
LOGIN_REQUIRED = (
    "Phiên đăng nhập của trò chuyện này đã kết thúc (đã đăng xuất, bị thu hồi hoặc lâu không "
    "dùng). Anh/chị vẫn có thể hỏi đáp; để nhận nhắc việc tại đây, vui lòng nhập mã mời mới.")
TOO_MANY_REQUESTS = (
    "Anh/chị gửi hơi nhanh; nội dung vừa gửi chưa được xử lý. Vui lòng chờ khoảng {seconds} giây "
    "rồi gửi lại.")
#: the client network's ceiling is spent (many people behind one address, or someone there
#: sending very fast): the person reading it may not have sent fast at all
TOO_MANY_REQUESTS_NETWORK = (
    "Hệ thống đang nhận rất nhiều yêu cầu từ mạng Internet anh/chị đang dùng. Vui lòng chờ "
    "khoảng {seconds} giây rồi gửi tiếp; nội dung anh/chị vừa gửi chưa được xử lý.")
FILE_NOT_FOUND = "Không tìm thấy tệp này (có thể đã quá hạn lưu giữ)."
FILE_FORBIDDEN = (
    "Liên kết tải tệp không hợp lệ, hoặc anh/chị chưa đăng nhập đúng trò chuyện đã nhận tệp. "
    "Vui lòng mở lại trang trò chuyện rồi bấm nút tải.")
FILE_LINK_EXPIRED = (
    "Liên kết tải tệp đã hết hạn. Vui lòng mở lại trang trò chuyện để nhận liên kết mới, hoặc "
    "yêu cầu xuất lại báo cáo.")

# ---------------------------------------------------------------- the file page (links sent on Zalo)
FILE_PAGE_TITLE = "Tải tệp"
FILE_PAGE_HEADING = "Tệp gửi cho anh/chị"
FILE_PAGE_SIZE = "Dung lượng: {size}"
FILE_PAGE_EXPIRES = "Liên kết dùng được đến {until}."
FILE_PAGE_BUTTON = "Tải xuống"
FILE_PAGE_NOTE = (
    "Tệp do Trợ lý nhắc việc gửi. Không chuyển liên kết này cho người khác: ai có liên kết "
    "đều tải được tệp cho đến khi liên kết hết hạn.")
FILE_PAGE_EXPIRED = (
    "Liên kết tải tệp đã hết hạn. Anh/chị vui lòng yêu cầu lại báo cáo trong Zalo "
    "(ví dụ gõ /xuatbaocao) để nhận liên kết mới.")
