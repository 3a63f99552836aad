"""The OA's persistent menu: four items, each sending a troly command as the user's text.

The endpoint that sets it is uncertain (docs/zalo.md §7): two open-source projects POST
`/v2.0/oa/menu` with `access_token`, one with the items under "menu", one under "data"; neither
is confirmed by Zalo's documentation in our sources. Path and key are settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.channels.zalo.api import TOKEN_ERRORS, ZaloApi, ZaloApiError
from bot.channels.zalo.tokens import TokenStore
from bot.router import Router, parse_command
from bot.texts import zalo as T


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One menu entry: what the user sees and the command it sends."""

    title: str
    command: str


#: the menu the issue asks for; a press arrives as `user_send_text` (or a click) with the command
MENU = (
    MenuItem(T.MENU_ASK, "/hoi"),
    MenuItem(T.MENU_TASKS, "/nhiemvu"),
    MenuItem(T.MENU_WEEKLY_REPORT, "/baocao"),
    MenuItem(T.MENU_HELP, "/trogiup"),
)
BODY_KEYS = ("menu", "data")


def unknown_commands(router: Router, items: tuple[MenuItem, ...] = MENU) -> list[str]:
    """Menu commands the router does not know (a renamed command would break the menu)."""
    missing = []
    for item in items:
        parsed = parse_command(item.command)
        if parsed is None or parsed[0] not in router.commands:
            missing.append(item.command)
    return missing


def menu_body(body_key: str, items: tuple[MenuItem, ...] = MENU) -> dict[str, Any]:
    """The request body: text items whose payload is the command (sent back as the user's text)."""
    if body_key not in BODY_KEYS:
        raise ValueError(f"menu body key must be one of {', '.join(BODY_KEYS)}")
    return {body_key: [{"type": "text", "title": item.title, "payload": item.command}
                       for item in items]}


async def set_menu(api: ZaloApi, tokens: TokenStore, *, path: str,
                   body_key: str) -> dict[str, Any]:
    """Set the menu through the OA API (refreshing the token once if Zalo refuses it)."""
    body = menu_body(body_key)
    token = await tokens.access_token()
    try:
        return await api.post_oa(path, token, body)
    except ZaloApiError as exc:
        if exc.code not in TOKEN_ERRORS:
            raise
    return await api.post_oa(path, await tokens.refresh(stale=token), body)
