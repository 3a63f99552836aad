"""The knowledge index: BM25 over Vietnamese syllables and bigrams, accented and folded, with fuzzy repair.

Each passage is indexed in six streams (own BM25 weights each): folded syllables, folded bigrams, accented
syllables, accented bigrams (the accented ones with a canonical tone position), and two field-boost streams, the
guide title and the heading path (folded syllables and bigrams). Four more streams look below and above the
passage: its title line, its paragraphs (each read under the passage's heading), the openings of its clauses
(the best paragraph and the best opening count), and the whole guide it belongs to. A query is NFC-casefolded,
Telex words are decoded, typos in words the index has never seen are corrected against its vocabulary,
abbreviations are expanded both ways, and the parts are summed with the weights of `RankParams` (chosen by
cross-validation, bench/kb_cv.py). Accented streams count only when the query carries diacritics, so an exact
diacritic match adds score on top of the folded match. The index is immutable: a reload builds a new one.
"""

from __future__ import annotations

import itertools
import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence, Sized
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import numpy.typing as npt
from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from knowledge.abbreviations import SynonymTable
from knowledge.answer_type import asks_about_money, asks_for_time, speaks_of_money, states_time
from knowledge.decision import DecisionModel, shipped_model
from knowledge.features import extract as decision_vector
from knowledge.glossary import english_words, to_vietnamese
from knowledge.language import TELEX_MARK as _TELEX_MARK
from knowledge.language import english_function_words, is_english
from knowledge.normalize import canonical_tone, fold, has_diacritics, nfc, normalize, syllables
from knowledge.passage_structure import clause_opening, paragraphs, title_line
from knowledge.query import Presence, Query
from knowledge.telex import decode_word, is_folded_syllable, is_valid_syllable
from knowledge.types import Hit, Passage, SearchResult

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

# Confidence = share of the query's information (idf mass of its folded syllables and bigrams, unknown words
# at full idf, question/function words left out) that the best passage contains in its text, heading path or
# guide title. The bar was chosen by bench/kb_confidence.py: among multiples of 0.025 that keep at least 85% of
# the answerable legal dev questions answered and decline every off-topic question of bench/kb_search.py, the
# one with the best worst-case of (answerable demo-guide questions answered, unanswerable ones declined)
# (figures and method in docs/benchmarks.md, "Confidence bar").
CONFIDENCE_BAR = 0.35
#: passages the decision looks at (best first), whatever the caller's limit
FEATURE_POOL = 10
#: a word the index knows as typed is still read as Telex when its decoded form is this much
#: more frequent (document frequency); unknown words are decoded whenever the result is known
TELEX_OVER_KNOWN = 4

# Question and function words, as officials type them ("la gi", "the nao", "lam sao", "bao nhieu", "o dau",
# "can lam gi" …). They say how something is asked, not what about, and formal guides rarely contain them, so
# they would count as missing information and sink short informal questions. Left out of the confidence mass
# in folded form; a pair of them ("lam sao") is left out too, but a pair with one content word ("sao luu",
# "may tinh", "bao cao") still counts, which keeps the content sense of the ambiguous folded ones.
QUESTION_WORDS: tuple[str, ...] = (
    "là", "gì", "như", "thế", "nào", "làm", "sao", "bao", "nhiêu", "ở", "đâu", "khi", "ai", "lâu",
    "mấy", "có", "không", "thì", "để", "cần", "những", "các", "được", "phải", "của", "và", "cho",
    "với", "này", "vậy", "hay", "tôi", "mình", "nhé", "à", "ơi",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RankParams:
    """Ranking knobs; the defaults were chosen by cross-validation on the legal dev set (docs/benchmarks.md).

    A passage's score is a weighted sum of parts (see `RANK_PARTS`); k1 and b shape every BM25 stream.
    """

    k1: float = 0.7
    b: float = 0.75
    #: question and function words (QUESTION_WORDS) in the folded syllable stream; the rest weighs 1
    question_word_weight: float = 1.0
    bigram_weight: float = 1.25
    accent_weight: float = 0.25
    accent_bigram_weight: float = 0.25
    title_weight: float = 0.6
    heading_weight: float = 0.6
    expansion_weight: float = 0.8
    #: the passage's first line when it reads as its own title (a statute article's name)
    lead_weight: float = 0.2
    #: the best single paragraph or point of the passage, read under its heading (BM25 over
    #: paragraphs, max per passage)
    paragraph_weight: float = 0.5
    #: the best clause opening: the first words of a paragraph ("1. Người lao động là …")
    clause_weight: float = 0.2
    #: the whole guide (or law) the passage belongs to, as one bag; measured, not kept (off)
    guide_weight: float = 0.0
    max_typo_candidates: int = 64
    #: a guide's opening passage (no heading, in a guide with sections) is scored at this share
    intro_weight: float = 0.5
    #: for a question that asks for a time ("bao lâu", "hạn", "mấy giờ"), a passage that states none
    #: (knowledge/answer_type.py) is scored at this share, when that changes which passage is first
    answer_type_weight: float = 0.8

    def weights(self) -> dict[str, float]:
        """The weight of every score part, by name (the expansion part is already weighted)."""
        return {
            "body": 1.0,
            "question_words": self.question_word_weight,
            "bigrams": self.bigram_weight,
            "accents": self.accent_weight,
            "accent_bigrams": self.accent_bigram_weight,
            "title": self.title_weight,
            "heading": self.heading_weight,
            "expansion": 1.0,
            "lead": self.lead_weight,
            "paragraph": self.paragraph_weight,
            "clause": self.clause_weight,
            "guide": self.guide_weight,
        }


#: names of the score parts, in the order `RankParams.weights()` gives them
RANK_PARTS: tuple[str, ...] = tuple(RankParams().weights())
#: words of a clause opening indexed by the clause stream
CLAUSE_OPENING_WORDS = 8
_OPENING_CHARS = 200
_QUESTION_FOLDED = frozenset(fold(w) for w in QUESTION_WORDS)
#: parts read per paragraph; scored for the best CANDIDATES passages by the other parts
_PARAGRAPH_PARTS = ("paragraph", "clause")
CANDIDATES = 100
#: phrases said another way whose score vectors an index keeps (`KnowledgeIndex._expansion_vector`)
EXPANSION_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class ConfidenceParams:
    """How confidence is measured; the defaults are the calibrated ones (docs/benchmarks.md, "Confidence bar").

    `ConfidenceParams.legacy()` is the first measure (all words, body text only), kept as the benchmark's
    baseline.
    """

    ignored_words: frozenset[str] = field(
        default_factory=lambda: frozenset(fold(w) for w in QUESTION_WORDS)
    )
    count_headings: bool = True
    bigram_weight: float = 1.0
    bar: float = CONFIDENCE_BAR

    @classmethod
    def legacy(cls) -> ConfidenceParams:
        """The measure before question words and headings were handled, at its own calibrated bar."""
        return cls(ignored_words=frozenset(), count_headings=False, bigram_weight=1.0, bar=0.35)


@dataclass(frozen=True, slots=True)
class _Stream:
    """One BM25 field: vocabulary, and per-term postings (documents and precomputed term weights)."""

    vocab: dict[str, int]
    indptr: npt.NDArray[np.int64]
    docs: IntArray
    weights: FloatArray
    idf: FloatArray
    df: npt.NDArray[np.int32]
    lengths: FloatArray
    # The same arrays seen as Python sequences (no copy): one term or one posting at a time, a
    # memoryview hands out plain ints and floats several times faster than numpy scalars.
    _indptr_view: memoryview = field(init=False, repr=False, compare=False)
    _docs_view: memoryview = field(init=False, repr=False, compare=False)
    _idf_view: memoryview = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, array in (("_indptr_view", self.indptr), ("_docs_view", self.docs),
                            ("_idf_view", self.idf)):
            object.__setattr__(self, name, np.ascontiguousarray(array).data)

    @classmethod
    def build(cls, bags: Sequence[Counter[str]], k1: float, b: float) -> _Stream:
        """Build postings from one bag of terms per document."""
        n_docs = len(bags)
        vocab: dict[str, int] = {}
        rows: list[int] = []
        tfs: list[int] = []
        sizes = np.zeros(n_docs, dtype=np.int64)
        lengths = np.zeros(n_docs, dtype=np.float32)
        for doc, bag in enumerate(bags):
            # Comprehensions and extend: this loop runs over every (term, document) pair.
            rows.extend([vocab.setdefault(term, len(vocab)) for term in bag])
            counts = list(bag.values())
            tfs.extend(counts)
            sizes[doc] = len(counts)
            lengths[doc] = sum(counts)
        cols = np.repeat(np.arange(n_docs, dtype=np.int32), sizes)
        term_ids = np.asarray(rows, dtype=np.int32)
        doc_ids = np.asarray(cols, dtype=np.int32)
        tf_arr = np.asarray(tfs, dtype=np.float32)
        order = np.argsort(term_ids, kind="stable")
        term_ids, doc_ids, tf_arr = term_ids[order], doc_ids[order], tf_arr[order]
        df = np.bincount(term_ids, minlength=len(vocab)).astype(np.int32)
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(df, out=indptr[1:])
        avgdl = float(lengths.mean()) if n_docs and lengths.mean() > 0 else 1.0
        # Lucene's BM25 idf (always positive) and the usual length-normalized tf saturation.
        idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = k1 * (1.0 - b + b * lengths[doc_ids] / avgdl)
        weights = (idf[term_ids] * tf_arr * (k1 + 1.0) / (tf_arr + norm)).astype(np.float32)
        return cls(vocab, indptr, doc_ids, weights, idf, df, lengths)

    def max_idf(self, n_docs: int) -> float:
        """The idf of a term no document contains: what an unmatched query term is worth."""
        return math.log1p((n_docs + 0.5) / 0.5)

    def gather(self, weighted: Mapping[str, float], into: _Gather) -> _Gather:
        """Add the postings of the query terms (term → multiplier) to `into`; returns it."""
        indptr = self._indptr_view
        for term, mult in weighted.items():
            tid = self.vocab.get(term)
            if tid is not None:
                start, end = indptr[tid], indptr[tid + 1]
                into.docs.append(self.docs[start:end])
                into.weights.append(self.weights[start:end])
                into.mults.append(mult)
                into.sizes.append(end - start)
        return into

    def lookup(self, weighted: Mapping[str, float]) -> tuple[IntArray, FloatArray, int]:
        """The ids of the query terms this stream knows, their multipliers, and their postings' size."""
        tids = [tid for term in weighted if (tid := self.vocab.get(term)) is not None]
        mults = [weighted[term] for term in weighted if term in self.vocab]
        ids = np.asarray(tids, dtype=np.int32)
        return ids, np.asarray(mults, dtype=np.float32), int((self.indptr[ids + 1] - self.indptr[ids]).sum())

    def scores(self, terms: Iterable[str], weight: float = 1.0) -> FloatArray:
        """This stream's BM25 score of every document for the query terms (a repeated term counts
        once per occurrence, as in BM25), times `weight`."""
        return self.gather(_weighted(terms, weight), _Gather()).total(len(self.lengths))

    def ideal(self, terms: Iterable[str], weight: float, n_docs: int) -> float:
        """Weighted sum of the idf of the terms; unknown terms get the maximum idf."""
        total = 0.0
        for term in terms:
            tid = self.vocab.get(term)
            total += weight * (self._idf_view[tid] if tid is not None else self.max_idf(n_docs))
        return total

    def term_idf(self, term: str, n_docs: int) -> float:
        """The idf of a term; a term no document contains gets the maximum idf."""
        tid = self.vocab.get(term)
        idf: float = self._idf_view[tid] if tid is not None else self.max_idf(n_docs)
        return idf

    def contains(self, term: str, doc: int) -> bool:
        """Whether the document contains the term."""
        tid = self.vocab.get(term)
        return tid is not None and self.has(tid, doc)

    def has(self, tid: int, doc: int) -> bool:
        """Whether the document contains the term of this id."""
        # Postings are sorted by document, so membership is a binary search.
        end: int = self._indptr_view[tid + 1]
        pos = bisect_left(self._docs_view, doc, self._indptr_view[tid], end)
        return pos < end and self._docs_view[pos] == doc


@dataclass(slots=True)
class _Gather:
    """Postings of query terms collected from streams over the same documents, summed at once."""

    docs: list[IntArray] = field(default_factory=list)
    weights: list[FloatArray] = field(default_factory=list)
    #: per term: what its weights are multiplied by (part weight × occurrences in the query)
    mults: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def total(self, n_docs: int) -> FloatArray:
        """Every document's sum of weight × multiplier over the postings (float64 sums, one pass)."""
        if not self.docs:
            return np.zeros(n_docs, dtype=np.float32)
        # Slices copied once; no Python loop over documents, one bincount for every term and stream.
        values = np.concatenate(self.weights) * np.repeat(self.mults, self.sizes)
        return np.bincount(np.concatenate(self.docs), values, minlength=n_docs).astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Store:
    """Several streams' postings laid end to end, so that the postings of every query term of every
    stream are read by one index and summed by one bincount (no numpy call per term).

    A stream's documents may be shifted (`offsets`), which keeps two streams over the same documents
    apart in one sum (paragraphs and clause openings). The sum is `_Gather.total`'s to the bit: the
    same float64 products, added per document in the same order.
    """

    #: the first store-wide term id of each stream, by id() of the stream
    bases: dict[int, int]
    indptr: npt.NDArray[np.int64]
    docs: IntArray
    weights: FloatArray
    #: documents of the sums (the largest shifted document + 1)
    size: int

    @classmethod
    def join(
        cls, streams: Sequence[_Stream], offsets: Sequence[int] | None = None
    ) -> tuple[_Store, tuple[_Stream, ...]]:
        """The store of the streams, and the streams again, reading their postings from the store's
        arrays (no second copy of them; the store must be used with these streams, not the given)."""
        shifts = list(offsets) if offsets is not None else [0] * len(streams)
        docs = np.concatenate(
            [s.docs + np.int32(k) if k else s.docs for s, k in zip(streams, shifts, strict=True)]
        ).astype(np.int32, copy=False)
        weights = np.concatenate([s.weights for s in streams]).astype(np.float32, copy=False)
        indptr_parts: list[npt.NDArray[np.int64]] = []
        bases: list[int] = []
        entry = term = 0
        views: list[_Stream] = []
        for stream, shift in zip(streams, shifts, strict=True):
            end = entry + len(stream.docs)
            indptr_parts.append(stream.indptr[:-1] + entry)
            views.append(replace(
                stream, docs=stream.docs if shift else docs[entry:end],
                weights=weights[entry:end],
            ))  # fmt: skip
            bases.append(term)
            entry, term = end, term + len(stream.vocab)
        indptr = np.concatenate([*indptr_parts, np.asarray([entry], dtype=np.int64)])
        size = max((len(s.lengths) + k for s, k in zip(streams, shifts, strict=True)), default=0)
        store = cls({id(v): base for v, base in zip(views, bases, strict=True)}, indptr, docs,
                    weights, size)  # fmt: skip
        return store, tuple(views)

    def total(self, parts: Iterable[_Part], size: int) -> FloatArray:
        """Every document's sum of weight × multiplier over the postings of the terms (term →
        multiplier) of each part's stream, parts and terms in the order given (float64 sums), for
        `size` documents. A part's documents are moved by its shift on top of its stream's: several
        sums over the same documents (a phrase and its alternative) come out of one pass side by side."""
        ids: list[int] = []
        mults: list[float] = []
        shifts: list[int] = []
        shifted = False
        for stream, weighted, shift in parts:
            base = self.bases[id(stream)]
            vocab = stream.vocab
            before = len(ids)
            for term, mult in weighted.items():
                tid = vocab.get(term)
                if tid is not None:
                    ids.append(base + tid)
                    mults.append(mult)
            if shift:
                shifted = True
            shifts.extend([shift] * (len(ids) - before))
        if not ids:
            return np.zeros(size, dtype=np.float32)
        # fromiter with a known dtype and count: no type discovery per element, as asarray of a
        # list does (a fourth fewer instructions on the ~120 ids and multipliers of a question)
        found = np.fromiter(ids, np.int64, len(ids))
        starts, ends = self.indptr[found], self.indptr[found + 1]
        sizes = ends - starts
        entries = _ranges(starts, ends)
        values = self.weights[entries] * np.repeat(np.fromiter(mults, np.float64, len(mults)), sizes)
        docs = self.docs[entries]
        if shifted:
            docs = docs + np.repeat(np.asarray(shifts, dtype=np.int32), sizes)
        return np.bincount(docs, values, minlength=size).astype(np.float32)


#: one stream's share of a sum: the stream, its terms (term → multiplier), a shift of its documents
_Part = tuple[_Stream, Mapping[str, float], int]
#: a phrase as typed, an alternative of it, the alternative's weight (folded syllables)
_ExpansionKey = tuple[tuple[str, ...], tuple[str, ...], float]


def _weighted(
    terms: Iterable[str], weight: float, into: dict[str, float] | None = None
) -> dict[str, float]:
    """Term → multiplier: `weight` once per occurrence, added to `into` when given."""
    out = {} if into is None else into
    for term in terms:
        out[term] = out.get(term, 0.0) + weight
    return out


def _ranges(starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The integers of [starts[i], ends[i]) for every i, concatenated in order."""
    if len(starts) == 0:
        return np.zeros(0, dtype=np.int64)
    sizes = ends - starts
    offsets = np.cumsum(sizes) - sizes
    shift: npt.NDArray[np.int64] = np.repeat(starts - offsets, sizes)
    return np.arange(int(offsets[-1] + sizes[-1]), dtype=np.int64) + shift


@cache
def _foreign_words() -> frozenset[str]:
    """English words of the glossary and English function words (one set, built once)."""
    return english_words() | english_function_words()


def _bigrams(tokens: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _focus(folded: list[str]) -> list[str]:
    """The query terms the paragraph, clause, title-line and guide fields are scored with.

    Question words are left out, and so are pairs of two of them ("bao nhieu", "the nao"): they say
    how something is asked, not what about.
    """
    question = _QUESTION_FOLDED
    return [t for t in folded if t not in question] + [
        f"{left} {right}" for left, right in zip(folded, folded[1:], strict=False)
        if not (left in question and right in question)
    ]


def _bag(tokens: Sequence[str]) -> Counter[str]:
    """Syllables and adjacent pairs of one field, in one bag."""
    bag = Counter(tokens)
    bag.update(_bigrams(tokens))
    return bag


@dataclass(frozen=True, slots=True)
class _Rows:
    """A stream read by document: each document's term ids and their BM25 weights, in one run.

    For a long question on a large index, the paragraphs of the hundred best passages hold fewer
    entries than the postings of the question's terms: they are read this way instead.
    """

    indptr: npt.NDArray[np.int64]
    terms: IntArray
    weights: FloatArray
    vocab_size: int

    @classmethod
    def of(cls, stream: _Stream) -> _Rows:
        """Transpose the stream's postings."""
        term_of = np.repeat(np.arange(len(stream.vocab), dtype=np.int32), np.diff(stream.indptr))
        order = np.argsort(stream.docs, kind="stable")
        indptr = np.zeros(len(stream.lengths) + 1, dtype=np.int64)
        np.cumsum(np.bincount(stream.docs, minlength=len(stream.lengths)), out=indptr[1:])
        return cls(indptr, term_of[order], stream.weights[order], len(stream.vocab))

    def entries(self, first: npt.NDArray[np.int64], last: npt.NDArray[np.int64]) -> int:
        """How many entries documents first[i]..last[i]-1 hold together."""
        return int((self.indptr[last] - self.indptr[first]).sum())

    def run_scores(
        self, first: npt.NDArray[np.int64], last: npt.NDArray[np.int64], ids: IntArray,
        mults: FloatArray,
    ) -> FloatArray:  # fmt: skip
        """BM25 score of documents first[i]..last[i]-1 (consecutive runs), for term ids × mults."""
        asked = np.zeros(self.vocab_size, dtype=np.float32)
        asked[ids] = mults
        entries = _ranges(self.indptr[first], self.indptr[last])
        # A trailing zero, so that an empty last document still has a place to start from.
        contrib = np.append(self.weights[entries] * asked[self.terms[entries]], np.float32(0.0))
        docs = _ranges(first, last)
        sizes = self.indptr[docs + 1] - self.indptr[docs]
        sums = np.add.reduceat(contrib, np.cumsum(sizes) - sizes)
        sums[sizes == 0] = 0.0
        return sums.astype(np.float32)


@dataclass(frozen=True, slots=True)
class _Structure:
    """Streams below and above the passage: title line, paragraphs, clause openings, whole guide."""

    lead: _Stream
    paragraph: _Stream
    clause: _Stream
    guide: _Stream
    paragraph_rows: _Rows
    clause_rows: _Rows
    #: paragraphs of passage i are para_bounds[i]:para_bounds[i + 1] (at least one each)
    para_bounds: npt.NDArray[np.int64]
    #: guide number of each passage
    guide_of: npt.NDArray[np.int64]
    def best_paragraph(
        self, stream: _Stream, terms: list[str], passages: npt.NDArray[np.int64] | None = None
    ) -> FloatArray:
        """Per passage (all, or the given ones), the best BM25 score of one of its paragraphs (or
        clause openings)."""
        weighted = _weighted(terms, 1.0)
        if passages is None:
            scores = stream.gather(weighted, _Gather()).total(len(stream.lengths))
            return np.maximum.reduceat(scores, self.para_bounds[:-1]).astype(np.float32)
        if len(passages) == 0:
            return np.zeros(0, dtype=np.float32)
        first, last = self.para_bounds[passages], self.para_bounds[passages + 1]
        sizes = last - first
        rows = self.paragraph_rows if stream is self.paragraph else self.clause_rows
        ids, mults, postings = stream.lookup(weighted)
        if postings > rows.entries(first, last):
            # fewer entries in the passages' paragraphs than in the terms' postings: read those
            scores = rows.run_scores(first, last, ids, mults)
        else:
            all_scores = stream.gather(weighted, _Gather()).total(len(stream.lengths))
            scores = all_scores[_ranges(first, last)]
        return np.maximum.reduceat(scores, np.cumsum(sizes) - sizes).astype(np.float32)

    def guide_scores(self, terms: list[str]) -> FloatArray:
        """Per passage, the BM25 score of the guide it belongs to."""
        return self.guide.scores(terms)[self.guide_of]


@dataclass(frozen=True, slots=True)
class _PresenceSets:
    """Per passage, the terms of its text (folded syllables; folded bigrams) and of its heading path
    and guide title together: what the decision's coverage asks of the best passage term by term,
    a set look-up each instead of binary searches in the postings. Kept for a small index only
    (CANDIDATES passages or fewer), where they cost little memory."""

    uni: list[frozenset[str]]
    bi: list[frozenset[str]]
    meta: list[frozenset[str]]


class KnowledgeIndex:
    """An immutable search index over passages; build() makes one, search() ranks passages for a query."""

    __slots__ = (
        "_passages", "_params", "_synonyms", "_fold_uni", "_fold_bi", "_acc_uni", "_acc_bi", "_title",
        "_heading", "_structure", "_by_len", "_confidence_params", "_accents",
        "_intro_weight", "_typical_idf", "_states_time", "_speaks_of_money", "_weights", "_store",
        "_expansion_cache", "_presence",
    )  # fmt: skip

    def __init__(
        self,
        passages: tuple[Passage, ...],
        params: RankParams,
        synonyms: SynonymTable | None,
        streams: tuple[_Stream, _Stream, _Stream, _Stream, _Stream, _Stream],
        structure: _Structure,
        confidence: ConfidenceParams,
        store: _Store,
        presence: _PresenceSets | None = None,
    ) -> None:
        """Use build(); this only stores what build() computed."""
        #: on a small index, every passage's terms as sets (`_PresenceSets`); None: binary searches
        self._presence = presence
        #: the postings of every passage stream, then the paragraphs' and the clause openings'
        self._store = store
        self._passages = passages
        self._params = params
        self._confidence_params = confidence
        self._synonyms = synonyms
        self._fold_uni, self._fold_bi, self._acc_uni, self._acc_bi, self._title, self._heading = (
            streams
        )
        self._structure = structure
        #: the weight of every score part that counts (RankParams.weights without the zeros)
        self._weights = {name: w for name, w in params.weights().items() if w != 0.0}
        by_len: dict[int, list[str]] = {}
        for term in self._fold_uni.vocab.keys() | self._meta_words():
            if term.isalpha():
                by_len.setdefault(len(term), []).append(term)
        # in a fixed order, the most frequent first: the typo candidates kept (the closest few,
        # ties in this order) and the correction chosen among equals must not hang on the order
        # of a set of strings, which Python's hash seed changes from process to process
        self._by_len = {k: tuple(sorted(v, key=lambda t: (-self._df(t), t)))
                        for k, v in by_len.items()}
        # A guide's opening passage (no heading, in a guide that has sections) summarizes the whole guide,
        # so it matches many questions a little; it must not outrank the section that says the fact.
        sectioned = {p.guide_id for p in passages if p.heading_path}
        intro = [not p.heading_path and p.guide_id in sectioned for p in passages]
        self._intro_weight: FloatArray | None = (
            np.where(intro, np.float32(params.intro_weight), np.float32(1.0)).astype(np.float32)
            if any(intro) and params.intro_weight != 1.0 else None
        )  # fmt: skip
        # The accented spellings of every folded syllable, most frequent first (to show a correction).
        accents: dict[str, list[tuple[int, str]]] = {}
        for term, tid in self._acc_uni.vocab.items():
            accents.setdefault(fold(term), []).append((-int(self._acc_uni.df[tid]), term))
        self._accents = {k: tuple(t for _, t in sorted(v)[:4]) for k, v in accents.items()}
        # Which passages state a time (a date, a duration…), read once for questions that ask for one.
        self._states_time = np.asarray([states_time(p.text) for p in passages], dtype=np.bool_)
        # Which passages mention money at all (text or headings), for questions about pay, fees, budgets.
        self._speaks_of_money = np.asarray(
            [speaks_of_money(" ".join((p.text, *p.heading_path))) for p in passages],
            dtype=np.bool_,
        )
        uni = self._fold_uni
        self._typical_idf = float(np.average(uni.idf, weights=uni.df)) if int(uni.df.sum()) else 1.0
        #: per phrase and alternative (source, alternative, weight): what the alternative adds to
        #: every passage's score (`_expansion_vector`), or None when it counts nowhere. A phrase's
        #: expansion reads nothing of the rest of the question, so it is summed once per index
        self._expansion_cache: dict[_ExpansionKey, FloatArray | None] = {}

    @classmethod
    def build(
        cls,
        passages: Iterable[Passage],
        synonyms: SynonymTable | None = None,
        params: RankParams | None = None,
        confidence: ConfidenceParams | None = None,
    ) -> KnowledgeIndex:
        """Tokenize and index the passages (pure, CPU only)."""
        params = params or RankParams()
        items = tuple(passages)
        # Canonical tone and folding are computed once per distinct syllable, not once per occurrence.
        tone_cache: dict[str, str] = {}
        fold_cache: dict[str, str] = {}
        fold_uni: list[Counter[str]] = []
        fold_bi: list[Counter[str]] = []
        acc_uni: list[Counter[str]] = []
        acc_bi: list[Counter[str]] = []
        titles: list[Counter[str]] = []
        headings: list[Counter[str]] = []
        leads: list[Counter[str]] = []
        paras: list[Counter[str]] = []
        clauses: list[Counter[str]] = []
        para_starts: list[int] = []
        guide_numbers: dict[str, int] = {}
        guide_of: list[int] = []

        def folded(text: str) -> list[str]:
            return [
                fold_cache.get(s) or fold_cache.setdefault(s, fold(s)) for s in syllables(text)
            ]

        for passage in items:
            text = normalize(passage.text)
            # Paragraph breaks fall between syllables, so the passage's syllables are its paragraphs'.
            para_texts = paragraphs(text)
            para_raw = [syllables(para) for para in para_texts]
            raw = [s for words in para_raw for s in words]
            acc = [tone_cache.get(s) or tone_cache.setdefault(s, canonical_tone(s)) for s in raw]
            fol = [fold_cache.get(s) or fold_cache.setdefault(s, fold(s)) for s in raw]
            acc_uni.append(Counter(acc))
            acc_bi.append(Counter(_bigrams(acc)))
            fold_uni.append(Counter(fol))
            fold_bi.append(Counter(_bigrams(fol)))
            # officials name a guide by the document it implements ("kế hoạch 286"): its source
            # reference counts as part of the guide's title
            titles.append(_bag(syllables(fold(normalize(
                f"{passage.guide_title} {passage.source_ref or ''}")))))
            headings.append(_bag(syllables(fold(normalize(" \n ".join(passage.heading_path))))))
            lead = folded(title_line(text))
            leads.append(_bag(lead))
            # A paragraph is read under its section heading (or the passage's title line), as a reader
            # sees it: "within 10 days" means little without "Thời hạn xử lý" above it.
            context = folded(normalize(passage.heading_path[-1])) if passage.heading_path else lead
            para_starts.append(len(paras))
            start = 0
            for para, words in zip(para_texts, para_raw, strict=True):
                paras.append(_bag(context + fol[start : start + len(words)]))
                start += len(words)
                # The opening is read from a prefix: eight syllables never need more characters.
                opening = folded(clause_opening(para[:_OPENING_CHARS]))[:CLAUSE_OPENING_WORDS]
                clauses.append(_bag(context + opening))
            guide_of.append(guide_numbers.setdefault(passage.guide_id, len(guide_numbers)))
        guides: list[Counter[str]] = [Counter() for _ in guide_numbers]
        for number, uni, bi in zip(guide_of, fold_uni, fold_bi, strict=True):
            guides[number].update(uni)
            guides[number].update(bi)
        k1, b = params.k1, params.b
        # One store for the passage streams (the title line's too), then the paragraphs and the
        # clause openings, each shifted after the ones before: passages 0..n-1, paragraphs n..,
        # clause openings n + len(paras)..
        n = len(items)
        store, (f_uni, f_bi, a_uni, a_bi, s_title, s_heading, s_lead, paragraph, clause) = (
            _Store.join(
                [_Stream.build(bags, k1, b) for bags in (
                    fold_uni, fold_bi, acc_uni, acc_bi, titles, headings, leads, paras, clauses)],
                [0, 0, 0, 0, 0, 0, 0, n, n + len(paras)],
            )
        )  # fmt: skip
        streams = (f_uni, f_bi, a_uni, a_bi, s_title, s_heading)
        structure = _Structure(
            lead=s_lead,
            paragraph=paragraph,
            clause=clause,
            guide=_Stream.build(guides, k1, b),
            paragraph_rows=_Rows.of(paragraph),
            clause_rows=_Rows.of(clause),
            para_bounds=np.asarray([*para_starts, len(paras)], dtype=np.int64),
            guide_of=np.asarray(guide_of, dtype=np.int64),
        )
        presence = (
            _PresenceSets(
                uni=[frozenset(bag) for bag in fold_uni],
                bi=[frozenset(bag) for bag in fold_bi],
                meta=[frozenset(t) | frozenset(h) for t, h in zip(titles, headings, strict=True)],
            )
            if n <= CANDIDATES else None
        )  # fmt: skip
        return cls(items, params, synonyms, streams, structure, confidence or ConfidenceParams(),
                   store, presence)  # fmt: skip

    def __len__(self) -> int:
        """Number of passages."""
        return len(self._passages)

    @property
    def passages(self) -> tuple[Passage, ...]:
        """The indexed passages, in build order."""
        return self._passages

    # ---- query analysis -------------------------------------------------------------------------

    def _meta_words(self) -> set[str]:
        """Single syllables of guide titles and headings (their vocabularies also hold bigrams)."""
        return {t for t in self._title.vocab.keys() | self._heading.vocab.keys() if " " not in t}

    def _known(self, folded: str) -> bool:
        return (
            folded in self._fold_uni.vocab
            or folded in self._heading.vocab
            or folded in self._title.vocab
        )

    def _df(self, folded: str) -> int:
        total = 0
        for stream in (self._fold_uni, self._title, self._heading):
            tid = stream.vocab.get(folded)
            total += int(stream.df[tid]) if tid is not None else 0
        return total

    def _bigram_df(self, left: str, right: str) -> int:
        tid = self._fold_bi.vocab.get(f"{left} {right}")
        return int(self._fold_bi.df[tid]) if tid is not None else 0

    def _has_synonym(self, folded: str) -> bool:
        """Whether a word is an abbreviation or loanword the synonym table links ("scan", "ubnd")."""
        return self._synonyms is not None and (folded,) in self._synonyms.links

    def _accented_phrase(
        self, folded: list[str], left: str | None, right: str | None
    ) -> list[str]:
        """The guides' accented spelling of corrected syllables, chosen with their neighbours' help.

        "chuyen doi" → "chuyển đổi" (the pair the guides write), not the most frequent single forms.
        """
        options = [self._accents.get(f, (f,)) for f in folded]
        best: tuple[float, list[str]] = (-1.0, [o[0] for o in options])
        for combo in itertools.product(*options):
            words = [w for w in (left, *combo, right) if w]
            pairs = sum(self._acc_bigram_df(a, b) for a, b in zip(words, words[1:], strict=False))
            singles = sum(math.log1p(self._acc_df(w)) for w in combo)
            score = 3.0 * math.log1p(pairs) + singles
            if score > best[0]:
                best = (score, list(combo))
        return best[1]

    def _acc_df(self, term: str) -> int:
        tid = self._acc_uni.vocab.get(term)
        return int(self._acc_uni.df[tid]) if tid is not None else 0

    def _acc_bigram_df(self, left: str, right: str) -> int:
        tid = self._acc_bi.vocab.get(f"{left} {right}")
        return int(self._acc_bi.df[tid]) if tid is not None else 0

    def _correct(self, word: str, left: str | None, right: str | None) -> list[str] | None:
        """Best in-vocabulary replacement (one or two syllables) for an unknown folded word, or None."""
        candidates: list[str] = []
        pool: list[str] = []
        for length in (len(word) - 1, len(word), len(word) + 1):
            pool.extend(self._by_len.get(length, ()))
        if pool:
            found = extract(
                word, pool, scorer=OSA.distance, score_cutoff=1,
                limit=self._params.max_typo_candidates,
            )  # fmt: skip
            candidates = [str(c[0]) for c in found]
        best: list[str] | None = None
        best_score = 0.0
        for cand in candidates:
            # Noisy-channel flavour: a frequent word that also forms known bigrams with its neighbours wins.
            context = (self._bigram_df(left, cand) if left else 0) + (
                self._bigram_df(cand, right) if right else 0
            )
            score = math.log1p(self._df(cand)) + 3.0 * math.log1p(context)
            if score > best_score:
                best, best_score = [cand], score
        # A deleted space ("chuyendoi"): two known syllables that form a known bigram.
        for cut in range(1, len(word)):
            head, tail = word[:cut], word[cut:]
            if self._known(head) and self._known(tail):
                pair_df = self._bigram_df(head, tail)
                if pair_df:
                    score = math.log1p(pair_df) + 3.0 * math.log1p(pair_df)
                    if score > best_score:
                        best, best_score = [head, tail], score
        return best

    def _analyze(self, query: str) -> Query:
        # Words never decoded nor corrected: an all-caps abbreviation as typed ("TTTT", "CT"), and every
        # word of an English question ("tax" is Telex for "tã", "we" one edit from "ve"). An English
        # question is searched through its Vietnamese reading (knowledge/glossary.py).
        english = is_english(query)
        text = normalize((to_vietnamese(query) or query) if english else query)
        raw = syllables(text)
        # (a question without a capital, most of them, has no all-caps word: not split again)
        kept_as_typed = set() if query.islower() else {
            normalize(w) for w in syllables(nfc(query)) if w.isupper() and len(w) > 1
        }  # fmt: skip
        corrections: list[tuple[str, str]] = []
        # Telex: decode words the index does not know as typed (or knows only rarely, e.g. a guide
        # that quotes "chuyeenr ddooir soos" as an example) into words it knows well; a word that is no
        # Vietnamese syllable as typed but carries a Telex mark is decoded into a question word even when
        # the index lacks it ("gif" → "gì"), so that typo repair does not turn it into a wrong known word;
        # into any other word the index lacks it is not ("tax" stays "tax", not "tã").
        decoded: list[str] = []
        fixed_as_typed: list[bool] = []
        # An English word the index does not know ("tax", "fee") is not Vietnamese typed badly either.
        foreign = _foreign_words()
        for tok in raw:
            settled = english or tok in kept_as_typed or (tok in foreign and not self._known(tok))
            if tok.isascii() and not settled:
                cand = decode_word(tok)
                if cand != tok and (
                    (self._known(fold(cand))
                     and self._df(fold(cand)) > TELEX_OVER_KNOWN * self._df(tok))
                    or (not self._known(tok) and not is_folded_syllable(tok)
                        and _TELEX_MARK.search(tok) is not None
                        and fold(cand) in self._confidence_params.ignored_words)
                ):  # fmt: skip
                    corrections.append((tok, cand))
                    tok = cand
                    settled = True
            decoded.append(tok)
            fixed_as_typed.append(settled)
        use_accents = any(has_diacritics(t) for t in decoded)
        accented = [canonical_tone(t) for t in decoded]
        folded_raw = [fold(t) for t in decoded]
        folded: list[str] = []
        acc_out: list[str] = []
        for i, (acc, fol) in enumerate(zip(accented, folded_raw, strict=True)):
            # A typo leaves a string that is no Vietnamese syllable; a real word the index lacks
            # ("lâu", "giùm", "vừa") is left alone rather than "corrected" into another word.
            if (self._known(fol) or fol.isdigit() or len(fol) < 2 or fixed_as_typed[i]
                    or is_folded_syllable(fol) or self._has_synonym(fol)):  # fmt: skip
                folded.append(fol)
                acc_out.append(acc)
                continue
            left = folded[-1] if folded else None
            right = folded_raw[i + 1] if i + 1 < len(folded_raw) else None
            fixed = self._correct(fol, left, right)
            if fixed is None:
                folded.append(fol)
                acc_out.append(acc)
                continue
            shown = self._accented_phrase(
                fixed,
                acc_out[-1] if acc_out and acc_out[-1] != "\x00" else None,
                accented[i + 1]
                if i + 1 < len(accented) and has_diacritics(accented[i + 1])
                else None,
            )
            if all(is_valid_syllable(w) for w in shown):
                corrections.append((acc, " ".join(shown)))
            folded.extend(fixed)
            # The accented stream cannot know the corrected word's accents; keep a placeholder there.
            acc_out.extend(["\x00"] * len(fixed))
        expansions: list[tuple[list[str], list[str], float]] = []
        if self._synonyms is not None:
            for exp in self._synonyms.expand(folded):
                expansions.append((list(exp.source), list(exp.syllables), exp.weight))
        return Query(folded, acc_out, use_accents, expansions, corrections, english)

    # ---- scoring ----------------------------------------------------------------------------------

    def _presence_of(self, term: str, doc: int, *, bigram: bool = False) -> tuple[bool, bool]:
        """Whether one passage has the term (a folded syllable; with `bigram`, a folded pair) in its
        text, and in its heading path or guide title: a set look-up each on a small index
        (`_PresenceSets`), binary searches in the postings on a large one."""
        sets = self._presence
        if sets is not None:
            return term in (sets.bi if bigram else sets.uni)[doc], term in sets.meta[doc]
        stream = self._fold_bi if bigram else self._fold_uni
        return (
            stream.contains(term, doc),
            self._heading.contains(term, doc) or self._title.contains(term, doc),
        )

    def _coverage(
        self,
        folded: list[str],
        doc: int,
        ignored: frozenset[str],
        *,
        text: bool = True,
        meta: bool | None = None,
        memo: Presence | None = None,
    ) -> float:
        """Idf-weighted share of the query's syllables and bigrams (ignored words left out) in one passage."""
        cp = self._confidence_params
        if meta is None:
            meta = cp.count_headings
        # `term_idf` inlined and each term's presence asked once per passage (the memo): this runs
        # for every term of every wording of every answer; the sums add the same values in the same
        # order
        seen: Presence = {} if memo is None else memo
        unknown = self._fold_uni.max_idf(len(self._passages))
        matched = total = 0.0
        for stream, terms, weight in (
            (self._fold_uni, set(folded) - ignored, None),
            (self._fold_bi, [
                f"{left} {right}" for left, right in set(zip(folded, folded[1:], strict=False))
                if not (left in ignored and right in ignored)
            ], cp.bigram_weight),
        ):  # fmt: skip
            vocab, idfs = stream.vocab, stream._idf_view
            bigram = weight is not None
            for term in terms:
                tid = vocab.get(term)
                idf: float = idfs[tid] if tid is not None else unknown
                if weight is not None:
                    idf = weight * idf
                total += idf
                found = seen.get(term)
                if found is None:
                    found = seen[term] = self._presence_of(term, doc, bigram=bigram)
                if (text and found[0]) or (meta and found[1]):
                    matched += idf
        return matched / total if total > 0 else 0.0

    def coverage(
        self,
        q: Query,
        doc: int,
        *,
        ignored: frozenset[str] | None = None,
        text: bool = True,
        meta: bool | None = None,
        memo: Presence | None = None,
    ) -> float:
        """Share of the query's information (idf mass of its syllables and bigrams) found in one passage.

        With an abbreviation or synonym in the query, the query reworded with each alternative (and with
        all its abbreviations spelled out together) is tried too, and the best share counts. Defaults: the calibrated measure (question words left out, text,
        heading path and title counted). `memo` (one per passage) saves repeated look-ups.
        """
        skip = self._confidence_params.ignored_words if ignored is None else ignored
        return max(
            self._coverage(words, doc, skip, text=text, meta=meta, memo=memo)
            for words in q.wordings
        )

    def best_wording(
        self, q: Query, doc: int, memo: Presence | None = None
    ) -> tuple[float, list[str]]:
        """The calibrated coverage of one passage and the wording (as typed or reworded) that reaches it."""
        skip = self._confidence_params.ignored_words
        best: tuple[float, list[str]] = (-1.0, q.folded)
        for words in q.wordings:
            share = self._coverage(words, doc, skip, memo=memo)
            if share > best[0]:
                best = (share, words)
        return best

    @property
    def ignored_words(self) -> frozenset[str]:
        """Folded question words the coverage measure leaves out."""
        return self._confidence_params.ignored_words

    def term_idf(self, folded: str) -> float:
        """Idf of a folded syllable in passage texts (a syllable no text contains: the maximum idf)."""
        return self._fold_uni.term_idf(folded, len(self._passages))

    def max_idf(self) -> float:
        """The idf of a syllable no passage text contains (the largest any syllable can have)."""
        return self._fold_uni.max_idf(len(self._passages))

    def known(self, folded: str) -> bool:
        """Whether any passage text, heading path or guide title contains the folded syllable."""
        return self._known(folded)

    def says(self, folded: str, doc: int, memo: Presence | None = None) -> bool:
        """Whether one passage contains the folded syllable in its text, heading path or guide title."""
        found = memo.get(folded) if memo is not None else None
        if found is None:
            found = self._presence_of(folded, doc)
            if memo is not None:
                memo[folded] = found
        return found[0] or found[1]

    def says_any(self, folded: str, docs: Sequence[int]) -> bool:
        """Whether any of the passages contains the folded syllable in its text, heading path or
        guide title (says() for each)."""
        sets = self._presence
        if sets is not None:
            return any(folded in sets.uni[doc] or folded in sets.meta[doc] for doc in docs)
        # A binary search per passage and stream: the pool is ten passages, and numpy's calls
        # cost more than the searches
        for stream in (self._fold_uni, self._heading, self._title):
            tid = stream.vocab.get(folded)
            if tid is not None and any(stream.has(tid, doc) for doc in docs):
                return True
        return False

    def typical_idf(self) -> float:
        """The idf of a word picked at random from the passage texts (df-weighted mean idf)."""
        return self._typical_idf

    def _phrase_parts(self, syl: list[str], shift: int) -> list[_Part]:
        """The parts of one phrase's score alone (body syllables and bigrams, title, headings)."""
        p = self._params
        bi = _bigrams(syl)
        meta = syl + bi
        return [
            (self._fold_uni, _weighted(syl, 1.0), shift),
            (self._fold_bi, _weighted(bi, p.bigram_weight), shift),
            (self._title, _weighted(meta, p.title_weight), shift),
            (self._heading, _weighted(meta, p.heading_weight), shift),
        ]

    def _expansion_vector(self, src: list[str], alt: list[str], weight: float) -> FloatArray | None:
        """What one phrase said another way adds to every passage's score (before the expansion
        part's weight), or None when it counts nowhere (no passage text knows a word of the
        alternative). Summed once per index and phrase (`_expansion_cache`): it reads nothing of
        the rest of the question.

        The alternative's score is multiplied by its weight, rescaled to the information of the
        phrase as typed, and only what it earns above the phrase as typed is added: "UBND" and
        "Ủy ban nhân dân" count once, whichever a passage uses, and a passage using both is not
        counted twice.
        """
        key = (tuple(src), tuple(alt), weight)
        cache = self._expansion_cache
        if key in cache:
            return cache[key]
        vec: FloatArray | None = None
        if any(t in self._fold_uni.vocab for t in alt):
            n = len(self._passages)
            bw = self._params.bigram_weight
            ideal_src = self._fold_uni.ideal(src, 1.0, n) + self._fold_bi.ideal(_bigrams(src), bw, n)
            ideal_alt = self._fold_uni.ideal(alt, 1.0, n) + self._fold_bi.ideal(_bigrams(alt), bw, n)
            scale = self._params.expansion_weight * weight
            factor = np.float32(scale * ideal_src / ideal_alt)
            # the alternative's sums in 0..n-1, the phrase's as typed in n..2n-1: one pass
            sums = self._store.total(self._phrase_parts(alt, 0) + self._phrase_parts(src, n), 2 * n)
            vec = np.maximum(sums[:n] * factor - sums[n:], 0.0)
            vec.flags.writeable = False  # shared by every later question
        if len(cache) >= EXPANSION_CACHE_SIZE:  # an admin's synonyms are few; a bound all the same
            cache.clear()
        cache[key] = vec
        return vec

    def _part_terms(
        self, q: Query, focus: list[str] | None = None
    ) -> dict[str, tuple[_Stream, list[str]]]:
        """The stream and the query terms of every BM25 part the query reaches (not the expansion,
        paragraph, clause and guide parts); `focus`: `_focus(q.folded)` when known."""
        fol_bi = _bigrams(q.folded)
        terms: dict[str, tuple[_Stream, list[str]]] = {
            "body": (self._fold_uni, [t for t in q.folded if t not in _QUESTION_FOLDED]),
            "question_words": (self._fold_uni, [t for t in q.folded if t in _QUESTION_FOLDED]),
            "bigrams": (self._fold_bi, fol_bi),
        }
        if q.use_accents:
            terms["accents"] = (self._acc_uni, [t for t in q.accented if t != "\x00"])
            terms["accent_bigrams"] = (
                self._acc_bi, [t for t in _bigrams(q.accented) if "\x00" not in t]
            )  # fmt: skip
        meta_terms = q.folded + fol_bi
        terms["title"] = (self._title, meta_terms)
        terms["heading"] = (self._heading, meta_terms)
        terms["lead"] = (self._structure.lead, _focus(q.folded) if focus is None else focus)
        return terms

    def _expansion(self, q: Query) -> FloatArray:
        """The expansion part: what passages earn by saying the query's phrases another way
        (each phrase's `_expansion_vector`, added in the query's order)."""
        vec = np.zeros(len(self._passages), dtype=np.float32)
        for src, alt, weight in q.expansions:
            found = self._expansion_vector(src, alt, weight)
            if found is not None:
                vec += found
        return vec

    def _parts(self, q: Query) -> dict[str, FloatArray]:
        """The unweighted score parts the ranking sums (see `RankParams.weights`), each on its own."""
        parts = {name: stream.scores(terms) for name, (stream, terms) in self._part_terms(q).items()}
        if q.expansions:
            parts["expansion"] = self._expansion(q)
        structure = self._structure
        focus = _focus(q.folded)
        parts["paragraph"] = structure.best_paragraph(structure.paragraph, focus)
        parts["clause"] = structure.best_paragraph(structure.clause, focus)
        parts["guide"] = structure.guide_scores(focus)
        if self._intro_weight is not None:
            for vec in parts.values():
                vec *= self._intro_weight
        return parts

    def _score(self, q: Query) -> FloatArray:
        scores = self._match_score(q)
        share = self._params.answer_type_weight
        if share == 1.0 or not len(scores) or not asks_for_time(q.folded):
            return scores
        # A question that asks for a time: passages that state none are scored lower, but only when that
        # changes which passage comes first (the section that says the date wins over its neighbour);
        # otherwise the scores stay as matched, and so do the answer decision's features.
        adjusted = np.where(self._states_time, scores, scores * np.float32(share)).astype(np.float32)
        return adjusted if int(np.argmax(adjusted)) != int(np.argmax(scores)) else scores

    def _match_score(self, q: Query) -> FloatArray:
        """The weighted sum of the parts (`_parts`), computed together: the postings of every BM25
        part and (on a small index) of the paragraphs and clause openings summed in one pass; on a
        large index the paragraph parts are read for the best candidates after. The expansions'
        sums are the index's own (`_expansion_vector`)."""
        weights = self._weights
        focus = _focus(q.folded)
        by_stream: dict[int, tuple[_Stream, dict[str, float], int]] = {}
        for name, (stream, terms) in self._part_terms(q, focus).items():
            if name in weights:
                _weighted(terms, weights[name], by_stream.setdefault(id(stream), (stream, {}, 0))[1])
        parts: list[_Part] = list(by_stream.values())
        n = len(self._passages)
        structure = self._structure
        late = [name for name in _PARAGRAPH_PARTS if name in weights]
        # Paragraphs and clause openings are read for the best candidates by the other parts only:
        # the cross-validated study scored the same pool (every passage of a small index).
        every = bool(late) and n <= CANDIDATES
        size = n
        if every:
            asked = _weighted(focus, 1.0)
            by_name = {"paragraph": structure.paragraph, "clause": structure.clause}
            parts += [(by_name[name], asked, 0) for name in late]
            size = self._store.size
        sums = self._store.total(parts, size)
        scores = sums[:n]
        if q.expansions and "expansion" in weights:
            scores += np.float32(weights["expansion"]) * self._expansion(q)
        if "guide" in weights:
            scores += np.float32(weights["guide"]) * structure.guide_scores(focus)
        if self._intro_weight is not None:
            scores *= self._intro_weight
        if not late:
            return scores
        if every:
            best = np.maximum.reduceat(
                sums[n : self._store.size].reshape(2, -1), structure.para_bounds[:-1], axis=1
            )
            for name in late:
                values = best[0 if name == "paragraph" else 1]
                if self._intro_weight is not None:
                    values *= self._intro_weight
                scores += np.float32(weights[name]) * values
            return scores
        pool = np.argpartition(-scores, CANDIDATES - 1)[:CANDIDATES].astype(np.int64)
        for name in late:
            stream = structure.paragraph if name == "paragraph" else structure.clause
            values = structure.best_paragraph(stream, focus, pool)
            if self._intro_weight is not None:
                values *= self._intro_weight[pool]
            scores[pool] += np.float32(weights[name]) * values
        return scores

    def score_parts(self, query: str) -> dict[str, FloatArray]:
        """Every unweighted score part of every passage for a query (benches tune RankParams with it).

        The ranking score is the sum of each part times its weight in `RankParams.weights()`; a part the
        query does not reach is all zeros.
        """
        q = self._analyze(query)
        n = len(self._passages)
        parts = self._parts(q) if q.folded else {}
        return {name: parts.get(name, np.zeros(n, dtype=np.float32)) for name in RANK_PARTS}

    def search(
        self,
        query: str,
        limit: int = 5,
        *,
        exclude: Container[str] = (),
        model: DecisionModel | None = None,
    ) -> SearchResult:
        """Rank passages for a query and decide; `exclude` drops passage ids (withdrawn guides, evaluation).

        `model` replaces the shipped decision model (training and benchmarks).
        """
        q = self._analyze(query)
        if not self._passages or not q.folded:
            return SearchResult(
                query=query, hits=(), outcome="decline", corrected_terms=tuple(q.corrections),
                english=q.english,
            )
        ranked = self._ranked(q, max(limit, FEATURE_POOL), exclude)
        hits = tuple(Hit(self._passages[d], s) for d, s in ranked[:limit])
        if not hits:
            return SearchResult(query=query, hits=(), corrected_terms=tuple(q.corrections),
                                english=q.english)
        decider = model or shipped_model()
        probability = decider.probability(decision_vector(self, q, ranked[:FEATURE_POOL]))
        outcome = decider.outcome(probability)
        if outcome == "answer" and self._money_unsaid(q, ranked[0][0]):
            outcome = "tentative"
        return SearchResult(
            query=query,
            hits=hits,
            outcome=outcome,
            confidence=round(probability, 4),
            corrected_terms=tuple(q.corrections),
            alternative=self._close_alternative(ranked, decider.close_gap) if outcome != "decline"
            else None,
            english=q.english,
        )

    def _ranked(
        self, q: Query, pool: int, exclude: Container[str]
    ) -> list[tuple[int, float]]:
        """The best `pool` passages (document, score) with a positive score, best first."""
        scores = self._score(q)
        take = min(len(scores), pool + (len(exclude) if isinstance(exclude, Sized) else 0) + 8)
        if take < len(scores):
            top = np.argpartition(-scores, take - 1)[:take]
        else:
            top = np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        ranked: list[tuple[int, float]] = []
        # as Python ints and floats in one call each, not a numpy scalar per passage
        for doc, score in zip(top.tolist(), scores[top].tolist(), strict=True):
            if score <= 0.0:
                break
            if self._passages[doc].id in exclude:
                continue
            ranked.append((doc, score))
            if len(ranked) >= pool:
                break
        return ranked

    def decision_features(
        self, query: str, *, exclude: Container[str] = ()
    ) -> tuple[tuple[float, ...], tuple[Hit, ...]]:
        """The decision's feature vector of a query and the hits it was computed on (for training)."""
        q = self._analyze(query)
        if not self._passages or not q.folded:
            return decision_vector(self, q, []), ()
        # The decision looks at a fixed pool, so the outcome never depends on a caller's `limit`.
        ranked = self._ranked(q, FEATURE_POOL, exclude)
        return decision_vector(self, q, ranked), tuple(Hit(self._passages[d], s) for d, s in ranked)

    def _money_unsaid(self, q: Query, doc: int) -> bool:
        """Whether the question asks about money (pay, a fee, an allowance, a budget) and the passage never
        mentions any: it then cannot be a confident answer, however many of the question's words it says.

        The tricky questions the guides do not answer are mostly of this kind ("thù lao … bao nhiêu một
        ca", "có được hưởng phụ cấp không") and match the passage on every other word, which is what the
        decision model reads; the passage is still offered, as "có thể liên quan".
        """
        return asks_about_money(q.folded) and not bool(self._speaks_of_money[doc])

    def caps_answer(self, query: str, *, exclude: Container[str] = ()) -> bool:
        """Whether search() turns a confident answer to this query into a tentative one (the money check
        on its best passage), for training and benchmarks that decide from the features themselves."""
        q = self._analyze(query)
        if not self._passages or not q.folded:
            return False
        ranked = self._ranked(q, 1, exclude)
        return bool(ranked) and self._money_unsaid(q, ranked[0][0])

    def _close_alternative(
        self, ranked: list[tuple[int, float]], close_gap: float
    ) -> Hit | None:
        """The best passage of another guide when it scores within `close_gap` (a share) of the best."""
        best_doc, best = ranked[0]
        guide = self._passages[best_doc].guide_id
        for doc, score in ranked[1:]:
            if self._passages[doc].guide_id != guide:
                return Hit(self._passages[doc], score) if best - score <= close_gap * best else None
        return None

    def legacy_confident(self, query: str, *, exclude: Container[str] = ()) -> bool:
        """The decision before the model: coverage of the best passage at or above CONFIDENCE_BAR.

        Kept as the baseline benchmarks print next to the model.
        """
        q = self._analyze(query)
        if not self._passages or not q.folded:
            return False
        ranked = self._ranked(q, 1, exclude)
        return bool(ranked) and self.coverage(q, ranked[0][0]) >= self._confidence_params.bar
