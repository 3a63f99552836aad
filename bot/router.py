"""The explicit table of commands, buttons, flows and fallbacks that handlers register."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from bot.buttons import ButtonData
from bot.conversation import Flow

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[["Context"], Awaitable[None]]
Check = Callable[["Context"], Awaitable[bool]]
ButtonHandler = Callable[["Context", str], Awaitable[None]]  # receives the payload's argument
Kind = TypeVar("Kind", bound=ButtonData)

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


@dataclass(frozen=True)
class Fallback:
    """What answers a message no command, flow or button took (plain text, mostly).

    With `matches`, it answers only the messages it recognizes (an invitation code typed alone,
    "đăng xuất"); without, it answers everything (the Q&A: plain text is a question).
    """

    name: str
    handler: Handler
    matches: Callable[[Context], bool] | None = None


@dataclass
class Router:
    """What handlers registered; the dispatcher routes through it."""

    commands: dict[str, Command] = field(default_factory=dict)
    command_list: list[Command] = field(default_factory=list)
    buttons: dict[str, ButtonHandler] = field(default_factory=dict)
    #: button prefixes whose answers may be shown in a group chat
    group_safe_buttons: set[str] = field(default_factory=set)
    flows: dict[str, Flow] = field(default_factory=dict)
    #: tried in order; the first that matches answers (see `fallback`)
    fallbacks: list[Fallback] = field(default_factory=list)
    file_handler: Handler | None = None
    on_subscribed: Handler | None = None
    on_unsubscribed: Handler | None = None
    #: a photo, voice message, location… (events.UnsupportedMedia): the polite notice
    on_unsupported: Handler | None = None

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

    def on(self, kind: type[Kind], handler: Callable[[Context, Kind], Awaitable[None]], *,
           gone: str, roles: frozenset[str] = ROLES_ANYONE, group_safe: bool = False) -> None:
        """Register a typed button (bot/buttons.py): the handler gets the unpacked payload.

        A payload that does not unpack (forged, malformed), or a press by a role outside `roles`,
        gets `gone` and never reaches the handler; the handler checks only what needs the
        database (the row still exists, it belongs to the presser) and answers `gone` too.
        """

        async def run(ctx: Context, arg: str) -> None:
            data = kind.parse(arg)
            if data is None or ctx.role not in roles:
                ctx.reply(gone)
                return
            await handler(ctx, data)

        self.button(kind.prefix, run, group_safe=group_safe)

    def fallback(self, fallback: Fallback) -> None:
        """Add a fallback: those with `matches` are tried in the order added, then the one
        without (at most one)."""
        if any(f.name == fallback.name for f in self.fallbacks):
            raise ValueError(f"fallback {fallback.name} registered twice")
        if fallback.matches is None:
            if any(f.matches is None for f in self.fallbacks):
                raise ValueError("only one fallback may answer everything")
            self.fallbacks.append(fallback)
            return
        last = len(self.fallbacks)
        if self.fallbacks and self.fallbacks[-1].matches is None:
            last -= 1
        self.fallbacks.insert(last, fallback)

    def fallback_for(self, ctx: Context) -> Fallback | None:
        """The fallback that answers this message: the first that matches."""
        return next((f for f in self.fallbacks if f.matches is None or f.matches(ctx)), None)

    def first_step(self, flow: str) -> str:
        """The first step of the registered flow `flow` (Context.start_flow, via Deps.flows)."""
        return self.flows[flow].first

    def flow(self, flow: Flow, *, stale: str | None = None, prefix: str | None = None) -> None:
        """Register a conversation flow. Its buttons' payloads start with its name (`prefix`
        when they use another): while it runs they go to its steps, and pressed after it ended
        they get `stale`."""
        if flow.name in self.flows:
            raise ValueError(f"flow {flow.name} registered twice")
        self.flows[flow.name] = flow
        if stale is not None:
            text = stale

            async def ended(ctx: Context, arg: str) -> None:
                del arg
                ctx.reply(text)

            self.button(prefix or flow.name, ended)


def parse_command(text: str) -> tuple[str, str] | None:
    """'/Hoi@troly_bot  câu hỏi' → ('hoi', 'câu hỏi'); None when text is not a command."""
    stripped = text.strip()
    if not stripped.startswith("/") or len(stripped) < 2:
        return None
    # the arguments follow any whitespace: "/hoi@bot\ncâu hỏi" is Telegram's command too
    head, _, rest = re.sub(r"\s", " ", stripped[1:], count=1).partition(" ")
    name = head.split("@", 1)[0].casefold()
    if not name or not all(c.isalnum() or c == "_" for c in name):
        return None
    return name, rest.strip()


def split_payload(payload: str) -> tuple[str, str]:
    """'see:12' → ('see', '12'); 'help' → ('help', '')."""
    prefix, _, arg = payload.partition(":")
    return prefix, arg
