"""Instructions per demo search, counted by callgrind: steady on a shared, loaded machine where CPU time is not.

    flock /work/wt/.bench.lock .venv/bin/python bench/kb_instructions.py [--rounds 200] [--stage search]

Builds the demo index as the chat does (testkit/demo_index.py), searches the inbound bench's ten
questions three times to warm the caches (Telex, expansions, canonical tones), then runs
`--rounds` × 10 searches inside one `functools.reduce` call; valgrind collects only inside that
call (`--toggle-collect=functools_reduce`), so the index build, the imports and the warm-up are not
counted. It re-runs itself under valgrind and prints the instructions per call.

Stages (`--stage`): `search` (KnowledgeIndex.search: analysis, ranking, features, decision),
`analyze` (the query analysis alone), `score` (the ranking scores of an analysed query), `features`
(features.extract on a query's ranked pool). Compare two trees by running each tree's copy.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inbound import QUESTIONS  # noqa: E402

from knowledge.features import extract  # noqa: E402
from knowledge.index import FEATURE_POOL  # noqa: E402
from testkit.demo_index import demo_index  # noqa: E402

STAGES = ("search", "analyze", "score", "features")
_INSIDE = "TROLY_KB_INSTRUCTIONS_INSIDE"


def _calls(stage: str) -> tuple[Callable[[Any], object], list[Any]]:
    """The function timed for a stage and its argument for each of the ten questions."""
    index = demo_index()
    for _ in range(3):
        for text in QUESTIONS:
            index.search(text)
    queries = [index._analyze(text) for text in QUESTIONS]
    if stage == "search":
        return index.search, list(QUESTIONS)
    if stage == "analyze":
        return index._analyze, list(QUESTIONS)
    if stage == "score":
        return index._score, queries
    pools = [(q, index._ranked(q, FEATURE_POOL, ())) for q in queries]
    return (lambda pair: extract(index, pair[0], pair[1])), pools


def run_inside(stage: str, rounds: int) -> None:
    """The counted part: `rounds` × the ten calls, in one functools.reduce."""
    call, args = _calls(stage)
    functools.reduce(lambda count, arg: (call(arg), count)[1] + 1, args * rounds, 0)
    print(f"calls {len(args) * rounds}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the counted part under callgrind (or, inside it, the part itself); print the count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--stage", choices=STAGES, default="search")
    args = parser.parse_args(argv)
    if os.environ.get(_INSIDE):
        run_inside(args.stage, args.rounds)
        return 0
    command = [
        "valgrind", "--tool=callgrind", "--collect-atstart=no",
        "--toggle-collect=functools_reduce", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--rounds", str(args.rounds), "--stage", args.stage,
    ]  # fmt: skip
    done = subprocess.run(
        command, env={**os.environ, _INSIDE: "1"}, capture_output=True, text=True, check=True
    )
    collected = re.search(r"Collected : (\d+)", done.stderr)
    calls = re.search(r"calls (\d+)", done.stdout)
    if collected is None or calls is None or int(collected.group(1)) == 0:
        # 0: the toggle matched no function (another Python names functools.reduce otherwise)
        print(done.stdout, done.stderr, file=sys.stderr)
        return 1
    per_call = int(collected.group(1)) / int(calls.group(1))
    print(f"{args.stage}: {per_call / 1e6:.3f} M instructions per call ({calls.group(1)} calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
