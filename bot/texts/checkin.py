"""Weekly check-in, /tiendo and the report export: every user-facing string."""

from __future__ import annotations

STATUS_LABELS = {
    "on_track": "Đúng tiến độ",
    "at_risk": "Có nguy cơ chậm",
    "late": "Chậm tiến độ",
    "done": "Hoàn thành",
    "skipped": "Bỏ qua tuần này",
}
NOT_REPORTED = "Chưa báo cáo"
CATEGORY_LABELS = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "in_progress": "Đang thực hiện trong hạn",
    "overdue": "Quá hạn chưa hoàn thành",
}
YES = "Có"
NO = "Không"

# ---------------------------------------------------------------- spreadsheet
XLSX_TITLE = "Tiến độ nhiệm vụ — {unit} — {period}; số liệu tại thời điểm {as_of}"
XLSX_PLAN_NAME = "{plan} “{title}”"
#: the "next plans" column of a month (or longer) report
XLSX_NEXT_PERIOD_HEADER = "Kế hoạch kỳ tới"
XLSX_TASKS_SHEET = "Nhiệm vụ"
XLSX_PEOPLE_SHEET = "Báo cáo của cán bộ"
XLSX_SUBUNITS_SHEET = "Đơn vị trực thuộc"
XLSX_TASK_HEADERS = (
    "STT", "Mã nhiệm vụ", "Nhiệm vụ", "Đơn vị chủ trì", "Đơn vị phối hợp", "Cán bộ phụ trách",
    "Thời hạn", "Thời hạn (theo kế hoạch)", "Tiến độ (%)", "Tình trạng", "Phân loại",
    "Khó khăn, vướng mắc", "Kế hoạch tuần tới", "Minh chứng",
)
XLSX_PEOPLE_HEADERS = (
    "Cán bộ", "Đơn vị", "Đã báo cáo", "Nộp muộn", "Thời điểm nộp", "Lý do nghỉ", "Sửa sau hạn",
)
XLSX_SUBUNIT_HEADERS = (
    "Đơn vị", "Đã báo cáo", "Tổng số cán bộ", "Tiến độ bình quân (%)", "Số nhiệm vụ", "Quá hạn",
)

# ---------------------------------------------------------------- the check-in conversation
NO_OPEN_TASKS = (
    "Anh/chị hiện không có nhiệm vụ nào đang thực hiện nên chưa cần báo cáo tuần {week}. "
    "Gõ /nhiemvu để xem danh sách nhiệm vụ."
)
NO_SUCH_TASKS = "Các nhiệm vụ này đã hoàn thành hoặc không còn do anh/chị phụ trách."
ALREADY_SUBMITTED = (
    "Anh/chị đã gửi báo cáo tuần {week} lúc {at}. Gõ /suabaocao nếu cần sửa."
)
ALREADY_SKIPPED = (
    "Anh/chị đã báo nghỉ tuần {week} ({reason}). Gõ /suabaocao nếu cần báo cáo lại."
)
NOTHING_TO_EDIT = "Anh/chị chưa gửi báo cáo tuần {week}. Gõ /baocao để báo cáo."
EDIT_LATE_NOTICE = (
    "Lưu ý: đã quá hạn chốt báo cáo ({cutoff}); nội dung sửa vẫn được lưu và được ghi nhận là "
    "sửa sau hạn."
)
INTRO = "Báo cáo tiến độ tuần {week} ({count} nhiệm vụ). Hạn chốt: {cutoff}. Gõ /huy để dừng."
INTRO_EDIT = "Sửa báo cáo tuần {week} ({count} nhiệm vụ). Gõ /huy để dừng."
#: last week's check-in filed after its cut-off, within the grace window (Schedule.late_checkin_until)
INTRO_LATE = (
    "Báo cáo tuần {week} ({count} nhiệm vụ). Hạn chốt {cutoff} đã qua nên báo cáo được ghi nhận là "
    "nộp muộn. Gõ /huy để dừng."
)
#: /baocao or 'Báo cáo ngay' while last week is unsent and can still be filed late
ASK_WHICH_WEEK = (
    "Anh/chị chưa gửi báo cáo tuần {week}; vẫn có thể gửi (ghi nhận nộp muộn) đến {until}. "
    "Anh/chị muốn báo cáo tuần nào?"
)
BTN_LATE_WEEK = "Tuần {number} ({start}–{end}) — chưa gửi"
BTN_THIS_WEEK = "Tuần này: tuần {number} ({start}–{end})"
LATE_WEEK_CLOSED = (
    "Đã hết thời gian nhận báo cáo tuần {week} (đến {until}). Gõ /baocao để báo cáo tuần này."
)

TASK_HEADER = "Nhiệm vụ {n}/{total}: {title}"
TASK_DEADLINE = "Thời hạn: {deadline} ({left})"
TASK_NO_DEADLINE = "Thời hạn: {text}"
LAST_WEEK = "Tuần trước: {progress}%, {status}"
DRAFT_VALUES = "Đã nhập: {progress}%, {status}"
#: a task skipped this week, opened again: the skip and its reason (there is no percentage)
DRAFT_SKIPPED = "Đã nhập: bỏ qua tuần này — {reason}"
ASK_PROGRESS = "Tiến độ hiện nay là bao nhiêu phần trăm? Bấm một mức hoặc gõ số (ví dụ: 70)."
#: where the levels do not fit one message as buttons (Zalo: five a message; the console: none),
#: they are not offered: a typed number is always a percentage, never an option's number
ASK_PROGRESS_TYPED = (
    "Tiến độ hiện nay là bao nhiêu phần trăm? Gõ số phần trăm, ví dụ: 60 (tức 60%)."
)
#: the same on a channel without buttons, the other choices listed by name after it
ASK_PROGRESS_TYPED_OR_CHOICE = (
    "Tiến độ hiện nay là bao nhiêu phần trăm? Gõ số phần trăm, ví dụ: 60 (tức 60%), "
    "hoặc gõ một lựa chọn bên dưới."
)
BAD_PROGRESS = (
    "Xin lỗi, tôi chưa hiểu \u201c{answer}\u201d. Tiến độ là một số từ 0 đến 100, ví dụ: 70 hoặc 70%."
)
ASK_STATUS = "Tình trạng thực hiện nhiệm vụ?"
BAD_STATUS = "Anh/chị vui lòng chọn một trong các tình trạng bên dưới."
ASK_BLOCKERS = (
    "Có khó khăn, vướng mắc gì không? Gõ nội dung, hoặc gõ \u201ckhông\u201d nếu không có."
)
ASK_NEXT = "Kế hoạch tuần tới cho nhiệm vụ này? (gõ \u201ckhông\u201d nếu chưa có)"
ASK_EVIDENCE = (
    "Ghi nhận nhiệm vụ đã hoàn thành. Anh/chị gửi đường dẫn hoặc ghi chú minh chứng "
    "(số văn bản, link…), hoặc bấm \u201cKhông có\u201d."
)
ASK_SKIP_REASON = "Vì sao tuần này chưa cập nhật nhiệm vụ này? Gõ lý do ngắn gọn."
ASK_WEEK_REASON = "Lý do nghỉ báo cáo cả tuần? Chọn bên dưới hoặc gõ lý do."
EMPTY_ANSWER = "Anh/chị vui lòng gõ nội dung (hoặc \u201ckhông\u201d)."
ANSWER_TOO_LONG = "Nội dung dài quá {limit} ký tự; anh/chị vui lòng rút gọn."
CHOOSE_ABOVE = "Anh/chị vui lòng chọn một lựa chọn bên dưới hoặc gõ câu trả lời."

BTN_KEEP = "Giữ như tuần trước"
BTN_KEEP_DRAFT = "Giữ như đã nhập"
BTN_DONE = "Đã hoàn thành"
BTN_SKIP_TASK = "Bỏ qua nhiệm vụ này"
BTN_SKIP_WEEK = "Nghỉ cả tuần"
BTN_NO_BLOCKERS = "Không có vướng mắc"
BTN_SAME_AS_LAST = "Như tuần trước"
#: the same button when the text is this week's own answer (back to the step, or /baocao again)
BTN_SAME_AS_DRAFT = "Như đã nhập"
BTN_NONE = "Không có"
BTN_LEAVE = "Nghỉ phép"
BTN_TRIP = "Đi công tác"
BTN_SUBMIT = "Gửi báo cáo"
BTN_EDIT_TASK = "Sửa nhiệm vụ {n}"
REASON_LEAVE = "Nghỉ phép"
REASON_TRIP = "Đi công tác"

SUMMARY_HEADER = "Tóm tắt báo cáo tuần {week}:"
SUMMARY_TASK = "{n}. {title}\n   {line}"
SUMMARY_PROGRESS = "{progress}% — {status}"
SUMMARY_BLOCKERS = "   Vướng mắc: {text}"
SUMMARY_NEXT = "   Tuần tới: {text}"
SUMMARY_DONE = "Đã hoàn thành{evidence}"
SUMMARY_EVIDENCE = " (minh chứng: {text})"
SUMMARY_SKIPPED = "Bỏ qua tuần này: {reason}"
SUMMARY_MISSING = "chưa trả lời"
SUMMARY_FOOTER = "Anh/chị kiểm tra rồi bấm \u201cGửi báo cáo\u201d, hoặc chọn nhiệm vụ cần sửa."
#: after the tasks' edits listed by number (Zalo: more choices than its five buttons); "Gửi báo
#: cáo" has no number (a number one too high must not send the report): it stays a button
SUMMARY_TYPED = (
    "Gõ số thứ tự của nhiệm vụ cần sửa (từ 1 đến {last}). Khi đã kiểm tra xong, bấm nút "
    "\u201cGửi báo cáo\u201d (hoặc gõ \u201cgửi báo cáo\u201d)."
)
NONE_TEXT = "không"

SUBMITTED = "Đã gửi báo cáo tuần {week}. Cảm ơn anh/chị!"
SUBMITTED_LATE = (
    "Đã gửi báo cáo tuần {week}. Báo cáo được ghi nhận là nộp sau hạn chốt ({cutoff})."
)
#: a check-in still open in one chat after the week's report was sent (or the week skipped) from
#: the official's other chat: what is typed from then on is an edit of the sent report
SENT_ELSEWHERE = (
    "Báo cáo tuần {week} đã được gửi lúc {at} (từ ứng dụng khác). Những gì anh/chị nhập tiếp "
    "theo đây là bản sửa: chỉ được áp dụng khi bấm \u201cGửi báo cáo\u201d; gõ /huy thì báo cáo "
    "vẫn giữ như đã gửi."
)
SKIPPED_ELSEWHERE = (
    "Anh/chị đã báo nghỉ tuần {week} ({reason}) từ ứng dụng khác. Những gì anh/chị nhập tiếp "
    "theo đây chỉ được áp dụng khi bấm \u201cGửi báo cáo\u201d; gõ /huy thì vẫn giữ như đã báo nghỉ."
)
REVISED = "Đã cập nhật báo cáo tuần {week} (lần sửa {revision})."
REVISED_LATE = (
    "Đã cập nhật báo cáo tuần {week} (lần sửa {revision}); nội dung sửa được ghi nhận là sửa "
    "sau hạn chốt ({cutoff})."
)
WEEK_SKIPPED = (
    "Đã ghi nhận: tuần {week} anh/chị nghỉ báo cáo ({reason}). Gõ /suabaocao nếu cần báo cáo lại."
)
CANCELLED = (
    "Đã dừng báo cáo. Những gì anh/chị đã nhập ({count} nhiệm vụ) vẫn được lưu dưới dạng bản nháp, "
    "chưa gửi. Gõ /baocao để tiếp tục."
)
CANCELLED_EMPTY = "Đã dừng báo cáo; chưa có nội dung nào được lưu. Gõ /baocao khi sẵn sàng."
#: no count here: the report's tasks were all answered before the edit began
CANCELLED_EDIT = (
    "Đã dừng sửa báo cáo. Báo cáo vẫn là bản đã gửi; những thay đổi chưa xác nhận không được áp "
    "dụng. Gõ /suabaocao để sửa lại."
)
EXPIRED = (
    "Phiên báo cáo tuần {week} đã hết thời gian chờ. Những gì anh/chị đã nhập ({count} nhiệm vụ) vẫn "
    "được lưu dưới dạng bản nháp, chưa gửi. Gõ /baocao để tiếp tục."
)
EXPIRED_EMPTY = (
    "Phiên báo cáo tuần {week} đã hết thời gian chờ; chưa có nội dung nào được lưu. "
    "Gõ /baocao khi sẵn sàng."
)
STALE_BUTTON = "Phiên báo cáo này đã kết thúc. Gõ /baocao để báo cáo."

DAYS_LEFT = "còn {days} ngày"
DUE_TODAY = "hạn hôm nay"
OVERDUE_DAYS = "quá hạn {days} ngày"
NO_DEADLINE = "không có thời hạn cụ thể"

# ---------------------------------------------------------------- /tiendo and /xuatbaocao
PROGRESS_REPORTED = "Đã báo cáo: {reported}/{total} cán bộ"
PROGRESS_NOT_YET = "Chưa báo cáo: {names}"
#: after "Đã báo cáo: x/y cán bộ" when some were on leave (not counted, not missing)
ON_LEAVE_NOT_COUNTED = " (không tính {count} cán bộ nghỉ phép)"
#: the "Đã báo cáo" cell of an official on leave who did not answer
XLSX_ON_LEAVE = "Nghỉ phép"
PROGRESS_SUBMITTED = "Đã nộp: {names}"
#: after the first names of a long list (the spreadsheet has everyone)
NAMES_MORE = "{names} và {count} người khác"
PROGRESS_SKIPPED = "Nghỉ: {items}"
PROGRESS_LATE = "Nộp muộn: {names}"
PROGRESS_COUNTS = (
    "Nhiệm vụ: {total} — hoàn thành đúng hạn {done_on_time}, hoàn thành quá hạn {done_late}, "
    "đang thực hiện trong hạn {in_progress}, quá hạn {overdue}"
)
PROGRESS_CATEGORY = "{label}:"
PROGRESS_TASK = "• {code} {title} — {progress}%, {status}{deadline}"
PROGRESS_TASK_DEADLINE = ", hạn {deadline}"
#: a task the official skipped this week, in their own /tiendo: the skip and its reason (no percentage)
PROGRESS_TASK_SKIPPED = "• {code} {title} — bỏ qua tuần này: {reason}"
PROGRESS_BLOCKERS = "Khó khăn, vướng mắc:"
PROGRESS_BLOCKER = "• {code}: {text} ({official})"
PROGRESS_SUBUNITS = "Đơn vị trực thuộc:"
PROGRESS_SUBUNIT = "• {unit}: báo cáo {reported}/{total}, tiến độ bình quân {avg}, quá hạn {overdue}"
PROGRESS_NO_TASKS = "Chưa có nhiệm vụ nào trong phạm vi này."
PROGRESS_MORE = "… và {count} nhiệm vụ khác (xem tệp /xuatbaocao)."
PROGRESS_OWN_HEADER = "Báo cáo của anh/chị — tuần {week}"
PROGRESS_OWN_NONE = "Anh/chị chưa báo cáo tuần {week}. Gõ /baocao để báo cáo."
PROGRESS_OWN_STATUS = "Trạng thái: {status}"
OWN_STATUS_LABELS = {
    "submitted": "đã gửi", "skipped": "nghỉ báo cáo", "draft": "bản nháp, chưa gửi",
}
UNIT_NOT_FOUND = "Không tìm thấy đơn vị \u201c{code}\u201d."
UNIT_NOT_YOURS = (
    "Anh/chị chỉ xem được đơn vị mình và các đơn vị trực thuộc, cùng các đơn vị tham gia kế hoạch mà "
    "đơn vị mình là đơn vị tổng hợp."
)
BAD_WEEK = "Tuần \u201c{week}\u201d không hợp lệ; ví dụ đúng: 2026-W48."
NO_UNIT = "Tài khoản của anh/chị chưa gắn với đơn vị nào; vui lòng liên hệ quản trị viên."
EXPORT_CAPTION = "Bảng tiến độ {unit}, {period}."
EXPORT_DOCX_CAPTION = "Báo cáo tiến độ {unit}, {period} (mẫu văn bản hành chính, bản nháp để ký)."
NA = "—"
EXPIRED_EDIT = (
    "Phiên sửa báo cáo tuần {week} đã hết thời gian chờ. Báo cáo vẫn là bản đã gửi; những thay đổi "
    "chưa xác nhận không được áp dụng. Gõ /suabaocao để sửa lại."
)
ON_LEAVE_REASON = "Nghỉ phép {start}–{end}"

# ---------------------------------------------------------------- periods, plans, history
PROGRESS_TITLE = "Tiến độ {unit} — {period}"
WEEK_TITLE = "tuần {week} ({start}–{end})"
PLAN_TITLE = "Tiến độ {plan}{title} — {period}"
AS_OF_NOTE = "Số liệu tại thời điểm chốt: {at}."
PROGRESS_WEEKS = "Báo cáo tuần trong kỳ: {names}"
PROGRESS_WEEKS_ITEM = "{name} {done}/{total}"
LATE_UPDATES_HEADER = "Cập nhật sau hạn chốt (không tính vào số liệu trên):"
LATE_UPDATE_ITEM = "• {code}: {progress}, {status} — {official}, {at}"
NOTES_HEADER = "Tóm tắt của cán bộ:"
NOTE_HEADER = "• {official} ({period}){late}:"
NOTE_LATE = " — nộp sau hạn"
NOTE_SKIPPED = "   Nghỉ báo cáo: {reason}"
NOTE_HIGHLIGHTS = "   Kết quả nổi bật: {text}"
NOTE_DIFFICULTIES = "   Khó khăn, vướng mắc: {text}"
NOTE_RECOMMENDATIONS = "   Kiến nghị, đề xuất: {text}"
PLAN_UNITS = "Theo đơn vị:"
PLAN_UNIT = ("• {unit}: {tasks} nhiệm vụ, tiến độ bình quân {avg}, quá hạn {overdue}; "
             "báo cáo {reported}/{total}")
UNITS_NOT_REPORTED = "Đơn vị chưa báo cáo đủ đến hạn chốt ({count}): {items}"
UNIT_MISSING_ITEM = "{unit} (chưa: {names})"
UNITS_OVERDUE = "Đơn vị có nhiệm vụ quá hạn ({count}): {items}"
UNIT_OVERDUE_ITEM = "{unit} ({overdue})"
UNREACHABLE_HEADER = "Chưa liên lạc được — chưa gắn tài khoản trò chuyện ({count}):"
UNREACHABLE_ITEM = "• {name}{code}, {unit}: {tasks} — mời: {command}"
UNREACHABLE_CODE = " ({code})"
#: how an admin invites an imported official (printed for heads to forward to their admin)
INVITE_COMMAND = "troly invite --official {code}"
INVITE_COMMAND_NO_CODE = "bổ sung Mã cán bộ (troly officials import) rồi dùng troly invite --official"
TARGET_NOT_FOUND = "Không tìm thấy đơn vị hoặc kế hoạch \u201c{code}\u201d."
PLAN_AMBIGUOUS = "Có {count} kế hoạch khớp \u201c{code}\u201d: {plans}. Anh/chị vui lòng gõ rõ hơn."
PLAN_NOT_YOURS = (
    "Anh/chị chỉ xem được kế hoạch mà đơn vị mình là đơn vị tổng hợp, hoặc kế hoạch chỉ gồm các "
    "đơn vị trực thuộc đơn vị mình."
)
PROGRESS_OWN_PERIOD_HEADER = "Báo cáo của anh/chị — {period}"
PROGRESS_OWN_PERIOD_NONE = "Anh/chị chưa báo cáo {period}. Gõ /baocaothang để báo cáo."
