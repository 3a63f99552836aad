"""What a handler gets: the event, the dependencies, the transaction, who is talking."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.button_payloads import IssuedTokens
from bot.channel import Capability, Channel
from bot.clock import Clock
from bot.config import Settings
from bot.events import ButtonPressed, FileReceived, InboundEvent, TextMessage
from bot.flow_state import FlowState
from bot.messages import Attachment, Button, Menu, OutgoingMessage
from bot.messaging_window import WindowConfig

if TYPE_CHECKING:
    from bot.db.models import ChatAccount, Official
    from bot.knowledge_service import KnowledgeService
    from bot.reminders import ReminderPreview


AfterCommitJob = Callable[[], Coroutine[Any, Any, None]]


class FlowStarts(Protocol):
    """What a context needs of the router (bot/router.py): the step each flow begins at.

    A protocol, not the Router itself: the router's tables are typed in Context, so naming
    Router here would close an import circle (context → router → conversation → context)."""

    def first_step(self, flow: str) -> str:
        """The first step of the registered flow `flow`."""


async def _no_reload() -> None:
    """Default of Deps.reload_knowledge: nothing to rebuild."""


@dataclass
class Deps:
    """Long-lived dependencies, built once in bot/app.py and shared by every event."""

    settings: Settings
    clock: Clock
    knowledge: KnowledgeService
    #: the router, seen only as far as Context.start_flow needs it (the dispatcher has it whole)
    flows: FlowStarts
    #: what reminders would go out, without sending (the scheduler's, scheduler/preview.py)
    reminder_preview: ReminderPreview
    #: the channel registry (App.channels, the same dict): what each channel can show
    channels: Mapping[str, Channel] = field(default_factory=dict)
    #: rebuilds this process's search index; handlers queue it after a commit changing guides
    reload_knowledge: AfterCommitJob = _no_reload
    #: the button tokens this process stored (bot/button_payloads.py): not written again
    issued_tokens: IssuedTokens = field(default_factory=IssuedTokens)
    #: channels with a messaging window, for the reminder preview (/xemnhac)
    preview_windows: Mapping[str, WindowConfig] = field(default_factory=dict)
    #: called after a commit that changed who is head, deputy or admin, or which chat belongs to
    #: whom (Context.note_roles_changed): edges refresh what depends on roles (Telegram's menu)
    role_listeners: list[Callable[[], None]] = field(default_factory=list)

    @property
    def capabilities(self) -> dict[str, frozenset[Capability]]:
        """What each registered channel can show, by channel name."""
        return {name: channel.capabilities for name, channel in self.channels.items()}

    def capabilities_of(self, channel: str) -> frozenset[Capability]:
        """What one channel can show (nothing when it is not registered)."""
        registered = self.channels.get(channel)
        return registered.capabilities if registered is not None else frozenset()

    def button_limit_of(self, channel: str) -> int | None:
        """Buttons one message carries on a channel (its optional `max_buttons`: Zalo's five);
        None: as many as a step offers."""
        limit = getattr(self.channels.get(channel), "max_buttons", None)
        return limit if isinstance(limit, int) and limit > 0 else None


@dataclass
class Context:
    """One inbound event being handled inside one database transaction."""

    event: InboundEvent
    deps: Deps
    session: AsyncSession
    #: builds `account` when it is first asked for (the dispatcher's; see `account`)
    account_of: Callable[[], ChatAccount] = field(repr=False)
    official: Official | None
    replies: list[OutgoingMessage] = field(default_factory=list)
    flow_state: FlowState | None = None
    #: when the loaded flow expires (None: no flow or no expiry)
    flow_expires_at: datetime | None = None
    #: the choices last offered as text, to be typed (channels without buttons, and choices
    #: listed by number where a message carries too few buttons: OutgoingMessage.numbered)
    menu: Menu | None = None
    #: set when a typed number was refused as not in the menu: the menu stays for the next one
    menu_kept: bool = False
    #: set by start_flow/end_flow; the dispatcher persists it after the handler returns
    flow_changed: bool = False
    #: set by start_flow; the dispatcher then asks the new flow's first question
    flow_started: bool = False
    #: work to start once the transaction has committed (e.g. rebuilding the search index)
    after_commit: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    #: set by note_roles_changed; Deps.role_listeners are told after the commit
    roles_changed: bool = False
    #: the client network the event came from, where the edge knows it (web chat: the address, an
    #: IPv6 address's /64; set by the web login's guard): a budget of its own for invitation codes
    network: str | None = None
    _account: ChatAccount | None = field(default=None, init=False, repr=False)

    @property
    def account(self) -> ChatAccount:
        """Who is talking: their chat account, an object of `session` (a stranger on a channel
        that stores none: a transient one). Built on first use: most events never need it, and
        building and attaching the ORM object cost more than the statement that read its row."""
        if self._account is None:
            self._account = self.account_of()
        return self._account

    @property
    def now(self) -> datetime:
        """The current instant (UTC) from the injected clock."""
        return self.deps.clock.now()

    @property
    def text(self) -> str:
        """The message text ('' for non-text events)."""
        return self.event.text if isinstance(self.event, TextMessage) else ""

    @property
    def payload(self) -> str:
        """The pressed button's payload ('' for other events)."""
        return self.event.payload if isinstance(self.event, ButtonPressed) else ""

    @property
    def file(self) -> FileReceived | None:
        """The received file, if this event is one."""
        return self.event if isinstance(self.event, FileReceived) else None

    @property
    def in_group(self) -> bool:
        """Whether other people read this chat (a group): no credentials or private data here."""
        return self.event.chat_kind == "group"

    @property
    def role(self) -> str:
        """'guest' for unbound chats, else the official's role."""
        return self.official.role if self.official is not None else "guest"

    @property
    def can_show_buttons(self) -> bool:
        """Whether this chat's channel renders buttons (else numbered options)."""
        return Capability.BUTTONS in self.deps.capabilities_of(self.event.chat.channel)

    @property
    def button_limit(self) -> int | None:
        """Buttons one message carries in this chat's channel (None: no limit)."""
        return self.deps.button_limit_of(self.event.chat.channel)

    def numbered(self, choices: int) -> bool:
        """Whether this many choices reach this chat as numbered options to type (a channel
        without buttons, or a typed choice over the channel's buttons per message), so that a
        prompt can say how to answer."""
        limit = self.button_limit
        return not self.can_show_buttons or (limit is not None and choices > limit)

    def reply(
        self,
        text: str,
        buttons: tuple[Button, ...] | list[Button] = (),
        attachments: tuple[Attachment, ...] = (),
        *,
        layout: tuple[int, ...] = (),
        reusable: bool = False,
        numbered: str = "",
        numbers_typed: bool = False,
    ) -> None:
        """Queue a reply; it is sent only after the transaction commits (`layout`: buttons per
        row, a hint for channels with rows of buttons; `reusable`: every button is navigation,
        pressed any number of times, not a single-use choice: bot/keyboards.py; `numbered`: the
        choices may be typed by number where they do not fit one message as buttons, this line
        said after them: OutgoingMessage.numbered; `numbers_typed`: a typed number is the step's
        answer, never an option's number: OutgoingMessage.numbers_typed)."""
        if reusable:
            buttons = [replace(b, reusable=True) for b in buttons]
        self.replies.append(OutgoingMessage(text, tuple(buttons), attachments, layout=layout,
                                            numbered=numbered, numbers_typed=numbers_typed))

    def note_roles_changed(self) -> None:
        """Someone's role or a chat's official changed: role-dependent views (menus) refresh."""
        self.roles_changed = True

    def start_flow(self, flow: str, data: dict[str, Any] | None = None) -> FlowState:
        """Begin a flow at its first step (the dispatcher asks its first question)."""
        first = self.deps.flows.first_step(flow)
        self.flow_state = FlowState(flow=flow, step=first, data=dict(data or {}))
        self.flow_changed = True
        self.flow_started = True
        return self.flow_state

    def end_flow(self) -> None:
        """Leave the current flow."""
        self.flow_state = None
        self.flow_changed = True
        self.flow_started = False
