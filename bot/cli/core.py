"""`troly run`, `troly chat`, `troly migrate`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import uuid

import typer

from bot.app import build_app, describe, load_demo_guides, run_forever
from bot.channels.console import ConsoleChannel
from bot.cli.common import load_settings, open_app
from bot.db.migrate import upgrade
from bot.events import ChatRef, Sender, TextMessage
from bot.texts import cli as texts


def run_command() -> None:
    """Migrate, load the demo guides if the knowledge base is empty, and serve (web chat, bots)."""
    # until run_forever takes over, SIGTERM stops start-up like Ctrl+C (importing the Telegram
    # client can take seconds; as PID 1 in a container an unhandled SIGTERM would be ignored)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    settings = load_settings(quiet=False)
    app = build_app(settings)
    typer.echo(f"troly: http://{settings.http_host}:{settings.http_port}  "
               f"(database: {describe(app)['database']}; Ctrl+C to stop)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_forever(app, exit_watchdog=True))


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
