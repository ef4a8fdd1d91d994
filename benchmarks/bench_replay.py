"""Replay decoding speed (run by hand, not a test): jsonpb lines -> core.Flow.

    python benchmarks/bench_replay.py [--lines 200000] [--repeat 3] [--capture PATH]

Writes the real 400-flow TCP capture (~1.4 KB lines, `../shared/data/flows/`) repeated to --lines lines into a
temporary directory, then measures, on the same lines in the same run (best of --repeat):

1. `json.loads` alone, over the lines already in memory (the floor of any dict-based decoder);
2. old-style full decode: `json.loads` + `flows.convert_json` (the general converter) over the same lines;
3. `LineDecoder` (the typed msgspec path) over the same lines in memory;
4. `ReplaySource` over the file: reading, line splitting, decoding, counting (what `replay`/`explain` get).

Issue 11 targets (quiet machine): (4) >= 150,000 flows/s and >= 2x (1).
"""

from __future__ import annotations

import argparse
import gc
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CAPTURE = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "flows"
DEFAULT = CAPTURE / "hubble-otel__basic-sample-400-tcp-flows.json"


def _best(fn: Callable[[], int], repeat: int) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        count = fn()
        best = min(best, time.perf_counter() - start)
    return best, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--capture", type=Path, default=DEFAULT)
    args = ap.parse_args()

    from netpol_tui.core.model import Flow
    from netpol_tui.sources import flows
    from netpol_tui.sources.replay import ReplaySource

    base = [line for line in args.capture.read_bytes().splitlines() if line.strip()]
    lines = (base * (args.lines // len(base) + 1))[: args.lines]
    avg = sum(map(len, lines)) / len(lines)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "capture.json"
        path.write_bytes(b"\n".join(lines) + b"\n")

        def loads_only() -> int:
            loads = json.loads
            for line in lines:
                loads(line)
            return len(lines)

        def old_style() -> int:
            loads, convert = json.loads, flows.convert_json
            n = 0
            for line in lines:
                n += type(convert(loads(line))) is Flow
            return n

        def typed() -> int:
            decode = flows.LineDecoder()
            n = 0
            for line in lines:
                n += type(decode(line)) is Flow
            return n

        def replay() -> int:
            src = ReplaySource(path)
            n = sum(1 for _ in src)
            assert not src.problems, src.problems[:3]
            return n

        print(
            f"{len(lines):,} lines of {args.capture.name}, {avg:,.0f} bytes on average; best of {args.repeat}"
        )
        results = {}
        for name, fn in (
            ("json.loads alone (in memory)", loads_only),
            ("old-style: json.loads + convert_json", old_style),
            ("LineDecoder (typed, in memory)", typed),
            ("ReplaySource over the file", replay),
        ):
            secs, count = _best(fn, args.repeat)
            assert count == len(lines), (name, count)
            results[name] = rate = count / secs
            print(f"  {name:<40} {rate:>10,.0f} flows/s")
        loads_rate = results["json.loads alone (in memory)"]
        replay_rate = results["ReplaySource over the file"]
        print(
            f"ReplaySource = {replay_rate / loads_rate:.2f}x json.loads alone "
            f"(target >= 2x), {replay_rate:,.0f} flows/s (target >= 150,000)"
        )


if __name__ == "__main__":
    main()
