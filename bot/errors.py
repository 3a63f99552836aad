"""A small exception hierarchy; the dispatcher is the one catch-all."""

from __future__ import annotations

from enum import StrEnum


class BotError(Exception):
    """Base of troly's own errors."""


class UserFacingError(BotError):
    """An error whose message (Vietnamese, from bot.texts) is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DeliveryOutcome(StrEnum):
    """How a failed send should be treated by the outbox dispatcher."""

    RATE_LIMITED = "rate_limited"  # 429: wait retry_after, then retry
    BLOCKED = "blocked"  # 403: the user blocked the bot; recipient inactive, no retry
    PERMANENT = "permanent"  # 400 chat not found, Zalo window closed/quota: no retry
    TRANSIENT = "transient"  # 5xx, connection refused: backoff and retry
    AMBIGUOUS = "ambiguous"  # timeout after the request was sent: outcome unknown
    BAD_FORMAT = "bad_format"  # 400 parse error: resend as plain text


class DeliveryError(BotError):
    """A channel could not deliver a message; `outcome` says what to do next."""

    def __init__(
        self,
        channel: str,
        outcome: DeliveryOutcome,
        detail: str = "",
        *,
        retry_after: float | None = None,
        code: str | None = None,
        parts_sent: int = 0,
    ) -> None:
        super().__init__(f"{channel}: {outcome.value} {detail}".strip())
        self.channel = channel
        self.outcome = outcome
        self.detail = detail
        self.retry_after = retry_after
        self.code = code
        #: the message's first parts the platform accepted before the failure (a long text goes
        #: as several platform messages, attachments after it; OutgoingMessage.parts_sent)
        self.parts_sent = parts_sent
