"""Texts of guide uploads and admin guide management."""

from __future__ import annotations

from knowledge.types import IngestProblem

INGEST_PROBLEMS: dict[IngestProblem, str] = {
    IngestProblem.UNSUPPORTED_TYPE: (
        "định dạng tệp chưa được hỗ trợ. Vui lòng gửi tệp .docx, .pdf, .md hoặc .txt"
    ),
    IngestProblem.EMPTY: "tệp không có nội dung văn bản",
    IngestProblem.TOO_LARGE: "tệp quá lớn (tối đa {limit} MB)",
    IngestProblem.CORRUPTED: "tệp bị hỏng hoặc không đúng định dạng, không đọc được",
    IngestProblem.ENCRYPTED: "tệp được đặt mật khẩu. Vui lòng gỡ mật khẩu rồi gửi lại",
    IngestProblem.NO_TEXT_LAYER: (
        "tệp PDF là bản quét (chỉ có hình ảnh, không có lớp chữ), troly không đọc được chữ trong "
        "ảnh. Vui lòng gửi tệp .docx gốc, hoặc bản PDF xuất trực tiếp từ Word (Tệp > Lưu thành "
        "> PDF) thay cho bản quét"
    ),
    IngestProblem.BAD_ENCODING: "không đọc được bảng mã của tệp. Vui lòng lưu lại dưới dạng UTF-8",
    IngestProblem.UNPACKED_TOO_LARGE: (
        "nội dung tệp sau khi giải nén vượt quá {limit} MB (thường do hình ảnh rất lớn, hoặc tệp "
        "bị lỗi). Vui lòng nén bớt hình ảnh hoặc chia tài liệu thành nhiều tệp"
    ),
    IngestProblem.TOO_MANY_PASSAGES: (
        "tài liệu quá dài (tạo ra hơn {limit} đoạn tra cứu). Vui lòng chia thành nhiều hướng "
        "dẫn nhỏ hơn"
    ),
    IngestProblem.TOO_MANY_PAGES: (
        "tệp PDF có quá nhiều trang (tối đa {limit} trang). Vui lòng chia thành nhiều tệp"
    ),
}

#: a PDF most of whose pages are pictures without text (the reason in INGEST_FAILED)
MOSTLY_SCANNED = (
    "tệp PDF phần lớn là bản quét: trang {pages} không có chữ (chỉ có hình ảnh), troly không "
    "đọc được chữ trong ảnh. Vui lòng gửi tệp .docx gốc, hoặc bản PDF xuất trực tiếp từ Word "
    "(Tệp > Lưu thành > PDF) thay cho bản quét"
)
#: a Word file holding pictures only (pages scanned or photographed, pasted in)
WORD_PICTURES_ONLY = (
    "tệp Word chỉ có hình ảnh (ảnh chụp hoặc ảnh quét dán vào), không có chữ, troly không đọc "
    "được chữ trong ảnh. Vui lòng gửi tệp .docx có chữ gõ, hoặc bản PDF có lớp chữ"
)
#: a document typed in an old Vietnamese font (TCVN3 .VnTime, VNI-Times): its words read wrong
OLD_VIETNAMESE_FONT = (
    "văn bản được gõ bằng phông chữ cũ (TCVN3 như .VnTime, hoặc VNI), troly đọc thành chữ sai "
    "nên không tra cứu được. Vui lòng chuyển mã sang Unicode (ví dụ Unikey: Công cụ chuyển mã, "
    "TCVN3 hoặc VNI Windows sang Unicode) rồi gửi lại"
)
#: a PDF with a few scanned pages: said in the chat's summary and by `troly guides add`
PAGES_WITHOUT_TEXT = (
    "\u26a0\ufe0f Trang {pages} không có chữ (có thể là ảnh quét): troly sẽ không trả lời được "
    "từ các trang này. Nên dùng bản PDF có lớp chữ hoặc bản .docx."
)
#: pages left after the ranges named ('3, 7–9 và 40 trang khác')
PAGES_MORE = " và {count} trang khác"

#: files of a type troly does not read, by kind (bot/guide_import.py): what to do instead
UNSUPPORTED_KINDS: dict[str, str] = {
    "word_legacy": (
        "đây là tệp Word định dạng cũ (.doc). Vui lòng mở tệp bằng Word, chọn \u201cLưu thành\u201d "
        "(Save As) định dạng .docx rồi gửi lại"
    ),
    "document": (
        "định dạng {suffix} chưa được hỗ trợ. Vui lòng lưu tệp thành .docx hoặc .pdf rồi gửi lại"
    ),
    "word_web": (
        "tệp này chưa phải tệp Word .docx thông thường (có thể là trang web hoặc tệp do phần "
        "mềm khác xuất ra). Vui lòng mở tệp bằng Word, chọn \u201cLưu thành\u201d (Save As) định "
        "dạng .docx rồi gửi lại"
    ),
    "slides": (
        "bản trình chiếu ({suffix}) chưa được hỗ trợ. Vui lòng lưu thành .pdf rồi gửi lại"
    ),
    "image": (
        "đây là tệp ảnh, troly chưa đọc được chữ trong ảnh. Vui lòng gửi văn bản dạng .docx, hoặc "
        ".pdf có chữ (không phải bản chụp, bản quét)"
    ),
    "archive": (
        "đây là tệp nén ({suffix}). Vui lòng giải nén rồi gửi từng tệp .docx, .pdf, .md hoặc .txt"
    ),
}
INGEST_FAILED = "Không nhập được tệp \u201c{file}\u201d: {reason}. Dữ liệu cũ không bị thay đổi."
ADDED = (
    "Đã thêm hướng dẫn \u201c{title}\u201d (phiên bản {version}).\n"
    "Số mục: {sections}, số đoạn tra cứu: {passages}.{ref}"
)
REPLACED = (
    "Đã cập nhật hướng dẫn \u201c{title}\u201d: phiên bản {version} thay cho phiên bản {old} "
    "(phiên bản cũ vẫn được lưu).\nSố mục: {sections}, số đoạn tra cứu: {passages}.{ref}"
)
UNCHANGED = "Hướng dẫn \u201c{title}\u201d đã có đúng tệp này (phiên bản {version}); không có gì thay đổi."
REF_LINE = "\nCăn cứ: {source_ref}"
SAME_TITLE = (
    "Đã có hướng dẫn \u201c{title}\u201d{state} (phiên bản {version}, tệp \u201c{old_file}\u201d). "
    "Anh/chị có muốn thay thế bằng tệp \u201c{file}\u201d không? Phiên bản cũ vẫn được lưu."
)
STATE_WITHDRAWN = " (đã thu hồi)"
BUTTON_REPLACE = "Thay thế hướng dẫn cũ"
BUTTON_KEEP_OLD = "Không, giữ nguyên"
UPLOAD_KEPT_OLD = "Đã giữ nguyên hướng dẫn cũ; tệp \u201c{file}\u201d không được nhập."
UPLOAD_CHOICE_GONE = (
    "Lựa chọn này không còn hiệu lực (đã quá 24 giờ hoặc đã được xử lý). Vui lòng gửi lại tệp."
)
ONLY_ADMINS_UPLOAD = (
    "Cảm ơn anh/chị đã gửi tệp. Chỉ quản trị viên mới có thể bổ sung hướng dẫn; anh/chị vui "
    "lòng chuyển tệp cho quản trị viên của đơn vị."
)
FILE_TOO_LARGE_TO_DOWNLOAD = (
    "Tệp \u201c{file}\u201d quá lớn để tải về (tối đa {limit} MB). Vui lòng nén hoặc chia nhỏ tệp."
)
WITHDRAW_USAGE = "Cách dùng: /thuhoi <mã hướng dẫn>. Gõ /huongdan để xem mã."
WITHDRAWN = "Đã thu hồi hướng dẫn \u201c{title}\u201d. Hướng dẫn này sẽ không còn được dùng để trả lời."
#: /thuhoi of a guide withdrawn before (pressed twice, two admins): nothing changes, nobody is told again
ALREADY_WITHDRAWN = (
    "Hướng dẫn \u201c{title}\u201d đã được thu hồi từ ngày {day}; không có gì thay đổi và không gửi "
    "thêm thông báo."
)
WITHDRAWN_AUDIENCE_TOLD = " Các cán bộ đã nhận thông báo về hướng dẫn này sẽ được báo tin thu hồi."
GUIDE_GONE = "Hướng dẫn này không còn hiệu lực. Gõ /huongdan để xem danh sách."
GUIDE_NOT_FOUND = "Không tìm thấy hướng dẫn \u201c{key}\u201d. Gõ /huongdan để xem danh sách."
#: `/huongdan <words>` naming no guide (the list follows)
GUIDE_TYPED_NOT_FOUND = "Không tìm thấy hướng dẫn \u201c{key}\u201d."
#: `/huongdan <words>` fitting several guides' titles (they follow, each a button)
GUIDE_TYPED_SEVERAL = (
    "Có {count} hướng dẫn khớp với \u201c{key}\u201d. Chọn một hướng dẫn dưới đây, hoặc gõ "
    "thêm từ trong tên để thu hẹp:"
)
GUIDE_TYPED_MORE = "… và {count} hướng dẫn khác."

# ---------------------------------------------------------------- options of a new guide (chat and CLI)

OPTION_UNLIKELY_YEAR = (
    "Ngày {day} có vẻ bị gõ nhầm năm (chỉ nhận từ năm {first} đến năm {last}). Vui lòng gõ lại."
)
OPTION_BAD_RANGE = (
    "Ngày hết hiệu lực ({until}) sớm hơn ngày bắt đầu có hiệu lực ({start}). Vui lòng gõ lại."
)
OPTION_UNKNOWN_UNITS = "Không tìm thấy đơn vị: {units}. Vui lòng gõ lại tên hoặc mã đơn vị."
OPTION_MORE_CODES = " và {count} tên khác"
OPTION_UNIT = "{name} ({code})"
OPTION_UNIT_SUGGESTED = "\u201c{typed}\u201d (có phải {units}?)"
OPTION_UNCLEAR_UNIT = (
    "\u201c{typed}\u201d khớp với nhiều đơn vị: {units}. Vui lòng ghi rõ tên hơn hoặc dùng mã "
    "đơn vị."
)
OPTION_MORE_UNITS = " và {count} đơn vị khác"
OPTION_UNKNOWN_ROLES = "Vai trò không hợp lệ: {roles} (dùng {known})."
OPTION_REPLACES_AND_NOT = (
    "Không thể vừa chọn hướng dẫn được thay thế (--replaces) vừa chọn không thay thế "
    "(--no-replaces)."
)
OPTION_GUIDE_NOT_FOUND = (
    "Không tìm thấy hướng dẫn \u201c{key}\u201d. Anh/chị vui lòng gõ mã hướng dẫn, số văn bản "
    "hoặc số thứ tự trong danh sách."
)
