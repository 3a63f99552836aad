"""Platform-neutral features. `register` lists every command, button, flow and fallback."""

from __future__ import annotations

from bot.router import Router
from handlers import (
    accounts,
    ask,
    checkin,
    guidance,
    guide_upload,
    guides,
    imports,
    leave,
    logout,
    period_checkin,
    progress,
    registration,
    reminders,
    sections,
    start,
    synonyms,
    tasks,
    unanswered,
)


def register(router: Router) -> None:
    """Register all features on the router (order: /trogiup lists commands in this order)."""
    start.register(router)
    ask.register(router)
    sections.register(router)
    guides.register(router)
    guide_upload.register(router)  # takes the files sent in chat
    imports.register(router)  # after guide_upload: tables sent in chat, other files to guides
    unanswered.register(router)
    synonyms.register(router)
    guidance.register(router)
    tasks.register(router)
    checkin.register(router)
    period_checkin.register(router)
    progress.register(router)
    leave.register(router)
    reminders.register(router)
    registration.register(router)  # after ask: wraps the Q&A fallback (code alone)
    logout.register(router)  # after ask: wraps the Q&A fallback ("đăng xuất" alone)
    accounts.register(router)
