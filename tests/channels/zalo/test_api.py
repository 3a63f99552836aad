"""The OA API client and ZaloChannel against the fake OA server (127.0.0.1 only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.channels.zalo.api import ZaloApi, ZaloApiError, ZaloTransportError
from bot.channels.zalo.channel import ZaloChannel
from bot.channels.zalo.tokens import TokenStore
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.base import make_engine, make_sessionmaker
from bot.errors import DeliveryError, DeliveryOutcome
from bot.events import ChatRef
from bot.messages import Attachment, Button, OutgoingMessage, utf16_len
from testkit.fake_zalo import NOT_FOLLOWER, OUT_OF_QUOTA, RATE_LIMITED, WINDOW_CLOSED, FakeZalo

CHAT = ChatRef("zalo", "u1")


@pytest.fixture
async def api(fake_zalo: FakeZalo) -> AsyncIterator[ZaloApi]:
    """A client pointed at the fake."""
    client = ZaloApi(api_url=fake_zalo.url, oauth_url=fake_zalo.url, app_id=fake_zalo.app_id,
                     app_secret=fake_zalo.app_secret, timeout=1.0)
    yield client
    await client.close()


@pytest.fixture
async def channel(settings: Settings, api: ZaloApi, fake_zalo: FakeZalo,
                  clock: ManualClock) -> AsyncIterator[ZaloChannel]:
    """ZaloChannel with tokens in the test database, seeded from a first authorisation."""
    engine = make_engine(settings.database_url)
    access, refresh = fake_zalo.issue_tokens()
    tokens = TokenStore(make_sessionmaker(engine), api, clock, seed_access_token=access,
                        seed_refresh_token=refresh)
    yield ZaloChannel(api, tokens)
    await engine.dispose()


async def test_send_text_posts_v3_cs_with_header_token(channel: ZaloChannel,
                                                       fake_zalo: FakeZalo) -> None:
    sent = await channel.send(CHAT, OutgoingMessage("Xin chào anh/chị"))
    assert sent.message_id is not None
    [request] = [r for r in fake_zalo.requests if r.path == "/v3.0/oa/message/cs"]
    assert request.json["recipient"] == {"user_id": "u1"}
    assert request.json["message"]["text"] == "Xin chào anh/chị"
    assert request.headers["access_token"].startswith("access-")
    assert "access_token" not in request.path


async def test_long_text_is_split_under_2000_characters(channel: ZaloChannel,
                                                        fake_zalo: FakeZalo) -> None:
    paragraph = "Đoạn hướng dẫn về báo cáo tiến độ hằng tuần của đơn vị. " * 20  # ~1,100 chars
    text = "\n\n".join([paragraph] * 4)
    await channel.send(CHAT, OutgoingMessage(text))
    parts = fake_zalo.sent_texts()
    assert len(parts) >= 3 and all(len(p) <= 2000 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())  # nothing lost


async def test_a_long_paragraph_is_split_between_sentences(channel: ZaloChannel,
                                                            fake_zalo: FakeZalo) -> None:
    # one paragraph of a guide, ~3,400 characters without a line break
    text = ("Cán bộ gửi báo cáo tiến độ hằng tuần trước 16 giờ chiều thứ Sáu cho đơn vị. " * 40).strip()
    await channel.send(CHAT, OutgoingMessage(text))
    parts = fake_zalo.sent_texts()
    assert len(parts) == 2 and all(len(p) <= 2000 for p in parts)
    assert all(p.endswith("thứ Sáu cho đơn vị.") for p in parts)  # no sentence cut in two
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())


async def test_emoji_counting_twice_cannot_push_a_part_over_the_limit(
        channel: ZaloChannel, fake_zalo: FakeZalo) -> None:
    # 1,990 characters with 40 emoji: 2,030 UTF-16 units, over the limit if Zalo counts so
    line = "📖 Mục báo cáo tiến độ hằng tuần của đơn vị, gửi trước thứ Sáu. " * 40
    text = line[:1990]
    assert len(text) <= 2000 < utf16_len(text)
    await channel.send(CHAT, OutgoingMessage(text))
    parts = fake_zalo.sent_texts()
    assert len(parts) == 2 and all(utf16_len(p) <= 2000 for p in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(text.split())  # nothing lost


async def test_buttons_become_hidden_query_buttons(channel: ZaloChannel,
                                                   fake_zalo: FakeZalo) -> None:
    buttons = (Button("Có", "ci:yes"), Button("Không", "ci:no"))
    await channel.send(CHAT, OutgoingMessage("Anh/chị đã hoàn thành chưa?", buttons))
    [message] = [m["message"] for m in fake_zalo.sent]
    assert message["text"] == "Anh/chị đã hoàn thành chưa?"
    assert message["attachment"]["payload"]["buttons"] == [
        {"title": "Có", "type": "oa.query.hide", "payload": "#btn:ci:yes"},
        {"title": "Không", "type": "oa.query.hide", "payload": "#btn:ci:no"},
    ]


async def test_buttons_carry_the_keyboard_id(channel: ZaloChannel, fake_zalo: FakeZalo) -> None:
    buttons = tuple(Button(f"Hướng dẫn {i}", f"guide:g{i}") for i in range(1, 8))
    await channel.send(CHAT, OutgoingMessage("Chọn hướng dẫn:", buttons,
                                             keyboard="0123456789abcdef"))
    payloads = [b["payload"] for m in fake_zalo.sent
                for b in m["message"]["attachment"]["payload"]["buttons"]]
    assert payloads == [f"#btn:guide:g{i}|k0123456789abcdef" for i in range(1, 8)]


async def test_more_than_five_buttons_go_in_groups_of_five(channel: ZaloChannel,
                                                           fake_zalo: FakeZalo) -> None:
    buttons = tuple(Button(f"Hướng dẫn {i}", f"guide:g{i}") for i in range(1, 8))
    await channel.send(CHAT, OutgoingMessage("Chọn hướng dẫn:", buttons))
    groups = [m["message"]["attachment"]["payload"]["buttons"] for m in fake_zalo.sent]
    assert [len(g) for g in groups] == [5, 2]
    assert [b["payload"] for g in groups for b in g] == [f"#btn:guide:g{i}" for i in range(1, 8)]
    assert fake_zalo.sent[0]["message"]["text"] == "Chọn hướng dẫn:"


async def test_pdf_attachment_is_uploaded_then_sent_as_file(channel: ZaloChannel,
                                                            fake_zalo: FakeZalo) -> None:
    pdf = Attachment("tong-hop.pdf", b"%PDF-1.4 fake", "application/pdf")
    xlsx = Attachment("tong-hop.xlsx", b"PK\x03\x04", "application/vnd.openxmlformats-"
                      "officedocument.spreadsheetml.sheet")
    await channel.send(CHAT, OutgoingMessage("Báo cáo tuần", attachments=(pdf, xlsx)))
    [(token, (name, content))] = fake_zalo.uploads.items()
    assert (name, content) == ("tong-hop.pdf", b"%PDF-1.4 fake")
    messages = [m["message"] for m in fake_zalo.sent]
    assert messages[0] == {"text": "Báo cáo tuần"}
    assert messages[1]["attachment"] == {"type": "file", "payload": {"token": token}}
    # Zalo cannot carry a spreadsheet: the user is told, not left guessing
    assert "tong-hop.xlsx" in messages[2]["text"]


async def test_refresh_rotates_single_use_tokens(api: ZaloApi, fake_zalo: FakeZalo) -> None:
    _, refresh = fake_zalo.issue_tokens()
    grant = await api.refresh_access_token(refresh)
    assert grant.access_token in fake_zalo.valid_access
    assert grant.refresh_token != refresh and grant.expires_in == 90000
    with pytest.raises(ZaloApiError):  # the old refresh token was used up
        await api.refresh_access_token(refresh)
    again = await api.refresh_access_token(grant.refresh_token)
    assert again.access_token != grant.access_token


async def test_expired_access_token_is_refreshed_and_the_send_retried_once(
        channel: ZaloChannel, fake_zalo: FakeZalo) -> None:
    await channel.send(CHAT, OutgoingMessage("một"))
    fake_zalo.expire_access_tokens()
    await channel.send(CHAT, OutgoingMessage("hai"))
    assert fake_zalo.sent_texts() == ["một", "hai"]
    assert fake_zalo.refresh_calls == 1
    sends = [r for r in fake_zalo.requests if r.path == "/v3.0/oa/message/cs"]
    assert len(sends) == 3  # one refused with -216, then the retry
    state = await channel.tokens.current()
    assert state.access_token == sends[-1].headers["access_token"]


async def test_refused_refresh_token_is_a_transient_token_failure(
        channel: ZaloChannel, fake_zalo: FakeZalo) -> None:
    await channel.send(CHAT, OutgoingMessage("một"))
    fake_zalo.expire_access_tokens()
    fake_zalo.valid_refresh.clear()  # e.g. another install used it: needs re-authorising
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, OutgoingMessage("hai"))
    assert info.value.outcome is DeliveryOutcome.TRANSIENT and info.value.code == "zalo_token"


@pytest.mark.parametrize(("code", "outcome", "error_code"), [
    (WINDOW_CLOSED, DeliveryOutcome.PERMANENT, "zalo_window"),
    (-232, DeliveryOutcome.PERMANENT, "zalo_window"),
    (OUT_OF_QUOTA, DeliveryOutcome.PERMANENT, "zalo_quota"),
    (NOT_FOLLOWER, DeliveryOutcome.BLOCKED, "zalo_not_follower"),
    (RATE_LIMITED, DeliveryOutcome.RATE_LIMITED, "zalo_rate"),
])
async def test_zalo_refusals_map_to_delivery_outcomes(
        channel: ZaloChannel, fake_zalo: FakeZalo, code: int, outcome: DeliveryOutcome,
        error_code: str) -> None:
    fake_zalo.fail_next(code)
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, OutgoingMessage("Nhắc hạn nhiệm vụ"))
    assert info.value.outcome is outcome and info.value.code == error_code
    assert info.value.channel == "zalo"
    if outcome is DeliveryOutcome.RATE_LIMITED:
        assert info.value.retry_after is not None and info.value.retry_after > 0
    assert fake_zalo.sent == []


async def test_http_failures_map_to_delivery_outcomes(channel: ZaloChannel,
                                                      fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(http_status=502)
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, OutgoingMessage("a"))
    assert info.value.outcome is DeliveryOutcome.TRANSIENT
    fake_zalo.fail_next(http_status=429)
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, OutgoingMessage("a"))
    assert info.value.outcome is DeliveryOutcome.RATE_LIMITED and info.value.retry_after == 7.0


async def test_timeout_after_sending_is_ambiguous(channel: ZaloChannel,
                                                  fake_zalo: FakeZalo) -> None:
    fake_zalo.fail_next(hang_seconds=1.5)  # the client gives up after 1 s
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, OutgoingMessage("a"))
    assert info.value.outcome is DeliveryOutcome.AMBIGUOUS
    assert len([r for r in fake_zalo.requests if r.path == "/v3.0/oa/message/cs"]) == 1


async def test_connection_refused_is_transient(settings: Settings, clock: ManualClock,
                                               fake_zalo: FakeZalo) -> None:
    dead = ZaloApi(api_url="http://127.0.0.1:9", oauth_url="http://127.0.0.1:9", app_id="1",
                   app_secret="s", timeout=1.0)
    try:
        with pytest.raises(ZaloTransportError) as info:
            await dead.send_message("t", "u1", {"text": "a"})
        assert not info.value.maybe_sent
    finally:
        await dead.close()


async def test_download_respects_the_size_limit(api: ZaloApi, fake_zalo: FakeZalo) -> None:
    url = fake_zalo.host_file("a.pdf", b"x" * 1000)
    assert await api.download(url, max_bytes=1000) == b"x" * 1000
    assert await api.download(url, max_bytes=999) is None
    with pytest.raises(ZaloTransportError):
        await api.download(fake_zalo.url + "/cdn/missing.pdf", max_bytes=1000)


async def test_token_refreshed_before_expiry_not_after(channel: ZaloChannel, fake_zalo: FakeZalo,
                                                       clock: ManualClock) -> None:
    tokens = channel.tokens
    assert await tokens.ensure_fresh()  # hand-seeded token, unknown expiry: learn it once
    first = await tokens.current()
    assert first.expires_at == clock.now() + timedelta(seconds=90000)
    clock.advance(timedelta(seconds=90000) - timedelta(minutes=11))
    assert not await tokens.ensure_fresh()
    await channel.send(CHAT, OutgoingMessage("a"))
    assert fake_zalo.refresh_calls == 1
    clock.advance(timedelta(minutes=2))  # 9 minutes left: below the 10-minute margin
    await channel.send(CHAT, OutgoingMessage("b"))
    assert fake_zalo.refresh_calls == 2
    assert (await tokens.current()).access_token != first.access_token


async def test_a_later_part_failing_says_how_many_were_delivered(
        channel: ZaloChannel, fake_zalo: FakeZalo) -> None:
    """A text over 2,000 characters goes as several OA messages, a file after them: when a later
    one fails, the error says how many parts were delivered, and the retry given that number
    (what the outbox records) sends only the rest."""
    text = "\n\n".join(f"Mục {n}. " + "Cán bộ cập nhật tiến độ hằng tuần. " * 30 for n in range(3))
    pdf = Attachment("huong-dan.pdf", b"%PDF-1.4 nho", "application/pdf")
    message = OutgoingMessage(text, (), (pdf,))
    fake_zalo.fail_next(http_status=502, after=1)
    with pytest.raises(DeliveryError) as info:
        await channel.send(CHAT, message)
    assert info.value.outcome is DeliveryOutcome.TRANSIENT and info.value.parts_sent == 1
    first = fake_zalo.sent_texts("u1")
    assert len(first) == 1
    await channel.send(CHAT, replace(message, parts_sent=info.value.parts_sent))
    texts = fake_zalo.sent_texts("u1")
    assert texts[0] == first[0] and first[0] not in texts[1:]  # the first part once
    assert "".join(t.replace("\n", "") for t in texts).replace(" ", "") \
        == text.replace("\n", "").replace(" ", "")
    assert sum(1 for m in fake_zalo.sent if "attachment" in m["message"]) == 1
