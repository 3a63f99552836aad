"""/chuatraloi: the questions the guides did not answer, grouped by similar question, and what an
admin (or an official of the unit owning the guide troly offered) does with each group.

- 'Trả lời' (uqa:<group>): a short conversation — type or forward the answer, then pick the guide
  it goes in (the unit's FAQ guide or a guide troly offered). It becomes a Q&A section, indexed at
  once, and everyone who asked is sent the answer through the outbox.
- 'Chỉ mục' (uql:<group>, uqg:<group>:<guide>[:<offset>], uqs:<group>:<chunk>): pick the guide,
  then the section; the questions become another wording of that section. Stateless buttons.
- 'Bỏ qua' (uqi:<group>): a one-step conversation asking the reason.
- 'Câu trả lời đã viết' (uqw:[<offset>]): the Q&A entries this official may change, newest first,
  paged ('Trang trước', 'Trang sau'), each with 'Sửa' (uqe:<entry>: a conversation — the new
  text, then 'Lưu') and 'Gỡ' (uqr:<entry>, then uqx:<entry> to confirm). Same permission as
  answering: admins everything, others the entries of guides their unit (or a unit below it) owns.
- Every edit and withdrawal is recorded (who, when, the text before and after): an entry edited
  says so in the list, with 'Lịch sử sửa' (uqh:<offset>:<entry>); 'Lịch sử sửa, gỡ'
  (uqh:[<offset>]) lists them all, withdrawn answers included. Same permission as the list.

A group is named by its oldest question's id; pressing a button recomputes the group, so a group
already handled (here, in another chat or with the CLI) says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from bot import kb_loop
from bot.buttons import ButtonData, Offset
from bot.context import Context
from bot.conversation import END, STAY, Flow, Step
from bot.dates import fmt_short
from bot.db import guide_store, queue_store
from bot.db.models import Guide
from bot.db.queue_store import QueueGroup
from bot.flow_state import FlowState
from bot.ids import parse_id
from bot.messages import Button
from bot.router import ROLES_MEMBERS, Command, Router
from bot.texts import commands as CMD
from bot.texts import common as C
from bot.texts import feedback as T
from handlers.sections import LABEL_CHARS, clip, section_label, section_name

#: groups shown per /chuatraloi page (one message each)
GROUPS_PER_PAGE = 5
#: guides offered as the place of an answer, and section buttons per page
TARGETS = 4
SECTIONS_PER_PAGE = 8
ANSWER_FLOW = "qans"
IGNORE_FLOW = "qign"
EDIT_FLOW = "qedit"
#: written answers, and their recorded edits and withdrawals, shown per page (one message each)
WRITTEN_PER_PAGE = 5
HISTORY_PER_PAGE = 5
#: characters of an answer's text shown in a list (the whole text: `troly unanswered answers`)
LIST_ANSWER_CHARS = 500
ANSWER_CHARS = 3500


@dataclass(frozen=True)
class AnswerTarget(ButtonData, prefix=ANSWER_FLOW):
    """Where an admin's answer goes: 'faq' (the unit's Q&A) or a guide's id (read by the step)."""

    choice: str


@dataclass(frozen=True)
class IgnoreReason(ButtonData, prefix=IGNORE_FLOW):
    """A common reason for leaving a group unanswered, by its index (read by the step)."""

    choice: str


@dataclass(frozen=True)
class MoreGroups(ButtonData, prefix="uqm"):
    """'Xem thêm' under /chuatraloi: the groups from `offset` on."""

    offset: Offset = Offset(0)


@dataclass(frozen=True)
class AnswerGroup(ButtonData, prefix="uqa"):
    """'Trả lời' under a group of unanswered questions."""

    group: int


@dataclass(frozen=True)
class LinkGroup(ButtonData, prefix="uql"):
    """'Gắn vào mục có sẵn' under a group: choose the guide."""

    group: int


@dataclass(frozen=True)
class LinkGuide(ButtonData, prefix="uqg"):
    """A guide chosen for the group: its sections from `offset` on."""

    group: int
    guide_id: int
    offset: Offset = Offset(0)


@dataclass(frozen=True)
class LinkSection(ButtonData, prefix="uqs"):
    """The section chosen: the group's questions become a wording of it."""

    group: int
    chunk_id: int


@dataclass(frozen=True)
class IgnoreGroup(ButtonData, prefix="uqi"):
    """'Bỏ qua' under a group: ask the reason."""

    group: int


@dataclass(frozen=True)
class EditChoice(ButtonData, prefix=EDIT_FLOW):
    """'Lưu' under the new text of an answer being edited (read by the step)."""

    choice: str


@dataclass(frozen=True)
class WrittenAnswers(ButtonData, prefix="uqw"):
    """'Câu trả lời đã viết': the Q&A entries from `offset` on."""

    offset: Offset = Offset(0)


@dataclass(frozen=True)
class AnswerHistory(ButtonData, prefix="uqh"):
    """'Lịch sử sửa, gỡ' (entry_id 0: every entry) or an entry's 'Lịch sử sửa', from `offset` on."""

    offset: Offset = Offset(0)
    entry_id: int = 0


@dataclass(frozen=True)
class EditAnswer(ButtonData, prefix="uqe"):
    """'Sửa' under a written answer: ask the new text."""

    entry_id: int


@dataclass(frozen=True)
class RemoveAnswer(ButtonData, prefix="uqr"):
    """'Gỡ' under a written answer: ask to confirm."""

    entry_id: int


@dataclass(frozen=True)
class RemoveConfirmed(ButtonData, prefix="uqx"):
    """'Gỡ câu trả lời này': withdraw the entry."""

    entry_id: int


@dataclass(frozen=True)
class Scope:
    """What the current official may review: everything (admins) or their unit's guides."""

    unit_id: int | None  # None: everything
    admin: bool


def scope_of(ctx: Context) -> Scope | None:
    """Admins review everything; other officials their unit's (None: neither)."""
    if ctx.official is None:
        return None
    if ctx.role == "admin":
        return Scope(None, True)
    if ctx.official.unit_id is None:
        return None
    return Scope(ctx.official.unit_id, False)


def _by(ctx: Context) -> str | None:
    return ctx.official.name if ctx.official is not None else None


def _by_id(ctx: Context) -> int | None:
    return ctx.official.id if ctx.official is not None else None


async def _group(ctx: Context, key: int) -> tuple[Scope, QueueGroup] | None:
    scope = scope_of(ctx)
    if scope is None:
        return None
    group = await queue_store.group_of(ctx.session, key, unit_id=scope.unit_id)
    return (scope, group) if group is not None else None


async def _answering(ctx: Context) -> set[int]:
    """The guides offered for an answer or a pointed question: those that answer today (one that
    expired or was replaced since troly offered it is not; kb_loop refuses it when storing)."""
    return await kb_loop.answering_ids(ctx.session, ctx.now)


async def _may_use(ctx: Context, scope: Scope, guide: Guide) -> bool:
    if scope.admin:
        return True
    assert scope.unit_id is not None
    return guide.slug in await queue_store.owned_slugs(ctx.session, scope.unit_id)


# ---------------------------------------------------------------- the list


async def unanswered(ctx: Context) -> None:
    """/chuatraloi: the first groups."""
    await _page(ctx, 0)


async def more_groups(ctx: Context, button: MoreGroups) -> None:
    """Button 'uqm:<offset>': the next groups."""
    await _page(ctx, button.offset)


async def may_review(ctx: Context) -> bool:
    """Whether the current official may use /chuatraloi: admins, and officials whose unit (or a
    unit below it) owns a guide (also what /trogiup checks before listing the command)."""
    scope = scope_of(ctx)
    if scope is None:
        return False
    return scope.admin or (scope.unit_id is not None
                           and bool(await queue_store.owned_slugs(ctx.session, scope.unit_id)))


async def _page(ctx: Context, offset: int) -> None:
    scope = scope_of(ctx)
    if scope is None or not await may_review(ctx):
        ctx.reply(C.NOT_ALLOWED + "\n" + T.QUEUE_NOT_ALLOWED)
        return
    groups = await queue_store.queue(ctx.session, unit_id=scope.unit_id)
    written = [Button(T.BUTTON_WRITTEN, WrittenAnswers().pack())] \
        if await queue_store.written_answers(ctx.session, unit_id=scope.unit_id, limit=1) else []
    written += await _history_button(ctx, scope)  # withdrawn answers are only there
    if not groups:
        ctx.reply(T.QUEUE_NONE, written)
        return
    shown = groups[offset:offset + GROUPS_PER_PAGE] or groups[:GROUPS_PER_PAGE]
    first = groups.index(shown[0])
    titles = {g.slug: g.title for g in await guide_store.list_guides(ctx.session)}
    ctx.reply(T.QUEUE_HEADER.format(groups=len(groups), asked=sum(g.count for g in groups),
                                    first=first + 1, last=first + len(shown)), written)
    for group in shown:
        lines = [T.GROUP_TEXT.format(text=clip(group.text, 300)),
                 T.GROUP_COUNT.format(count=group.count,
                                      when=fmt_short(group.last_asked))]
        if group.guides:
            lines.append(T.GROUP_OFFERED.format(
                guides="; ".join(clip(titles.get(s, s), 80) for s in group.guides[:3])))
        if group.shown:
            lines.append(T.GROUP_SHOWN.format(passages="; ".join(clip(p, 120)
                                                                 for p in group.shown[:2])))
        if group.comments:
            lines.append(T.GROUP_COMMENTS.format(comments="; ".join(clip(c, 120)
                                                                   for c in group.comments[:3])))
        ctx.reply("\n".join(lines), [Button(T.BUTTON_ANSWER, AnswerGroup(group.key).pack()),
                                     Button(T.BUTTON_LINK, LinkGroup(group.key).pack()),
                                     Button(T.BUTTON_IGNORE, IgnoreGroup(group.key).pack())])
    if first + GROUPS_PER_PAGE < len(groups):
        ctx.reply(T.BUTTON_MORE_GROUPS + ":",
                  [Button(T.BUTTON_MORE_GROUPS, MoreGroups(Offset(first + GROUPS_PER_PAGE)).pack())])


# ---------------------------------------------------------------- answer it


async def start_answer(ctx: Context, button: AnswerGroup) -> None:
    """Button 'uqa:<group>': ask for the answer."""
    found = await _group(ctx, button.group)
    if found is None:
        ctx.reply(T.GROUP_GONE)
        return
    _, group = found
    ctx.start_flow(ANSWER_FLOW, {"group": group.key, "ids": group.ids, "question": group.text})


async def answer_text_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the answer's text."""
    ctx.reply(T.ANSWER_TEXT_PROMPT.format(question=clip(state.data["question"], 300),
                                          count=len(state.data["ids"])))


async def answer_text_handle(ctx: Context, state: FlowState) -> str | None:
    """Keep the text (in the flow state: a restart resumes at the guide choice)."""
    text = ctx.text.strip()
    if not text:
        ctx.reply(T.ANSWER_EMPTY)
        return STAY
    state.data["answer"] = text[:ANSWER_CHARS]
    return "target"


async def _offered(ctx: Context, state: FlowState) -> list[Guide]:
    """The active guides troly offered the askers that this official may edit (in force today
    or not: kb_loop refuses the others, and says why)."""
    scope = scope_of(ctx)
    group = await queue_store.group_of(ctx.session, int(state.data["group"]),
                                       unit_id=scope.unit_id if scope else None)
    slugs = group.guides if group is not None else []
    if not slugs or scope is None:
        return []
    rows = (await ctx.session.execute(select(Guide).where(
        Guide.slug.in_(slugs), Guide.status == "active"))).scalars().all()
    return [g for g in rows if await _may_use(ctx, scope, g)]


async def _targets(ctx: Context, state: FlowState) -> list[Guide]:
    """The guides the answer may go in: the offered ones this official may edit, in force."""
    answering = await _answering(ctx)
    return [g for g in await _offered(ctx, state) if g.id in answering][:TARGETS]


async def answer_target_prompt(ctx: Context, state: FlowState) -> None:
    """Offer the unit's FAQ guide and the guides troly offered."""
    faq = T.BUTTON_FAQ if ctx.official and ctx.official.unit_id else T.BUTTON_FAQ_GENERAL
    # each stores the answer and tells those who asked: a typed number is asked back once
    buttons = [Button(faq, AnswerTarget("faq").pack(), confirm_typed=True)]
    buttons += [Button(clip(g.title, LABEL_CHARS), AnswerTarget(str(g.id)).pack(),
                       confirm_typed=True) for g in await _targets(ctx, state)]
    ctx.reply(T.ANSWER_TARGET_PROMPT, buttons)


async def answer_target_handle(ctx: Context, state: FlowState) -> str | None:
    """Store the answer in the chosen guide, close the group, tell the askers."""
    prefix, _, choice = ctx.payload.partition(":")
    scope = scope_of(ctx)
    if prefix != ANSWER_FLOW or scope is None:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    if choice == "faq":
        guide: Guide | None = await kb_loop.faq_for(
            ctx.session, ctx.official.unit_id if ctx.official else None, ctx.now)
    else:
        guide_id = parse_id(choice)
        # an offered guide pressed after it stopped answering (expired, replaced): kb_loop
        # refuses it below, with the reason
        guide = next((g for g in await _offered(ctx, state) if g.id == guide_id), None)
    if guide is None:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    group = await queue_store.group_of(ctx.session, int(state.data["group"]),
                                       unit_id=scope.unit_id)
    if group is None:
        ctx.reply(T.GROUP_GONE)
        return END
    try:
        done = await kb_loop.answer_group(ctx.session, group, state.data["answer"], guide,
                                          by=_by(ctx), now=ctx.now,
                                          question=state.data["question"])
    except kb_loop.NotAnswering as refused:  # expired or replaced: say so, then ask again
        others = [g for g in await _targets(ctx, state) if g.id != guide.id]
        ctx.reply(T.NOT_IN_FORCE.format(guide=refused.title, marks=refused.why)
                  + (T.NOT_IN_FORCE_CHOOSE_ANOTHER if others or choice != "faq"
                     else T.NOT_IN_FORCE_NO_OTHER.format(slug=refused.slug)))
        return STAY
    ctx.reply(T.ANSWER_STORED.format(guide=guide.title, people=done.notified) if done.notified
              else T.ANSWER_STORED_NOBODY.format(guide=guide.title))
    ctx.after_commit.append(ctx.deps.reload_knowledge)
    return END


async def answer_stopped(ctx: Context, state: FlowState) -> None:
    """/huy or idle: nothing stored."""
    del state
    ctx.reply(T.ANSWER_STOPPED)


# ---------------------------------------------------------------- point to a section


async def link_guides(ctx: Context, button: LinkGroup) -> None:
    """Button 'uql:<group>': the guides to look in (offered first)."""
    found = await _group(ctx, button.group)
    if found is None:
        ctx.reply(T.GROUP_GONE)
        return
    scope, group = found
    answering = await _answering(ctx)
    guides = [g for g in await guide_store.list_guides(ctx.session, include_withdrawn=False)
              if g.id in answering
              and (scope.admin or g.slug in await queue_store.owned_slugs(ctx.session,
                                                                          scope.unit_id or 0))]
    rank = {slug: i for i, slug in enumerate(group.guides)}
    guides.sort(key=lambda g: (rank.get(g.slug, len(rank)), g.title))
    ctx.reply(T.LINK_CHOOSE_GUIDE.format(question=clip(group.text, 300)),
              [Button(clip(g.title, LABEL_CHARS), LinkGuide(group.key, g.id).pack()) for g in guides[:8]],
              numbered=C.TYPE_A_NUMBER)  # eight guides: numbered on Zalo (five buttons a message)


async def link_sections(ctx: Context, button: LinkGuide) -> None:
    """Button 'uqg:<group>:<guide id>[:<offset>]': that guide's sections."""
    found = await _group(ctx, button.group)
    guide = await ctx.session.get(Guide, button.guide_id)
    if found is not None and guide is None:  # deleted since (a duplicate FAQ guide merged: 0023)
        ctx.reply(T.LINK_GUIDE_GONE)
        await link_guides(ctx, LinkGroup(button.group))  # the guides to choose from, as they are
        return
    if found is None or guide is None or guide.id not in await _answering(ctx) \
            or not await _may_use(ctx, found[0], guide):
        ctx.reply(T.GROUP_GONE)
        return
    group, offset = found[1], button.offset
    sections = await guide_store.section_starts(ctx.session, guide)
    shown = sections[offset:offset + SECTIONS_PER_PAGE]
    # a section pressed links the questions to it and tells those who asked: typed by number
    # (Zalo over five, the console), the number is asked back once (a neighbour's typo)
    buttons = [Button(section_label(guide.title, path), LinkSection(group.key, chunk_id).pack(),
                      confirm_typed=True) for path, chunk_id in shown]
    if offset + SECTIONS_PER_PAGE < len(sections):
        buttons.append(Button(T.BUTTON_MORE,
                              LinkGuide(group.key, guide.id,
                                        Offset(offset + SECTIONS_PER_PAGE)).pack()))
    ctx.reply(T.LINK_CHOOSE_SECTION.format(guide=guide.title, question=clip(group.text, 200)),
              buttons, numbered=C.TYPE_A_NUMBER)


async def link_done(ctx: Context, button: LinkSection) -> None:
    """Button 'uqs:<group>:<chunk id>': the questions become a wording of that section."""
    found, chunk_id = await _group(ctx, button.group), button.chunk_id
    section = await guide_store.section_of_chunk(ctx.session, chunk_id)
    if section is None:  # an FAQ answer's older version (or a merged duplicate's, 0023)
        moved = await queue_store.current_qa_chunk(ctx.session, chunk_id)
        if moved is not None:
            chunk_id, section = moved, await guide_store.section_of_chunk(ctx.session, moved)
    if found is None:
        ctx.reply(T.GROUP_GONE)
        return
    scope, group = found
    guide = await guide_store.find_guide(ctx.session, section.guide_slug) if section else None
    if section is None or guide is None or not await _may_use(ctx, scope, guide):
        ctx.reply(T.LINK_GONE)
        return
    try:
        done = await kb_loop.link_group(ctx.session, group, chunk_id, by=_by(ctx), now=ctx.now)
    except kb_loop.NotAnswering as refused:  # expired or replaced since its sections were listed
        ctx.reply(T.LINK_NOT_IN_FORCE.format(guide=refused.title, marks=refused.why,
                                             button=T.BUTTON_LINK))
        return
    if done is None:
        ctx.reply(T.LINK_GONE)
        return
    section_shown = section_name(section.heading_path)
    ctx.reply(T.LINK_DONE.format(section=section_shown, people=done.notified) if done.notified
              else T.LINK_DONE_NOBODY.format(section=section_shown))
    ctx.after_commit.append(ctx.deps.reload_knowledge)


# ---------------------------------------------------------------- ignore it


async def start_ignore(ctx: Context, button: IgnoreGroup) -> None:
    """Button 'uqi:<group>': ask the reason."""
    found = await _group(ctx, button.group)
    if found is None:
        ctx.reply(T.GROUP_GONE)
        return
    _, group = found
    ctx.start_flow(IGNORE_FLOW, {"group": group.key, "question": group.text})


async def ignore_prompt(ctx: Context, state: FlowState) -> None:
    """The reason: a common one as a button, or typed."""
    ctx.reply(T.IGNORE_PROMPT.format(question=clip(state.data["question"], 300)),
              [Button(reason, IgnoreReason(str(i)).pack())
               for i, reason in enumerate(T.IGNORE_REASONS)])


async def ignore_handle(ctx: Context, state: FlowState) -> str | None:
    """Close the group with the reason."""
    prefix, _, choice = ctx.payload.partition(":")
    if prefix == IGNORE_FLOW and choice.isascii() and choice.isdigit() \
            and int(choice) < len(T.IGNORE_REASONS):
        reason = T.IGNORE_REASONS[int(choice)]
    else:
        reason = ctx.text.strip()
    scope = scope_of(ctx)
    if not reason or scope is None:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    group = await queue_store.group_of(ctx.session, int(state.data["group"]),
                                       unit_id=scope.unit_id)
    if group is None:
        ctx.reply(T.GROUP_GONE)
        return END
    closed = await kb_loop.ignore_group(ctx.session, group, reason, by=_by(ctx), now=ctx.now)
    ctx.reply(T.IGNORED.format(count=closed, reason=reason))
    return END


async def ignore_stopped(ctx: Context, state: FlowState) -> None:
    """/huy or idle: the group stays."""
    del state
    ctx.reply(T.IGNORE_STOPPED)


# ---------------------------------------------------------------- answers already written


async def _entry(ctx: Context, entry_id: int) -> queue_store.WrittenAnswer | None:
    """The entry if the current official may change it (the rule for answering)."""
    scope = scope_of(ctx)
    if scope is None or not await may_review(ctx):
        return None
    return await queue_store.written_answer(ctx.session, entry_id, unit_id=scope.unit_id)


def _page_start(offset: int, total: int, per_page: int) -> int:
    """The first item of the page holding `offset`; past the end (items removed since the button
    was sent): the last page."""
    return min(offset, max(total - 1, 0)) // per_page * per_page


def _pager(ctx: Context, offset: int, total: int, per_page: int,
           button: Callable[[Offset], ButtonData]) -> None:
    """'Trang x/y' with 'Trang trước' and 'Trang sau' under a list longer than a page (navigation,
    not a choice: the buttons stay usable)."""
    if total <= per_page:
        return
    buttons = []
    if offset > 0:
        buttons.append(Button(T.BUTTON_PREV_PAGE, button(Offset(max(offset - per_page, 0))).pack(),
                              reusable=True))
    if offset + per_page < total:
        buttons.append(Button(T.BUTTON_NEXT_PAGE, button(Offset(offset + per_page)).pack(),
                              reusable=True))
    ctx.reply(T.PAGE.format(page=offset // per_page + 1, pages=-(-total // per_page)), buttons)


async def _history_button(ctx: Context, scope: Scope) -> list[Button]:
    """'Lịch sử sửa, gỡ' when an answer this official may see was ever edited or withdrawn."""
    if not await queue_store.count_answer_changes(ctx.session, unit_id=scope.unit_id):
        return []
    return [Button(T.BUTTON_HISTORY, AnswerHistory().pack(), reusable=True)]


def _who(name: str | None) -> str:
    return name or T.HISTORY_UNKNOWN_BY


async def written_answers(ctx: Context, button: WrittenAnswers) -> None:
    """Button 'uqw:[<offset>]': a page of the written answers, each with 'Sửa' and 'Gỡ' (and
    'Lịch sử sửa' once edited)."""
    scope = scope_of(ctx)
    if scope is None or not await may_review(ctx):
        ctx.reply(C.NOT_ALLOWED + "\n" + T.QUEUE_NOT_ALLOWED)
        return
    total = await queue_store.count_written_answers(ctx.session, unit_id=scope.unit_id)
    history = await _history_button(ctx, scope)
    if not total:
        ctx.reply(T.WRITTEN_NONE, history)
        return
    offset = _page_start(button.offset, total, WRITTEN_PER_PAGE)
    shown = await queue_store.written_answers(ctx.session, unit_id=scope.unit_id, offset=offset,
                                              limit=WRITTEN_PER_PAGE)
    ctx.reply(T.WRITTEN_HEADER.format(count=total, first=offset + 1, last=offset + len(shown)),
              history)
    for entry in shown:
        by = T.WRITTEN_BY.format(name=entry.created_by) if entry.created_by else ""
        text = T.WRITTEN_ITEM.format(question=clip(entry.question, 300),
                                     answer=clip(entry.answer, LIST_ANSWER_CHARS),
                                     guide=clip(entry.guide_title, 80),
                                     when=fmt_short(entry.created_at), by=by)
        buttons = [Button(T.BUTTON_EDIT, EditAnswer(entry.id).pack()),
                   Button(T.BUTTON_REMOVE, RemoveAnswer(entry.id).pack())]
        if entry.edits:
            last = entry.edits[-1]
            text += "\n" + T.WRITTEN_EDITED.format(count=len(entry.edits),
                                                   when=fmt_short(last.changed_at),
                                                   by=_who(last.changed_by))
            buttons.append(Button(T.BUTTON_ENTRY_HISTORY,
                                  AnswerHistory(Offset(0), entry.id).pack(), reusable=True))
        ctx.reply(text, buttons)
    _pager(ctx, offset, total, WRITTEN_PER_PAGE, WrittenAnswers)


async def answer_history(ctx: Context, button: AnswerHistory) -> None:
    """Button 'uqh:[<offset>[:<entry>]]': the recorded edits and withdrawals, newest first (of
    one entry, or of every entry this official may see)."""
    scope = scope_of(ctx)
    if scope is None or not await may_review(ctx):
        ctx.reply(C.NOT_ALLOWED + "\n" + T.QUEUE_NOT_ALLOWED)
        return
    entry_id = button.entry_id or None
    entry = await _entry(ctx, entry_id) if entry_id is not None else None
    if entry_id is not None and entry is None:
        ctx.reply(T.WRITTEN_GONE)
        return
    total = await queue_store.count_answer_changes(ctx.session, unit_id=scope.unit_id,
                                                   entry_id=entry_id)
    if not total:
        ctx.reply(T.HISTORY_NONE)
        return
    offset = _page_start(button.offset, total, HISTORY_PER_PAGE)
    changes = await queue_store.answer_changes(ctx.session, unit_id=scope.unit_id,
                                               entry_id=entry_id, offset=offset,
                                               limit=HISTORY_PER_PAGE)
    span = {"count": total, "first": offset + 1, "last": offset + len(changes)}
    ctx.reply(T.HISTORY_ENTRY_HEADER.format(question=clip(entry.question, 300), **span)
              if entry is not None else T.HISTORY_HEADER.format(**span))
    for change in changes:
        common = {"when": fmt_short(change.changed_at), "by": _who(change.changed_by),
                  "question": clip(change.question, 300), "guide": clip(change.guide_title, 80),
                  "old": clip(change.old_answer, LIST_ANSWER_CHARS)}
        ctx.reply(T.HISTORY_REMOVED.format(**common) if change.new_answer is None
                  else T.HISTORY_EDITED.format(new=clip(change.new_answer, LIST_ANSWER_CHARS),
                                               **common))
    _pager(ctx, offset, total, HISTORY_PER_PAGE,
           lambda page: AnswerHistory(page, entry_id or 0))


async def start_edit(ctx: Context, button: EditAnswer) -> None:
    """Button 'uqe:<entry>': ask for the new text."""
    entry = await _entry(ctx, button.entry_id)
    if entry is None:
        ctx.reply(T.WRITTEN_GONE)
        return
    ctx.start_flow(EDIT_FLOW, {"entry": entry.id, "question": entry.question})


async def edit_text_prompt(ctx: Context, state: FlowState) -> None:
    """Show the current answer and ask for the new one."""
    entry = await _entry(ctx, int(state.data["entry"]))
    ctx.reply(T.EDIT_PROMPT.format(question=clip(state.data["question"], 300),
                                   answer=entry.answer if entry is not None else ""))


async def edit_text_handle(ctx: Context, state: FlowState) -> str | None:
    """Keep the new text (in the flow state: a restart resumes at the confirmation)."""
    text = ctx.text.strip()
    if not text:
        ctx.reply(T.ANSWER_EMPTY)
        return STAY
    state.data["answer"] = text[:ANSWER_CHARS]
    return "confirm"


async def edit_confirm_prompt(ctx: Context, state: FlowState) -> None:
    """Show the new text with 'Lưu'."""
    ctx.reply(T.EDIT_CONFIRM.format(answer=state.data["answer"]),
              [Button(T.BUTTON_SAVE, EditChoice("save").pack())])


async def edit_confirm_handle(ctx: Context, state: FlowState) -> str | None:
    """'Lưu': replace the answer (permission checked again); typed text: a newer text."""
    if ctx.payload != EditChoice("save").pack():
        if ctx.payload or not ctx.text.strip():
            ctx.reply(T.EDIT_CHOOSE)
            return STAY
        state.data["answer"] = ctx.text.strip()[:ANSWER_CHARS]
        return STAY  # shown again with 'Lưu'
    entry = await _entry(ctx, int(state.data["entry"]))
    done = await kb_loop.edit_answer(ctx.session, entry.id, state.data["answer"], by=_by(ctx),
                                     by_id=_by_id(ctx), now=ctx.now) \
        if entry is not None else None
    if done is None:
        ctx.reply(T.WRITTEN_GONE)
        return END
    ctx.reply(T.EDITED.format(guide=done.guide_title)
              + (T.EDITED_WAITING.format(count=done.waiting) if done.waiting else ""))
    ctx.after_commit.append(ctx.deps.reload_knowledge)
    return END


async def edit_stopped(ctx: Context, state: FlowState) -> None:
    """/huy or idle: the answer stays."""
    del state
    ctx.reply(T.EDIT_STOPPED)


async def ask_remove(ctx: Context, button: RemoveAnswer) -> None:
    """Button 'uqr:<entry>': ask to confirm."""
    entry = await _entry(ctx, button.entry_id)
    if entry is None:
        ctx.reply(T.WRITTEN_GONE)
        return
    ctx.reply(T.REMOVE_CONFIRM.format(question=clip(entry.question, 300), guide=entry.guide_title),
              [Button(T.BUTTON_REMOVE_CONFIRM, RemoveConfirmed(entry.id).pack())])


async def remove_answer(ctx: Context, button: RemoveConfirmed) -> None:
    """Button 'uqx:<entry>': withdraw the entry; it answers nothing from now on."""
    entry = await _entry(ctx, button.entry_id)
    done = await kb_loop.remove_answer(ctx.session, entry.id, by=_by(ctx), by_id=_by_id(ctx),
                                       now=ctx.now) if entry is not None else None
    if entry is None or done is None:
        ctx.reply(T.WRITTEN_GONE)
        return
    ctx.reply(T.REMOVED.format(question=clip(entry.question, 300))
              + (T.REMOVED_WAITING.format(count=done.waiting) if done.waiting else ""))
    ctx.after_commit.append(ctx.deps.reload_knowledge)


def register(router: Router) -> None:
    """Register /chuatraloi and its actions."""
    router.command(Command(("chuatraloi", "unanswered"), unanswered, CMD.UNANSWERED,
                           roles=ROLES_MEMBERS, may_use=may_review))
    router.on(MoreGroups, more_groups, gone=C.UNKNOWN_BUTTON)  # every payload fits
    router.on(AnswerGroup, start_answer, gone=T.GROUP_GONE)
    router.on(LinkGroup, link_guides, gone=T.GROUP_GONE)
    router.on(LinkGuide, link_sections, gone=T.GROUP_GONE)
    router.on(LinkSection, link_done, gone=T.GROUP_GONE)
    router.on(IgnoreGroup, start_ignore, gone=T.GROUP_GONE)
    router.flow(Flow(name=ANSWER_FLOW, first="text", on_cancel=answer_stopped,
                     on_expire=answer_stopped, steps={
                         "text": Step(answer_text_prompt, answer_text_handle),
                         # "Quay lại": the answer written again
                         "target": Step(answer_target_prompt, answer_target_handle,
                                        back="text")}),
                stale=T.FLOW_STALE)
    router.on(WrittenAnswers, written_answers, gone=C.UNKNOWN_BUTTON)
    router.on(AnswerHistory, answer_history, gone=C.UNKNOWN_BUTTON)
    router.on(EditAnswer, start_edit, gone=T.WRITTEN_GONE)
    router.on(RemoveAnswer, ask_remove, gone=T.WRITTEN_GONE)
    router.on(RemoveConfirmed, remove_answer, gone=T.WRITTEN_GONE)
    router.flow(Flow(name=EDIT_FLOW, first="text", on_cancel=edit_stopped,
                     on_expire=edit_stopped, steps={
                         "text": Step(edit_text_prompt, edit_text_handle),
                         # "Quay lại": the answer as stored, to be written again
                         "confirm": Step(edit_confirm_prompt, edit_confirm_handle,
                                         back="text")}),
                stale=T.FLOW_STALE)
    router.flow(Flow(name=IGNORE_FLOW, first="reason", on_cancel=ignore_stopped,
                     on_expire=ignore_stopped, steps={
                         "reason": Step(ignore_prompt, ignore_handle)}),
                stale=T.FLOW_STALE)
