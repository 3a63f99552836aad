"""ORM models: people and units, guides, plans and check-ins, conversations, the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, UTCDateTime
from bot.outbox_status import OutboxStatus

# ---------------------------------------------------------------- people and units


class Unit(Base):
    """An administrative unit; units form a tree (ministry → … → commune)."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    level: Mapped[str | None] = mapped_column(String(32))
    head_official_id: Mapped[int | None] = mapped_column(
        ForeignKey("officials.id", use_alter=True, name="fk_units_head_official_id_officials")
    )
    #: per-unit schedule overrides (JSON; keys as in rules/policy.py), None = global default
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Official(Base):
    """A person using troly: official, unit head, deputy or admin."""

    __tablename__ = "officials"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(16), default="official")  # official|head|deputy|admin
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|inactive
    absent: Mapped[bool] = mapped_column(Boolean, default=False)  # head away: deputies get digests
    email: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChatAccount(Base):
    """One chat identity (Telegram user, Zalo follower, web session) and whom it belongs to."""

    __tablename__ = "chat_accounts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))  # the user id on that platform
    #: where proactive messages go: the user's private chat, which on every platform troly
    #: supports has the user's id (a group message must not redirect reminders to the group)
    chat_id: Mapped[str] = mapped_column(String(128))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    display_name: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|blocked
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebToken(Base):
    """A web chat login: issued when a web session binds to an official, presented by the client.

    Only the SHA-256 of the token is stored. A token is valid while it is not revoked, used within
    the idle time, and its account is still bound to the official it was issued for.
    """

    __tablename__ = "web_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("chat_accounts.id", ondelete="CASCADE"), index=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: idle expiry, pushed back as the token is used
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(32))  # logout|unbound|…


class Invitation(Base):
    """A one-time code binding a chat account to an official (created by admins / heads)."""

    __tablename__ = "invitations"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(16), default="official")
    name: Mapped[str | None] = mapped_column(String(255))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_account_id: Mapped[int | None] = mapped_column(ForeignKey("chat_accounts.id"))
    #: withdrawn before use (`troly invite revoke`, /huymamoi, or posted in a group chat)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))


class InvitationAttempt(Base):
    """One try of an invitation code from a chat, kept to limit guessing (per chat and per
    account, across processes and restarts); rows older than a day are pruned."""

    __tablename__ = "invitation_attempts"
    __table_args__ = (
        Index("ix_invitation_attempts_chat", "channel", "chat_id", "at"),
        Index("ix_invitation_attempts_user", "channel", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)  # True: the code bound the account


# ---------------------------------------------------------------- guides


class Guide(Base):
    """A guidance document; its chunks live in versions, only the current one answers."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    source_ref: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="active")  # active|withdrawn
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("guide_versions.id", use_alter=True, name="fk_guides_current_version_id")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: the unit that owns the guide: its officials review the questions it did not answer
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: first local day in force (None: since it was added)
    effective_from: Mapped[date | None] = mapped_column(Date)
    #: last local day in force, inclusive (None: open-ended); the day after, it is withdrawn
    effective_until: Mapped[date | None] = mapped_column(Date)
    #: the guide this one replaces: once this one is in force, the old one no longer answers
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("guides.id"))
    #: who must apply it: {"units": [unit ids, sub-units included], "roles": [role, …]}
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: the version announced to the audience and when (the planner sends, then reminds once)
    announced_version: Mapped[int | None] = mapped_column(Integer)
    announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: why it was withdrawn: 'admin' (/thuhoi, CLI) or 'expired' (past effective_until)
    withdrawn_reason: Mapped[str | None] = mapped_column(String(16))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GuideAck(Base):
    """An official's "Đã nắm" (acknowledged) for one announced version of a guide."""

    __tablename__ = "guide_acks"

    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), primary_key=True,
                                             index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuideVersion(Base):
    """One uploaded file of a guide; older versions are kept when a guide is replaced."""

    __tablename__ = "guide_versions"
    __table_args__ = (UniqueConstraint("guide_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str | None] = mapped_column(String(255))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class GuideChunk(Base):
    """A searchable passage of a guide version with its heading path."""

    __tablename__ = "guide_chunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("guide_versions.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    heading_path: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    #: the section was marked for sharing with citizens ('[chia sẻ]' after its heading)
    share: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PendingUpload(Base):
    """A guide file sent in chat, waiting for the admin's "Lưu" (kept a day; nothing is stored
    or replaced without it); `target_guide_id`: the guide of the same title it would update;
    `parsed`: what the file was read as for the summary (bot/guide_import.encode_parsed), so
    that "Lưu" stores it without parsing the file again."""

    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    parsed: Mapped[bytes | None] = mapped_column(LargeBinary)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    uploaded_by: Mapped[str | None] = mapped_column(String(255))
    target_guide_id: Mapped[int | None] = mapped_column(ForeignKey("guides.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PendingImport(Base):
    """A table (units, officials, a plan's tasks) sent in chat by an admin, previewed as a dry run
    and waiting for that admin's "Nhập"; the confirmation imports exactly this content (kept a
    day, then forgotten)."""

    __tablename__ = "pending_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # units|officials|tasks
    file_name: Mapped[str] = mapped_column(String(500))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id", ondelete="CASCADE"))
    #: SHA-256 of what the preview showed (created, changed, rejected): a confirmation that would
    #: do anything else (the database changed meanwhile) shows a new preview instead
    preview_digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UnansweredQuestion(Base):
    """A question the guides did not answer, for admins to review."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    best_guide_slug: Mapped[str | None] = mapped_column(String(255))
    best_score: Mapped[float | None]
    #: "guide › section" troly offered as possibly related when the asker answered "Chưa đúng"
    shown_passage: Mapped[str | None] = mapped_column(String(500))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=False)
    #: 'declined' (troly said it does not know) or 'wrong' (the asker said "Chưa đúng")
    kind: Mapped[str] = mapped_column(String(16), default="declined", server_default="declined")
    #: the chunk troly showed when the asker said "Chưa đúng"
    shown_chunk_id: Mapped[int | None] = mapped_column(Integer)
    #: what the asker said was wrong (optional)
    comment: Mapped[str | None] = mapped_column(Text)
    #: how an admin closed it: 'answered', 'linked' or 'ignored'
    resolution: Mapped[str | None] = mapped_column(String(16))
    #: the reason an admin ignored it, or the section/answer it was closed with
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(255))


class AnswerFeedback(Base):
    """"Hữu ích" / "Chưa đúng" pressed under an answer: which passage, for which question."""

    __tablename__ = "answer_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    chunk_id: Mapped[int] = mapped_column(Integer, index=True)
    question: Mapped[str] = mapped_column(Text)
    helpful: Mapped[bool] = mapped_column(Boolean)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class QAEntry(Base):
    """An admin's answer to a queued question, kept as a "Hỏi – đáp" section of a guide; a new file
    of the guide gets the entries it does not hold itself (bot/guide_import.py)."""

    __tablename__ = "qa_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), index=True)
    heading_path: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))


class QAEntryChange(Base):
    """Who edited or withdrew a Q&A entry, when, and its text before and after (None: withdrawn).

    Kept apart from qa_entries, whose row is deleted when the entry is withdrawn: the question and
    the guide are copied here so the record still reads on its own."""

    __tablename__ = "qa_entry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(Integer, index=True)  # no key: the entry may be gone
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), index=True)
    question: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(16))  # edited|removed
    old_answer: Mapped[str] = mapped_column(Text)
    new_answer: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    changed_by: Mapped[str | None] = mapped_column(String(255))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))


class SectionPhrasing(Base):
    """A question an admin pointed at a guide section: searched as another wording of it."""

    __tablename__ = "section_phrasings"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(ForeignKey("guides.id"), index=True)
    heading_path: Mapped[list[str]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str | None] = mapped_column(String(255))


class ChangeCounter(Base):
    """A generation per kind of shared data ('knowledge'), bumped in the transaction that changes
    it; every process polls it and rebuilds what it derived (bot/knowledge_watch.py)."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Synonym(Base):
    """An admin-editable synonym: a term and what it should also match."""

    __tablename__ = "synonyms"

    term: Mapped[str] = mapped_column(String(128), primary_key=True)
    expansions: Mapped[list[str]] = mapped_column(JSON)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by: Mapped[str | None] = mapped_column(String(255))


# ---------------------------------------------------------------- plans, tasks, check-ins


class Plan(Base):
    """A plan document assigning tasks (e.g. 'Kế hoạch số 286/KH-BTTTT')."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(255), unique=True)
    title: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Task(Base):
    """A task of a plan with a lead unit, a local-date deadline, status and progress."""

    __tablename__ = "tasks"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    ordinal: Mapped[str | None] = mapped_column(String(16))  # STT
    title: Mapped[str] = mapped_column(Text)
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    deadline: Mapped[date | None] = mapped_column(Date, index=True)  # local date
    deadline_text: Mapped[str | None] = mapped_column(String(128))  # as written in the plan
    product: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|done|cancelled
    progress: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskEvent(Base):
    """A task's progress and status from an instant on (check-in, 'Đã xong', import), so a report
    for a past period shows the task as it was at the period's cut-off."""

    __tablename__ = "task_events"
    __table_args__ = (Index("ix_task_events_task_at", "task_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    progress: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # open|done|cancelled
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    official_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    source: Mapped[str] = mapped_column(String(16))  # checkin|button|import|migration


class PlanConsolidator(Base):
    """A consolidating unit (đơn vị tổng hợp) of a plan: it follows every unit's tasks of the plan."""

    __tablename__ = "plan_consolidators"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskUnit(Base):
    """A co-operating unit of a task."""

    __tablename__ = "task_units"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)


class TaskAssignee(Base):
    """An official responsible for a task."""

    __tablename__ = "task_assignees"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), primary_key=True, index=True)


class CheckinReport(Base):
    """One official's weekly report (ISO week), submitted or skipped."""

    __tablename__ = "checkin_reports"
    __table_args__ = (UniqueConstraint("official_id", "iso_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), index=True)
    iso_week: Mapped[str] = mapped_column(String(10), index=True)  # '2026-W48'
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|skipped
    skip_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinEntry(Base):
    """The week's answer for one task in a report."""

    __tablename__ = "checkin_entries"
    __table_args__ = (UniqueConstraint("report_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("checkin_reports.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id"), index=True)
    progress: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str | None] = mapped_column(String(16))  # on_track|at_risk|late|done|skipped
    blockers: Mapped[str | None] = mapped_column(Text)
    next_plan: Mapped[str | None] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckinRevision(Base):
    """A snapshot of a report each time it is submitted or edited (edits after cut-off are late)."""

    __tablename__ = "checkin_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("checkin_reports.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeriodReport(Base):
    """One official's summary of a month (or quarter, half-year, year): what the weekly check-ins
    do not say — highlights, difficulties, recommendations."""

    __tablename__ = "period_reports"
    __table_args__ = (UniqueConstraint("official_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"), index=True)
    period_key: Mapped[str] = mapped_column(String(10), index=True)  # '2026-11', '2026-Q4'
    kind: Mapped[str] = mapped_column(String(8))  # month|quarter|half|year
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|submitted|skipped
    highlights: Mapped[str | None] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)
    recommendations: Mapped[str | None] = mapped_column(Text)
    skip_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PeriodReportRevision(Base):
    """A snapshot of a period summary each time it is confirmed (after the cut-off: late)."""

    __tablename__ = "period_report_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("period_reports.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OfficialLeave(Base):
    """Leave between two local dates (inclusive): reminders and prompts pause; a head's digests go
    to the unit's deputies meanwhile."""

    __tablename__ = "official_leaves"
    __table_args__ = (Index("ix_official_leaves_official_start", "official_id", "start_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    official_id: Mapped[int] = mapped_column(ForeignKey("officials.id"))
    start_day: Mapped[date] = mapped_column(Date)
    end_day: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("officials.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# ---------------------------------------------------------------- conversations and inbound


class ConversationState(Base):
    """The active flow of one chat, JSON data, and the last numbered menu offered."""

    __tablename__ = "conversation_state"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    flow: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the choices last offered as text (bot/messages.py Menu.to_json; a list: payloads by
    #: number, as stored before final choices were typed by name)
    menu: Mapped[dict[str, Any] | list[str] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ButtonPayload(Base):
    """A button payload too long for a platform (Telegram: 64 bytes), behind a short token."""

    __tablename__ = "button_payloads"

    token: Mapped[str] = mapped_column(String(32), primary_key=True)
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UsedKeyboard(Base):
    """A keyboard (one message's buttons) already chosen from: a second press is stale."""

    __tablename__ = "used_keyboards"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    keyboard: Mapped[str] = mapped_column(String(64), primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class TelegramMenu(Base):
    """The role whose command menu a Telegram private chat was given (BotCommandScopeChat)."""

    __tablename__ = "telegram_menus"

    chat_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InboundUpdate(Base):
    """Platform update ids already processed, so webhook retries are dropped: the keys of events
    the dispatcher processed outside the inbound queue, and those of the queue's rows once purged
    (bot/db/inbound_store.py)."""

    __tablename__ = "inbound_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class InboundEventRow(Base):
    """A webhook event stored verbatim before it is acknowledged, processed from here.

    Its unique key drops platform retries; its status is the exactly-once marker (turned
    'answered' in the processing transaction). Purged rows leave their keys in `inbound_updates`.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        UniqueConstraint("channel", "event_key", name="uq_inbound_events_channel_event_key"),
        Index("ix_inbound_events_status_lease_until", "status", "lease_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(160))
    chat_id: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)  # the raw request body, as signed
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: pending → answered (effects committed, replies kept below) → done (replies sent) | failed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    #: a process working on the row holds it until then; an expired lease means it died
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: the replies (bot.messages.to_payload), written in the transaction that processed the event
    replies: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class StoredFile(Base):
    """A file sent to a chat as a link (bot/files.py): kept until its messages can no longer show it."""

    __tablename__ = "stored_files"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 128 random bits, hex
    owner_channel: Mapped[str] = mapped_column(String(16))
    owner_address: Mapped[str] = mapped_column(String(128))
    file_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class ChannelCredential(Base):
    """Rotating platform credentials (Zalo access/refresh tokens) kept in the database."""

    __tablename__ = "channel_credentials"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WebRateLimit(Base):
    """One web chat rate limit key (a session, a client network) shared by every process on
    PostgreSQL (bot/rate_limit.py): the theoretical arrival time of its next request (GCRA), in
    seconds since the epoch. A row whose instant is past is as good as none; old ones are deleted."""

    __tablename__ = "web_rate_limits"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # session | address
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tat: Mapped[float] = mapped_column(Double)


# ---------------------------------------------------------------- scheduling and delivery


class OutboxMessage(Base):
    """One message to deliver, keyed by an idempotency key (never two rows per occurrence)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),
                      # the replies-waiting check per inbound event (migration 0019)
                      Index("ix_outbox_channel_address_status", "channel", "address", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    idem_key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(32))  # deadline|overdue|checkin|nudge|digest|reply|…
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64), index=True)
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("officials.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # rendered text, buttons, attachments
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    #: an OutboxStatus value (bot/outbox.py)
    status: Mapped[str] = mapped_column(String(20), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=8)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    last_error_code: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when the recipient's app reported the message read (Zalo `user_seen_message`)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryAttempt(Base):
    """Audit trail of every send attempt of an outbox row."""

    __tablename__ = "delivery_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    attempt_no: Mapped[int] = mapped_column(Integer)
    worker_id: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(20))  # sent|retry|permanent|ambiguous|…
    error_code: Mapped[str | None] = mapped_column(String(64))
    retry_after: Mapped[float | None]


class WorkerLease(Base):
    """Leader lease per bot account; epoch is a fencing token that changes on takeover."""

    __tablename__ = "worker_leases"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(128))
    epoch: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRun(Base):
    """Once-per-period jobs (digest of a week…): only the process whose insert wins runs it."""

    __tablename__ = "job_runs"

    job_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarDay(Base):
    """Extra days off and official make-up working days beyond the holidays package."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # off|workday
    note: Mapped[str | None] = mapped_column(String(255))


#: schedule_policies key of the global schedule
GLOBAL_POLICY_KEY = "global"


def unit_policy_key(unit_id: int) -> str:
    """The schedule_policies key of one unit."""
    return f"unit:{unit_id}"


class SchedulePolicy(Base):
    """Global (key 'global') or per-unit ('unit:<id>') schedule settings as JSON."""

    __tablename__ = "schedule_policies"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # 'global' or 'unit:<id>'
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
