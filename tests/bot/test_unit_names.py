"""Units named as officials type them (bot/unit_names.py)."""

from __future__ import annotations

from bot.unit_names import (
    UnitName,
    abbreviates,
    admin_abbreviations,
    match_entry,
    name_key,
    read_units,
    split_entries,
)

UNITS = [UnitName(1, "SO", "Sở Nội vụ"), UnitName(2, "PHONG", "Phòng Cải cách hành chính"),
         UnitName(3, "KHAC", "Đơn vị khác"), UnitName(4, "STTTT", "Sở Thông tin và Truyền thông"),
         UnitName(5, "TANLAP", "UBND xã Tân Lập"), UnitName(6, "TANLAC", "Ủy ban nhân dân xã Tân Lạc"),
         UnitName(7, "TANLAP2", "Ủy ban nhân dân xã Tân Lập"), UnitName(8, "TP", "Phòng Tư pháp")]


def _found(typed: str) -> list[str]:
    return [u.code for u in match_entry(UNITS, typed).units]


def _choices(typed: str) -> list[str]:
    return [u.code for u in match_entry(UNITS, typed).choices]


def test_codes_still_work_alone_or_separated_by_spaces() -> None:
    assert _found("so") == ["SO"] and _found("SO PHONG so") == ["SO", "PHONG"]
    assert split_entries(["SO, UBND xã  Tân Lập;phong\nKHAC", "SO"]) == (
        "SO", "UBND xã Tân Lập", "phong", "KHAC")


def test_names_without_diacritics_abbreviated_or_mistyped() -> None:
    assert _found("so noi vu") == _found("Sở Nôi vụ") == _found("SỞ NỘI VỤ") == ["SO"]
    assert _found("so tttt") == _found("Sở TT&TT") == _found("so thong tin truyen thong") \
        == ["STTTT"]
    assert _found("ubnd xa tan lac") == _found("xa tan lac") == ["TANLAC"]
    assert _found("phong cai cahc") == _found("cai cach hanh chinh") == ["PHONG"]
    assert _found("tu phap") == ["TP"]
    assert name_key("Ủy ban nhân dân xã Tân Lập") == name_key("UBND xa tan lap") == \
        "ubnd xa tan lap"


def test_several_alike_are_choices_and_none_gives_the_closest() -> None:
    # the same name under two parents, even when a typo or a code is closer to one of them
    assert _choices("UBND xa Tan Lap") == _choices("tan lapp") == ["TANLAP", "TANLAP2"]
    assert set(_choices("xa")) == {"TANLAP", "TANLAC", "TANLAP2"}
    nothing = match_entry(UNITS, "bo tai chinh")
    assert not nothing.units and not nothing.choices and nothing.suggestions == ()
    close = match_entry(UNITS, "so nv")
    assert not close.units and close.suggestions[0].code == "SO"
    read = read_units(UNITS, ["so", "bo tai chinh", "xa tan lap", "SO"])
    assert [u.code for u in read.found] == ["SO"]
    assert [e.typed for e in read.unknown] == ["bo tai chinh"]
    assert [e.typed for e in read.unclear] == ["xa tan lap"]


#: synonyms admins stored for the search (term → synonyms): some abbreviate a phrase
SYNONYMS = {"PVHTT": ["Phòng Văn hóa và Thông tin"], "Sở KH&ĐT": ["Sở Kế hoạch và Đầu tư"],
            "TTYT": ["Trung tâm Y tế"], "VP UBND": ["Văn phòng Ủy ban nhân dân"],
            "một cửa": ["tiếp nhận hồ sơ"], "cán bộ": ["công chức", "viên chức"],
            "hộ chiếu": ["passport"]}
MORE = [UnitName(10, "P07", "Phòng Văn hóa và Thông tin"),
        UnitName(11, "KHDT", "Sở Kế hoạch và Đầu tư"),
        UnitName(12, "YT", "Trung tâm Y tế huyện"),
        UnitName(13, "VP", "Văn phòng UBND huyện"),
        UnitName(14, "MC", "Bộ phận một cửa")]


def test_only_synonyms_that_abbreviate_a_phrase_read_unit_names() -> None:
    extra = admin_abbreviations(SYNONYMS)
    # each phrase as knowledge's table already reads it ('thông tin' → 'tt'); 'VP UBND' is
    # how that table reads 'Văn phòng Ủy ban nhân dân' already
    assert dict(extra) == {name_key("Phòng Văn hóa và Thông tin"): "pvhtt",
                           name_key("Sở Kế hoạch và Đầu tư"): "so kh dt",
                           "trung tam y te": "ttyt"}
    assert abbreviates("khdt", "ke hoach va dau tu") and abbreviates("vpubnd", "van phong ubnd")
    # like meaning is not abbreviation: these would make different names read alike
    assert not abbreviates("mot cua", "tiep nhan ho so")
    assert not abbreviates("ke hoach", "ke hoach dau tu")  # words left out: no abbreviation
    assert not abbreviates("ttyt", "trung")


def test_units_named_by_the_admins_abbreviations() -> None:
    units = [*UNITS, *MORE]
    extra = admin_abbreviations(SYNONYMS)

    def found(typed: str) -> list[str]:
        return [u.code for u in match_entry(units, typed, extra).units]

    assert found("pvhtt") == found("PVHTT") == found("phong van hoa thong tin") == ["P07"]
    assert found("so kh&dt") == found("Sở KH&ĐT") == ["KHDT"]
    assert found("ttyt huyen") == ["YT"] and found("vp ubnd huyen") == ["VP"]
    # without the admins' table, or with a synonym of like meaning only, not found
    assert match_entry(units, "pvhtt").units == ()
    assert match_entry(units, "bo phan tiep nhan ho so", extra).units == ()
    assert [u.code for u in read_units(units, ["pvhtt", "so"], extra).found] == ["P07", "SO"]
