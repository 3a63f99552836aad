"""/start, /help and follow events."""

from __future__ import annotations

from bot.context import Context
from bot.router import Command, Router
from bot.texts import admin_import as I
from bot.texts import commands as CMD
from bot.texts import common as T
from handlers import registration


async def start(ctx: Context) -> None:
    """Greet the user; `/start <code>` binds the account (handlers/registration.py)."""
    if await registration.handle_start(ctx):
        return
    if ctx.official is not None:
        ctx.reply(T.WELCOME_OFFICIAL.format(name=ctx.official.name))
    else:
        ctx.reply(T.WELCOME.format(bot=T.BOT_NAME))
        ctx.reply(registration.how_to_join(ctx))


async def help_(ctx: Context) -> None:
    """List the commands this user may use (in a group: those answered in a group)."""
    router = ctx.deps.router
    lines = [T.HELP_HEADER]
    for command in router.command_list:
        if command.in_menu and ctx.role in command.roles and (command.group_safe
                                                              or not ctx.in_group) and (
                command.may_use is None or await command.may_use(ctx)):
            aliases = ", ".join("/" + n for n in command.names[1:])
            extra = f" ({aliases})" if aliases else ""
            lines.append(f"/{command.names[0]}{extra}: {command.description}")
    if ctx.role == "admin" and not ctx.in_group:
        lines.append(I.HELP_SEND_FILES)
    lines.append("")
    lines.append(T.HELP_FOOTER)
    ctx.reply("\n".join(lines))


async def subscribed(ctx: Context) -> None:
    """A new follower (Zalo follow): greet them."""
    await start(ctx)


async def unsubscribed(ctx: Context) -> None:
    """Unfollowed/blocked: stop sending to this account."""
    ctx.account.status = "blocked"
    ctx.account.status_changed_at = ctx.now


def register(router: Router) -> None:
    """Register start/help."""
    router.command(Command(("start", "batdau"), start, CMD.START, group_safe=True))
    router.command(Command(("trogiup", "help", "tro_giup"), help_, CMD.HELP, group_safe=True))
    router.on_subscribed = subscribed
    router.on_unsubscribed = unsubscribed
