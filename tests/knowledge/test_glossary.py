"""English questions read in Vietnamese through the administrative glossary."""

from __future__ import annotations

from knowledge.abbreviations import SynonymTable
from knowledge.glossary import to_vietnamese
from knowledge.index import KnowledgeIndex
from knowledge.types import Passage


def test_phrases_longest_first_plurals_and_possessives() -> None:
    assert to_vietnamese("Our commune's one-stop desk: how many working days?") == (
        "xã bộ phận một cửa bao nhiêu ngày làm việc"
    )
    assert to_vietnamese("digital signatures") == "chữ ký số"
    assert to_vietnamese("What is the fee for 2 certificates?") == "phí 2 chứng thư số"
    assert to_vietnamese("zzz qqq") == ""


def test_english_question_finds_the_vietnamese_passage() -> None:
    def passage(pid: str, heading: str, text: str) -> Passage:
        return Passage(id=pid, guide_id=pid.split("#")[0], guide_title="Hướng dẫn",
                       heading_path=(heading,), text=text)

    index = KnowledgeIndex.build(
        [
            passage("ks#1", "Mất thiết bị", "Khi mất thiết bị ký số, gọi đường dây nóng để khóa chứng thư số."),
            passage("mk#1", "Mật khẩu", "Mật khẩu thư điện tử công vụ đổi 06 tháng một lần."),
        ],
        synonyms=SynonymTable.build(),
    )  # fmt: skip
    assert index.search("How often must we change the email password?").hits[0].passage.id == "mk#1"
    assert index.search("The chairman lost his signing token, what now?").hits[0].passage.id == "ks#1"
