"""Helpers shared by CLI modules: settings, logging, running one app for one command."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import typer

from bot.app import App, build_app
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.texts import cli as texts
from knowledge.normalize import UnpairedSurrogate, clean_input

T = TypeVar("T")


def load_settings(*, quiet: bool = True) -> Settings:
    """Settings from the environment (read once, here), and logging to stderr.

    One-off commands log warnings only (their output is the result, not Alembic's INFO lines)
    unless TROLY_LOG_LEVEL is set; `troly run` (quiet=False) logs at TROLY_LOG_LEVEL, INFO by default.
    """
    settings = Settings()
    level = settings.log_level
    if quiet and "log_level" not in settings.model_fields_set:
        level = "WARNING"
    logging.basicConfig(level=level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every tick (every 2 s) at INFO; our own ticks log what they did
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    return settings


@asynccontextmanager
async def open_app(*, load_demo: bool | None = None, index: bool = True) -> AsyncIterator[App]:
    """A migrated app for a one-off command (no web server, no channels started)."""
    settings = load_settings()
    app = build_app(settings, channels={})
    try:
        if index:
            await app.prepare(load_demo=load_demo)
        else:
            await upgrade(settings.database_url)
        yield app
    finally:
        await app.stop()


def person_text(value: str | None) -> str | None:
    """Typer callback for free text an admin types (names, titles, notes): the one input rule.

    A terminal in a non-UTF-8 locale hands Python undecodable bytes as lone surrogates.
    """
    if value is None:
        return None
    try:
        return clean_input(value)
    except UnpairedSurrogate as exc:
        raise typer.BadParameter(texts.TEXT_UNREADABLE) from exc


def run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run an async command body."""
    async def _main() -> T:
        return await coro_factory()

    return asyncio.run(_main())


def print_json(data: Any) -> None:
    """JSON on stdout, UTF-8, Vietnamese unescaped."""
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
