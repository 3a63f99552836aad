"""The format-neutral shape every reader produces: a flat run of headings, paragraphs, list items, tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class BlockKind(StrEnum):
    """What one block of a document is."""

    HEADING = "heading"
    PARA = "para"
    LIST_ITEM = "list_item"
    TABLE = "table"


@dataclass(frozen=True, slots=True)
class Block:
    """One heading (with its level, 1 = top), paragraph, list item, or table (rows joined by newlines)."""

    kind: BlockKind
    text: str
    level: int = 0


@dataclass(slots=True)
class RawSection:
    """The blocks found under one heading path, before chunking."""

    heading_path: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)


def heading(text: str, level: int) -> Block:
    """A heading block."""
    return Block(BlockKind.HEADING, text, level)


def para(text: str) -> Block:
    """A paragraph block."""
    return Block(BlockKind.PARA, text)


def group_sections(blocks: list[Block]) -> list[RawSection]:
    """Walk the blocks keeping a stack of open headings; every heading starts a new section."""
    stack: list[tuple[int, str]] = []
    sections = [RawSection(())]
    for block in blocks:
        if block.kind is not BlockKind.HEADING:
            sections[-1].blocks.append(block)
            continue
        while stack and stack[-1][0] >= block.level:
            stack.pop()
        stack.append((block.level, block.text))
        sections.append(RawSection(tuple(text for _, text in stack)))
    return [section for section in sections if section.blocks]
