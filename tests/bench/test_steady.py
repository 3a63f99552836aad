"""bench/steady.py and bench/inbound_repeat.py: the bookkeeping behind bench/inbound.py's steady modes.

What runs when (interleaved rounds, A/B order flipped), medians over runs, ratios to the anchor of
the same round, verdicts against issue 13's targets and callgrind's totals. No process is started.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import inbound_repeat  # noqa: E402
import steady  # noqa: E402
from steady import Sample, Spread, Target  # noqa: E402


def _sample(key: str, n: int, rate: float, p99: float = 100.0, *, cpu: float | None = 4.0,
            errors: int = 0, instructions: float | None = None) -> Sample:
    return Sample(key, n, rate, p99, cpu, errors, instructions=instructions)


def test_rounds_run_every_configuration_once_each_one_after_the_other() -> None:
    assert steady.schedule(["anchor", "demo"], 3) == [
        (0, "anchor"), (0, "demo"), (1, "anchor"), (1, "demo"), (2, "anchor"), (2, "demo")]


def test_an_ab_flips_the_order_every_other_round() -> None:
    assert steady.schedule(["A", "B"], 4, alternate=True) == [
        (0, "A"), (0, "B"), (1, "B"), (1, "A"), (2, "A"), (2, "B"), (3, "B"), (3, "A")]


def test_no_round_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        steady.schedule(["demo"], 0)


def test_a_summary_is_the_median_lowest_and_highest_of_the_runs() -> None:
    samples = [_sample("demo", 0, 150.0, 90.0, cpu=5.0), _sample("anchor", 0, 900.0),
               _sample("demo", 1, 250.0, 300.0, cpu=None), _sample("demo", 2, 180.0, 120.0, cpu=3.0)]
    summary = steady.summarise(samples, "demo")
    assert summary.runs == 3
    assert summary.rate == Spread(180.0, 150.0, 250.0)
    assert summary.p99_ms == Spread(120.0, 90.0, 300.0)
    assert summary.cpu_ms == Spread(4.0, 3.0, 5.0)  # the unknown one left out; even count: the mean
    assert summary.instructions is None


def test_a_configuration_without_runs_has_no_summary() -> None:
    with pytest.raises(ValueError, match="no runs"):
        steady.summarise([_sample("anchor", 0, 900.0)], "demo")


def test_the_ratio_to_the_anchor_is_taken_within_each_round() -> None:
    samples = [_sample("anchor", 0, 1000.0), _sample("demo", 0, 200.0),
               _sample("anchor", 1, 500.0), _sample("demo", 1, 150.0),
               _sample("demo", 2, 190.0)]  # its anchor run failed: no pair
    assert steady.paired_ratios(samples, "demo", "anchor") == [0.2, 0.3]
    assert steady.paired_ratios(samples, "demo", "anchor", steady.FIGURES["cpu_ms"]) == [1.0, 1.0]
    assert steady.paired_ratios(samples, "demo", "anchor", steady.FIGURES["instructions"]) == []


def test_issue_13s_targets_by_backend_and_processes() -> None:
    assert steady.target_for(postgres=False, processes=1) == Target(200.0, 250.0)
    assert steady.target_for(postgres=True, processes=2) == Target(300.0, 250.0)
    assert steady.target_for(postgres=True, processes=3) is None


def test_a_run_meets_the_target_only_with_both_halves_and_no_errors() -> None:
    target = Target(200.0, 250.0)
    assert target.met_by(_sample("demo", 0, 200.0, 250.0))
    assert not target.met_by(_sample("demo", 0, 199.9, 100.0))
    assert not target.met_by(_sample("demo", 0, 300.0, 250.1))
    assert not target.met_by(_sample("demo", 0, 300.0, 100.0, errors=1))


def test_the_verdict_counts_the_runs_and_the_median_decides_when_they_disagree() -> None:
    target = Target(200.0, 250.0)
    every = [_sample("demo", n, 210.0 + n) for n in range(3)]
    assert steady.verdict(every, "demo", target).word == "MET (every run)"
    mixed = [_sample("demo", 0, 150.0), _sample("demo", 1, 205.0), _sample("demo", 2, 230.0)]
    judged = steady.verdict(mixed, "demo", target)
    assert (judged.met, judged.runs, judged.median_met) == (2, 3, True)
    assert judged.line("demo guides") == ("demo guides: target >= 200 answered/s, p99 <= 250 ms: "
                                          "met in 2 of 3 runs; met by the median, not by every run")
    low = [_sample("demo", 0, 150.0), _sample("demo", 1, 180.0), _sample("demo", 2, 230.0)]
    assert steady.verdict(low, "demo", target).word == "not met by the median, met by some runs"
    slow = [_sample("demo", n, 300.0, 400.0) for n in range(2)]
    assert steady.verdict(slow, "demo", target).word == "NOT MET (no run)"


def test_callgrind_totals_are_read_from_its_dump() -> None:
    dump = ("# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\ncmd: python -c run\n"
            "events: Ir\nsummary: 18446744073639492325\n\nfn=(1) main\n16 7\n\ntotals: 35847729\n")
    assert steady.callgrind_total(dump) == 35847729  # summary overflows after a --zero: not used
    assert steady.callgrind_total("events: Ir\nsummary: 1234\n") == 1234
    with pytest.raises(ValueError, match="totals"):
        steady.callgrind_total("events: Ir\n")


def test_cpu_is_normalised_to_the_calibration_loop_of_its_minute() -> None:
    assert steady.normalised_cpu_ms(4.0, steady.CALIBRATION_MS * 2) == pytest.approx(2.0)
    assert steady.normalised_cpu_ms(None, 150.0) is None
    assert steady.calibration_cpu_ms(1000) >= 0.0


def test_the_table_shows_medians_with_their_range() -> None:
    samples = [_sample("demo", 0, 150.0, instructions=2.5e6), _sample("demo", 1, 250.0,
                                                                      instructions=2.7e6)]
    header, row = steady.table([("demo guides", steady.summarise(samples, "demo"))])
    assert "M instructions/answer" in header
    assert "200.0 (150.0–250.0)" in row
    assert "2.600 (2.500–2.700)" in row


def test_an_ab_prints_both_medians_and_the_paired_ratio() -> None:
    samples = [_sample("A", 0, 100.0, cpu=4.0), _sample("B", 0, 120.0, cpu=3.0),
               _sample("B", 1, 60.0, cpu=3.3), _sample("A", 1, 50.0, cpu=4.4)]
    a, b = steady.summarise(samples, "A"), steady.summarise(samples, "B")
    ratios = {name: steady.paired_ratios(samples, "B", "A", figure)
              for name, figure in steady.FIGURES.items()}
    rows = steady.side_by_side(a, b, ratios)
    answered = next(r for r in rows if r.startswith("answered/s"))
    assert answered.split()[1:4] == ["75.0", "90.0", "1.200x"]  # each round B/A = 1.2
    assert not any(r.startswith("M instructions") for r in rows)  # not counted: no row


def _args(**given: object) -> argparse.Namespace:
    defaults: dict[str, object] = {"no_baseline": False, "compare_with": None, "no_anchor": False,
                                   "repeat": None, "instructions": False}
    return argparse.Namespace(**{**defaults, **given})


def test_a_round_runs_the_anchors_first_then_troly() -> None:
    keys = [c.key for c in inbound_repeat.configs(_args(), "uvloop")]
    assert keys == ["anchor", "anchor-uvloop", "baseline", "demo"]
    assert [c.key for c in inbound_repeat.configs(_args(no_baseline=True), "asyncio")] == [
        "anchor", "demo"]
    assert [c.key for c in inbound_repeat.configs(_args(no_anchor=True), "asyncio")] == [
        "baseline", "demo"]


def test_an_ab_pairs_each_configuration_with_the_other_checkouts_python(tmp_path: Path) -> None:
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    plan = inbound_repeat.configs(_args(compare_with=tmp_path, no_baseline=True), "uvloop")
    assert [c.key for c in plan] == ["A:demo", "B:demo"]
    assert "python" not in plan[0].kwargs
    assert plan[1].kwargs == {"demo": True, "python": str(python)}


def test_an_ab_with_a_checkout_without_its_venv_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="make .venv/.installed"):
        inbound_repeat.configs(_args(compare_with=tmp_path), "asyncio")


def test_a_steady_mode_is_wanted_only_when_asked_for() -> None:
    assert not inbound_repeat.wanted(_args())
    assert inbound_repeat.wanted(_args(repeat=3))
    assert inbound_repeat.wanted(_args(instructions=True))


def test_the_report_gives_the_ratio_to_the_anchor_and_the_verdict() -> None:
    args = _args(no_baseline=True, database_url=None, processes=1)
    plan = inbound_repeat.configs(args, "asyncio")
    samples = [_sample("anchor", 0, 1000.0), _sample("demo", 0, 210.0),
               _sample("anchor", 1, 500.0), _sample("demo", 1, 150.0)]
    lines = inbound_repeat.report(args, plan, samples, "asyncio")
    assert ("demo guides / anchor (aiogram, asyncio) of the same round: throughput median 0.255x "
            "(0.210–0.300x, 2 rounds)") in lines
    assert lines[-1].endswith("met in 1 of 2 runs; not met by the median, met by some runs")


def test_the_report_leaves_out_what_never_ran(tmp_path: Path) -> None:
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.touch()
    args = _args(no_baseline=True, compare_with=tmp_path, database_url=None, processes=1)
    plan = inbound_repeat.configs(args, "asyncio")
    only_a = [_sample("A:demo", 0, 210.0)]
    lines = inbound_repeat.report(args, plan, only_a, "asyncio")
    assert len(lines) == 2  # the header and A's row: no B to compare with
    assert inbound_repeat.report(args, plan, [], "asyncio") == ["no run ended"]
    both = [*only_a, _sample("B:demo", 0, 231.0)]
    answered = next(r for r in inbound_repeat.report(args, plan, both, "asyncio")
                    if r.startswith("answered/s"))
    assert answered.split()[1:4] == ["210.0", "231.0", "1.100x"]
