"""Revocation from the command line: `troly invite list|revoke`, `troly accounts list|unbind`."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import ConversationState, Official, OutboxMessage
from bot.outbox import NewRow, enqueue
from bot.texts import cli as T
from tests.world import World

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


class Cli:
    """`troly …` against one database."""

    def __init__(self, database_url: str) -> None:
        self.env = {"TROLY_DATABASE_URL": database_url, "TROLY_LOAD_DEMO_GUIDES": "false",
                    "TROLY_LOG_LEVEL": "WARNING"}
        self.url = database_url
        self.runner = CliRunner()
        self.cli = build_cli()

    def __call__(self, *args: str, code: int = 0) -> str:
        result = self.runner.invoke(self.cli, list(args), env=self.env)
        assert result.exit_code == code, result.output
        return result.output

    def json_lines(self, *args: str) -> list[dict[str, object]]:
        return [json.loads(line) for line in self(*args, "--json").splitlines()]


async def _seed_accounts(url: str) -> None:
    """CB003 (Lê Minh Châu) on Telegram and Zalo, mid check-in on Telegram, a reminder queued."""
    engine = make_engine(url)
    sessionmaker = make_sessionmaker(engine)
    world = World(sessionmaker, now=lambda: NOW)
    async with sessionmaker() as s:
        chau = (await s.execute(select(Official.id).where(Official.code == "CB003"))).scalar_one()
    for channel, external in (("telegram", "555"), ("zalo", "z555")):
        await world.account(chau, channel, external)
    await world.conversation("telegram", "555", flow="ci", step="progress")
    async with sessionmaker.begin() as s:
        for kind, key in (("deadline", "deadline:1:2026-12-11:T-7"), ("reply", "reply:x")):
            await enqueue(s, NewRow(
                idem_key=f"{key}:{chau}:telegram", kind=kind, subject_type="task",
                subject_id="1", recipient_id=chau, channel="telegram", address="555",
                payload={"text": "Nhắc hạn"}, due_at=NOW, not_before=NOW, created_at=NOW))
    await engine.dispose()


async def _after_unbind(url: str) -> tuple[list[tuple[str, str, str]], int]:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as s:
        rows = [(r.kind, r.channel, r.status) for r in (await s.execute(
            select(OutboxMessage).order_by(OutboxMessage.id))).scalars()]
        states = len((await s.execute(select(ConversationState))).scalars().all())
    await engine.dispose()
    return rows, states


def test_invite_list_and_revoke(database_url: str) -> None:
    troly = Cli(database_url)
    troly("units", "import", str(EXAMPLES / "don-vi.csv"))
    first = json.loads(troly("invite", "--unit", "CDS", "--name", "Người Mới", "--json"))
    second = json.loads(troly("invite", "--unit", "VP", "--role", "admin", "--json"))
    listed = troly.json_lines("invite", "list")
    assert [(i["code"], i["status"]) for i in listed] == [
        (first["code"], "pending"), (second["code"], "pending")]
    assert listed[0]["unit"] == "CDS" and listed[0]["name"] == "Người Mới"
    assert first["code"] in troly("invite", "list")  # the plain listing too
    assert T.INVITATION_REVOKED.format(code=first["code"]) in troly("invite", "revoke",
                                                                    first["code"])
    assert [i["code"] for i in troly.json_lines("invite", "list")] == [second["code"]]
    history = {i["code"]: i["status"] for i in troly.json_lines("invite", "list", "--all")}
    assert history == {first["code"]: "revoked", second["code"]: "pending"}
    again = troly("invite", "revoke", first["code"], code=1)
    assert T.INVITATION_NOT_PENDING.format(code=first["code"]) in again
    assert T.INVITATION_NOT_PENDING.format(code="ZZZZ9999") in troly("invite", "revoke",
                                                                     "ZZZZ9999", code=1)
    # as copied out of a message (quotes, the sentence's full stop, small letters): read by the
    # rule a code typed in a chat is read by (people_store.invitation_key)
    assert T.INVITATION_REVOKED.format(code=second["code"]) in troly(
        "invite", "revoke", f"“{second['code'].lower()}”.")
    assert troly.json_lines("invite", "list") == []


def test_accounts_list_and_unbind(database_url: str) -> None:
    troly = Cli(database_url)
    troly("units", "import", str(EXAMPLES / "don-vi.csv"))
    troly("officials", "import", str(EXAMPLES / "can-bo.csv"))
    asyncio.run(_seed_accounts(database_url))
    listed = troly.json_lines("accounts", "list")
    assert {(a["account"], a["official"]) for a in listed} == {
        ("telegram:555", "CB003"), ("zalo:z555", "CB003")}
    assert troly.json_lines("accounts", "list", "--official", "CB001") == []
    assert "telegram:555" in troly("accounts", "list", "--official", "CB003")
    out = troly("accounts", "unbind", "telegram:555")
    # what happened to the queued messages is said, and done: the reminder moves to Zalo, the
    # chat answer is withdrawn, the unfinished check-in on that app is gone
    assert T.ACCOUNT_UNBOUND.format(account="telegram:555", name="Lê Minh Châu",
                                    code="CB003") in out
    assert T.ACCOUNT_ROWS_MOVED.format(count=1, channel="zalo") in out
    assert T.ACCOUNT_ROWS_CANCELLED.format(count=1) in out
    rows, states = asyncio.run(_after_unbind(database_url))
    assert rows == [("deadline", "telegram", "cancelled"), ("reply", "telegram", "cancelled"),
                    ("deadline", "zalo", "pending")]
    assert states == 0
    assert [a["account"] for a in troly.json_lines("accounts", "list")] == ["zalo:z555"]
    zalo_id = troly.json_lines("accounts", "list")[0]["id"]
    assert T.ACCOUNT_NOT_FOUND.format(account="telegram:555") in troly(
        "accounts", "unbind", "telegram:555", code=1)
    assert "Lê Minh Châu" in troly("accounts", "unbind", str(zalo_id))
    assert troly.json_lines("accounts", "list") == []
    assert T.ACCOUNT_NOT_FOUND.format(account="99999999999999999999") in troly(
        "accounts", "unbind", "99999999999999999999", code=1)
