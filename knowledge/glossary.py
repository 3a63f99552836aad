"""English → Vietnamese glossary of common administrative and IT terms, for English questions.

An English question is searched through its Vietnamese reading: the glossary's phrases found in it
(longest first, plural "s" tolerated) become the Vietnamese query; words it does not know are dropped.
General public-administration vocabulary only, not any guide's own wording.
"""

from __future__ import annotations

import re
from functools import cache

GLOSSARY: tuple[tuple[str, str], ...] = (
    # who and where
    ("people's committee", "ủy ban nhân dân"), ("people's council", "hội đồng nhân dân"),
    ("commune", "xã"), ("ward", "phường"), ("village", "thôn"), ("district", "huyện"),
    ("province", "tỉnh"), ("provincial", "tỉnh"), ("department", "sở"), ("ministry", "bộ"),
    ("vice chairman", "phó chủ tịch"), ("vice chair", "phó chủ tịch"), ("chairman", "chủ tịch"),
    ("chairwoman", "chủ tịch"), ("chair", "chủ tịch"), ("leader", "lãnh đạo"),
    ("civil servant", "công chức"), ("official", "công chức"), ("officer", "cán bộ"),
    ("staff", "cán bộ"), ("clerk", "văn thư"), ("citizen", "người dân"), ("resident", "người dân"),
    ("people", "người dân"), ("household", "hộ"), ("poor household", "hộ nghèo"),
    ("elderly", "người cao tuổi"), ("child", "trẻ em"), ("children", "trẻ em"),
    ("team", "tổ"), ("member", "thành viên"), ("editorial board", "ban biên tập"),
    ("community digital technology team", "tổ công nghệ số cộng đồng"),
    ("one-stop shop", "bộ phận một cửa"), ("one-stop", "một cửa"), ("one-stop desk", "bộ phận một cửa"), ("police", "công an"),
    ("company", "doanh nghiệp"), ("contractor", "đơn vị"), ("supplier", "bên cung cấp"),
    # documents and procedures
    ("document", "văn bản"), ("incoming document", "văn bản đến"),
    ("outgoing document", "văn bản đi"), ("official letter", "công văn"), ("letter", "công văn"),
    ("urgent", "hỏa tốc khẩn"), ("secret", "mật"), ("confidential", "mật"),
    ("paper copy", "bản giấy"), ("paper", "bản giấy"), ("stamp", "đóng dấu"), ("seal", "con dấu"),
    ("sign", "ký"), ("signing", "ký"), ("signed", "ký"), ("signature", "chữ ký"),
    ("digital signature", "chữ ký số"), ("certificate", "chứng thư số"),
    ("token", "thiết bị ký số"), ("usb token", "thiết bị ký số"), ("pin", "mã pin"),
    ("form", "mẫu"), ("template", "mẫu"), ("record", "hồ sơ"), ("dossier", "hồ sơ"),
    ("application", "hồ sơ đề nghị"), ("procedure", "thủ tục"),
    ("administrative procedure", "thủ tục hành chính"), ("public service", "dịch vụ công"),
    ("online", "trực tuyến"), ("report", "báo cáo"), ("reporting", "báo cáo"),
    ("deadline", "thời hạn"), ("time limit", "thời hạn"), ("renew", "gia hạn"),
    ("renewal", "gia hạn"), ("revoke", "thu hồi"), ("approve", "phê duyệt"),
    ("approval", "phê duyệt"), ("approves", "duyệt"), ("publish", "đăng công khai"),
    ("public", "công khai"), ("disclose", "công khai"), ("list", "danh sách"),
    ("complaint", "phản ánh kiến nghị"), ("feedback", "phản ánh kiến nghị"),
    ("petition", "phản ánh kiến nghị"), ("reply", "trả lời"), ("respond", "trả lời"),
    ("response", "trả lời"), ("answer", "trả lời"), ("duplicate", "trùng"),
    ("transfer", "chuyển"), ("forward", "chuyển"), ("classify", "phân loại"),
    ("meeting", "họp sinh hoạt"), ("minutes", "biên bản"), ("plan", "kế hoạch"),
    ("decision", "quyết định"), ("decree", "nghị định"), ("circular", "thông tư"),
    ("regulation", "quy định"), ("guideline", "hướng dẫn"), ("guide", "hướng dẫn"),
    ("target", "chỉ tiêu"), ("quota", "chỉ tiêu"), ("score", "điểm"), ("scoring", "chấm điểm"),
    ("self-assessment", "tự đánh giá"), ("self assessment", "tự đánh giá"),
    ("assessment", "đánh giá"), ("evaluation", "đánh giá"), ("appraisal", "thẩm định"),
    ("ranking", "xếp loại"), ("rank", "xếp loại"), ("evidence", "tài liệu kiểm chứng"),
    ("administrative reform", "cải cách hành chính"), ("index", "chỉ số"),
    ("satisfaction", "hài lòng"), ("survey", "khảo sát"), ("consent", "đồng ý"),
    ("agree", "đồng ý"), ("campaign", "đợt cao điểm"), ("mobile", "lưu động"),
    # money
    ("fee", "phí"), ("tax", "thuế"), ("price", "giá"), ("salary", "lương"), ("cost", "kinh phí"), ("funding", "kinh phí"), ("budget", "ngân sách"),
    ("state budget", "ngân sách nhà nước"), ("pay", "thanh toán chi"),
    ("payment", "thanh toán"), ("allowance", "hỗ trợ phụ cấp"), ("royalty", "nhuận bút"),
    ("royalties", "nhuận bút"), ("purchase", "mua sắm"), ("procurement", "mua sắm"),
    ("buy", "mua"), ("bidding", "đấu thầu"), ("tender", "đấu thầu"), ("quotation", "báo giá"),
    ("contract", "hợp đồng"), ("hire", "thuê"), ("outsource", "thuê"), ("warranty", "bảo hành"),
    ("acceptance", "nghiệm thu"), ("liquidation", "thanh lý"), ("dispose", "thanh lý"),
    ("million", "triệu"), ("dong", "đồng"), ("vnd", "đồng"),
    # IT
    ("computer", "máy tính"), ("laptop", "máy tính xách tay"), ("printer", "máy in"),
    ("scanner", "máy quét"), ("equipment", "thiết bị"), ("device", "thiết bị"),
    ("configuration", "cấu hình"), ("software", "phần mềm"), ("system", "hệ thống"),
    ("document management system", "hệ thống quản lý văn bản và điều hành"),
    ("website", "trang thông tin điện tử"), ("web site", "trang thông tin điện tử"),
    ("web page", "trang thông tin điện tử"), ("portal", "cổng thông tin điện tử"),
    ("post", "tin bài đăng"), ("posts", "tin bài"), ("article", "bài"), ("news", "tin"),
    ("photo", "ảnh"), ("update", "cập nhật"), ("email", "thư điện tử"),
    ("e-mail", "thư điện tử"), ("mail", "thư điện tử"), ("mailbox", "hộp thư"),
    ("attachment", "tệp đính kèm"), ("attach", "đính kèm"), ("file", "tệp"),
    ("size", "dung lượng"), ("password", "mật khẩu"), ("account", "tài khoản"),
    ("login", "đăng nhập"), ("log in", "đăng nhập"), ("admin", "quản trị"),
    ("administrator", "quản trị"), ("admin rights", "quyền quản trị"), ("rights", "quyền"),
    ("malware", "mã độc"), ("virus", "mã độc"), ("ransomware", "mã độc tiền chuộc"),
    ("hacked", "tấn công"), ("hack", "tấn công"), ("attack", "tấn công"),
    ("security", "an toàn"), ("information security", "an toàn thông tin"),
    ("backup", "sao lưu"), ("back up", "sao lưu"), ("data", "dữ liệu"),
    ("personal data", "dữ liệu cá nhân"), ("database", "cơ sở dữ liệu"), ("leak", "lộ"),
    ("breach", "lộ mất dữ liệu"), ("network", "mạng"), ("internet", "mạng"),
    ("outage", "gián đoạn"), ("down", "gián đoạn"), ("disconnect", "gián đoạn kết nối"),
    ("technical support", "hỗ trợ kỹ thuật"), ("support", "hỗ trợ"), ("helpdesk", "tổng đài hỗ trợ"),
    ("hotline", "đường dây nóng"), ("phone", "điện thoại"), ("phone number", "số điện thoại"),
    ("message", "tin nhắn"), ("broadcast", "tin truyền thông"), ("follower", "người quan tâm"),
    ("digitize", "số hóa"), ("digitise", "số hóa"), ("digitization", "số hóa"),
    ("scan", "quét"), ("civil status", "hộ tịch"), ("civil registration", "hộ tịch"),
    ("birth", "khai sinh"), ("marriage", "kết hôn"), ("death", "khai tử"),
    ("electronic identification", "định danh điện tử"), ("electronic id", "định danh điện tử"),
    ("identification", "định danh"), ("identity", "định danh"), ("id card", "căn cước"),
    ("level 2", "mức 2"), ("activate", "kích hoạt"), ("activation", "kích hoạt"),
    # actions and qualities
    ("lost", "mất"), ("lose", "mất"), ("broken", "hỏng"), ("damaged", "hỏng"),
    ("lock", "khóa"), ("change", "thay đổi"), ("register", "đăng ký"),
    ("registration", "đăng ký"), ("receive", "tiếp nhận"), ("send", "gửi"), ("submit", "nộp"),
    ("store", "lưu"), ("keep", "lưu"), ("delete", "xóa"), ("share", "chia sẻ"),
    ("responsible", "trách nhiệm"), ("responsibility", "trách nhiệm"), ("maximum", "tối đa"),
    ("minimum", "tối thiểu"), ("limit", "tối đa"), ("at least", "ít nhất"),
    ("how often", "bao lâu một lần"), ("how long", "bao lâu"), ("how many", "bao nhiêu"),
    ("how much", "bao nhiêu"), ("working days", "ngày làm việc"), ("working day", "ngày làm việc"),
    ("day", "ngày"), ("hour", "giờ"), ("month", "tháng"), ("monthly", "hằng tháng"),
    ("week", "tuần"), ("weekly", "hằng tuần"), ("year", "năm"), ("annual", "hằng năm"),
    ("yearly", "hằng năm"), ("quarter", "quý"), ("quarterly", "hằng quý"),
)  # fmt: skip

_WORD = re.compile(r"[a-z0-9]+")
_POSSESSIVE = re.compile(r"['’]s\b")


def _words(text: str) -> list[str]:
    """Lowercase words; "commune's" → "commune", "self-assessment" → "self", "assessment"."""
    return _WORD.findall(_POSSESSIVE.sub("", text.lower()))


@cache
def _table() -> tuple[dict[tuple[str, ...], str], int]:
    table: dict[tuple[str, ...], str] = {}
    for english, vietnamese in GLOSSARY:
        table.setdefault(tuple(_words(english)), vietnamese)
    return table, max(len(k) for k in table)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def to_vietnamese(text: str) -> str:
    """The Vietnamese reading of an English question: glossary phrases (longest first), numbers kept."""
    table, longest = _table()
    words = _words(text)
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(longest, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + size])
            found = table.get(phrase) or table.get((*phrase[:-1], _singular(phrase[-1])))
            if found:
                out.append(found)
                i += size
                break
        else:
            if words[i].isdigit():
                out.append(words[i])
            i += 1
    return " ".join(out)


@cache
def english_words() -> frozenset[str]:
    """Every single English word of the glossary: words never read as Telex or typos of Vietnamese."""
    table, _ = _table()
    return frozenset(word for phrase in table for word in phrase if not word.isdigit())
