"""Texts of answer feedback, the unanswered queue (/chuatraloi) and synonyms (/tuongduong)."""

from __future__ import annotations

# ---------------------------------------------------------------- feedback under answers
BUTTON_HELPFUL = "Hữu ích"
BUTTON_WRONG = "Chưa đúng"
HELPFUL_THANKS = "Cảm ơn anh/chị đã phản hồi."
WHAT_WRONG = (
    "Anh/chị có thể cho biết câu trả lời chưa đúng ở điểm nào không? Gõ vài chữ, "
    "hoặc bấm \u201cBỏ qua\u201d."
)
BUTTON_SKIP = "Bỏ qua"
COMMENT_THANKS = "Cảm ơn anh/chị, góp ý đã được ghi lại cho quản trị viên."
#: a comment at "what was wrong?" that reads as a question: stored, and answered below this
COMMENT_KEPT_ANSWERING = (
    "Góp ý đã được ghi lại cho quản trị viên. Tôi cũng tra cứu nội dung này như một câu hỏi mới:"
)
COMMENT_SKIPPED = "Vâng. Câu hỏi vẫn được ghi lại để quản trị viên bổ sung."
COMMENT_STOPPED = "Đã dừng. Câu hỏi vẫn được ghi lại để quản trị viên bổ sung."
COMMENT_STALE = "Phần góp ý này đã kết thúc."

# ---------------------------------------------------------------- the queue (/chuatraloi)
QA_HEADING = "Hỏi – đáp"
FAQ_TITLE = "Hỏi – đáp: {unit}"
FAQ_TITLE_GENERAL = "Hỏi – đáp chung"
QUEUE_NONE = "Không còn câu hỏi nào chờ trả lời."
QUEUE_NOT_ALLOWED = (
    "Danh sách này dành cho quản trị viên và cán bộ của đơn vị quản lý hướng dẫn."
)
QUEUE_HEADER = (
    "Câu hỏi chưa có lời đáp: {groups} nhóm, {asked} lượt hỏi "
    "(câu hỏi giống nhau được gộp thành một nhóm). Nhóm {first}–{last}:"
)
GROUP_TEXT = "❓ {text}"
GROUP_COUNT = "Hỏi {count} lần, lần cuối {when}"
GROUP_OFFERED = "Đã gợi ý: {guides}"
GROUP_SHOWN = "Người hỏi báo chưa đúng: {passages}"
GROUP_COMMENTS = "Góp ý: {comments}"
BUTTON_ANSWER = "Trả lời"
BUTTON_LINK = "Chỉ mục"
BUTTON_IGNORE = "Bỏ qua"
BUTTON_MORE_GROUPS = "Các nhóm tiếp theo"
GROUP_GONE = "Nhóm câu hỏi này đã được xử lý hoặc không còn."

ANSWER_TEXT_PROMPT = (
    "Câu hỏi: \u201c{question}\u201d ({count} lượt hỏi).\n"
    "Gõ hoặc chuyển tiếp câu trả lời (/huy để dừng):"
)
ANSWER_EMPTY = "Xin gõ nội dung câu trả lời (hoặc /huy để dừng)."
ANSWER_TARGET_PROMPT = "Lưu câu trả lời này vào hướng dẫn nào (thành mục \u201cHỏi – đáp\u201d)?"
BUTTON_FAQ = "Hỏi – đáp của đơn vị"
BUTTON_FAQ_GENERAL = "Hỏi – đáp chung"
CHOOSE_ABOVE = "Xin chọn một hướng dẫn ở trên (hoặc /huy để dừng)."
#: the guide chosen for an answer answers nothing today (bot/kb_loop.py, NotAnswering): why, and
#: what to do; {marks}: "hết hiệu lực từ …", "đã được thay thế bởi …" (bot/db/guidance_store.py)
NOT_IN_FORCE = (
    "Hướng dẫn \u201c{guide}\u201d {marks}, nên câu trả lời lưu vào đó sẽ không được dùng khi tra "
    "cứu. Chưa lưu gì."
)
NOT_IN_FORCE_CHOOSE_ANOTHER = " Anh/chị vui lòng chọn hướng dẫn khác dưới đây (hoặc /huy để dừng)."
NOT_IN_FORCE_NO_OTHER = (
    " Quản trị viên cần gia hạn hiệu lực của hướng dẫn này (troly guides set {slug} --until …) "
    "trước khi lưu câu trả lời vào đó. Gõ /huy để dừng."
)
ANSWER_STORED = (
    "Đã lưu vào \u201c{guide}\u201d (mục Hỏi – đáp) và cập nhật tra cứu. "
    "Đã gửi câu trả lời tới {people} người đã hỏi."
)
#: none told: only guests of the web chat asked (their page has no mailbox)
NOBODY_TOLD = (
    " Chưa báo được cho người hỏi: họ hỏi trên trang web mà chưa đăng nhập nên không nhận được tin "
    "sau; khi hỏi lại, họ sẽ thấy câu trả lời."
)
ANSWER_STORED_NOBODY = (
    "Đã lưu vào \u201c{guide}\u201d (mục Hỏi – đáp) và cập nhật tra cứu." + NOBODY_TOLD
)
ANSWER_STOPPED = "Đã dừng, chưa lưu câu trả lời nào."

LINK_CHOOSE_GUIDE = "Câu hỏi: \u201c{question}\u201d\nMục trả lời nằm trong hướng dẫn nào?"
LINK_CHOOSE_SECTION = "{guide}\nChọn mục trả lời câu hỏi \u201c{question}\u201d:"
BUTTON_MORE = "Tiếp theo"
LINK_DONE = (
    "Đã gắn câu hỏi với mục \u201c{section}\u201d: lần sau hỏi như vậy sẽ được trả lời bằng mục này. "
    "Đã báo cho {people} người đã hỏi."
)
LINK_DONE_NOBODY = (
    "Đã gắn câu hỏi với mục \u201c{section}\u201d: lần sau hỏi như vậy sẽ được trả lời bằng mục này."
    + NOBODY_TOLD
)
LINK_GONE = "Mục này không còn trong hướng dẫn hiện hành."
#: a guide chosen under an older message is gone (a duplicate FAQ guide merged into the one kept)
LINK_GUIDE_GONE = "Hướng dẫn này không còn (có thể đã được gộp vào một hướng dẫn khác). Anh/chị chọn lại hướng dẫn dưới đây."
LINK_NOT_IN_FORCE = (
    "Hướng dẫn \u201c{guide}\u201d {marks}, nên câu hỏi chỉ vào mục của hướng dẫn này sẽ không "
    "được trả lời. Chưa lưu gì; anh/chị vui lòng chọn mục trong hướng dẫn khác (nút "
    "\u201c{button}\u201d dưới câu hỏi ở /chuatraloi)."
)

IGNORE_PROMPT = "Bỏ qua nhóm câu hỏi \u201c{question}\u201d. Lý do? Chọn hoặc gõ (/huy để dừng):"
IGNORE_REASONS = ("Ngoài phạm vi hướng dẫn", "Câu hỏi chưa rõ", "Đã có hướng dẫn trả lời")
IGNORED = "Đã bỏ qua {count} câu hỏi (lý do: {reason})."
IGNORE_STOPPED = "Đã dừng, nhóm câu hỏi vẫn chờ xử lý."
FLOW_STALE = "Thao tác này đã kết thúc. Gõ /chuatraloi để xem lại danh sách."

# ---------------------------------------------------------------- answers already written
BUTTON_WRITTEN = "Câu trả lời đã viết"
WRITTEN_NONE = "Chưa có câu trả lời nào do anh/chị hoặc đơn vị của anh/chị viết."
WRITTEN_HEADER = "Câu trả lời đã viết: {count} câu. Câu {first}–{last} (mới nhất trước):"
WRITTEN_ITEM = "❓ {question}\n💬 {answer}\n— {guide}, {when}{by}"
WRITTEN_BY = ", {name}"
#: under an entry edited at least once
WRITTEN_EDITED = "✏️ Đã sửa {count} lần, lần gần nhất lúc {when} ({by})."
BUTTON_EDIT = "Sửa"
BUTTON_REMOVE = "Gỡ"
#: a list longer than one page (the written answers, their history)
PAGE = "Trang {page}/{pages}"
BUTTON_PREV_PAGE = "Trang trước"
BUTTON_NEXT_PAGE = "Trang sau"
WRITTEN_GONE = "Câu trả lời này đã được gỡ hoặc anh/chị không có quyền sửa."
EDIT_PROMPT = (
    "Câu hỏi: \u201c{question}\u201d\nCâu trả lời hiện tại:\n{answer}\n\n"
    "Gõ hoặc chuyển tiếp nội dung mới (/huy để dừng):"
)
EDIT_CONFIRM = "Nội dung mới:\n{answer}\n\nLưu thay cho câu trả lời cũ? (Gõ lại nếu muốn sửa tiếp, /huy để dừng.)"
BUTTON_SAVE = "Lưu"
EDIT_CHOOSE = "Xin bấm \u201cLưu\u201d ở trên, gõ lại nội dung, hoặc /huy để dừng."
EDITED = "Đã sửa câu trả lời trong \u201c{guide}\u201d và cập nhật tra cứu: từ nay chỉ nội dung mới được dùng."
#: added when askers' messages still waiting to go out (quiet hours) followed the change
EDITED_WAITING = " {count} tin gửi người hỏi chưa đi cũng được sửa theo."
REMOVED_WAITING = " {count} tin gửi người hỏi chưa đi đã được huỷ."
EDIT_STOPPED = "Đã dừng, câu trả lời giữ nguyên."
REMOVE_CONFIRM = (
    "Gỡ câu trả lời cho \u201c{question}\u201d khỏi \u201c{guide}\u201d? "
    "Sau khi gỡ, tra cứu không dùng câu trả lời này nữa."
)
BUTTON_REMOVE_CONFIRM = "Gỡ câu trả lời này"
REMOVED = "Đã gỡ câu trả lời cho \u201c{question}\u201d và cập nhật tra cứu."

# ---------------------------------------------------------------- who edited or withdrew an answer
BUTTON_HISTORY = "Lịch sử sửa, gỡ"
BUTTON_ENTRY_HISTORY = "Lịch sử sửa"
HISTORY_NONE = "Chưa có câu trả lời nào bị sửa hoặc gỡ."
HISTORY_HEADER = (
    "Lịch sử sửa, gỡ câu trả lời đã viết: {count} lần. Lần {first}–{last} (mới nhất trước):"
)
HISTORY_ENTRY_HEADER = (
    "Lịch sử sửa câu trả lời cho \u201c{question}\u201d: {count} lần. "
    "Lần {first}–{last} (mới nhất trước):"
)
HISTORY_EDITED = (
    "✏️ Sửa lúc {when}, người sửa: {by}\n❓ {question} ({guide})\n"
    "Nội dung cũ: {old}\nNội dung mới: {new}"
)
HISTORY_REMOVED = "🗑 Gỡ lúc {when}, người gỡ: {by}\n❓ {question} ({guide})\nNội dung đã gỡ: {old}"
#: who, when the record has no name (an answer changed before names were kept, or by a script)
HISTORY_UNKNOWN_BY = "không rõ"

# ---------------------------------------------------------------- what askers receive
ASKER_ANSWERED = (
    "📬 Về câu hỏi của anh/chị: \u201c{question}\u201d\n\n{answer}\n\n"
    "(Câu trả lời do quản trị viên bổ sung vào hướng dẫn \u201c{guide}\u201d.)"
)
ASKER_LINKED = (
    "📬 Về câu hỏi của anh/chị: \u201c{question}\u201d\n\n"
    "Quản trị viên đã chỉ ra mục trả lời: \u201c{section}\u201d trong hướng dẫn \u201c{guide}\u201d."
)
BUTTON_READ_SECTION = "Đọc mục này"

# ---------------------------------------------------------------- synonyms (/tuongduong)
SYNONYMS_USAGE = (
    "Từ tương đương giúp tra cứu hiểu cách gọi khác nhau của cùng một điều.\n"
    "• /tuongduong them CNSCĐ = công nghệ số cộng đồng, tổ công nghệ số\n"
    "• /tuongduong xoa CNSCĐ (hoặc: xoa CNSCĐ = tổ công nghệ số)\n"
    "• /tuongduong: xem danh sách"
)
SYNONYMS_NONE = "Chưa có từ tương đương nào do quản trị viên thêm."
SYNONYMS_HEADER = "Từ tương đương ({count}):"
SYNONYMS_ITEM = "• {term} = {expansions}"
SYNONYMS_MORE = "… và {count} từ khác (xem đủ: troly synonyms list)."
SYNONYMS_ADDED = "Đã lưu: {term} = {expansions}. Tra cứu được cập nhật ngay."
SYNONYMS_UNCHANGED = "Không có gì mới: {term} = {expansions}."
SYNONYMS_REMOVED = "Đã xoá từ tương đương: {what}."
SYNONYMS_NOT_FOUND = "Không có từ tương đương \u201c{what}\u201d."
#: the words that select an action after /tuongduong (folded, lower case)
SYNONYMS_ADD_VOCABULARY = ("them", "add")
SYNONYMS_REMOVE_VOCABULARY = ("xoa", "remove", "bo")
CMD_SYNONYMS = "Quản lý từ tương đương cho tra cứu"

# ---------------------------------------------------------------- command line
CLI_GROUP_LINE = "#{key:<6} {count:>3} lần  lần cuối {when}  {text}"
CLI_GROUP_GUIDES = "         đã gợi ý: {guides}"
CLI_GROUP_NOT_FOUND = "Không có nhóm câu hỏi #{key} đang chờ (xem troly unanswered list)."
CLI_GUIDE_NOT_FOUND = "Không tìm thấy hướng dẫn: {key}"
CLI_GUIDE_NOT_IN_FORCE = (
    "Hướng dẫn {key} {marks}, nên không dùng để trả lời câu hỏi; chọn hướng dẫn khác "
    "(troly guides list)."
)
CLI_UNIT_NOT_FOUND = "Không có đơn vị mã {code}."
CLI_SECTION_NOT_FOUND = "Hướng dẫn {guide} không có mục \u201c{section}\u201d."
CLI_ANSWERED = "Đã lưu vào \u201c{guide}\u201d, đóng {closed} câu hỏi, {notified} tin gửi người hỏi đã xếp hàng."
CLI_LINKED = "Đã gắn với mục \u201c{section}\u201d ({guide}), đóng {closed} câu hỏi, {notified} tin gửi người hỏi đã xếp hàng."
CLI_IGNORED = "Đã bỏ qua {closed} câu hỏi."
CLI_WRITTEN_LINE = "#{id:<6} {when}  {guide}  {question}\n         {answer}"
CLI_WRITTEN_EDITED = "         (đã sửa {count} lần, lần gần nhất lúc {when}, người sửa: {by})"
CLI_HISTORY_EDITED = (
    "{when}  #{id:<6} sửa, người sửa: {by}  {guide}  {question}\n"
    "         nội dung cũ: {old}\n         nội dung mới: {new}"
)
CLI_HISTORY_REMOVED = (
    "{when}  #{id:<6} gỡ, người gỡ: {by}  {guide}  {question}\n         nội dung đã gỡ: {old}"
)
CLI_WRITTEN_NOT_FOUND = "Không có câu trả lời #{id} (xem troly unanswered answers)."
CLI_EMPTY_TEXT = "Nội dung câu trả lời mới không được để trống."
CLI_EDITED = "Đã sửa câu trả lời #{id} trong \u201c{guide}\u201d."
CLI_REMOVED = "Đã gỡ câu trả lời #{id}."
CLI_SYNONYM_LINE = "{term} = {expansions}"
CLI_SYNONYM_SAVED = "Đã lưu: {term} = {expansions}"
CLI_SYNONYM_REMOVED = "Đã xoá: {what}"
CLI_SYNONYM_NOT_FOUND = "Không có: {what}"
CLI_SYNONYMS_IMPORTED = "Đã nhập {changed} từ (trên {total}) từ {path}."
CLI_SYNONYMS_BAD_FILE = "Tệp {path} không phải JSON dạng {{\"từ\": [\"từ tương đương\", …]}}."
CLI_OWNER_SET = "Hướng dẫn {guide}: đơn vị quản lý {unit}."
CLI_OWNER_NONE = "(không có)"
