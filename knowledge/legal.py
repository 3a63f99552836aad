"""Vietnamese legal-document structure: Phần, Chương, Mục, Điều, Khoản, Điểm; and the document's own number."""

from __future__ import annotations

import re

from knowledge.ingest_blocks import Block, BlockKind, heading

PART, CHAPTER, SUBCHAPTER, ARTICLE = 1, 2, 3, 4

_ROMAN_OR_NUMBER = r"(?:[IVXLC]+|\d+)"
_PART = re.compile(r"^(phần\s+(?:thứ\s+\w+|" + _ROMAN_OR_NUMBER + r"))\b\s*[.:\-–]?\s*(.*)$", re.I)
_CHAPTER = re.compile(r"^(chương\s+" + _ROMAN_OR_NUMBER + r")\b\s*[.:\-–]?\s*(.*)$", re.I)
_SUBCHAPTER = re.compile(r"^(mục\s+" + _ROMAN_OR_NUMBER + r")\b\s*[.:\-–]?\s*(.*)$", re.I)
_ARTICLE = re.compile(r"^(điều\s+\d+[a-z]?)\s*([.:])\s*(.*)$", re.I)
_ARTICLE_BARE = re.compile(r"^(điều\s+\d+[a-z]?)\s*$", re.I)
_CLAUSE = re.compile(r"^(\d{1,3})\.\s+\S")
_POINT = re.compile(r"^([a-zđ])\)\s+\S")
_MAX_HEADING_CHARS = 250

# Kept upper-case when an ALL-CAPS title is turned into sentence case.
_KEEP_UPPER = frozenset(
    [
        "UBND",
        "HĐND",
        "MTTQ",
        "CNTT",
        "TTTT",
        "BTTTT",
        "CĐS",
        "DVC",
        "CCHC",
        "TW",
        "CP",
        "QG",
        "VN",
        "ATTT",
        "CSDL",
        "KT-XH",
        "KTXH",
    ]
)

_DOC_KINDS = (
    "Thông tư liên tịch|Kế hoạch|Quyết định|Nghị định|Nghị quyết|Thông tư|Chỉ thị|"
    "Công văn|Công điện|Hướng dẫn|Thông báo|Luật"
)
_DOC_NUMBER = r"\d+[\w.\-]*(?:/[\w.\-]+)+"
_DATE = r"(?:\s*,?\s*ngày\s+(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}|\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}))?"
_REF = re.compile(r"\b(" + _DOC_KINDS + r")\s+(số\s+)?(" + _DOC_NUMBER + r")(" + _DATE + ")", re.I)
_OWN_NUMBER = re.compile(r"^\s*Số\s*[:.]?\s*(" + _DOC_NUMBER + ")", re.I | re.M)
_CODE_KINDS = {
    "KH": "Kế hoạch",
    "QĐ": "Quyết định",
    "NĐ": "Nghị định",
    "NQ": "Nghị quyết",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "CT": "Chỉ thị",
    "HD": "Hướng dẫn",
    "TB": "Thông báo",
    "CĐ": "Công điện",
}
_SOURCE_REGION_CHARS = 2500


def is_all_caps(text: str) -> bool:
    """True when the text has at least three letters and none of them is lower-case."""
    letters = [ch for ch in text if ch.isalpha()]
    return len(letters) >= 3 and all(not ch.islower() for ch in letters)


def sentence_case(title: str) -> str:
    """Turn an ALL-CAPS title into sentence case, keeping known abbreviations and roman numerals."""
    if not is_all_caps(title):
        return title
    words = title.lower().split()
    out = []
    for original, word in zip(title.split(), words, strict=True):
        core = original.strip(",.;:()")
        keep = core in _KEEP_UPPER or re.fullmatch(r"[IVXLC]+", core) is not None
        out.append(original if keep else word)
    text = " ".join(out)
    return text[:1].upper() + text[1:]


def _join(label: str, title: str) -> str:
    label = label[:1].upper() + label[1:].lower()
    label = re.sub(r"\b([ivxlc]+)$", lambda m: m.group(1).upper(), label)
    title = sentence_case(title.strip())
    return f"{label}. {title}" if title else label


def match_legal_heading(line: str) -> tuple[int, str] | None:
    """Recognise a Phần/Chương/Mục/Điều heading line; return its level and display text."""
    line = line.strip()
    if not line or len(line) > _MAX_HEADING_CHARS:
        return None
    article = _ARTICLE.match(line)
    if article:
        return ARTICLE, _join(article.group(1), article.group(3))
    if _ARTICLE_BARE.match(line):
        return ARTICLE, _join(line, "")
    for level, pattern in ((PART, _PART), (CHAPTER, _CHAPTER), (SUBCHAPTER, _SUBCHAPTER)):
        found = pattern.match(line)
        if found and _title_ok(found.group(2)):
            return level, _join(found.group(1), found.group(2))
    return None


def _title_ok(rest: str) -> bool:
    # "Mục 2 của Kế hoạch này ..." is a sentence, not a heading: a title starts upper-case.
    rest = rest.strip()
    return not rest or rest[0].isupper() or rest[0].isdigit()


def clause_number(text: str) -> int | None:
    """The Khoản number when the text starts like "2. ...", else None."""
    found = _CLAUSE.match(text.strip())
    return int(found.group(1)) if found else None


def is_point(text: str) -> bool:
    """True when the text starts like an Điểm: "a) ..."."""
    return _POINT.match(text.strip()) is not None


def is_legal_document(lines: list[str]) -> bool:
    """A document is read as legal text when it has two or more articles or chapters."""
    levels = [found[0] for found in map(match_legal_heading, lines) if found]
    return levels.count(ARTICLE) >= 2 or levels.count(CHAPTER) >= 2


def apply_legal_structure(blocks: list[Block]) -> list[Block]:
    """Promote legal headings (and a following ALL-CAPS title line) to heading blocks with legal levels."""
    # list items too: Word numbers articles as a list ("Điều %1." on body paragraphs)
    texts = [b.text for b in blocks if b.kind is not BlockKind.TABLE]
    if not is_legal_document(texts):
        return blocks
    out: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        found = match_legal_heading(block.text) if block.kind is not BlockKind.TABLE else None
        if found is None:
            out.append(block)
            index += 1
            continue
        level, text = found
        index += 1
        if _is_bare_label(text) and index < len(blocks) and _is_caps_title(blocks[index]):
            text = _join(text, blocks[index].text)
            index += 1
        out.append(heading(text, level))
    return out


def _is_bare_label(text: str) -> bool:
    return "." not in text


def _is_caps_title(block: Block) -> bool:
    return (
        block.kind in (BlockKind.PARA, BlockKind.HEADING)
        and is_all_caps(block.text)
        and len(block.text) <= _MAX_HEADING_CHARS
        and match_legal_heading(block.text) is None
    )


def find_source_ref(text: str) -> str | None:
    """The document's reference ("Kế hoạch số 286/KH-BTTTT ngày …") when it appears near the top."""
    region = text[:_SOURCE_REGION_CHARS]
    own = _OWN_NUMBER.search(region)
    if own:
        number = own.group(1).rstrip(".-")
        return f"{_kind_from_code(number)} số {number}"
    found = _REF.search(region)
    if not found:
        return None
    kind = found.group(1)[:1].upper() + found.group(1)[1:].lower()
    number = found.group(3).rstrip(".-")
    ref = f"{kind} {'số ' if found.group(2) else ''}{number}{found.group(4)}"
    return " ".join(ref.split())


def _kind_from_code(number: str) -> str:
    for segment in number.split("/")[1:]:
        code = segment.split("-")[0].upper()
        if not code.isdigit():
            return _CODE_KINDS.get(code, "Công văn")
    return "Văn bản"
