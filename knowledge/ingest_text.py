"""Plain text: decoding (UTF-8/16 with BOM, cp1258), cleaning to NFC, line joining, heading heuristics."""

from __future__ import annotations

import codecs
import re
import unicodedata

from knowledge.ingest_blocks import Block, BlockKind, heading, para
from knowledge.legal import apply_legal_structure, is_all_caps, match_legal_heading, sentence_case
from knowledge.normalize import sanitize
from knowledge.types import IngestError, IngestProblem

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_MODIFIERS = {"\u0302": "aeo", "\u0306": "a", "\u031b": "ou"}
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_BULLET = re.compile(r"^([-*+•●○▪■◦–]|\d+[.)]|[a-zđ]\))\s+")
_MARKER_START = re.compile(r"^([-*+•●○▪■◦–]\s|\d+(\.\d+)*[.)]?\s|[a-zđA-ZĐ][.)]\s|[IVXLC]+[.)]\s)")
_MIN_WRAP_WIDTH = 50
_MAX_WRAP_WIDTH = 120


def decode_text(file_name: str, content: bytes) -> str:
    """Bytes to text: BOM-marked UTF-8/16/32, plain UTF-8, BOM-less UTF-16, then Vietnamese cp1258."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return _decode_or_fail(file_name, content, codec)
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    bomless = _bomless_utf16(content)
    if bomless:
        return _decode_or_fail(file_name, content, bomless)
    try:
        text = content.decode("cp1258")
    except UnicodeDecodeError as error:
        raise IngestError(file_name, IngestProblem.BAD_ENCODING, str(error)) from error
    if not looks_vietnamese(unicodedata.normalize("NFC", text)):
        raise IngestError(
            file_name, IngestProblem.BAD_ENCODING, "not UTF-8, not Vietnamese cp1258"
        )
    return text


def _decode_or_fail(file_name: str, content: bytes, codec: str) -> str:
    try:
        return content.decode(codec)
    except UnicodeDecodeError as error:
        raise IngestError(file_name, IngestProblem.BAD_ENCODING, str(error)) from error


def _bomless_utf16(content: bytes) -> str | None:
    # ASCII-heavy UTF-16 has a NUL in every other byte; Vietnamese text still has many.
    if len(content) < 4 or len(content) % 2:
        return None
    odd_nuls = content[1::2].count(0) / (len(content) // 2)
    even_nuls = content[0::2].count(0) / (len(content) // 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    return None


def looks_vietnamese(text: str) -> bool:
    """True when the words with non-ASCII letters are (almost all) well-formed Vietnamese syllables."""
    words = [w for w in re.findall(r"\w+", text) if not w.isascii()]
    if not words:
        return False
    good = sum(1 for word in words if _is_syllable(word))
    return good / len(words) >= 0.9


def _is_syllable(word: str) -> bool:
    tones = 0
    previous = ""
    for char in unicodedata.normalize("NFD", word.lower()):
        if char in _TONES:
            tones += 1
        elif char in _MODIFIERS:
            if previous not in _MODIFIERS[char]:
                return False
        elif not (char.isascii() and char.isalnum()) and char != "đ":
            return False
        previous = char if char not in _TONES else previous
    return tones <= 1


def clean_text(text: str, *, keep_indent: bool = False) -> str:
    """NFC, Unix newlines, no invisible characters, single spaces, no trailing blanks."""
    # the one rule for text from people (NFC, no control characters), then layout clean-up
    text = sanitize(text.replace("\f", "\n")).translate(_INVISIBLE)
    return "\n".join(_clean_line(line, keep_indent) for line in text.split("\n"))


def _clean_line(line: str, keep_indent: bool) -> str:
    body = _SPACES.sub(" ", line).strip()
    if not keep_indent or not body:
        return body
    # Markdown nesting lives in the indentation; tabs count as four columns.
    indent = line[: len(line) - len(line.lstrip())].expandtabs(4)
    return " " * len(indent) + body


def join_wrapped_lines(lines: list[str], width: int | None = None) -> list[str]:
    """Re-join hard-wrapped lines into paragraphs; blank lines and list markers always break."""
    width = width or wrap_width(lines)
    out: list[str] = []
    previous_full = False
    for line in lines:
        if not line:
            out.append("")
            previous_full = False
            continue
        if out and out[-1] and previous_full and not _starts_block(line):
            out[-1] = _join_pair(out[-1], line)
        else:
            out.append(line)
        # A line ending a sentence closes the paragraph: a wrong break costs less than a wrong join.
        previous_full = (
            width is not None
            and len(line) >= 0.8 * width
            and not _ends_heading(line)
            and not line.endswith((".", "!", "?", ":", ";"))
        )
    return out


def wrap_width(lines: list[str]) -> int | None:
    """The typical full-line length of hard-wrapped text, or None when lines are not wrapped."""
    lengths = sorted(len(line) for line in lines if line)
    if len(lengths) < 5:
        return None
    p90 = lengths[int(len(lengths) * 0.9) - 1]
    # Nobody wraps narrower than 50 columns; short lines are paragraphs or headings of their own.
    return p90 if _MIN_WRAP_WIDTH <= p90 <= _MAX_WRAP_WIDTH else None


def _starts_block(line: str) -> bool:
    return (
        _MARKER_START.match(line) is not None
        or match_legal_heading(line) is not None
        or (is_all_caps(line) and len(line) <= 80)
    )


def _ends_heading(line: str) -> bool:
    return match_legal_heading(line) is not None and len(line) < 60


def _join_pair(first: str, second: str) -> str:
    if first.endswith("-") and len(first) > 1 and first[-2].isalpha():
        if first[-2].islower() and second[:1].islower():
            return first[:-1] + second
        return first + second
    return f"{first} {second}"


def split_title(lines: list[str], title: str | None) -> tuple[str | None, list[str]]:
    """Take a short first line as the title unless one is given or it looks like a heading/list item."""
    body = list(lines)
    while body and not body[0]:
        body.pop(0)
    if title is not None or not body:
        return title, body
    first = body[0]
    marked = _MARKER_START.match(first) is not None or match_legal_heading(first) is not None
    if len(first) > 150 or marked or first.endswith((".", ";", ",")):
        return None, body
    return sentence_case(first), body[1:]


def plain_text_blocks(lines: list[str]) -> list[Block]:
    """Cleaned lines to blocks: legal structure when present, else conservative heading heuristics."""
    joined = join_wrapped_lines(lines)
    blocks = [para(line) for line in joined if line]
    legal = apply_legal_structure(blocks)
    if legal is not blocks:
        return _mark_list_items(legal)
    return _mark_list_items(_heuristic_headings(joined))


def body_blocks(lines: list[str], width: int | None) -> list[Block]:
    """Lines known to hold no headings to paragraph and list-item blocks."""
    lines = attach_lone_markers(lines)
    return _mark_list_items([para(line) for line in join_wrapped_lines(lines, width) if line])


_LONE_MARKER = re.compile(r"^\s*([-*+•●○▪■◦–]|\d+[.)]|[a-zđ]\))\s*$")


def attach_lone_markers(lines: list[str]) -> list[str]:
    """A list marker alone on its line ("•", "1.": how PDF text layers often extract lists) joins the next."""
    out: list[str] = []
    pending: str | None = None
    for line in lines:
        if pending is not None and line.strip():
            out.append(f"{pending} {line.strip()}")
            pending = None
        elif _LONE_MARKER.match(line):
            if pending is not None:
                out.append(pending)
            pending = line.strip()
        else:
            out.append(line)
    if pending is not None:
        out.append(pending)
    return out


def _mark_list_items(blocks: list[Block]) -> list[Block]:
    return [
        Block(BlockKind.LIST_ITEM, b.text)
        if b.kind is BlockKind.PARA and _BULLET.match(b.text)
        else b
        for b in blocks
    ]


_KIND_PATTERNS = (
    ("dec3", re.compile(r"^(\d+\.\d+\.\d+)\.?\s+(\S.*)$")),
    ("dec2", re.compile(r"^(\d+\.\d+)\.?\s+(\S.*)$")),
    ("dec1", re.compile(r"^(\d+)[.)]\s+(\S.*)$")),
    ("roman", re.compile(r"^([IVXLC]{2,}|[IVX])[.)]\s+(\S.*)$")),
    ("letter", re.compile(r"^([A-ZĐ])[.)]\s+(\S.*)$")),
)
_LIST_LIKE = frozenset({"dec1", "letter"})


def heading_kind(line: str) -> str | None:
    """Which kind of heading a line would be (numbered, roman, letter, ALL-CAPS, short colon line)."""
    if len(line) > 120 or line.endswith((";", ",")) or (line.endswith(".") and len(line) > 60):
        return None
    for kind, pattern in _KIND_PATTERNS:
        if pattern.match(line):
            return kind
    if is_all_caps(line) and len(line) <= 80 and not _BULLET.match(line):
        return "caps"
    if line.endswith(":") and len(line) <= 40 and len(line.split()) <= 6 and line[0].isupper():
        return "colon"
    return None


def _heuristic_headings(lines: list[str]) -> list[Block]:
    kinds = _confirmed_kinds(lines)
    order = level_order(kinds)
    blocks: list[Block] = []
    for line, kind in zip(lines, kinds, strict=True):
        if not line:
            continue
        if kind is None:
            blocks.append(para(line))
        else:
            blocks.append(heading(line.rstrip(":").strip(), order[kind]))
    return blocks


def _confirmed_kinds(lines: list[str]) -> list[str | None]:
    """Heading kinds per line, dropping numbered lines that are really consecutive list items."""
    raw = [heading_kind(line) if line else None for line in lines]
    confirmed: list[str | None] = []
    for index, kind in enumerate(raw):
        following = _next_nonblank(lines, raw, index)
        body_follows = following is not None and following[1] is None
        if kind in _LIST_LIKE and (following is None or following[1] == kind):
            kind = None
        if kind == "colon" and not (body_follows and _blank_before(lines, index)):
            kind = None
        confirmed.append(kind)
    return confirmed


def _next_nonblank(
    lines: list[str], kinds: list[str | None], index: int
) -> tuple[str, str | None] | None:
    for later in range(index + 1, len(lines)):
        if lines[later]:
            return lines[later], kinds[later]
    return None


def _blank_before(lines: list[str], index: int) -> bool:
    return index == 0 or not lines[index - 1]


def level_order(kinds: list[str | None]) -> dict[str, int]:
    """Levels by order of first appearance (the way people nest), short colon lines deepest."""
    order: dict[str, int] = {}
    for kind in kinds:
        if kind is not None and kind != "colon" and kind not in order:
            order[kind] = len(order) + 1
    order["colon"] = len(order) + 1
    return order


# Titles word processors and converters write on their own: "Word Document", "Microsoft Word -
# bao-cao.doc", "Untitled document", "Document1", "Tài liệu1", "Văn bản mới"… They name no guide.
_DEFAULT_TITLE = re.compile(
    r"^(?:microsoft\s+(?:word|office).*|(?:microsoft\s+)?word\s+document|untitled(?:\s+document)?"
    r"|(?:new\s+)?(?:microsoft\s+word\s+)?document\s*\d*|doc\d*|tài\s+liệu\s*(?:mới\s*)?\d*"
    r"|văn\s+bản\s*(?:mới\s*)?\d*|không\s+có\s+tiêu\s+đề|title|tiêu\s+đề|.*\.(?:docx?|rtf|odt|dotx?))$",
    re.I,
)
def is_default_title(text: str) -> bool:
    """True for a title a word processor filled in by itself ("Word Document", "Untitled"…)."""
    return bool(_DEFAULT_TITLE.match(" ".join(text.split())))
