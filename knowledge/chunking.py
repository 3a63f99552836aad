"""Turn raw sections into search-sized chunks that keep their heading path (and Khoản for long articles)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.ingest_blocks import Block, BlockKind, RawSection
from knowledge.legal import clause_number
from knowledge.types import Section

SPLIT_ABOVE = 1200  # a section longer than this is split
MAX_CHARS = 1000  # target upper bound of a split piece
MIN_CHARS = 400  # split pieces smaller than this are merged with a neighbour when possible
TARGET_CHARS = 600  # split pieces aim at this size (a phone screen or two)
TINY_CHARS = (
    40  # a section this small (or a lead-in ending with ":") is folded into its first subsection
)

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True, slots=True)
class _Unit:
    """Lines that belong together (a paragraph, a list, a table, a clause); header repeats on split."""

    lines: tuple[str, ...]
    clause: int | None = None
    header: str | None = None

    @property
    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines) - 1


@dataclass(frozen=True, slots=True)
class _Chunk:
    lines: tuple[str, ...]
    clauses: tuple[int, ...]

    @property
    def size(self) -> int:
        return sum(len(line) + 1 for line in self.lines) - 1


def chunk_sections(raw_sections: list[RawSection]) -> list[Section]:
    """One chunk per leaf section; long ones split on paragraph boundaries; tiny ones folded forward."""
    sections: list[Section] = []
    for raw in raw_sections:
        sections.extend(_chunk_one(raw))
    return _fold_tiny(sections)


def _chunk_one(raw: RawSection) -> list[Section]:
    is_article = bool(raw.heading_path) and raw.heading_path[-1].startswith("Điều ")
    units = _units(raw.blocks, by_clause=is_article)
    total = sum(unit.size + 1 for unit in units) - 1
    if not units or total <= 0:
        return []
    if total <= SPLIT_ABOVE:
        text = "\n".join(line for unit in units for line in unit.lines)
        return [Section(raw.heading_path, text)]
    pieces = [piece for unit in units for piece in _split_unit(unit)]
    chunks = _merge_small(_pack(pieces))
    return [_to_section(raw.heading_path, chunk, is_article) for chunk in chunks]


def _to_section(path: tuple[str, ...], chunk: _Chunk, is_article: bool) -> Section:
    label = _clause_label(chunk.clauses) if is_article else None
    return Section(path + (label,) if label else path, "\n".join(chunk.lines))


def _clause_label(clauses: tuple[int, ...]) -> str | None:
    if not clauses:
        return None
    low, high = min(clauses), max(clauses)
    return f"Khoản {low}" if low == high else f"Khoản {low}–{high}"


def _units(blocks: list[Block], *, by_clause: bool) -> list[_Unit]:
    units: list[_Unit] = []
    items: list[str] = []
    for block in blocks:
        text = block.text.rstrip()
        if not text.strip():
            continue
        if block.kind is BlockKind.LIST_ITEM and not (by_clause and clause_number(text)):
            items.append(text)
            continue
        if items:
            units.append(_Unit(tuple(items)))
            items = []
        units.append(_block_unit(block.kind, text))
    if items:
        units.append(_Unit(tuple(items)))
    return _group_clauses(units) if by_clause else units


def _block_unit(kind: BlockKind, text: str) -> _Unit:
    if kind is BlockKind.TABLE:
        rows = tuple(text.split("\n"))
        return _Unit(rows, header=rows[0] if len(rows) > 1 else None)
    return _Unit((text,), clause=clause_number(text))


def _group_clauses(units: list[_Unit]) -> list[_Unit]:
    """Attach the paragraphs, points and lists after "2. ..." to that clause."""
    grouped: list[_Unit] = []
    for unit in units:
        if unit.clause is None and grouped and grouped[-1].clause is not None:
            last = grouped[-1]
            grouped[-1] = _Unit(last.lines + unit.lines, last.clause)
        else:
            grouped.append(unit)
    return grouped


def _split_unit(unit: _Unit) -> list[_Unit]:
    """Cut a unit larger than MAX_CHARS between its lines (sentences as a last resort)."""
    if unit.size <= MAX_CHARS:
        return [unit]
    lines = [part for line in unit.lines for part in _split_line(line)]
    pieces: list[_Unit] = []
    current: list[str] = []
    for line in lines:
        candidate = [*current, line]
        if current and _Unit(tuple(candidate)).size > MAX_CHARS:
            pieces.append(_Unit(tuple(current), unit.clause))
            current = [unit.header, line] if unit.header else [line]
        else:
            current = candidate
    if current:
        pieces.append(_Unit(tuple(current), unit.clause))
    return pieces


def _split_line(line: str) -> list[str]:
    if len(line) <= MAX_CHARS:
        return [line]
    parts: list[str] = []
    current = ""
    for sentence in _sentences(line):
        if current and len(current) + 1 + len(sentence) > MAX_CHARS:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    return [*parts, current] if current else parts


def _sentences(line: str) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCE_END.split(line):
        while len(sentence) > MAX_CHARS:
            cut = sentence.rfind(" ", 0, MAX_CHARS)
            cut = cut if cut > 0 else MAX_CHARS
            out.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        out.append(sentence)
    return [s for s in out if s]


def _pack(units: list[_Unit]) -> list[_Chunk]:
    """Cut the units into consecutive chunks ≤ MAX_CHARS whose sizes stay closest to TARGET_CHARS."""
    count = len(units)
    best: list[tuple[float, int]] = [(0.0, 0)] + [(float("inf"), 0)] * count
    for end in range(1, count + 1):
        size = -1
        for start in range(end - 1, -1, -1):
            size += units[start].size + 1
            if size > MAX_CHARS and end - start > 1:
                break
            cost = best[start][0] + (size - TARGET_CHARS) ** 2
            if cost < best[end][0]:
                best[end] = (cost, start)
    cuts: list[int] = []
    end = count
    while end > 0:
        cuts.append(end)
        end = best[end][1]
    bounds = [0, *reversed(cuts)]
    return [_chunk_of(units[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def _chunk_of(units: list[_Unit]) -> _Chunk:
    lines = tuple(line for unit in units for line in unit.lines)
    return _Chunk(lines, tuple(unit.clause for unit in units if unit.clause is not None))


def _merge_small(chunks: list[_Chunk]) -> list[_Chunk]:
    """Merge a piece under MIN_CHARS into its smaller neighbour while the result stays ≤ SPLIT_ABOVE."""
    merged = list(chunks)
    index = 0
    while index < len(merged):
        if merged[index].size >= MIN_CHARS or len(merged) == 1:
            index += 1
            continue
        neighbour = _best_neighbour(merged, index)
        if neighbour is None:
            index += 1
            continue
        first, second = sorted((index, neighbour))
        merged[first : second + 1] = [_join(merged[first], merged[second])]
        index = first
    return merged


def _best_neighbour(chunks: list[_Chunk], index: int) -> int | None:
    options = [i for i in (index - 1, index + 1) if 0 <= i < len(chunks)]
    fitting = [i for i in options if chunks[i].size + chunks[index].size + 1 <= SPLIT_ABOVE]
    return min(fitting, key=lambda i: chunks[i].size) if fitting else None


def _join(first: _Chunk, second: _Chunk) -> _Chunk:
    return _Chunk(first.lines + second.lines, first.clauses + second.clauses)


def _fold_tiny(sections: list[Section]) -> list[Section]:
    """A tiny section text (an intro line) is prepended to its first subsection when it has one."""
    out: list[Section] = []
    carry: Section | None = None
    for section in sections:
        if carry is not None and _is_descendant(section.heading_path, carry.heading_path):
            section = Section(section.heading_path, f"{carry.text}\n{section.text}")
        elif carry is not None:
            out.append(carry)
        carry = None
        if section.heading_path and _is_lead_in(section.text):
            carry = section
        else:
            out.append(section)
    if carry is not None:
        out.append(carry)
    return out


def _is_lead_in(text: str) -> bool:
    return len(text) < TINY_CHARS or (len(text) < 3 * TINY_CHARS and text.endswith(":"))


def _is_descendant(path: tuple[str, ...], ancestor: tuple[str, ...]) -> bool:
    return len(path) > len(ancestor) and path[: len(ancestor)] == ancestor
