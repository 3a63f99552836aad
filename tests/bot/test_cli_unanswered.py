"""`troly unanswered list|answer|link|ignore|answers [--history]|edit|remove`, `troly synonyms …`,
`troly guides owner` over a real database: the chat's queue and synonyms on the command line."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.cli.unanswered import cli_user
from bot.db.base import make_engine, make_sessionmaker
from bot.db.models import Guide, OutboxMessage, UnansweredQuestion
from bot.texts import feedback as F
from tests.harness import fits

GUIDE = """# Hướng dẫn tiếp nhận hồ sơ đất đai

## Thời gian tiếp nhận

Bộ phận một cửa tiếp nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm hằng tuần.

## Lệ phí

Lệ phí cấp giấy chứng nhận nộp tại bộ phận một cửa.
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/troly.db")
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    monkeypatch.setenv("TROLY_LOG_LEVEL", "WARNING")
    return CliRunner()


T = TypeVar("T")


def _run(cli: CliRunner, *args: str) -> tuple[int, str, str]:
    result = cli.invoke(build_cli(), list(args))
    return result.exit_code, result.stdout, result.stderr


def _db(tmp_path: Path, statement: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/troly.db")
        try:
            async with make_sessionmaker(engine).begin() as session:
                return await statement(session)
        finally:
            await engine.dispose()
    return asyncio.run(go())


def _queue(tmp_path: Path, *texts: str) -> None:
    from bot.clock import SystemClock
    from bot.db import guide_store

    async def add(session):  # type: ignore[no-untyped-def]
        for i, text in enumerate(texts):
            await guide_store.log_unanswered(
                session, text=text, channel="telegram", chat_id=f"c{i}", official_id=None,
                best_guide_slug="huong-dan-tiep-nhan-ho-so-dat-dai", best_score=1.0,
                now=SystemClock().now())
    _db(tmp_path, add)


def test_list_answer_link_ignore(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "dat-dai.md").write_text(GUIDE, encoding="utf-8")
    assert _run(cli, "guides", "add", str(tmp_path / "dat-dai.md"))[0] == 0
    _queue(tmp_path, "phí làm sổ đỏ bao nhiêu", "phi lam so do bao nhieu", "ai ký giấy hẹn",
           "có được nộp hồ sơ qua bưu điện không")
    code, out, _ = _run(cli, "unanswered", "--json")
    groups = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(groups) == 3
    fee = next(g for g in groups if g["count"] == 2)
    assert fee["guides"] == ["huong-dan-tiep-nhan-ho-so-dat-dai"]
    code, out, _ = _run(cli, "unanswered", "list")
    assert code == 0 and f"#{fee['group']}" in out
    code, out, _ = _run(cli, "unanswered", "link", str(fee["group"]), "--guide",
                        "huong-dan-tiep-nhan-ho-so-dat-dai", "--section", "Lệ phí")
    assert code == 0 and fits(out, F.CLI_LINKED.format(section="Lệ phí", guide="{guide}",
                                                       closed=2, notified=2))
    signer = next(g for g in groups if g["text"] == "ai ký giấy hẹn")
    code, out, _ = _run(cli, "unanswered", "answer", str(signer["group"]),
                        "--text", "Cán bộ một cửa ký giấy hẹn.")
    assert code == 0 and fits(out, F.CLI_ANSWERED.format(guide=F.FAQ_TITLE_GENERAL, closed="{c}",
                                                         notified="{n}"))
    post = next(g for g in groups if "bưu điện" in g["text"])
    code, out, _ = _run(cli, "unanswered", "ignore", str(post["group"]), "--reason", "đã trả lời")
    assert code == 0
    assert _run(cli, "unanswered", "--json")[1] == ""
    code, _, err = _run(cli, "unanswered", "ignore", str(post["group"]), "--reason", "x")
    assert code == 1 and f"#{post['group']}" in err

    async def check(session):  # type: ignore[no-untyped-def]
        rows = (await session.execute(select(UnansweredQuestion))).scalars().all()
        outbox = (await session.execute(select(OutboxMessage))).scalars().all()
        guides = (await session.execute(select(Guide.slug))).scalars().all()
        return ({r.text: r.resolution for r in rows}, sorted(o.address for o in outbox),
                set(guides))
    resolutions, addresses, slugs = _db(tmp_path, check)
    assert resolutions == {"phí làm sổ đỏ bao nhiêu": "linked", "phi lam so do bao nhieu": "linked",
                           "ai ký giấy hẹn": "answered",
                           "có được nộp hồ sơ qua bưu điện không": "ignored"}
    assert addresses == ["c0", "c1", "c2"] and "hoi-dap" in slugs
    code, out, _ = _run(cli, "ask", "--json", "ai ký giấy hẹn")
    assert json.loads(out)["guide"]["id"] == "hoi-dap"
    code, out, _ = _run(cli, "ask", "--json", "phi lam so do bao nhieu")
    assert json.loads(out)["section"] == "Lệ phí"


def test_a_guide_no_longer_in_force_takes_no_answer_and_no_link(cli: CliRunner,
                                                                 tmp_path: Path) -> None:
    """As in the chat (/chuatraloi): a guide past its last day answers nothing, so an entry or a
    wording stored in it would never be found; the group stays open."""
    (tmp_path / "dat-dai.md").write_text(GUIDE, encoding="utf-8")
    assert _run(cli, "guides", "add", str(tmp_path / "dat-dai.md"))[0] == 0
    _queue(tmp_path, "phí làm sổ đỏ bao nhiêu")
    [group] = [json.loads(line) for line in _run(cli, "unanswered", "--json")[1].splitlines()]

    async def expire(session):  # type: ignore[no-untyped-def]
        guide = (await session.execute(select(Guide))).scalar_one()
        guide.effective_until = date.today() - timedelta(days=3)
    _db(tmp_path, expire)
    slug, key = "huong-dan-tiep-nhan-ho-so-dat-dai", str(group["group"])
    for args in (("link", key, "--guide", slug, "--section", "Lệ phí"),
                 ("answer", key, "--guide", slug, "--text", "Lệ phí theo quy định.")):
        code, _, err = _run(cli, "unanswered", *args)
        assert code == 1 and fits(err, F.CLI_GUIDE_NOT_IN_FORCE.format(
            key=slug, marks="{marks}")), err
    assert len(_run(cli, "unanswered", "--json")[1].splitlines()) == 1


def test_synonyms_and_owner(cli: CliRunner, tmp_path: Path) -> None:
    assert _run(cli, "synonyms", "add", "CNSCĐ", "tổ công nghệ số", "tổ CNS")[0] == 0
    code, out, _ = _run(cli, "synonyms", "list", "--json")
    assert json.loads(out) == {"term": "CNSCĐ", "synonyms": ["tổ công nghệ số", "tổ CNS"]}
    assert _run(cli, "synonyms", "remove", "CNSCĐ", "tổ CNS")[0] == 0
    assert _run(cli, "synonyms", "list")[1].strip() == F.CLI_SYNONYM_LINE.format(
        term="CNSCĐ", expansions="tổ công nghệ số")
    assert _run(cli, "synonyms", "remove", "khong-co")[0] == 1
    path = tmp_path / "syn.json"
    path.write_text(json.dumps({"PAKN": ["phản ánh kiến nghị"]}), encoding="utf-8")
    code, out, _ = _run(cli, "synonyms", "import", str(path))
    assert code == 0 and "1" in out
    assert "PAKN = phản ánh kiến nghị" in _run(cli, "synonyms", "list")[1]
    path.write_text("[1, 2]", encoding="utf-8")
    assert _run(cli, "synonyms", "import", str(path))[0] == 1
    (tmp_path / "dat-dai.md").write_text(GUIDE, encoding="utf-8")
    _run(cli, "guides", "add", str(tmp_path / "dat-dai.md"))
    assert _run(cli, "guides", "owner", "huong-dan-tiep-nhan-ho-so-dat-dai", "KHONG")[0] == 1
    assert _run(cli, "guides", "owner", "huong-dan-tiep-nhan-ho-so-dat-dai", "-")[0] == 0


def test_written_answers_edit_and_remove(cli: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "dat-dai.md").write_text(GUIDE, encoding="utf-8")
    assert _run(cli, "guides", "add", str(tmp_path / "dat-dai.md"))[0] == 0
    _queue(tmp_path, "ai ký giấy hẹn")
    (group,) = [json.loads(line) for line in _run(cli, "unanswered", "--json")[1].splitlines()]
    assert _run(cli, "unanswered", "answer", str(group["group"]),
                "--text", "Cán bộ một cửa ký giấy hẹn.")[0] == 0
    code, out, _ = _run(cli, "unanswered", "answers", "--json")
    (entry,) = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and entry["answer"] == "Cán bộ một cửa ký giấy hẹn."
    assert entry["question"] == "ai ký giấy hẹn" and entry["created_by"] == "cli"
    assert f"#{entry['id']}" in _run(cli, "unanswered", "answers")[1]
    assert _run(cli, "unanswered", "answers", "--history")[1] == ""
    code, out, _ = _run(cli, "unanswered", "edit", str(entry["id"]),
                        "--text", "Phó trưởng bộ phận một cửa ký giấy hẹn.")
    assert code == 0 and fits(out, F.CLI_EDITED)
    (edited,) = [json.loads(line) for line in _run(cli, "unanswered", "answers", "--json")[1]
                 .splitlines()]
    (change,) = edited["edits"]
    assert (change["action"], change["old_answer"], change["new_answer"]) == (
        "edited", "Cán bộ một cửa ký giấy hẹn.", "Phó trưởng bộ phận một cửa ký giấy hẹn.")
    assert change["changed_by"] == cli_user() and change["changed_by"].startswith("cli")
    assert fits(_run(cli, "unanswered", "answers")[1], F.CLI_WRITTEN_EDITED)
    code, out, _ = _run(cli, "ask", "--json", "ai ký giấy hẹn")
    assert "Phó trưởng bộ phận" in out and "Cán bộ một cửa ký" not in out
    assert _run(cli, "unanswered", "edit", str(entry["id"]), "--text", " ")[0] == 1
    code, out, _ = _run(cli, "unanswered", "remove", str(entry["id"]))
    assert code == 0 and fits(out, F.CLI_REMOVED)
    assert _run(cli, "unanswered", "answers")[1] == ""
    code, out, _ = _run(cli, "ask", "--json", "ai ký giấy hẹn")
    assert "Phó trưởng bộ phận" not in out
    code, _, err = _run(cli, "unanswered", "remove", str(entry["id"]))
    assert code == 1 and fits(err.strip(), F.CLI_WRITTEN_NOT_FOUND)
    # the record outlives the answer: the edit, then the removal, newest first
    code, out, _ = _run(cli, "unanswered", "answers", "--history", "--json")
    removal, edit = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and edit == change
    assert (removal["action"], removal["id"], removal["question"]) == (
        "removed", entry["id"], "ai ký giấy hẹn")
    assert (removal["old_answer"], removal["new_answer"]) == (
        "Phó trưởng bộ phận một cửa ký giấy hẹn.", None)
    code, out, _ = _run(cli, "unanswered", "answers", "--history")
    assert code == 0 and fits(out, F.CLI_HISTORY_REMOVED) and fits(out, F.CLI_HISTORY_EDITED)
    assert fits(out.splitlines()[0], F.CLI_HISTORY_REMOVED.splitlines()[0])  # newest first
    code, _, err = _run(cli, "unanswered", "edit", str(entry["id"]), "--text", "x")
    assert code == 1 and fits(err.strip(), F.CLI_WRITTEN_NOT_FOUND)
