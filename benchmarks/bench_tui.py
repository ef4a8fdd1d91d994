#!/usr/bin/env python3
"""The TUI under load, headless: `python benchmarks/bench_tui.py [--rate 20000] [--seconds 30] [--total 1000000]`.

Feeds the app (built by the CLI's factory) with demo flows at `--rate` for `--seconds`, then as fast as it goes
up to `--total`, and reports: event-loop lag p50/p99/max (a 10 ms ticker's lateness), key press to repaint
(`j` on the flows pane until the next screen update), peak RSS, and whether the status bar's counts equal the
flows sent. Targets: lag p99 <= 50 ms, key to repaint <= 100 ms, RSS <= 300 MB after 1,000,000 flows.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import resource
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netpol_tui.cli.app_factory import demo_flows, make_app  # noqa: E402
from netpol_tui.core.model import StreamState  # noqa: E402
from netpol_tui.demo import demo_snapshot  # noqa: E402
from netpol_tui.ui.feeds import MemoryFlowFeed, StaticCluster  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def feeder(
    feed: MemoryFlowFeed, pool, rate: float, seconds: float, total: int, done: threading.Event, sent: list
):
    """Pushes new Flow objects (distinct, like a real stream) in 50 ms batches."""
    batch = max(1, int(rate * 0.05))
    t0 = time.monotonic()
    n = 0
    i = 0
    base = time.time_ns()
    while n < total:
        paced = time.monotonic() - t0 < seconds
        size = min(batch if paced else 5000, total - n)
        out = []
        for _ in range(size):
            f = pool[i % len(pool)]
            i += 1
            out.append(dataclasses.replace(f, time_ns=base + i * 50_000, uuid=f"bench-{i}"))
        feed.push(out)
        n += size
        sent[0] = n
        if paced:
            target = t0 + n / rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        else:
            time.sleep(0.01)  # leave the loop room: the app must keep up, not the feeder
    done.set()


STALL_S = 2.0  # a key not repainted within this long is reported as a stall (its full wait counts in p99)


async def key_to_repaint(app) -> float | None:
    """Post a `j` key as the terminal driver would; ms until the flows pane has painted the moved cursor.

    Counts only a paint of the cursor row made after the key moved the cursor (a repaint of the previous cursor
    position does not count). Returns None when the probe is void: the new cursor row was evicted from the ring
    before a paint (rows flow through at 20,000/s), so there is nothing left to paint; `pilot_home` puts the
    cursor among the newest rows so that this should not happen.
    """
    from textual import events

    table = app.query_one("#flows")
    painted = []
    original = table.render_line
    before = table.cursor_key

    def spy(y):
        strip = original(y)
        cur = table.cursor
        if table.cursor_key != before and cur is not None and table.index_at_line(y) == cur:
            painted.append(time.perf_counter())
        return strip

    table.render_line = spy
    t = time.perf_counter()
    app.post_message(events.Key("j", None))
    try:
        while not painted:
            if time.perf_counter() - t > STALL_S:
                if table.cursor_key != before and table.cursor is None:
                    return None  # moved, then evicted before the next frame
                return (time.perf_counter() - t) * 1000  # a real stall
            await asyncio.sleep(0.001)
    finally:
        table.render_line = original
    return (painted[0] - t) * 1000


async def pilot_home(app) -> None:
    """Put the cursor on a row of the newest screenful, so `j` has a row to move to and the ring will not
    evict it for a while (eviction starts at the oldest row: `--buffer` flows later)."""
    table = app.query_one("#flows")
    rows = table.row_count()
    body = max(1, table.size.height - 1)
    table.select_index(max(0, rows - body), notify=False)


async def main(args) -> int:
    pool = demo_flows(5000)
    feed = MemoryFlowFeed([StreamState("connected", "bench", server_version="v1.19.4")], label="bench")
    app = make_app(
        feed, StaticCluster(demo_snapshot(), label="demo shop"), buffer=args.buffer, narrow_live=False
    )
    lags: list[float] = []
    key_ms: list[float] = []
    void = 0
    done = threading.Event()
    sent = [0]
    async with app.run_test(size=(200, 50)):
        stop = False

        async def ticker():
            while not stop:
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - t - 0.01) * 1000)

        tick = asyncio.create_task(ticker())
        th = threading.Thread(
            target=feeder, args=(feed, pool, args.rate, args.seconds, args.total, done, sent), daemon=True
        )
        t0 = time.monotonic()
        th.start()
        paced_lags_end = None
        while not done.is_set() or app.main.total_flows < sent[0]:
            await asyncio.sleep(0.5)
            if paced_lags_end is None and time.monotonic() - t0 >= args.seconds:
                paced_lags_end = len(lags)
            if time.monotonic() - t0 < args.seconds:
                await pilot_home(app)
                # key press to repaint while streaming: press j, wait for the next refresh of the table
                ms = await key_to_repaint(app)
                if ms is None:
                    void += 1
                else:
                    key_ms.append(ms)
            if time.monotonic() - t0 > args.seconds + 600:
                print("timeout waiting for the app to catch up", file=sys.stderr)
                break
        stop = True
        await tick
        paced = lags[: paced_lags_end or len(lags)]
        elapsed = time.monotonic() - t0
        d = app.main.status_data()

        def pct(values, p):
            # inclusive: never beyond the largest sample (the default method extrapolates with few samples)
            if len(values) > 1:
                return statistics.quantiles(values, n=100, method="inclusive")[p - 1]
            return values[0] if values else 0

        print(
            f"flows sent {sent[0]:,} · status bar flows {d.flows:,} drops {d.drops:,} · equal: {d.flows == sent[0]}"
        )
        print(
            f"paced phase {args.rate:,.0f} flows/s for {args.seconds}s: loop lag p50 {pct(paced, 50):.1f} ms, "
            f"p99 {pct(paced, 99):.1f} ms, max {max(paced):.1f} ms"
        )
        print(
            f"whole run ({elapsed:.0f}s, {sent[0] / elapsed:,.0f} flows/s): loop lag p99 {pct(lags, 99):.1f} ms"
        )
        if key_ms:
            print(
                f"key press to repaint: p50 {pct(key_ms, 50):.1f} ms, p99 {pct(key_ms, 99):.1f} ms, "
                f"max {max(key_ms):.1f} ms ({len(key_ms)} presses, "
                f"{sum(1 for k in key_ms if k >= STALL_S * 1000)} stalls over {STALL_S:.0f} s, {void} void)"
            )
        print(
            f"RSS after {sent[0]:,} flows: {rss_mb():.0f} MB (buffer {args.buffer:,}, groups {len(app.agg.groups)})"
        )
        ok = (
            d.flows == sent[0]
            and pct(paced, 99) <= 50
            and (not key_ms or pct(key_ms, 99) <= 100)
            and rss_mb() <= 300
        )
        print("PASS" if ok else "FAIL")
        return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=float, default=20_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--total", type=int, default=1_000_000)
    ap.add_argument("--buffer", type=int, default=50_000)
    raise SystemExit(asyncio.run(main(ap.parse_args())))
