"""The statuses of an outbox row, apart from the outbox (bot/outbox.py).

The outbox module imports the models; keeping the enum here lets bot/db/models.py give the
status column its default from the enum without importing the outbox back (an import circle).
Everyone else takes it from bot.outbox, the rows' one home.
"""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    """The life of an outbox row; the values are the strings stored in the database."""

    #: waiting for its not_before
    PENDING = "pending"
    #: claimed by a sender under a lease
    SENDING = "sending"
    SENT = "sent"
    #: the platform refused it for good (or the chat is blocked)
    FAILED_PERMANENT = "failed_permanent"
    #: retried max_attempts times without success
    DEAD = "dead"
    #: not to be sent any more (task closed, answered, unbound, on leave, …)
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    #: an earlier occurrence nobody got, replaced by a later one (docs/scheduling.md §5.5)
    SUPERSEDED = "superseded"
    #: the send's outcome is unknown and the kind is not resent
    AMBIGUOUS = "ambiguous"
    #: web: deposited, waiting for the client to fetch and acknowledge it
    AWAITING_FETCH = "awaiting_fetch"
    #: not sent here because another channel takes it
    REROUTED = "rerouted"
    #: no channel can take it
    UNREACHABLE = "unreachable"
    #: its message could not be built; the planner retries later
    BUILD_FAILED = "build_failed"
    #: only inside the preview's throw-away transaction: would have been sent
    PREVIEWED = "previewed"
