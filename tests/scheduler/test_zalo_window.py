"""Zalo messaging window: every routing case, against the fake OA over real HTTP.

inside 48 h → send; 48 h – 7 days → send if the unit allows paid messages, else the next channel;
past 7 days → the configured template, else the next channel; no channel left → 'unreachable',
listed in the head's digest. Also the configurable meaning of Zalo's uncertain refusal codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo.api import ZaloApi
from bot.channels.zalo.channel import ZaloChannel, ZaloCodes, ZaloTemplate, international_phone
from bot.channels.zalo.tokens import TokenStore
from bot.clock import ManualClock
from bot.db.models import ChatAccount, Official, OutboxMessage
from bot.messaging_window import Action, MessagingWindow, Reason, decide, span_words
from bot.texts import reminders as T
from scheduler.delivery import OutboxDispatcher
from scheduler.digest import undelivered
from scheduler.planner import send_guards
from scheduler.ticks import Ticks
from testkit.fake_zalo import FakeZalo
from tests.fakes import FakeChannel
from tests.scheduler.sim import Sim
from tests.world import World, at

DUE = at(date(2026, 12, 7), 8)  # T-7 of a Monday 14 Dec deadline
PARAMS = {"ho_ten": "name", "noi_dung": "text", "ngay": "date"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    """The fake OA API on 127.0.0.1."""
    server = FakeZalo()
    await server.start()
    yield server
    await server.close()


@dataclass
class Oa:
    """The real Zalo channel pointed at the fake, plus a recording second channel."""

    fake: FakeZalo
    zalo: ZaloChannel
    telegram: FakeChannel
    world: World
    sim: Sim
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: ManualClock

    async def official(self, accounts: dict[str, str], *, unit_schedule: dict[str, object] | None
                       = None, phone: str | None = None) -> int:
        """Lan in unit P1 with a task due Monday 14 Dec; the deadline reminder is planned."""
        await self.world.unit("P1", schedule=unit_schedule)
        lan = await self.world.official("Lan", "P1", accounts=accounts, head=True)
        if phone:
            async with self.sessionmaker.begin() as s:
                await s.execute(update(Official).where(Official.id == lan).values(phone=phone))
        await self.world.task("NV1", date(2026, 12, 14), "P1", [lan])
        return lan

    async def last_wrote(self, ago: timedelta | None) -> None:
        """Set when the Zalo user last wrote to the OA (None: never)."""
        async with self.sessionmaker.begin() as s:
            await s.execute(update(ChatAccount).where(ChatAccount.channel == "zalo").values(
                last_inbound_at=None if ago is None else DUE - ago))

    async def deliver(self) -> dict[str, OutboxMessage]:
        """Plan at DUE and drain; deadline rows by channel."""
        self.clock.set(DUE)
        await self.sim.plan()
        dispatcher = OutboxDispatcher(self.sessionmaker, self.clock,
                                      {"zalo": self.zalo, "telegram": self.telegram},
                                      worker_id="w1", guards=send_guards())
        await dispatcher.drain()
        return {r.channel: r for r in await self.world.rows(kind="deadline")}


def _channel(fake: FakeZalo, sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock,
             *, template: ZaloTemplate | None = None, codes: ZaloCodes | None = None) -> ZaloChannel:
    api = ZaloApi(api_url=fake.url, oauth_url=fake.url, app_id=fake.app_id,
                  app_secret=fake.app_secret, timeout=5.0)
    access, refresh = fake.issue_tokens()
    tokens = TokenStore(sessionmaker, api, clock, seed_access_token=access,
                        seed_refresh_token=refresh)
    return ZaloChannel(api, tokens, template=template, codes=codes)


def _template(fake: FakeZalo, recipient: str = "user_id") -> ZaloTemplate:
    return ZaloTemplate("tpl-77", f"{fake.url}/message/template", recipient, PARAMS)


@pytest.fixture
async def oa(fake: FakeZalo, world: World, sessionmaker: async_sessionmaker[AsyncSession],
             clock: ManualClock) -> AsyncIterator[Oa]:
    """No template configured (each test may set one)."""
    zalo = _channel(fake, sessionmaker, clock)
    telegram = FakeChannel(name="telegram")
    # Zalo first: this deployment prefers it, so the planner addresses reminders to Zalo
    sim = Sim(sessionmaker, clock, {"zalo": zalo, "telegram": telegram})
    yield Oa(fake, zalo, telegram, world, sim, sessionmaker, clock)
    await zalo.api.close()


BOTH = {"zalo": "z-lan", "telegram": "t-lan"}


# ---------------------------------------------------------------- the pure decision


@pytest.mark.parametrize(("ago", "paid", "template", "expected"), [
    (timedelta(hours=1), False, False, (Action.SEND, Reason.WINDOW)),
    (timedelta(hours=47, minutes=59), False, True, (Action.SEND, Reason.WINDOW)),
    (timedelta(hours=48), False, True, (Action.NEXT, Reason.PAID_NOT_ALLOWED)),
    (timedelta(hours=48), True, False, (Action.SEND, Reason.PAID)),
    (timedelta(days=6, hours=23), True, False, (Action.SEND, Reason.PAID)),
    (timedelta(days=7), True, True, (Action.TEMPLATE, Reason.TEMPLATE)),
    (timedelta(days=7), True, False, (Action.NEXT, Reason.CLOSED)),
    (None, True, False, (Action.NEXT, Reason.CLOSED)),
    (None, False, True, (Action.TEMPLATE, Reason.TEMPLATE)),
])
def test_decision_table(ago: timedelta | None, paid: bool, template: bool,
                        expected: tuple[Action, Reason]) -> None:
    now = datetime(2026, 12, 7, 1, 0).astimezone()
    decision = decide(MessagingWindow(), None if ago is None else now - ago, now,
                      paid_allowed=paid, template_ready=template)
    assert (decision.action, decision.reason) == expected


# ---------------------------------------------------------------- routing over the fake OA


async def test_inside_48h_sends_a_consultation_message(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(hours=47))
    rows = await oa.deliver()
    assert set(rows) == {"zalo"} and rows["zalo"].status == "sent"
    assert rows["zalo"].payload["meta"]["route"] == "window"
    assert len(oa.fake.sent_texts("z-lan")) == 1 and "NV1" in oa.fake.sent_texts("z-lan")[0]
    assert oa.fake.templates == [] and oa.telegram.sent == []


async def test_paid_window_without_permission_takes_the_next_channel(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=3))
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted"
    assert rows["zalo"].last_error_code == "paid_not_allowed"
    assert rows["zalo"].last_error == "paid_not_allowed; fallback:telegram"
    assert rows["telegram"].status == "sent"
    assert rows["telegram"].payload["meta"]["tried"] == ["zalo"]
    assert oa.fake.requests == []  # nothing reached Zalo: no paid message
    assert len(oa.telegram.texts("t-lan")) == 1


async def test_paid_window_with_the_units_permission_sends(oa: Oa) -> None:
    await oa.official(BOTH, unit_schedule={"zalo_paid_messages": True})
    await oa.last_wrote(timedelta(days=6))
    rows = await oa.deliver()
    assert set(rows) == {"zalo"} and rows["zalo"].status == "sent"
    assert rows["zalo"].payload["meta"]["route"] == "paid"
    assert len(oa.fake.sent_texts("z-lan")) == 1 and oa.telegram.sent == []


async def test_global_policy_allows_paid_messages_too(oa: Oa) -> None:
    from bot.db.models import GLOBAL_POLICY_KEY, SchedulePolicy
    async with oa.sessionmaker.begin() as s:
        s.add(SchedulePolicy(key=GLOBAL_POLICY_KEY, data={"zalo_paid_messages": True},
                             updated_at=DUE))
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=2, hours=1))
    rows = await oa.deliver()
    assert rows["zalo"].status == "sent" and rows["zalo"].payload["meta"]["route"] == "paid"


async def test_past_7_days_sends_the_configured_template(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake)
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=8))
    rows = await oa.deliver()
    assert set(rows) == {"zalo"} and rows["zalo"].status == "sent"
    assert rows["zalo"].payload["meta"]["route"] == "template"
    [body] = oa.fake.templates
    assert body["template_id"] == "tpl-77" and body["user_id"] == "z-lan"
    data = body["template_data"]
    assert data["ho_ten"] == "Lan" and data["ngay"] == "07/12/2026"
    assert "NV1" in data["noi_dung"] and len(data["noi_dung"]) <= 100
    assert body["tracking_id"] == f"troly-{rows['zalo'].id}"
    assert oa.fake.sent == [] and oa.telegram.sent == []  # no consultation message tried


async def test_template_by_phone_uses_the_officials_number(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake, recipient="phone")
    await oa.official(BOTH, phone="0912 345 678")
    await oa.last_wrote(timedelta(days=30))
    rows = await oa.deliver()
    assert rows["zalo"].status == "sent"
    [body] = oa.fake.templates
    assert body["phone"] == "84912345678" and "user_id" not in body


async def test_template_by_phone_without_a_number_takes_the_next_channel(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake, recipient="phone")
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=30))
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted"
    assert rows["zalo"].last_error_code == "zalo_template_no_phone"
    assert rows["telegram"].status == "sent" and oa.fake.templates == []


async def test_refused_template_takes_the_next_channel(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake)
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=9))
    oa.fake.fail_next(-201)  # e.g. a template not approved yet, or a parameter too long
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted" and rows["zalo"].last_error_code == "zalo_template"
    assert rows["telegram"].status == "sent"
    async with oa.sessionmaker() as s:
        from bot.db.models import DeliveryAttempt
        outcomes = list((await s.execute(select(DeliveryAttempt.outcome).where(
            DeliveryAttempt.outbox_id == rows["zalo"].id))).scalars())
    assert outcomes == ["permanent"]


async def test_template_transient_failure_is_retried(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake)
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=9))
    oa.fake.fail_next(http_status=502)
    rows = await oa.deliver()
    assert rows["zalo"].status == "pending" and "telegram" not in rows
    oa.clock.set(rows["zalo"].not_before)
    await OutboxDispatcher(oa.sessionmaker, oa.clock, {"zalo": oa.zalo}, worker_id="w", guards=send_guards()).drain()
    [row] = await oa.world.rows(kind="deadline")
    assert row.status == "sent" and len(oa.fake.templates) == 1


async def test_past_7_days_without_template_takes_the_next_channel(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=7, seconds=1))
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted" and rows["zalo"].last_error_code == "window_closed"
    assert rows["telegram"].status == "sent" and oa.fake.requests == []


async def test_never_wrote_counts_as_closed(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(None)
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted" and rows["zalo"].last_error_code == "window_closed"


async def test_no_channel_left_is_unreachable_and_in_the_heads_digest(oa: Oa) -> None:
    await oa.official({"zalo": "z-lan"})
    await oa.last_wrote(timedelta(days=4))
    rows = await oa.deliver()
    assert set(rows) == {"zalo"} and rows["zalo"].status == "unreachable"
    assert rows["zalo"].last_error_code == "paid_not_allowed" and oa.fake.requests == []
    async with oa.sessionmaker() as s:
        lines = await undelivered(s, [oa.world.units["P1"]], DUE - timedelta(days=1),
                                  DUE + timedelta(days=1))
    assert lines == [T.DIGEST_UNDELIVERED_ITEM.format(
        name="Lan", what=T.UNDELIVERED_KINDS["deadline"],
        why=T.UNDELIVERED_REASONS["paid_not_allowed"].format(free=T.SPAN_HOURS.format(hours=48)))]
    assert T.UNDELIVERED_REASONS["paid_not_allowed"].format(free=T.SPAN_HOURS.format(hours=48)) \
        in lines[0]
    # the head's digest words the window as it is set, not a fixed "48 giờ"
    async with oa.sessionmaker() as s:
        lines = await undelivered(s, [oa.world.units["P1"]], DUE - timedelta(days=1),
                                  DUE + timedelta(days=1),
                                  MessagingWindow(free=timedelta(hours=36), paid=timedelta(days=10)))
    assert T.UNDELIVERED_REASONS["paid_not_allowed"].format(free=T.SPAN_HOURS.format(hours=36)) \
        in lines[0] and "48" not in lines[0]


async def test_a_closed_window_in_the_digest_names_the_paid_window_as_set(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=12))
    async with oa.sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).where(ChatAccount.channel == "telegram")
                        .values(status="blocked"))
    rows = await oa.deliver()
    assert rows["zalo"].status == "unreachable" and rows["zalo"].last_error_code == "window_closed"
    async with oa.sessionmaker() as s:
        lines = await undelivered(s, [oa.world.units["P1"]], DUE - timedelta(days=1),
                                  DUE + timedelta(days=1),
                                  MessagingWindow(free=timedelta(hours=48), paid=timedelta(days=10)))
    closed = T.UNDELIVERED_REASONS["window_closed"].format(paid=T.SPAN_DAYS.format(days=10))
    assert len(lines) == 1 and closed in lines[0]
    assert T.SPAN_DAYS.format(days=7) not in lines[0]
    # the scheduler builds the digest with the Zalo channel's window as configured
    oa.zalo.window = MessagingWindow(free=timedelta(hours=48), paid=timedelta(days=10))
    ticks = Ticks(oa.sessionmaker, oa.clock, {"zalo": oa.zalo, "telegram": oa.telegram}, owner="A")
    async with oa.sessionmaker() as s:
        digest = await ticks._build_digest(s, oa.world.units["P1"], "2026-W50", "week",
                                           DUE + timedelta(hours=1))
    assert closed in digest.text


async def test_blocked_other_channel_is_not_a_way_out(oa: Oa) -> None:
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=10))
    async with oa.sessionmaker.begin() as s:
        await s.execute(update(ChatAccount).where(ChatAccount.channel == "telegram")
                        .values(status="blocked"))
    rows = await oa.deliver()
    assert rows["zalo"].status == "unreachable" and rows["zalo"].last_error_code == "window_closed"


async def test_fallback_from_telegram_does_not_come_back(oa: Oa, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Telegram blocked → Zalo; Zalo's window closed → not Telegram again: unreachable."""
    from bot.errors import DeliveryError, DeliveryOutcome
    await oa.world.unit("P1")
    lan = await oa.world.official("Lan", "P1", accounts={"telegram": "t-lan", "zalo": "z-lan"})
    await oa.world.task("NV1", date(2026, 12, 14), "P1", [lan])
    await oa.last_wrote(timedelta(days=10))
    oa.clock.set(DUE)
    sim = Sim(sessionmaker, oa.clock, {"telegram": oa.telegram, "zalo": oa.zalo})
    await sim.plan()
    oa.telegram.failures.append(DeliveryError("telegram", DeliveryOutcome.BLOCKED, "403"))
    await OutboxDispatcher(sessionmaker, oa.clock, {"telegram": oa.telegram, "zalo": oa.zalo},
                           worker_id="w", guards=send_guards()).drain()
    rows = {r.channel: r for r in await oa.world.rows(kind="deadline")}
    assert rows["telegram"].status == "failed_permanent"
    assert rows["zalo"].status == "unreachable" and rows["zalo"].payload["meta"]["tried"] == [
        "telegram"]


async def test_replies_are_not_routed(oa: Oa, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """An answer to the user's own message goes out whatever the window says."""
    from bot.replies import REPLY_KIND
    await oa.world.unit("P1")
    lan = await oa.world.official("Lan", "P1", accounts={"zalo": "z-lan"})
    await oa.last_wrote(timedelta(days=10))
    async with sessionmaker.begin() as s:
        s.add(OutboxMessage(idem_key="reply:1", kind=REPLY_KIND, recipient_id=lan,
                            channel="zalo", address="z-lan", payload={"text": "Trả lời"},
                            due_at=DUE, not_before=DUE, status="pending", attempts=0,
                            max_attempts=3, created_at=DUE, updated_at=DUE))
    oa.clock.set(DUE)
    await OutboxDispatcher(sessionmaker, oa.clock, {"zalo": oa.zalo}, worker_id="w", guards=send_guards()).drain()
    assert oa.fake.sent_texts("z-lan") == ["Trả lời"]


# ---------------------------------------------------------------- uncertain refusal codes


@pytest.mark.parametrize(("codes", "scripted", "expected_code", "account_status"), [
    # defaults: -230/-232 window, -211/-218 quota, -213 not a follower (blocked)
    (ZaloCodes(), -230, "zalo_window", "active"),
    (ZaloCodes(), -232, "zalo_window", "active"),
    (ZaloCodes(), -211, "zalo_quota", "active"),
    (ZaloCodes(), -218, "zalo_quota", "active"),
    (ZaloCodes(), -213, "blocked", "blocked"),
    # alternatives a test OA may show: -213 for a closed window, -232 for a quota, -230 for
    # "not a follower"
    (ZaloCodes.of([-230, -213], [-211], []), -213, "zalo_window", "active"),
    (ZaloCodes.of([-230], [-211, -232], [-213]), -232, "zalo_quota", "active"),
    (ZaloCodes.of([-232], [-211], [-213, -230]), -230, "blocked", "blocked"),
    # a code listed nowhere is kept and retried with backoff
    (ZaloCodes.of([-230], [-211], []), -213, "transient", "active"),
])
async def test_refusal_codes_mean_what_settings_say(
        fake: FakeZalo, world: World, sessionmaker: async_sessionmaker[AsyncSession],
        clock: ManualClock, codes: ZaloCodes, scripted: int, expected_code: str,
        account_status: str) -> None:
    zalo = _channel(fake, sessionmaker, clock, codes=codes)
    telegram = FakeChannel(name="telegram")
    oa = Oa(fake, zalo, telegram, world, Sim(sessionmaker, clock, {"zalo": zalo,
                                                                    "telegram": telegram}),
            sessionmaker, clock)
    try:
        await oa.official(BOTH)
        await oa.last_wrote(timedelta(hours=2))  # inside the window: troly sends, Zalo refuses
        fake.fail_next(scripted)
        rows = await oa.deliver()
    finally:
        await zalo.api.close()
    assert rows["zalo"].last_error_code == expected_code
    async with sessionmaker() as s:
        status = (await s.execute(select(ChatAccount.status).where(
            ChatAccount.channel == "zalo"))).scalar_one()
    assert status == account_status
    if expected_code == "transient":
        assert rows["zalo"].status == "pending" and "telegram" not in rows
    else:
        assert rows["zalo"].status == "failed_permanent"
        assert rows["telegram"].status == "sent"  # the other channel takes it


def test_a_code_with_two_meanings_is_refused() -> None:
    with pytest.raises(ValueError, match="-213"):
        ZaloCodes.of([-230, -213], [-211], [-213])


@pytest.mark.parametrize(("raw", "expected"), [
    ("0912 345 678", "84912345678"), ("+84 912-345-678", "84912345678"),
    ("84912345678", "84912345678"), ("", None), (None, None), ("12", None),
])
def test_international_phone(raw: str | None, expected: str | None) -> None:
    assert international_phone(raw) == expected


def test_template_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="recipient"):
        ZaloTemplate("t", "http://x", "email", {})
    with pytest.raises(ValueError, match="birthday"):
        ZaloTemplate("t", "http://x", "user_id", {"a": "birthday"})


# ---------------------------------------------------------------- troly reminders preview


@pytest.mark.parametrize(("accounts", "ago", "paid", "template", "via", "route"), [
    (BOTH, timedelta(hours=1), False, False, "zalo", "window"),
    (BOTH, timedelta(days=3), True, False, "zalo", "paid"),
    (BOTH, timedelta(days=3), False, True, "telegram", "zalo: paid_not_allowed; rerouted"),
    (BOTH, timedelta(days=8), False, True, "zalo", "template"),
    (BOTH, None, False, False, "telegram", "zalo: window_closed; rerouted"),
    ({"zalo": "z-lan"}, timedelta(days=8), True, False, "", "zalo: window_closed; unreachable"),
])
async def test_preview_says_which_channel_and_why(
        oa: Oa, accounts: dict[str, str], ago: timedelta | None, paid: bool, template: bool,
        via: str, route: str) -> None:
    from bot.messaging_window import WindowConfig
    from scheduler.preview import preview_all
    await oa.official(accounts, unit_schedule={"zalo_paid_messages": paid})
    await oa.last_wrote(ago)
    async with oa.sessionmaker() as s:
        result = await preview_all(s, DUE, DUE + timedelta(hours=1), now=DUE,
                                   channels=("zalo", "telegram"),
                                   windows={"zalo": WindowConfig(MessagingWindow(), template)})
    [item] = [i for i in result.items if i.kind == "deadline"]
    assert (item.channel, item.via, item.route) == ("zalo", via, route)
    assert await oa.world.rows() == []  # nothing kept


async def test_preview_judges_the_window_at_the_messages_time(oa: Oa) -> None:
    """Written to the OA 1 day before DUE: the T-3 reminder (Friday) finds the free window shut."""
    from bot.messaging_window import WindowConfig
    from scheduler.preview import preview_all
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(days=1))
    async with oa.sessionmaker() as s:
        result = await preview_all(s, DUE + timedelta(days=4), DUE + timedelta(days=5),
                                   now=DUE - timedelta(hours=1), channels=("zalo", "telegram"),
                                   windows={"zalo": WindowConfig(MessagingWindow())})
    routes = {(i.kind, i.via, i.route) for i in result.items}
    assert ("deadline", "telegram", "zalo: paid_not_allowed; rerouted") in routes


# ---------------------------------------------------------------- Zalo disagrees with our record


async def test_window_refusal_despite_our_record_sends_the_template(oa: Oa) -> None:
    """last_inbound_at says 2 h, Zalo says the window is shut (-230): the template goes out."""
    from bot.db.models import DeliveryAttempt
    oa.zalo.template = _template(oa.fake)
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(hours=2))
    oa.fake.fail_next(-230)
    rows = await oa.deliver()
    assert set(rows) == {"zalo"} and rows["zalo"].status == "sent"
    assert rows["zalo"].payload["meta"]["route"] == "template"
    assert len(oa.fake.templates) == 1 and oa.fake.sent == [] and oa.telegram.sent == []
    async with oa.sessionmaker() as s:
        outcomes = list((await s.execute(select(DeliveryAttempt.outcome).where(
            DeliveryAttempt.outbox_id == rows["zalo"].id).order_by(DeliveryAttempt.id))).scalars())
    assert outcomes == ["permanent", "sent"]


async def test_window_refusal_and_refused_template_take_the_next_channel(oa: Oa) -> None:
    oa.zalo.template = _template(oa.fake)
    await oa.official(BOTH)
    await oa.last_wrote(timedelta(hours=2))
    oa.fake.fail_next(-230)
    oa.fake.fail_next(-201)
    rows = await oa.deliver()
    assert rows["zalo"].status == "rerouted" and rows["zalo"].last_error_code == "zalo_template"
    assert rows["telegram"].status == "sent"


async def test_window_refusal_with_no_channel_left_is_unreachable(oa: Oa) -> None:
    await oa.official({"zalo": "z-lan"})
    await oa.last_wrote(timedelta(hours=2))
    oa.fake.fail_next(-232)
    rows = await oa.deliver()
    assert rows["zalo"].status == "unreachable" and rows["zalo"].last_error_code == "zalo_window"
    async with oa.sessionmaker() as s:
        lines = await undelivered(s, [oa.world.units["P1"]], DUE - timedelta(days=1),
                                  DUE + timedelta(days=1))
    assert len(lines) == 1 and T.UNDELIVERED_REASONS["zalo_window"] in lines[0]


def test_a_window_length_is_worded_as_it_is_set() -> None:
    """Hours up to two days and for part days, whole days from three days up."""
    assert span_words(timedelta(hours=48)) == T.SPAN_HOURS.format(hours=48)
    assert span_words(timedelta(hours=36)) == T.SPAN_HOURS.format(hours=36)
    assert span_words(timedelta(hours=1.5)) == T.SPAN_HOURS.format(hours="1,5")
    assert span_words(timedelta(hours=72)) == T.SPAN_DAYS.format(days=3)
    assert span_words(timedelta(days=7)) == T.SPAN_DAYS.format(days=7)
    assert span_words(timedelta(hours=80)) == T.SPAN_HOURS.format(hours=80)
