"""The scriptable CLI: guides add/list/show/withdraw, unanswered, ask (JSON lines), kb eval."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import build_cli
from bot.texts import cli as T
from bot.texts import guides as GT
from knowledge.types import IngestProblem
from tests.harness import fits
from tests.knowledge.conftest import build_scanned_guide

GUIDE = """# Hướng dẫn tiếp nhận hồ sơ đất đai

Căn cứ: Công văn số 12/CV-UBND

## Thời gian tiếp nhận

Bộ phận một cửa tiếp nhận hồ sơ đất đai vào sáng thứ Ba và thứ Năm hằng tuần.
"""


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray .env; the database goes to tmp
    monkeypatch.setenv("TROLY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/troly.db")
    monkeypatch.setenv("TROLY_LOAD_DEMO_GUIDES", "false")
    monkeypatch.setenv("TROLY_LOG_LEVEL", "WARNING")
    return CliRunner()


def _run(cli: CliRunner, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = cli.invoke(build_cli(), list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_add_list_show_withdraw(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "dat-dai.md"
    path.write_text(GUIDE, encoding="utf-8")
    code, out, _ = _run(cli, "guides", "add", str(path), "--source", "CV 12")
    assert code == 0 and fits(out, GT.ADDED)
    code, out, _ = _run(cli, "guides", "list", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["title"], r["source"], r["status"]) for r in rows] == [
        ("Hướng dẫn tiếp nhận hồ sơ đất đai", "CV 12", "active")]
    code, out, _ = _run(cli, "guides", "show", rows[0]["slug"])
    assert code == 0 and "Thời gian tiếp nhận" in out
    code, out, _ = _run(cli, "guides", "withdraw", str(rows[0]["id"]))
    assert code == 0 and T.GUIDE_WITHDRAWN.format(title=rows[0]["title"]) in out
    _, out, _ = _run(cli, "guides", "list", "--json")
    assert json.loads(out)["status"] == "withdrawn"
    # again: nothing changes (a new withdrawal time would tell its audience a second time)
    code, again, _ = _run(cli, "guides", "withdraw", rows[0]["slug"])
    assert code == 0 and fits(again, T.GUIDE_ALREADY_WITHDRAWN.format(
        day="{day}", title=rows[0]["title"]))
    code, _, err = _run(cli, "guides", "show", "khong-co")
    assert code == 1 and T.GUIDE_NOT_FOUND.format(key="khong-co") in err


def test_add_bad_file_fails_with_reason(cli: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 broken")
    code, _, err = _run(cli, "guides", "add", str(bad), str(tmp_path / "missing.md"))
    assert code == 1
    assert "scan.pdf" in err and fits(err, T.FILE_NOT_FOUND)


def test_ask_json_lines_from_stdin_and_unanswered(cli: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "dat-dai.md"
    path.write_text(GUIDE, encoding="utf-8")
    _run(cli, "guides", "add", str(path))
    code, out, _ = _run(cli, "ask", stdin="bo phan mot cua tiep nhan ho so dat dai khi nao\n"
                                          "\ngia vang hom nay\n")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert set(first) == {"question", "answered", "outcome", "guide", "section", "text", "score",
                          "alternatives"}
    assert first["answered"] is True and first["outcome"] == "answer"
    assert first["guide"]["title"] == "Hướng dẫn tiếp nhận hồ sơ đất đai"
    assert first["guide"]["file"] == "dat-dai.md"  # the uploaded file, as the name says
    assert first["guide"]["source"] == "Công văn số 12/CV-UBND"  # the document it rests on
    assert first["section"] == "Thời gian tiếp nhận"
    assert second["answered"] is False and second["text"] is None
    assert second["outcome"] in ("tentative", "decline")
    code, out, _ = _run(cli, "ask", "--json", "thu tuc ho so dat dai")
    assert code == 0 and json.loads(out)["question"] == "thu tuc ho so dat dai"


def test_kb_eval_on_a_tiny_corpus(cli: CliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    queries = tmp_path / "queries.jsonl"
    docs = [("a|1", "Thuế thu nhập cá nhân được nộp theo tháng hoặc theo quý."),
            ("a|2", "Người lao động được nghỉ phép năm mười hai ngày làm việc."),
            ("a|3", "Hồ sơ đăng ký kết hôn nộp tại Ủy ban nhân dân cấp xã.")]
    corpus.write_text("\n".join(json.dumps({"id": i, "title": i, "text": t}, ensure_ascii=False)
                                for i, t in docs), encoding="utf-8")
    qs = [("q1", "nghỉ phép năm bao nhiêu ngày", "a|2"), ("q2", "đăng ký kết hôn ở đâu", "a|3")]
    queries.write_text("\n".join(json.dumps({"id": i, "text": t, "relevant": [r]},
                                            ensure_ascii=False) for i, t, r in qs),
                       encoding="utf-8")
    code, out, _ = _run(cli, "kb", "eval", "--corpus", str(corpus), "--queries", str(queries),
                        "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["variants"]["asis"]["hit1"] == 1.0
    assert set(report["variants"]) == {"asis", "nodiac", "typo"}
    code, out, _ = _run(cli, "kb", "eval", "--corpus", str(corpus), "--queries", str(queries))
    assert code == 0 and "hit@1" in out


def test_a_file_over_the_limit_is_refused_from_its_size_unread(
        cli: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "lon.md"
    with big.open("wb") as file:  # sparse: 3 GB on paper, nothing on disk
        file.truncate(3 * 1024**3)
    read: list[Path] = []
    original = Path.read_bytes

    def spying_read_bytes(self: Path) -> bytes:
        read.append(self)
        if self == big:
            raise AssertionError("the over-size file was read")
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spying_read_bytes)
    monkeypatch.setenv("TROLY_MAX_UPLOAD_MB", "1")
    code, _, err = _run(cli, "guides", "add", str(big))
    assert code == 1 and "lon.md" in err
    assert GT.INGEST_PROBLEMS[IngestProblem.TOO_LARGE].format(limit=1) in err
    assert big not in read


def test_add_replaces_a_same_title_guide_only_when_told(cli: CliRunner, tmp_path: Path) -> None:
    v1, v2, other = tmp_path / "v1.md", tmp_path / "v2.md", tmp_path / "khac.md"
    v1.write_text(GUIDE, encoding="utf-8")
    v2.write_text(GUIDE.replace("thứ Ba và thứ Năm", "mọi ngày làm việc"), encoding="utf-8")
    other.write_text("# Hướng dẫn khác\n\nNội dung khác của một hướng dẫn khác.\n", encoding="utf-8")
    assert _run(cli, "guides", "add", str(v1))[0] == 0
    code, _, err = _run(cli, "guides", "add", str(v2))  # not a terminal: never asked, skipped
    assert code == 1 and "--yes" in err

    def versions() -> list[tuple[str, int]]:
        _, out, _ = _run(cli, "guides", "list", "--json")
        return [(r["title"], r["version"]) for r in map(json.loads, out.splitlines())]

    assert versions() == [("Hướng dẫn tiếp nhận hồ sơ đất đai", 1)]
    code, out, _ = _run(cli, "guides", "add", str(v2), "--yes")
    assert code == 0 and fits(out, GT.REPLACED.format(
        title="{title}", version=2, old=1, sections="{sections}", passages="{passages}",
        ref="{ref}"))
    code, out, _ = _run(cli, "guides", "add", str(other), "--replace",
                        "huong-dan-tiep-nhan-ho-so-dat-dai")
    assert code == 0 and versions() == [("Hướng dẫn khác", 3)]
    code, _, err = _run(cli, "guides", "add", str(other), "--replace", "khong-co")
    assert code == 1 and "khong-co" in err


def test_add_with_validity_audience_and_replacement(cli: CliRunner, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nSO,Sở Nội vụ,\nPHONG,Phòng CCHC,SO\n",
                     encoding="utf-8")
    old, new = tmp_path / "cu.md", tmp_path / "moi.md"
    old.write_text(GUIDE, encoding="utf-8")
    new.write_text(GUIDE.replace("# Hướng dẫn", "# Hướng dẫn mới về").replace("thứ Ba", "thứ Hai"),
                   encoding="utf-8")
    code, out, err = _run(cli, "units", "import", str(units))
    assert code == 0, out + err
    code, out, err = _run(cli, "guides", "add", str(old), "--until", "31/12/2026")
    assert code == 0, err
    code, _, err = _run(cli, "guides", "add", str(new), "--audience", "NOPE")
    assert code == 1 and GT.OPTION_UNKNOWN_UNITS.format(units="\u201cNOPE\u201d") in err
    code, _, err = _run(cli, "guides", "add", str(new), "--effective", "2027-01-05",
                        "--until", "2027-01-01")
    assert code != 0 and "05/01/2027" in err
    code, _, err = _run(cli, "guides", "add", str(new), "--role", "chief")
    assert code != 0 and "chief" in err
    code, _, err = _run(cli, "guides", "add", str(new), "--effective", "31/02/2027")
    assert code != 0 and "31/2/2027" in err  # 'ngày 31/2/2027 không tồn tại'
    # dates as officials type them, the same rule as the chat upload (bot/guide_options.py)
    code, out, err = _run(cli, "guides", "add", str(new), "--effective", "01-01-2027",
                          "--replaces", "1", "--audience", "so", "--role", "official,head")
    assert code == 0, err
    assert T.GUIDE_ANNOUNCED.format(version=1, count=0) in out
    _, out, _ = _run(cli, "guides", "list", "--json")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert (rows[1]["effective_until"], rows[2]["effective_from"], rows[2]["replaces"]) == (
        "2026-12-31", "2027-01-01", 1)
    code, out, err = _run(cli, "guides", "set", "1", "--until", "2026-12-15")
    assert code == 0, err
    _, out, _ = _run(cli, "guides", "list", "--json")
    assert {r["id"]: r for r in map(json.loads, out.splitlines())}[1]["effective_until"] \
        == "2026-12-15"


def test_audience_by_unit_name_and_not_replacing_as_in_chat(cli: CliRunner,
                                                             tmp_path: Path) -> None:
    """--audience takes names as officials type them (codes still work); --no-replaces wins
    over the document's 'thay thế …', as "Không thay thế" does in chat."""
    units = tmp_path / "units.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nSO,Sở Nội vụ,\n"
                     "STTTT,Sở Thông tin và Truyền thông,\nXA1,UBND xã Tân Lập,SO\n"
                     "XA2,Ủy ban nhân dân xã Tân Lập,STTTT\n", encoding="utf-8")
    assert _run(cli, "units", "import", str(units))[0] == 0
    old, new = tmp_path / "cu.md", tmp_path / "moi.md"
    old.write_text(GUIDE, encoding="utf-8")  # cites Công văn số 12/CV-UBND
    new.write_text(GUIDE.replace("# Hướng dẫn", "# Hướng dẫn mới về")
                   .replace("12/CV-UBND", "40/CV-UBND")
                   + "\n## Hiệu lực\n\nHướng dẫn này thay thế Công văn số 12/CV-UBND.\n",
                   encoding="utf-8")
    assert _run(cli, "guides", "add", str(old))[0] == 0
    code, _, err = _run(cli, "guides", "add", str(new), "--audience", "bo tai chinh")
    assert code == 1 and GT.OPTION_UNKNOWN_UNITS.format(units="\u201cbo tai chinh\u201d") in err
    code, _, err = _run(cli, "guides", "add", str(new), "--audience", "xa tan lap")
    assert code == 1 and fits(err, GT.OPTION_UNCLEAR_UNIT)
    assert "UBND xã Tân Lập (XA1)" in err and "Ủy ban nhân dân xã Tân Lập (XA2)" in err
    code, _, err = _run(cli, "guides", "add", str(new), "--replaces", "1", "--no-replaces")
    assert code != 0 and "--no-replaces" in err
    code, out, err = _run(cli, "guides", "add", str(new), "--no-replaces",
                          "--audience", "so tttt, XA1", "--audience", "Sở Nội vụ")
    assert code == 0, err
    assert T.GUIDE_ANNOUNCED.format(version=1, count=0) in out
    _, out, _ = _run(cli, "guides", "list", "--json")
    rows = {r["id"]: r for r in map(json.loads, out.splitlines())}
    assert rows[2]["replaces"] is None  # the document says it replaces guide 1: not so
    # without the flag the document's words link it; `set --no-replaces` unlinks it
    newer = tmp_path / "moi-2.md"
    newer.write_text(new.read_text(encoding="utf-8").replace("# Hướng dẫn mới về",
                                                            "# Hướng dẫn khác về"),
                     encoding="utf-8")
    assert _run(cli, "guides", "add", str(newer))[0] == 0
    _, out, _ = _run(cli, "guides", "list", "--json")
    assert {r["id"]: r for r in map(json.loads, out.splitlines())}[3]["replaces"] == 1
    assert _run(cli, "guides", "set", "3", "--no-replaces")[0] == 0
    _, out, _ = _run(cli, "guides", "list", "--json")
    assert {r["id"]: r for r in map(json.loads, out.splitlines())}[3]["replaces"] is None


def test_add_names_a_pdf_s_scanned_pages_and_refuses_a_scan(cli: CliRunner,
                                                            tmp_path: Path) -> None:
    partly, scan = tmp_path / "tiep-nhan.pdf", tmp_path / "scan.pdf"
    partly.write_bytes(build_scanned_guide("ttstttsssttt"))
    scan.write_bytes(build_scanned_guide("sss"))
    code, out, err = _run(cli, "guides", "add", str(partly))
    assert code == 0 and fits(out, GT.ADDED)
    assert T.ABOUT_FILE.format(file="tiep-nhan.pdf", warning=GT.PAGES_WITHOUT_TEXT.format(
        pages="3, 7\u20139")) in err
    code, out, err = _run(cli, "guides", "add", str(scan))
    assert code == 1 and not out
    assert GT.INGEST_FAILED.format(
        file="scan.pdf", reason=GT.INGEST_PROBLEMS[IngestProblem.NO_TEXT_LAYER]) in err


def test_audience_by_the_admins_abbreviations(cli: CliRunner, tmp_path: Path) -> None:
    units = tmp_path / "units.csv"
    units.write_text("Mã đơn vị,Tên đơn vị,Đơn vị cấp trên\nSO,Sở Nội vụ,\n"
                     "P07,Phòng Văn hóa và Thông tin,SO\n", encoding="utf-8")
    assert _run(cli, "units", "import", str(units))[0] == 0
    guide = tmp_path / "moi.md"
    guide.write_text(GUIDE, encoding="utf-8")
    code, _, err = _run(cli, "guides", "add", str(guide), "--audience", "pvhtt")
    assert code == 1 and GT.OPTION_UNKNOWN_UNITS.format(units="\u201cpvhtt\u201d") in err
    assert _run(cli, "synonyms", "add", "PVHTT", "Phòng Văn hóa và Thông tin")[0] == 0
    code, out, err = _run(cli, "guides", "add", str(guide), "--audience", "pvhtt")
    assert code == 0, err
    assert T.GUIDE_ANNOUNCED.format(version=1, count=0) in out
