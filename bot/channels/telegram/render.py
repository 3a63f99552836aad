"""Neutral OutgoingMessage → Telegram: HTML escaping, splitting under 4096, inline keyboards."""

from __future__ import annotations

import html
from typing import Any

from aiogram.types import InlineKeyboardMarkup

from bot.messages import MAX_PAYLOAD_BYTES, Button, button_rows, split_text

#: Telegram's limit is 4096 UTF-16 units of *visible* text; we split at 3500 characters with a
#: safety margin (emoji count twice) and re-split any part that would still be over.
TEXT_LIMIT = 4096
SPLIT_AT = 3500
#: buttons go one per row (long Vietnamese labels) unless the message's layout hint groups them
MAX_BUTTONS = 100
#: what a collapsed keyboard shows: the choice made (pressing it again: "already chosen")
CHOSEN_MARK = "✓ "
#: starts the callback_data of a reusable (navigation) button: its press is never refused and
#: spends nothing, and a collapse keeps it (bot/keyboards.py)
REUSABLE_MARK = "^"
#: photos above this go as documents (Bot API photo upload limit 10 MB)
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def split_for_telegram(text: str) -> list[str]:
    """Plain-text parts, each ≤ 4096 UTF-16 units, cut on paragraph boundaries where possible."""
    parts: list[str] = []
    if not text.strip():
        return parts
    for part in split_text(text, SPLIT_AT):
        limit = SPLIT_AT
        pending = [part]
        while pending:
            piece = pending.pop(0)
            if utf16_len(piece) <= TEXT_LIMIT or limit <= 64:
                parts.append(piece)
                continue
            limit //= 2  # astral characters (emoji) count twice; cut smaller
            pending = split_text(piece, limit) + pending
    return [p for p in parts if p.strip()]


def to_html(text: str) -> str:
    """Escape plain text for parse_mode=HTML (only <, > and & matter to Telegram)."""
    return html.escape(text, quote=False)


def reply_markup(buttons: tuple[Button, ...],
                 layout: tuple[int, ...] = ()) -> dict[str, Any] | None:
    """The inline keyboard as the Bot API's JSON object, callback_data being each Button.payload
    (ASCII, ≤ 64 bytes), in rows following the message's layout hint.

    Plain dicts, not aiogram's models: built per answer, and the request carries them as they
    are (pydantic models cost ~0.1 ms to build and as much again to dump).
    """
    if not buttons:
        return None
    rows: list[list[dict[str, str]]] = []
    for row in button_rows(buttons[:MAX_BUTTONS], layout):
        cells = []
        for button in row:
            data = callback_data(button)
            # the core swaps long payloads for tokens; anything else is a bug
            if len(data.encode("utf-8")) > MAX_PAYLOAD_BYTES:
                raise ValueError(f"callback_data over {MAX_PAYLOAD_BYTES} bytes: {data!r}")
            cells.append({"text": button.label, "callback_data": data})
        rows.append(cells)
    return {"inline_keyboard": rows}


def keyboard(buttons: tuple[Button, ...],
             layout: tuple[int, ...] = ()) -> InlineKeyboardMarkup | None:
    """reply_markup() as aiogram's model."""
    markup = reply_markup(buttons, layout)
    return None if markup is None else InlineKeyboardMarkup.model_validate(markup)


def callback_data(button: Button) -> str:
    """A button's callback_data: its payload, marked when the button is reusable navigation."""
    return REUSABLE_MARK + button.payload if button.reusable else button.payload


def is_reusable(data: str | None) -> bool:
    """Whether a callback_data is a reusable (navigation) button's."""
    return bool(data) and str(data).startswith(REUSABLE_MARK)


def collapsed(markup: dict[str, Any] | None, pressed: str) -> dict[str, Any]:
    """The keyboard (the Bot API's JSON object) after a choice: one button naming the choice
    (pressing it is stale) where the choice buttons were; reusable navigation buttons stay as
    they are."""
    rows: list[list[dict[str, Any]]] = markup.get("inline_keyboard", []) if markup else []
    label = next((b.get("text") for row in rows for b in row
                  if b.get("callback_data") == pressed), None)
    result: list[list[dict[str, Any]]] = []
    placed = False
    for row in rows:
        kept = [b for b in row if is_reusable(b.get("callback_data"))]
        if len(kept) < len(row) and not placed and label is not None:
            result.append([{"text": CHOSEN_MARK + label, "callback_data": pressed}])
            placed = True
        if kept:
            result.append(kept)
    return {"inline_keyboard": result}


def is_collapsed(markup: dict[str, Any]) -> bool:
    """Whether a keyboard already shows only the choice made (and any reusable buttons)."""
    buttons = [b for row in markup.get("inline_keyboard", []) for b in row
               if not is_reusable(b.get("callback_data"))]
    return len(buttons) <= 1 and all(str(b.get("text", "")).startswith(CHOSEN_MARK)
                                     for b in buttons)


def is_photo(mime_type: str, size: int) -> bool:
    """Send as a photo (shown inline) rather than a document."""
    return mime_type.lower() in PHOTO_TYPES and size <= MAX_PHOTO_BYTES
