"""Group chats: where everyone reads along, credentials and private data are never shown.

Commands and buttons declare themselves group-safe in the router (bot/router.py); the dispatcher
answers every other one in a group with the note below and nothing else. The note points to the
private chat rather than answering there unasked: the person may never have opened one (Telegram
refuses a bot's first message), and an answer appearing elsewhere would surprise them.
"""

from __future__ import annotations

from bot.context import Context
from bot.texts import common as T


def private_chat_link(ctx: Context) -> str:
    """' (https://t.me/<bot>)' on Telegram when the bot's username is configured, else ''."""
    username = ctx.deps.settings.telegram_bot_username
    if ctx.event.chat.channel != "telegram" or not username:
        return ""
    return T.PRIVATE_CHAT_LINK.format(url=f"https://t.me/{username.lstrip('@')}")


def private_chat_note(ctx: Context) -> str:
    """The short note a group gets instead of private data."""
    return T.USE_PRIVATE_CHAT.format(link=private_chat_link(ctx))


def file_in_group_note(ctx: Context) -> str:
    """What a group gets for a file sent there: files are taken in the private chat only."""
    return T.FILE_ONLY_IN_PRIVATE.format(link=private_chat_link(ctx))
