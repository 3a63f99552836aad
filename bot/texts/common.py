"""Greetings, help and errors shown in every channel."""

from __future__ import annotations

BOT_NAME = "troly"

WELCOME = (
    "Xin chào! Tôi là {bot}, trợ lý ảo giúp cán bộ, công chức tra cứu hướng dẫn nghiệp vụ, "
    "báo cáo tiến độ hằng tuần và nhắc hạn nhiệm vụ.\n\n"
    "Anh/chị cứ gõ câu hỏi (có dấu hoặc không dấu đều được), ví dụ: "
    "\u201cthu tuc bao cao tien do tuan\u201d.\n"
    "Gõ /trogiup để xem các lệnh."
)
#: /start during a conversation: its current question follows
CONVERSATION_GOES_ON = (
    "Anh/chị đang làm dở một thao tác. Mời anh/chị tiếp tục ở câu hỏi bên dưới (gõ /huy để dừng)."
)
WELCOME_OFFICIAL = "Xin chào {name}! Gõ câu hỏi để tra cứu hướng dẫn, hoặc /trogiup để xem các lệnh."

HELP_HEADER = "Các lệnh anh/chị có thể dùng:"
HELP_FOOTER = (
    "Không cần gõ lệnh để hỏi: cứ gõ câu hỏi, có dấu hoặc không dấu. "
    "Gõ /huy để dừng thao tác đang làm."
)

GENERIC_ERROR = (
    "Xin lỗi, hệ thống vừa gặp sự cố khi xử lý tin nhắn của anh/chị. Dữ liệu đã lưu trước đó "
    "vẫn được giữ nguyên. Anh/chị vui lòng thử lại sau ít phút."
)
UNKNOWN_COMMAND = "Tôi chưa hiểu lệnh \u201c{command}\u201d. Gõ /trogiup để xem các lệnh."
#: the same in a group, without repeating what was typed (it may be a code)
UNKNOWN_COMMAND_IN_GROUP = "Tôi chưa hiểu lệnh này. Gõ /trogiup để xem các lệnh."
UNKNOWN_BUTTON = "Lựa chọn này không còn hiệu lực. Anh/chị vui lòng thao tác lại."
#: a group chat asked for something private (a code, a report, tasks): this and nothing else
#: a file sent in a group (to the bot: its caption named it): files are taken in private only
FILE_ONLY_IN_PRIVATE = (
    "Tôi chỉ nhận tệp trong tin nhắn riêng để giữ an toàn thông tin. Anh/chị vui lòng nhắn "
    "riêng cho tôi{link} và gửi tệp ở đó."
)
USE_PRIVATE_CHAT = (
    "Nội dung này chỉ trả lời trong tin nhắn riêng để giữ an toàn thông tin. Anh/chị vui lòng "
    "nhắn riêng cho tôi{link} và gõ lại lệnh."
)
PRIVATE_CHAT_LINK = " ({url})"
#: an invitation code typed in a group: burnt if it was real (everyone saw it); said the same way
#: whether it was real or not
CODE_IN_GROUP = (
    "Vì an toàn, mã mời không dùng trong nhóm: mọi người trong nhóm đều thấy mã nên mã (nếu đúng) "
    "đã bị vô hiệu hoá. Anh/chị vui lòng xin mã mới và gửi trong tin nhắn riêng cho tôi{link}."
)
#: a second press on a keyboard already chosen from (short: Telegram shows it as a toast)
ALREADY_CHOSEN = "Anh/chị đã chọn rồi."
BUTTON_EXPIRED = (
    "Nút này đã hết hạn nên tôi không còn biết nó dùng cho việc gì. Anh/chị vui lòng gõ lại "
    "câu hỏi hoặc lệnh."
)
#: every channel's answer to a text over the limit (bot/dispatcher.py); the web page says the
#: same before sending (web.PAGE_TOO_LONG); numbers as Vietnamese write them ("4.000")
MESSAGE_TOO_LONG = (
    "Tin nhắn dài {length} ký tự, quá giới hạn {limit} ký tự nên tôi chưa xử lý được (chưa lưu "
    "gì). Anh/chị vui lòng rút gọn, hoặc chia thành nhiều tin nhắn ngắn hơn."
)
DATABASE_BUSY = (
    "Xin lỗi, hệ thống đang bận (đang nhập dữ liệu lớn), anh/chị vui lòng thử lại sau ít phút. "
    "Tin nhắn vừa rồi chưa được ghi nhận."
)
DATABASE_BUSY_YOUR_TEXT = "\nNội dung anh/chị đã gửi (để gửi lại):\n{text}"
TEXT_UNREADABLE = (
    "Xin lỗi, tin nhắn vừa rồi có ký tự bị lỗi (thường do sao chép từ ứng dụng khác) nên tôi "
    "chưa đọc được. Anh/chị vui lòng gõ lại hoặc dán lại nội dung."
)
EMPTY_MESSAGE = "Anh/chị vui lòng gõ nội dung cần hỏi."
#: "Huỷ" typed alone is /huy (bot/dispatcher.py): a phone keyboard hides "/" a page away, and
#: the word typed in a free-text step was stored as the answer. Only with its tone mark (either
#: placement) or with "bỏ": "Huy" alone is also a given name (casefolded NFC; a final "." or "!"
#: ignored)
CANCEL_WORDS = frozenset({"huỷ", "hủy", "huỷ bỏ", "hủy bỏ", "huy bỏ", "huy bo"})
#: "Quay lại" typed alone is /quaylai (bot/dispatcher.py): typed at a free-text step it was
#: stored as the answer (on Zalo the button's label may be typed instead of pressed)
BACK_WORDS = frozenset({"quay lại", "quay lai", "trở lại", "tro lai"})
NOTHING_TO_CANCEL = "Hiện không có thao tác nào đang làm dở."
#: a conversation step's way back to the step before it (what was chosen is kept)
BUTTON_BACK = "Quay lại"
NOTHING_TO_GO_BACK = "Hiện không có thao tác nào đang làm dở để quay lại."
NO_WAY_BACK_HERE = "Bước này không có bước trước để quay lại. Gõ /huy nếu muốn dừng."
OLD_BACK_BUTTON = (
    "Nút \u201cQuay lại\u201d này thuộc một tin nhắn cũ. Vui lòng dùng tin nhắn mới nhất bên "
    "dưới."
)
#: said after choices listed by number where a message cannot carry them all as buttons (Zalo)
TYPE_A_NUMBER = "Gõ số thứ tự để chọn (ví dụ: 2)."
#: a number typed after choices listed by number that is not one of them (nothing is done)
NUMBER_NOT_LISTED = (
    "Số {number} không có trong danh sách. Anh/chị vui lòng gõ số thứ tự từ 1 đến {last}."
)
NUMBER_NOT_LISTED_ONE = "Số {number} không có trong danh sách. Anh/chị vui lòng gõ số 1."
NUMBER_NOT_LISTED_NONE = "Số {number} không có trong danh sách."
#: after NUMBER_NOT_LISTED: the final choices ("Gửi báo cáo"), which have no number on purpose
FINAL_BY_BUTTON_OR_NAME = " Để chọn {labels}, anh/chị bấm nút đó hoặc gõ đúng tên (không cần dấu)."
FINAL_BY_NAME = " Để chọn {labels}, anh/chị gõ đúng tên (không cần dấu)."
#: a channel without buttons, after the choices listed by number: the final ones by name
FINAL_TYPED_BY_NAME = (
    "Để chọn {labels} (không có số thứ tự), anh/chị vui lòng gõ đúng tên (không cần dấu)."
)
#: a typed number that chose an item acting for good (linking a section, storing an answer,
#: removing an account): named back once before it is done
TYPED_CHOICE_CONFIRM = (
    "Anh/chị đã gõ số {number}: \u201c{label}\u201d. Gõ lại {number} (hoặc \u201ccó\u201d) "
    "để xác nhận, hoặc gõ số khác để chọn lại."
)
TYPED_CHOICE_DROPPED = "Đã bỏ qua lựa chọn vừa gõ. Anh/chị gõ số khác trong danh sách nếu cần."
#: joins choices' names: “Gửi thông báo” hoặc “Không gửi”
OR = " hoặc "
CANCELLED = "Đã huỷ thao tác đang làm."
FLOW_EXPIRED = "Thao tác trước đã hết thời gian chờ nên tôi đã dừng lại."
NOT_ALLOWED = "Xin lỗi, anh/chị không có quyền dùng chức năng này."
NEEDS_REGISTRATION = (
    "Chức năng này dành cho cán bộ đã đăng ký. Anh/chị vui lòng xin mã mời từ quản trị viên "
    "hoặc lãnh đạo đơn vị, rồi gửi: /start <mã mời>."
)
GUIDES_ONLY_FOR_MEMBERS = (
    "Xin lỗi, việc tra cứu hướng dẫn chỉ dành cho cán bộ đã đăng ký. Anh/chị vui lòng xin mã "
    "mời từ quản trị viên, rồi gửi: /start <mã mời>."
)
FILES_NOT_SUPPORTED_HERE = "Kênh này chưa hỗ trợ gửi tệp."
IMAGE_NOT_SUPPORTED = (
    "Xin lỗi, tôi chưa đọc được hình ảnh. Anh/chị vui lòng gõ câu hỏi bằng chữ, hoặc gửi "
    "hướng dẫn dưới dạng tệp .docx, .pdf, .md, .txt."
)
#: added to the refusal of a file sent with a caption (bot/dispatcher.py): the caption is no
#: question, neither answered nor queued for admins
CAPTION_NOT_READ = (
    "\n(Dòng chữ gửi kèm tệp chưa được xem là câu hỏi. Nếu anh/chị muốn hỏi, vui lòng gõ câu "
    "hỏi thành một tin nhắn riêng.)"
)
#: a photo (or video) sent with a caption: the caption is answered as if typed, after this
MEDIA_CAPTION_ONLY = (
    "Tôi chưa đọc được nội dung hình ảnh, nên chỉ trả lời theo dòng chữ anh/chị gửi kèm."
)
#: a question typed while a conversation waits for an answer: answered, not stored, asked again
QUESTION_NOT_STORED = "(Câu hỏi trên không được ghi làm câu trả lời. Mời anh/chị trả lời tiếp:)"
