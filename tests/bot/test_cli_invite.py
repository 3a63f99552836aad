"""`troly invite --official CODE` binds the code to an imported official; `--name` of someone the unit
already has warns instead of creating a second person."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot.db import people_store
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import ChatAccount, Invitation, Official
from bot.texts import admin_import as A
from bot.texts import cli as T
from bot.texts import people as P
from tests.bot.test_cli_accounts import EXAMPLES, NOW, Cli
from tests.harness import fits


def _import_people(troly: Cli) -> None:
    troly("units", "import", str(EXAMPLES / "don-vi.csv"))
    troly("officials", "import", str(EXAMPLES / "can-bo.csv"))
    troly("tasks", "import", str(EXAMPLES / "nhiem-vu.csv"))


async def _redeem(url: str, code: str) -> tuple[str, int, str | None]:
    """Use the code from a fresh Telegram account; return the outcome, how many officials share
    the name, and the code of the official the account is bound to."""
    engine = make_engine(url)
    async with make_sessionmaker(engine).begin() as s:
        account = ChatAccount(channel="telegram", external_id="777", chat_id="777",
                              status="active", created_at=NOW)
        s.add(account)
        await s.flush()
        result = await people_store.redeem_invitation(s, code, account, NOW)
        same = (await s.execute(select(Official).where(Official.name == "Lê Minh Châu"))).scalars()
        bound = await s.get(Official, account.official_id) if account.official_id else None
        outcome = (result.outcome, len(list(same)), bound.code if bound else None)
    await engine.dispose()
    return outcome


def test_invite_an_imported_official_by_code(database_url: str) -> None:
    troly = Cli(database_url)
    _import_people(troly)
    made = json.loads(troly("invite", "--official", "CB003", "--json"))
    # the unit and role come from the official's record; the name too
    assert (made["unit"], made["role"], made["name"], made["official"]) == (
        "CDS", "official", "Lê Minh Châu", "CB003")
    assert asyncio.run(_redeem(database_url, made["code"])) == ("bound", 1, "CB003")
    plain = troly("invite", "--official", "CB001")
    assert fits(plain, T.INVITATION_CODE)
    assert fits(plain, A.CLI_INVITED_OFFICIAL.format(code="CB001", name="Nguyễn Văn An"))


def test_invite_official_checks_what_it_is_told(database_url: str) -> None:
    troly = Cli(database_url)
    _import_people(troly)
    assert T.OFFICIAL_NOT_FOUND.format(code="CB999") in troly("invite", "--official", "CB999",
                                                              code=1)
    assert A.CLI_UNIT_MISMATCH.format(code="CB003", official_unit="CDS", unit="VP") in troly(
        "invite", "--official", "CB003", "--unit", "VP", code=1)
    assert A.CLI_ROLE_MISMATCH.format(code="CB003", official_role="official", role="head") in troly(
        "invite", "--official", "CB003", "--role", "head", code=1)
    assert A.CLI_NAME_WITH_OFFICIAL.format(code="CB003") in troly(
        "invite", "--official", "CB003", "--name", "Ai Khác", code=2)
    # the matching --unit and --role are accepted
    assert fits(troly("invite", "--official", "CB003", "--unit", "CDS", "--role", "official"),
                T.INVITATION_CODE)
    assert "--official" in troly("invite", code=2)


def test_invite_by_a_name_the_unit_has_warns_and_creates_nothing(database_url: str) -> None:
    troly = Cli(database_url)
    _import_people(troly)
    # the docs' old example: a second "Lê Minh Châu" with no tasks; diacritics and case do not matter
    out = troly("invite", "--unit", "CDS", "--role", "official", "--name", "le minh CHAU", code=1)
    assert fits(out, A.CLI_DUPLICATE_NAME.format(unit="CDS", name="{name}", matches="{matches}"))
    assert "CB003" in out

    async def _count() -> int:
        engine = make_engine(database_url)
        async with make_sessionmaker(engine)() as s:
            n = len((await s.execute(select(Invitation))).scalars().all())
        await engine.dispose()
        return n

    assert asyncio.run(_count()) == 0
    # another unit has no Lê Minh Châu: no warning
    assert fits(troly("invite", "--unit", "VP", "--name", "Lê Minh Châu"), T.INVITATION_CODE)
    # on purpose: --new creates the second person's code
    made = json.loads(troly("invite", "--unit", "CDS", "--name", "Lê Minh Châu", "--new", "--json"))
    assert made["official"] is None
    assert asyncio.run(_redeem(database_url, made["code"])) == ("bound", 2, None)


def test_invite_as_head_of_a_unit_that_has_one_is_refused(database_url: str) -> None:
    """`troly invite --unit CDS --role head` made a second head once used (the unit's slot stayed
    with the first; the officials import refuses the same): refused, naming the head."""
    troly = Cli(database_url)
    _import_people(troly)
    out = troly("invite", "--unit", "CDS", "--role", "head", "--name", "Ai Mới", code=1)
    assert P.INVITE_UNIT_HAS_HEAD.format(unit="CDS", name="Nguyễn Văn An", code=" (CB001)") in out
    assert fits(troly("invite", "--unit", "CDS", "--role", "deputy", "--name", "Ai Mới"),
                T.INVITATION_CODE)
    # the unit's own recorded head named again: pointed to --official CB001, not refused with
    # advice to replace them (the same-name check runs before the one-head refusal)
    named = troly("invite", "--unit", "CDS", "--role", "head", "--name", "Nguyễn Văn An", code=1)
    assert fits(named, A.CLI_DUPLICATE_NAME.format(unit="CDS", name="{name}", matches="{matches}"))
    assert "CB001" in named and "Đã nghỉ" not in named
