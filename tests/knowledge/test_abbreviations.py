"""Abbreviations and admin synonyms, linked both ways."""

from __future__ import annotations

import pytest

from knowledge.abbreviations import AMBIGUOUS_WEIGHT, SynonymTable, phrase_key
from knowledge.index import KnowledgeIndex
from knowledge.types import Passage


def _alternatives(table: SynonymTable, text: str) -> dict[str, float]:
    return {" ".join(e.syllables): e.weight for e in table.expand(list(phrase_key(text)))}


def test_abbreviation_expands_to_full_form_in_accented_and_folded_spelling() -> None:
    table = SynonymTable.build()
    for spelling in ("UBND", "ubnd"):
        assert "uy ban nhan dan" in _alternatives(table, spelling)
    for spelling in ("CĐS", "cđs", "cds"):
        assert "chuyen doi so" in _alternatives(table, spelling)


def test_full_form_expands_to_abbreviation() -> None:
    table = SynonymTable.build()
    assert "ubnd" in _alternatives(table, "Ủy ban nhân dân tỉnh")
    assert "dvctt" in _alternatives(table, "dịch vụ công trực tuyến")
    assert "tthc" in _alternatives(table, "thu tuc hanh chinh")


def test_ambiguous_abbreviation_gets_both_readings_at_lower_weight() -> None:
    found = _alternatives(SynonymTable.build(), "tt")
    assert found["thong tu"] == AMBIGUOUS_WEIGHT
    assert found["thong tin"] == AMBIGUOUS_WEIGHT


def test_admin_synonyms_extend_the_table_both_ways() -> None:
    table = SynonymTable.build({"một cửa": ["bộ phận tiếp nhận và trả kết quả"]})
    assert "bo phan tiep nhan va tra ket qua" in _alternatives(table, "một cửa")
    assert "mot cua" in _alternatives(table, "bộ phận tiếp nhận và trả kết quả")
    assert "ubnd" in _alternatives(table, "ủy ban nhân dân")


def test_without_defaults_only_admin_entries() -> None:
    table = SynonymTable.build({"a": ["b"]}, include_defaults=False)
    assert _alternatives(table, "ubnd") == {}
    assert _alternatives(table, "a") == {"b": 1.0}


def test_dashed_abbreviation_matches_written_as_one_token() -> None:
    table = SynonymTable.build()
    assert "kinh te xa hoi" in _alternatives(table, "KT-XH")
    assert "kinh te xa hoi" in _alternatives(table, "ktxh")


def test_full_forms_lookup() -> None:
    assert SynonymTable.build().full_forms("HĐND") == ("hoi dong nhan dan",)


@pytest.mark.parametrize(
    ("abbreviation", "full_form"),
    [
        ("TTĐT", "thong tin dien tu"),
        ("PAKN", "phan anh kien nghi"),
        ("NSNN", "ngan sach nha nuoc"),
        ("CNSCĐ", "cong nghe so cong dong"),
        ("QLVB", "quan ly van ban"),
        ("CSDL", "co so du lieu"),
        ("CNTT", "cong nghe thong tin"),
        ("ATTT", "an toan thong tin"),
        ("TTHC", "thu tuc hanh chinh"),
        ("BCĐ", "ban chi dao"),
        ("CCCD", "can cuoc cong dan"),
        ("VNeID", "dinh danh dien tu"),
        ("ZOA", "zalo oa"),
        ("CT", "chu tich"),
        ("PCT", "pho chu tich"),
        ("Sở TTTT", "so thong tin va truyen thong"),
    ],
)
def test_abbreviations_officials_write(abbreviation: str, full_form: str) -> None:
    table = SynonymTable.build()
    assert full_form in _alternatives(table, abbreviation)
    assert full_form in _alternatives(table, abbreviation.casefold())  # typed in lower case too


def test_abbreviation_typed_in_a_question_is_neither_corrected_nor_decoded() -> None:
    # "Sở TTTT" used to come back as "Sở btttt": the unknown "tttt" was "corrected" to a near word.
    guide = (
        Passage(id="a#1", guide_id="a", guide_title="Chữ ký số", heading_path=("Nhận thiết bị",),
                text="Người được cấp đến Sở Thông tin và Truyền thông (BTTTT cấp) nhận USB Token."),
    )  # fmt: skip
    index = KnowledgeIndex.build(guide, synonyms=SynonymTable.build())
    for question in ("lên Sở TTTT nhận token", "len so tttt nhan token", "TTHC CNSCĐ PAKN ở đâu"):
        assert index.search(question).corrected_terms == (), question
    assert index.search("lên Sở TTTT nhận token").hits[0].passage.id == "a#1"


def test_expand_reads_longest_phrases_first_then_in_the_query_order() -> None:
    # The order is the query's expansions' order (its wordings, the expansion part's sum):
    # every length from the longest down, at each length the positions left to right.
    table = SynonymTable.from_pairs(
        [("ca bo cu", ("xe",)), ("bo", ("ve",)), ("ca", ("xa",)), ("cu bo", ("vo",))]
    )
    found = table.expand(["ca", "bo", "cu", "bo", "ca"])
    assert [(e.source, e.syllables) for e in found] == [
        (("ca", "bo", "cu"), ("xe",)),
        (("cu", "bo"), ("vo",)),
        (("ca",), ("xa",)),
        (("bo",), ("ve",)),
    ]
