"""The outbox: one home for outbox rows and their life (statuses, the payload's meta, writes).

A row is written by a producer (the planner, a reply that could not be sent directly, a handler
such as snooze), claimed and finished by the sender (scheduler/delivery.py), and cancelled by the
domain (a task done, a chat unbound). The statuses are the strings stored in `outbox.status`.
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


#: statuses of a row that is still to go out (cancelling a task's reminders withdraws these)
UNSENT = (OutboxStatus.PENDING, OutboxStatus.AWAITING_FETCH)
#: statuses of a reply row still waiting to go out (later replies of the chat queue behind it)
IN_FLIGHT = (OutboxStatus.PENDING, OutboxStatus.SENDING)
