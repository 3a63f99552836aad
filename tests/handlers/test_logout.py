"""/dangxuat is for bound chats: a guest's /trogiup does not offer it, and typing it is answered."""

from __future__ import annotations

from tests.harness import BotHarness, texts


async def test_logout_is_offered_to_members_only(harness: BotHarness) -> None:
    guest_help = texts(await harness.say("/trogiup", user="guest"))
    assert "/hoi" in guest_help and "/dangxuat" not in guest_help
    assert texts(await harness.say("/dangxuat", user="guest"))  # a polite answer, nothing else
    await harness.make_official("Lan", user="lan")
    assert "/dangxuat" in texts(await harness.say("/trogiup", user="lan"))
    assert "Lan" in texts(await harness.say("/dangxuat", user="lan"))
    assert "/dangxuat" not in texts(await harness.say("/trogiup", user="lan"))  # a guest again
