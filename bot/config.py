"""Configuration from TROLY_* environment variables (and an optional .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All settings; every one optional with a sensible default. Read once in the CLI."""

    # an empty variable means "not set" (compose files pass `TROLY_X: ${TROLY_X:-}` through)
    model_config = SettingsConfigDict(
        env_prefix="TROLY_", env_file=".env", env_file_encoding="utf-8", extra="ignore",
        env_ignore_empty=True,
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///data/troly.db",
        description="SQLAlchemy URL; postgresql+asyncpg://… in production",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    log_level: str = "INFO"
    event_loop: Literal["auto", "asyncio", "uvloop"] = Field(
        "auto", description="`troly run`'s event loop: uvloop where it is installed (auto), or "
        "asyncio's own; uvloop makes the same work cost less CPU")

    # Knowledge base
    load_demo_guides: bool = Field(True, description="load bundled demo guides when the KB is empty")
    max_upload_mb: int = Field(20, description="largest guide file accepted (Telegram bots: 20 MB)")
    max_guide_unpacked_mb: int = Field(
        50, gt=0, description="a .docx's parts uncompressed, a PDF's text: refused above this")
    max_guide_passages: int = Field(5000, gt=0, description="passages one guide may produce")
    max_pdf_pages: int = Field(1000, gt=0, description="pages of one PDF guide")
    guides_public: bool = Field(True, description="unregistered chats may ask the guides")
    synonyms_file: Path | None = Field(None, description="extra synonyms, JSON {term: [synonyms]}")
    knowledge_poll_seconds: float = Field(
        3.0, gt=0, description="how often every process checks whether any process changed the guides")

    # Conversations
    conversation_idle_minutes: int = Field(60, description="idle time before a flow expires")

    # People, invitations and the weekly check-in (issue 3)
    telegram_bot_username: str | None = Field(
        None, description="bot username for invitation deep links https://t.me/<bot>?start=<code>")
    invitation_ttl_hours: int = Field(168, gt=0, description="how long an invitation code stays valid")
    invitation_attempts: int = Field(
        5, gt=0, description="failed invitation codes one chat (or one account) may try per window")
    invitation_attempts_window_minutes: int = Field(
        10, gt=0, description="the window of TROLY_INVITATION_ATTEMPTS, in minutes")
    invitation_attempts_per_network: int = Field(
        30, gt=0, description="failed invitation codes one web client network (an address, an "
        "IPv6 /64) may try per window, whoever types them (an office behind one NAT shares it)")

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_poll_timeout_seconds: int = Field(
        25, description="long-polling wait of one getUpdates call (polling mode)")
    telegram_request_timeout_seconds: float = Field(
        30.0, description="timeout of one Bot API call; a send timing out is 'ambiguous'")
    telegram_webhook_ack_seconds: float = Field(
        5.0, description="webhook: answer Telegram after at most this; slower updates finish after")
    telegram_max_download_mb: int = Field(
        20, description="largest document downloaded (public Bot API: 20 MB; raise for a local server)")
    telegram_typing_after_seconds: float = Field(
        1.0, description="show 'typing…' when an answer or a file takes longer than this")
    telegram_inbound_lease_seconds: int = Field(
        120, gt=0, description="a stored update not processed within this (its process died) is "
        "taken again by any process")
    telegram_inbound_poll_seconds: float = Field(
        15.0, gt=0, description="how often stored updates left unprocessed are looked for")
    telegram_inbound_max_attempts: int = Field(
        5, gt=0, description="a stored update whose processing raised this often is marked failed")
    telegram_inbound_keep_days: int = Field(
        7, gt=0, description="processed updates are kept this long (repeats deduplicated)")
    telegram_menu_sync_seconds: float = Field(
        30.0, description="how often the per-chat command menus are compared with the roles "
                          "(changes made in this process are applied at once)")

    # Zalo Official Account
    zalo_app_id: str | None = None
    zalo_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_inbound_lease_seconds: int = Field(
        120, gt=0, description="a stored webhook event not processed within this (its process "
        "died) is taken again by any process")
    zalo_inbound_poll_seconds: float = Field(
        15.0, gt=0, description="how often stored webhook events left unprocessed are looked for")
    zalo_inbound_max_attempts: int = Field(
        5, gt=0, description="a stored webhook event whose processing raised this often is "
        "marked failed")
    zalo_inbound_keep_days: int = Field(
        7, gt=0, description="processed webhook events are kept this long (retries deduplicated)")
    zalo_button_events: list[str] = Field(
        default_factory=lambda: ["user_send_text", "user_click_button", "user_click_link"],
        description="webhook events that may carry a button press (docs/zalo.md §6)")
    zalo_click_payload_fields: list[str] = Field(
        default_factory=lambda: ["message.payload", "message.text", "payload", "button.payload",
                                 "message.url", "url"],
        description="dotted paths searched, in order, for the payload of a click event")
    zalo_menu_path: str = Field(
        "/v2.0/oa/menu", description="OA API path that sets the persistent menu (uncertain)")
    zalo_menu_body_key: str = Field(
        "menu", description="top-level key of the menu list in that request: menu | data")
    zalo_request_timeout_seconds: float = Field(15.0, description="timeout of one Zalo API call")
    zalo_token_refresh_margin_minutes: int = Field(
        10, description="refresh the OA access token when less than this is left")
    zalo_token_check_seconds: int = Field(
        300, description="how often the background refresher checks the OA access token")

    # Zalo outbound: messaging window, template fallback, refusal codes (docs/zalo.md §8)
    zalo_free_window_hours: float = Field(
        48.0, description="consultation messages are free this long after the user's last message")
    zalo_paid_window_days: float = Field(
        7.0, description="… and paid (if the unit allows) until this long after; then refused")
    zalo_window_codes: list[int] = Field(
        default_factory=lambda: [-230, -232],
        description="Zalo error codes meaning 'outside the messaging window' (JSON list)")
    zalo_quota_codes: list[int] = Field(
        default_factory=lambda: [-211, -218],
        description="Zalo error codes meaning 'out of quota / receive limit' (JSON list)")
    zalo_not_follower_codes: list[int] = Field(
        default_factory=lambda: [-213],
        description="Zalo error codes meaning 'user does not follow the OA' (JSON list)")
    zalo_template_id: str | None = Field(
        None, description="ZNS/ZBS template sent when the window is closed; unset: next channel")
    zalo_template_url: str = Field(
        "https://business.openapi.zalo.me/message/template",
        description="endpoint of template messages")
    zalo_template_recipient: str = Field(
        "user_id", description="how a template addresses the official: user_id or phone")
    zalo_template_params: dict[str, str] = Field(
        default_factory=dict,
        description="template parameter → troly field (name, text, kind, date, unit), JSON")
    public_url: str | None = Field(
        None, description="troly's public HTTPS base; Zalo users' download links start with it")
    zalo_file_link_days: float = Field(
        7.0, description="a file link sent on Zalo works this long (a sent message keeps its link)")

    # Web chat
    web_mailbox_days: int = Field(
        30, description="a message for a web chat waits this long to be fetched, then expires")
    web_login_days: int = Field(
        30, description="a web chat login unused this long ends (the official binds again)")
    web_rate_per_minute: int = Field(20, description="chat requests per minute per web session")
    web_rate_per_address_per_minute: int = Field(
        600, description="chat requests per minute per client network (an IPv4 address, an IPv6 "
        "/64): a ceiling for an office of ~50 behind one NAT, the session limit is the main one")
    web_poll_per_minute: int = Field(
        12, description="mailbox polls (GET /api/messages) per minute per web session, a budget of "
        "their own: a page polls twice a minute and every tab of a browser shares its session")
    web_poll_per_address_per_minute: int = Field(
        600, description="mailbox polls per minute per client network (an IPv4 address, an IPv6 "
        "/64): a ceiling for an office of ~50 behind one NAT with a few tabs open each")
    file_link_hours: int = Field(
        24, description="a download link (web chat files) works this long after it is shown")
    file_link_secret: SecretStr | None = Field(
        None, description="HMAC key of download links; unset: generated once, kept in the database")
    web_trust_proxy: bool = Field(
        False, description="take the client address and HTTPS from X-Forwarded-For/-Proto")

    # Scheduler
    scheduler_enabled: bool = Field(True, description="run the reminder/digest ticks in this process")
    reminder_channels: list[str] = Field(
        default_factory=lambda: ["telegram", "zalo", "web"],
        description="channels reminders and digests go out on, most preferred first")
    telegram_rate_per_second: float = Field(
        29.5, description="outbound Telegram messages per second for the whole bot (limit ~30)")
    zalo_rate_per_second: float = Field(10.0, description="outbound Zalo messages per second")
    per_chat_rate_per_second: float = Field(1.0, description="outbound messages per second to one chat")

    @property
    def is_sqlite(self) -> bool:
        """True when the database is the embedded SQLite default."""
        return self.database_url.startswith("sqlite")
