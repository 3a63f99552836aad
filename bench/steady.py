"""Steady verdicts on a noisy machine: repeated, interleaved runs summarised by their medians.

bench/inbound.py uses this for `--repeat N` (each round runs the anchor and troly's configurations
one after the other, so every troly run has an anchor run in the same minute), `--compare-with`
(another checkout's troly interleaved with this one, the order flipped every round: A B, B A, A B …)
and `--instructions` (valgrind's callgrind counts the instructions troly's process runs for the
measured questions: a cost that does not move with the machine's speed). How to read it:
docs/benchmarks.md, "Steady figures on a noisy machine".

Only the bookkeeping lives here (what runs when, medians, ratios to the neighbouring anchor run,
verdicts against a target, callgrind's output, the calibration loop): no process, no socket, so
tests/bench/test_steady.py can check all of it.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    """One run of one configuration: the figures a verdict is taken from."""

    key: str
    round: int
    rate: float  # answered/s
    p99_ms: float
    cpu_ms: float | None = None  # server CPU ms per answer
    errors: int = 0
    #: CPU ms per answer scaled to the machine's speed of the minute: cpu_ms × CALIBRATION_MS /
    #: the calibration loop's CPU ms measured just before the run (normalised_cpu_ms)
    cpu_cal: float | None = None
    #: instructions troly's process ran per answer (callgrind), None when not counted
    instructions: float | None = None


@dataclass(frozen=True)
class Spread:
    """Median, lowest and highest of one figure over the runs."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Iterable[float | None]) -> Spread | None:
        """The spread of the known values (None when there are none)."""
        known = [v for v in values if v is not None]
        if not known:
            return None
        return cls(statistics.median(known), min(known), max(known))


@dataclass(frozen=True)
class Target:
    """Issue 13's throughput target for one configuration: rate and p99 latency."""

    rate: float
    p99_ms: float

    def met_by(self, sample: Sample) -> bool:
        """Whether one run met both halves of the target (and answered without errors)."""
        return sample.errors == 0 and sample.rate >= self.rate and sample.p99_ms <= self.p99_ms

    def describe(self) -> str:
        return f">= {self.rate:.0f} answered/s, p99 <= {self.p99_ms:.0f} ms"


def target_for(*, postgres: bool, processes: int) -> Target | None:
    """Issue 13: SQLite with one process >= 200/s, PostgreSQL with two >= 300/s; p99 <= 250 ms."""
    if not postgres and processes == 1:
        return Target(200.0, 250.0)
    if postgres and processes == 2:
        return Target(300.0, 250.0)
    return None


def schedule(keys: Sequence[str], repeat: int, *, alternate: bool = False) -> list[tuple[int, str]]:
    """(round, key) in the order to run them: every key once per round, rounds one after the other.

    `alternate` reverses the order every other round (A B, B A, A B …), so that neither side of an
    A/B always runs first in its round while the machine's speed drifts.
    """
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    order: list[tuple[int, str]] = []
    for n in range(repeat):
        keys_now = list(reversed(keys)) if alternate and n % 2 else list(keys)
        order.extend((n, key) for key in keys_now)
    return order


@dataclass(frozen=True)
class Summary:
    """One configuration over its runs."""

    key: str
    runs: int
    rate: Spread
    p99_ms: Spread
    cpu_ms: Spread | None
    cpu_cal: Spread | None
    instructions: Spread | None
    errors: int


def summarise(samples: Sequence[Sample], key: str) -> Summary:
    """The medians, lows and highs of `key`'s runs."""
    mine = [s for s in samples if s.key == key]
    if not mine:
        raise ValueError(f"no runs of {key}")
    rate, p99 = Spread.of(s.rate for s in mine), Spread.of(s.p99_ms for s in mine)
    assert rate is not None and p99 is not None
    return Summary(key, len(mine), rate, p99, Spread.of(s.cpu_ms for s in mine),
                   Spread.of(s.cpu_cal for s in mine), Spread.of(s.instructions for s in mine),
                   sum(s.errors for s in mine))


def paired_ratios(samples: Sequence[Sample], key: str, reference: str,
                  figure: Callable[[Sample], float | None] = lambda s: s.rate) -> list[float]:
    """figure(key's run) / figure(reference's run) for every round that has both (the neighbour)."""
    by_round: dict[tuple[int, str], Sample] = {(s.round, s.key): s for s in samples}
    ratios: list[float] = []
    for (n, k), sample in sorted(by_round.items()):
        if k != key or (n, reference) not in by_round:
            continue
        mine, theirs = figure(sample), figure(by_round[(n, reference)])
        if mine is not None and theirs:
            ratios.append(mine / theirs)
    return ratios


@dataclass(frozen=True)
class Verdict:
    """How the runs of one configuration stand against its target."""

    target: Target
    met: int
    runs: int
    median_met: bool

    @property
    def word(self) -> str:
        """met / not met when every run agrees, else the median's answer marked as unsettled."""
        if self.met == self.runs:
            return "MET (every run)"
        if self.met == 0:
            return "NOT MET (no run)"
        return ("met by the median, not by every run" if self.median_met
                else "not met by the median, met by some runs")

    def line(self, name: str) -> str:
        return (f"{name}: target {self.target.describe()}: met in {self.met} of {self.runs} runs; "
                f"{self.word}")


def verdict(samples: Sequence[Sample], key: str, target: Target) -> Verdict:
    """Count the runs meeting `target`; the median run decides when they disagree."""
    mine = [s for s in samples if s.key == key]
    summary = summarise(samples, key)
    median_met = (summary.errors == 0 and summary.rate.median >= target.rate
                  and summary.p99_ms.median <= target.p99_ms)
    return Verdict(target, sum(target.met_by(s) for s in mine), len(mine), median_met)


def _fmt(spread: Spread | None, digits: int, scale: float = 1.0) -> str:
    if spread is None:
        return "—"
    return (f"{spread.median / scale:.{digits}f} ({spread.low / scale:.{digits}f}–"
            f"{spread.high / scale:.{digits}f})")


def table(summaries: Sequence[tuple[str, Summary]]) -> list[str]:
    """Rows of `name: median (min–max)` per figure, one per configuration."""
    width = max(len(name) for name, _ in summaries)
    show_cal = any(s.cpu_cal is not None for _, s in summaries)
    show_instr = any(s.instructions is not None for _, s in summaries)
    header = (f"{'configuration':{width}}  runs  {'answered/s median (min–max)':30}  "
              f"{'p99 ms':22}  {'CPU ms/answer':20}")
    if show_cal:
        header += f"  {'CPU ms normalised':20}"
    if show_instr:
        header += "  M instructions/answer"
    rows = [header]
    for name, s in summaries:
        row = (f"{name:{width}}  {s.runs:4d}  {_fmt(s.rate, 1):30}  {_fmt(s.p99_ms, 1):22}  "
               f"{_fmt(s.cpu_ms, 2):20}")
        if show_cal:
            row += f"  {_fmt(s.cpu_cal, 2):20}"
        if show_instr:
            row += f"  {_fmt(s.instructions, 3, 1e6)}"
        if s.errors:
            row += f"  ({s.errors} errors)"
        rows.append(row)
    return rows


def side_by_side(a: Summary, b: Summary, ratios: dict[str, list[float]]) -> list[str]:
    """An A/B's medians in two columns, with the median of the paired (same round) B/A ratios."""
    def cell(spread: Spread | None, digits: int, scale: float = 1.0) -> str:
        return "—" if spread is None else f"{spread.median / scale:.{digits}f}"

    rows = [f"{'median over ' + str(min(a.runs, b.runs)) + ' rounds':28} {'A (this)':>12} "
            f"{'B (other)':>12} {'B/A paired':>12}"]
    for label, key, digits, scale in (
            ("answered/s", "rate", 1, 1.0), ("p99 ms", "p99_ms", 1, 1.0),
            ("CPU ms/answer", "cpu_ms", 2, 1.0), ("CPU ms normalised", "cpu_cal", 2, 1.0),
            ("M instructions/answer", "instructions", 3, 1e6)):
        fa: Spread | None = getattr(a, key)
        fb: Spread | None = getattr(b, key)
        if fa is None and fb is None:
            continue
        paired = ratios.get(key, [])
        ratio = f"{statistics.median(paired):.3f}x" if paired else "—"
        spread = f" ({min(paired):.2f}–{max(paired):.2f})" if len(paired) > 1 else ""
        rows.append(f"{label:28} {cell(fa, digits, scale):>12} {cell(fb, digits, scale):>12} "
                    f"{ratio:>12}{spread}")
    return rows


FIGURES: dict[str, Callable[[Sample], float | None]] = {
    "rate": lambda s: s.rate, "p99_ms": lambda s: s.p99_ms, "cpu_ms": lambda s: s.cpu_ms,
    "cpu_cal": lambda s: s.cpu_cal, "instructions": lambda s: s.instructions}


_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)


def callgrind_total(dump: str) -> int:
    """The instructions (Ir) of one callgrind dump: its `totals:` line (`summary:` if none)."""
    found = dict.fromkeys(("totals", "summary"), -1)
    for line in dump.splitlines():
        for name in found:
            if line.startswith(f"{name}:"):
                match = _TOTALS.match(line)
                if match:
                    found[name] = int(match.group(1))
    if found["totals"] >= 0:
        return found["totals"]
    if found["summary"] >= 0:
        return found["summary"]
    raise ValueError("no totals: or summary: line in the callgrind dump")


#: iterations of the calibration loop (≈0.1–0.2 s of one CPU on this machine)
CALIBRATION_LOOPS = 200_000
#: the calibration loop's CPU ms that normalised figures are scaled to (a quiet minute's, roughly)
CALIBRATION_MS = 100.0


def normalised_cpu_ms(cpu_ms: float | None, calibration_ms: float) -> float | None:
    """CPU ms/answer as if the calibration loop had taken CALIBRATION_MS in the run's minute."""
    return None if cpu_ms is None else cpu_ms * CALIBRATION_MS / calibration_ms


def calibration_cpu_ms(loops: int = CALIBRATION_LOOPS) -> float:
    """CPU ms a fixed pure-Python loop takes now (dicts, strings, calls: what troly's Python does).

    Taken right before a run, it scales that run's CPU ms/answer to the machine's speed of the
    minute (a busy neighbour slows a core down: shared caches, frequency), so the quotient moves
    less than CPU ms/answer alone. It does not remove the noise: it is no instruction count.
    """
    started = time.process_time()
    table_: dict[str, int] = {}
    total = 0
    for n in range(loops):
        key = f"k{n % 512}"
        table_[key] = table_.get(key, 0) + n
        total += len(key) + _step(n)
    if total < 0:  # never: keeps the loop's work observable
        raise AssertionError
    return 1000 * (time.process_time() - started)


def _step(n: int) -> int:
    return (n * 7) % 13
