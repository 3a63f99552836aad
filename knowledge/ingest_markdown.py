"""Markdown guides: ATX/setext headings, lists, tables, code fences; inline markup stripped for chat."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from knowledge.ingest_blocks import Block, BlockKind, heading, para
from knowledge.legal import apply_legal_structure

_ATX = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_RULE = re.compile(r"^(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?$")
_FENCE = re.compile(r"^(```|~~~)")
_INLINE = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\(([^)]+)\)"), r"\1 (\2)"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
)


def strip_inline(text: str) -> str:
    """Remove emphasis, code ticks and link syntax, keeping the words (and link targets)."""
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()


@dataclass(slots=True)
class _State:
    blocks: list[Block] = field(default_factory=list)
    paragraph: list[str] = field(default_factory=list)
    table: list[str] = field(default_factory=list)
    in_item: bool = False

    def flush(self) -> None:
        if self.paragraph:
            self.blocks.append(para(strip_inline(" ".join(self.paragraph))))
        if self.table:
            self.blocks.append(Block(BlockKind.TABLE, "\n".join(self.table)))
        self.paragraph, self.table, self.in_item = [], [], False


def markdown_blocks(lines: list[str]) -> list[Block]:
    """Cleaned Markdown lines to blocks (every H1 included; the caller decides which one is the title)."""
    state = _State()
    fence: list[str] | None = None
    for line in lines:
        if fence is not None:
            if _FENCE.match(line):
                state.blocks.append(para("\n".join(fence)))
                fence = None
            else:
                fence.append(line)
            continue
        if _FENCE.match(line):
            state.flush()
            fence = []
            continue
        _feed(state, line)
    state.flush()
    if fence:
        state.blocks.append(para("\n".join(fence)))
    return apply_legal_structure(state.blocks)


def _feed(state: _State, line: str) -> None:
    line = line[1:].strip() if line.startswith(">") else line
    atx = _ATX.match(line)
    if atx:
        state.flush()
        state.blocks.append(heading(strip_inline(atx.group(2)), len(atx.group(1))))
    elif _SETEXT.match(line) and len(state.paragraph) == 1 and not state.in_item:
        text = strip_inline(state.paragraph.pop())
        state.flush()
        state.blocks.append(heading(text, 1 if line.startswith("=") else 2))
    elif not line.strip() or _RULE.match(line):
        state.flush()
    elif line.lstrip().startswith("|"):
        _feed_table(state, line)
    else:
        _feed_text(state, line)


def _feed_table(state: _State, line: str) -> None:
    if state.paragraph:
        state.flush()
    if _TABLE_SEPARATOR.match(line.strip()):
        return
    cells = [strip_inline(cell) for cell in line.strip().strip("|").split("|")]
    state.table.append(" | ".join(cells))


def _feed_text(state: _State, line: str) -> None:
    item = _ITEM.match(line)
    if item:
        state.flush()
        marker = "-" if item.group(2) in "-*+" else item.group(2)
        indent = "  " * (len(item.group(1).expandtabs(4)) // 2)
        state.blocks.append(
            Block(BlockKind.LIST_ITEM, f"{indent}{marker} {strip_inline(item.group(3))}")
        )
        state.in_item = True
    elif state.in_item:
        last = state.blocks[-1]
        state.blocks[-1] = Block(last.kind, f"{last.text} {strip_inline(line)}")
    else:
        if state.table:
            state.flush()
        state.paragraph.append(line.strip())


def take_title(blocks: list[Block]) -> tuple[str | None, list[Block]]:
    """The first H1, when it comes before any other heading, is the guide's title."""
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.HEADING:
            if block.level == 1 and block.text:
                return block.text, blocks[:index] + blocks[index + 1 :]
            return None, blocks
    return None, blocks
