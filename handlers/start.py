"""/start, /help, follow events and the notice for what troly cannot read."""

from __future__ import annotations

from bot.context import Context
from bot.conversation import FlowBack
from bot.db import account_store
from bot.events import FILE_NOT_FETCHED, UnsupportedMedia
from bot.router import Command, Router
from bot.texts import admin_import as I
from bot.texts import channels as TC
from bot.texts import commands as CMD
from bot.texts import common as T
from bot.texts import zalo as TZ
from handlers import ask, registration


async def start(ctx: Context) -> None:
    """Greet the user; `/start <code>` binds the account (handlers/registration.py)."""
    if await registration.handle_start(ctx):
        return
    if ctx.official is not None:
        ctx.reply(T.WELCOME_OFFICIAL.format(name=ctx.official.name))
    else:
        ctx.reply(T.WELCOME.format(bot=T.BOT_NAME))
        ctx.reply(registration.how_to_join(ctx))
    if ctx.flow_state is not None and ctx.flow_state.flow == ask.WHY_FLOW:
        # the optional "what was wrong?" after 'Chưa đúng' is not asked again when the chat is
        # opened again (the web page sends /start; the answer it asks about is no longer on the
        # screen, and the next question typed would be taken for the comment): it ends, the
        # question stays queued for admins
        ctx.end_flow()
    if ctx.flow_state is not None:
        # a conversation is under way (the web page sends /start when opened again, a Telegram
        # user presses Start): its question is asked again below the greeting, or the next
        # message is read as its answer with the question no longer on the screen
        ctx.reply(T.CONVERSATION_GOES_ON)
        ctx.flow_started = True  # the dispatcher asks the current step (_prompt_new_flow)


async def help_(ctx: Context, router: Router) -> None:
    """List the commands of `router` this user may use (in a group: those answered in a group)."""
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
    account_store.mark_unsubscribed(ctx.account, ctx.now)


#: the notice per kind of unreadable message (events.UnsupportedMedia.kind)
UNSUPPORTED_TEXTS = {
    "photo": T.IMAGE_NOT_SUPPORTED, "image": T.IMAGE_NOT_SUPPORTED,
    "sticker": T.IMAGE_NOT_SUPPORTED, "video": T.IMAGE_NOT_SUPPORTED,
    "voice": TZ.VOICE_NOT_SUPPORTED, "link": TZ.LINK_NOT_SUPPORTED,
    "location": TZ.LOCATION_NOT_SUPPORTED, "business_card": TZ.BUSINESS_CARD_NOT_SUPPORTED,
    "submit_info": TZ.SUBMIT_INFO_NOT_USED, "unsupported": TC.UNSUPPORTED_MESSAGE,
}


#: a file the adapter could not download, per platform: asked to send it again
NOT_FETCHED_TEXTS = {"telegram": TC.FILE_DOWNLOAD_FAILED, "zalo": TZ.FILE_DOWNLOAD_FAILED}


async def unsupported(ctx: Context) -> None:
    """A photo, sticker, voice message… troly cannot read: say what it can read."""
    event = ctx.event
    kind = event.kind if isinstance(event, UnsupportedMedia) else "unsupported"
    if isinstance(event, UnsupportedMedia) and kind == FILE_NOT_FETCHED:
        text = NOT_FETCHED_TEXTS.get(event.chat.channel, TC.FILE_DOWNLOAD_FAILED)
        ctx.reply(text.format(file=event.file_name or ""))
        return
    if isinstance(event, UnsupportedMedia) and event.caption.strip():
        # the dispatcher answers the caption next, as if it had been typed
        ctx.reply(T.MEDIA_CAPTION_ONLY)
        return
    ctx.reply(UNSUPPORTED_TEXTS.get(kind, TC.UNSUPPORTED_MESSAGE))


async def nothing_to_go_back(ctx: Context, button: FlowBack) -> None:
    """"Quay lại" pressed under a conversation that is over."""
    del button
    ctx.reply(T.NOTHING_TO_GO_BACK)


def register(router: Router) -> None:
    """Register start/help."""

    async def help_here(ctx: Context) -> None:
        await help_(ctx, router)  # the commands registered in this router, read when asked

    router.command(Command(("start", "batdau"), start, CMD.START, group_safe=True))
    router.command(Command(("trogiup", "help", "tro_giup"), help_here, CMD.HELP,
                           group_safe=True))
    router.on_subscribed = subscribed
    router.on_unsubscribed = unsubscribed
    router.on_unsupported = unsupported
    # "Quay lại" of a conversation that has ended (during one, the engine takes it)
    router.on(FlowBack, nothing_to_go_back, gone=T.NOTHING_TO_GO_BACK, group_safe=True)
