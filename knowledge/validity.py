"""Validity read from a guide's own text: when it takes effect, when it stops, what it replaces.

Vietnamese administrative documents say it in a closing clause:

- "… có hiệu lực (thi hành) (kể) từ ngày 01/01/2027" → in force from that day;
- "… hết hiệu lực (kể) từ ngày 01/07/2027" → the last day in force is the day before;
- "… có hiệu lực đến (hết) ngày 30/6/2027" → in force through that day;
- "… thay thế Hướng dẫn số 12/HD-UBND …" → the document numbers it replaces.

Dates are written 01/01/2027, 1-1-2027, 1.1.2027 or "ngày 1 tháng 1 năm 2027". A clause without
a date ("có hiệu lực từ ngày ký") gives nothing. Pure functions, no database.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

_DATE = (r"(\d{1,2})\s*(?:[/.\-]|\s+tháng\s+)\s*(\d{1,2})\s*(?:[/.\-]|\s+năm\s+)\s*(\d{4})")
_FROM = re.compile(r"(?<!hết\s)hiệu\s+lực(?:\s+thi\s+hành)?\s+(?:kể\s+)?từ\s+ngày\s+" + _DATE,
                   re.IGNORECASE)
_ENDS_ON = re.compile(r"hết\s+hiệu\s+lực(?:\s+thi\s+hành)?\s+(?:kể\s+)?từ\s+ngày\s+" + _DATE,
                      re.IGNORECASE)
_THROUGH = re.compile(r"hiệu\s+lực(?:\s+thi\s+hành)?\s+đến\s+(?:hết\s+)?ngày\s+" + _DATE,
                      re.IGNORECASE)
#: "thay thế" up to the end of its sentence; document numbers are looked for in that stretch
_REPLACES = re.compile(r"thay\s+thế\s+(?:cho\s+)?([^.;\n]{0,200})", re.IGNORECASE)
#: a document number: 12/HD-UBND, 286/KH-BTTTT, 05/2026/TT-BNV
_DOC_NUMBER = re.compile(r"\b\d{1,5}(?:/\d{4})?/[A-ZĐ][A-ZĐ0-9]*(?:-[A-ZĐ0-9]+)*\b")


@dataclass(frozen=True)
class Validity:
    """What a guide's text says about its validity (None / empty: it does not say)."""

    effective_from: date | None = None
    effective_until: date | None = None  # last day in force, inclusive
    replaces: tuple[str, ...] = ()  # document numbers, e.g. '12/HD-UBND'


def _day(match: re.Match[str]) -> date | None:
    day, month, year = (int(g) for g in match.groups()[-3:])
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_validity(text: str) -> Validity:
    """The first effective date, the end date and the replaced document numbers in `text`."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    start = next((d for m in _FROM.finditer(text) if (d := _day(m)) is not None), None)
    until: date | None = None
    for match in _ENDS_ON.finditer(text):
        ends = _day(match)
        if ends is not None:
            until = ends - timedelta(days=1)
            break
    if until is None:
        until = next((d for m in _THROUGH.finditer(text) if (d := _day(m)) is not None), None)
    replaced: list[str] = []
    for match in _REPLACES.finditer(text):
        for number in _DOC_NUMBER.findall(match.group(1)):
            if number not in replaced:
                replaced.append(number)
    return Validity(start, until, tuple(replaced))


def document_numbers(text: str) -> tuple[str, ...]:
    """Document numbers written in `text` (a guide's source reference: 'Công văn số 12/CV-UBND')."""
    return tuple(_DOC_NUMBER.findall(unicodedata.normalize("NFC", text)))


def in_force(day: date, effective_from: date | None, effective_until: date | None) -> bool:
    """Whether a guide with these dates is in force on the local date `day`."""
    return ((effective_from is None or effective_from <= day)
            and (effective_until is None or day <= effective_until))


#: the marker after a section heading that makes the section part of the citizens' version
SHARE_MARKER = re.compile(r"\s*[\[(]\s*chia\s+s[ẻe]\s*[\])]\s*$", re.IGNORECASE)


def strip_share_marker(heading: str) -> tuple[str, bool]:
    """('Heading', True) for 'Heading [chia sẻ]'; the heading unchanged and False otherwise."""
    normalized = unicodedata.normalize("NFC", heading)
    found = SHARE_MARKER.search(normalized)
    if found is None:
        return heading, False
    return normalized[:found.start()].rstrip(), True
