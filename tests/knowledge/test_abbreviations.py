"""Abbreviations and admin synonyms, linked both ways."""

from __future__ import annotations

from knowledge.abbreviations import AMBIGUOUS_WEIGHT, SynonymTable, phrase_key


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
