"""Neutral OutgoingMessage → Telegram: HTML escaping, splitting under 4096, inline keyboards."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import MAX_PAYLOAD_BYTES, Button, button_rows, split_text

#: Telegram's limit is 4096 UTF-16 units of *visible* text; we split at 3500 characters with a
#: safety margin (emoji count twice) and re-split any part that would still be over.
TEXT_LIMIT = 4096
SPLIT_AT = 3500
#: buttons go one per row (long Vietnamese labels) unless the message's layout hint groups them
MAX_BUTTONS = 100
#: what a collapsed keyboard shows: the choice made (pressing it again: "already chosen")
CHOSEN_MARK = "✓ "
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


def keyboard(buttons: tuple[Button, ...],
             layout: tuple[int, ...] = ()) -> InlineKeyboardMarkup | None:
    """An inline keyboard whose callback_data is each Button.payload (ASCII, ≤ 64 bytes), in
    rows following the message's layout hint."""
    if not buttons:
        return None
    shown = buttons[:MAX_BUTTONS]
    for button in shown:  # the core swaps long payloads for tokens; anything else is a bug
        if len(button.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"callback_data over {MAX_PAYLOAD_BYTES} bytes: {button.payload!r}")
    rows = [[InlineKeyboardButton(text=b.label, callback_data=b.payload) for b in row]
            for row in button_rows(shown, layout)]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def collapsed(markup: InlineKeyboardMarkup | None, pressed: str) -> InlineKeyboardMarkup:
    """The keyboard after a choice: one button naming the choice (pressing it is stale)."""
    label = next((b.text for row in (markup.inline_keyboard if markup else []) for b in row
                  if b.callback_data == pressed), None)
    if label is None:
        return InlineKeyboardMarkup(inline_keyboard=[])
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=CHOSEN_MARK + label, callback_data=pressed)]])


def is_collapsed(markup: InlineKeyboardMarkup) -> bool:
    """Whether a keyboard already shows only the choice made."""
    buttons = [b for row in markup.inline_keyboard for b in row]
    return len(buttons) <= 1 and all(b.text.startswith(CHOSEN_MARK) for b in buttons)


def is_photo(mime_type: str, size: int) -> bool:
    """Send as a photo (shown inline) rather than a document."""
    return mime_type.lower() in PHOTO_TYPES and size <= MAX_PHOTO_BYTES
