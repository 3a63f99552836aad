"""The explicit table of commands, buttons, flows and fallbacks that handlers register."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.conversation import Flow

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[["Context"], Awaitable[None]]
Check = Callable[["Context"], Awaitable[bool]]
ButtonHandler = Callable[["Context", str], Awaitable[None]]  # receives the payload's argument

ROLES_ANYONE = frozenset({"guest", "official", "head", "deputy", "admin"})
ROLES_MEMBERS = frozenset({"official", "head", "deputy", "admin"})
ROLES_HEADS = frozenset({"head", "deputy", "admin"})
ROLES_ADMINS = frozenset({"admin"})


@dataclass(frozen=True)
class Command:
    """A text command ('/hoi'); the first name is canonical, the rest are aliases."""

    names: tuple[str, ...]
    handler: Handler
    description: str  # Vietnamese, shown in /trogiup and the Telegram menu
    roles: frozenset[str] = ROLES_ANYONE
    in_menu: bool = True
    #: may be answered in a group chat (where everyone reads along); default: private chats only
    group_safe: bool = False
    #: a finer permission than `roles` (e.g. /chuatraloi: the unit owns a guide); the handler
    #: refuses with the same check, and /trogiup lists the command only when it passes
    may_use: Check | None = None


@dataclass
class Router:
    """What handlers registered; the dispatcher routes through it."""

    commands: dict[str, Command] = field(default_factory=dict)
    command_list: list[Command] = field(default_factory=list)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    #: button prefixes whose answers may be shown in a group chat
    group_safe_buttons: set[str] = field(default_factory=set)
    flows: dict[str, Flow] = field(default_factory=dict)
    fallback: Handler | None = None
    file_handler: Handler | None = None
    on_subscribed: Handler | None = None
    on_unsubscribed: Handler | None = None

    def command(self, command: Command) -> None:
        """Register a command under all its names."""
        for name in command.names:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = command
        self.command_list.append(command)

    def button(self, prefix: str, handler: ButtonHandler, *, group_safe: bool = False) -> None:
        """Register a button handler for payloads 'prefix' or 'prefix:arg' (answered in group
        chats only when `group_safe`)."""
        if prefix in self.buttons:
            raise ValueError(f"button prefix {prefix} registered twice")
        self.buttons[prefix] = handler
        if group_safe:
            self.group_safe_buttons.add(prefix)

    def flow(self, flow: Flow) -> None:
        """Register a conversation flow."""
        self.flows[flow.name] = flow


def parse_command(text: str) -> tuple[str, str] | None:
    """'/Hoi@troly_bot  câu hỏi' → ('hoi', 'câu hỏi'); None when text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    head, _, rest = stripped[1:].partition(" ")
    name = head.split("@", 1)[0].casefold()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, rest.strip()


def split_payload(payload: str) -> tuple[str, str]:
    """'see:12' → ('see', '12'); 'help' → ('help', '')."""
    prefix, _, arg = payload.partition(":")
    return prefix, arg
