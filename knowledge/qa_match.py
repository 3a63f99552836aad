"""The answer decision for an admin's Q&A entry: how close the question is to the one it answers.

An entry ("Hỏi – đáp › <question>": an admin's answer to a queued question) is a short passage on one
topic, so the decision model — fitted on document sections — answers near-miss questions from it
confidently ("quay video … trang TTĐT" from the entry on royalties for articles). When the best passage
is an entry, a confident answer therefore also needs the asked question to read as the entry's own
question (rapidfuzz token set ratio of the folded, Telex-decoded words, as the queue groups questions);
otherwise it is only offered as possibly related. English questions are left to the model: they cannot
be compared word by word with a Vietnamese question. Cut chosen across the folds of bench/kb_loop.py
(docs/benchmarks.md).
"""

from __future__ import annotations

from rapidfuzz import fuzz

from knowledge.clustering import question_key
from knowledge.language import is_english
from knowledge.types import Outcome

#: token-set similarity (0-100) from which a question is answered confidently from an entry
CONFIDENT_SIMILARITY = 82.0


def question_similarity(question: str, stored: str) -> float:
    """Token set ratio (0-100) of two questions in their comparable form (question_key)."""
    a, b = question_key(question), question_key(stored)
    if not a or not b:
        return 0.0
    return float(fuzz.token_set_ratio(a, b))


def qa_outcome(outcome: Outcome, question: str, stored: str,
               cut: float = CONFIDENT_SIMILARITY) -> Outcome:
    """The outcome when the best passage is a Q&A entry answering `stored`: an answer not close
    enough to `stored` becomes tentative; other outcomes and English questions are kept."""
    if outcome != "answer" or is_english(question):
        return outcome
    return "answer" if question_similarity(question, stored) >= cut else "tentative"
