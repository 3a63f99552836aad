"""Labels of the .docx administrative report (Decree 30/2020/NĐ-CP layout)."""

from __future__ import annotations

#: the national name and motto heading every administrative document (Decree 30/2020/NĐ-CP)
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
NUMBER = "Số: {dots}/{type_code}-{unit_code}"
NUMBER_DOTS = "\u2026\u2026"
#: used when the report's unit has no code
UNIT_CODE_PLACEHOLDER = "\u2026\u2026"
PLACE_DATE = "{place}, ngày {day} tháng {month} năm {year}"
PLACE_PLACEHOLDER = "\u2026\u2026\u2026\u2026"
DATE_DOTS = "\u2026\u2026"
TITLE = "BÁO CÁO"
SUBTITLE = "Tiến độ thực hiện nhiệm vụ {period}"
SUBTITLE_PLAN = "Tiến độ thực hiện {plan}{title}, {period}"
SCOPE_LINE = "Phạm vi: {scope}; số liệu tại thời điểm {as_of}."

SECTION_RESULTS = "1. Kết quả thực hiện"
RESULTS_TOTAL = "Tổng số nhiệm vụ theo dõi: {total}."
RESULTS_CATEGORY = "- {label}: {count} nhiệm vụ;"
RESULTS_AVERAGE = "- Tiến độ bình quân: {avg}%."
RESULTS_NO_AVERAGE = "- Tiến độ bình quân: chưa có số liệu."
RESULTS_REPORTED = "Cán bộ đã báo cáo: {reported}/{total}."
RESULTS_UNITS_MISSING = "Đơn vị chưa báo cáo đầy đủ ({count}/{total}): {units}."
RESULTS_HIGHLIGHT = "- {official}: {text}"
RESULTS_HIGHLIGHTS = "Kết quả nổi bật:"
SECTION_OVERDUE = "2. Nhiệm vụ quá hạn"
OVERDUE_ITEM = "- {code} {title} ({unit}; hạn {deadline}; đạt {progress}%)."
NONE = "Không có."
SECTION_BLOCKERS = "3. Khó khăn, vướng mắc"
BLOCKER_ITEM = "- {code}: {text} ({official})."
NOTE_ITEM = "- {official}: {text}"
SECTION_RECOMMENDATIONS = "4. Kiến nghị, đề xuất"
ANNEX_TITLE = "PHỤ LỤC"
ANNEX_SUBTITLE = "Danh mục nhiệm vụ và tiến độ thực hiện"
ANNEX_ATTACHED = "(Kèm theo Báo cáo số {dots}/{type_code}-{unit_code})"
ANNEX_HEADERS = ("STT", "Mã", "Nhiệm vụ", "Đơn vị", "Hạn", "Tiến độ", "Tình trạng")
ANNEX_PROGRESS = "{progress}%"
NO_UNIT = "—"

RECIPIENTS_TITLE = "Nơi nhận:"
#: a report has no "Kính gửi" line, so "Nơi nhận" names its recipients (Decree 30/2020, App. I):
#: the unit above the issuer, else a line to fill in; then the archive
RECIPIENT_REPORT_TO = "- {unit} (để báo cáo);"
RECIPIENT_PLACEHOLDER = "- ……;"
RECIPIENT_ARCHIVE = "- Lưu: VT."
SIGNER_DEFAULT_TITLE = "THỦ TRƯỞNG ĐƠN VỊ"
SIGNER_HINT = "(Ký, ghi rõ họ tên)"
