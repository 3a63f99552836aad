"""The composition root: builds every component once and wires them together explicitly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import handlers
from bot.channel import Channel
from bot.channels.web import WebChannel
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.context import Deps
from bot.db import guide_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.migrate import upgrade
from bot.dispatcher import Dispatcher
from bot.guide_import import import_guide, ingest_limits
from bot.knowledge_service import KnowledgeService, KnowledgeWatcher
from bot.messaging_window import WindowConfig
from bot.router import Router
from bot.web import build_web_app
from knowledge.demo import demo_guides
from scheduler.preview import preview_all
from scheduler.service import build_service

if TYPE_CHECKING:  # the platform modules load only when their channel is configured
    from bot.channels.telegram.wiring import TelegramParts
    from bot.channels.zalo.wiring import ZaloParts

logger = logging.getLogger(__name__)

#: how long requests in flight may take to finish once the process is told to stop
HTTP_SHUTDOWN_SECONDS = 3.0
#: after a clean stop, how long the interpreter's teardown may take before the process exits anyway
EXIT_WATCHDOG_SECONDS = 3.0


class Lifecycle(Protocol):
    """A component with a start/stop (channel pollers, the scheduler)."""

    async def start(self) -> None:
        """Start background work."""
        ...

    async def stop(self) -> None:
        """Stop background work."""
        ...


@dataclass
class App:
    """Everything troly runs, built by build_app()."""

    settings: Settings
    clock: Clock
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    knowledge: KnowledgeService
    router: Router
    dispatcher: Dispatcher
    channels: dict[str, Channel]
    web_channel: WebChannel
    web_app: web.Application
    components: list[Lifecycle] = field(default_factory=list)
    #: rebuilds `knowledge` when any process changed the guides (a component, started with it)
    knowledge_watcher: KnowledgeWatcher | None = None
    #: what attach_telegram / attach_zalo built, when configured (tests reach in)
    telegram: TelegramParts | None = None
    zalo: ZaloParts | None = None
    _runner: web.AppRunner | None = None

    async def prepare(self, *, migrate: bool = True, load_demo: bool | None = None) -> None:
        """Migrate, load the demo guides into an empty knowledge base, build the index."""
        if migrate:
            await upgrade(self.settings.database_url)
        if self.settings.load_demo_guides if load_demo is None else load_demo:
            await load_demo_guides(self)
        await self.knowledge.reload(self.sessionmaker)

    async def start(self, *, serve_http: bool = True) -> None:
        """Start components and (optionally) the web server."""
        for component in self.components:
            await component.start()
        if serve_http:
            # a few seconds for requests in flight at shutdown (aiohttp's default is 60 s, longer
            # than `docker stop` waits before it kills)
            self._runner = web.AppRunner(self.web_app, access_log=None,
                                         shutdown_timeout=HTTP_SHUTDOWN_SECONDS)
            await self._runner.setup()
            site = web.TCPSite(self._runner, self.settings.http_host, self.settings.http_port)
            await site.start()
            logger.info("web chat on http://%s:%d", self.settings.http_host, self.settings.http_port)

    async def stop(self) -> None:
        """Stop everything and release the database."""
        for component in reversed(self.components):
            try:
                await component.stop()
            except Exception:  # keep stopping the others
                logger.exception("stopping %r failed", component)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.dispatcher.drain()
        await self.engine.dispose()


async def load_demo_guides(app: App) -> int:
    """Add the bundled demo guides when no guide exists yet; returns how many were added."""
    async with app.sessionmaker.begin() as session:
        if await guide_store.count_active_guides(session) > 0 or await guide_store.list_guides(session):
            return 0
        guides = demo_guides()
        for guide in guides:
            await import_guide(session, file_name=guide.file_name, content=guide.content,
                               uploaded_by="troly (demo)", now=app.clock.now(),
                               limits=ingest_limits(app.settings))
        return len(guides)


def _extra_synonyms(settings: Settings) -> dict[str, list[str]]:
    if settings.synonyms_file is None:
        return {}
    data = json.loads(settings.synonyms_file.read_text(encoding="utf-8"))
    return {str(k): [str(v) for v in vs] for k, vs in data.items()}


ChannelFactory = Callable[["App"], Awaitable[None]]


def build_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    channels: Mapping[str, Channel] | None = None,
    extra_setup: list[Callable[[App], None]] | None = None,
) -> App:
    """Build troly. `channels` replaces the platform channels (tests pass fakes)."""
    clock = clock or SystemClock()
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    knowledge = KnowledgeService(_extra_synonyms(settings), clock)
    router = Router()
    handlers.register(router)
    web_channel = WebChannel(sessionmaker, clock,
                             mailbox_ttl=timedelta(days=settings.web_mailbox_days),
                             file_link_ttl=timedelta(hours=settings.file_link_hours))
    all_channels: dict[str, Channel] = {"web": web_channel}
    all_channels.update(channels or {})

    async def reload_knowledge() -> None:
        await knowledge.reload(sessionmaker)

    deps = Deps(settings=settings, clock=clock, knowledge=knowledge, flows=router,
                reminder_preview=preview_all,
                channels=all_channels, reload_knowledge=reload_knowledge,
                preview_windows=_preview_windows(settings))
    dispatcher = Dispatcher(deps, sessionmaker, router=router)
    app = App(settings=settings, clock=clock, engine=engine, sessionmaker=sessionmaker,
              knowledge=knowledge, router=router, dispatcher=dispatcher, channels=all_channels,
              web_channel=web_channel, web_app=build_web_app(dispatcher, web_channel, clock, sessionmaker))
    app.knowledge_watcher = KnowledgeWatcher(knowledge, sessionmaker,
                                             settings.knowledge_poll_seconds)
    app.components.append(app.knowledge_watcher)
    if channels is None:
        _attach_platform_channels(app)
    for setup in extra_setup or []:
        setup(app)
    if settings.scheduler_enabled:  # reminders, check-in prompts, digests (scheduler/service.py)
        app.components.append(build_service(app))
    return app


def _preview_windows(settings: Settings) -> dict[str, WindowConfig]:
    """Channels with a messaging window, for the chat preview (/xemnhac) as for the CLI's."""
    if "zalo" not in settings.reminder_channels:
        return {}
    from bot.channels.zalo.wiring import window_configs  # loaded only when Zalo is used

    return window_configs(settings)


def _attach_platform_channels(app: App) -> None:
    """Telegram and Zalo, each only when configured."""
    install_telegram(app)
    install_zalo(app)


def install_telegram(app: App) -> TelegramParts | None:
    """Telegram when TROLY_TELEGRAM_TOKEN is set: channel, polling or webhook route, menu."""
    if app.settings.telegram_token is None:
        return None
    # aiogram loaded only when Telegram is used
    from bot.channels.telegram.wiring import attach_telegram

    parts = attach_telegram(app.settings, dispatcher=app.dispatcher, router=app.router,
                            sessionmaker=app.sessionmaker, clock=app.clock)
    if parts is None:
        return None
    _register(app, "telegram", parts.channel, parts.components())
    parts.add_routes(app.web_app)
    app.dispatcher.deps.role_listeners.append(parts.menus.roles_changed)
    app.telegram = parts
    return parts


def install_zalo(app: App) -> ZaloParts | None:
    """Zalo OA when its app id and secrets are set: channel, /zalo/webhook, token refresher."""
    from bot.channels.zalo.wiring import attach_zalo  # loaded only when Zalo is used

    parts = attach_zalo(app.settings, dispatcher=app.dispatcher, sessionmaker=app.sessionmaker,
                        clock=app.clock)
    if parts is None:
        return None
    _register(app, "zalo", parts.channel, parts.components())
    parts.add_routes(app.web_app)
    app.zalo = parts
    return parts


def _register(app: App, name: str, channel: Channel, components: Sequence[Lifecycle]) -> None:
    """Add a channel to the registry (its capabilities are read from there) and its components."""
    app.channels[name] = channel
    app.components.extend(components)


async def run_forever(app: App, stop: asyncio.Event | None = None, *,
                      exit_watchdog: bool = False) -> None:
    """Prepare, start and serve until SIGTERM or SIGINT (or `stop` is set), then stop cleanly.

    SIGTERM is what `docker stop`, systemd and Kubernetes send; as PID 1 in a container a process
    without a handler ignores it and is killed seconds later, skipping the shutdown below.
    """
    stop = stop or asyncio.Event()
    installed = _on_signals(stop.set, (signal.SIGTERM, signal.SIGINT))
    try:
        await app.prepare()
        await app.start()
        await stop.wait()
        logger.info("stopping: no new work; releasing claimed rows and the sender lease")
    finally:
        loop = asyncio.get_running_loop()
        began = loop.time()
        await app.stop()
        if stop.is_set():
            logger.info("stopped in %.1f s", loop.time() - began)
            if exit_watchdog:  # the `troly run` process only, never a caller's (tests)
                _exit_if_teardown_hangs()
        for signum in installed:
            loop.remove_signal_handler(signum)


def _exit_if_teardown_hangs(seconds: float = EXIT_WATCHDOG_SECONDS) -> None:
    """After a clean stop nothing is held (rows, leases, database): if the interpreter's own
    teardown (a library task ignoring cancellation, a worker thread) keeps the process alive,
    exit 0 anyway rather than be killed by `docker stop` with 137."""
    def _exit() -> None:
        logger.warning("process still alive %.0f s after a clean stop: exiting", seconds)
        logging.shutdown()
        os._exit(0)

    timer = threading.Timer(seconds, _exit)
    timer.daemon = True  # dies with a process that exits normally
    timer.start()


def _on_signals(callback: Callable[[], None], signums: tuple[signal.Signals, ...]) -> list[int]:
    """Call `callback` on these signals (only possible in the main thread on Unix)."""
    loop = asyncio.get_running_loop()
    installed: list[int] = []
    for signum in signums:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, callback)
            installed.append(signum)
    return installed


def describe(app: App) -> dict[str, Any]:
    """A short summary of what runs (for logs and `troly run`)."""
    return {"database": app.engine.url.render_as_string(hide_password=True),
            "channels": sorted(app.channels), "passages": app.knowledge.passage_count}
