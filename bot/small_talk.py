"""Messages that are no question: thanks, a greeting, "ok", an emoji alone (pure).

People end an answer with "cảm ơn", "ok" or 👍 and open a chat with "alo" or "chào bạn". Taken
for questions they were declined ("chưa tìm thấy…") and logged for admins to answer, or worse,
answered from a guide. Only a whole short message counts: "cảm ơn, cho hỏi thêm về …" is a
question.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

from knowledge.normalize import fold_words

SmallTalk = Literal["thanks", "greeting", "ack"]

#: words that only address or soften ("cảm ơn bạn nhé", "chào troly ạ", "em cảm ơn ạ",
#: "dạ vâng"), folded; they may stand anywhere among the phrases below, never alone
_SOFTENERS = frozenset({"a", "nhe", "nha", "nhieu", "ban", "troly", "tro", "ly", "em", "anh",
                        "chi", "ad", "admin", "bot", "rat", "lam", "qua", "nhi", "you", "so",
                        "much", "very", "ca", "vay", "minh", "toi", "con", "chau", "xin"})
_THANKS = frozenset({"cam on", "xin cam on", "camon", "thanks", "thank",
                     "tks", "thks", "thx", "ty", "cm on", "c on"})
_GREETINGS = frozenset({"chao", "xin chao", "alo", "a lo", "hello", "hi", "hey", "helo",
                        "chao buoi sang", "chao buoi chieu", "chao buoi toi", "good morning",
                        "oi"})
#: acknowledgements and leave-takings ("tạm biệt"): answered alike, kindly
_ACKS = frozenset({"ok", "oke", "okie", "okay", "oki", "okela", "ok ok", "uh", "u", "um", "uk",
                   "vang", "da", "da vang", "duoc", "duoc roi", "roi", "da ro", "ro roi",
                   "ro", "da nhan", "nhan duoc", "da nhan duoc", "da hieu", "hieu roi", "tot",
                   "tuyet", "tuyet voi", "good", "yes", "yep", "great", "nice",
                   # "đc" (được), "biết rồi"; leave-takings
                   "dc", "biet roi", "da biet", "hieu", "tam biet", "bye", "bye bye", "goodbye",
                   "hen gap lai"})
#: the softeners as written with their marks: a word typed with marks is a softener only so
#: written ("làm" folds to "lam" as "lắm" does, "à" — a question — to "a" as "ạ" does)
_SOFTENER_VOCABULARY = frozenset({"ạ", "nhé", "nhá", "nhiều", "bạn", "trợ", "lý", "lí", "chị",
                                  "rất", "lắm", "quá", "nhỉ", "cả", "nhà", "vậy", "mình", "tôi", "cháu"})
#: softeners that, typed without marks, are also a word with content or a question ("a": à,
#: "lam": làm, "vay": vậy/vay, "qua": qua, "ca": cá, "so": số): a softener only after the last
#: phrase ("cam on lam", "ok a"); before one ("lam dc", "vay duoc a") the message is a question
_AMBIGUOUS = frozenset({"a", "lam", "vay", "qua", "ca", "so"})
#: the interjection that may open an acknowledgement ("À, cảm ơn"), as written with its mark
_INTERJECTION_VOCABULARY = "à"
#: the longest phrase above, in words
_LONGEST = max(len(p.split()) for p in _THANKS | _GREETINGS | _ACKS)
#: a message longer than this (in words) is read as a question whatever it starts with
MAX_WORDS = 6


def _words(text: str) -> tuple[list[str], list[str]]:
    """The words of `text` as typed (lower case, marks kept) and folded, side by side."""
    typed = "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") else " "
                    for c in unicodedata.normalize("NFC", text.casefold())).split()
    pairs = [(word, fold_words(word, letters_only=True)) for word in typed]
    kept = [(word, folded) for word, folded in pairs if folded and " " not in folded]
    return [w for w, _ in kept], [f for _, f in kept]


def _softener(typed: str, folded: str, *, after_last_phrase: bool) -> bool:
    if folded not in _SOFTENERS:
        return False
    if typed != folded:  # written with marks: only as a softener is written
        return typed in _SOFTENER_VOCABULARY
    return folded not in _AMBIGUOUS or after_last_phrase


def _kinds(typed: list[str], words: list[str]) -> set[SmallTalk] | None:
    """The kinds of the phrases `words` is made of (softeners between them), or None when a
    word belongs to none: "dạ em cảm ơn ạ", "ok, cảm ơn", "rõ rồi, cảm ơn" are thanks.
    `typed`: the same words with their marks."""
    kinds: set[SmallTalk] = set()
    pending = False  # a softener typed without marks that may be a word (_AMBIGUOUS) seen
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST, len(words) - i), 0, -1):  # the longest phrase first
            phrase = " ".join(words[i:i + size])
            kind: SmallTalk | None = ("thanks" if phrase in _THANKS
                                      else "greeting" if phrase in _GREETINGS
                                      else "ack" if phrase in _ACKS else None)
            if kind is not None:
                if pending:  # "lam dc", "vay duoc a": a word before a phrase, not a softener
                    return None
                kinds.add(kind)
                i += size
                break
        else:
            # "À, cảm ơn": an interjection
            if i == 0 and typed[0] == _INTERJECTION_VOCABULARY and len(words) > 1:
                i += 1
                continue
            if not _softener(typed[i], words[i], after_last_phrase=True):
                return None
            if not _softener(typed[i], words[i], after_last_phrase=False):
                pending = True
            i += 1
    return kinds


def small_talk(text: str) -> SmallTalk | None:
    """What a short message with no question in it is, or None (a question, or anything else).

    A message made only of thanks, greetings, acknowledgements and the words that soften them
    ("dạ em cảm ơn ạ", "ok, cảm ơn nhé") is thanks when it thanks, else a greeting when it
    greets, else "ack". A message with no letter or digit at all (emoji, "...", "?!") is "ack"."""
    if not any(c.isalnum() for c in text):
        return "ack" if text.strip() else None
    if "?" in text or "\uff1f" in text:  # a full-width question mark too
        return None
    typed, words = _words(text)
    if not words or len(words) > MAX_WORDS:
        return None
    kinds = _kinds(typed, words)
    if not kinds:  # a word that is none of them, or softeners alone ("anh", "em")
        return None
    for kind in ("thanks", "greeting", "ack"):
        if kind in kinds:
            return kind
    return None
