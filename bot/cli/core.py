"""`troly run`, `troly chat`, `troly migrate`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import uuid
from collections.abc import Callable

import typer

from bot.app import build_app, describe, load_demo_guides, run_forever
from bot.channels.console import ConsoleChannel
from bot.cli.common import load_settings, open_app
from bot.db.migrate import upgrade
from bot.events import ChatRef, Sender, TextMessage
from bot.texts import cli as texts

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def choose_event_loop(choice: str) -> tuple[str, LoopFactory | None]:
    """The event loop for TROLY_EVENT_LOOP: its name and factory (None: asyncio's own).

    auto: uvloop when it can be imported (it is a dependency where it has wheels: Linux, macOS),
    else asyncio; uvloop: uvloop or a clear refusal; asyncio: the standard loop.
    """
    if choice == "asyncio":
        return "asyncio", None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            typer.echo(texts.UVLOOP_MISSING, err=True)
            raise typer.Exit(2) from None
        return "asyncio", None
    return "uvloop", uvloop.new_event_loop


def run_command() -> None:
    """Migrate, load the demo guides if the knowledge base is empty, and serve (web chat, bots)."""
    # until run_forever takes over, SIGTERM stops start-up like Ctrl+C (importing the Telegram
    # client can take seconds; as PID 1 in a container an unhandled SIGTERM would be ignored)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings(quiet=False)
    loop_name, loop_factory = choose_event_loop(settings.event_loop)
    app = build_app(settings)
    typer.echo(f"troly: http://{settings.http_host}:{settings.http_port}  "
               f"(database: {describe(app)['database']}; event loop: {loop_name}; "
               f"Ctrl+C to stop)", err=True)
    # the server only: one-off commands and the tests keep asyncio's loop (nothing there is hot)
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(run_forever(app, exit_watchdog=True))


def migrate_command(
    demo_guides: bool = typer.Option(
        False, "--demo-guides",
        help="also load the bundled demo guides when the knowledge base is empty"),
) -> None:
    """Bring the database schema up to date (several processes may run it at once)."""
    if demo_guides:
        async def _migrate_and_load() -> None:
            async with open_app(index=False) as app:  # migrates
                await load_demo_guides(app)

        asyncio.run(_migrate_and_load())
    else:
        asyncio.run(upgrade(load_settings().database_url))
    typer.echo("OK", err=True)


def chat_command(
    user: str = typer.Option("console", help="the chat id to speak as"),
) -> None:
    """Talk to troly in this terminal (same dispatcher as Telegram, Zalo and the web)."""

    async def _chat() -> None:
        async with open_app() as app:
            channel = ConsoleChannel()
            chat, sender = ChatRef("console", user), Sender(user)
            app.channels["console"] = channel  # the registry: what the chat can show
            typer.echo(texts.CHAT_PROMPT, err=True)
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                if not line.strip():
                    continue
                event = TextMessage(chat=chat, sender=sender, at=app.clock.now(),
                                    text=line.rstrip("\n"), message_id=uuid.uuid4().hex)
                await app.dispatcher.handle(event, channel)

    asyncio.run(_chat())


def register(app: typer.Typer) -> None:
    """Add the core commands."""
    app.command("run")(run_command)
    app.command("migrate")(migrate_command)
    app.command("chat")(chat_command)
