"""The router's table: typed buttons and the ordered fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pytest

from bot.buttons import ButtonData
from bot.context import Context
from bot.conversation import Flow
from bot.router import ROLES_ADMINS, Fallback, Router


@dataclass(frozen=True)
class Pick(ButtonData, prefix="t_pick"):
    """A test kind."""

    row_id: int


@dataclass
class _Ctx:
    """What the router's wrappers use of a context."""

    role: str = "official"
    text: str = ""
    replies: list[str] = field(default_factory=list)

    def reply(self, text: str) -> None:
        self.replies.append(text)


async def _nothing(ctx: Context) -> None:
    del ctx


def test_matching_fallbacks_come_in_order_and_the_catch_all_last() -> None:
    router = Router()
    router.fallback(Fallback("question", _nothing))
    router.fallback(Fallback("code", _nothing, matches=lambda c: c.text == "ABC123"))
    router.fallback(Fallback("logout", _nothing, matches=lambda c: c.text == "dang xuat"))
    assert [f.name for f in router.fallbacks] == ["code", "logout", "question"]
    for text, chosen in (("ABC123", "code"), ("dang xuat", "logout"), ("hỏi gì", "question")):
        found = router.fallback_for(cast(Context, _Ctx(text=text)))
        assert found is not None and found.name == chosen


def test_no_fallback_answers_when_none_matches_and_there_is_no_catch_all() -> None:
    router = Router()
    router.fallback(Fallback("code", _nothing, matches=lambda c: c.text == "ABC123"))
    assert router.fallback_for(cast(Context, _Ctx(text="xin chào"))) is None


def test_a_second_catch_all_or_a_name_twice_is_refused() -> None:
    router = Router()
    router.fallback(Fallback("question", _nothing))
    with pytest.raises(ValueError):
        router.fallback(Fallback("other", _nothing))
    with pytest.raises(ValueError):
        router.fallback(Fallback("question", _nothing, matches=lambda c: True))


async def test_a_typed_button_reaches_its_handler_unpacked() -> None:
    router, seen = Router(), []

    async def handler(ctx: Context, button: Pick) -> None:
        seen.append(button)

    router.on(Pick, handler, gone="gone")
    ctx = _Ctx()
    await router.buttons["t_pick"](cast(Context, ctx), "12")
    assert seen == [Pick(12)] and ctx.replies == []


@pytest.mark.parametrize(("arg", "role"), [("x", "admin"), ("", "admin"), ("12", "official")])
async def test_a_forged_button_or_a_role_outside_gets_gone_and_never_the_handler(
        arg: str, role: str) -> None:
    router, seen = Router(), []

    async def handler(ctx: Context, button: Pick) -> None:
        seen.append(button)

    router.on(Pick, handler, gone="gone", roles=ROLES_ADMINS)
    ctx = _Ctx(role=role)
    await router.buttons["t_pick"](cast(Context, ctx), arg)
    assert seen == [] and ctx.replies == ["gone"]


def test_a_kind_registered_twice_is_refused() -> None:
    router = Router()

    async def handler(ctx: Context, button: Pick) -> None:
        del ctx, button

    router.on(Pick, handler, gone="gone")
    with pytest.raises(ValueError):
        router.on(Pick, handler, gone="gone")


async def test_a_flows_buttons_pressed_after_it_ended_get_its_stale_text() -> None:
    router = Router()
    router.flow(Flow(name="t_flow", first="a", steps={}), stale="ended")
    ctx = _Ctx()
    await router.buttons["t_flow"](cast(Context, ctx), "ok")
    assert ctx.replies == ["ended"]
    with pytest.raises(ValueError):
        router.flow(Flow(name="t_flow", first="a", steps={}))
