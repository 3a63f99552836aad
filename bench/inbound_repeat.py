"""bench/inbound.py's steady modes: --repeat N, --compare-with CHECKOUT, --instructions.

    --repeat N             every configuration N times, interleaved round by round (anchor, troly,
                           anchor, troly …): medians, lows and highs, troly's ratio to the anchor run
                           of its own round, and how many runs met issue 13's target
    --compare-with PATH    A/B: this checkout's troly (A) and PATH's (B, run by PATH/.venv/bin/python,
                           its editable install) alternating A B, B A …; the medians side by side and
                           the median of the paired B/A ratios. No anchor (it is the same in both)
    --instructions         troly (and the anchor) under valgrind's callgrind, counted only over the
                           measured questions (200 unless --questions): instructions per answer, a
                           cost that does not move with the machine's speed. Slow (minutes per run)

The bookkeeping is bench/steady.py's; how to read the output: docs/benchmarks.md, "Steady figures on
a noisy machine".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import steady

if TYPE_CHECKING:
    from inbound import Probe, Result

#: the demo-guide configuration whose runs a target judges
DEMO = "demo"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The steady modes' options on bench/inbound.py's parser."""
    group = parser.add_argument_group("steady figures on a noisy machine (bench/inbound_repeat.py)")
    group.add_argument("--repeat", type=int, metavar="N",
                       help="run the configurations N times, interleaved; print medians, "
                            "min and max (4 rounds with --compare-with unless given)")
    group.add_argument("--compare-with", metavar="CHECKOUT", type=Path,
                       help="A/B: also run CHECKOUT's troly (its .venv) interleaved with this one")
    group.add_argument("--instructions", action="store_true",
                       help="count the server's instructions per answer with valgrind's callgrind")
    group.add_argument("--no-anchor", action="store_true",
                       help="leave the anchor rows out (e.g. to save time with --instructions)")


def wanted(args: argparse.Namespace) -> bool:
    """Whether one of the steady modes was asked for."""
    return bool(args.repeat is not None or args.compare_with is not None or args.instructions)


@dataclass(frozen=True)
class Config:
    """One configuration of a round: its key, its row name and measure()'s arguments."""

    key: str
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def configs(args: argparse.Namespace, loop: str) -> list[Config]:
    """What one round runs, in order: the anchors then troly's; or A/B pairs with --compare-with."""
    troly = [Config(DEMO, "demo guides", {"demo": True})]
    if not args.no_baseline:
        troly.insert(0, Config("baseline", "baseline (empty KB)", {"demo": False}))
    if args.compare_with is not None:
        other = str(other_python(args.compare_with))
        return [c for t in troly for c in (
            Config(f"A:{t.key}", f"A {t.name} (this checkout)", t.kwargs),
            Config(f"B:{t.key}", f"B {t.name} ({args.compare_with})",
                   {**t.kwargs, "python": other}))]
    anchors = [Config("anchor", "anchor (aiogram, asyncio)", {"demo": None})]
    if loop != "asyncio":
        anchors.append(Config(f"anchor-{loop}", f"anchor (aiogram, {loop})",
                              {"demo": None, "anchor_loop": loop}))
    return troly if args.no_anchor else [*anchors, *troly]


def other_python(checkout: Path) -> Path:
    """The other checkout's interpreter: its own .venv, with troly installed from that checkout."""
    python = checkout.resolve() / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{python} does not exist: run `make .venv/.installed` in {checkout}")
    return python


class Callgrind:
    """Runs each server under `valgrind --tool=callgrind` with instrumentation off; counts only
    the measured questions (callgrind_control: on and zeroed before them, dumped after).

    Python's hash seed is fixed (PYTHONHASHSEED=0) so that two runs take the same paths through
    dicts and sets.
    """

    start_within: float = 900.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.prefix: tuple[str, ...] = ("valgrind", "--tool=callgrind", "--instr-atstart=no", "--quiet",
                       f"--callgrind-out-file={workdir}/callgrind.%p.out")
        self.env: dict[str, str] = {"PYTHONHASHSEED": "0"}

    async def _control(self, *argv: str) -> None:
        process = await asyncio.create_subprocess_exec(
            "callgrind_control", *argv, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        out, _ = await process.communicate()
        if process.returncode != 0 or b"OK" not in out:
            raise RuntimeError(f"callgrind_control {' '.join(argv)}: {out.decode(errors='replace')}")

    async def start(self, pids: list[int]) -> None:
        for pid in pids:
            await self._control("--instr=on", str(pid))
            await self._control("--zero", str(pid))

    async def stop(self, pids: list[int], result: Result) -> None:
        total = 0
        for pid in pids:
            await self._control("--dump", str(pid))
            await self._control("--instr=off", str(pid))
            dumps = sorted(self.workdir.glob(f"callgrind.{pid}.out.*"),
                           key=lambda p: int(p.suffix.lstrip(".")))
            if not dumps:
                raise RuntimeError(f"no callgrind dump of {pid} in {self.workdir}")
            total += steady.callgrind_total(dumps[-1].read_text(errors="replace"))
        if result.questions:
            result.instructions_per_answer = total / result.questions


Measure = Callable[..., Coroutine[Any, Any, "Result"]]


def run_all(args: argparse.Namespace, measure: Measure, plan: list[Config],
            repeat: int) -> list[steady.Sample]:
    """Every (round, configuration) of the schedule, one after the other, each line as it ends.

    A run that fails (troly did not start, an answer never came) is reported and left out: its
    round's pair is then missing from the ratios. Ctrl-C ends the schedule and keeps what ran.
    """
    by_key = {c.key: c for c in plan}
    database = ({"database_url": args.database_url, "processes": args.processes}
                if args.database_url else {})
    samples: list[steady.Sample] = []
    order = steady.schedule([c.key for c in plan], repeat,
                            alternate=args.compare_with is not None)
    for n, key in order:
        config = by_key[key]
        calibration = steady.calibration_cpu_ms()
        try:
            with tempfile.TemporaryDirectory(prefix="troly-callgrind-") as tmp:
                probe: Probe | None = Callgrind(Path(tmp)) if args.instructions else None
                result = asyncio.run(measure(config.name, questions=args.questions,
                                             concurrency=args.concurrency, warmup=args.warmup,
                                             probe=probe, **database, **config.kwargs))
        except KeyboardInterrupt:
            print("  interrupted: the summary covers the runs that ended", file=sys.stderr)
            break
        except Exception as error:  # one failed run must not lose the others
            print(f"  round {n + 1}/{repeat} {config.name}: FAILED, left out: {error!r}"[:2000],
                  file=sys.stderr, flush=True)
            continue
        cpu_ms = None if result.cpu_per_answer is None else 1000 * result.cpu_per_answer
        sample = steady.Sample(
            key, n, result.rate, result.pct(0.99), cpu_ms, result.errors,
            None if args.instructions else steady.normalised_cpu_ms(cpu_ms, calibration),
            result.instructions_per_answer)
        samples.append(sample)
        instructions = ("" if sample.instructions is None
                        else f", {sample.instructions / 1e6:.3f} M instructions/answer")
        cpu = "" if cpu_ms is None else f", CPU {cpu_ms:.2f} ms/answer"
        print(f"  round {n + 1}/{repeat} {config.name}: {sample.rate:.1f}/s, p99 "
              f"{sample.p99_ms:.1f} ms{cpu} (calibration {calibration:.0f} ms, load average "
              f"{os.getloadavg()[0]:.1f}){instructions}", file=sys.stderr, flush=True)
    return samples


def report(args: argparse.Namespace, plan: list[Config], samples: list[steady.Sample],
           loop: str) -> list[str]:
    """The summary: medians table, ratios to the neighbouring anchor, verdicts, or the A/B."""
    ran = {s.key for s in samples}
    plan = [c for c in plan if c.key in ran]
    if not plan:
        return ["no run ended"]
    names = {c.key: c.name for c in plan}
    lines = steady.table([(names[c.key], steady.summarise(samples, c.key)) for c in plan])
    target = steady.target_for(postgres=bool(args.database_url),
                               processes=args.processes if args.database_url else 1)
    if args.compare_with is not None:
        for config in plan:
            if not config.key.startswith("A:"):
                continue
            key = config.key[2:]
            a_key, b_key = f"A:{key}", f"B:{key}"
            if b_key not in ran:
                continue
            paired = {name: steady.paired_ratios(samples, b_key, a_key, figure)
                      for name, figure in steady.FIGURES.items()}
            lines += ["", f"A/B, {names[a_key][2:]}: A = this checkout, B = {args.compare_with}",
                      *steady.side_by_side(steady.summarise(samples, a_key),
                                           steady.summarise(samples, b_key), paired)]
            if target is not None and key == DEMO:
                lines += [steady.verdict(samples, k, target).line(names[k]) for k in (a_key, b_key)]
        return lines
    lines.append("")
    for anchor in [c.key for c in plan if c.key.startswith("anchor")]:
        for config in plan:
            if config.key.startswith("anchor"):
                continue
            for figure, label in (("rate", "throughput"), ("instructions", "instructions")):
                ratios = steady.paired_ratios(samples, config.key, anchor, steady.FIGURES[figure])
                if ratios:
                    lines.append(f"{names[config.key]} / {names[anchor]} of the same round: "
                                 f"{label} {_ratio(ratios)}")
    if target is not None and not args.instructions and DEMO in ran:
        lines.append(steady.verdict(samples, DEMO, target).line(names[DEMO]))
    return lines


def _ratio(ratios: list[float]) -> str:
    spread = steady.Spread.of(ratios)
    assert spread is not None
    return f"median {spread.median:.3f}x ({spread.low:.3f}–{spread.high:.3f}x, {len(ratios)} rounds)"


def main(parser: argparse.ArgumentParser, args: argparse.Namespace, measure: Measure,
         loop: str) -> None:
    """Run the steady mode asked for and print its summary (JSON too with --json)."""
    if args.channel == "zalo":
        parser.error("--repeat, --compare-with and --instructions run the Telegram channel")
    if args.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind (apt-get install valgrind)")
    repeat = args.repeat or (4 if args.compare_with is not None else 1)
    args.questions = args.questions or (200 if args.instructions else 2000)
    plan = configs(args, loop)
    backend = (f"PostgreSQL, {args.processes} process(es)" if args.database_url else "SQLite")
    what = "instructions (callgrind)" if args.instructions else "interleaved runs"
    print(f"inbound load, {what}: {repeat} round(s) of {', '.join(c.key for c in plan)}; "
          f"{args.questions} questions after {args.warmup} warm-up, {args.concurrency} users at "
          f"once, Telegram webhook → troly ({backend}, {loop}), {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    samples = run_all(args, measure, plan, repeat)
    print("\n".join(report(args, plan, samples, loop)))
    if args.json:
        print(json.dumps([asdict(s) for s in samples]))
