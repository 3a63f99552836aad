"""Token rotation in the database: seeding, concurrent refreshers, the background refresher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.zalo.api import ZaloApi
from bot.channels.zalo.tokens import TokenRefresher, TokenStore, ZaloTokenError
from bot.clock import ManualClock
from bot.config import Settings
from bot.db.base import make_engine, make_sessionmaker
from testkit.fake_zalo import FakeZalo


@pytest.fixture
async def engines(settings: Settings) -> AsyncIterator[list[AsyncEngine]]:
    """Two engines on the same database: two processes' connection pools."""
    made = [make_engine(settings.database_url), make_engine(settings.database_url)]
    yield made
    for engine in made:
        await engine.dispose()


@pytest.fixture
async def api(fake_zalo: FakeZalo) -> AsyncIterator[ZaloApi]:
    """A client pointed at the fake."""
    client = ZaloApi(api_url=fake_zalo.url, oauth_url=fake_zalo.url, app_id=fake_zalo.app_id,
                     app_secret=fake_zalo.app_secret, timeout=5.0)
    yield client
    await client.close()


def _store(engine: AsyncEngine, api: ZaloApi, clock: ManualClock, seed: tuple[str, str] | None,
           ) -> TokenStore:
    access, refresh = seed if seed else (None, None)
    return TokenStore(make_sessionmaker(engine), api, clock, seed_access_token=access,
                      seed_refresh_token=refresh)


async def test_two_processes_refreshing_at_once_use_the_refresh_token_once(
        engines: list[AsyncEngine], api: ZaloApi, fake_zalo: FakeZalo,
        clock: ManualClock) -> None:
    seed = fake_zalo.issue_tokens()
    first, second = (_store(e, api, clock, seed) for e in engines)
    stale = (await first.current()).access_token
    fake_zalo.expire_access_tokens()
    # both saw the same refused token; only one may spend the refresh token
    results = await asyncio.gather(first.refresh(stale=stale), second.refresh(stale=stale))
    assert fake_zalo.refresh_calls == 1
    assert results[0] == results[1] and results[0] in fake_zalo.valid_access
    # the stored refresh token is the live one (the next rotation works)
    state = await second.current()
    assert state.refresh_token in fake_zalo.valid_refresh
    assert await first.refresh(stale=state.access_token) != state.access_token
    assert fake_zalo.refresh_calls == 2


async def test_many_concurrent_sends_in_one_process_refresh_once(
        engines: list[AsyncEngine], api: ZaloApi, fake_zalo: FakeZalo,
        clock: ManualClock) -> None:
    store = _store(engines[0], api, clock, fake_zalo.issue_tokens())
    stale = (await store.current()).access_token
    tokens = await asyncio.gather(*(store.refresh(stale=stale) for _ in range(8)))
    assert len(set(tokens)) == 1 and fake_zalo.refresh_calls == 1


async def test_failed_refresh_keeps_the_stored_tokens(engines: list[AsyncEngine], api: ZaloApi,
                                                      fake_zalo: FakeZalo,
                                                      clock: ManualClock) -> None:
    store = _store(engines[0], api, clock, fake_zalo.issue_tokens())
    before = await store.current()
    fake_zalo.valid_refresh.clear()
    with pytest.raises(Exception, match="refresh token"):
        await store.refresh(stale=before.access_token)
    assert await store.current() == before


async def test_seed_only_when_the_database_has_none_or_a_new_seed_is_configured(
        engines: list[AsyncEngine], api: ZaloApi, fake_zalo: FakeZalo,
        clock: ManualClock) -> None:
    seed = fake_zalo.issue_tokens()
    store = _store(engines[0], api, clock, seed)
    rotated = await store.refresh(stale=seed[0])
    # a restart with the same environment must not go back to the spent seed
    restarted = _store(engines[1], api, clock, seed)
    assert (await restarted.access_token()) == rotated
    # the admin re-authorised and put new tokens in the environment: they win
    new_seed = fake_zalo.issue_tokens()
    reseeded = _store(engines[1], api, clock, new_seed)
    assert (await reseeded.access_token()) == new_seed[0]
    # a process without any seed uses what the database holds
    assert (await _store(engines[0], api, clock, None).access_token()) == new_seed[0]


async def test_no_tokens_anywhere_is_a_clear_error(engines: list[AsyncEngine], api: ZaloApi,
                                                   clock: ManualClock) -> None:
    with pytest.raises(ZaloTokenError, match="TROLY_ZALO"):
        await _store(engines[0], api, clock, None).access_token()


async def test_only_a_refresh_token_seeded_gets_an_access_token_first(
        engines: list[AsyncEngine], api: ZaloApi, fake_zalo: FakeZalo,
        clock: ManualClock) -> None:
    _, refresh = fake_zalo.issue_tokens()
    store = TokenStore(make_sessionmaker(engines[0]), api, clock, seed_access_token=None,
                       seed_refresh_token=refresh)
    token = await store.access_token()
    assert token in fake_zalo.valid_access and fake_zalo.used_refresh == {refresh}


async def test_background_refresher_rotates_before_expiry(
        engines: list[AsyncEngine], api: ZaloApi, fake_zalo: FakeZalo,
        clock: ManualClock) -> None:
    store = _store(engines[0], api, clock, fake_zalo.issue_tokens())
    refresher = TokenRefresher(store, interval_seconds=300)
    assert await refresher.tick()  # unknown expiry of a hand-seeded token: learn it
    assert not await refresher.tick()
    clock.advance(timedelta(hours=24, minutes=51))  # 9 minutes left of 25 h
    assert await refresher.tick()
    assert fake_zalo.refresh_calls == 2
    fake_zalo.valid_refresh.clear()
    clock.advance(timedelta(hours=25))
    assert not await refresher.tick()  # logged, not raised: the next tick tries again
