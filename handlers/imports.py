"""Admins import tables from chat: a .xlsx/.csv sent to troly (units, officials or a plan's tasks,
told apart by the header row) is previewed as a dry run, and imported only when the admin who sent
it presses "Nhập" — exactly the previewed file, bad rows left out and listed."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import PurePath
from typing import Literal

from bot.access import pending_import_for
from bot.buttons import ButtonData
from bot.chat_import import (
    PENDING_IMPORT_TTL,
    describe,
    describe_failure,
    preview_digest,
)
from bot.context import Context
from bot.db.models import PendingImport
from bot.imports.common import ImportFailed, ImportResult
from bot.imports.detect import detect_kind, run_import
from bot.messages import Button
from bot.router import ROLES_ADMINS, Handler, Router
from bot.texts import admin_import as T


@dataclass(frozen=True)
class ImportChoice(ButtonData, prefix="imp"):
    """'Nhập' / 'Huỷ' under an import's preview; only the admin who sent the file may answer."""

    answer: Literal["ok", "no"]
    pending_id: int



#: tables troly imports; every other file goes on to the guides (.docx, .pdf, .md, .txt)
TABLE_SUFFIXES = frozenset({".xlsx", ".csv"})
#: spreadsheets troly cannot read: the admin is asked to save them as .xlsx or .csv
OTHER_SPREADSHEETS = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".numbers"})


class _PreviewChanged(Exception):
    """The confirmed import would not do what the preview showed (rolls its savepoint back)."""

    def __init__(self, result: ImportResult) -> None:
        super().__init__("the import differs from its preview")
        self.result = result


def wrap_file_handler(previous: Handler | None) -> Handler:
    """Tables go to the import; other files to the handler before (guides)."""

    async def handle(ctx: Context) -> None:
        file = ctx.file
        assert file is not None
        suffix = PurePath(file.file_name).suffix.casefold()
        if suffix in TABLE_SUFFIXES or suffix in OTHER_SPREADSHEETS:
            await receive_table(ctx)
        elif previous is not None:
            await previous(ctx)

    return handle


async def receive_table(ctx: Context) -> None:
    """A table sent in chat: admins get the dry-run preview with "Nhập" / "Huỷ"."""
    file = ctx.file
    assert file is not None
    name = PurePath(file.file_name).name[:200] or "tep"
    if ctx.role != "admin" or ctx.official is None:
        ctx.reply(T.ONLY_ADMINS_IMPORT)
        return
    if PurePath(name).suffix.casefold() in OTHER_SPREADSHEETS:
        ctx.reply(T.OLD_EXCEL.format(file=name))
        return
    max_mb = ctx.deps.settings.max_upload_mb
    # the declared size decides first: a file above the limit is refused without being read
    if file.content is None or file.size > max_mb * 1024 * 1024 \
            or len(file.content) > max_mb * 1024 * 1024:
        ctx.reply(T.FILE_TOO_LARGE.format(file=name, limit=max_mb))
        return
    content = file.content
    try:
        kind = await asyncio.to_thread(detect_kind, name, content)
        result = await run_import(kind, ctx.session, name, content, ctx.now, dry_run=True,
                                  partial=True)
    except ImportFailed as exc:
        ctx.reply(describe_failure(exc, name))
        return
    await _offer(ctx, kind, name, content, result)


async def _offer(ctx: Context, kind: str, name: str, content: bytes,
                 result: ImportResult) -> None:
    """Show the preview; keep the file and ask "Nhập" / "Huỷ" when it would change anything."""
    text = describe(result, name, done=False)
    if not result.changes:
        ctx.reply(f"{text}\n{T.NOTHING_TO_IMPORT}")
        return
    assert ctx.official is not None
    row = PendingImport(kind=kind, file_name=name, content=content, official_id=ctx.official.id,
                        preview_digest=preview_digest(result), created_at=ctx.now,
                        expires_at=ctx.now + PENDING_IMPORT_TTL)
    ctx.session.add(row)
    await ctx.session.flush()
    hours = int(PENDING_IMPORT_TTL.total_seconds() // 3600)
    ctx.reply(f"{text}\n{T.PREVIEW_ASK.format(hours=hours)}",
              [Button(T.BUTTON_IMPORT, ImportChoice("ok", row.id).pack()),
               Button(T.BUTTON_CANCEL, ImportChoice("no", row.id).pack())])


async def confirm_import(ctx: Context, button: ImportChoice) -> None:
    """Buttons 'imp:ok:<id>' / 'imp:no:<id>'. Only the admin who sent the file may answer; anyone
    else, a stale or a forged button gets the same "no longer waiting"."""
    row = await pending_import_for(ctx, button.pending_id)
    if row is None:
        ctx.reply(T.CHOICE_GONE)
        return
    await ctx.session.delete(row)
    if button.answer == "no":
        ctx.reply(T.CANCELLED.format(file=row.file_name))
        return
    try:
        async with ctx.session.begin_nested():  # all of this file's changes, or none
            result = await run_import(row.kind, ctx.session, row.file_name, row.content, ctx.now,
                                      dry_run=False, partial=True)
            if preview_digest(result) != row.preview_digest:
                raise _PreviewChanged(result)
    except _PreviewChanged as changed:
        ctx.reply(T.CHANGED_SINCE.format(file=row.file_name))
        await _offer(ctx, row.kind, row.file_name, row.content, changed.result)
        return
    except ImportFailed as exc:
        ctx.reply(describe_failure(exc, row.file_name))
        return
    if row.kind in ("officials", "units"):  # heads and admins may have changed
        ctx.note_roles_changed()  # their Telegram menus follow at once
    ctx.reply(describe(result, row.file_name, done=True))


def register(router: Router) -> None:
    """Register the table import (call after the guides: it wraps their file handler)."""
    router.on(ImportChoice, confirm_import, gone=T.CHOICE_GONE, roles=ROLES_ADMINS)
    router.file_handler = wrap_file_handler(router.file_handler)
