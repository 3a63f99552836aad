"""The /zalo/webhook route through the real aiohttp app: signatures, replays, events, files."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import docx
from aiohttp import web
from sqlalchemy import func, select

from bot.db.models import ChatAccount, Guide, InboundEventRow, UnansweredQuestion
from bot.texts import common as C
from bot.texts import guide_upload as UT
from bot.texts import guides as G
from bot.texts import zalo as ZT
from testkit.fake_zalo import FakeZalo
from tests.channels.zalo.conftest import ZaloApp, event, sign
from tests.harness import fields, fits
from tests.world import World


async def _make_official(zalo_app: ZaloApp, user: str, role: str) -> None:
    world = World(zalo_app.app.sessionmaker, now=zalo_app.clock.now)
    await world.unit("DV1", name="Đơn vị 1")
    await world.official("Nguyễn Văn An", "DV1", role=role, accounts={"zalo": user})


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.add_heading("Hướng dẫn báo cáo tiến độ", level=0)
    document.add_heading("1. Thời hạn", level=2)
    document.add_paragraph("Các đơn vị gửi báo cáo tiến độ trước 16 giờ thứ Sáu hằng tuần.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def test_signed_text_is_answered_through_the_fake_api(zalo_app: ZaloApp,
                                                            fake_zalo: FakeZalo) -> None:
    status = await zalo_app.post_event(event("user_send_text", "u1", zalo_app.clock,
                                              msg_id="m1", text="/trogiup"))
    assert status == 200
    await zalo_app.settle()
    texts = fake_zalo.sent_texts("u1")
    assert len(texts) == 1 and C.HELP_HEADER in texts[0]
    # the access token went in the header, never in the URL
    send = [r for r in fake_zalo.requests if r.path == "/v3.0/oa/message/cs"][0]
    assert send.headers["access_token"] in fake_zalo.valid_access


async def test_bad_or_missing_signature_is_401_and_nothing_is_processed(
        zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="m1", text="/trogiup")
    assert await zalo_app.post_event(payload, signature=None) == 401
    assert await zalo_app.post_event(payload, signature="mac=" + "0" * 64) == 401
    body = json.dumps(payload).encode()
    # signed with the App Secret instead of the OA secret key (a classic set-up mistake)
    wrong_key = sign(body, "4242", payload["timestamp"], secret=fake_zalo.app_secret)
    assert await zalo_app.post_event(payload, signature=wrong_key) == 401
    # a valid signature over a different body (one byte changed)
    good = sign(body, "4242", payload["timestamp"])
    tampered = body.replace(b"/trogiup", b"/trogiuP")
    assert await zalo_app.post_event(payload, signature=good, raw=tampered) == 401
    await zalo_app.settle()
    assert fake_zalo.sent == []


async def test_malformed_bodies_are_400(zalo_app: ZaloApp) -> None:
    assert await zalo_app.post_event({}, signature=None, raw=b"{not json") == 400
    assert await zalo_app.post_event({}, signature=None, raw=b"[1, 2]") == 400
    no_ts = json.dumps({"event_name": "user_send_text"}).encode()
    assert await zalo_app.post_event({}, signature=None, raw=no_ts) == 400
    # signed, but a text event without sender: malformed, not unauthorised
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="m1", text="hi")
    del payload["sender"]
    assert await zalo_app.post_event(payload) == 400


async def test_late_retry_an_hour_old_is_accepted_once(zalo_app: ZaloApp,
                                                       fake_zalo: FakeZalo) -> None:
    # troly was down for an hour; Zalo keeps retrying the signed event with its original timestamp
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="m1", text="/trogiup")
    zalo_app.clock.advance(timedelta(hours=1))
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1
    zalo_app.clock.advance(timedelta(hours=2))  # a later retry of the same event: ignored
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1
    # a forged one of the same age is still refused
    forged = event("user_send_text", "u1", zalo_app.clock, msg_id="m2", text="/trogiup")
    assert await zalo_app.post_event(forged, signature="mac=" + "1" * 64) == 401
    async with zalo_app.app.sessionmaker() as session:
        rows = (await session.execute(select(InboundEventRow.event_key, InboundEventRow.status)
                                      .where(InboundEventRow.channel == "zalo"))).all()
    assert [tuple(r) for r in rows] == [("m1", "done")]


async def test_replayed_body_is_processed_once(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="m77", text="/trogiup")
    for _ in range(3):  # Zalo retries, or an attacker replays inside the max age
        assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1
    async with zalo_app.app.sessionmaker() as session:
        ids = (await session.execute(select(InboundEventRow.event_key)
                                     .where(InboundEventRow.channel == "zalo"))).scalars().all()
    assert ids == ["m77"]


async def test_follow_greets_and_unfollow_blocks_the_account(zalo_app: ZaloApp,
                                                             fake_zalo: FakeZalo) -> None:
    assert await zalo_app.post_event(event("follow", "u5", zalo_app.clock)) == 200
    await zalo_app.settle()
    greeting = fake_zalo.sent_texts("u5")
    assert C.WELCOME.format(bot=C.BOT_NAME) in greeting[0]
    zalo_app.clock.advance(timedelta(minutes=1))
    assert await zalo_app.post_event(event("unfollow", "u5", zalo_app.clock)) == 200
    await zalo_app.settle()
    async with zalo_app.app.sessionmaker() as session:
        account = (await session.execute(select(ChatAccount).where(
            ChatAccount.channel == "zalo", ChatAccount.external_id == "u5"))).scalar_one()
    assert account.status == "blocked"
    assert fake_zalo.sent_texts("u5") == greeting  # nothing is sent on unfollow


async def test_image_is_refused_politely_once(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_send_image", "u1", zalo_app.clock, msg_id="img1", attachments=[
        {"type": "image", "payload": {"url": fake_zalo.url + "/cdn/x.jpg", "thumbnail": ""}}])
    assert await zalo_app.post_event(payload) == 200
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u1") == [C.IMAGE_NOT_SUPPORTED]


async def test_a_photo_s_caption_is_answered_as_typed_text(zalo_app: ZaloApp,
                                                           fake_zalo: FakeZalo) -> None:
    """A photo with a question under it: the notice that images are not read, then what the
    same question typed gets, as on Telegram (tests/channels/test_telegram_polling.py)."""
    question = "Thủ tục đăng ký tạm trú cần giấy tờ gì?"
    assert await zalo_app.post_event(event("user_send_text", "u2", zalo_app.clock,
                                           msg_id="t1", text=question)) == 200
    await zalo_app.settle()
    typed = fake_zalo.sent_texts("u2")
    assert typed
    image = [{"type": "image", "payload": {"url": fake_zalo.url + "/cdn/x.jpg", "thumbnail": ""}}]
    payload = event("user_send_image", "u1", zalo_app.clock, msg_id="img2", text=question,
                    attachments=image)
    assert await zalo_app.post_event(payload) == 200
    assert await zalo_app.post_event(payload) == 200  # a retry: answered once
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u1") == [C.MEDIA_CAPTION_ONLY, *typed]


async def test_ignored_events_are_acknowledged(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_received_message", "u1", zalo_app.clock, msg_ids=["m1"])
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert fake_zalo.sent == []


def _file_event(zalo_app: ZaloApp, fake_zalo: FakeZalo, user: str, name: str, content: bytes,
                msg_id: str, declared: int | None = None) -> dict[str, object]:
    url = fake_zalo.host_file(name, content)
    return event("user_send_file", user, zalo_app.clock, msg_id=msg_id, attachments=[
        {"type": "file", "payload": {"url": url, "name": name,
                                     "size": str(declared if declared is not None else len(content)),
                                     "checksum": "x", "type": "docx"}}])


async def test_admin_uploads_a_guide_by_sending_a_docx(zalo_app: ZaloApp,
                                                       fake_zalo: FakeZalo) -> None:
    await _make_official(zalo_app, "adm", "admin")
    payload = _file_event(zalo_app, fake_zalo, "adm", "bao-cao.docx", _docx_bytes(), "f1")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    # what the file holds and the choices (handlers/guide_upload.py); nothing stored yet
    [summary] = fake_zalo.sent_texts("adm")
    assert (fields(summary, UT.SUMMARY_FILE) or {}).get("title") == "Hướng dẫn báo cáo tiến độ"
    assert any(r.path == "/cdn/bao-cao.docx" for r in fake_zalo.requests)
    [save] = [b["payload"] for m in fake_zalo.sent
              for b in m["message"].get("attachment", {}).get("payload", {}).get("buttons", [])
              if b["title"] == UT.BUTTON_SAVE]
    assert await zalo_app.post_event(event("user_send_text", "adm", zalo_app.clock, msg_id="f1b",
                                           text=save)) == 200
    await zalo_app.settle()
    reply = fake_zalo.sent_texts("adm")
    assert len(reply) == 2 and fits(reply[1], G.ADDED), reply
    async with zalo_app.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Guide)) == 1


async def test_non_admin_file_is_refused_and_not_imported(zalo_app: ZaloApp,
                                                          fake_zalo: FakeZalo) -> None:
    await _make_official(zalo_app, "u2", "official")
    payload = _file_event(zalo_app, fake_zalo, "u2", "bao-cao.docx", _docx_bytes(), "f2")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u2") == [G.ONLY_ADMINS_UPLOAD]
    async with zalo_app.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Guide)) == 0


async def test_a_refused_file_s_caption_is_no_question(zalo_app: ZaloApp,
                                                       fake_zalo: FakeZalo) -> None:
    """A file sent with a text (message.text on the file event) by an official who is no admin:
    the refusal, saying the text was not read as a question, is the only reply, as on Telegram;
    nothing is queued for admins (the caption was answered as typed before). A text repeating
    the file's name is no caption."""
    await _make_official(zalo_app, "u2", "official")
    question = "Thủ tục đăng ký tạm trú cần giấy tờ gì?"
    payload = _file_event(zalo_app, fake_zalo, "u2", "bao-cao.docx", _docx_bytes(), "c1")
    payload["message"]["text"] = question  # type: ignore[index]
    named = _file_event(zalo_app, fake_zalo, "u2", "bao-cao.docx", _docx_bytes(), "c2")
    named["message"]["text"] = "bao-cao.docx"  # type: ignore[index]
    for body in (payload, dict(payload), named):  # Zalo's retry is answered once
        assert await zalo_app.post_event(body) == 200
    await zalo_app.settle()
    assert fake_zalo.sent_texts("u2") == [G.ONLY_ADMINS_UPLOAD + C.CAPTION_NOT_READ,
                                          G.ONLY_ADMINS_UPLOAD]
    async with zalo_app.app.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(UnansweredQuestion)) == 0


async def test_too_large_file_is_not_downloaded(zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    await _make_official(zalo_app, "adm", "admin")
    big = b"x" * (1024 * 1024 + 1)  # max_upload_mb is 1 in these tests
    payload = _file_event(zalo_app, fake_zalo, "adm", "big.pdf", big, "f3")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.settle()
    # the declared size lies: the download stops at the limit anyway
    lying = _file_event(zalo_app, fake_zalo, "adm", "big2.pdf", big, "f4", declared=10)
    assert await zalo_app.post_event(lying) == 200
    await zalo_app.settle()
    texts = fake_zalo.sent_texts("adm")
    assert texts == [G.FILE_TOO_LARGE_TO_DOWNLOAD.format(file="big.pdf", limit=1),
                     G.FILE_TOO_LARGE_TO_DOWNLOAD.format(file="big2.pdf", limit=1)], texts
    assert not any(r.path == "/cdn/big.pdf" for r in fake_zalo.requests)


async def test_a_file_not_downloaded_is_answered_through_the_dispatcher(
        zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    await _make_official(zalo_app, "adm", "admin")
    gone = event("user_send_file", "adm", zalo_app.clock, msg_id="f5", attachments=[
        {"type": "file", "payload": {"url": fake_zalo.url + "/cdn/gone.docx", "name": "gone.docx",
                                     "size": "10", "checksum": "x", "type": "docx"}}])
    assert await zalo_app.post_event(gone) == 200
    await zalo_app.settle()
    assert fake_zalo.sent_texts("adm") == [ZT.FILE_DOWNLOAD_FAILED.format(file="gone.docx")]
    async with zalo_app.app.sessionmaker() as session:
        # one inbound path: the message's key is recorded with its answer, like any event's
        keys = (await session.execute(select(InboundEventRow.event_key)
                                      .where(InboundEventRow.status == "done"))).scalars().all()
        assert "f5" in keys
        assert await session.scalar(select(func.count()).select_from(Guide)) == 0
    assert await zalo_app.post_event(gone) == 200  # Zalo's retry of it: nothing again
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("adm")) == 1
    again = _file_event(zalo_app, fake_zalo, "adm", "bao-cao.docx", _docx_bytes(), "f6")
    assert await zalo_app.post_event(again) == 200  # sent again, as the notice asks
    await zalo_app.settle()
    assert fits(fake_zalo.sent_texts("adm")[1], UT.SUMMARY_FILE)  # read this time


async def test_shutdown_finishes_work_in_flight_then_refuses(zalo_app: ZaloApp,
                                                             fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="s1", text="/trogiup")
    assert await zalo_app.post_event(payload) == 200
    await zalo_app.parts.webhook.stop()  # what App.stop() calls first for Zalo
    assert len(fake_zalo.sent_texts("u1")) == 1  # acknowledged work was not dropped
    later = event("user_send_text", "u1", zalo_app.clock, msg_id="s2", text="/trogiup")
    assert await zalo_app.post_event(later) == 503  # Zalo retries it, maybe on another process


async def test_body_arriving_in_pieces_is_read_whole_and_oversize_is_413(
        zalo_app: ZaloApp, fake_zalo: FakeZalo) -> None:
    payload = event("user_send_text", "u1", zalo_app.clock, msg_id="c1", text="/trogiup")
    body = json.dumps(payload).encode()

    async def pieces() -> AsyncIterator[bytes]:  # chunked transfer, no Content-Length, sent in small slices
        for i in range(0, len(body), 7):
            yield body[i:i + 7]

    headers = {"X-ZEvent-Signature": sign(body, "4242", payload["timestamp"]),
               "Content-Type": "application/json"}
    response = await zalo_app.client.post("/zalo/webhook", data=pieces(), headers=headers)
    assert response.status == 200
    # the 200 is encoded once: the type and bytes web.json_response({"status": "ok"}) sent
    expected = web.json_response({"status": "ok"})
    assert (response.headers["Content-Type"], await response.read()) == (
        expected.headers["Content-Type"], expected.body)
    await zalo_app.settle()
    assert len(fake_zalo.sent_texts("u1")) == 1
    huge = b'{"pad": "' + b"x" * 300_000 + b'"}'
    assert await zalo_app.post_event({}, signature=None, raw=huge) == 413
