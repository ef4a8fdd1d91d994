"""Benchmark of `netpol-tui explain` as users run it (run by hand, not a test): flows/s and peak RSS.

    python benchmarks/bench_explain_cli.py --ports 36 --drop-share 0.35   # issue 11's capture: 1M flows, 35% drops, ~434 groups
    python benchmarks/bench_explain_cli.py                          # 1,000,000 flows, 47% drops, 400 ports (~2,560 groups)
    python benchmarks/bench_explain_cli.py --ports 45000 --drop-share 1 --modes json   # ~1M distinct drops: RSS
    python benchmarks/bench_explain_cli.py --tree /path/to/other/checkout   # the same run on another tree

The capture is the demo's flow generator (jsonpb lines of ~1.4 KB, about 47% drops): a pool of 20,000 generated
lines repeated to `--flows` lines (with --drop-share, drop and other lines of the pool interleaved so that exactly
that share of the lines are drops), the destination port of the n-th drop set to 20000 + n % `--ports`, so that
there are about 12 x `--ports` distinct drop explanations (the demo's 12 kinds of drop; --ports 45000 over a
million drops: ~540,000 distinct, each seen again only ~540,000 lines later, a miss for any bounded cache). The cluster is the demo's (`cluster_objects()`). Both are
written once to a temporary directory (kept with --keep, reused with --dir). Each tree is run as a child process
(`python -m netpol_tui explain --flows F --cluster C [--json] > /dev/null`, PYTHONPATH = the tree): wall-clock
flows/s, CPU-time flows/s (user+system: holds on a busy machine) and the child's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

T0 = 1_764_151_200_000_000_000
POOL = 20_000


def write_inputs(directory: Path, flows: int, ports: int, drop_share: float | None) -> tuple[Path, Path]:
    import yaml

    from netpol_tui.demo import scenario

    cluster = directory / "cluster.yaml"
    share = "" if drop_share is None else f"-{drop_share:g}"
    capture = directory / f"flows-{flows}-{ports}{share}.jsonl"
    if not cluster.exists():
        cluster.write_text(yaml.safe_dump_all(scenario.cluster_objects()))
    if capture.exists():
        return cluster, capture
    t = time.perf_counter()
    objs = [obj for _, obj in scenario.flows(T0, count=POOL)]
    drops = [i for i, obj in enumerate(objs) if obj["flow"].get("verdict") in ("DROPPED", "AUDIT")]
    others = [i for i, obj in enumerate(objs) if obj["flow"].get("verdict") not in ("DROPPED", "AUDIT")]
    pool = [json.dumps(obj) + "\n" for obj in objs]
    taken_drops = taken_others = dropped = 0
    with open(capture, "w", encoding="utf-8") as f:
        for i in range(flows):
            if drop_share is None:
                k = i % POOL
            elif int((i + 1) * drop_share) > int(i * drop_share):  # exactly `drop_share` of the lines, spread
                k, taken_drops = drops[taken_drops % len(drops)], taken_drops + 1
            else:
                k, taken_others = others[taken_others % len(others)], taken_others + 1
            obj = objs[k]
            l4s = obj["flow"].get("l4", {}).values() if obj["flow"].get("verdict") == "DROPPED" else ()
            ports_of = [l4 for l4 in l4s if "destination_port" in l4]
            if ports > 1 and ports_of:  # the n-th drop's port: `ports` distinct drops over the whole file
                saved = [l4["destination_port"] for l4 in ports_of]
                for l4 in ports_of:
                    l4["destination_port"] = 20_000 + dropped % ports
                dropped += 1
                f.write(json.dumps(obj) + "\n")
                for l4, port in zip(ports_of, saved, strict=True):
                    l4["destination_port"] = port
            else:
                f.write(pool[k])
    size = capture.stat().st_size
    print(
        f"capture: {flows:,} lines, {size / 1e9:.2f} GB, written in {time.perf_counter() - t:.0f} s",
        flush=True,
    )
    return cluster, capture


def run(tree: Path, cluster: Path, capture: Path, mode: str, flows: int) -> None:
    argv = [sys.executable, "-m", "netpol_tui", "explain", "--flows", str(capture), "--cluster", str(cluster)]
    if mode == "json":
        argv.append("--json")
    env = dict(os.environ, PYTHONPATH=str(tree), COLUMNS="200")
    check = [sys.executable, "-c", "import netpol_tui; print(netpol_tui.__file__)"]
    used = subprocess.run(check, env=env, cwd=tree, capture_output=True, text=True, check=True).stdout.strip()
    assert used.startswith(str(tree)), f"{tree}: imports {used}"
    t = time.perf_counter()
    with open(os.devnull, "w") as null, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, env=env, cwd=tree, stdout=null, stderr=err, text=True)  # -m: cwd first
        _, wait_status, usage = os.wait4(proc.pid, 0)  # this child's own CPU time and peak RSS
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(wait_status)
        err.seek(0)
        stderr = err.read()
    cpu = usage.ru_utime + usage.ru_stime
    rss_mb = usage.ru_maxrss / 1024  # Linux: KB
    status = "" if proc.returncode == 0 else f"  exit {proc.returncode}: {stderr.strip()[-300:]}"
    print(
        f"{tree}  explain {'--json' if mode == 'json' else '(text)':8}  {flows / wall:>9,.0f} flows/s wall  "
        f"{flows / cpu:>9,.0f} flows/s CPU  {wall:6.1f} s  peak RSS {rss_mb:,.0f} MB"
        f"{status}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument(
        "--ports", type=int, default=400, help="destination ports the drops are spread over (at most 45535)"
    )
    ap.add_argument(
        "--drop-share",
        type=float,
        help="the share of dropped lines (the issue's capture: 0.35); default: the demo's own, about 0.47",
    )
    ap.add_argument("--modes", nargs="+", default=["json", "text"], choices=["json", "text"])
    ap.add_argument("--tree", action="append", type=Path, help="checkout(s) to run (default: this one)")
    ap.add_argument("--dir", type=Path, help="where the inputs are written (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the inputs")
    args = ap.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-explain-cli-"))
    directory.mkdir(parents=True, exist_ok=True)
    cluster, capture = write_inputs(directory, args.flows, args.ports, args.drop_share)
    try:
        for tree in args.tree or [ROOT]:
            for mode in args.modes:
                run(tree.resolve(), cluster, capture, mode, args.flows)
    finally:
        if not args.keep and args.dir is None:
            capture.unlink(missing_ok=True)
            cluster.unlink(missing_ok=True)
            directory.rmdir()


if __name__ == "__main__":
    main()
