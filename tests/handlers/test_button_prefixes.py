"""Every kind of button has its own prefix, someone answers it, and old payloads still read."""

from __future__ import annotations

import importlib
import pkgutil

import handlers
import scheduler
from bot import button_kinds
from bot.button_payloads import TOKEN_PREFIX
from bot.buttons import ButtonData, kinds
from bot.router import Router


def _production_kinds() -> list[type[ButtonData]]:
    """The kinds declared in the code that shows and answers buttons (not in tests)."""
    for package in (handlers, scheduler):
        for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(module.name)
    importlib.import_module(button_kinds.__name__)
    return [k for k in kinds() if not k.__module__.startswith("tests")]


def _router() -> Router:
    router = Router()
    handlers.register(router)
    return router


def test_every_prefix_is_declared_once() -> None:
    prefixes = [k.prefix for k in _production_kinds()]
    assert len(prefixes) == len(set(prefixes)), sorted(prefixes)


def test_every_kind_is_answered_and_every_button_is_a_kind_or_a_flows() -> None:
    router, declared = _router(), {k.prefix for k in _production_kinds()}
    assert declared <= set(router.buttons)
    # the rest are a conversation's own buttons, pressed after it ended (its name, or name_…)
    rest = set(router.buttons) - declared
    assert all(any(p == f or p.startswith(f + "_") for f in router.flows) for p in rest), rest


def test_no_kind_reads_as_a_conversations_button() -> None:
    # during a conversation, a payload starting with its name goes to the conversation's step
    # (bot/dispatcher.py, _global_button): a kind's prefix must not start with a flow's name,
    # unless it is that flow's own kind (its prefix is the flow's name)
    flows = _router().flows
    clashes = [(k.prefix, f) for k in _production_kinds() for f in flows
               if k.prefix.startswith(f) and k.prefix != f]
    assert clashes == []


def test_no_prefix_looks_like_a_token() -> None:
    assert not [p for p in _router().buttons if p.startswith(TOKEN_PREFIX)]


def test_payloads_sent_before_the_codec_still_unpack_to_the_same_wire_format() -> None:
    # as the handlers and the scheduler wrote them by hand; buttons like these are in chats
    old = ["sec:41", "see:41", "pg:41:2", "guide:quy-trinh-so-hoa", "guide:quy-trinh-so-hoa:8",
           "glist:8", "gup:ok:3", "gup:no:3", "gshare:7", "gack:7:2", "gaud:7:u12", "gaud:7:send",
           "rem_done:9", "rem_prog:9", "rem_snz:9", "rem_checkin", "rem_ack:4:2026-W48:weekly",
           "rem_ack:4:2026-11:monthly", "rem_period:2026-Q4", "imp:ok:5", "acc_unb:6",
           "inv_rev:K7P2QX", "fby:41:hạn nộp báo cáo: khi nào?", "fby:41", "fbn:41:chuyển đổi số",
           "uqm:5", "uqa:3", "uql:3", "uqi:3", "uqg:3:7", "uqg:3:7:8", "uqs:3:41",
           "moi:off:12:48", "moi:new:2:official:48:Nguyễn Văn A",
           # conversations' own buttons, read by their steps
           "ci:p:50", "ci:s:risk", "ci:edit:0", "pc:r:leave", "lv:ok", "qans:faq", "qans:7",
           "qign:1", "fbwhy:skip"]
    by_prefix = {k.prefix: k for k in _production_kinds()}
    for payload in old:
        kind = by_prefix[payload.partition(":")[0]]
        button = kind.unpack(payload)
        assert button is not None, payload
        assert button.pack() == payload
