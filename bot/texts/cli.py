"""What the `troly` command line prints for administrators (its --help texts stay in English)."""

from __future__ import annotations

# ---------------------------------------------------------------- shared
FILE_NOT_FOUND = "Không tìm thấy tệp: {path}"
#: a warning about one of the files added (several may be added at once)
ABOUT_FILE = "Tệp \u201c{file}\u201d: {warning}"
DATABASE_UNREACHABLE = (
    "Không kết nối được cơ sở dữ liệu {target}: {reason}. Vui lòng kiểm tra TROLY_DATABASE_URL và "
    "máy chủ cơ sở dữ liệu."
)
DB_REFUSED = "máy chủ từ chối kết nối (chưa chạy, hoặc sai địa chỉ/cổng)"
DB_UNKNOWN_HOST = "không tìm thấy máy chủ (sai tên máy)"
DB_TIMEOUT = "quá thời gian chờ máy chủ trả lời"
DB_AUTH = "sai tên đăng nhập hoặc mật khẩu"
DB_NO_DATABASE = "máy chủ chưa có cơ sở dữ liệu này"
DB_NOT_ACCEPTING = "máy chủ đang khởi động hoặc đã đủ số kết nối"
TEXT_UNREADABLE = "có ký tự không hợp lệ (lỗi mã hóa), vui lòng gõ lại."

# ---------------------------------------------------------------- troly run
UVLOOP_MISSING = (
    "TROLY_EVENT_LOOP=uvloop nhưng máy này chưa cài uvloop: cài gói uvloop, hoặc đặt "
    "TROLY_EVENT_LOOP=auto (dùng uvloop khi có) hay asyncio."
)

# ---------------------------------------------------------------- troly chat
CHAT_PROMPT = "Gõ câu hỏi (Ctrl+D để thoát).\n"

# ---------------------------------------------------------------- troly guides / ask
GUIDE_LINE = "{id:>3}  {slug:<40} v{version}  {status:<9} {passages:>3} đoạn  {title}"
GUIDE_NOT_FOUND = "Không tìm thấy hướng dẫn: {key}"
GUIDE_ANNOUNCED = "Đã lên lịch thông báo phiên bản {version} tới {count} cán bộ."
GUIDE_UPDATED = "Đã cập nhật: {title}"
GUIDE_VALIDITY = "{id:>3}  hiệu lực: {validity}"
#: name of the text before a guide's first heading
GUIDE_OPENING_SECTION = "(mở đầu)"
GUIDE_WITHDRAWN = "Đã thu hồi: {title}"
GUIDE_ALREADY_WITHDRAWN = "Đã thu hồi từ ngày {day}, không có gì thay đổi: {title}"
SAME_TITLE_SKIPPED = (
    "Chưa nhập tệp này. Thêm --yes để thay thế hướng dẫn cùng tên, hoặc --replace <mã> để chỉ "
    "rõ hướng dẫn được thay thế."
)
NO_ANSWER = "Không tìm thấy câu trả lời trong các hướng dẫn."

# ---------------------------------------------------------------- troly officials / invite / report
NO_ACCOUNTS = "chưa gắn tài khoản"
UNIT_NOT_FOUND = "Không có đơn vị mã {code}."
WEEK_INVALID = "Tuần “{week}” không hợp lệ. Ví dụ đúng: 2026-W48 (tuần 48 năm 2026)."
OFFICIAL_NOT_FOUND = "Không có cán bộ mã {code}."
INVITATION_CODE = "Mã mời: {code} (hết hạn {expires})"
INVITATION_TELEGRAM = "Telegram: {link}"
HOURS_NOT_POSITIVE = "--hours phải lớn hơn 0 (số giờ mã mời còn hiệu lực), không phải {hours}."
INVITATION_HOW_TO_USE = "Zalo/web: gửi mã này cho trợ lý. Telegram: /start {code}"
FILE_WRITTEN = "Đã ghi {path}"
UNIT_REQUIRED = "Cần --unit (mã đơn vị) hoặc --official (mã cán bộ đã có) để tạo mã mời."

# ---------------------------------------------------------------- troly invite list|revoke, accounts
INVITATION_LINE = "{code:<10} {status:<8} {unit:<10} {role:<8} hết hạn {expires}  {name}"
NO_INVITATIONS = "Không có mã mời nào đang chờ dùng."
INVITATION_REVOKED = "Đã thu hồi mã {code}: mã không còn dùng được."
INVITATION_NOT_PENDING = "Không có mã mời {code} đang chờ dùng (mã sai, đã dùng, hết hạn hoặc đã thu hồi)."
ACCOUNT_LINE = "{id:>5}  {account:<24} {official:<8} {name:<28} {status:<8} lần cuối {last}"
ACCOUNT_NOT_FOUND = "Không có tài khoản {account} đang gắn với cán bộ nào."
ACCOUNT_UNBOUND = "Đã gỡ liên kết {account} khỏi {name} ({code}); tài khoản này không còn quyền cán bộ."
ACCOUNT_ROWS_MOVED = "{count} tin chuyển sang {channel}."
ACCOUNT_ROWS_CANCELLED = "{count} tin bị huỷ."
PLAN_NOT_FOUND = "Không tìm thấy kế hoạch \u201c{plan}\u201d (xem troly plans list)."
PLAN_AMBIGUOUS = "Có nhiều kế hoạch khớp \u201c{plan}\u201d: {refs}. Vui lòng ghi rõ hơn."
CONSOLIDATORS = "{plan}: đơn vị tổng hợp {units}"
LEAVE_ADDED = "Đã ghi nhận nghỉ phép #{id}: {name}, {start} – {end} ({held} tin nhắc đã xếp hàng được tạm dừng)."
LEAVE_NOT_FOUND = "Không có kỳ nghỉ #{id} (hoặc đã huỷ)."
LEAVE_CANCELLED = "Đã huỷ kỳ nghỉ #{id}."

# ---------------------------------------------------------------- troly reminders preview / outbox
PREVIEW_LATE = " (muộn)"
PREVIEW_TOTAL = "{count} tin dự kiến gửi."
PREVIEW_UNREACHABLE = (
    "Không gửi được cho {count} cán bộ chưa gắn tài khoản trò chuyện (Telegram, Zalo, web):"
)
PREVIEW_UNREACHABLE_ITEM = "  {name} ({code}, {unit}): {what} — mời: {command}"
OUTBOX_EMPTY = "outbox trống"

# ---------------------------------------------------------------- troly schedule / calendar
SCHEDULE_SCOPE_GLOBAL = "toàn hệ thống"
SCHEDULE_SCOPE_UNIT = "đơn vị {code}"
SCHEDULE_HEADER = "Lịch nhắc việc áp dụng cho {scope}:"
SCHEDULE_LINE = "  {key:<28} {value:<24} ({source})"
#: where a value came from, as `troly schedule show` prints it
SCHEDULE_SOURCES = {"default": "mặc định", "global": "cấu hình chung",
                    "unit-policy": "cấu hình đơn vị (schedule_policies)",
                    "unit": "cấu hình đơn vị"}
SCHEDULE_BAD_PAIR = "Cần dạng KEY=VALUE, nhận được: {arg}"
SCHEDULE_UNKNOWN_KEY = "Không có thiết lập «{key}». Các thiết lập hợp lệ: {keys}"
SCHEDULE_BAD_VALUE = "Giá trị «{value}» không hợp lệ cho {key}: cần {hint}."
SCHEDULE_NOTHING_WRITTEN = "Chưa lưu gì."
SCHEDULE_SAVED = "Đã lưu {count} thiết lập cho {scope}."
SCHEDULE_REMOVED = "Đã bỏ {count} thiết lập của {scope}; các giá trị đó lấy theo cấp trên."
#: what a valid value looks like, by setting
SCHEDULE_HINTS = {
    "deadline_offsets_days": "danh sách số ngày ≥ 0, ví dụ 7,3,1,0",
    "nudge_times": "danh sách giờ HH:MM, ví dụ 14:00,15:30",
    "time": "giờ dạng HH:MM, ví dụ 08:00",
    "weekday": "thứ trong tuần: mon, tue, wed, thu, fri, sat hoặc sun",
    "bool": "true hoặc false",
    "overdue_escalate_after_days": "số ngày làm việc ≥ 0",
    "checkin_cutoff": "thứ và giờ, ví dụ 'fri 16:00'",
    "on_ambiguous": "resend hoặc drop",
}
CALENDAR_KINDS = {"off": "ngày nghỉ", "workday": "ngày làm việc bù"}
CALENDAR_BAD_KIND = "Loại ngày phải là off (nghỉ) hoặc workday (làm bù), không phải «{kind}»."
CALENDAR_BAD_DATE = "Ngày phải có dạng YYYY-MM-DD, không phải «{value}»."
CALENDAR_SAVED = "Đã ghi {day}: {kind}."
CALENDAR_LINE = "{iso}  {day:<22} {kind:<18} {note}"
CALENDAR_EMPTY = "Chưa có ngày nghỉ thêm hay ngày làm bù nào."
CALENDAR_NOT_FOUND = "Ngày {day} không có trong lịch riêng."
CALENDAR_REMOVED = "Đã xoá {day} khỏi lịch riêng."

# ---------------------------------------------------------------- file-system failures (any command)
FS_PERMISSION = ("Không có quyền ghi hoặc đọc {path} (troly chạy với uid {uid}). Vui lòng cấp quyền, "
                 "ví dụ: chown -R {uid}:{gid} {folder} (Docker: chạy lệnh này trên thư mục của máy "
                 "chủ được gắn vào {folder}).")
FS_NOT_FOUND = "Không tìm thấy tệp hoặc thư mục: {path}. Vui lòng kiểm tra đường dẫn."
FS_NO_SPACE = "Hết dung lượng đĩa khi ghi {path}. Vui lòng giải phóng dung lượng rồi chạy lại."
FS_READ_ONLY = ("{path} nằm trên ổ chỉ đọc. Vui lòng ghi vào một thư mục ghi được "
                "(trong Docker: /data).")
FS_IS_DIRECTORY = "{path} là một thư mục, không phải tệp. Vui lòng đưa đường dẫn của một tệp."
FS_NOT_DIRECTORY = "Đường dẫn {path} đi qua một tệp, không phải thư mục. Vui lòng kiểm tra đường dẫn."
FS_OTHER = "Lỗi khi truy cập {path}: {reason}."
SQLITE_CANNOT_OPEN = ("Không mở được cơ sở dữ liệu SQLite (thư mục không tồn tại hoặc troly, uid "
                      "{uid}, không có quyền ghi). Vui lòng kiểm tra TROLY_DATABASE_URL và quyền "
                      "của thư mục chứa tệp.")
SQLITE_READ_ONLY = ("Cơ sở dữ liệu SQLite chỉ đọc được: troly (uid {uid}) cần quyền ghi cả tệp lẫn "
                    "thư mục chứa tệp. Vui lòng cấp quyền (chown) cho uid {uid}.")
SQLITE_FULL = "Hết dung lượng đĩa: cơ sở dữ liệu SQLite không ghi được. Vui lòng giải phóng dung lượng."
SQLITE_IO = "Lỗi đọc/ghi đĩa ở cơ sở dữ liệu SQLite ({reason}). Vui lòng kiểm tra ổ đĩa."
