"""The monthly (quarterly, half-year, yearly) summary conversation and its prompts (Vietnamese)."""

from __future__ import annotations

CMD_PERIOD_CHECKIN = "Báo cáo tháng (quý, năm): kết quả nổi bật, khó khăn, kiến nghị"

NO_TASKS = (
    "Anh/chị không có nhiệm vụ nào trong {period} nên chưa cần báo cáo kỳ này. "
    "Gõ /nhiemvu để xem danh sách nhiệm vụ."
)
NO_TASKS_AT_ALL = (
    "Anh/chị chưa được giao nhiệm vụ nào nên không cần báo cáo kỳ. Gõ /nhiemvu để xem danh sách "
    "nhiệm vụ."
)
NOT_A_SUMMARY_PERIOD = (
    "Báo cáo kỳ dùng cho tháng, quý, 6 tháng hoặc năm (ví dụ: /baocaothang tháng 11, "
    "/baocaothang quý IV/2026). Báo cáo tuần: gõ /baocao."
)
FUTURE_PERIOD = "Kỳ {period} chưa bắt đầu; anh/chị vui lòng chọn kỳ hiện tại hoặc kỳ trước."
STALE_PROMPT = "Lời mời báo cáo này không còn hiệu lực. Gõ /baocaothang để báo cáo kỳ hiện tại."
ALREADY_SUBMITTED = (
    "Anh/chị đã gửi báo cáo {period} lúc {at}. Gõ /baocaothang sửa nếu cần sửa."
)
ALREADY_SKIPPED = (
    "Anh/chị đã báo nghỉ báo cáo {period} ({reason}). Gõ /baocaothang sửa nếu cần báo cáo lại."
)
NOTHING_TO_EDIT = "Anh/chị chưa gửi báo cáo {period}. Gõ /baocaothang để báo cáo."
#: the word after /baocaothang that reopens a confirmed summary ("sửa", folded)
EDIT_VOCABULARY = frozenset({"sua", "edit", "sua bao cao"})

INTRO = (
    "Báo cáo {period}. Hạn chốt: {cutoff}. Gõ /huy để dừng.\n"
    "Tiến độ và vướng mắc từng nhiệm vụ đã được tổng hợp từ các báo cáo tuần "
    "({weeks}); anh/chị chỉ cần bổ sung ba mục: kết quả nổi bật, khó khăn, kiến nghị."
)
INTRO_EDIT = "Sửa báo cáo {period}. Gõ /huy để dừng."
EDIT_LATE_NOTICE = (
    "Lưu ý: đã quá hạn chốt ({cutoff}); nội dung sửa vẫn được lưu khi anh/chị xác nhận và được ghi "
    "nhận là sửa sau hạn."
)
WEEKS_DONE = "đã báo cáo {done}/{total} tuần"
#: instead of "0/0": no week of the period has reached its cut-off yet (for this official)
WEEKS_NONE_DUE = "chưa có tuần nào qua hạn chốt"
TASKS_HEADER = "Nhiệm vụ của anh/chị cuối kỳ:"
TASK_LINE = "• [{code}] {title}: {progress}% — {status}"
BLOCKERS_HEADER = "Vướng mắc đã nêu trong các báo cáo tuần:"
BLOCKER_LINE = "• [{code}] {text}"

ASK_HIGHLIGHTS = (
    "1/3. Kết quả nổi bật trong kỳ? Gõ ngắn gọn (vài dòng), hoặc bấm \u201cBỏ qua mục này\u201d."
)
ASK_DIFFICULTIES = (
    "2/3. Khó khăn, vướng mắc? Gõ nội dung, gõ \u201ckhông\u201d nếu không có, hoặc dùng "
    "các vướng mắc đã nêu trong báo cáo tuần."
)
ASK_RECOMMENDATIONS = (
    "3/3. Kiến nghị, đề xuất (với lãnh đạo, đơn vị tổng hợp)? Gõ nội dung hoặc \u201ckhông\u201d."
)
CURRENT_VALUE = "Đã nhập: {text}"
BTN_SKIP_FIELD = "Bỏ qua mục này"
BTN_KEEP = "Giữ như đã nhập"
BTN_FROM_WEEKS = "Dùng vướng mắc từ báo cáo tuần"
BTN_OFF = "Nghỉ báo cáo kỳ này"
BTN_LEAVE = "Nghỉ phép"
BTN_TRIP = "Đi công tác"
REASON_LEAVE = "Nghỉ phép"
REASON_TRIP = "Đi công tác"
ASK_OFF_REASON = "Lý do không báo cáo kỳ này? Chọn bên dưới hoặc gõ lý do."
EMPTY_ANSWER = "Anh/chị vui lòng gõ nội dung, hoặc bấm \u201cBỏ qua mục này\u201d."
ANSWER_TOO_LONG = "Nội dung dài quá {limit} ký tự; anh/chị vui lòng rút gọn."
CHOOSE_ABOVE = "Anh/chị vui lòng chọn một lựa chọn bên dưới hoặc gõ câu trả lời."

SUMMARY_HEADER = "Tóm tắt báo cáo {period}:"
SUMMARY_HIGHLIGHTS = "1. Kết quả nổi bật: {text}"
SUMMARY_DIFFICULTIES = "2. Khó khăn, vướng mắc: {text}"
SUMMARY_RECOMMENDATIONS = "3. Kiến nghị, đề xuất: {text}"
SUMMARY_EMPTY = "(bỏ qua)"
SUMMARY_FOOTER = "Anh/chị kiểm tra rồi bấm \u201cGửi báo cáo\u201d, hoặc chọn mục cần sửa."
BTN_SUBMIT = "Gửi báo cáo"
BTN_EDIT = ("Sửa mục 1", "Sửa mục 2", "Sửa mục 3")

SUBMITTED = "Đã gửi báo cáo {period}. Cảm ơn anh/chị!"
SUBMITTED_LATE = "Đã gửi báo cáo {period}; báo cáo được ghi nhận là nộp sau hạn chốt ({cutoff})."
#: a summary still open in one chat after the period's was sent (or skipped) from the official's
#: other chat: what is typed from then on is an edit of the sent summary
SENT_ELSEWHERE = (
    "Báo cáo {period} đã được gửi lúc {at} (từ ứng dụng khác). Những gì anh/chị nhập tiếp theo "
    "đây là bản sửa: chỉ được áp dụng khi bấm \u201cGửi báo cáo\u201d; gõ /huy thì báo cáo vẫn giữ "
    "như đã gửi."
)
SKIPPED_ELSEWHERE = (
    "Anh/chị đã báo không báo cáo {period} ({reason}) từ ứng dụng khác. Những gì anh/chị nhập "
    "tiếp theo đây chỉ được áp dụng khi bấm \u201cGửi báo cáo\u201d; gõ /huy thì vẫn giữ như đã báo."
)
REVISED = "Đã cập nhật báo cáo {period} (lần sửa {revision})."
REVISED_LATE = (
    "Đã cập nhật báo cáo {period} (lần sửa {revision}); nội dung sửa được ghi nhận là sửa sau hạn "
    "chốt ({cutoff})."
)
SKIPPED = "Đã ghi nhận: anh/chị không báo cáo {period} ({reason}). Gõ /baocaothang sửa nếu cần."
CANCELLED = (
    "Đã dừng báo cáo {period}. Những gì anh/chị đã nhập vẫn được lưu dưới dạng bản nháp, chưa gửi. "
    "Gõ /baocaothang để tiếp tục."
)
EXPIRED = (
    "Phiên báo cáo {period} đã hết thời gian chờ. Những gì anh/chị đã nhập vẫn được lưu dưới dạng "
    "bản nháp, chưa gửi. Gõ /baocaothang để tiếp tục."
)
#: an edit of a confirmed summary: its changes apply only when confirmed
CANCELLED_EDIT = (
    "Đã dừng sửa báo cáo {period}. Báo cáo vẫn là bản đã gửi; những thay đổi chưa xác nhận không được "
    "áp dụng. Gõ /baocaothang sửa để sửa lại."
)
EXPIRED_EDIT = (
    "Phiên sửa báo cáo {period} đã hết thời gian chờ. Báo cáo vẫn là bản đã gửi; những thay đổi chưa "
    "xác nhận không được áp dụng. Gõ /baocaothang sửa để sửa lại."
)
STALE_BUTTON = "Phiên báo cáo này đã kết thúc. Gõ /baocaothang để báo cáo."

# ---------------------------------------------------------------- the planner's prompts
PROMPT = (
    "📋 Đến kỳ báo cáo {period}.\n"
    "Tiến độ và vướng mắc từng nhiệm vụ đã được tổng hợp từ các báo cáo tuần. Anh/chị vui lòng "
    "bổ sung tóm tắt (kết quả nổi bật, khó khăn, kiến nghị) trước {cutoff}."
)
NUDGE = (
    "🔔 Anh/chị chưa gửi báo cáo {period}. Hạn chốt là {cutoff}, sau thời điểm này báo cáo sẽ bị "
    "ghi nhận là nộp muộn."
)
BUTTON_REPORT = "Báo cáo kỳ này"
