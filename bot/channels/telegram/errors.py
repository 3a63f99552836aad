"""aiogram exceptions → bot.errors.DeliveryError with the outcome the outbox acts on."""

from __future__ import annotations

import aiohttp
from aiogram.exceptions import (
    AiogramError,
    ClientDecodeError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.errors import DeliveryError, DeliveryOutcome

CHANNEL = "telegram"
PARSE_ERROR_MARK = "can't parse entities"


def is_parse_error(exc: BaseException) -> bool:
    """400 "can't parse entities": our markup was refused; a plain-text resend fixes it."""
    return isinstance(exc, TelegramBadRequest) and PARSE_ERROR_MARK in exc.message.lower()


def classify(exc: AiogramError) -> DeliveryError:
    """Translate one aiogram error (the order of checks matters: subclasses first)."""
    detail = getattr(exc, "message", str(exc))
    if isinstance(exc, TelegramRetryAfter):
        return DeliveryError(CHANNEL, DeliveryOutcome.RATE_LIMITED, detail,
                             retry_after=float(exc.retry_after), code="429")
    if isinstance(exc, TelegramForbiddenError):
        return DeliveryError(CHANNEL, DeliveryOutcome.BLOCKED, detail, code="403")
    if isinstance(exc, TelegramMigrateToChat):
        return DeliveryError(CHANNEL, DeliveryOutcome.PERMANENT, detail,
                             code=f"migrate:{exc.migrate_to_chat_id}")
    if isinstance(exc, TelegramEntityTooLarge):
        return DeliveryError(CHANNEL, DeliveryOutcome.PERMANENT, detail, code="413")
    if isinstance(exc, TelegramNetworkError):
        return _network(exc, detail)
    if isinstance(exc, TelegramBadRequest):
        if is_parse_error(exc):
            return DeliveryError(CHANNEL, DeliveryOutcome.BAD_FORMAT, detail, code="400")
        return DeliveryError(CHANNEL, DeliveryOutcome.PERMANENT, detail, code="400")
    if isinstance(exc, TelegramNotFound):
        return DeliveryError(CHANNEL, DeliveryOutcome.PERMANENT, detail, code="404")
    if isinstance(exc, TelegramServerError):
        return DeliveryError(CHANNEL, DeliveryOutcome.TRANSIENT, detail, code="5xx")
    if isinstance(exc, ClientDecodeError):  # e.g. an HTML error page from a proxy
        return DeliveryError(CHANNEL, DeliveryOutcome.TRANSIENT, detail, code="decode")
    # 401 (token revoked), 409 and anything unknown: retry later rather than lose the message
    return DeliveryError(CHANNEL, DeliveryOutcome.TRANSIENT, detail, code=type(exc).__name__)


def _network(exc: TelegramNetworkError, detail: str) -> DeliveryError:
    cause = exc.__cause__
    # never connected: nothing reached Telegram, a retry cannot duplicate
    if isinstance(cause, aiohttp.ConnectionTimeoutError | aiohttp.ClientConnectorError):
        return DeliveryError(CHANNEL, DeliveryOutcome.TRANSIENT, detail, code="connect")
    # the request went out and no answer came back: Telegram may have delivered it
    return DeliveryError(CHANNEL, DeliveryOutcome.AMBIGUOUS, detail, code="timeout"
                         if isinstance(cause, TimeoutError) else "network")
