"""Texts of guidance Q&A and the guide list."""

from __future__ import annotations

ANSWER_SOURCE = "📖 {title}"
ANSWER_SECTION = "Mục: {section}"
ANSWER_REF = "Căn cứ: {source_ref}"
ANSWER_CORRECTED = "(Tôi hiểu câu hỏi là: \u201c{corrected}\u201d)"
SEE_ALSO = "Xem thêm:"
SEE_ALSO_BUTTON = "{title} › {section}"
NOT_FOUND = (
    "Xin lỗi, tôi chưa tìm thấy nội dung trả lời câu hỏi này trong các hướng dẫn hiện có. "
    "Câu hỏi đã được ghi lại để quản trị viên bổ sung."
)
NOT_FOUND_CLOSEST = "Các hướng dẫn có thể liên quan:"
NO_GUIDES = "Hiện chưa có hướng dẫn nào. Quản trị viên có thể gửi tệp hướng dẫn để bổ sung."
ASK_WHAT = "Anh/chị muốn hỏi gì? Ví dụ: /hoi thu tuc bao cao tien do tuan"
PASSAGE_GONE = "Nội dung này không còn trong hướng dẫn hiện hành (có thể đã được thay thế hoặc thu hồi)."
GUIDE_LIST_HEADER = "Các hướng dẫn hiện có ({count}):"
GUIDE_LIST_ITEM = "{n}. {title}{ref}"
GUIDE_CODE = " [mã: {slug}]"
GUIDE_LIST_FOOTER = "Chọn một hướng dẫn để xem các mục, hoặc gõ câu hỏi để tra cứu."
GUIDE_SECTIONS_HEADER = "{title}\nCác mục:"
GUIDE_SECTIONS_ITEM = "• {section}"
