"""Units named as officials type them: a code ('SO'), or a name without diacritics, in another
case, abbreviated or with a typo ('so tttt', 'UBND xa Tan Lap', 'phong cai cach').

Names are compared by a key: folded (knowledge.normalize: no diacritics, đ→d, case aside) with
the administrative phrases officials abbreviate written as their abbreviation (knowledge's
table: 'Ủy ban nhân dân' and 'UBND' both read 'ubnd'; and the admins' synonyms that are an
abbreviation of a phrase, `admin_abbreviations`: 'PVHTT = Phòng Văn hóa và Thông tin'), then
fuzzily (rapidfuzz). Pure: the caller passes the units (and the synonyms) and decides what to do
when several fit or none does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from rapidfuzz import fuzz

from knowledge.abbreviations import DEFAULT_ABBREVIATIONS
from knowledge.normalize import fold, normalize, words

#: a name scoring less than this (0-100) does not fit what was typed
FITS = 80.0
#: names scoring within this of the best one fit as well as it (the admin is asked which)
ALIKE = 5.0
#: a name scoring at least this is offered as a suggestion when nothing fits
SUGGESTED = 60.0
#: units offered (as buttons or suggestions) for one entry
OFFERED = 5


@dataclass(frozen=True)
class UnitName:
    """A unit as matched: its id, code and name."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class EntryMatch:
    """What one typed entry names: `units` found (several for 'SO PHONG'), else `choices`
    (several fit alike: ask which), else `suggestions` (nothing fits: the closest)."""

    typed: str
    units: tuple[UnitName, ...] = ()
    choices: tuple[UnitName, ...] = ()
    suggestions: tuple[UnitName, ...] = ()
    #: how many fit alike in all (choices holds at most OFFERED of them)
    alike: int = 0

    @property
    def found(self) -> bool:
        """Whether the entry names its unit(s) without asking."""
        return bool(self.units)


_ENTRY_SPLIT = re.compile(r"[,;\n]+")


def split_entries(values: Iterable[str]) -> tuple[str, ...]:
    """'SO, UBND xã Tân Lập; phong' → ('SO', 'UBND xã Tân Lập', 'phong'): commas, semicolons
    and lines separate units (a name has spaces); each once."""
    found: list[str] = []
    for value in values:
        for part in _ENTRY_SPLIT.split(value):
            entry = " ".join(part.split())
            if entry and entry not in found:
                found.append(entry)
    return tuple(found)


#: admins' synonyms read as abbreviations: (folded phrase, folded abbreviation) pairs
Abbreviations = tuple[tuple[str, str], ...]


def _key(text: str) -> str:
    return " ".join(words(fold(normalize(text))))


@cache
def _default_pairs() -> dict[str, str]:
    """knowledge's table as phrase → abbreviation: each full form, and each abbreviation
    written in words ('Sở TTTT' reads as 'STTTT', the abbreviation of the same full form listed
    first)."""
    pairs: dict[str, str] = {}
    for abbreviation, forms in DEFAULT_ABBREVIATIONS:
        for form in forms:
            if " " in _key(form) and _key(abbreviation):
                pairs.setdefault(_key(form), _key(abbreviation))
    for abbreviation, forms in DEFAULT_ABBREVIATIONS:
        canonical = pairs.get(_key(forms[0]))
        if " " in _key(abbreviation) and canonical is not None:
            pairs.setdefault(_key(abbreviation), canonical)
    return pairs


@lru_cache(maxsize=16)
def _abbreviations(extra: Abbreviations = ()) -> tuple[tuple[re.Pattern[str], str], ...]:
    """(folded phrase as a whole-word pattern, the abbreviation it is read as), longest first:
    knowledge's table, then the admins' abbreviations of phrases it does not have."""
    pairs = dict(_default_pairs())
    for phrase, short in extra:
        pairs.setdefault(phrase, short)
    return tuple((re.compile(rf"\b{re.escape(phrase)}\b"), short)
                 for phrase, short in sorted(pairs.items(), key=lambda p: -len(p[0]))
                 if len(short) < len(phrase))  # each replacement shortens: name_key ends


def abbreviates(short: str, phrase: str) -> bool:
    """Whether `short` is `phrase` abbreviated, both folded: `phrase` has two words or more, and
    `short`, read in order, takes from each of its words the start of it (its initial, more,
    the whole word, or nothing), and has a word of its own ('pvhtt': 'phong van hoa va thong
    tin'; 'so khdt': 'so ke hoach va dau tu'; 'vpubnd': 'van phong ubnd tinh'). Two phrases
    admins gave as synonyms ('tiếp nhận hồ sơ = một cửa') are not: they may name different
    units."""
    parts, letters = phrase.split(), short.replace(" ", "")
    if len(parts) < 2 or not letters or len(short) >= len(phrase) \
            or all(word in parts for word in short.split()):
        return False

    @cache
    def takes(at: int, word: int) -> bool:  # letters[at:] from the starts of parts[word:]
        if at == len(letters):
            return True
        if word == len(parts):
            return False
        return any(takes(at + size, word + 1) for size in range(len(parts[word]) + 1)
                   if letters[at:at + size] == parts[word][:size])

    return takes(0, 0)


def admin_abbreviations(*tables: Mapping[str, Sequence[str]]) -> Abbreviations:
    """The admins' synonyms (term → synonyms, both ways) that abbreviate a phrase, as pairs
    name keys use; the others (words of like meaning, for the search) are left out: they would
    make different units' names read alike."""
    found: dict[str, str] = {}
    for table in tables:
        for term, synonyms in table.items():
            for synonym in synonyms:  # read as knowledge's table reads them first
                short, phrase = sorted((name_key(term), name_key(synonym)), key=len)
                if abbreviates(short, phrase):
                    found.setdefault(phrase, short)
    return tuple(sorted(found.items()))


@lru_cache(maxsize=8192)
def folded(text: str) -> str:
    """Folded words: no diacritics, case aside, single spaces ('Sở  Nội vụ' → 'so noi vu')."""
    return _key(text)


@lru_cache(maxsize=8192)
def name_key(text: str, extra: Abbreviations = ()) -> str:
    """The comparison key of a unit name: folded words, known phrases abbreviated
    ('Sở Thông tin và Truyền thông', 'Sở TTTT' and 'so tttt' → 'stttt'); `extra`: the admins'
    abbreviations too (admin_abbreviations)."""
    key, before = folded(text), ""
    while key != before:  # 'so tt tt' → 'so tttt' → 'stttt'
        before = key
        for pattern, short in _abbreviations(extra):
            key = pattern.sub(short, key)
    return key


def _score(typed: str, unit: UnitName, extra: Abbreviations) -> float:
    """How well a typed entry fits a unit (0-100): its name abbreviated as the entry is, or
    written out ('so thong tin truyen thong' misses a word but no abbreviation), or its code."""
    def alike(a: str, b: str) -> float:
        return max(fuzz.ratio(a, b), fuzz.token_set_ratio(a, b))

    return max(alike(name_key(typed, extra), name_key(unit.name, extra)),
               alike(folded(typed), folded(unit.name)), fuzz.ratio(folded(typed), folded(unit.code)))


def match_entry(units: Sequence[UnitName], typed: str, extra: Abbreviations = ()) -> EntryMatch:
    """What one entry names: a code (case aside), codes separated by spaces, a name read the
    same, else the names that fit best (one clearly best is taken); `extra`: the admins'
    abbreviations (admin_abbreviations)."""
    by_code = {u.code.casefold(): u for u in units}
    if (unit := by_code.get(typed.casefold())) is not None:
        return EntryMatch(typed, units=(unit,))
    key = name_key(typed, extra)
    same = tuple(u for u in units if name_key(u.name, extra) == key)
    if len(same) == 1:
        return EntryMatch(typed, units=same)
    if len(same) > 1:
        return EntryMatch(typed, choices=same[:OFFERED], alike=len(same))
    tokens = typed.split()
    if len(tokens) > 1 and all(t.casefold() in by_code for t in tokens):
        found: list[UnitName] = []
        for token in tokens:
            if by_code[token.casefold()] not in found:
                found.append(by_code[token.casefold()])
        return EntryMatch(typed, units=tuple(found))
    if not key:
        return EntryMatch(typed)
    scored = sorted(((_score(typed, u, extra), u) for u in units),
                    key=lambda s: -s[0])
    if not scored or scored[0][0] < FITS:
        return EntryMatch(typed, suggestions=tuple(
            u for score, u in scored[:3] if score >= SUGGESTED))
    fit = [u for score, u in scored if score >= max(FITS, scored[0][0] - ALIKE)]
    keys = {name_key(u.name, extra) for u in fit}  # a name read the same fits as well
    fit += [u for u in units if u not in fit and name_key(u.name, extra) in keys]
    if len(fit) == 1:
        return EntryMatch(typed, units=(fit[0],))
    return EntryMatch(typed, choices=tuple(fit[:OFFERED]), alike=len(fit))


@dataclass(frozen=True)
class UnitsRead:
    """Every entry of what was typed, matched."""

    entries: tuple[EntryMatch, ...] = field(default=())

    @property
    def found(self) -> tuple[UnitName, ...]:
        """The units named without asking, each once, in the order typed."""
        seen: list[UnitName] = []
        for entry in self.entries:
            seen += [u for u in entry.units if u not in seen]
        return tuple(seen)

    @property
    def unclear(self) -> tuple[EntryMatch, ...]:
        """Entries that fit several units alike."""
        return tuple(e for e in self.entries if e.choices)

    @property
    def unknown(self) -> tuple[EntryMatch, ...]:
        """Entries that fit no unit."""
        return tuple(e for e in self.entries if not e.units and not e.choices)


def read_units(units: Sequence[UnitName], entries: Iterable[str],
               extra: Abbreviations = ()) -> UnitsRead:
    """Match each entry (see match_entry)."""
    return UnitsRead(tuple(match_entry(units, entry, extra) for entry in entries))
