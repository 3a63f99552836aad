"""Feedback under answers through the real dispatcher: 'Hữu ích' is remembered, 'Chưa đúng' queues
the question with the passage shown and asks (once, skippably, across a restart) what was wrong."""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

import pytest
from sqlalchemy import select

from bot.db.models import AnswerFeedback, UnansweredQuestion
from bot.texts import ask as T
from bot.texts import common as C
from bot.texts import feedback as F
from knowledge.types import SearchResult
from tests.harness import BotHarness, button, fields, fits, labels, texts

QUESTION = "to cong nghe so cong dong gom nhung ai"


def _answer(h: BotHarness) -> None:
    """Keep the real search; the decision says 'answer' (the model is tested in knowledge/)."""
    real = h.app.knowledge.search

    def search(query: str, limit: int = 5, *, qa_rule: bool = True) -> SearchResult:
        return replace(real(query, limit=limit, qa_rule=qa_rule), outcome="answer", alternative=None)

    h.app.knowledge.search = search  # type: ignore[method-assign]


_Row = TypeVar("_Row", AnswerFeedback, UnansweredQuestion)


async def _rows(h: BotHarness, model: type[_Row]) -> list[_Row]:
    async with h.app.sessionmaker() as session:
        return list((await session.execute(select(model).order_by(model.id))).scalars())


async def test_every_answer_carries_helpful_and_wrong(kb_harness: BotHarness) -> None:
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    assert F.BUTTON_HELPFUL in labels([reply]) and F.BUTTON_WRONG in labels([reply])
    helpful = button([reply], F.BUTTON_HELPFUL)
    await kb_harness.restart()  # the button carries what it needs
    assert texts(await kb_harness.press(label=F.BUTTON_HELPFUL)) == T.FEEDBACK_THANKS
    (row,) = await _rows(kb_harness, AnswerFeedback)
    assert row.helpful and row.question == QUESTION and str(row.chunk_id) in helpful
    assert await _rows(kb_harness, UnansweredQuestion) == []  # helpful: nothing to review


async def test_wrong_queues_the_question_and_asks_what_was_wrong_across_a_restart(
        kb_harness: BotHarness) -> None:
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    shown = fields(reply.text, T.ANSWER_SECTION + "\n")
    assert shown is not None
    shown_section = shown["section"]
    wrong = button([reply], F.BUTTON_WRONG)
    followup = await kb_harness.press(label=F.BUTTON_WRONG)
    assert T.WRONG_LOGGED in texts(followup) and F.WHAT_WRONG in texts(followup)
    assert F.BUTTON_SKIP in labels(followup)
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.text == QUESTION and queued.kind == "wrong" and not queued.resolved
    assert queued.shown_passage is not None and shown_section in queued.shown_passage
    assert queued.shown_chunk_id is not None and str(queued.shown_chunk_id) in wrong
    await kb_harness.restart()
    assert texts(await kb_harness.say("thiếu phần phụ cấp cho tổ viên")) == F.COMMENT_THANKS
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.comment == "thiếu phần phụ cấp cho tổ viên"
    (feedback,) = await _rows(kb_harness, AnswerFeedback)
    assert not feedback.helpful
    # the step is over: the next message is a question again
    assert fits(texts(await kb_harness.say(QUESTION)), T.ANSWER_SOURCE)


async def test_what_was_wrong_can_be_skipped(kb_harness: BotHarness) -> None:
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    assert texts(await kb_harness.press(label=F.BUTTON_SKIP)) == F.COMMENT_SKIPPED
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.comment is None
    assert texts(await kb_harness.press(label=F.BUTTON_SKIP)) == F.COMMENT_STALE


async def test_a_new_question_instead_of_a_comment_is_answered(kb_harness: BotHarness) -> None:
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    replies = await kb_harness.say("Tổ công nghệ số cộng đồng gồm những ai?")
    assert fits(texts(replies), T.ANSWER_SOURCE) and F.COMMENT_THANKS not in texts(replies)
    assert replies[0].text == F.COMMENT_KEPT_ANSWERING
    # kept beside the question too: a comment can end in "?" (mend1)
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.comment == "Tổ công nghệ số cộng đồng gồm những ai?"
    # no conversation left
    assert fits(texts(await kb_harness.say(QUESTION)), T.ANSWER_SOURCE)


@pytest.mark.parametrize("question", [
    "Tổ công nghệ số cộng đồng gồm những ai như thế nào ạ",
    "cho em hỏi tổ công nghệ số cộng đồng gồm những ai",
    "to cong nghe so cong dong gom nhung ai vay ad, la gi"])
async def test_a_new_question_without_a_question_mark_is_answered(kb_harness: BotHarness,
                                                                  question: str) -> None:
    """Found in the web chat (ux-web): after 'Chưa đúng', a new question typed on a phone
    without "?" ("… như thế nào", "cho em hỏi …") was stored as the comment ("Cảm ơn anh/chị,
    góp ý đã được ghi lại") and never answered; reopening the page asks the step again, with the
    answer it is about no longer on the screen, so the next question typed went the same way."""
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    replies = await kb_harness.say(question)
    assert fits(texts(replies), T.ANSWER_SOURCE) and F.COMMENT_THANKS not in texts(replies)
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.comment == question  # kept too: it may be a comment (mend1)
    # what reads as a comment is still one
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    assert texts(await kb_harness.say("không liên quan gì, sai chủ đề")) == F.COMMENT_THANKS


@pytest.mark.parametrize("comment", [
    "Chưa nói rõ nộp hồ sơ ở đâu", "Không ghi hạn nộp là khi nào", "thiếu mức phí là bao nhiêu",
    "không hướng dẫn làm thế nào"])
async def test_a_comment_that_ends_as_a_question_is_kept(kb_harness: BotHarness,
                                                         comment: str) -> None:
    """Review of 5cc89c4: a comment on what the answer left out often ends in a question word
    (an indirect question); it was taken for a new question and never stored, so the admins lost
    it. It is stored beside the question, and searched as a question as well."""
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    replies = await kb_harness.say(comment)
    assert replies[0].text == F.COMMENT_KEPT_ANSWERING
    (queued, *_) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.kind == "wrong" and queued.comment == comment
    # the step is over
    assert fits(texts(await kb_harness.say(QUESTION)), T.ANSWER_SOURCE)


@pytest.mark.parametrize("typed", ["ok", "em cảm ơn ạ", "👍"])
async def test_thanks_instead_of_a_comment_is_no_comment(kb_harness: BotHarness,
                                                         typed: str) -> None:
    """Found in the web chat (ux-web): "ok" or "cảm ơn" typed at "what was wrong?" was stored as
    the comment admins read beside the question ("Góp ý: ok"). It skips, as 'Bỏ qua' does."""
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    assert texts(await kb_harness.say(typed)) == F.COMMENT_SKIPPED
    (queued,) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.comment is None


async def test_opening_the_chat_again_does_not_ask_what_was_wrong_again(
        kb_harness: BotHarness) -> None:
    """Found in the web chat (ux-web): the page, opened again, sends /start; troly said a task was
    under way and asked what was wrong with an answer no longer on the screen, and the question
    typed next was stored as the comment. /start ends the optional step; the question stays
    queued, and the next text is a question."""
    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    await kb_harness.press(label=F.BUTTON_WRONG, among=[reply])
    again = texts(await kb_harness.say("/start"))
    assert F.WHAT_WRONG not in again and C.CONVERSATION_GOES_ON not in again
    assert F.COMMENT_THANKS not in texts(await kb_harness.say("thiếu phần phụ cấp cho tổ viên"))
    (queued, *_) = await _rows(kb_harness, UnansweredQuestion)
    assert queued.kind == "wrong" and queued.comment is None


async def test_wrong_in_a_group_queues_without_a_conversation(kb_harness: BotHarness) -> None:
    from bot.events import ButtonPressed, ChatRef, Sender

    _answer(kb_harness)
    (reply,) = await kb_harness.say(QUESTION)
    wrong = button([reply], F.BUTTON_WRONG)
    event = ButtonPressed(chat=ChatRef("web", "group1"), sender=Sender("u9", "u9"),
                          at=kb_harness.clock.now(), payload=wrong, chat_kind="group")
    replies = await kb_harness.app.dispatcher.feed(event)
    assert T.WRONG_LOGGED in texts(replies) and F.WHAT_WRONG not in texts(replies)
    assert len(await _rows(kb_harness, UnansweredQuestion)) == 1


async def test_forged_feedback_buttons_change_nothing(kb_harness: BotHarness) -> None:
    from bot.texts import common as C

    for payload in ("fby:999999:x", "fbn:999999:x", "fbn:abc:x", "fby:", "fbn:1:"):
        assert texts(await kb_harness.press(payload)) == C.UNKNOWN_BUTTON
    assert await _rows(kb_harness, AnswerFeedback) == []
    assert await _rows(kb_harness, UnansweredQuestion) == []
