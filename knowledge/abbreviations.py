"""Administrative abbreviations and an admin-editable synonym list, linked both ways for query expansion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from knowledge.normalize import fold, normalize, words

# Abbreviation → full forms, as officials write them. The first full form is the usual reading.
DEFAULT_ABBREVIATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("UBND", ("Ủy ban nhân dân",)),
    ("HĐND", ("Hội đồng nhân dân",)),
    ("CĐS", ("chuyển đổi số",)),
    ("TTTT", ("thông tin và truyền thông",)),
    ("TT&TT", ("thông tin và truyền thông",)),
    ("BTTTT", ("Bộ Thông tin và Truyền thông",)),
    ("STTTT", ("Sở Thông tin và Truyền thông",)),
    ("Sở TTTT", ("Sở Thông tin và Truyền thông",)),
    ("DVC", ("dịch vụ công",)),
    ("DVCTT", ("dịch vụ công trực tuyến",)),
    ("CCHC", ("cải cách hành chính",)),
    ("TTHC", ("thủ tục hành chính",)),
    ("NĐ", ("nghị định",)),
    ("NĐ-CP", ("nghị định của Chính phủ",)),
    ("TT", ("thông tư", "thông tin")),
    ("QĐ", ("quyết định",)),
    ("QĐ-TTg", ("quyết định của Thủ tướng Chính phủ",)),
    ("KH", ("kế hoạch",)),
    ("BC", ("báo cáo",)),
    ("CV", ("công văn",)),
    ("CT", ("chủ tịch", "chỉ thị")),
    ("NQ", ("nghị quyết",)),
    ("TW", ("trung ương",)),
    ("VBQPPL", ("văn bản quy phạm pháp luật",)),
    ("CQNN", ("cơ quan nhà nước",)),
    ("CQHC", ("cơ quan hành chính",)),
    ("CSDL", ("cơ sở dữ liệu",)),
    ("CSDLQG", ("cơ sở dữ liệu quốc gia",)),
    ("VNeID", ("định danh điện tử", "tài khoản định danh điện tử")),
    ("MTTQ", ("Mặt trận Tổ quốc",)),
    ("CBCCVC", ("cán bộ công chức viên chức",)),
    ("CB", ("cán bộ",)),
    ("CC", ("công chức",)),
    ("VC", ("viên chức",)),
    ("CBCC", ("cán bộ công chức",)),
    ("CNTT", ("công nghệ thông tin",)),
    ("ATTT", ("an toàn thông tin",)),
    ("VPĐT", ("văn phòng điện tử",)),
    ("QLVB", ("quản lý văn bản",)),
    ("QLVB&ĐH", ("quản lý văn bản và điều hành",)),
    ("CKS", ("chữ ký số",)),
    ("HSCV", ("hồ sơ công việc",)),
    ("TNMT", ("tài nguyên và môi trường",)),
    ("LĐTBXH", ("lao động thương binh và xã hội",)),
    ("BHXH", ("bảo hiểm xã hội",)),
    ("BHYT", ("bảo hiểm y tế",)),
    ("GPLX", ("giấy phép lái xe",)),
    ("CCCD", ("căn cước công dân", "căn cước")),
    ("CMND", ("chứng minh nhân dân",)),
    ("BCĐ", ("ban chỉ đạo",)),
    ("VP", ("văn phòng",)),
    ("PCT", ("phó chủ tịch",)),
    ("HCC", ("hành chính công",)),
    ("TTPVHCC", ("trung tâm phục vụ hành chính công",)),
    ("BPMC", ("bộ phận một cửa",)),
    ("KT-XH", ("kinh tế xã hội",)),
    ("TTĐT", ("thông tin điện tử",)),
    ("CTTĐT", ("cổng thông tin điện tử",)),
    ("PAKN", ("phản ánh kiến nghị",)),
    ("NSNN", ("ngân sách nhà nước",)),
    ("QLVBĐH", ("quản lý văn bản và điều hành",)),
    ("CNSCĐ", ("công nghệ số cộng đồng",)),
    ("CNS", ("công nghệ số",)),
    ("ZOA", ("Zalo OA",)),
    ("OA", ("Official Account", "tài khoản chính thức")),
    ("ĐDĐT", ("định danh điện tử",)),
    ("ĐDCN", ("định danh cá nhân",)),
    ("HTTT", ("hệ thống thông tin",)),
    ("ANTT", ("an ninh trật tự",)),
    ("ANM", ("an ninh mạng",)),
    ("CT UBND", ("Chủ tịch Ủy ban nhân dân",)),
    ("PCT UBND", ("Phó Chủ tịch Ủy ban nhân dân",)),
    ("BBT", ("ban biên tập",)),
    ("CTV", ("cộng tác viên",)),
    ("ĐVHC", ("đơn vị hành chính",)),
    ("VH-XH", ("văn hóa xã hội",)),
    ("VP-TK", ("văn phòng thống kê",)),
    ("TP-HT", ("tư pháp hộ tịch",)),
    ("ĐC-XD", ("địa chính xây dựng",)),
    ("LĐ", ("lãnh đạo",)),
    ("CQ", ("cơ quan",)),
    ("ĐV", ("đơn vị",)),
    ("UB", ("ủy ban",)),
    ("TTHCC", ("trung tâm hành chính công",)),
    ("IOC", ("trung tâm giám sát điều hành thông minh",)),
    ("LGSP", ("nền tảng tích hợp chia sẻ dữ liệu",)),
    ("KBNN", ("kho bạc nhà nước",)),
    ("TCCB", ("tổ chức cán bộ",)),
    ("QLNN", ("quản lý nhà nước",)),
)

#: Loanwords officials type for words the guides write in Vietnamese (linked both ways, like
#: abbreviations). Kept apart from DEFAULT_ABBREVIATIONS because they are not abbreviations.
DEFAULT_LOANWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("file", ("tệp",)),
    ("email", ("thư điện tử",)),
    ("mail", ("thư điện tử",)),
    ("online", ("trực tuyến",)),
    ("password", ("mật khẩu",)),
    ("pass", ("mật khẩu",)),
    ("app", ("ứng dụng",)),
    ("scan", ("quét",)),
    ("link", ("đường dẫn",)),
    ("deadline", ("thời hạn",)),
    ("token", ("thiết bị ký số",)),
    ("usb token", ("thiết bị ký số",)),
    ("web", ("trang thông tin điện tử",)),
    ("website", ("trang thông tin điện tử",)),
    ("hack", ("tấn công",)),
    ("virus", ("mã độc",)),
    ("admin", ("quản trị",)),
    ("upload", ("tải lên",)),
    ("download", ("tải về",)),
    ("backup", ("sao lưu",)),
    ("laptop", ("máy tính xách tay",)),
    ("hotline", ("đường dây nóng",)),
    ("inbox", ("tin nhắn",)),
    ("chat", ("nhắn tin",)),
    ("group", ("nhóm",)),
    ("update", ("cập nhật",)),
    ("share", ("chia sẻ",)),
    ("video call", ("họp trực tuyến",)),
)

# Folded abbreviations with more than one reading: weight each reading lower (query side only).
AMBIGUOUS_WEIGHT = 0.5


def phrase_key(text: str) -> tuple[str, ...]:
    """The folded, casefolded syllables of a phrase: the key that abbreviations and synonyms match on."""
    return tuple(words(fold(normalize(text))))


def _compact(text: str) -> str:
    """An abbreviation written as one token: "KT-XH" → "ktxh", "TT&TT" → "tttt"."""
    return "".join(phrase_key(text))


@dataclass(frozen=True, slots=True)
class Expansion:
    """An alternative wording of part of a query, with the weight its terms get."""

    syllables: tuple[str, ...]
    weight: float
    source: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SynonymTable:
    """Phrase ↔ phrase links (abbreviations and admin synonyms), matched on folded syllables, both ways."""

    links: Mapping[tuple[str, ...], tuple[Expansion, ...]]
    max_len: int
    #: the lengths of the linked phrases that begin with each first syllable: a query position
    #: holding none starts no phrase, and one holding "uy" is looked up at 4 syllables, not at all
    #: lengths up to max_len
    lengths: Mapping[str, frozenset[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lengths: dict[str, set[int]] = {}
        for key in self.links:
            lengths.setdefault(key[0], set()).add(len(key))
        object.__setattr__(
            self, "lengths", {first: frozenset(sizes) for first, sizes in lengths.items()}
        )

    @classmethod
    def build(
        cls,
        extra: Mapping[str, list[str]] | None = None,
        *,
        include_defaults: bool = True,
    ) -> SynonymTable:
        """Build from the built-in abbreviations and an admin-editable mapping (term → synonyms)."""
        pairs: list[tuple[str, tuple[str, ...]]] = []
        if include_defaults:
            pairs.extend(DEFAULT_ABBREVIATIONS)
            pairs.extend(DEFAULT_LOANWORDS)
        if extra:
            pairs.extend((key, tuple(values)) for key, values in extra.items())
        return cls.from_pairs(pairs)

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, tuple[str, ...]]]) -> SynonymTable:
        """Link every term with each of its alternatives, in both directions."""
        links: dict[tuple[str, ...], dict[tuple[str, ...], float]] = {}

        def add(src: tuple[str, ...], dst: tuple[str, ...], weight: float) -> None:
            if not src or not dst or src == dst:
                return
            bucket = links.setdefault(src, {})
            bucket[dst] = max(bucket.get(dst, 0.0), weight)

        for term, alternatives in pairs:
            # A dash or ampersand abbreviation is one token in the text ("kt-xh" splits in two, "ktxh" not).
            keys = {phrase_key(term), (_compact(term),)}
            alts = [phrase_key(a) for a in alternatives if phrase_key(a)]
            weight = 1.0 if len(alts) == 1 else AMBIGUOUS_WEIGHT
            for key in keys:
                for alt in alts:
                    add(key, alt, weight)
                    add(alt, key, 1.0)
        frozen = {
            src: tuple(Expansion(dst, w) for dst, w in sorted(targets.items()))
            for src, targets in links.items()
        }
        max_len = max((len(k) for k in frozen), default=0)
        return cls(links=frozen, max_len=max_len)

    def expand(self, folded_syllables: list[str]) -> list[Expansion]:
        """Alternatives for every phrase of a folded query found in the table (longest phrases first)."""
        found: list[Expansion] = []
        seen: set[tuple[str, ...]] = set()
        n = len(folded_syllables)
        # (length, start) of every place a linked phrase could stand, longest first, then in the
        # query's order: the order every length down from max_len at every position gave
        spans = sorted(
            (
                (size, start)
                for start, word in enumerate(folded_syllables)
                for size in self.lengths.get(word, ())
                if start + size <= n
            ),
            key=lambda span: (-span[0], span[1]),
        )
        for size, start in spans:
            key = tuple(folded_syllables[start : start + size])
            for exp in self.links.get(key, ()):
                if exp.syllables not in seen:
                    seen.add(exp.syllables)
                    found.append(Expansion(exp.syllables, exp.weight, key))
        return found

    def full_forms(self, abbreviation: str) -> tuple[str, ...]:
        """The readings linked to one abbreviation, as folded phrases ("ubnd" → "uy ban nhan dan")."""
        return tuple(" ".join(e.syllables) for e in self.links.get(phrase_key(abbreviation), ()))
