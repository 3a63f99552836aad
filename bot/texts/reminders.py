"""User-facing texts of reminders, check-in prompts, digests and the outbox views (Vietnamese)."""

from __future__ import annotations

WEEKDAY_NAMES = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")

LATE_PREFIX = "(Gửi muộn do hệ thống tạm gián đoạn) "

# ---------------------------------------------------------------- deadline reminders
DEADLINE_AHEAD = (
    "⏰ Nhắc hạn nhiệm vụ [{code}] {title}\n"
    "Hạn hoàn thành: {deadline} — còn {days} ngày.\n"
    "Anh/chị vui lòng cập nhật tiến độ hoặc báo hoàn thành."
)
DEADLINE_TODAY = (
    "⏰ Hôm nay là hạn của nhiệm vụ [{code}] {title} ({deadline}).\n"
    "Anh/chị vui lòng báo hoàn thành hoặc cập nhật tiến độ."
)
OVERDUE = (
    "⚠️ Nhiệm vụ [{code}] {title} đã quá hạn {days} ngày (hạn: {deadline}).\n"
    "Anh/chị vui lòng báo hoàn thành hoặc cập nhật tiến độ, nêu rõ khó khăn nếu có."
)
OVERDUE_ESCALATED = (
    "⚠️ Báo cáo lãnh đạo: nhiệm vụ [{code}] {title} của {unit} đã quá hạn {days} ngày "
    "(hạn: {deadline}). Người phụ trách: {people}."
)
SNOOZED_AGAIN = "🔔 Nhắc lại: nhiệm vụ [{code}] {title}, hạn {deadline}."

BUTTON_DONE = "Đã xong"
BUTTON_PROGRESS = "Cập nhật tiến độ"
BUTTON_SNOOZE = "Nhắc lại sau"

# ---------------------------------------------------------------- weekly check-in
CHECKIN_PROMPT = (
    "📋 Đến kỳ báo cáo tiến độ tuần {week}.\n"
    "Anh/chị vui lòng báo cáo trước {cutoff}. Chỉ mất khoảng một phút."
)
CHECKIN_NUDGE = (
    "🔔 Anh/chị chưa gửi báo cáo tuần {week}. Hạn chốt là {cutoff}, "
    "sau thời điểm này báo cáo sẽ bị ghi nhận là nộp muộn."
)
BUTTON_REPORT_NOW = "Báo cáo ngay"

# ---------------------------------------------------------------- digests
DIGEST_WEEK_TITLE = "📊 Tổng hợp tuần {week} — {unit}"
DIGEST_AHEAD_TITLE = "📅 Tuần mới {week} — {unit}: việc cần làm"
DIGEST_REPORTED = "Đã báo cáo: {done}/{total} cán bộ."
DIGEST_MISSING = "Chưa báo cáo: {names}."
#: officials on recorded leave over the cut-off who did not answer: neither reported nor missing
DIGEST_ON_LEAVE = "Nghỉ phép: {names}."
DIGEST_LATE_REPORTS = "Nộp muộn: {names}."
DIGEST_PROGRESS_HEADER = "Tiến độ nhiệm vụ:"
DIGEST_PROGRESS_ITEM = "• [{code}] {title}: {progress}% — {status}"
DIGEST_SUBUNIT_ITEM = "• {unit}: {reported}/{total} đã báo cáo, tiến độ TB {progress}, quá hạn {overdue}"
DIGEST_SUBUNITS_HEADER = "Theo đơn vị trực thuộc:"
DIGEST_BLOCKERS_HEADER = "Khó khăn, vướng mắc:"
DIGEST_BLOCKER_ITEM = "• [{code}] {who}: {text}"
DIGEST_OVERDUE_HEADER = "Quá hạn ({count}):"
DIGEST_OVERDUE_ITEM = "• [{code}] {title} — hạn {deadline}, quá {days} ngày"
DIGEST_DUE_HEADER = "Đến hạn trong tuần ({count}):"
DIGEST_DUE_ITEM = "• [{code}] {title} — hạn {deadline}"
DIGEST_NOTHING = "Không có."
DIGEST_UNDELIVERED_HEADER = "Không gửi được nhắc việc ({count}):"
DIGEST_UNDELIVERED_ITEM = "• {name}: {what} — {why}"
DIGEST_MORE = "… và {count} mục khác (xem tệp đính kèm)."
DIGEST_ATTACHMENTS = "Kèm theo: biểu đồ tiến độ và bảng tổng hợp (Excel)."
BUTTON_ACK = "Đã xem"
CHART_TITLE_TASKS = "Tiến độ nhiệm vụ (%)"
CHART_TITLE_UNITS = "Tiến độ trung bình theo đơn vị (%)"

#: {free} / {paid}: the Zalo free / paid window as it is set, in words (SPAN_*)
UNDELIVERED_REASONS = {
    "blocked": "người nhận đã chặn hoặc huỷ theo dõi",
    "zalo_window": "Zalo từ chối (quá thời hạn trả lời miễn phí)",
    "zalo_quota": "Zalo từ chối (hết hạn mức tin nhắn)",
    "expired": "quá hạn gửi (hệ thống gián đoạn)",
    "dead": "lỗi kết nối kéo dài",
    "permanent": "nền tảng từ chối",
    "ambiguous": "không rõ đã gửi hay chưa",
    "not_fetched": "người nhận chưa mở trò chuyện web để nhận",
    "window_closed": "quá {paid} cán bộ chưa nhắn Zalo cho hệ thống, không còn kênh khác",
    "paid_not_allowed": "quá {free} cán bộ chưa nhắn Zalo, đơn vị không gửi tin trả phí, "
                        "không còn kênh khác",
    "zalo_template": "Zalo từ chối tin mẫu (ZNS), không còn kênh khác",
    "zalo_template_no_phone": "chưa có số điện thoại để gửi tin mẫu Zalo, không còn kênh khác",
}
UNDELIVERED_KINDS = {
    "deadline": "nhắc hạn", "overdue": "nhắc quá hạn", "checkin": "lời mời báo cáo tuần",
    "nudge": "nhắc báo cáo tuần", "digest": "bản tổng hợp", "snooze": "nhắc lại",
    "period_checkin": "lời mời báo cáo tháng", "period_nudge": "nhắc báo cáo tháng",
    "coop": "nhắc đơn vị phối hợp", "keepalive": "lời hỏi thăm qua Zalo",
    "guide": "thông báo hướng dẫn mới", "guide_remind": "nhắc đọc hướng dẫn",
    "guide_expired": "thông báo hướng dẫn hết hiệu lực",
    "kb_answer": "câu trả lời bổ sung cho câu hỏi", "notice": "thông báo",
    "guide_withdrawn": "thông báo thu hồi hướng dẫn",
}
#: the check-in prompt that keeps a Zalo messaging window open (scheduler/keepalive.py)
KEEPALIVE = (
    "Chào anh/chị {name}, Trợ lý nhắc việc xin hỏi thăm: tuần này anh/chị có cần tra cứu hướng "
    "dẫn hay xem lại nhiệm vụ không? Anh/chị chỉ cần trả lời tin này (ví dụ gõ /nhiemvu) để tiếp "
    "tục nhận nhắc việc qua Zalo."
)

# ---------------------------------------------------------------- months and longer, plans
DIGEST_PERIOD_TITLE = "📊 Tổng hợp {period} — {unit}"
DIGEST_PERIOD_REPORTED = "Đã báo cáo kỳ: {done}/{total} cán bộ."
DIGEST_PERIOD_COUNTS = (
    "Nhiệm vụ: {total} — hoàn thành đúng hạn {done_on_time}, hoàn thành quá hạn {done_late}, "
    "đang thực hiện trong hạn {in_progress}, quá hạn {overdue}."
)
DIGEST_NOTES_HEADER = "Báo cáo của cán bộ (kết quả nổi bật / khó khăn / kiến nghị):"
DIGEST_NOTE_ITEM = "• {who}: {highlights} / {difficulties} / {recommendations}"
DIGEST_UNREACHABLE_HEADER = (
    "Chưa liên lạc được — có nhiệm vụ đến hạn nhưng chưa gắn tài khoản trò chuyện ({count}):"
)
DIGEST_PLAN_TITLE = "📮 {plan} — {period}: tình hình báo cáo đến hạn chốt {cutoff}"
DIGEST_PLAN_MISSING_HEADER = "Đơn vị chưa báo cáo đủ ({count}/{total}):"
DIGEST_PLAN_MISSING_ITEM = "• {unit}: {reported}/{total} — chưa: {names}"
DIGEST_PLAN_OVERDUE_HEADER = "Đơn vị có nhiệm vụ quá hạn ({count}):"
DIGEST_PLAN_OVERDUE_ITEM = "• {unit}: quá hạn {overdue}/{tasks} nhiệm vụ"
DIGEST_PLAN_MORE = "Chi tiết: /tiendo {plan} (kèm bảng tổng hợp Excel)."
FALLBACK_NOTE = " (đã gửi thay qua {channel})"

# ---------------------------------------------------------------- buttons' replies
DONE_OK = "✅ Đã ghi nhận nhiệm vụ [{code}] hoàn thành. Các lời nhắc còn lại đã được huỷ."
DONE_ASK_EVIDENCE = (
    "Anh/chị có thể gửi minh chứng (số văn bản, đường dẫn…) ngay bây giờ, "
    "hoặc bấm «Bỏ qua»."
)
DONE_EVIDENCE_SAVED = "Đã lưu minh chứng cho nhiệm vụ [{code}]. Cảm ơn anh/chị."
DONE_EVIDENCE_SKIPPED = "Đã hoàn tất, không kèm minh chứng."
BUTTON_SKIP = "Bỏ qua"
TASK_NOT_YOURS = "Không tìm thấy nhiệm vụ này trong danh sách của anh/chị."
DIGEST_NOT_YOURS = "Không tìm thấy bản tổng hợp này trong các bản đã gửi cho anh/chị."
TASK_ALREADY_CLOSED = "Nhiệm vụ [{code}] đã được đóng trước đó."
SNOOZED = "🔕 Đã hoãn. Troly sẽ nhắc lại vào {when}."
ACK_OK = "Đã ghi nhận anh/chị đã xem bản tổng hợp. Cảm ơn anh/chị."
ACK_ALREADY = "Bản tổng hợp này đã được ghi nhận là đã xem."
CHECKIN_UNAVAILABLE = "Chức năng báo cáo tuần hiện chưa sẵn sàng, anh/chị vui lòng thử lại sau."

# ---------------------------------------------------------------- admin views
OUTBOX_HEADER = "Hàng đợi gửi tin ({count} gần nhất):"
OUTBOX_ITEM = "#{id} {status} · {kind} → {name} ({channel}) · {when}{seen}{error}"
#: the recipient's app reported the message shown (Zalo `user_seen_message`)
OUTBOX_SEEN = " · đã xem {when}"
OUTBOX_EMPTY = "Hàng đợi trống."
OUTBOX_COUNTS = "Theo trạng thái: {counts}"
PREVIEW_HEADER = "Dự kiến gửi từ {start} đến {end} ({count} tin):"
PREVIEW_ITEM = "• {when} · {kind} → {name} ({channel}): {text}"
PREVIEW_EMPTY = "Không có tin nào dự kiến gửi trong khoảng này."
#: the route of a message on a channel with a messaging window (Zalo), as
#: `troly reminders preview` shows it: "zalo · tin mẫu ZNS", "zalo → telegram · quá 48 giờ, …; chuyển kênh";
#: {free} / {paid}: the channel's configured free / paid window in words (SPAN_*)
PREVIEW_ROUTE_SAME = "{channel} · {route}"
PREVIEW_ROUTE_MOVED = "{channel} → {via} · {route}"
PREVIEW_ROUTE_NOWHERE = "không gửi được"
PREVIEW_ROUTE_STEP = "{channel}: {reason}"
PREVIEW_ROUTE_REASONS = {
    "window": "trong hạn miễn phí",
    "paid": "tin trả phí",
    "paid_not_allowed": "quá {free}, không gửi tin trả phí",
    "template": "tin mẫu ZNS",
    "window_closed": "hết hạn nhắn, chưa có tin mẫu",
    "rerouted": "chuyển kênh",
    "unreachable": "không còn kênh khác",
    "cancelled": "bỏ qua",
}
#: a messaging window's length (bot/messaging_window.py span_words)
SPAN_HOURS = "{hours} giờ"
SPAN_DAYS = "{days} ngày"
PREVIEW_MORE = "… và {count} tin khác."
PREVIEW_UNREACHABLE_HEADER = "Không gửi được cho {count} cán bộ chưa gắn tài khoản trò chuyện:"
PREVIEW_UNREACHABLE_ITEM = "• {name} ({unit}): {count} tin — mời: {command}"
CMD_OUTBOX = "Xem hàng đợi gửi tin nhắc (quản trị)"
CMD_PREVIEW = "Xem trước các tin nhắc sẽ gửi trong 7 ngày tới (quản trị)"
