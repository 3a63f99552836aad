"""Texts of guidance Q&A and the guide list."""

from __future__ import annotations

ANSWER_SOURCE = "📖 {title}"
ANSWER_SECTION = "Mục: {section}"
ANSWER_REF = "Căn cứ: {source_ref}"
ANSWER_CORRECTED = "(Tôi hiểu câu hỏi là: \u201c{corrected}\u201d)"
SEE_ALSO = "Xem thêm:"
SEE_ALSO_AFTER_NEXT = "Đọc tiếp, hoặc xem thêm các mục liên quan:"
PAGE_OF = "Trang {page}/{pages}"
BUTTON_NEXT_PAGE = "Xem tiếp ({page}/{pages})"
BUTTON_SECTION_START = "Xem từ đầu mục"
OPENING_SECTION = "Phần mở đầu"
TENTATIVE = "Có thể liên quan (tôi chưa chắc đây đúng là điều anh/chị cần):"
BUTTON_RIGHT = "Đúng ý tôi"
BUTTON_WRONG = "Chưa đúng"
FEEDBACK_THANKS = "Cảm ơn anh/chị đã xác nhận."
WRONG_LOGGED = (
    "Cảm ơn anh/chị. Câu hỏi đã được ghi lại để quản trị viên bổ sung hướng dẫn."
)
WRONG_NEXT = "Các mục khác có thể liên quan:"
CLARIFY = "Anh/chị hỏi về \u201c{first}\u201d hay \u201c{second}\u201d?"
#: English is troly's second language: a short note before the Vietnamese reply
ENGLISH_NOTE = (
    "troly answers in Vietnamese, from the unit's Vietnamese guidance documents. "
    "The reply to your question follows in Vietnamese."
)
NOT_FOUND = (
    "Xin lỗi, tôi chưa tìm thấy nội dung trả lời câu hỏi này trong các hướng dẫn hiện có. "
    "Câu hỏi đã được ghi lại để quản trị viên bổ sung."
)
NOT_FOUND_CLOSEST = "Các mục gần nhất trong hướng dẫn:"
NO_GUIDES = "Hiện chưa có hướng dẫn nào. Quản trị viên có thể gửi tệp hướng dẫn để bổ sung."
#: a message that is no question (bot/small_talk.py): answered kindly, never logged for admins
SMALL_TALK_THANKS = "Dạ, không có gì ạ. Anh/chị cần tra cứu thêm điều gì, cứ gõ câu hỏi."
SMALL_TALK_GREETING = (
    "Xin chào anh/chị! Anh/chị cứ gõ câu hỏi về hướng dẫn nghiệp vụ, có dấu hoặc không dấu đều "
    "được; gõ /trogiup để xem các lệnh.")
SMALL_TALK_ACK = "Dạ. Khi cần tra cứu, anh/chị cứ gõ câu hỏi; gõ /trogiup để xem các lệnh."
ASK_WHAT = "Anh/chị muốn hỏi gì? Ví dụ: /hoi thu tuc bao cao tien do tuan"
PASSAGE_GONE = "Nội dung này không còn trong hướng dẫn hiện hành (có thể đã được thay thế hoặc thu hồi)."
GUIDE_LIST_HEADER = "Các hướng dẫn hiện có ({count}):"
#: bullets, not numbers: a number typed after /huongdan is a guide's id, not its place here
GUIDE_LIST_ITEM = "• {title}{ref}"
GUIDE_CODE = " [mã: {slug}]"
GUIDE_LIST_FOOTER = "Chọn một hướng dẫn để xem các mục, hoặc gõ câu hỏi để tra cứu."
GUIDE_SECTIONS_HEADER = "{title}\nCác mục ({count}), chọn một mục để đọc toàn văn:"
BUTTON_MORE_SECTIONS = "Các mục tiếp theo"
BUTTON_MORE_GUIDES = "Các hướng dẫn tiếp theo"
