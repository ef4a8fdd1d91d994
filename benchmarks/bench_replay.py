"""Replay decoding speed (run by hand, not a test): jsonpb lines -> core.Flow.

    python benchmarks/bench_replay.py [--lines 200000] [--repeat 3] [--capture PATH]

Writes the real 400-flow TCP capture (~1.4 KB lines, `../shared/data/flows/`) repeated to --lines lines (each
repetition with other client ports and times, see `distinct_lines`) into a temporary directory, then measures, on the same lines in the same run (best of --repeat):

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
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the netpol_tui of this tree, whatever an editable install elsewhere points at
CAPTURE = ROOT / ".." / "shared" / "data" / "flows"
DEFAULT = CAPTURE / "hubble-otel__basic-sample-400-tcp-flows.json"


def _best(fn: Callable[[], int], repeat: int) -> tuple[float, float, int]:
    """(best wall-clock seconds, best CPU seconds of this process, count). On a busy machine the CPU time is
    the steadier figure (time spent waiting for a core is not counted)."""
    wall = cpu = float("inf")
    count = 0
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        count = fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu, count


def distinct_lines(base: list[bytes], count: int) -> list[bytes]:
    """`count` lines: the capture's, repeated; each repetition with other client ports (as new connections
    have) and later times, so that nothing keyed by a line's text (or its l4 part) is reused across them. The
    lines keep Hubble's compact form and key order."""
    objs = [json.loads(line) for line in base]
    out: list[bytes] = []
    for rep in range(count // len(base) + 1):
        for obj in objs:
            if len(out) == count:
                return out
            if rep:
                obj = json.loads(json.dumps(obj))
                flow = obj.get("flow", obj)
                for l4 in (flow.get("l4") or {}).values():
                    for side in ("source_port", "destination_port"):
                        if isinstance(l4, dict) and l4.get(side, 0) > 1024:  # the client's ephemeral port
                            l4[side] = 32768 + (l4[side] + rep * 7919) % 28000
                for holder in (flow, obj):
                    if isinstance(holder.get("time"), str) and len(holder["time"]) == 30:
                        t = holder["time"]
                        holder["time"] = f"{t[:14]}{(int(t[14:16]) + rep) % 60:02d}{t[16:]}"
            out.append(json.dumps(obj, separators=(",", ":")).encode())
    return out


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
    lines = distinct_lines(base, args.lines)
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
            decode = flows.LineDecoder().decode
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
        print(f"  {'':<40} {'wall clock':>16} {'CPU time':>16}")
        wall_rates, cpu_rates = {}, {}
        for name, fn in (
            ("json.loads alone (in memory)", loads_only),
            ("old-style: json.loads + convert_json", old_style),
            ("LineDecoder (typed, in memory)", typed),
            ("ReplaySource over the file", replay),
        ):
            wall, cpu, count = _best(fn, args.repeat)
            assert count == len(lines), (name, count)
            wall_rates[name], cpu_rates[name] = count / wall, count / cpu
            print(f"  {name:<40} {count / wall:>9,.0f} flows/s {count / cpu:>9,.0f} flows/s")
        for label, rates in (("wall clock", wall_rates), ("CPU time", cpu_rates)):
            loads_rate = rates["json.loads alone (in memory)"]
            replay_rate = rates["ReplaySource over the file"]
            print(
                f"{label}: ReplaySource = {replay_rate / loads_rate:.2f}x json.loads alone (target >= 2x), "
                f"{replay_rate:,.0f} flows/s (target >= 150,000)"
            )


if __name__ == "__main__":
    main()
