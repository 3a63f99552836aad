"""Files sent as links: stored in the database, downloaded through signed, expiring URLs.

Channel-neutral on purpose. The web chat turns every attachment (the /xuatbaocao spreadsheet, the
digest's chart and spreadsheet) into a link; a Zalo user gets the same kind of link, absolute
(TROLY_PUBLIC_URL), to a small page served by troly (`/tep/<id>?e=…&s=…`: the file's name, size,
expiry and a download button) for every file Zalo cannot carry (LinkIssuer). A link is

    /files/<id>/<name>?e=<expiry, unix seconds>&s=<HMAC-SHA256(secret, id|owner|expiry)>

where `owner` is the chat the file was sent to ("web:<session>"). The signature makes links
unforgeable and expiring; the route (bot/web.py) additionally demands, for a web owner, that the
request carries that session's login, so a link copied out of the page is useless elsewhere. The id
is 128 random bits, so it cannot be guessed either.

The secret comes from TROLY_FILE_LINK_SECRET, or is generated once and kept in the database
(`channel_credentials` row `file_link_secret`) so that every process signs and checks alike.
Links are signed when a message is shown, not when it is stored: a reminder fetched days later
still gets a fresh link, while the file itself is kept only as long as its message may be shown.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.db.base import is_postgres
from bot.db.models import ChannelCredential, StoredFile
from bot.messages import Attachment

SECRET_NAME = "file_link_secret"
ROUTE = "/files"
#: the page a link sent outside the web chat opens (name, size, expiry, a download button)
PAGE_ROUTE = "/tep"
#: the signature sent in links: 128 bits of HMAC-SHA256, hex
SIGNATURE_CHARS = 32
MAX_NAME_CHARS = 200


class LinkCheck(StrEnum):
    """What a presented download link is."""

    VALID = "valid"
    EXPIRED = "expired"
    FORGED = "forged"  # not signed by us, or for another owner or file


@dataclass(frozen=True, slots=True)
class FileRef:
    """A stored file as a message refers to it (the content stays in the database)."""

    id: str
    name: str
    mime_type: str

    def to_json(self) -> dict[str, str]:
        """The form kept in a stored message's payload."""
        return {"id": self.id, "name": self.name, "mime_type": self.mime_type}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileRef:
        """Inverse of to_json."""
        return cls(str(data["id"]), str(data["name"]), str(data.get("mime_type", "")))


def owner_of(channel: str, address: str) -> str:
    """The owner string a link is bound to."""
    return f"{channel}:{address}"


def _safe_name(name: str) -> str:
    cleaned = "".join(c for c in name if c.isprintable() and c not in '/\\"').strip() or "tep"
    return cleaned[-MAX_NAME_CHARS:]


async def store(session: AsyncSession, channel: str, address: str, attachment: Attachment,
                now: datetime, keep: timedelta) -> FileRef:
    """Keep an attachment for `keep` and return its reference."""
    ref = FileRef(secrets.token_hex(16), _safe_name(attachment.file_name), attachment.mime_type)
    session.add(StoredFile(id=ref.id, owner_channel=channel, owner_address=address,
                           file_name=ref.name, mime_type=ref.mime_type,
                           size=len(attachment.content), content=attachment.content,
                           created_at=now, expires_at=now + keep))
    await session.flush()
    return ref


async def load(session: AsyncSession, file_id: str) -> StoredFile | None:
    """A stored file (expired ones too, until collected: the route says "expired", not "unknown")."""
    if len(file_id) != 32 or not all(c in "0123456789abcdef" for c in file_id):
        return None
    return await session.get(StoredFile, file_id)


async def collect_garbage(session: AsyncSession, now: datetime) -> int:
    """Delete expired files (maintenance); returns how many."""
    result = await session.execute(delete(StoredFile).where(StoredFile.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


async def link_secret(session: AsyncSession, configured: str | None, now: datetime) -> bytes:
    """The signing secret: configured, or generated once and shared through the database."""
    if configured:
        return configured.encode("utf-8")
    dialect = postgresql if is_postgres(session) else sqlite
    await session.execute(dialect.insert(ChannelCredential).values(
        name=SECRET_NAME, data={"secret": secrets.token_hex(32)}, updated_at=now,
    ).on_conflict_do_nothing())  # several processes starting at once: the first one wins
    data = (await session.execute(select(ChannelCredential.data).where(
        ChannelCredential.name == SECRET_NAME))).scalar_one()
    return bytes.fromhex(str(data["secret"]))


class FileLinks:
    """Signs and checks download links with the server secret."""

    def __init__(self, secret: bytes, ttl: timedelta) -> None:
        self._secret = secret
        self.ttl = ttl

    def _signature(self, file_id: str, owner: str, expires: int) -> str:
        message = f"{file_id}|{owner}|{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:SIGNATURE_CHARS]

    def url(self, ref: FileRef, owner: str, now: datetime) -> str:
        """A link valid for `ttl` from now (path and query; the host is the page's own)."""
        expires = int((now + self.ttl).timestamp())
        signature = self._signature(ref.id, owner, expires)
        return f"{ROUTE}/{ref.id}/{quote(ref.name)}?e={expires}&s={signature}"

    def page_url(self, ref: FileRef, owner: str, now: datetime) -> str:
        """A link to the file's page, signed like `url` (the page's button carries the same)."""
        expires = int((now + self.ttl).timestamp())
        signature = self._signature(ref.id, owner, expires)
        return f"{PAGE_ROUTE}/{ref.id}?e={expires}&s={signature}"

    def check(self, file_id: str, owner: str, expires: str, signature: str,
              now: datetime) -> LinkCheck:
        """Whether a presented link is one we signed for this owner, and still valid."""
        if not expires.isdigit() or len(expires) > 12 or len(signature) != SIGNATURE_CHARS:
            return LinkCheck.FORGED
        expected = self._signature(file_id, owner, int(expires))
        if not hmac.compare_digest(expected, signature):
            return LinkCheck.FORGED
        return LinkCheck.VALID if int(expires) > now.timestamp() else LinkCheck.EXPIRED


@dataclass(frozen=True, slots=True)
class IssuedLink:
    """An absolute link to a stored file's page, and until when it works."""

    url: str
    expires_at: datetime


class LinkIssuer:
    """Stores files a channel cannot carry and hands out absolute links to their pages."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], clock: Clock,
                 base_url: str, ttl: timedelta, configured_secret: str | None) -> None:
        self._sessionmaker = sessionmaker
        self._clock = clock
        self._base_url = base_url.rstrip("/")
        self._ttl = ttl
        self._configured = configured_secret
        self._links: FileLinks | None = None

    async def _signer(self) -> FileLinks:
        if self._links is None:
            async with self._sessionmaker.begin() as session:
                secret = await link_secret(session, self._configured, self._clock.now())
            self._links = FileLinks(secret, self._ttl)
        return self._links

    async def issue(self, channel: str, address: str, attachment: Attachment) -> IssuedLink:
        """Keep the file for the link's lifetime and return the link (for that chat only)."""
        now = self._clock.now()
        async with self._sessionmaker.begin() as session:
            ref = await store(session, channel, address, attachment, now, self._ttl)
        signer = await self._signer()
        return IssuedLink(self._base_url + signer.page_url(ref, owner_of(channel, address), now),
                          now + self._ttl)
