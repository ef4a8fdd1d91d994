"""`netpol-tui diff`: re-judge the observed connections of a capture under two policy sets and list every
connection whose verdict changes, with the policy changes that cause it.

    netpol-tui diff --flows FILE|- (--against PATH | --with PATH) [--cluster PATH] [--json]

Before: `--cluster` (files), else the live cluster. After: `--against PATH`, a whole cluster state, or `--with
PATH`, staged objects on top of the "before" state (core.diff.staged). With `--json`, stdout holds one object a
line per changed connection (result.schema.json `$defs/diff_line`) and the summary goes to stderr; without it, a
report with the connections that lose access first. Exit status: 1 when an observed allowed connection becomes
denied, else 0; 2 on bad input (a path that is missing or cannot be parsed at all is named, never read as an
empty cluster).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from netpol_tui.cli.config import cluster_config
from netpol_tui.cli.errors import CliError
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import (
    ConnectionChange,
    DiffResult,
    ObservedConnection,
    PolicyChange,
    diff,
    observed_connections,
    staged,
)
from netpol_tui.core.manifests import ParseResult
from netpol_tui.core.model import Flow, LostEvents
from netpol_tui.core.problems import Problem
from netpol_tui.core.wording.inert import inert

MAX_LINE_PROBLEMS = 20  # capture lines that cannot be parsed, shown one by one (then counted)


def add_parser(sub: Any, add_cluster_flags: Any) -> None:
    """Register `diff` (called by cli/parser.py)."""
    p = sub.add_parser(
        "diff",
        help="re-judge observed flows under two policy sets and list the connections whose verdict changes",
    )
    p.add_argument("--flows", required=True, metavar="FILE|-", help="a capture (jsonpb lines, .gz accepted)")
    after = p.add_mutually_exclusive_group(required=True)
    after.add_argument(
        "--against", metavar="PATH", help="the whole 'after' cluster state (file, directory or -)"
    )
    after.add_argument(
        "--with",
        dest="with_",
        metavar="PATH",
        help="staged objects on top of --cluster: each replaces the object of the same kind/namespace/name",
    )
    p.add_argument("--json", action="store_true", help="one JSON object a line per changed connection")
    add_cluster_flags(p, sub=True)


# ---------------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------------
def _visible(text: object) -> str:
    """Strings from the cluster, the flows or the command line, with control characters escaped visibly."""
    return inert(str(text))


def _warn_problems(flag: str, path: str, problems: list[Problem]) -> None:
    for problem in problems:
        print(f"netpol-tui: {flag} {_visible(path)}: {wording.problem_text(problem)}", file=sys.stderr)


def _warn_empty(flag: str, path: str) -> None:
    print(f"netpol-tui: warning: {flag} {_visible(path)}: no objects found", file=sys.stderr)


def _load_before(args: argparse.Namespace) -> ClusterSnapshot:
    """`--cluster` (or the live cluster): a path that cannot be used exits 2 naming it (ClusterUnusable)."""
    from netpol_tui.cli import cluster_state

    snapshot = cluster_state.load(args)
    path = cluster_config(args).path
    if path:
        _warn_problems("--cluster", path, list(snapshot.problems))
    return snapshot


def _load_against(path: str) -> ClusterSnapshot:
    from netpol_tui.sources.cluster_loader import is_empty, load_files

    snapshot = load_files(path, flag="--against")  # ClusterUnusable names the path: exit 2
    _warn_problems("--against", path, list(snapshot.problems))
    if is_empty(snapshot):
        _warn_empty("--against", path)
    return snapshot


def _load_staged(path: str) -> ParseResult:
    from netpol_tui.sources.cluster_loader import unusable_reason, unusable_text
    from netpol_tui.sources.manifests_io import load_manifests

    parsed = load_manifests(path)
    reason = unusable_reason(path, parsed)
    if reason is not None:
        raise CliError(unusable_text(path, reason, "--with"))
    cilium = getattr(parsed, "cilium", None)  # Cilium objects, when the parser carries them
    _warn_problems("--with", path, [*parsed.problems, *getattr(cilium, "problems", ())])
    parsed.problems = []  # said above; not problems of the cluster
    if cilium is not None:
        cilium.problems = []
    has_cilium = cilium is not None and bool(
        cilium.policies or cilium.groups or cilium.nodes or cilium.config
    )
    if not (parsed.namespaces or parsed.pods or parsed.policies or parsed.not_evaluated or has_cilium):
        _warn_empty("--with", path)
    return parsed


def _flows(path: str) -> tuple[list[ObservedConnection], int, int]:
    """The observed connections of a capture, the flows read and the lines skipped (named on stderr)."""
    from netpol_tui.sources.replay import ReplayError, ReplaySource

    try:
        src = ReplaySource(path)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    counted = {"flows": 0, "lost": 0}

    def flows(items: Iterator[Any]) -> Iterator[Flow]:
        for item in items:
            if isinstance(item, Flow):
                counted["flows"] += 1
                yield item
            elif isinstance(item, LostEvents):
                counted["lost"] += item.count

    try:
        observed = observed_connections(flows(src.items()))
    finally:
        src.close()
    problems = list(src.problems)
    for line, message in problems[:MAX_LINE_PROBLEMS]:
        print(f"netpol-tui: --flows {_visible(path)}: line {line}: {_visible(message)}", file=sys.stderr)
    if len(problems) > MAX_LINE_PROBLEMS:
        print(f"netpol-tui: ... {len(problems) - MAX_LINE_PROBLEMS} more lines skipped", file=sys.stderr)
    if counted["lost"]:
        print(
            f"netpol-tui: Hubble lost {counted['lost']} events: connections may be missing", file=sys.stderr
        )
    if counted["flows"] == 0 and problems:
        raise CliError(f"--flows {_visible(path)}: no flow could be read")
    return observed, counted["flows"], len(problems)


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------
def change_json(change: ConnectionChange) -> dict[str, Any]:
    """One `diff --json` line (result.schema.json `$defs/diff_line`)."""
    c = change.connection
    return {
        "source": c.source,
        "destination": c.destination,
        "port": c.port,
        "protocol": c.protocol,
        "flows": change.flows,
        "before": change.before,
        "after": change.after,
        "side": str(change.side),
        "changed_by": [
            {
                "namespace": p.policy.namespace,
                "name": p.policy.name,
                "kind": p.policy.kind,
                "change": str(p.change),
            }
            for p in change.changed_by
        ],
    }


def _n(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word}" if count == 1 else f"{count} {plural or word + 's'}"


def _policy(p: PolicyChange) -> str:
    ref = f"{p.policy.namespace}/{p.policy.name}" if p.policy.namespace else p.policy.name
    return _visible(f"{p.change} {p.policy.kind} {ref}")


def summary_line(result: DiffResult, flows: int, replies: int = 0) -> str:
    left_out = f"; {_n(replies, 'reply', 'replies')} left out" if replies else ""
    return (
        f"{_n(result.observed, 'observed connection')} ({_n(flows, 'flow')}{left_out}), "
        f"{_n(len(result.policy_changes), 'policy', 'policies')} changed: "
        f"{len(result.lost)} lose access, {len(result.gained)} gain access"
    )


def _connection_line(change: ConnectionChange) -> str:
    c = change.connection
    by = ", ".join(_policy(p) for p in change.changed_by) or "no policy change (pods or namespaces changed)"
    where = {"egress": "egress at the source", "ingress": "ingress at the destination", "both": "both sides"}
    return (
        f"  {_visible(c.source)} -> {_visible(c.destination)} {c.port}/{_visible(c.protocol or '-')}"
        f"  ({_n(change.flows, 'flow')})  {where[str(change.side)]}: {by}"
    )


def report(result: DiffResult, flows: int, replies: int, out: TextIO) -> None:
    """The report a person reads: policy changes, then the connections that lose access, then those that gain."""
    out.write(f"diff: {summary_line(result, flows, replies)}\n")
    if result.policy_changes:
        out.write("\npolicy changes:\n")
        for p in result.policy_changes:
            out.write(f"  {_policy(p)}\n")
    for title, changes in (
        ("lose access (allowed before, denied after)", result.lost),
        ("gain access (denied before, allowed after)", result.gained),
    ):
        if not changes:
            continue
        out.write(f"\n{title}:\n")
        for change in sorted(changes, key=lambda ch: -ch.flows):
            out.write(_connection_line(change) + "\n")
    if not result.changes:
        out.write("\nno observed connection changes its verdict\n")


# ---------------------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    before = _load_before(args)
    if args.against is not None:
        after = _load_against(str(args.against))
    else:
        after = staged(before, _load_staged(str(args.with_)))
    observed, read, _ = _flows(str(args.flows))
    flows = sum(oc.flows for oc in observed)
    replies = read - flows
    result = diff(observed, before, after)
    if args.json:
        out = sys.stdout
        for change in result.changes:
            out.write(json.dumps(change_json(change), ensure_ascii=False) + "\n")
        out.flush()
        print(f"netpol-tui: diff: {summary_line(result, flows, replies)}", file=sys.stderr)
    else:
        report(result, flows, replies, sys.stdout)
        sys.stdout.flush()
    return 1 if result.lost else 0


__all__ = ["add_parser", "change_json", "report", "run", "summary_line"]
