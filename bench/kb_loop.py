"""The feedback loop, measured: questions troly could not answer, an admin acting on the queue once
per group, and what happens to the next askers — side by side with the loop off.

    .venv/bin/python bench/kb_loop.py [--shared ../shared] [--json out.json]

Data: the development set in <shared>/eval/guides (read in place, never copied): 12 guides, 40 base
questions (one per guide section) each with one derived variant (no diacritics, typo, Telex or
English: "the same question asked again another way"), 20 unanswerable questions.

Two scenarios, each through troly's real code (ingest, index, answer decision, queue grouping,
kb_loop actions, index rebuild) on a fresh SQLite database:

- withheld — the "answer it" loop. The guides are split in 3 folds; each fold's 4 guides are
  withheld (the knowledge base holds the other 8). The base questions of the withheld guides are
  asked; troly declines (logged) or shows a passage of another guide (the asker presses
  "Chưa đúng": logged). A scripted admin answers each group of /chuatraloi once, with the gold
  answer of its first question, into the FAQ guide. Then the variants are asked.
  right = answered ("answer") from the admin's entry for that question.
- present — the "point to a section" loop. All 12 guides are loaded. The base questions are asked;
  those not answered in their gold section are queued (declined; or shown a wrong section and
  "Chưa đúng"; a tentative right section gets "Đúng ý tôi" and is not queued). A scripted admin
  points each group to the gold section of its first question. Then the variants of the queued
  questions are asked. right = answered ("answer") in the gold section.

"loop off" asks the same variants with the queue left alone. Both scenarios also report the
unanswerable questions answered (a false answer the loop could cause) and, for present, every
question of the set (a phrasing must not pull other questions to its section).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import kb_loop  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.db import guide_store, queue_store  # noqa: E402
from bot.db.base import make_engine, make_sessionmaker  # noqa: E402
from bot.db.migrate import upgrade  # noqa: E402
from bot.guide_import import import_guide, ingest_limits  # noqa: E402
from bot.knowledge_service import KnowledgeService, entry_question  # noqa: E402
from knowledge import qa_match  # noqa: E402
from knowledge.normalize import nfc  # noqa: E402
from knowledge.types import Hit, Outcome, SearchResult  # noqa: E402

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00 local, outside quiet hours
FOLDS = 3
LIMIT = 8
#: candidate cuts for the Q&A-entry rule (token set similarity), chosen across the withheld folds
CUTS = tuple(float(c) for c in range(40, 101, 2))


def default_shared() -> Path:
    """../shared beside the repository (a worktree under wt/ looks one level further up)."""
    for candidate in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        if (candidate / "eval").is_dir():
            return candidate
    return ROOT.parent / "shared"


@dataclass
class Question:
    """One question of the set."""

    id: str
    text: str
    guide: str | None
    section: str | None
    base: str
    variant: str
    answer: str = ""


@dataclass
class Tally:
    """Outcomes of a batch of questions."""

    right: int = 0  # answered from the right place
    tentative_right: int = 0  # offered the right place as "possibly related"
    wrong: int = 0  # answered ("answer") from somewhere else
    declined: int = 0
    total: int = 0
    ids: list[str] = field(default_factory=list)  # answered right
    wrong_ids: list[str] = field(default_factory=list)  # answered from elsewhere

    def cells(self) -> dict[str, str]:
        """Counts as 'n/total'."""
        return {k: f"{getattr(self, k)}/{self.total}"
                for k in ("right", "tentative_right", "wrong", "declined")}


@dataclass(frozen=True)
class Seen:
    """One question asked with the loop on: the model's outcome and what the Q&A rule needs."""

    id: str
    text: str
    outcome: Outcome  # the decision model's outcome, without the Q&A-entry rule
    stored: str | None  # the entry's question when the best passage is an admin's Q&A entry
    right: bool  # the best passage is the right one
    where: str  # the best passage, for the wrong answers' list

    def decided(self, cut: float | None) -> Outcome:
        """The outcome with the Q&A-entry rule at `cut` (None: the model alone)."""
        if cut is None or self.stored is None:
            return self.outcome
        return qa_match.qa_outcome(self.outcome, self.text, self.stored, cut)


def tally_seen(seen: Sequence[Seen], cut: float | None) -> Tally:
    """The outcomes of recorded questions with the Q&A-entry rule at `cut` (None: off)."""
    out = Tally(total=len(seen))
    for s in seen:
        outcome = s.decided(cut)
        if outcome == "decline":
            out.declined += 1
        elif s.right:
            if outcome == "answer":
                out.right += 1
                out.ids.append(s.id)
            else:
                out.tentative_right += 1
        elif outcome == "answer":
            out.wrong += 1
            out.wrong_ids.append(f"{s.id} → {s.where}")
    return out


def _gain(variants: Sequence[Seen], unanswerable: Sequence[Seen], cut: float) -> float:
    """What a cut is chosen by: share of variants answered right minus share of false answers."""
    return (tally_seen(variants, cut).right / max(len(variants), 1)
            - tally_seen(unanswerable, cut).wrong / max(len(unanswerable), 1))


def choose_cut(variants: Sequence[Seen], unanswerable: Sequence[Seen]) -> float:
    """The middle of the best-scoring run of CUTS (the lowest such run on ties)."""
    gains = [_gain(variants, unanswerable, c) for c in CUTS]
    best = max(gains)
    first = gains.index(best)
    last = first
    while last + 1 < len(CUTS) and gains[last + 1] == best:
        last += 1
    return CUTS[(first + last) // 2]


def load(shared: Path) -> tuple[dict[str, Path], list[Question], list[Question]]:
    """Guides (stem → .md), answerable and unanswerable questions."""
    root = shared / "eval" / "guides"
    guides = {p.stem: p for p in sorted((root / "guides").glob("*.md"))}
    answerable = [Question(r["id"], r["text"], r["guide"], r["section"], r["base_id"],
                           r["variant"], r.get("answer", ""))
                  for r in map(json.loads, (root / "questions.jsonl").read_text("utf-8").splitlines())]
    unanswerable = [Question(r["id"], r["text"], None, None, r["base_id"], r["variant"])
                    for r in map(json.loads,
                                 (root / "unanswerable.jsonl").read_text("utf-8").splitlines())]
    return guides, answerable, unanswerable


def _section_is(hit: Hit, section: str) -> bool:
    path = hit.passage.heading_path
    return bool(path) and " ".join(nfc(path[-1]).split()) == " ".join(nfc(section).split())


class World:
    """A fresh database with some guides, troly's index over it, and the scripted people."""

    def __init__(self, directory: Path) -> None:
        self.url = f"sqlite+aiosqlite:///{directory}/loop.db"
        self.settings = Settings(_env_file=None, database_url=self.url,
                                 load_demo_guides=False, scheduler_enabled=False)
        self.engine = make_engine(self.url)
        self.sessionmaker = make_sessionmaker(self.engine)
        self.knowledge = KnowledgeService()
        self.slugs: dict[str, str] = {}  # file stem → guide slug

    async def start(self, guides: dict[str, Path]) -> None:
        """Migrate, add the guides, build the index."""
        await upgrade(self.url)
        async with self.sessionmaker.begin() as session:
            for stem, path in guides.items():
                result = await import_guide(session, file_name=path.name,
                                            content=path.read_bytes(), uploaded_by="bench",
                                            now=NOW, limits=ingest_limits(self.settings))
                if not isinstance(result, guide_store.AddResult):
                    raise RuntimeError(f"{path.name}: not added")
                self.slugs[stem] = result.guide.slug
        await self.knowledge.reload(self.sessionmaker)

    async def close(self) -> None:
        """Release the database."""
        await self.engine.dispose()

    def search(self, text: str) -> SearchResult:
        """What troly decides for a question."""
        return self.knowledge.search(text, limit=LIMIT)

    async def ask(self, q: Question, is_right: Any) -> str:
        """Ask as an official would, react as the asker would; returns the outcome seen.

        Declined: logged by troly. A passage that is not the right one ("answer" or "tentative"):
        the asker presses "Chưa đúng" (logged with the passage). The right one: nothing logged.
        """
        result = self.search(q.text)
        best = result.hits[0] if result.hits else None
        async with self.sessionmaker.begin() as session:
            if result.outcome == "decline" or best is None:
                await guide_store.log_unanswered(
                    session, text=q.text, channel="web", chat_id=f"asker-{q.id}",
                    official_id=None, best_guide_slug=best.passage.guide_id if best else None,
                    best_score=best.score if best else None, now=NOW)
                return "decline"
            if not is_right(q, best):
                await queue_store.log_wrong(
                    session, question=q.text, channel="web", chat_id=f"asker-{q.id}",
                    official_id=None, guide_slug=best.passage.guide_id,
                    shown_chunk_id=int(best.passage.id),
                    shown_passage=" › ".join(best.passage.heading_path), best_score=best.score,
                    now=NOW)
                return "wrong"
        return "right"

    def seen(self, questions: Sequence[Question], is_right: Any) -> list[Seen]:
        """Ask without anyone reacting and record the model's outcome (the Q&A rule is applied later)."""
        out = []
        for q in questions:
            result = self.knowledge.search(q.text, limit=LIMIT, qa_rule=False)
            best = result.hits[0] if result.hits else None
            outcome: Outcome = "decline" if best is None else result.outcome
            out.append(Seen(q.id, q.text, outcome, entry_question(result),
                            best is not None and is_right(q, best),
                            "" if best is None else
                            f"{best.passage.guide_id} › {' › '.join(best.passage.heading_path)}"))
        return out

    def tally(self, questions: Sequence[Question], is_right: Any) -> Tally:
        """Ask without anyone reacting (the measurement)."""
        out = Tally(total=len(questions))
        for q in questions:
            result = self.search(q.text)
            best = result.hits[0] if result.hits else None
            if result.outcome == "decline" or best is None:
                out.declined += 1
            elif is_right(q, best):
                if result.outcome == "answer":
                    out.right += 1
                    out.ids.append(q.id)
                else:
                    out.tentative_right += 1
            elif result.outcome == "answer":
                out.wrong += 1
                out.wrong_ids.append(f"{q.id} → {best.passage.guide_id} › "
                                     f"{' › '.join(best.passage.heading_path)}")
        return out


async def _admin(world: World, act: Any) -> tuple[int, int]:
    """The scripted admin: one action per group of the queue; (groups, questions) handled."""
    async with world.sessionmaker.begin() as session:
        groups = await queue_store.queue(session)
        for group in groups:
            await act(session, group)
    await world.knowledge.reload(world.sessionmaker)
    return len(groups), sum(g.count for g in groups)


async def withheld(guides: dict[str, Path], answerable: list[Question],
                   unanswerable: list[Question]) -> dict[str, Any]:
    """The 'answer it' loop over 3 folds of withheld guides."""
    stems = sorted(guides)
    out: dict[str, Any] = {"groups": 0, "queued": 0, "off": Tally(), "on": Tally(),
                           "rule": Tally(), "unanswerable_off": Tally(),
                           "unanswerable_on": Tally(), "unanswerable_rule": Tally(), "cuts": []}
    seen: list[tuple[list[Seen], list[Seen]]] = []
    for fold in range(FOLDS):
        held = set(stems[fold::FOLDS])
        part = await _withheld_fold({s: p for s, p in guides.items() if s not in held},
                                    [q for q in answerable if q.guide in held], unanswerable)
        seen.append((part.pop("seen_variants"), part.pop("seen_unanswerable")))
        for key, value in part.items():
            if isinstance(value, Tally):
                _add(out[key], value)
            else:
                out[key] += value
    # The Q&A-entry rule, out of fold: each fold's cut is chosen on the other folds only.
    for fold, (variants, unanswered) in enumerate(seen):
        others = [s for f, s in enumerate(seen) if f != fold]
        cut = choose_cut([v for vs, _ in others for v in vs], [u for _, us in others for u in us])
        out["cuts"].append(cut)
        _add(out["rule"], tally_seen(variants, cut))
        _add(out["unanswerable_rule"], tally_seen(unanswered, cut))
    out["cut_all_folds"] = choose_cut([v for vs, _ in seen for v in vs],
                                      [u for _, us in seen for u in us])
    return out


async def _withheld_fold(kept: dict[str, Path], held_questions: list[Question],
                         unanswerable: list[Question]) -> dict[str, Any]:
    bases = [q for q in held_questions if q.variant == "accented"]
    variants = [q for q in held_questions if q.variant != "accented"]
    by_text = {q.text: q for q in bases}
    #: base id → the admin's Q&A entry (FAQ guide slug, heading); each entry makes a new version
    #: of the guide, so chunk ids change and the heading names the entry
    entries: dict[str, tuple[str, str]] = {}

    def answered_from_entry(q: Question, hit: Hit) -> bool:
        path = hit.passage.heading_path
        return entries.get(q.base) == (hit.passage.guide_id, path[-1] if path else "")

    async def answer(session: Any, group: queue_store.QueueGroup) -> None:
        first = by_text[group.questions[-1].text]
        faq = await kb_loop.faq_for(session, None, NOW)
        await kb_loop.answer_group(session, group, first.answer, faq, by="bench", now=NOW)
        heading = " ".join(group.text.split())[:queue_store.QUESTION_HEADING_CHARS]
        for member in group.questions:
            entries[by_text[member.text].base] = (faq.slug, heading)

    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        await world.start(kept)
        try:
            for q in bases:
                await world.ask(q, lambda q, hit: False)  # its guide is not there
            off = world.tally(variants, answered_from_entry)
            un_off = world.tally(unanswerable, lambda q, hit: False)
            groups, queued = await _admin(world, answer)
            seen_variants = world.seen(variants, answered_from_entry)
            seen_unanswerable = world.seen(unanswerable, lambda q, hit: False)
        finally:
            await world.close()
    return {"groups": groups, "queued": queued, "off": off,
            "on": tally_seen(seen_variants, None), "unanswerable_off": un_off,
            "unanswerable_on": tally_seen(seen_unanswerable, None),
            "seen_variants": seen_variants, "seen_unanswerable": seen_unanswerable}


async def present(guides: dict[str, Path], answerable: list[Question],
                  unanswerable: list[Question]) -> dict[str, Any]:
    """The 'point to a section' loop with every guide loaded."""
    with tempfile.TemporaryDirectory() as tmp:
        world = World(Path(tmp))
        await world.start(guides)

        def in_gold(q: Question, hit: Hit) -> bool:
            return (hit.passage.guide_id == world.slugs.get(q.guide or "")
                    and _section_is(hit, q.section or ""))

        try:
            bases = [q for q in answerable if q.variant == "accented"]
            queued = {q.base for q in bases if await world.ask(q, in_gold) != "right"}
            by_text = {q.text: q for q in bases}
            variants = [q for q in answerable if q.variant != "accented" and q.base in queued]
            off = world.tally(variants, in_gold)
            all_off = world.tally(answerable, in_gold)
            un_off = world.tally(unanswerable, lambda q, hit: False)

            async def link(session: Any, group: queue_store.QueueGroup) -> None:
                first = by_text[group.questions[-1].text]
                guide = await guide_store.find_guide(session, world.slugs[first.guide or ""])
                assert guide is not None
                chunk = next(c for path, c in await guide_store.section_starts(session, guide)
                             if path and " ".join(nfc(path[-1]).split())
                             == " ".join(nfc(first.section or "").split()))
                await kb_loop.link_group(session, group, chunk, by="bench", now=NOW)

            groups, asked = await _admin(world, link)
            on = world.tally(variants, in_gold)
            all_on = world.tally(answerable, in_gold)
            un_on = world.tally(unanswerable, lambda q, hit: False)
        finally:
            await world.close()
    return {"groups": groups, "queued": asked, "off": off, "on": on, "all_off": all_off,
            "all_on": all_on, "unanswerable_off": un_off, "unanswerable_on": un_on}


def _add(into: Tally, more: Tally) -> None:
    for name in ("right", "tentative_right", "wrong", "declined", "total"):
        setattr(into, name, getattr(into, name) + getattr(more, name))
    into.ids += more.ids
    into.wrong_ids += more.wrong_ids


def _table(title: str, rows: Sequence[tuple[Any, ...]],
           heads: Sequence[str] = ("loop off", "loop on")) -> list[str]:
    lines = [title, f"{'':<44}" + "".join(f"{h:>16}" for h in heads)]
    for label, *tallies in rows:
        for key, name in (("right", "answered right"), ("tentative_right", "tentative, right"),
                          ("wrong", "answered wrong"), ("declined", "declined")):
            lines.append(f"{label + ': ' + name:<44}"
                         + "".join(f"{t.cells()[key]:>16}" for t in tallies))
    return lines


async def run(shared: Path) -> dict[str, Any]:
    """Both scenarios."""
    guides, answerable, unanswerable = load(shared)
    return {"withheld": await withheld(guides, answerable, unanswerable),
            "present": await present(guides, answerable, unanswerable)}


def main(argv: Sequence[str] | None = None) -> int:
    """Run and print both tables."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shared", default=str(default_shared()))
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = asyncio.run(run(Path(args.shared)))
    w, p = out["withheld"], out["present"]
    lines = [f"withheld guides (3 folds of 4): {w['queued']} questions queued in {w['groups']} "
             f"groups, each answered once by the admin"]
    lines += _table("", [("variants", w["off"], w["on"], w["rule"]),
                         ("unanswerable", w["unanswerable_off"], w["unanswerable_on"],
                          w["unanswerable_rule"])],
                    ("loop off", "loop on", "on + Q&A rule"))
    lines.append(f"Q&A rule (token set similarity to the entry's question, out of fold): cuts per "
                 f"fold {', '.join(f'{c:g}' for c in w['cuts'])}; on all folds "
                 f"{w['cut_all_folds']:g}; shipped {qa_match.CONFIDENT_SIMILARITY:g}")
    lines += ["", f"all guides loaded: {p['queued']} base questions not answered in their section, "
                  f"{p['groups']} groups, each pointed to its section once"]
    lines += _table("", [("their variants", p["off"], p["on"]),
                         ("all 80 questions", p["all_off"], p["all_on"]),
                         ("unanswerable", p["unanswerable_off"], p["unanswerable_on"])])
    print("\n".join(lines))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {s: {k: ({**v.cells(), "wrong_ids": v.wrong_ids} if isinstance(v, Tally) else v)
                 for k, v in d.items()}
             for s, d in out.items()}, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
