"""`netpol-tui explain`: explain every flow of a capture (or of a live Hubble stream), headless.

With `--json`: one JSON object a line, one per input flow in input order (with `--drops-only`, one per dropped
flow); a line that cannot be parsed gives `{"error": "...", "line": N}` in its place. Without `--json`: a report —
drop groups by count, each with its one-line explanation and its fix. Exit status 2 only when nothing could be
read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netpol_tui.cli import wording as words
from netpol_tui.cli.changes import watch_for_changes, with_changed
from netpol_tui.cli.config import cluster_config, flow_query, hubble_config, qualified_pods, relay
from netpol_tui.cli.errors import CliError
from netpol_tui.cli.fixes import GroupFixes, merge_groups, write_fixes
from netpol_tui.cli.jsonout import ExplanationLines
from netpol_tui.core import wording, yamlout
from netpol_tui.core.aggregate import DropAggregator, ExplanationCache
from netpol_tui.core.findings import finding_manifest
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.merge_fixes import existing_raw, fix_key
from netpol_tui.core.model import Flow, LostEvents, NodeStatus, StreamPhase, StreamState
from netpol_tui.core.suggest import Fix, FixAction
from netpol_tui.core.wording.events import lost_events_text, node_status_text
from netpol_tui.core.wording.explanations import other_pairs_text
from netpol_tui.core.wording.inert import inert

if TYPE_CHECKING:
    from netpol_tui.cli.console import ReportLines

DROP_VERDICTS = ("DROPPED", "AUDIT")
# Explanations kept for reuse. A headless run needs one only until its line is written: a few thousand cover an
# incident's distinct drops, and a run over a million distinct ones stays flat (~7 KB each with its fixes).
EXPLANATIONS_KEPT = 8_192


def _capture(
    path: str, query: FlowQuery, on_problem: Callable[[int, str], None]
) -> tuple[Iterator[Any], object]:
    """The capture's items; `on_problem(line, sentence)` is called for each bad line as it is found (before the
    items after it are handed out)."""
    from netpol_tui.sources.replay import ReplayError, ReplaySource

    try:
        src = ReplaySource(path, query=query, on_problem=on_problem)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    return src.items(), src


def _live(args: argparse.Namespace, query: FlowQuery) -> tuple[Iterator[Any], object]:
    from netpol_tui.sources.hubble import HubbleSource
    from netpol_tui.sources.hubble.errors import reconnected_text, reconnecting_text

    follow = bool(args.follow)
    last, first = args.last, getattr(args, "first", None)
    if first is not None and last is not None:
        raise CliError("--first and --last cannot be combined: take the oldest or the newest flows")
    if first is not None and follow:
        raise CliError("--first cannot be combined with --follow: following starts with the newest flows")
    idle = float(getattr(args, "idle_timeout", 30.0))
    if not idle >= 0:  # NaN too
        raise CliError(f"--idle-timeout {idle:g}: a number of seconds, 0 or more (0 waits forever)")
    number = first if first is not None else last
    if number is None and not follow and query.since_ns is None and query.until_ns is None:
        number = 20  # hubble observe's default, only without a time bound
    server, forwarder = relay(args, cluster_config(args))  # KubeError: one line, exit 2
    src = HubbleSource(
        hubble_config(
            args,
            server=server,
            query=query,
            follow=follow,
            last=number,
            first=first is not None,
            idle_timeout=idle,
        ),
        on_idle=lambda text: print(f"netpol-tui: {text}", file=sys.stderr, flush=True),
    )

    def items() -> Iterator[Any]:
        broken = False  # a stream that broke is said once, and again when it is resumed
        try:
            for batch in src.batches():
                for item in batch:
                    if type(item) is not StreamState:
                        yield item
                    elif item.state == StreamPhase.RECONNECTING and not broken:
                        broken = True
                        print(f"netpol-tui: {reconnecting_text(item.message)}", file=sys.stderr, flush=True)
                    elif item.state == StreamPhase.CONNECTED and broken:
                        broken = False
                        print(f"netpol-tui: {reconnected_text(src.address)}", file=sys.stderr, flush=True)
        finally:
            src.close()
            if forwarder is not None:
                forwarder.stop()

    return items(), src


def run(args: argparse.Namespace) -> int:
    from netpol_tui.cli import cluster_state

    output = getattr(args, "output", None)
    if output == "text" and args.json:
        raise CliError("--json and -o text cannot be combined")
    if output == "json":
        args.json = True  # `-o json`, as hubble observe writes it
    query = flow_query(args)  # FilterError: one line, exit 2
    snapshot = cluster_state.load(args)  # ClusterUnusable / KubeError: one line, exit 2
    for problem in snapshot.problems:
        print(f"netpol-tui: {wording.problem_text(problem)}", file=sys.stderr)
    out = sys.stdout
    as_json, drops_only, follow = bool(args.json), bool(args.drops_only), bool(args.follow)
    errors = 0

    def tell_problem(line: int, message: str) -> None:
        """A capture line that could not be read: in its place among the JSON lines, else on stderr."""
        nonlocal errors
        errors += 1
        if as_json:
            out.write(json.dumps({"error": message, "line": line}, ensure_ascii=False) + "\n")
            if follow:
                out.flush()
        else:
            print(f"netpol-tui: {inert(message)}", file=sys.stderr)

    if args.flows:
        items, source = _capture(str(args.flows), query, tell_problem)
    else:
        items, source = _live(args, query)
    watched = watch_for_changes(args, snapshot)  # --follow --json live: policy changes named in `changed`

    cache = ExplanationCache(maxsize=EXPLANATIONS_KEPT)
    groups = DropAggregator(cache=cache)
    flows = lost = denied = 0
    exit_code = bool(getattr(args, "exit_code", False))
    fixes_out = getattr(args, "fixes_out", None)
    lines = ExplanationLines()  # the explanation part of each JSON line, LRU-bounded

    try:
        for item in items:
            if type(item) is not Flow:
                if isinstance(item, LostEvents):
                    lost += item.count
                    shown = replace(item, node_name=inert(item.node_name))
                    print(f"netpol-tui: {lost_events_text(shown)}", file=sys.stderr)
                elif isinstance(item, NodeStatus):  # Relay: a node connected, unavailable, gone, in error
                    node = replace(
                        item, node_names=tuple(map(inert, item.node_names)), message=inert(item.message)
                    )
                    print(f"netpol-tui: {node_status_text(node)}", file=sys.stderr)
                continue
            flows += 1
            is_drop = item.verdict in DROP_VERDICTS
            if drops_only and not is_drop:
                continue
            if as_json:
                if watched is not None:
                    snapshot = watched.snapshot or snapshot
                # the explanation part is shared by identical flows; only the flow block differs
                expl = cache.explain(item, snapshot)
                line = lines.line(item, expl)
                if watched is not None:
                    line = with_changed(line, watched.attribute(item))
                out.write(line + "\n")
                if follow:
                    out.flush()
                if exit_code and not expl.verdict.allowed:
                    denied += 1
                if fixes_out and is_drop:
                    groups.add(item, snapshot)
            else:
                group = groups.add(item, snapshot) if is_drop else None
                if exit_code:
                    judged = group.explanation if group is not None else None
                    if judged is None:
                        judged = cache.explain(item, snapshot, with_fixes=False)
                    if not judged.verdict.allowed:
                        denied += 1
    except KeyboardInterrupt:
        pass
    finally:
        if watched is not None:
            watched.stop()
    merged = merge_groups(groups.by_count(), snapshot) if (fixes_out or not args.json) else None
    if not args.json:
        _report(groups, flows, errors, lost, snapshot, merged)
    if fixes_out and merged is not None:
        written = write_fixes(str(fixes_out), merged.merged.fixes, bool(getattr(args, "force", False)))
        print(f"netpol-tui: {words.fixes_written(len(written), inert(str(fixes_out)))}", file=sys.stderr)
    if flows == 0 and errors and not getattr(source, "flows_read", 0):
        return 2
    if flows == 0 and not query.is_empty:
        read = getattr(source, "flows_read", None) if args.flows else None
        hint = words.no_flow_matched(read, qualified_pods(args), bool(getattr(args, "cluster", None)))
        print(f"netpol-tui: {hint}", file=sys.stderr)
    return 1 if denied else 0


def _report(
    groups: DropAggregator, flows: int, errors: int, lost: int, snapshot: Any, merged: GroupFixes | None
) -> None:
    from netpol_tui.cli.console import ReportLines

    out = ReportLines()  # to a pipe or file: not wrapped at 80 columns, no trailing spaces
    out.line(wording.explain_report_heading(flows, groups.total, len(groups.groups), errors, lost), "bold")
    if snapshot.coverage.not_evaluated:
        out.line(wording.not_evaluated_text(snapshot.coverage.not_evaluated), "magenta")
    for group in groups.by_count():
        expl = group.explanation
        out.line()
        out.line(wording.group_line(group), "bold red" if group.reason != "AUDIT" else "bold yellow")
        if expl is None:
            continue
        out.line("  " + wording.explanation_summary(expl))
        for f in expl.findings:
            out.line("  • " + wording.finding_text(f), "yellow")
            manifest = finding_manifest(f)
            if manifest is not None:
                out.yaml(yamlout.dump(manifest), indent=4)
        withheld = merged is not None and group in merged.withheld
        for fix in expl.fixes:
            out.line("  " + _fix_heading(fix, snapshot), "cyan")
            if merged is None or withheld:
                _other_pairs(out, fix)
                if withheld:
                    out.line(words.fix_withheld(), "magenta")
                out.yaml(fix.yaml, indent=4)
            else:
                out.line(words.fix_is_below(inert(fix.kind), inert(fix.target)), "cyan")
    if merged is None or not (merged.merged.fixes or merged.withheld_fixes):
        return
    out.line()
    held = {fix_key(f) for f in merged.withheld_fixes}  # groups of a withheld merged patch are not allowed
    covered = sum(
        1
        for g in groups.by_count()
        if g.explanation
        and g.explanation.fixes
        and g not in merged.withheld
        and not any(fix_key(f) in held for f in g.explanation.fixes)
    )
    out.line(words.merged_fixes_heading(len(merged.merged.fixes), covered), "bold")
    if merged.merged.unfixed:
        out.line(words.fixes_unfixed(len(merged.merged.unfixed)), "magenta")
    for fix in merged.merged.fixes:
        out.line()
        out.line("  " + _fix_heading(fix, snapshot), "cyan")
        note = words.merged_fix_note(merged.groups_per_policy.get(fix_key(fix), 0))
        if note:
            out.line("  " + note, "cyan")
        _other_pairs(out, fix)
        out.yaml(fix.yaml, indent=4)
    # a merged patch that would open the metadata address: shown, not written
    for fix in merged.withheld_fixes:
        out.line()
        out.line("  " + _fix_heading(fix, snapshot), "cyan")
        _other_pairs(out, fix)
        out.line(words.merged_fix_withheld(), "magenta")
        out.yaml(fix.yaml, indent=4)


def _other_pairs(out: ReportLines, fix: Fix) -> None:
    """The other pod pairs a fix opens, named (the first few, then how many more), under its heading."""
    named = other_pairs_text(fix)
    if named:
        out.line("    " + named, "yellow")


def _deny_items(doc: dict[str, Any] | None) -> list[Any]:
    """Every deny item of a Cilium object (`spec` and each of `specs`), in order."""
    if not isinstance(doc, dict):
        return []
    rules = [doc.get("spec")] + list(doc.get("specs") or [])
    return [
        i for r in rules if isinstance(r, dict) for k in ("ingressDeny", "egressDeny") for i in r.get(k) or []
    ]


def _fix_action(fix: Fix, snapshot: Any) -> str:
    """What the fix does to its policy: create it, add a rule to it, narrow or remove a deny of it."""
    if fix.action == FixAction.CREATE:
        return "create"
    if fix.kind == "NetworkPolicy":
        return "add a rule to"
    before = _deny_items(existing_raw(snapshot, fix.kind, fix.namespace, fix.name))
    after = _deny_items(fix.manifest)
    if len(after) < len(before):
        return "remove a deny rule from"
    if after != before:
        return "narrow a deny rule of"
    return "add a rule to"


def _fix_heading(fix: Fix, snapshot: Any) -> str:
    """The report's line for a fix: its side, what it does, the real kind (a CNP or CCNP too) and target."""
    tail = wording.fix_heading(fix).split(" — ", 1)[-1]  # "verified; opens nothing else"
    return inert(f"Fix ({fix.side}): {_fix_action(fix, snapshot)} {fix.kind} {fix.target} — {tail}")
