"""Neutral outgoing messages and the numbered-text fallback for channels without buttons."""

from __future__ import annotations

import base64
import unicodedata
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from bot.texts import common as T
from knowledge.normalize import fold_words

#: a text part as a channel sends it (Telegram: a str, Zalo: a message body)
Part = TypeVar("Part")
#: Telegram callback_data limit: what a payload may be on the wire (bot/button_payloads.py).
MAX_PAYLOAD_BYTES = 64
#: what a user types to stop the conversation in progress (the dispatcher's cancel command):
#: the typed equivalent of a conversation's "Huỷ" button (Button.command)
CANCEL_COMMAND = "/huy"
#: what a user types for a step's "Quay lại" (bot/conversation.py: the previous step, state kept)
BACK_COMMAND = "/quaylai"


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered to the user; payload is 'prefix:arg' of any length.

    A payload over 64 bytes (or not ASCII) goes out as a short token and comes back resolved
    (bot/button_payloads.py), so handlers may put a guide id of any length in it. A `reusable`
    button is navigation (a guide's sections, "Xem tiếp", see-also): it may be pressed any number
    of times, and pressing it does not spend the message's other buttons (bot/keyboards.py).
    `command` is a typed command that does the same ("/huy" for a conversation's "Huỷ"): a
    channel with fewer buttons per message than the message has may say "gõ /huy" instead of
    showing that button, so the others fit in one message (Zalo).
    A `final` button closes the choice for good (sends, stores, deletes, or declines to): where
    choices are listed by number (Zalo over five, the console) it is never numbered in sequence
    with the items of the list, where a number typed one too high would press it; it stays a
    button (Zalo) or is typed by its name (the console; and Zalo too). A `confirm_typed` button
    is an item of a list that acts for good when pressed (a section the unanswered questions
    are linked to, telling those who asked): chosen by a typed number, it is named back and
    done only when the number (or "có") is typed again; a press of the button acts at once.
    """

    label: str
    payload: str
    reusable: bool = field(default=False, compare=False)
    command: str | None = field(default=None, compare=False)
    final: bool = field(default=False, compare=False)
    confirm_typed: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if not self.payload:
            raise ValueError("button payload must not be empty")


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (digest spreadsheet, chart image)."""

    file_name: str
    content: bytes
    mime_type: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to one chat: plain text (channels escape it), buttons, attachments.

    `layout` is a hint for channels that lay buttons out in rows: the widths of the first rows
    (e.g. (3, 2): three buttons, then two); buttons past it go one per row. `keyboard` names the
    buttons as one single-use choice (set by the dispatcher, bot/keyboards.py); a channel that
    can carry it back with a press lets the core refuse a second choice from the same keyboard.
    Reusable buttons (Button.reusable) are not part of that choice; a message with only reusable
    buttons gets no keyboard id.
    """

    text: str
    buttons: tuple[Button, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    layout: tuple[int, ...] = field(default=(), compare=False)
    keyboard: str | None = field(default=None, compare=False)
    #: deliver without a sound where the channel can (a digest in the evening); set at send time
    silent: bool = field(default=False, compare=False)
    #: a choice that may be typed: where the channel shows fewer buttons per message than this
    #: message has choices (Zalo: five), they are listed by number in the text, with this line
    #: after them ("Gõ số thứ tự…"), and a typed number presses one (numbered_options); '' keeps
    #: them buttons (several messages on such a channel)
    numbered: str = field(default="", compare=False)
    #: a typed number is this step's own answer (a percentage), never an option's number: its
    #: choices are not numbered on any channel (render_as_text lists them by name) and leave no
    #: menu for a typed number to pick from (bot/dispatcher.py _menu_of)
    numbers_typed: bool = field(default=False, compare=False)
    #: the first parts of this message a platform already accepted (an earlier try failed at a
    #: later part: DeliveryError.parts_sent): a channel sending it as several platform messages
    #: (text parts, then attachments) skips them, so a retry repeats nothing delivered
    parts_sent: int = field(default=0, compare=False)


def button_rows(buttons: Sequence[Button], layout: Sequence[int]) -> list[list[Button]]:
    """Buttons grouped in rows following a layout hint (past it: one per row)."""
    rows: list[list[Button]] = []
    start = 0
    for width in layout:
        if start >= len(buttons):
            break
        width = max(1, width)
        rows.append(list(buttons[start:start + width]))
        start += width
    rows += [[b] for b in buttons[start:]]
    return rows


def render_as_text(message: OutgoingMessage) -> str:
    """Append numbered options for channels that cannot show buttons (listed by name, to be
    typed, where a typed number is the step's answer: OutgoingMessage.numbers_typed; a final
    choice, Button.final, is listed by name after the numbered ones and typed by its name)."""
    if not message.buttons:
        return message.text
    if message.numbers_typed:
        options = "\n".join(f"\u2013 {b.label}" for b in message.buttons)
        return f"{message.text}\n\n{options}"
    listed = [b for b in message.buttons if not b.final]
    finals = [b for b in message.buttons if b.final]
    lines = [f"{i}. {b.label}" for i, b in enumerate(listed, start=1)]
    if finals:
        lines += [""] if lines else []
        lines += [*(f"\u2013 {b.label}" for b in finals), "",
                  T.FINAL_TYPED_BY_NAME.format(labels=_quoted(finals))]
    options = "\n".join(lines)
    return f"{message.text}\n\n{options}"


def _quoted(buttons: Sequence[Button]) -> str:
    return T.OR.join(f"\u201c{b.label}\u201d" for b in buttons)


def typed_name(text: str) -> str:
    """A label or a typed text as compared for a choice typed by its name: case, diacritics,
    spacing and a tick aside ("gui bao cao" is "Gửi báo cáo")."""
    return fold_words(text, apart="\u2713")


@dataclass(frozen=True, slots=True)
class Menu:
    """What a typed answer picks from after a message of choices listed in its text: the
    payloads by number (`numbered`, from 1), the choices typed by their name (`named`: label,
    payload; the final ones, and all where a typed number is the step's answer), and whether a
    number outside the list is refused politely (`strict`: the message asked for a number)
    rather than passed on to the step as text (a code, a percentage); `asks`: the numbered
    items (index from 0, label) whose typed number is asked back once (Button.confirm_typed);
    `pending`: the index of the one asked about, waiting for its confirmation; `words`: the
    numbered items that are a way out ("Huỷ") or back ("Quay lại"), as (the word's kind, payload):
    their name typed picks them too, with or without diacritics ("huy", "quay lai": typed_word),
    so that a word typed at such a list does what the list shows (the import's "2. Huỷ" was
    answered "nothing to cancel"; "huy" alone, also a given name, is a way out only there)."""

    numbered: tuple[str, ...] = ()
    named: tuple[tuple[str, str], ...] = ()
    strict: bool = False
    asks: tuple[tuple[int, str], ...] = ()
    pending: int | None = None
    words: tuple[tuple[str, str], ...] = ()

    def asked_label(self, index: int) -> str | None:
        """The label of a numbered item whose typed number is asked back, if it is one."""
        return next((label for i, label in self.asks if i == index), None)

    def named_payload(self, text: str) -> str | None:
        """The payload of the choice whose name was typed, if one was."""
        typed = typed_name(text)
        return next((payload for label, payload in self.named if typed_name(label) == typed),
                    None) if typed else None

    def word_payload(self, text: str) -> str | None:
        """The payload of the way out or back listed here whose word was typed, if one was."""
        kind = typed_word(text)
        return next((payload for listed, payload in self.words if listed == kind),
                    None) if kind else None

    def to_json(self) -> dict[str, Any]:
        """The stored form (conversation_state.menu)."""
        stored: dict[str, Any] = {"numbered": list(self.numbered),
                                  "named": [list(n) for n in self.named], "strict": self.strict}
        if self.asks:
            stored["asks"] = [list(a) for a in self.asks]
        if self.words:
            stored["words"] = [list(w) for w in self.words]
        if self.pending is not None:
            stored["pending"] = self.pending
        return stored

    @classmethod
    def of(cls, stored: object) -> Menu | None:
        """The menu stored by to_json; a plain list is a menu stored before names were (its
        payloads by number)."""
        if isinstance(stored, list):
            return cls(tuple(str(p) for p in stored)) if stored else None
        if not isinstance(stored, dict):
            return None
        numbered = stored.get("numbered") or []
        named = stored.get("named") or []
        asks = stored.get("asks") or []
        pending = stored.get("pending")
        words = stored.get("words") or []
        menu = cls(tuple(str(p) for p in numbered),
                   tuple((str(n[0]), str(n[1])) for n in named if isinstance(n, list)
                         and len(n) == 2),
                   stored.get("strict") is True,
                   tuple((int(a[0]), str(a[1])) for a in asks if isinstance(a, list)
                         and len(a) == 2),
                   pending if isinstance(pending, int) and 0 <= pending < len(numbered)
                   else None,
                   tuple((str(w[0]), str(w[1])) for w in words if isinstance(w, list)
                         and len(w) == 2))
        return menu if menu.numbered or menu.named else None


def menu_of_buttons(message: OutgoingMessage) -> Menu:
    """The menu of a message shown with its choices as text (render_as_text): numbered but the
    final ones, which are typed by name; all by name where a typed number is the answer."""
    if message.numbers_typed:
        return Menu(named=tuple((b.label, b.payload) for b in message.buttons))
    finals = [b for b in message.buttons if b.final]
    listed = [b for b in message.buttons if not b.final]
    menu = _menu(listed, finals, strict=bool(message.numbered or finals))
    words = tuple((kind, b.payload) for b in listed if (kind := _word_of(b)) is not None)
    return replace(menu, words=words) if words else menu


#: what typed_word reads as the way out (/huy) or back (/quaylai), folded as typed_name folds:
#: the cancel and back words, and "huy" (a given name too: a way out only where a list shows it)
_WAY_WORDS = {**{typed_name(w): CANCEL_COMMAND for w in (*T.CANCEL_WORDS, "huy")},
              **{typed_name(w): BACK_COMMAND for w in T.BACK_WORDS}}


def typed_word(text: str) -> str | None:
    """CANCEL_COMMAND or BACK_COMMAND when `text` is a way out ("huỷ", "huy", "huy bo") or back
    ("quay lại", "quay lai") typed alone (a final "." or "!" ignored); else None."""
    return _WAY_WORDS.get(typed_name(text.strip().rstrip(".!")))


def _word_of(button: Button) -> str | None:
    """The way (CANCEL_COMMAND, BACK_COMMAND) a listed button is: its typed command, or its
    label a cancel or back word ("Huỷ" under an import's preview has no command)."""
    if button.command in (CANCEL_COMMAND, BACK_COMMAND):
        return button.command
    return typed_word(button.label)


def _menu(listed: Sequence[Button], finals: Sequence[Button], *, strict: bool) -> Menu:
    """The one builder of a menu of choices listed by number (`listed`, from 1; those asked back
    once: Button.confirm_typed) with the final ones typed by name."""
    return Menu(tuple(b.payload for b in listed), tuple((b.label, b.payload) for b in finals),
                strict=strict,
                asks=tuple((i, b.label) for i, b in enumerate(listed) if b.confirm_typed))


def numbered_options(message: OutgoingMessage,
                     limit: int | None) -> tuple[OutgoingMessage, Menu] | None:
    """The message with its choices numbered in the text, and the menu a typed answer picks
    from, when it may be typed (OutgoingMessage.numbered) and has more choices than `limit`
    buttons; else None. Buttons with a typed command ("Quay lại", "Huỷ") stay buttons: they are
    not choices, and they are few. Final choices (Button.final: "Gửi báo cáo") stay buttons
    too, after the numbered items and without a number, so that a number typed one too high
    is refused instead of sending; their names may be typed as well."""
    if not message.numbered or limit is None:
        return None
    choices = [b for b in message.buttons if not b.command]
    if len(choices) <= limit:
        return None
    options = [b for b in choices if not b.final]
    kept = tuple(b for b in message.buttons if b.command or b.final)
    lines = [f"{i}. {b.label}" for i, b in enumerate(options, start=1)]
    text = "\n".join([message.text, "", *lines, "", message.numbered]) if message.text \
        else "\n".join([*lines, "", message.numbered])
    return (OutgoingMessage(text, kept, message.attachments, keyboard=message.keyboard,
                            silent=message.silent),
            _menu(options, [b for b in kept if b.final], strict=True))


#: what ends a sentence inside a paragraph: the cut goes right after the mark
SENTENCE_ENDS = (". ", "? ", "! ", "… ", "; ")

#: abbreviations a ". " follows without ending the sentence ("TP. Hồ Chí Minh", "ThS. Lan")
ABBREVIATION_VOCABULARY = frozenset({"tp", "q", "p", "tx", "tt", "ths", "ts", "pgs", "gs", "bs", "ks",
                                     "đ/c", "ô", "b", "st", "sđd", "v.v", "vv"})


def _sentence_cut(window: str) -> int:
    """Index just after the last sentence end in window (0 when none); a ". " after an
    abbreviation such as "TP." does not count."""
    best = max(window.rfind(end) for end in SENTENCE_ENDS if end != ". ")
    at = len(window)
    while (at := window.rfind(". ", 0, at)) > best:
        word = window[:at].rsplit(None, 1)[-1] if window[:at].strip() else ""
        if word.casefold() not in ABBREVIATION_VOCABULARY:
            best = at
            break
    return best + 1


def split_text(text: str, limit: int) -> list[str]:
    """Split text under a length limit, preferring paragraph, then line, then sentence, then
    word boundaries (a long paragraph of a guide is not cut in the middle of a sentence)."""
    limit = max(limit, 1)
    floor = max(limit // 3, 1)
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n\n"), 0)
        if cut < floor:
            cut = window.rfind("\n")
        if cut < floor:
            cut = _sentence_cut(window)
        if cut < floor:
            cut = window.rfind(" ")
        if cut < floor:
            cut = limit
            # a letter and its combining accent (decomposed Vietnamese text) stay together;
            # a run of marks longer than that (zalgo text) is cut at the limit as before
            while cut > floor and unicodedata.combining(rest[cut]):
                cut -= 1
            if unicodedata.combining(rest[cut]):
                cut = limit
        part = rest[:cut].rstrip()
        if part:
            parts.append(part)
        rest = rest[cut:].lstrip()
    if rest or not parts:
        parts.append(rest)
    return parts


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (how Telegram, and to be safe Zalo, count a text: an emoji
    outside the BMP counts twice, a Vietnamese letter once)."""
    return len(text.encode("utf-16-le")) // 2


def split_utf16(text: str, limit: int) -> list[str]:
    """split_text's parts, each also at most `limit` UTF-16 units: when emoji push a part over,
    the whole text is split again a little shorter (the cuts stay on natural boundaries)."""
    size = limit
    while True:
        parts = split_text(text, size)
        excess = max(utf16_len(part) for part in parts) - limit
        if excess <= 0 or size <= 64:
            return parts
        size = max(64, size - excess)


def to_payload(message: OutgoingMessage) -> dict[str, object]:
    """Serialise a message for the outbox table (JSON)."""
    payload: dict[str, object] = {
        "text": message.text,
        "buttons": [[b.label, b.payload] for b in message.buttons],
        "attachments": [
            {"file_name": a.file_name, "mime_type": a.mime_type, "b64": _b64(a.content)}
            for a in message.attachments
        ],
    }
    reusable = [i for i, b in enumerate(message.buttons) if b.reusable]
    if reusable:  # the indexes of navigation buttons (pairs stay [label, payload])
        payload["reusable"] = reusable
    commands = {str(i): b.command for i, b in enumerate(message.buttons) if b.command}
    if commands:  # typed equivalents, by index
        payload["commands"] = commands
    finals = [i for i, b in enumerate(message.buttons) if b.final]
    if finals:  # the indexes of final choices (never numbered with a list's items)
        payload["finals"] = finals
    if message.layout:
        payload["layout"] = list(message.layout)
    if message.keyboard:
        payload["keyboard"] = message.keyboard
    if message.numbers_typed:
        payload["numbers_typed"] = True
    if message.parts_sent:
        payload[PARTS_SENT] = message.parts_sent
    return payload


#: the payload key of OutgoingMessage.parts_sent (the outbox records a failed try's progress)
PARTS_SENT = "parts_sent"


def with_parts_sent(payload: dict[str, Any], parts_sent: int) -> dict[str, Any]:
    """A stored payload recording that its first `parts_sent` parts were delivered (never
    fewer than it recorded before)."""
    done = max(parts_sent, int(payload.get(PARTS_SENT) or 0))
    return {**payload, PARTS_SENT: done} if done else dict(payload)


def parts_to_send(texts: Sequence[Part], message: OutgoingMessage,
                  ) -> Iterator[tuple[int, Part | Attachment]]:
    """The parts of a message a channel sends as several platform messages (its text parts,
    then its attachments) but the first ones an earlier try delivered (OutgoingMessage.
    parts_sent), each with how many parts are delivered once it is: what a DeliveryError raised
    after it carries (its parts_sent), so that a retry repeats nothing delivered."""
    parts: list[Part | Attachment] = [*texts, *message.attachments]
    for index in range(message.parts_sent, len(parts)):
        yield index + 1, parts[index]


#: what is told, while one message is sent, each time one of its platform messages was accepted
#: and more follow (reporting_parts; the number of parts delivered so far)
PartHook = Callable[[int], Awaitable[None]]
_PART_HOOK: ContextVar[PartHook | None] = ContextVar("troly_part_hook", default=None)


@contextmanager
def reporting_parts(hook: PartHook | None) -> Iterator[None]:
    """Around a channel's send of one message: `hook` is awaited after each of its platform
    messages but the last (part_delivered), so that the sender records how far it got and a
    crash before the next part resends nothing delivered (bot/replies.py)."""
    token = _PART_HOOK.set(hook)
    try:
        yield
    finally:
        _PART_HOOK.reset(token)


async def part_delivered(count: int, total: int) -> None:
    """Called by a channel sending one message as several platform messages once the first
    `count` of its `total` parts are delivered (parts_to_send's count): the sender's hook, if
    any, records it while more parts follow."""
    hook = _PART_HOOK.get()
    if hook is not None and count < total:
        await hook(count)


def without_parts_sent(payload: dict[str, Any]) -> dict[str, Any]:
    """A stored payload to send whole (on another channel: nothing of it was delivered there)."""
    return {k: v for k, v in payload.items() if k != PARTS_SENT}


def from_payload(payload: dict[str, object]) -> OutgoingMessage:
    """Rebuild a message stored by to_payload."""
    buttons = payload.get("buttons") or []
    attachments = payload.get("attachments") or []
    assert isinstance(buttons, list) and isinstance(attachments, list)
    layout = payload.get("layout") or []
    keyboard = payload.get("keyboard")
    marked = payload.get("reusable") or []
    reusable = {int(i) for i in marked} if isinstance(marked, list) else set()
    typed = payload.get("commands") or {}
    commands = {int(i): str(c) for i, c in typed.items()} if isinstance(typed, dict) else {}
    marked_final = payload.get("finals") or []
    finals = {int(i) for i in marked_final} if isinstance(marked_final, list) else set()
    return OutgoingMessage(
        text=str(payload.get("text", "")),
        buttons=tuple(Button(str(b[0]), str(b[1]), reusable=i in reusable,
                             command=commands.get(i), final=i in finals)
                      for i, b in enumerate(buttons)),
        attachments=tuple(
            Attachment(str(a["file_name"]), base64.b64decode(a["b64"]), str(a["mime_type"]))
            for a in attachments
        ),
        layout=tuple(int(w) for w in layout) if isinstance(layout, list) else (),
        keyboard=str(keyboard) if keyboard else None,
        numbers_typed=payload.get("numbers_typed") is True,
        parts_sent=int(str(payload.get(PARTS_SENT) or 0)),
    )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
