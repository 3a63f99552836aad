"""Importing units, officials and task tables (`troly … import`): summaries and row errors.

Row errors start with a lower-case letter: they follow "Dòng N: " (ROW_ERROR) or stand alone for
the file as a whole. Column names in them are the canonical headers of the import files.
"""

from __future__ import annotations

# ---------------------------------------------------------------- outcome of an import
ROW_ERROR = "Dòng {row}: {reason}"
REJECTED = "Không nhập tệp vì có {count} lỗi; chưa có dữ liệu nào được ghi."
DRY_RUN_SUMMARY = (
    "Chạy thử (--dry-run), chưa ghi gì. Nếu nhập thật sẽ: thêm mới {created}, "
    "cập nhật {updated}, không đổi {unchanged}."
)
DONE_SUMMARY = "Đã nhập: thêm mới {created}, cập nhật {updated}, không đổi {unchanged}."
CREATED_LINE = "+ {item}"
UPDATED_LINE = "~ {code}: {columns}"
NOT_IN_FILE = "Có trong cơ sở dữ liệu nhưng không có trong tệp (giữ nguyên): {codes}"

# ---------------------------------------------------------------- reading the file
EXCEL_UNREADABLE = (
    "không đọc được tệp Excel {file}: tệp bị hỏng hoặc không phải tệp .xlsx thật (có thể là trang web "
    "hay tệp khác đổi đuôi); vui lòng mở tệp bằng Excel, chọn “Lưu thành” (Save As) dạng Excel Workbook "
    "(.xlsx) rồi gửi lại"
)
EXCEL_OLD_OR_PASSWORD = (
    "tệp {file} là tệp Excel định dạng cũ (.xls) hoặc có đặt mật khẩu; vui lòng mở tệp bằng Excel, "
    "bỏ mật khẩu nếu có, chọn “Lưu thành” (Save As) dạng Excel Workbook (.xlsx) rồi gửi lại"
)
FILE_EMPTY = "tệp {file} không có dữ liệu (tệp trống); vui lòng kiểm tra lại tệp rồi gửi lại"
CSV_ENCODING_UNREADABLE = "không đọc được bảng mã của tệp {file}; vui lòng lưu lại dưới dạng CSV UTF-8"
WRONG_FILE_TYPE = "tệp {file}: chỉ nhận .xlsx hoặc .csv"
NO_HEADER_ROW = "không tìm thấy dòng tiêu đề có đủ các cột: {columns}"

# ---------------------------------------------------------------- units
UNIT_CODE_MISSING = "thiếu Mã đơn vị"
UNIT_CODE_TOO_LONG = "Mã đơn vị dài quá 64 ký tự"
UNIT_CODE_DUPLICATE = "Mã đơn vị {code} trùng với dòng {row}"
UNIT_NAME_MISSING = "thiếu Tên đơn vị"
UNIT_CUTOFF_INVALID = (
    "Hạn chốt báo cáo \u201c{value}\u201d không hợp lệ (ví dụ: T6 16:00 hoặc fri 16:00)"
)
UNIT_OWN_PARENT = "đơn vị không thể là cấp trên của chính nó"
UNIT_PARENT_UNKNOWN = "không có đơn vị cấp trên mã {code}"
UNIT_IN_CYCLE = "đơn vị {code} nằm trong một vòng lặp cấp trên"

# ---------------------------------------------------------------- officials
OFFICIAL_CODE_MISSING = "thiếu Mã cán bộ"
OFFICIAL_CODE_DUPLICATE = "Mã cán bộ {code} trùng với dòng {row}"
OFFICIAL_NAME_MISSING = "thiếu Họ và tên"
OFFICIAL_UNIT_MISSING = "thiếu Đơn vị"
OFFICIAL_UNIT_UNKNOWN = "không có đơn vị \u201c{unit}\u201d (nhập danh sách đơn vị trước)"
OFFICIAL_ROLE_INVALID = (
    "Vai trò \u201c{value}\u201d không hợp lệ (Cán bộ, Phó đơn vị, Trưởng đơn vị, Quản trị)"
)
OFFICIAL_STATUS_INVALID = "Trạng thái \u201c{value}\u201d không hợp lệ (Đang công tác hoặc Đã nghỉ)"
UNIT_HAS_HEAD = "đơn vị {code} đã có trưởng đơn vị ở dòng {row}"
#: the unit's head already stored is not in the file: two active heads would both lead the unit
UNIT_HAS_STORED_HEAD = (
    "đơn vị {code} đang có trưởng đơn vị {name} ({other}); nếu người này đã thôi giữ chức, "
    "thêm dòng {other} vào tệp với vai trò mới hoặc trạng thái “Đã nghỉ”"
)
#: a unit held concurrently (kiêm nhiệm) by a head whose home unit is another
UNIT_HAS_CONCURRENT_HEAD = (
    "đơn vị {code} đang do {name} ({other}) kiêm nhiệm trưởng đơn vị; nếu người này đã thôi "
    "kiêm nhiệm, ghi lại cột “{column}” ở dòng {other} (để trống nếu không còn kiêm nhiệm)"
)
CONCURRENT_OWN_UNIT = (
    "cột Kiêm nhiệm trưởng đơn vị ghi {code} là đơn vị của chính cán bộ; "
    "trưởng đơn vị của mình thì ghi ở cột Vai trò"
)
CONCURRENT_UNIT_UNKNOWN = (
    "cột \u201c{column}\u201d ghi \u201c{unit}\u201d nhưng không có đơn vị này; cột chỉ ghi mã "
    "hoặc tên các đơn vị mà cán bộ kiêm nhiệm trưởng đơn vị (nhập danh sách đơn vị trước)"
)
CONCURRENT_INACTIVE = "cán bộ đã nghỉ không thể kiêm nhiệm trưởng đơn vị {code}"

# ---------------------------------------------------------------- task tables
PLAN_UNKNOWN = (
    "chưa biết kế hoạch của bảng nhiệm vụ: ghi \u201cKế hoạch số …\u201d phía trên bảng "
    "hoặc dùng --plan \"Kế hoạch số 286/KH-BTTTT\""
)
NO_TASKS = "bảng không có nhiệm vụ nào"
TASK_CODE_MISSING = "thiếu Mã nhiệm vụ"
TASK_CODE_TOO_LONG = "Mã nhiệm vụ dài quá 64 ký tự"
TASK_CODE_DUPLICATE = "Mã nhiệm vụ {code} trùng với dòng {row}"
TASK_TITLE_MISSING = "thiếu nội dung Nhiệm vụ"
TASK_LEAD_MISSING = "thiếu Đơn vị chủ trì"
TASK_LEAD_UNKNOWN = "không có đơn vị chủ trì \u201c{unit}\u201d"
TASK_CO_UNKNOWN = "không có đơn vị phối hợp \u201c{unit}\u201d"
OFFICIAL_AMBIGUOUS = "có {count} cán bộ tên \u201c{name}\u201d; vui lòng ghi Mã cán bộ"
OFFICIAL_UNKNOWN = "không có cán bộ \u201c{name}\u201d"

# ---------------------------------------------------------------- deadlines (rules/deadlines.py)
DEADLINE_UNREADABLE = (
    "không đọc được thời hạn \u201c{value}\u201d (ví dụ đúng: 15/04/2025, Quý II/2025, Tháng 6/2025)"
)
TASK_CONSOLIDATOR_UNKNOWN = "không có đơn vị tổng hợp \u201c{unit}\u201d"
UNIT_PERIOD_CUTOFF_INVALID = (
    "Hạn chốt báo cáo tháng \u201c{value}\u201d không hợp lệ (ví dụ: 14 16:00, cuoi 16:00)"
)
DAY_UNREADABLE = "chưa hiểu ngày \u201c{value}\u201d (ví dụ đúng: 21/12, 21/12/2026, hôm nay, mai)"
DEADLINE_BAD_MONTH = "tháng {month} không hợp lệ"
DEADLINE_NO_SUCH_DAY = "ngày {day}/{month}/{year} không tồn tại"
#: a month over 12 where the day could be one: written month first (03/15/2027), as English software does
DEADLINE_MONTH_FIRST = (
    "ngày {day}/{month}/{year} không tồn tại; ngày viết theo thứ tự ngày/tháng/năm, "
    "có phải là {month}/{day}/{year}?"
)
#: a date that reads both ways ("03/04/2027") in a column where another row was written month
#: first (row {row}: {example}, "03/15/2027"): not imported until the order is certain
DEADLINE_ORDER_DOUBT = (
    "ngày {day}/{month}/{year} chưa rõ thứ tự: dòng {row} ghi \u201c{example}\u201d theo thứ tự "
    "tháng/ngày/năm, nên ngày này có phải là {month}/{day}/{year}? Vui lòng ghi rõ theo thứ tự "
    "ngày/tháng/năm"
)

# ---------------------------------------------------------------- unusable files and cells
CSV_UNREADABLE = "không đọc được tệp CSV {file}; vui lòng lưu lại từ Excel dưới dạng CSV UTF-8"
TOO_MANY_ROWS = "tệp {file} có hơn {limit} dòng; vui lòng chia thành nhiều tệp nhỏ hơn"
EXCEL_TOO_LARGE_UNPACKED = (
    "tệp Excel {file} khi giải nén lớn hơn {limit} MB; vui lòng chỉ giữ trang tính cần nhập"
)
#: a cell holding a spreadsheet error (#N/A, #REF!…): a lookup that found nothing, a broken reference
ERROR_CELL = (
    "ô {column} có lỗi công thức ({value}); vui lòng sửa công thức trong Excel hoặc nhập giá trị "
    "đúng rồi gửi lại"
)
FORMULA_CELL = (
    "ô {column} là công thức chưa có giá trị (hoặc văn bản bắt đầu bằng \u201c=\u201d); "
    "vui lòng dán giá trị (Paste Values) thay cho công thức"
)
CELL_TOO_LONG = "{column} dài quá {limit} ký tự"
OFFICIAL_CODE_TOO_LONG = "Mã cán bộ dài quá 64 ký tự"
PLAN_REF_TOO_LONG = "số hiệu kế hoạch dài quá 255 ký tự"
