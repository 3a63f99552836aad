"""Guidance Q&A: free text or /hoi → an answer, a tentative passage, or an honest decline.

The search decides the outcome (knowledge.types.SearchResult.outcome):

- answer: the best passage's section page, naming guide, section and source, with 'Hữu ích' /
  'Chưa đúng' and up to three 'see also' sections;
- tentative: the same page under "Có thể liên quan…", with 'Đúng ý tôi' / 'Chưa đúng';
- decline: the closest sections as buttons, and the question logged.

When the two best passages are about as good and come from different guides, troly asks which one
was meant instead of guessing. 'Chưa đúng' (under either) queues the question for admins with the
passage shown (/chuatraloi), offers the next sections and asks, once and skippably, what was
wrong. Before a passage is shown, its guide is checked to be still active and current, so a guide
withdrawn in another process is never cited, even in the seconds before this process rebuilds its
index; and to be in force today (effective dates, not replaced by a guide in force), so guidance
not yet or no longer in force is never given. The check reads the knowledge generation (one
primary-key read) and the guide facts cached for it (bot/db/guide_cache.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.access import may_read_guides
from bot.button_kinds import OpenSection
from bot.buttons import ButtonData
from bot.clock import local_date
from bot.context import Context
from bot.conversation import END, Flow, Step
from bot.db import guide_store, queue_store
from bot.flow_state import FlowState
from bot.messages import Button
from bot.router import Command, Fallback, Router
from bot.small_talk import small_talk
from bot.texts import ask as T
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import feedback as F
from handlers.sections import LABEL_CHARS, clip, section_label, section_name, show
from knowledge.normalize import drop_invisible, fold, fold_words, normalize, words
from knowledge.telex import is_valid_syllable
from knowledge.types import Hit, SearchResult

SEARCH_LIMIT = 8
SEE_ALSO_LIMIT = 3
CLOSEST_LIMIT = 3


@dataclass(frozen=True)
class Helpful(ButtonData, prefix="fby"):
    """'Hữu ích' under an answer, 'Đúng ý tôi' under a tentative one: the passage shown and the
    question asked (buttons sent before feedback had no question)."""

    chunk_id: int
    question: str = ""


@dataclass(frozen=True)
class NotIt(ButtonData, prefix="fbn"):
    """'Chưa đúng' under an answer: the passage shown and the question asked."""

    chunk_id: int
    question: str = ""


async def ask_command(ctx: Context) -> None:
    """/hoi <question>."""
    if not ctx.text.strip():
        ctx.reply(T.ASK_WHAT)
        return
    await answer(ctx, ctx.text)


#: the kind answer to a message that is no question
SMALL_TALK_REPLIES = {"thanks": T.SMALL_TALK_THANKS, "greeting": T.SMALL_TALK_GREETING,
                      "ack": T.SMALL_TALK_ACK}


async def fallback(ctx: Context) -> None:
    """Plain text is a question (thanks, a greeting, "ok" or an emoji alone are answered kindly,
    neither searched nor logged for admins)."""
    if not ctx.text.strip():
        ctx.reply(C.EMPTY_MESSAGE)
        return
    kind = small_talk(ctx.text)
    if kind is not None:
        ctx.reply(SMALL_TALK_REPLIES[kind])
        return
    await answer(ctx, ctx.text)


async def answer(ctx: Context, question: str, *,
                 unanswered: Callable[[], None] | None = None) -> None:
    """Search the guides and reply with the outcome the search decided. `unanswered`, when
    given, replies instead of the decline (nothing logged for admins) and of the refusals when
    the guides cannot be asked: a message that is likelier something else (a mistyped code)."""
    # pasted text carries characters that show nothing; inside a word they split it in two
    question = drop_invisible(question)
    refusal = (C.GUIDES_ONLY_FOR_MEMBERS if not may_read_guides(ctx)
               else T.NO_GUIDES if ctx.deps.knowledge.passage_count == 0 else None)
    if refusal is not None:
        if unanswered is not None:
            unanswered()
        else:
            ctx.reply(refusal)
        return
    result = ctx.deps.knowledge.search(question, limit=SEARCH_LIMIT)
    if result.english:  # the search read it as English already (knowledge/language.py)
        ctx.reply(T.ENGLISH_NOTE)
    hits = await _current(ctx, result)
    outcome = result.outcome if hits and hits[0] is _first(result) else "decline"
    if outcome != "decline":
        chosen = await _clarify(ctx, result, hits)
        if chosen is None:
            return
        hits = chosen
    if outcome == "decline":
        if unanswered is not None:
            unanswered()
        else:
            await _decline(ctx, question, hits)
        return
    lead = T.TENTATIVE if outcome == "tentative" else ""
    corrected = understood_as(question, result.corrected_terms)
    if corrected is not None:
        lead = (lead + "\n" if lead else "") + T.ANSWER_CORRECTED.format(corrected=corrected)
    best = hits[0]
    chunk = best.passage.id
    asked = question.strip()
    if outcome == "tentative":
        extra = (Button(T.BUTTON_RIGHT, Helpful(int(chunk), asked).pack()),
                 Button(T.BUTTON_WRONG, NotIt(int(chunk), asked).pack()))
        shown = await show(ctx, int(chunk), query=question, lead=lead, extra=extra)
    else:
        see_also = _section_buttons(hits[1:], exclude=_key(best), limit=SEE_ALSO_LIMIT)
        feedback = (Button(F.BUTTON_HELPFUL, Helpful(int(chunk), asked).pack()),
                    Button(F.BUTTON_WRONG, NotIt(int(chunk), asked).pack()))
        shown = await show(ctx, int(chunk), query=question, lead=lead,
                           extra=see_also + feedback, related=bool(see_also))
    if not shown:  # withdrawn between the check and now (another process): say nothing stale
        await _decline(ctx, question, hits[1:])


async def aside(ctx: Context, text: str) -> None:
    """A question typed in the middle of a conversation: answered (a '/…' that is no command
    gets the unknown-command line), then a note that it was not taken as the step's answer."""
    stripped = text.strip()
    if stripped.startswith("/"):
        ctx.reply(C.UNKNOWN_COMMAND.format(command=stripped.split()[0]))
    else:
        await answer(ctx, stripped)
    ctx.reply(C.QUESTION_NOT_STORED)


def _first(result: SearchResult) -> Hit | None:
    return result.hits[0] if result.hits else None


async def _current(ctx: Context, result: SearchResult) -> list[Hit]:
    """The hits whose guide is still active, current and in force today (the index may lag a few
    seconds, or still be yesterday's)."""
    ids = {int(h.passage.id) for h in result.hits if h.passage.id.isdigit()}
    if result.alternative is not None and result.alternative.passage.id.isdigit():
        ids.add(int(result.alternative.passage.id))
    live = await ctx.deps.knowledge.guides.current_chunk_ids(ctx.session, ids, local_date(ctx.now))
    return [h for h in result.hits if h.passage.id.isdigit() and int(h.passage.id) in live]


async def _clarify(ctx: Context, result: SearchResult, hits: list[Hit]) -> list[Hit] | None:
    """Two close passages from different guides: ask which guide was meant (None: asked), unless
    asking would not help; then the hits to answer from (the guide the question names first)."""
    other = result.alternative
    if other is None or not hits or other.passage.guide_id == hits[0].passage.guide_id:
        return hits
    live = await ctx.deps.knowledge.guides.current_chunk_ids(
        ctx.session, [int(other.passage.id)], local_date(ctx.now))
    if not live:
        return hits
    first = hits[0]
    if not clarify_helps(result.query, first, other):
        return hits
    if not clarify_helps(result.query, other, first):
        return [other] + [h for h in hits if h is not other]  # the question names the other guide
    ctx.reply(
        T.CLARIFY.format(first=clip(first.passage.guide_title, LABEL_CHARS * 2),
                         second=clip(other.passage.guide_title, LABEL_CHARS * 2)),
        [Button(clip(h.passage.guide_title, LABEL_CHARS), OpenSection(int(h.passage.id)).pack())
         for h in (first, other)])
    return None


# Folded function words that say nothing about which guide is meant ("hướng dẫn" starts every title).
# Words that fold onto content words ("bao" of "báo", "do" of "độ", "can" of "cán") are left out.
_FUNCTION_WORDS = frozenset({
    "huong", "dan", "cua", "va", "la", "cac", "nhung", "cho", "trong", "ve", "voi", "duoc",
    "khong", "thi", "khi", "nao", "gi", "nhu", "mot", "hay", "hoac", "bi", "se", "dang", "phai",
    "lam", "sao", "nhieu",
})
SAME_FACT_OVERLAP = 0.7  # share of the shorter passage's content words also in the other (0.5 caught
# unrelated passages of the demo guides: generic words such as "cán bộ", "đơn vị" overlap a lot)
TITLE_MARGIN = 2  # the top guide's title must match this many more question words than the other's


def _content_words(text: str) -> set[str]:
    return {w for w in words(fold(normalize(text))) if len(w) > 1 and w not in _FUNCTION_WORDS}


def _same_fact(first: Hit, other: Hit) -> bool:
    a, b = _content_words(first.passage.text), _content_words(other.passage.text)
    shorter = min(len(a), len(b))
    return shorter > 0 and len(a & b) >= SAME_FACT_OVERLAP * shorter


def clarify_helps(question: str, first: Hit, other: Hit) -> bool:
    """False when answering from `first` without asking "this guide or that one?" is right: the two
    passages say nearly the same thing, or the question names first's guide clearly better."""
    if _same_fact(first, other):
        return False
    asked = _content_words(question)
    named_first = len(asked & _content_words(first.passage.guide_title))
    named_other = len(asked & _content_words(other.passage.guide_title))
    return named_first < named_other + TITLE_MARGIN


SectionKey = tuple[str, tuple[str, ...]]


def _key(hit: Hit) -> SectionKey:
    return hit.passage.guide_id, hit.passage.heading_path


def _section_buttons(hits: list[Hit], *, exclude: SectionKey | None,
                     limit: int) -> tuple[Button, ...]:
    """One button per distinct section among the hits (not the one already shown): reusable
    navigation (see also, closest sections), not a single-use choice."""
    seen = {exclude} if exclude else set()
    buttons: list[Button] = []
    for hit in hits:
        key = _key(hit)
        if key in seen:
            continue
        seen.add(key)
        label = section_label(hit.passage.guide_title, hit.passage.heading_path)
        buttons.append(Button(label, OpenSection(int(hit.passage.id)).pack(), reusable=True))  # browsing
        if len(buttons) == limit:
            break
    return tuple(buttons)


async def _log(ctx: Context, question: str, best: Hit | None, shown: str | None = None) -> None:
    await guide_store.log_unanswered(
        ctx.session, text=question[:2000], channel=ctx.event.chat.channel,
        chat_id=ctx.event.chat.chat_id, official_id=ctx.official.id if ctx.official else None,
        best_guide_slug=best.passage.guide_id if best else None,
        best_score=best.score if best else None, now=ctx.now, shown_passage=shown,
    )


async def _decline(ctx: Context, question: str, hits: list[Hit]) -> None:
    """Say so honestly, log the question, offer the closest sections."""
    await _log(ctx, question, hits[0] if hits else None)
    buttons = _section_buttons(hits, exclude=None, limit=CLOSEST_LIMIT)
    ctx.reply(T.NOT_FOUND + (f"\n\n{T.NOT_FOUND_CLOSEST}" if buttons else ""), buttons)


#: chat shorthand with a vowel ("ko": không, "ad": admin, "mik": mình); a short word with none
#: ("ntn": như thế nào, "dc"/"đc": được, "vs": với, "j": gì) is shorthand too (_shorthand)
_SHORTHAND = frozenset({"ko", "ad", "mik", "hok", "ak", "ok", "oke"})
_VOWELS = frozenset("aeiouy")


def _shorthand(word: str) -> bool:
    """A word typed as chat shorthand: a correction of it is a guess ("ntn" shown as "nên")."""
    folded = fold(word).casefold()
    return folded in _SHORTHAND or (len(folded) <= 3 and folded.isalpha()
                                    and _VOWELS.isdisjoint(folded))


def understood_as(question: str, corrections: tuple[tuple[str, str], ...]) -> str | None:
    """The question as understood, when a correction changed a word and the result reads right.

    None when nothing in the question actually changed (the correction was of a word not typed as
    such, or only of case) or when a corrected word is not good Vietnamese (a half-decoded Telex
    word would confuse more than help). Chat shorthand stays as typed ("lam ntn" is not "làm
    nên", "dc ko" not "để ko"): only the other corrections are shown.
    """
    corrections = tuple((old, new) for old, new in corrections if not _shorthand(old))
    if not corrections:  # most questions: nothing to rewrite
        return None
    corrected = corrected_question(question, corrections)
    if corrected.casefold() == question.strip().casefold():
        return None
    typed = {w.casefold() for w in words(normalize(question))}
    for old, new in corrections:
        if old.casefold() in typed and not all(_reads_right(w) for w in new.split()):
            return None
    return corrected


def _reads_right(word: str) -> bool:
    """A Vietnamese syllable, an abbreviation (UBND) or a word with digits (286/KH)."""
    return (is_valid_syllable(normalize(word)) or (word.isupper() and word.isalpha())
            or any(c.isdigit() for c in word))


def corrected_question(question: str, corrections: tuple[tuple[str, str], ...]) -> str:
    """The question as understood: each corrected word (Telex, typo) replaced in place."""
    fixes = {old.casefold(): new for old, new in corrections}
    parts = re.split(r"(\w+)", question)
    return "".join(fixes.get(w.casefold(), w) for w in parts).strip()


async def confirmed(ctx: Context, button: Helpful) -> None:
    """Button 'fby:<chunk id>[:<question>]' ('Hữu ích' under an answer, 'Đúng ý tôi' under a
    tentative one): remembered with the passage (buttons sent before feedback had no question)."""
    chunk_id, question = button.chunk_id, button.question
    if (not may_read_guides(ctx)
            or not await ctx.deps.knowledge.guides.current_chunk_ids(ctx.session, [chunk_id])):
        ctx.reply(C.UNKNOWN_BUTTON)
        return
    if question.strip():
        await queue_store.record_feedback(
            ctx.session, chunk_id=chunk_id, question=question, helpful=True,
            channel=ctx.event.chat.channel, chat_id=ctx.event.chat.chat_id,
            official_id=ctx.official.id if ctx.official else None, now=ctx.now)
    ctx.reply(T.FEEDBACK_THANKS)


async def not_it(ctx: Context, button: NotIt) -> None:
    """Button 'fbn:<chunk id>:<question>' ('Chưa đúng'): queue it, offer the next sections, ask
    what was wrong (a private chat only; one step, skippable).

    A passage whose guide was withdrawn or replaced since gets "no longer valid" (nothing logged):
    the admins' log names what was offered, and that is gone.
    """
    chunk_id, question = button.chunk_id, button.question
    raw_id = str(chunk_id)  # passages are named by their chunk id as text
    section = (await ctx.deps.knowledge.guides.section_of_chunk(ctx.session, chunk_id)
               if question.strip() and may_read_guides(ctx) else None)
    if section is None:
        ctx.reply(C.UNKNOWN_BUTTON)
        return
    shown = f"{section.guide_title} › {section_name(section.heading_path)}"
    result = ctx.deps.knowledge.search(question, limit=SEARCH_LIMIT)
    hits = await _current(ctx, result)
    official_id = ctx.official.id if ctx.official else None
    chat = ctx.event.chat
    score = next((h.score for h in hits if h.passage.id == raw_id), None)
    logged = await queue_store.log_wrong(
        ctx.session, question=question, channel=chat.channel, chat_id=chat.chat_id,
        official_id=official_id, guide_slug=section.guide_slug, shown_chunk_id=chunk_id,
        shown_passage=shown, best_score=score, now=ctx.now)
    await queue_store.record_feedback(ctx.session, chunk_id=chunk_id, question=question,
                                      helpful=False, channel=chat.channel, chat_id=chat.chat_id,
                                      official_id=official_id, now=ctx.now)
    exclude = (section.guide_slug, section.heading_path)
    others = [h for h in hits if h.passage.id != raw_id]
    buttons = _section_buttons(others, exclude=exclude, limit=CLOSEST_LIMIT)
    ctx.reply(T.WRONG_LOGGED + (f"\n\n{T.WRONG_NEXT}" if buttons else ""), buttons)
    if not ctx.in_group:  # conversations run in private chats only
        ctx.start_flow(WHY_FLOW, {"question": logged})


#: the one-step conversation after 'Chưa đúng': what was wrong (free text or 'Bỏ qua')
WHY_FLOW = "fbwhy"


@dataclass(frozen=True)
class WhyAnswer(ButtonData, prefix=WHY_FLOW):
    """'skip' under "what was wrong?" (read by the step)."""

    choice: str


async def why_prompt(ctx: Context, state: FlowState) -> None:
    """Ask what was wrong, with a skip button."""
    del state
    ctx.reply(F.WHAT_WRONG, [Button(F.BUTTON_SKIP, WhyAnswer("skip").pack())])


#: how a question typed without "?" ends or starts, folded ("ký số văn bản như thế nào", "cho
#: em hỏi …"): a phone's keyboard hides "?", and officials seldom type it
_QUESTION_ENDS = frozenset({"nhu the nao", "the nao", "ntn", "ra sao", "lam sao", "la gi",
                            "o dau", "khi nao", "bao gio", "bao nhieu", "bao lau", "duoc khong",
                            "phai khong", "co khong", "dc khong", "dc ko", "duoc ko"})
_QUESTION_STARTS = frozenset({"cho hoi", "cho em hoi", "cho minh hoi", "cho toi hoi", "xin hoi",
                              "lam sao", "lam the nao", "lam cach nao"})
#: polite words after a question's end ("… như thế nào ạ", "… được không vậy")
_QUESTION_TAIL = frozenset({"a", "vay", "nhi", "nhe", "ha", "the", "ad", "ban"})


def reads_as_question(text: str) -> bool:
    """True when `text` asks something: it ends in "?", or ends or starts as Vietnamese
    questions do, without one."""
    stripped = text.strip()
    if stripped.endswith(("?", "？")):
        return True
    words = fold_words(stripped, letters_only=True).split()
    while len(words) > 1 and words[-1] in _QUESTION_TAIL:
        words.pop()
    return any(" ".join(words[-n:]) in _QUESTION_ENDS for n in (1, 2, 3) if len(words) > n) \
        or any(" ".join(words[:n]) in _QUESTION_STARTS for n in (2, 3, 4) if len(words) > n)


async def why_handle(ctx: Context, state: FlowState) -> str | None:
    """A comment is stored with the queued question; 'Bỏ qua' (or thanks, "ok", an emoji)
    stores nothing. A text that asks (reads_as_question: "?", or "… như thế nào", "cho hỏi …")
    is stored as the comment too and also answered as a new question: a comment on what the
    answer left out often ends as a question does ("chưa nói rõ nộp hồ sơ ở đâu", "không ghi hạn
    nộp là khi nào"), and a comment lost is worse than a comment that was a question."""
    if ctx.payload:
        ctx.reply(F.COMMENT_SKIPPED)
        return END
    comment = ctx.text.strip()
    if not comment or small_talk(comment) is not None:
        # "ok", "cảm ơn", 👍 say nothing about what was wrong: no comment for admins to read
        ctx.reply(F.COMMENT_SKIPPED)
        return END
    await queue_store.set_comment(ctx.session, int(state.data["question"]), comment)
    if reads_as_question(comment):
        ctx.end_flow()
        ctx.reply(F.COMMENT_KEPT_ANSWERING)
        await answer(ctx, comment)
        return END
    ctx.reply(F.COMMENT_THANKS)
    return END


async def why_stopped(ctx: Context, state: FlowState) -> None:
    """/huy or idle: the question stays queued, without a comment."""
    del state
    ctx.reply(F.COMMENT_STOPPED)


def register(router: Router) -> None:
    """Register Q&A."""
    router.command(Command(("hoi", "ask"), ask_command, CMD.ASK, group_safe=True))
    # a tentative answer in a group carries these too; they reveal nothing private
    router.on(Helpful, confirmed, gone=C.UNKNOWN_BUTTON, group_safe=True)
    router.on(NotIt, not_it, gone=C.UNKNOWN_BUTTON, group_safe=True)
    router.flow(Flow(name=WHY_FLOW, first="why", on_cancel=why_stopped, on_expire=why_stopped,
                     steps={"why": Step(why_prompt, why_handle)}), stale=F.COMMENT_STALE)
    router.fallback(Fallback("question", fallback))  # answers everything the others did not
