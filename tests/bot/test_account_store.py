"""Unbinding a chat account: what is queued for it is moved or cancelled only while it is
still to go out; a row a sender claimed meanwhile goes out as it was."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.orm import ORMExecuteState

from bot.db import account_store
from bot.db.models import ChatAccount, OutboxMessage
from bot.outbox import NewRow, OutboxStatus, enqueue
from tests.harness import BotHarness


async def _queue(harness: BotHarness, account: ChatAccount, official_id: int) -> None:
    now = harness.clock.now()
    async with harness.app.sessionmaker.begin() as session:
        for kind in ("deadline", "reply"):  # a planned kind follows the official; a reply not
            await enqueue(session, NewRow(
                idem_key=f"{kind}:1:telegram", kind=kind, channel="telegram",
                address=account.chat_id, payload={"text": kind}, due_at=now, not_before=now,
                created_at=now, recipient_id=official_id, expires_at=now + timedelta(days=1)))


async def test_a_row_claimed_while_unbinding_is_neither_cancelled_nor_copied(
        harness: BotHarness) -> None:
    official_id = await harness.world.official("Lan", "DV1",
                                               accounts={"telegram": "501", "zalo": "z501"})
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "telegram"))).scalar_one()
    await _queue(harness, account, official_id)
    async with harness.app.sessionmaker.begin() as session:
        claimed = False

        def sender_claims(state: ORMExecuteState) -> Any:
            """A sender claims every queued row right after unbinding has loaded them."""
            nonlocal claimed
            if claimed or not state.is_select or "outbox" not in str(state.statement):
                return None
            result = state.invoke_statement()
            claimed = True
            state.session.execute(update(OutboxMessage).values(status=OutboxStatus.SENDING)
                                  .execution_options(synchronize_session=False))
            return result

        event.listen(session.sync_session, "do_orm_execute", sender_claims)
        account = await session.merge(account)
        unbinding = await account_store.unbind_account(session, account, harness.clock.now(),
                                                       channels=["telegram", "zalo"])
        assert claimed
    assert unbinding.cancelled == 0 and not unbinding.moved
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage.channel, OutboxMessage.status)
                                      .order_by(OutboxMessage.id))).all()
    assert [tuple(r) for r in rows] == [("telegram", "sending"), ("telegram", "sending")]


async def test_unbinding_moves_a_planned_row_and_cancels_a_reply(harness: BotHarness) -> None:
    official_id = await harness.world.official("Lan", "DV1",
                                               accounts={"telegram": "501", "zalo": "z501"})
    async with harness.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "telegram"))).scalar_one()
    await _queue(harness, account, official_id)
    async with harness.app.sessionmaker.begin() as session:
        account = await session.merge(account)
        unbinding = await account_store.unbind_account(session, account, harness.clock.now(),
                                                       channels=["telegram", "zalo"])
    assert unbinding.cancelled == 1 and unbinding.moved == {"zalo": 1}
    async with harness.app.sessionmaker() as session:
        rows = (await session.execute(select(OutboxMessage.kind, OutboxMessage.channel,
                                             OutboxMessage.status, OutboxMessage.last_error)
                                      .order_by(OutboxMessage.id))).all()
    assert [tuple(r) for r in rows] == [
        ("deadline", "telegram", "cancelled", "unbound; moved to zalo"),
        ("reply", "telegram", "cancelled", "unbound"),
        ("deadline", "zalo", "pending", None)]
