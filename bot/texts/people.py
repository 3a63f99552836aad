"""Joining (invitation codes), /moi, /lienket and /nhiemvu: user-facing strings."""

from __future__ import annotations

# ---------------------------------------------------------------- joining
HOW_TO_JOIN = (
    "Anh/chị chưa đăng ký tài khoản cán bộ. Để báo cáo tiến độ và nhận nhắc hạn, anh/chị xin "
    "mã mời từ quản trị viên hoặc lãnh đạo đơn vị, rồi gửi mã đó cho tôi (trên Telegram: "
    "/start <mã mời>). Trong lúc chờ, anh/chị vẫn có thể gõ câu hỏi để tra cứu hướng dẫn."
)
HOW_TO_JOIN_PRIVATE = (
    "Anh/chị chưa đăng ký tài khoản cán bộ. Anh/chị vui lòng xin mã mời từ quản trị viên hoặc "
    "lãnh đạo đơn vị, rồi gửi mã đó cho tôi (trên Telegram: /start <mã mời>)."
)
HOW_TO_JOIN_IN_GROUP = (
    "Để đăng ký tài khoản cán bộ, anh/chị vui lòng nhắn riêng cho tôi{link} và gửi mã mời ở đó — "
    "đừng gửi mã mời trong nhóm."
)
BOUND = (
    "Chào mừng {name}{unit}! Tài khoản {channel} này đã được gắn với hồ sơ cán bộ của anh/chị.\n"
    "Gõ /nhiemvu để xem nhiệm vụ, /baocao để báo cáo tiến độ tuần, /trogiup để xem các lệnh."
)
BOUND_UNIT = " ({unit})"
ALREADY_BOUND = "Tài khoản này đã được gắn với hồ sơ của {name}. Anh/chị không cần làm gì thêm."
#: unknown, used, expired and revoked codes get this one answer (a guess must learn nothing)
CODE_INVALID = (
    "Mã mời này không dùng được: mã không đúng, đã hết hạn, đã được sử dụng hoặc đã bị thu hồi. "
    "Anh/chị vui lòng kiểm tra lại (mã gồm 10 ký tự chữ và số; mã cấp trước đây có 8 ký tự) hoặc "
    "xin mã mới từ quản trị viên, lãnh đạo đơn vị."
)
TOO_MANY_ATTEMPTS = (
    "Anh/chị đã nhập mã mời không đúng nhiều lần. Vì lý do an toàn, anh/chị vui lòng thử lại "
    "sau {minutes} phút (từ {time})."
)
#: the client network's budget is spent (web chat: many wrong codes from one address, maybe an
#: office behind one connection): the person reading it may not have typed any of them
TOO_MANY_ATTEMPTS_NETWORK = (
    "Từ mạng Internet anh/chị đang dùng đã có nhiều lần nhập mã mời không đúng. Vì lý do an "
    "toàn, việc nhập mã mời từ mạng này tạm dừng; anh/chị vui lòng thử lại sau {minutes} phút "
    "(từ {time}), khi đó mã mời đúng vẫn dùng được."
)
ACCOUNT_TAKEN = (
    "Tài khoản này đã được gắn với hồ sơ của {name}, nên không dùng được mã mời nào khác. Nếu có "
    "nhầm lẫn, anh/chị vui lòng liên hệ quản trị viên."
)
#: a message shaped like an invitation code that cannot be one (handlers/registration.py)
CODE_NOT_RECOGNISED = (
    "Tôi chưa nhận ra \u201c{code}\u201d là mã mời. Mã mời gồm 10 ký tự, là chữ in hoa và chữ số "
    "(ví dụ K7QM2XPA9B; mã cấp trước đây có 8 ký tự), không có chữ O, I và số 0, 1. Anh/chị "
    "vui lòng kiểm tra lại mã, hoặc xin mã mời từ quản trị viên hoặc lãnh đạo đơn vị. Nếu "
    "anh/chị muốn hỏi về hướng dẫn, vui lòng gõ câu hỏi đầy đủ hơn."
)
CODE_BAD_FORMAT = (
    "Mã mời chỉ gồm chữ cái, chữ số, dấu gạch ngang hoặc gạch dưới (tối đa 64 ký tự). "
    "Anh/chị kiểm tra lại mã."
)

# ---------------------------------------------------------------- /moi and /lienket
INVITE_CREATED = (
    "Đã tạo mã mời cho {who} — {unit}, vai trò: {role}.\n"
    "Mã mời: {code} (dùng một lần, hết hạn lúc {expires}).\n"
    "Cách dùng: gửi mã này cho trợ lý trên Zalo hoặc trang web; trên Telegram gửi /start {code}"
    "{link}"
)
INVITE_LINK = " hoặc bấm đường dẫn: {url}"
INVITE_SOMEONE = "người được mời"
INVITE_USAGE = (
    "Cách dùng: /moi [mã đơn vị] [vai trò] [thời hạn] Họ và tên — ví dụ: /moi Nguyễn Văn A, "
    "hoặc /moi SO-TTTT pho 48h Trần Thị B; cán bộ đã có trong danh sách (nhập cùng kế hoạch): "
    "/moi <mã cán bộ>, ví dụ /moi CB003. Vai trò: canbo (mặc định), pho, truong, quantri. "
    "Thời hạn tính bằng giờ, từ 1h đến {max_hours}h (mặc định {default_hours}h)."
)
#: how a validity in hours may be written after /moi: 48h, 48giờ, 48gio
HOURS_SUFFIXES = ("h", "giờ", "gio")
INVITE_BAD_HOURS = (
    "Thời hạn của mã mời không hợp lệ: số giờ hiệu lực phải lớn hơn 0 và không quá {max_hours} "
    "giờ (ví dụ: 48h)."
)
INVITE_ROLE_NOT_ALLOWED = "Lãnh đạo đơn vị chỉ mời được cán bộ hoặc cấp phó; vai trò khác do quản trị viên tạo."
INVITE_UNIT_NOT_ALLOWED = "Anh/chị chỉ mời được cán bộ vào đơn vị mình hoặc đơn vị trực thuộc."
#: an invitation with role head into a unit that has one (the import refuses the same)
INVITE_UNIT_HAS_HEAD = (
    "Đơn vị {unit} đang có trưởng đơn vị {name}{code}; mỗi đơn vị chỉ có một trưởng đơn vị. "
    "Nếu người này đã thôi giữ chức, hãy cập nhật vai trò mới hoặc trạng thái “Đã nghỉ” của họ "
    "(nhập lại danh sách cán bộ) rồi tạo mã mời mới."
)
INVITE_UNIT_HEAD_PENDING = (
    "Đơn vị {unit} đã có mã mời trưởng đơn vị {code}{who} chưa được dùng; mỗi đơn vị chỉ "
    "có một trưởng đơn vị. Nếu muốn mời người khác, hãy thu hồi mã đó trước (/mamoi hoặc "
    "troly invite revoke {code})."
)
#: a head's invitation used after the unit got a head (by import or another code): not bound
CODE_HEAD_TAKEN = (
    "Mã mời này dành cho trưởng đơn vị {unit}, nhưng đơn vị hiện đã có trưởng đơn vị {name}. "
    "Tài khoản chưa được liên kết; vui lòng liên hệ quản trị viên để được cấp mã mời mới."
)
INVITE_PENDING_FOR = " cho {name}"
INVITE_NO_UNIT = "Anh/chị chưa thuộc đơn vị nào; vui lòng ghi mã đơn vị: /moi <mã đơn vị> Họ và tên."
LINK_CREATED = (
    "Mã liên kết tài khoản của anh/chị: {code} (dùng một lần, hết hạn lúc {expires}).\n"
    "Để dùng trợ lý trên ứng dụng khác (Zalo, Telegram, web), anh/chị gửi mã này cho trợ lý từ "
    "ứng dụng đó (trên Telegram: /start {code}){link}."
)
ROLE_LABELS = {
    "official": "cán bộ", "deputy": "cấp phó", "head": "trưởng đơn vị", "admin": "quản trị viên",
}

# ---------------------------------------------------------------- /nhiemvu
NO_TASKS = "Anh/chị hiện không có nhiệm vụ nào đang thực hiện."
TASKS_HEADER = "Nhiệm vụ đang thực hiện ({count}), hạn gần nhất trước:"
TASK_ITEM = "{n}. [{code}] {title}\n   {when} · tiến độ {progress}%"
TASK_ITEM_SOURCE = "   {source}"
TASK_DEADLINE = "Hạn {deadline} ({left})"
TASK_NO_DEADLINE = "Thời hạn: {text}"
TASKS_MORE = "… và {count} nhiệm vụ khác."
TASKS_FOOTER = "Gõ /baocao để báo cáo tiến độ tuần này."

#: the name of an official who joins with an invitation that names nobody (and no display name)
DEFAULT_OFFICIAL_NAME = "Cán bộ"

# ---------------------------------------------------------------- linked apps and codes (revocation)
CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo", "web": "web", "console": "console"}
OWN_APPS_HEADER = "Các ứng dụng đang liên kết với hồ sơ của anh/chị ({count}):"
OWN_APP_ITEM = "{n}. {app}{current}{last}"
ACCOUNT_CURRENT = " (đang dùng)"
ACCOUNT_LAST = ", lần cuối {when}"
UNIT_ACCOUNTS_HEADER = "Tài khoản ứng dụng đang liên kết với cán bộ ({count}):"
UNIT_ACCOUNT_ITEM = "{n}. {name} — {app}{last}"
ACCOUNTS_MORE = "… và {count} tài khoản khác (quản trị viên xem đủ bằng lệnh troly accounts list)."
ACCOUNTS_FOOTER = "Bấm «Gỡ» để gỡ liên kết: ứng dụng đó mất quyền cán bộ ngay lập tức."
BUTTON_UNBIND = "Gỡ {n}"
ACCOUNT_NOT_YOURS = "Không tìm thấy tài khoản này trong danh sách anh/chị được quản lý."
UNBOUND = (
    "Đã gỡ liên kết {app} khỏi hồ sơ của {name}: ứng dụng đó không còn dùng được các chức năng "
    "cán bộ."
)
UNBOUND_MOVED = "{count} tin nhắc chờ gửi sẽ đến qua {app}."
UNBOUND_CANCELLED = "{count} tin chờ gửi tới ứng dụng đó đã được huỷ."
INVITES_HEADER = "Mã mời đang chờ dùng ({count}):"
INVITE_ITEM = "{n}. {code} — {who}, {unit}, {role}, hết hạn {expires}"
INVITES_MORE = "… và {count} mã khác."
INVITES_NONE = "Không có mã mời nào đang chờ dùng."
BUTTON_REVOKE = "Thu hồi {n}"
INVITE_REVOKED = "Đã thu hồi mã {code}: mã không còn dùng được."
INVITE_NOT_YOURS = "Không tìm thấy mã mời này trong các mã đang chờ dùng mà anh/chị quản lý."
