"""Plain data shared by ingest, index and search; no I/O, no dependency on bot/."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

#: What the chat does with a search: answer with the best passage, offer it as possibly related, or decline.
Outcome = Literal["answer", "tentative", "decline"]


@dataclass(frozen=True, slots=True)
class Section:
    """One chunk of a guide: its heading path below the guide title, and its text."""

    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True, slots=True)
class ParsedGuide:
    """What ingest understood of one file: a title, an optional source reference, the chunks."""

    title: str
    sections: tuple[Section, ...]
    source_ref: str | None = None
    #: PDF pages (1-based) that are pictures without text (scanned): nothing on them is read
    pages_without_text: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Passage:
    """One searchable chunk as the index sees it (ids are strings chosen by the caller)."""

    id: str
    guide_id: str
    guide_title: str
    heading_path: tuple[str, ...]
    text: str
    source_ref: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage with its score (higher is better; comparable within one index)."""

    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ranked hits plus the answer decision.

    `outcome`: "answer" (reply with hits[0]), "tentative" (offer hits[0] as possibly related, ask for
    feedback) or "decline" (offer the closest sections, log the question). `alternative`: set when the best
    passage of another guide is about as good as hits[0], so the chat should ask which of the two guides
    was meant instead of guessing. `confidence`: the decision's score in [0, 1] (higher is surer).
    `corrected_terms`: (as typed, as understood) for words a Telex decode or typo correction really changed.
    `english`: the question read as English (knowledge/language.py) and was searched in Vietnamese.
    """

    query: str
    hits: tuple[Hit, ...]
    outcome: Outcome = "decline"
    confidence: float = 0.0
    corrected_terms: tuple[tuple[str, str], ...] = field(default=())
    alternative: Hit | None = None
    english: bool = False

    @property
    def confident(self) -> bool:
        """True only for a confident answer (kept for callers written before the three outcomes)."""
        return self.outcome == "answer"


class IngestProblem(StrEnum):
    """Why a file could not be imported; bot/texts.py turns each into a Vietnamese message."""

    UNSUPPORTED_TYPE = "unsupported_type"
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    CORRUPTED = "corrupted"
    ENCRYPTED = "encrypted"
    NO_TEXT_LAYER = "no_text_layer"
    BAD_ENCODING = "bad_encoding"
    #: a .docx whose parts inflate beyond the cap, or a PDF with more text than it
    UNPACKED_TOO_LARGE = "unpacked_too_large"
    TOO_MANY_PASSAGES = "too_many_passages"
    TOO_MANY_PAGES = "too_many_pages"


class IngestError(Exception):
    """A file that cannot become a guide; nothing of it is imported."""

    def __init__(self, file_name: str, problem: IngestProblem, detail: str = "", *,
                 limit: int | None = None, pages: tuple[int, ...] = ()) -> None:
        super().__init__(f"{file_name}: {problem.value}{': ' + detail if detail else ''}")
        self.file_name = file_name
        self.problem = problem
        self.detail = detail
        #: the bound that was exceeded (bytes, passages or pages), for the message
        self.limit = limit
        #: the pages (1-based) the problem is on, when it is on some pages only (a PDF mostly
        #: scanned: its pictures without text)
        self.pages = pages


MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class IngestLimits:
    """Bounds a guide file is checked against before and while it is parsed (nothing unbounded
    reaches memory: a 0.8 MB .docx once inflated to 200 MB and 145,000 passages)."""

    #: the file as uploaded
    max_bytes: int = 20 * MB
    #: all parts of a .docx uncompressed (zip directory and while reading); a PDF's text
    max_unpacked_bytes: int = 50 * MB
    #: passages one guide may produce
    max_passages: int = 5000
    #: pages of a PDF
    max_pdf_pages: int = 1000

    @property
    def max_blocks(self) -> int:
        """Paragraphs, headings and list items read before a document counts as too long."""
        return self.max_passages * 10


def check_blocks(file_name: str, count: int, limits: IngestLimits) -> None:
    """Refuse a document once it has more blocks than any guide within the passage cap needs."""
    if count > limits.max_blocks:
        raise IngestError(file_name, IngestProblem.TOO_MANY_PASSAGES,
                          f"more than {limits.max_blocks} blocks", limit=limits.max_passages)
