"""Text from people, cleaned where events enter the dispatcher (the rule: knowledge.normalize).

Every free-text field of an inbound event — a message, a button payload, a file name, a
photo's caption, the sender's display name — is normalized before anything reads or stores it: NFC, control
characters (NUL included) removed except newline and tab. A message or payload holding a lone
surrogate is refused (the dispatcher asks again politely); a display name is repaired instead
(U+FFFD), since the person cannot retype the name their app sends.
"""

from __future__ import annotations

from dataclasses import replace

from bot.events import (
    ButtonPressed,
    FileReceived,
    InboundEvent,
    Sender,
    TextMessage,
    UnsupportedMedia,
)
from knowledge.normalize import UnpairedSurrogate, clean_input, sanitize

__all__ = ["UnpairedSurrogate", "clean_event"]


def _sender(sender: Sender) -> Sender:
    name = sender.display_name
    if name is None:
        return sender
    cleaned = sanitize(name)
    return sender if cleaned == name else replace(sender, display_name=cleaned)


def clean_event(event: InboundEvent) -> InboundEvent:
    """The event with every text field normalized; raises UnpairedSurrogate for broken text."""
    sender = _sender(event.sender)
    if isinstance(event, TextMessage):
        return replace(event, sender=sender, text=clean_input(event.text))
    if isinstance(event, ButtonPressed):
        return replace(event, sender=sender, payload=clean_input(event.payload))
    if isinstance(event, FileReceived):
        return replace(event, sender=sender, file_name=sanitize(event.file_name),
                       caption=clean_input(event.caption) if event.caption else "")
    if isinstance(event, UnsupportedMedia) and event.caption:  # answered as typed text
        return replace(event, sender=sender, caption=clean_input(event.caption))
    return event if sender is event.sender else replace(event, sender=sender)
