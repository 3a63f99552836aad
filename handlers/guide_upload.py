"""An admin adds a guide by sending its file in chat (.docx, .pdf, .md, .txt).

troly reads the file and shows what it holds; nothing is stored yet. From that summary the admin
presses "Lưu", or first sets what `troly guides add` sets (bot/guide_options.py, the same checks):
the units that must apply it (codes typed, sub-units included; then roles by buttons), the days
it is in force (typed as officials write dates), the older guide it replaces (buttons of the
guides whose titles are most alike, or a typed code). Each choice returns to the summary, which
says exactly what "Lưu" will store and whom it will tell; "Quay lại" (or /quaylai) at every step
goes back to the step before it with the choices kept, "Huỷ" or /huy drops the file.

The file waits in pending_uploads (a day), with what it was read as for the summary ("Lưu"
stores that: a large PDF is parsed once, not twice); the choices wait in the conversation state.
The parsed guide is kept in the row, not in the state: the state is read and written again at
every step, the row only when the file is stored, and it goes with the file (the same owner
check, the same expiry). A restart between any two steps loses nothing. With an audience,
storing also announces the guide (the planner sends it); a new version of a guide that had an
audience is announced to it again.
"""

from __future__ import annotations

import math
import secrets
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import delete, select

from bot.buttons import ButtonData
from bot.checkin_answers import reads_as_question
from bot.clock import local_date
from bot.context import Context
from bot.conversation import END, STAY, Flow, Step
from bot.dates import fmt_day
from bot.db import guidance_store, guide_store
from bot.db.models import Guide, PendingUpload, Unit
from bot.events import ButtonPressed
from bot.flow_state import FlowState
from bot.guide_import import (
    PENDING_TTL,
    GuideToReplaceNotFound,
    NeedsConfirmation,
    UploadPreview,
    decode_parsed,
    describe_pages_without_text,
    describe_problem,
    describe_result,
    encode_parsed,
    import_guide,
    ingest_limits,
    preview_guide,
)
from bot.guide_options import (
    GuideOptionError,
    GuideOptions,
    announce_new,
    check_likely,
    check_range,
    known_units,
    read_day,
    replaced_guide,
    typed_guide,
    typed_replacement,
    unit_abbreviations,
    unit_words,
    unknown_units_text,
)
from bot.messages import CANCEL_COMMAND, Button
from bot.router import Router
from bot.texts import guide_upload as T
from bot.texts import guides as GT
from bot.texts import people as PT
from bot.unit_names import (
    Abbreviations,
    EntryMatch,
    UnitName,
    match_entry,
    read_units,
    split_entries,
)
from handlers.ask import answer
from handlers.sections import ELLIPSIS, LABEL_CHARS
from knowledge.types import IngestError

FLOW = "gnew"
#: guides offered as buttons in the "replaces" step (Zalo shows five buttons per message)
SIMILAR_BUTTONS = 3
#: unit codes listed as a hint in the units step
UNITS_LISTED = 12


@dataclass(frozen=True)
class NewGuideChoice(ButtonData, prefix=FLOW):
    """A button of the upload conversation (read by its step): 'save', 'units', 'role:head'…

    Buttons stay pressable on older messages (web chat, Telegram), so each carries a key drawn
    for the file (a pending upload's id may be used again once it is deleted) and the number of
    the message it came with: only the latest message's buttons act ("Lưu" under an older
    summary would store another file, or with other choices)."""

    file: str
    shown: int
    action: str


class _TitleTaken(Exception):
    """A guide of the same title appeared while the file waited (rolls the savepoint back)."""

    def __init__(self, pending: NeedsConfirmation) -> None:
        super().__init__("a guide with this title was added meanwhile")
        self.pending = pending


# ---------------------------------------------------------------- receiving the file


async def receive_file(ctx: Context) -> None:
    """A file sent in chat: admins get its summary and choices; others are told politely."""
    file = ctx.file
    assert file is not None
    if ctx.role != "admin" or ctx.official is None:
        ctx.reply(GT.ONLY_ADMINS_UPLOAD)
        return
    max_mb = ctx.deps.settings.max_upload_mb
    # the declared size decides first: a file above the limit is refused without being read
    if file.content is None or file.size > max_mb * 1024 * 1024:
        ctx.reply(GT.FILE_TOO_LARGE_TO_DOWNLOAD.format(file=file.file_name, limit=max_mb))
        return
    try:
        preview = await preview_guide(ctx.session, file_name=file.file_name, content=file.content,
                                      limits=ingest_limits(ctx.deps.settings))
    except IngestError as exc:
        ctx.reply(describe_problem(exc))
        return
    if preview.unchanged and preview.same_title is not None:
        ctx.reply(GT.UNCHANGED.format(title=preview.same_title.title,
                                      version=preview.same_title.version))
        return
    await _drop_waiting(ctx)  # a file sent before and never saved makes way for this one
    target = preview.same_title
    # what was read is kept with the file: "Lưu" stores it without reading the file again
    row = PendingUpload(file_name=file.file_name[:500], content=file.content,
                        parsed=encode_parsed(preview.parsed), official_id=ctx.official.id,
                        uploaded_by=ctx.official.name,
                        target_guide_id=target.id if target is not None else None,
                        created_at=ctx.now, expires_at=ctx.now + PENDING_TTL)
    ctx.session.add(row)
    await ctx.session.flush()
    ctx.start_flow(FLOW, {"upload": row.id, "key": secrets.token_hex(4), "file": row.file_name,
                          **await _preview_data(ctx, preview), "options": GuideOptions().to_json(),
                          "silent": False})


async def _preview_data(ctx: Context, preview: UploadPreview) -> dict[str, Any]:
    """What the summary shows of the file, kept in the conversation state (JSON)."""
    def iso(day: date | None) -> str | None:
        return day.isoformat() if day is not None else None

    target: dict[str, Any] | None = None
    if preview.same_title is not None:
        guide = await ctx.session.get_one(Guide, preview.same_title.id)
        target = {"id": guide.id, "version": preview.same_title.version,
                  "file": preview.same_title.file_name, "withdrawn": guide.status != "active",
                  "effective": iso(guide.effective_from), "until": iso(guide.effective_until),
                  "replaces": guide.replaces_id,
                  "audience": guide.audience if guide.announced_version is not None else None}
    return {"title": preview.title, "sections": preview.sections, "passages": preview.passages,
            "source": preview.source_ref, "target": target,
            # a PDF's scanned pages: named in the summary (the admin may send a better file)
            "no_text": list(preview.parsed.pages_without_text),
            "doc": {"effective": iso(preview.effective_from),
                    "until": iso(preview.effective_until), "replaces": preview.replaces_id}}


async def _drop_waiting(ctx: Context) -> None:
    state = ctx.flow_state
    if state is not None and state.flow == FLOW:
        await _forget(ctx, state)
        ctx.reply(T.PREVIOUS_DROPPED.format(file=state.data.get("file", "")))
        ctx.end_flow()


async def _forget(ctx: Context, state: FlowState) -> None:
    """Delete the waiting file (only the admin's own)."""
    official_id = ctx.official.id if ctx.official is not None else None
    await ctx.session.execute(delete(PendingUpload).where(
        PendingUpload.id == int(state.data["upload"]), PendingUpload.official_id == official_id))


# ---------------------------------------------------------------- reading the state


def _options(state: FlowState) -> GuideOptions:
    return GuideOptions.from_json(state.data["options"])


def _set_options(state: FlowState, options: GuideOptions) -> None:
    state.data["options"] = options.to_json()


def _day(value: object) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def _shown_days(state: FlowState) -> tuple[tuple[date | None, bool], tuple[date | None, bool]]:
    """(day, from the document?) for the first and the last day in force, as storing sets them:
    the admin's choice, else the document's words, else what the guide replaced had."""
    options, doc = _options(state), state.data["doc"]
    target = state.data.get("target") or {}

    def pick(chosen: date | None, key: str) -> tuple[date | None, bool]:
        if chosen is not None:
            return chosen, False
        if (read := _day(doc.get(key))) is not None:
            return read, True
        return _day(target.get(key)), False

    return pick(options.effective, "effective"), pick(options.until, "until")


def _announces(state: FlowState) -> bool:
    """Whether "Lưu" also announces the guide."""
    if state.data.get("silent"):
        return False
    if _options(state).has_audience:
        return True
    before = guidance_store.Audience.of((state.data.get("target") or {}).get("audience"))
    return before is not None and not before.empty


#: what _pressed returns for a button of an older message (or of another file)
OLD = "old"


def _pressed(ctx: Context, state: FlowState) -> str | None:
    """The action of the latest message's button pressed ('' for typed text, OLD for a button
    of an older message, None for another kind of button)."""
    if not isinstance(ctx.event, ButtonPressed):
        return ""
    choice = NewGuideChoice.unpack(ctx.payload)
    if choice is None:
        return OLD if ctx.payload.startswith(FLOW + ":") else None
    if (choice.file, choice.shown) != (state.data.get("key", ""), _shown(state)):
        return OLD
    return choice.action


def _shown(state: FlowState) -> int:
    return int(state.data.get("shown", 0))


def _new_message(state: FlowState) -> None:
    """A prompt with buttons is shown: the buttons of every earlier one stop acting."""
    state.data["shown"] = _shown(state) + 1


def _button(state: FlowState, label: str, action: str) -> Button:
    return Button(label, NewGuideChoice(state.data.get("key", ""), _shown(state), action).pack())


def _cancel_button(state: FlowState) -> Button:
    # /huy does the same (on_cancel): where buttons are few (Zalo) it is said instead
    return replace(_button(state, T.BUTTON_CANCEL, "cancel"), command=CANCEL_COMMAND)


def _old_message(ctx: Context) -> None:
    ctx.reply(T.OLD_MESSAGE)  # the step's prompt follows (STAY), with the buttons that act


async def _old_or_cancel(ctx: Context, state: FlowState,
                         action: str | None) -> tuple[bool, str | None]:
    """Every step's first check: an older message's button (the step asked again) or "Huỷ"
    (the file dropped) decides the next step: (True, step); (False, None) when the step's own
    handling goes on. (STAY is None: returned alone it read as "go on", and an older message's
    button got "Vui lòng bấm một nút bên dưới" after "Nút này thuộc một tin nhắn cũ".)"""
    if action == OLD:
        _old_message(ctx)
        return True, STAY
    if action == "cancel":
        return True, await _cancel(ctx, state)
    return False, None


async def _unit_names(ctx: Context) -> dict[int, Unit]:
    return {u.id: u for u in (await ctx.session.execute(select(Unit))).scalars()}


async def _audience_words(ctx: Context, audience: guidance_store.Audience) -> str:
    if audience.all_units:
        words = T.AUDIENCE_ALL
    else:
        units = await _unit_names(ctx)
        words = ", ".join(T.AUDIENCE_UNIT.format(name=units[u].name, code=units[u].code)
                          if u in units else str(u) for u in audience.units)
    if audience.roles:
        words += T.AUDIENCE_ROLES.format(roles=", ".join(PT.ROLE_LABELS.get(r, r)
                                                         for r in audience.roles))
    return words


# ---------------------------------------------------------------- the summary


async def review_prompt(ctx: Context, state: FlowState) -> None:
    """What the file holds and what "Lưu" will do, with a button per choice."""
    data = state.data
    lines = [T.SUMMARY_FILE.format(file=data["file"], title=data["title"],
                                   sections=data["sections"], passages=data["passages"])]
    if data.get("no_text"):
        lines.append(describe_pages_without_text([int(page) for page in data["no_text"]]))
    if data.get("source"):
        lines.append(T.SUMMARY_SOURCE.format(source=data["source"]))
    if (target := data.get("target")) is not None:
        lines.append(T.SUMMARY_NEW_VERSION.format(
            state=GT.STATE_WITHDRAWN if target["withdrawn"] else "",
            version=target["version"], old_file=target["file"]))
    (start, start_doc), (until, until_doc) = _shown_days(state)
    parts = []
    if start is not None:
        parts.append(T.VALIDITY_FROM.format(day=fmt_day(start))
                     + (T.FROM_DOCUMENT if start_doc else ""))
    if until is not None:
        parts.append(T.VALIDITY_UNTIL.format(day=fmt_day(until))
                     + (T.FROM_DOCUMENT if until_doc else ""))
    lines.append(T.SUMMARY_VALIDITY.format(validity=", ".join(parts) or T.VALIDITY_NONE))
    lines.append(T.SUMMARY_REPLACES.format(title=await _replaced_words(ctx, state)))
    lines.append(T.SUMMARY_AUDIENCE.format(audience=await _announce_words(ctx, state)))
    save = T.BUTTON_SAVE_AND_SEND if _announces(state) else T.BUTTON_SAVE
    lines.append(T.SUMMARY_ASK.format(save=save))
    _new_message(state)
    ctx.reply("\n".join(lines), [
        replace(_button(state, save, "save"), final=True), _button(state, T.BUTTON_UNITS, "units"),
        _button(state, T.BUTTON_DATES, "dates"), _button(state, T.BUTTON_REPLACES, "repl"),
        _cancel_button(state)])


async def _replaced_words(ctx: Context, state: FlowState) -> str:
    """The guide storing links as replaced, as add_guide decides it: the admin's choice (a
    guide, or none), else the one the previous version replaced, else the document's."""
    options = _options(state)
    guide = await guide_store.find_guide(ctx.session, options.replaces) if options.replaces \
        else None
    if guide is not None:
        return f"\u201c{guide.title}\u201d"
    if options.no_replaces:
        return T.REPLACES_NONE
    before = (state.data.get("target") or {}).get("replaces")
    if before is not None and (guide := await ctx.session.get(Guide, int(before))) is not None:
        return f"\u201c{guide.title}\u201d{T.AS_BEFORE}"
    read = state.data["doc"].get("replaces")
    guide = await ctx.session.get(Guide, int(read)) if read is not None else None
    return f"\u201c{guide.title}\u201d{T.FROM_DOCUMENT}" if guide is not None else T.REPLACES_NONE


async def _announce_words(ctx: Context, state: FlowState) -> str:
    if state.data.get("silent"):
        return T.AUDIENCE_NONE
    options = _options(state)
    if options.has_audience:
        try:
            audience = await options.audience(ctx.session)
        except GuideOptionError as exc:  # a unit removed since it was chosen
            return str(exc)
        return await _audience_words(ctx, audience) if audience is not None else T.AUDIENCE_NONE
    before = guidance_store.Audience.of((state.data.get("target") or {}).get("audience"))
    if before is None or before.empty:
        return T.AUDIENCE_NONE
    return T.AUDIENCE_AS_BEFORE.format(audience=await _audience_words(ctx, before))


async def review_handle(ctx: Context, state: FlowState) -> str | None:
    """The summary's buttons: store, or go set a choice."""
    action = _pressed(ctx, state)
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    if action == "save":
        return await _save(ctx, state)
    if action == "units":
        if not await _units(ctx):
            ctx.reply(T.UNITS_EMPTY)
            return STAY
        return "units"
    if action in ("dates", "repl"):
        return "effective" if action == "dates" else "replaces"
    if action == "" and reads_as_question(ctx.text):
        await answer(ctx, ctx.text.strip())  # the file keeps waiting: the summary follows
        return STAY
    if action == "" and typed_replacement(ctx.text) is not None:
        return await _replaces_typed(ctx, state)
    ctx.reply(T.CHOOSE_ABOVE)
    return STAY


async def _replaces_typed(ctx: Context, state: FlowState) -> str | None:
    """The guide a typed "thay thế …" names, set as the one replaced; one not found is said.
    The summary follows either way (after a caption, it is the first the admin sees of the
    file), its "Thay thế" button offering the likeliest guides."""
    await _set_replaced(ctx, state, None)
    return STAY


async def _set_replaced(ctx: Context, state: FlowState, pressed: str | None) -> bool:
    """Set the guide replaced, as pressed (`pressed`: its id) or typed (read alike at the
    summary and the "Thay thế" step: typed_guide); what is wrong (no such guide, this guide
    itself) is said instead, and False returned."""
    try:
        guide = await (replaced_guide(ctx.session, pressed) if pressed is not None
                       else typed_guide(ctx.session, ctx.text))
    except GuideOptionError as exc:
        ctx.reply(str(exc))
        return False
    if guide.id == (state.data.get("target") or {}).get("id"):
        ctx.reply(T.REPLACES_ITSELF)
        return False
    _set_options(state, replace(_options(state), replaces=str(guide.id), no_replaces=False))
    return True


async def _cancel(ctx: Context, state: FlowState) -> str:
    await on_cancel(ctx, state)
    return END


# ---------------------------------------------------------------- units and roles


async def _units(ctx: Context) -> list[Unit]:
    """Units in tree order: each top unit, then the units right below it, then the rest."""
    units = list((await ctx.session.execute(select(Unit).order_by(Unit.id))).scalars())
    ordered: list[Unit] = []
    for root in (u for u in units if u.parent_id is None):
        ordered += [root, *(u for u in units if u.parent_id == root.id)]
    return ordered + [u for u in units if u not in ordered]


async def units_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the units' names or codes (with the known ones as a hint)."""
    units = await _units(ctx)
    listed = ", ".join(T.AUDIENCE_UNIT.format(name=u.name, code=u.code)
                       for u in units[:UNITS_LISTED])
    more = T.UNITS_MORE.format(count=len(units) - UNITS_LISTED) if len(units) > UNITS_LISTED else ""
    example = ", ".join([units[0].code, *(u.name for u in units[1:2])]) if units else ""
    _new_message(state)
    # a typed number is a unit's code here ("12"), never an option's number: the choices are
    # not numbered on any channel (the console lists them by name, to be typed)
    ctx.reply(T.UNITS_ASK.format(example=example) + "\n" + T.UNITS_KNOWN.format(units=listed + more),
              [_button(state, T.BUTTON_ALL_UNITS, "all"),
               _button(state, T.BUTTON_NO_AUDIENCE, "none"), _cancel_button(state)],
              numbers_typed=True)


async def units_handle(ctx: Context, state: FlowState) -> str | None:
    """Units typed by name or code (bot/unit_names.py: diacritics, case and typos aside), every
    unit, or no announcement. A name several units fit is asked about ("unitpick"); a name no
    unit fits is refused with the closest ones, nothing kept."""
    action = _pressed(ctx, state)
    options = _options(state)
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    if action == "none":
        _set_options(state, replace(options, units=(), all_units=False, roles=()))
        state.data.pop("picking", None)
        state.data["silent"] = True
        return "review"
    if action == "all":
        _set_options(state, replace(options, units=(), all_units=True))
        state.data["silent"] = False
        return "roles"
    if action:
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    entries = split_entries([ctx.text])
    if not entries:  # ' , ; ': nobody named (it used to go on with nobody to tell)
        ctx.reply(T.UNITS_NONE_TYPED)
        return STAY
    read = read_units(await known_units(ctx.session), entries, await _abbreviations(ctx))
    if read.unknown:  # named with the closest units; nothing kept, asked again
        ctx.reply(unknown_units_text(read.unknown))
        return STAY
    # several units fit an entry alike: asked which, one entry at a time ("unitpick")
    state.data["picking"] = {"found": [u.code for u in read.found],
                             "asks": [_ask_json(e) for e in read.unclear]}
    return _units_chosen(state) if not read.unclear else "unitpick"


async def _abbreviations(ctx: Context) -> Abbreviations:
    """The admins' synonyms that abbreviate a unit's name ('PVHTT = Phòng Văn hóa và Thông
    tin'), as the search has them (the database's and TROLY_SYNONYMS_FILE's)."""
    return await unit_abbreviations(ctx.session, ctx.deps.knowledge.extra_synonyms)


def _ask_json(entry: EntryMatch) -> dict[str, Any]:
    return {"typed": entry.typed[:100], "alike": entry.alike,
            "units": [[u.id, u.code, u.name] for u in entry.choices]}


def _units_chosen(state: FlowState) -> str:
    """Every unit named: kept as codes (matched exactly from now on); then the roles."""
    picking = state.data.pop("picking", None) or {}
    _set_options(state, replace(_options(state), units=tuple(picking.get("found", ())),
                                all_units=False, exact_units=True))
    state.data["silent"] = False
    return "roles"


async def unit_pick_prompt(ctx: Context, state: FlowState) -> None:
    """Which of the units alike was meant: a button each (the typed name said again)."""
    ask = state.data["picking"]["asks"][0]
    units = [UnitName(int(i), str(c), str(n)) for i, c, n in ask["units"]]
    more = (T.UNIT_PICK_MORE.format(count=int(ask["alike"]) - len(units))
            if int(ask["alike"]) > len(units) else "")
    _new_message(state)
    ctx.reply(T.UNIT_PICK_ASK.format(typed=ask["typed"]) + more, [
        *(_button(state, _middle_clip(unit_words(u), LABEL_CHARS), f"u:{u.id}") for u in units),
        _cancel_button(state)], numbered=T.UNIT_PICK_TYPED.format(last=len(units)))


async def unit_pick_handle(ctx: Context, state: FlowState) -> str | None:
    """A unit pressed, or a name or code typed again for this entry; then the next entry, or
    the roles."""
    action = _pressed(ctx, state)
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    picking = state.data["picking"]
    ask = picking["asks"][0]
    units = await known_units(ctx.session)
    if action and action.startswith("u:"):
        chosen = [u for u in units if str(u.id) == action.removeprefix("u:")
                  and any(str(u.id) == str(i) for i, _, _ in ask["units"])]
    elif action or not ctx.text.strip():
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    else:
        entry = match_entry(units, " ".join(ctx.text.split()), await _abbreviations(ctx))
        if entry.choices:  # still several: these are offered instead
            picking["asks"][0] = _ask_json(entry)
            return STAY
        if not entry.units:
            ctx.reply(unknown_units_text([entry]))
            return STAY
        chosen = list(entry.units)
    if not chosen:  # a unit removed meanwhile
        ctx.reply(unknown_units_text([EntryMatch(ask["typed"])]))
        return STAY
    picking["found"] += [u.code for u in chosen if u.code not in picking["found"]]
    picking["asks"].pop(0)
    return _units_chosen(state) if not picking["asks"] else STAY


async def roles_prompt(ctx: Context, state: FlowState) -> None:
    """Roles to narrow the audience to: a toggle each, then "Xong"."""
    chosen = _options(state).roles
    words = ", ".join(PT.ROLE_LABELS.get(r, r) for r in chosen) or T.ROLES_ALL
    _new_message(state)
    buttons = [_button(state, T.ROLE_CHOSEN.format(label=label) if role in chosen else label,
                       f"role:{role}") for role, label in T.ROLE_BUTTONS.items()]
    ctx.reply(T.ROLES_ASK.format(chosen=words),
              [*buttons, _button(state, T.BUTTON_DONE, "done"), _cancel_button(state)])


async def roles_handle(ctx: Context, state: FlowState) -> str | None:
    """Toggle a role (asked again), or done: back to the summary."""
    action = _pressed(ctx, state) or ""
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    if action == "done":
        return "review"
    role = action.removeprefix("role:")
    if action.startswith("role:") and role in T.ROLE_BUTTONS:
        options = _options(state)
        roles = tuple(r for r in options.roles if r != role)
        if len(roles) == len(options.roles):
            roles = tuple(r for r in T.ROLE_BUTTONS if r in (*options.roles, role))
        _set_options(state, replace(options, roles=roles))
        return STAY
    ctx.reply(T.CHOOSE_ABOVE)
    return STAY


# ---------------------------------------------------------------- validity


def _date_prompt(ctx: Context, state: FlowState, key: str, text: str) -> None:
    read = _day(state.data["doc"].get(key))
    said = T.DOCUMENT_SAYS.format(day=fmt_day(read)) if read else T.DOCUMENT_SAYS_NOTHING
    keep = T.BUTTON_AS_DOCUMENT if read else T.BUTTON_NO_DATE
    _new_message(state)
    ctx.reply(text.format(document=said),
              [_button(state, keep, "keep"), _cancel_button(state)])


async def effective_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the first day in force."""
    _date_prompt(ctx, state, "effective", T.EFFECTIVE_ASK)


async def until_prompt(ctx: Context, state: FlowState) -> None:
    """Ask for the last day in force."""
    _date_prompt(ctx, state, "until", T.UNTIL_ASK)


def _with_day(options: GuideOptions, key: str, day: date | None) -> GuideOptions:
    return replace(options, effective=day) if key == "effective" else replace(options, until=day)


async def _date_handle(ctx: Context, state: FlowState, key: str, then: str) -> str | None:
    action = _pressed(ctx, state)
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    options = _options(state)
    if action != "keep" and (action or not ctx.text.strip()):
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    today = local_date(ctx.now)
    try:
        day = None if action == "keep" else read_day(ctx.text, today=today)
        if day is not None:
            check_likely(day, today=today)
        if day is not None and key == "until" and day < today:
            # stored so, the guide would answer nobody and be withdrawn as expired at once
            raise GuideOptionError(T.UNTIL_PAST.format(day=fmt_day(day), today=fmt_day(today)))
        _set_options(state, _with_day(options, key, day))
        if key == "until":  # the days storing sets: the document's or the replaced guide's too
            (start, _), (until, _) = _shown_days(state)
            check_range(start, until)
    except GuideOptionError as exc:
        _set_options(state, options)
        ctx.reply(str(exc))
        return STAY
    return then


async def effective_handle(ctx: Context, state: FlowState) -> str | None:
    """A typed day, or the document's; then the last day."""
    return await _date_handle(ctx, state, "effective", "until")


async def until_handle(ctx: Context, state: FlowState) -> str | None:
    """A typed day (not before the first), or the document's; then the summary."""
    return await _date_handle(ctx, state, "until", "review")


# ---------------------------------------------------------------- the guide replaced


#: a title sharing less than this (weighted) with the new one is not offered
MIN_LIKENESS = 0.1
#: what a word known to every title still counts (so that two titles alone can be compared)
WORD_FLOOR = 0.1


def _words(title: str) -> set[str]:
    """Words as written (diacritics kept: 'số' and 'sơ' are different words)."""
    text = unicodedata.normalize("NFC", title).casefold().replace("-", " ")
    return {w for w in text.split() if w.isalnum()}


def similar_titles(title: str, titles: Mapping[int, str],
                   limit: int = SIMILAR_BUTTONS) -> list[int]:
    """The ids of the titles most like `title`, best first: shared words over all words, each
    weighed by how few titles have it ('hướng dẫn', in most, weighs little); none below
    MIN_LIKENESS."""
    words = {key: _words(text) for key, text in titles.items()}
    seen = Counter(w for ws in words.values() for w in ws)
    total = len(titles)

    def weight(word: str) -> float:
        return math.log((1 + total) / (1 + seen[word])) + WORD_FLOOR

    mine = _words(title)

    def likeness(key: int) -> float:
        union = sum(weight(w) for w in mine | words[key])
        return sum(weight(w) for w in mine & words[key]) / union if union else 0.0

    scored = sorted(((likeness(k), titles[k], k) for k in titles), key=lambda t: (-t[0], t[1]))
    return [k for score, _, k in scored if score >= MIN_LIKENESS][:limit]


async def replaces_prompt(ctx: Context, state: FlowState) -> None:
    """The likeliest guides as buttons; a typed code works too."""
    target = (state.data.get("target") or {}).get("id")
    titles = {g.id: g.title
              for g in await guide_store.list_guides(ctx.session, include_withdrawn=False)
              if g.id != target}
    similar = [(key, titles[key]) for key in similar_titles(state.data["title"], titles)]
    _new_message(state)
    # the document names the guide it replaces: following it, or not, are both choices
    follow = ([_button(state, T.BUTTON_AS_DOCUMENT, "keep")]
              if state.data["doc"].get("replaces") else [])
    lines = [T.REPLACES_ASK if similar else T.REPLACES_NONE_SIMILAR]
    read = state.data["doc"].get("replaces")
    if read is not None and (named := await ctx.session.get(Guide, int(read))) is not None:
        lines.append(T.REPLACES_DOCUMENT_SAYS.format(title=named.title))
    lines += [T.REPLACES_OPTION.format(number=n, title=title)
              for n, (_, title) in enumerate(similar, start=1)]
    ctx.reply("\n".join(lines), [
        *(_button(state, T.REPLACES_BUTTON.format(number=n, title=_middle_clip(
            title, LABEL_CHARS - 4)), f"g:{key}") for n, (key, title) in enumerate(similar, 1)),
        *follow, _button(state, T.BUTTON_NO_REPLACE, "none"), _cancel_button(state)])


def _middle_clip(title: str, limit: int) -> str:
    """A title cut in its middle: successive versions' titles differ at their end (the year)."""
    words = title.split()
    if len(" ".join(words)) <= limit:
        return " ".join(words)
    tail: list[str] = []
    while len(words) > 1 and len(" ".join([words[-1], *tail])) <= limit // 3:
        tail.insert(0, words.pop())
    end = " ".join(tail)
    head = " ".join(words)[: max(1, limit - len(end) - 2)].rstrip()
    return f"{head}{ELLIPSIS} {end}" if end else head + ELLIPSIS


async def replaces_handle(ctx: Context, state: FlowState) -> str | None:
    """A guide pressed or typed (never this one), or none; then the summary."""
    action = _pressed(ctx, state)
    if (decided := await _old_or_cancel(ctx, state, action))[0]:
        return decided[1]
    options = _options(state)
    if action in ("keep", "none"):  # the document's (or the previous version's), or none
        _set_options(state, replace(options, replaces=None, no_replaces=action == "none"))
        return "review"
    if action is None or (action and not action.startswith("g:")):
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    pressed = action.removeprefix("g:") if action else None
    if not (ctx.text.strip() if pressed is None else pressed):
        ctx.reply(T.CHOOSE_ABOVE)
        return STAY
    return "review" if await _set_replaced(ctx, state, pressed) else STAY


# ---------------------------------------------------------------- storing


async def _save(ctx: Context, state: FlowState) -> str | None:
    """Store the file with the choices (and announce it), all in this event's transaction."""
    row = await ctx.session.get(PendingUpload, int(state.data["upload"]))
    if row is None or ctx.official is None or row.official_id != ctx.official.id \
            or row.expires_at <= ctx.now:
        ctx.reply(T.GONE)
        return END
    if await _target_changed(ctx, state, row):  # another admin stored a version meanwhile
        await _refresh(ctx, state, row)
        ctx.reply(T.NEW_VERSION_MEANWHILE)
        return STAY
    options = _options(state)
    try:
        async with ctx.session.begin_nested():  # a refused choice leaves nothing behind
            result = await import_guide(
                ctx.session, file_name=row.file_name, content=row.content,
                uploaded_by=row.uploaded_by, now=ctx.now, limits=ingest_limits(ctx.deps.settings),
                replace=str(row.target_guide_id) if row.target_guide_id is not None else None,
                validity=await options.validity(ctx.session), parsed=decode_parsed(row.parsed))
            if isinstance(result, NeedsConfirmation):
                raise _TitleTaken(result)
            # as the summary said: the audience chosen, else the one the guide was announced to
            announced = (await announce_new(ctx.session, result.guide.id, ctx.now)
                         if not result.unchanged and _announces(state) else None)
    except GuideOptionError as exc:  # a unit or guide chosen was removed meanwhile
        ctx.reply(str(exc))
        return STAY
    except _TitleTaken as taken:
        row.target_guide_id = taken.pending.existing.id
        await _refresh(ctx, state, row)
        ctx.reply(T.TITLE_TAKEN_MEANWHILE)
        return STAY
    except (IngestError, GuideToReplaceNotFound):
        await ctx.session.delete(row)
        ctx.reply(T.GONE)
        return END
    await ctx.session.delete(row)
    ctx.reply(describe_result(result))
    if not result.unchanged:
        ctx.after_commit.append(ctx.deps.reload_knowledge)
    if announced is not None:
        guide = await ctx.session.get_one(Guide, result.guide.id)
        audience = guidance_store.Audience.of(guide.audience) or guidance_store.Audience()
        ctx.reply(T.SENT.format(count=announced[1], units=await _audience_words(ctx, audience)))
    return END


async def _target_changed(ctx: Context, state: FlowState, row: PendingUpload) -> bool:
    """Whether the guide this file becomes a new version of has another version than the summary
    said (storing would replace a version the admin never saw)."""
    shown = state.data.get("target")
    if shown is None or row.target_guide_id is None:
        return False
    guide = await ctx.session.get(Guide, row.target_guide_id)
    if guide is None:
        return True
    return bool((await guide_store.guide_info(ctx.session, guide)).version != shown["version"])


async def _refresh(ctx: Context, state: FlowState, row: PendingUpload) -> None:
    """Compare the waiting file with the guides as they are now (the summary follows); it is
    read again only when what was read of it is not kept."""
    preview = await preview_guide(ctx.session, file_name=row.file_name, content=row.content,
                                  limits=ingest_limits(ctx.deps.settings),
                                  parsed=decode_parsed(row.parsed))
    row.parsed = encode_parsed(preview.parsed)
    state.data.update(await _preview_data(ctx, preview))


# ---------------------------------------------------------------- leaving


async def on_cancel(ctx: Context, state: FlowState) -> None:
    """'Huỷ' or /huy: the file is dropped, nothing stored."""
    await _forget(ctx, state)
    ctx.reply(T.CANCELLED.format(file=state.data.get("file", "")))


async def on_expire(ctx: Context, state: FlowState) -> None:
    """Idle too long: the file is dropped, nothing stored."""
    await _forget(ctx, state)
    ctx.reply(T.EXPIRED.format(file=state.data.get("file", "")))


def register(router: Router) -> None:
    """Register the upload conversation and take the files (call after handlers.guides)."""
    router.flow(Flow(name=FLOW, first="review", on_cancel=on_cancel, on_expire=on_expire, steps={
        "review": Step(review_prompt, review_handle),
        # "Quay lại": to the step before, what was chosen kept (bot/conversation.py)
        "units": Step(units_prompt, units_handle, back="review"),
        "unitpick": Step(unit_pick_prompt, unit_pick_handle, back="units"),
        "roles": Step(roles_prompt, roles_handle, back="units"),
        "effective": Step(effective_prompt, effective_handle, back="review"),
        "until": Step(until_prompt, until_handle, back="effective"),
        "replaces": Step(replaces_prompt, replaces_handle, back="review"),
    }), stale=T.STALE_BUTTON)
    router.file_handler = receive_file
