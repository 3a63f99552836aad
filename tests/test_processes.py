"""The bounds of the process tests (tests/processes.py): stretched by load, never unbounded."""

from __future__ import annotations

import asyncio
import os

import pytest

from tests import processes


def _load(monkeypatch: pytest.MonkeyPatch, per_core: float) -> None:
    cores = processes._cores()
    monkeypatch.setattr(os, "getloadavg", lambda: (per_core * cores, 0.0, 0.0))


def test_an_idle_machine_gets_the_base_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    _load(monkeypatch, 0.3)
    assert processes.stretch() == 1.0


def test_a_loaded_machine_stretches_it_up_to_a_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    _load(monkeypatch, 3.0)
    assert processes.stretch() == 3.0
    _load(monkeypatch, 40.0)  # a real hang on a starved machine still ends
    assert processes.stretch() == processes.MAX_STRETCH


def test_no_load_average_means_the_base_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> tuple[float, float, float]:
        raise OSError

    monkeypatch.setattr(os, "getloadavg", missing)
    assert processes.stretch() == 1.0


async def test_a_hang_fails_and_says_how_loaded_the_machine_was(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _load(monkeypatch, 2.0)
    never = asyncio.Event()
    with pytest.raises(AssertionError, match=r"the event after \d+ s \(load 2\.0 per core"):
        await processes.within(never.wait(), "the event", base=0.05, every=0.01)
    with pytest.raises(AssertionError, match="the flag"):
        await processes.until(lambda: False, "the flag", base=0.05, every=0.01)


async def test_what_happens_in_time_is_returned() -> None:
    async def answer() -> int:
        return 42

    calls: list[int] = []

    async def third() -> bool:
        calls.append(1)
        return len(calls) >= 3

    assert await processes.within(answer(), "the answer") == 42
    await processes.until(third, "the third call", every=0.0)
    assert len(calls) == 3
