"""Neutral OutgoingMessage → Telegram: HTML escaping, splitting under 4096, inline keyboards."""

from __future__ import annotations

import html

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import MAX_PAYLOAD_BYTES, Button, split_text

#: Telegram's limit is 4096 UTF-16 units of *visible* text; we split at 3500 characters with a
#: safety margin (emoji count twice) and re-split any part that would still be over.
TEXT_LIMIT = 4096
SPLIT_AT = 3500
#: buttons per keyboard row: answer choices are long Vietnamese labels, so one per row reads best
BUTTONS_PER_ROW = 1
MAX_BUTTONS = 100
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


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """An inline keyboard whose callback_data is each Button.payload (ASCII, ≤ 64 bytes)."""
    if not buttons:
        return None
    shown = buttons[:MAX_BUTTONS]
    for button in shown:  # the core swaps long payloads for tokens; anything else is a bug
        if len(button.payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            raise ValueError(f"callback_data over {MAX_PAYLOAD_BYTES} bytes: {button.payload!r}")
    rows = [
        [InlineKeyboardButton(text=b.label, callback_data=b.payload)
         for b in shown[i:i + BUTTONS_PER_ROW]]
        for i in range(0, len(shown), BUTTONS_PER_ROW)
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def is_photo(mime_type: str, size: int) -> bool:
    """Send as a photo (shown inline) rather than a document."""
    return mime_type.lower() in PHOTO_TYPES and size <= MAX_PHOTO_BYTES
