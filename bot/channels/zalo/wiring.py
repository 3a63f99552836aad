"""Builds the Zalo channel from settings and hands its parts to the composition root (bot/app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo.api import ZaloApi
from bot.channels.zalo.channel import ZaloChannel, ZaloCodes, ZaloTemplate
from bot.channels.zalo.routes import ZaloWebhook
from bot.channels.zalo.tokens import TokenRefresher, TokenStore
from bot.channels.zalo.webhook import ParseOptions
from bot.clock import Clock
from bot.config import Settings
from bot.dispatcher import Dispatcher
from bot.files import LinkIssuer
from bot.messaging_window import MessagingWindow, WindowConfig


class _ApiCloser:
    """Closes the HTTP session last (components stop in reverse order)."""

    def __init__(self, api: ZaloApi) -> None:
        self._api = api

    async def start(self) -> None:
        """Nothing to start: the session opens on first use."""

    async def stop(self) -> None:
        """Close the HTTP session."""
        await self._api.close()


@dataclass
class ZaloParts:
    """What attach_zalo built, for the composition root to register (tests reach in to drain
    the webhook or tick the refresher)."""

    api: ZaloApi
    tokens: TokenStore
    channel: ZaloChannel
    webhook: ZaloWebhook
    refresher: TokenRefresher

    def add_routes(self, web_app: web.Application) -> None:
        """POST /zalo/webhook on troly's one web server."""
        self.webhook.add_route(web_app)

    def components(self) -> list[_ApiCloser | TokenRefresher | ZaloWebhook]:
        """Started in this order, stopped in reverse: the webhook (and its recovery loop) drains
        first, then the refresher, then the HTTP session."""
        return [_ApiCloser(self.api), self.refresher, self.webhook]


def zalo_configured(settings: Settings) -> bool:
    """The app id and both secrets are set (tokens may come from the database)."""
    return bool(settings.zalo_app_id and settings.zalo_app_secret and settings.zalo_oa_secret_key)


def parse_options(settings: Settings) -> ParseOptions:
    """The configurable parts of the webhook event format (docs/zalo.md §6)."""
    return ParseOptions(button_events=frozenset(settings.zalo_button_events),
                        click_payload_fields=tuple(settings.zalo_click_payload_fields))


def _secret(value: object) -> str | None:
    get = getattr(value, "get_secret_value", None)
    return str(get()) if get is not None else None


def zalo_codes(settings: Settings) -> ZaloCodes:
    """What the configured refusal codes mean."""
    return ZaloCodes.of(settings.zalo_window_codes, settings.zalo_quota_codes,
                        settings.zalo_not_follower_codes)


def zalo_window(settings: Settings) -> MessagingWindow:
    """The configured consultation window."""
    return MessagingWindow(free=timedelta(hours=settings.zalo_free_window_hours),
                           paid=timedelta(days=settings.zalo_paid_window_days))


def zalo_template(settings: Settings) -> ZaloTemplate | None:
    """The template for closed windows, when one is configured."""
    if not settings.zalo_template_id:
        return None
    return ZaloTemplate(template_id=settings.zalo_template_id, url=settings.zalo_template_url,
                        recipient=settings.zalo_template_recipient,
                        params=dict(settings.zalo_template_params))


def window_configs(settings: Settings) -> dict[str, WindowConfig]:
    """Channels with a messaging window, for `troly reminders preview` (Zalo's rules apply to
    any Zalo reminder, configured here or not)."""
    if "zalo" not in settings.reminder_channels:
        return {}
    return {"zalo": WindowConfig(zalo_window(settings), bool(settings.zalo_template_id))}


def file_links(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
               clock: Clock) -> LinkIssuer | None:
    """Links to troly's file page for files Zalo cannot carry (needs TROLY_PUBLIC_URL)."""
    if not settings.public_url:
        return None
    return LinkIssuer(sessionmaker, clock, settings.public_url,
                      timedelta(days=settings.zalo_file_link_days),
                      _secret(settings.file_link_secret))


def build_client(settings: Settings, sessionmaker: async_sessionmaker[AsyncSession],
                 clock: Clock) -> tuple[ZaloApi, TokenStore]:
    """The OA API client and its token store (the rotating tokens live in the database)."""
    assert settings.zalo_app_id is not None
    api = ZaloApi(api_url=settings.zalo_api_url, oauth_url=settings.zalo_oauth_url,
                  app_id=settings.zalo_app_id, app_secret=_secret(settings.zalo_app_secret) or "",
                  timeout=settings.zalo_request_timeout_seconds)
    tokens = TokenStore(
        sessionmaker, api, clock,
        seed_access_token=_secret(settings.zalo_access_token),
        seed_refresh_token=_secret(settings.zalo_refresh_token),
        refresh_margin=timedelta(minutes=settings.zalo_token_refresh_margin_minutes),
    )
    return api, tokens


def attach_zalo(settings: Settings, *, dispatcher: Dispatcher,
                sessionmaker: async_sessionmaker[AsyncSession],
                clock: Clock) -> ZaloParts | None:
    """The channel, its webhook and token refresher when Zalo is configured (None otherwise);
    the composition root registers them."""
    if not zalo_configured(settings):
        return None
    assert settings.zalo_app_id is not None
    api, tokens = build_client(settings, sessionmaker, clock)
    channel = ZaloChannel(api, tokens, codes=zalo_codes(settings),
                          window=zalo_window(settings), template=zalo_template(settings),
                          file_links=file_links(settings, sessionmaker, clock))
    webhook = ZaloWebhook(
        channel=channel, dispatcher=dispatcher, sessionmaker=sessionmaker,
        clock=clock, app_id=settings.zalo_app_id,
        oa_secret_key=_secret(settings.zalo_oa_secret_key) or "",
        max_upload_bytes=settings.max_upload_mb * 1024 * 1024,
        lease=timedelta(seconds=settings.zalo_inbound_lease_seconds),
        poll_seconds=settings.zalo_inbound_poll_seconds,
        max_attempts=settings.zalo_inbound_max_attempts,
        keep=timedelta(days=settings.zalo_inbound_keep_days),
        options=parse_options(settings),
    )
    refresher = TokenRefresher(tokens, settings.zalo_token_check_seconds)
    return ZaloParts(api=api, tokens=tokens, channel=channel, webhook=webhook,
                     refresher=refresher)
