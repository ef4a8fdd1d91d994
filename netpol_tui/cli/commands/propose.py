"""`netpol-tui propose`: deny-by-default NetworkPolicies plus the allows that keep every observed connection working.

`--dialect cilium` writes CiliumNetworkPolicies instead (verified with the Cilium evaluator).

Flows come from a capture (`--flows FILE|-`) or live from Hubble (`--server`/`-P`, with `--last N`, `--since`, or
until interrupted); they are reduced to distinct connections as they stream. The proposal (core/propose) is
verified with the evaluator before anything is written: a YAML stream on stdout, or one file per policy in
`--out DIR`; the summary goes to stderr. Exit status: 0 written, 1 no proposal keeps every observed connection
allowed (nothing written), 2 bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from netpol_tui.cli import numbers
from netpol_tui.cli.config import cluster_config, hubble_config, relay
from netpol_tui.cli.errors import CliError
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.filenames import fix_file_name
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.mesh import local_cluster
from netpol_tui.core.model import Flow, LostEvents
from netpol_tui.core.propose import (
    ConnectionReducer,
    Dialect,
    Gap,
    Proposal,
    ProposeOptions,
    Skip,
    WorkloadId,
    propose,
)
from netpol_tui.core.wording.inert import inert

MAX_LINE_PROBLEMS = 20  # capture lines that cannot be parsed, shown one by one (then counted)
MAX_LISTED = 20  # workloads / connections listed in the summary (then counted)


def add_parser(sub: Any, add_hubble_flags: Any, add_cluster_flags: Any, group: Any) -> None:
    """Register `propose` (called by cli/parser.py)."""
    p = sub.add_parser(
        "propose", help="deny-by-default policies plus the allows of every observed connection"
    )
    p.add_argument(
        "--flows", metavar="FILE|-", help="a capture (jsonpb lines, .gz accepted); else live Hubble"
    )
    group(p, True).add_argument(
        "-n",
        "--namespace",
        action="append",
        default=[],
        metavar="NS",
        help="propose for this namespace (repeatable; default: every namespace of an observed pod)",
    )
    p.add_argument("--out", metavar="DIR", help="one YAML file per policy in DIR (created if missing)")
    p.add_argument("--force", action="store_true", help="with --out: overwrite files that exist")
    p.add_argument(
        "--cidr-prefix",
        type=numbers.ipv4_prefix,
        metavar="N",
        help="merge external IPv4 peers into /N networks (default: one /32 per address; IPv6 stays /128)",
    )
    p.add_argument(
        "--dialect",
        choices=[d.value for d in Dialect],
        default=Dialect.NETWORK_POLICY.value,
        help="networkpolicy (default): networking.k8s.io/v1 NetworkPolicies; cilium: cilium.io/v2 "
        "CiliumNetworkPolicies (toFQDNs for destinations Hubble saw by name, entities for the kube-apiserver, "
        "host and remote-node)",
    )
    p.add_argument("--last", type=numbers.flow_count, metavar="N", help="live: the last N flows per node")
    group(p, True).add_argument("--since", metavar="DURATION|TIME", help="only flows since then (e.g. 1h)")
    add_hubble_flags(p, sub=True)
    add_cluster_flags(p, sub=True)


# ---------------------------------------------------------------------------------------------------------------
# Input
# ---------------------------------------------------------------------------------------------------------------
def _visible(text: object) -> str:
    """Strings from the cluster or the flows, with control characters escaped visibly."""
    return inert(str(text))


def _load_cluster(args: argparse.Namespace) -> ClusterSnapshot:
    from netpol_tui.cli import cluster_state

    snapshot = cluster_state.load(args)  # ClusterUnusable / KubeError: one line naming the path, exit 2
    for problem in snapshot.problems:
        print(f"netpol-tui: {wording.problem_text(problem)}", file=sys.stderr)
    if snapshot.coverage.not_evaluated:
        print(
            f"netpol-tui: warning: {wording.not_evaluated_text(snapshot.coverage.not_evaluated)}",
            file=sys.stderr,
        )
    if snapshot.coverage.forbidden:
        resources = ", ".join(snapshot.coverage.forbidden)
        print(
            f"netpol-tui: warning: not allowed to read {resources}: the verification cannot see them",
            file=sys.stderr,
        )
    return snapshot


def _capture(path: str, since: str | None) -> tuple[Iterator[Any], Any]:
    from netpol_tui.sources.replay import ReplayError, ReplaySource

    query = FlowQuery.from_flags(since=since) if since else None  # FilterError: one line, exit 2
    try:
        src = ReplaySource(path, query=query)
    except ReplayError as exc:
        raise CliError(str(exc)) from None
    return src.items(), src


def _live(args: argparse.Namespace) -> tuple[Iterator[Any], Any]:
    from netpol_tui.sources.hubble import HubbleSource

    since = getattr(args, "since", None)
    last = args.last
    follow = last is None and not since  # neither: until interrupted
    query = FlowQuery.from_flags(since=since) if since else None
    server, forwarder = relay(args, cluster_config(args))
    fields: dict[str, Any] = {"server": server, "follow": follow, "last": last}
    if query is not None:
        fields["query"] = query
    src = HubbleSource(hubble_config(args, **fields))

    def items() -> Iterator[Any]:
        try:
            for batch in src.batches():
                yield from batch
        finally:
            src.close()
            if forwarder is not None:
                forwarder.stop()

    return items(), src


def _reduce(
    items: Iterable[Any], source: Any, *, icmp: bool = False, local_cluster: str = ""
) -> tuple[ConnectionReducer, int]:
    reducer = ConnectionReducer(icmp=icmp, local_cluster=local_cluster)
    add = reducer.add
    shown = 0
    lost = 0

    def show_problems() -> None:
        nonlocal shown
        problems = getattr(source, "problems", ())
        while shown < len(problems):
            line, message = problems[shown]
            if shown < MAX_LINE_PROBLEMS:
                print(f"netpol-tui: line {line}: {_visible(message)}", file=sys.stderr)
            shown += 1

    try:
        for item in items:
            if type(item) is Flow:
                add(item)
            elif isinstance(item, LostEvents):
                lost += item.count
            elif isinstance(item, Flow):
                add(item)
    except KeyboardInterrupt:
        print("netpol-tui: interrupted: proposing from the flows read so far", file=sys.stderr)
    show_problems()
    if shown > MAX_LINE_PROBLEMS:
        print(f"netpol-tui: ... {shown - MAX_LINE_PROBLEMS} more lines skipped", file=sys.stderr)
    if lost:
        print(f"netpol-tui: Hubble lost {lost} events: connections may be missing", file=sys.stderr)
    return reducer, shown


# ---------------------------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------------------------
def _wl(w: WorkloadId) -> str:
    return _visible(f"{w.namespace}/{w.name} ({w.kind})")


def _n(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _listed(items: list[str]) -> str:
    head = ", ".join(items[:MAX_LISTED])
    return head + (f", ... {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


_GAP_TEXT = {
    Gap.TARGET_UNSELECTABLE: "its workload {wl} has no stable label shared by all its pods that tells it apart",
    Gap.PEER_UNSELECTABLE: "the peer workload {wl} has no stable label shared by all its pods that tells it apart",
    Gap.OUTSIDE_PROPOSAL: "the current policies of namespace {ns} deny it, and that namespace is not proposed",
    Gap.DENY_RULE: "a Cilium deny rule of the cluster matches it, and no allow can override a deny",
    Gap.UNEXPLAINED: "no proposed rule admits it",
    Gap.NOT_CIDR_SELECTABLE: (
        "under Cilium a NetworkPolicy ipBlock cannot select the peer (a node or its hostNetwork pods; "
        "policy-cidr-match-mode has no `nodes`): --dialect cilium names it as the host or remote-node entity"
    ),
    Gap.MESH_PEER_UNSELECTABLE: (
        "the peer is a pod of {ns} (another cluster of the mesh) with no stable label to name it by"
    ),
}

_SKIP_TEXT = {
    Skip.NOT_FORWARDED: "not FORWARDED",
    Skip.REPLY: "replies",
    Skip.PROTOCOL: "not TCP/UDP/SCTP (not proposed)",
    Skip.NO_PORT: "without a destination port",
    Skip.NO_ENDPOINT: "with an end that has neither pod nor IP",
    Skip.ICMP_ANSWER: "ICMP replies and error messages (let through with what they answer)",
}


def summary_lines(proposal: Proposal, reducer: ConnectionReducer) -> list[str]:
    lines: list[str] = []
    ns_text = _listed([_visible(n) for n in proposal.namespaces])
    noun = "CiliumNetworkPolicies" if proposal.dialect == Dialect.CILIUM else "policies"
    policies = (
        ("1 CiliumNetworkPolicy" if proposal.dialect == Dialect.CILIUM else "1 policy")
        if len(proposal.policies) == 1
        else f"{len(proposal.policies)} {noun}"
    )
    if not proposal.ok:
        lines.append(
            f"no proposal keeps every observed connection allowed ({len(proposal.uncovered)} sides of "
            f"connections stay denied); nothing written"
        )
        for u in proposal.uncovered[:MAX_LISTED]:
            c = u.connection
            side = "egress at the source" if u.direction == "Egress" else "ingress at the destination"
            why = _GAP_TEXT[u.gap].format(wl=_wl(u.workload) if u.workload else "?", ns=_visible(u.namespace))
            lines.append(
                f"  {_visible(c.source)} -> {_visible(c.destination)} {c.port}/{c.protocol}: {side} stays denied: "
                f"{why}"
            )
        if len(proposal.uncovered) > MAX_LISTED:
            lines.append(f"  ... {len(proposal.uncovered) - MAX_LISTED} more")
    else:
        lines.append(
            f"{_n(len(proposal.namespaces), 'namespace')} ({ns_text}), {policies}; "
            f"{_n(len(proposal.connections), 'observed connection')} covered ({proposal.flows} flows), all verified allowed"
        )
        if proposal.rules_removed:
            lines.append(
                f"  {_n(proposal.rules_removed, 'rule')} left out: other policies (the DNS allow included) already allow "
                "their connections"
            )
        if proposal.unobserved_allowed_pairs is not None:
            ports = ", ".join(
                f"{proto} type {port}" if proto.startswith("ICMP") else f"{port}/{proto}"
                for proto, port in proposal.observed_ports
            )
            lines.append(
                f"  {proposal.unobserved_allowed_pairs} ordered pairs of distinct pods, on an observed port and "
                f"protocol ({ports or 'none'}), are still allowed without having been observed"
            )
    if proposal.apiserver:
        if proposal.dialect == Dialect.CILIUM:
            lines.append("  the kube-apiserver is allowed as the kube-apiserver entity")
        else:
            lines.append(
                "  the kube-apiserver is allowed by the addresses of its default/kubernetes Endpoints: "
                + _listed([_visible(a) for a in proposal.apiserver])
            )
    if proposal.idle:
        lines.append(
            f"  WARNING: {_n(len(proposal.idle), 'workload')} had no observed traffic at all: their pods get only deny-all "
            f"(and the DNS allow): {_listed([_wl(w) for w in proposal.idle])}"
        )
    if proposal.unselectable:
        lines.append(
            "  workloads without a stable label shared by all their pods that tells them apart (no selector "
            f"proposed; deny-all only): {_listed([_wl(s.workload) for s in proposal.unselectable])}"
        )
    if proposal.ingress_controllers:
        lines.append(
            "  ingress controllers allowed as peers (all their pods): "
            + _listed([_wl(w) for w in proposal.ingress_controllers])
        )
    if proposal.ghost_pods:
        lines.append(
            "  pods known only from the flows (not in the cluster state), selected by their flow labels: "
            + _listed([_visible(k) for k in proposal.ghost_pods])
        )
    if proposal.mesh_pods:
        lines.append(
            "  pods of other clusters of the mesh, named by their labels and io.cilium.k8s.policy.cluster (no "
            "policy is proposed for them: their own cluster's policies apply): "
            + _listed([_visible(k) for k in proposal.mesh_pods])
        )
    if proposal.out_of_scope:
        lines.append(
            f"  {_n(proposal.out_of_scope, 'observed connection')} with no end in a proposed namespace"
        )
    if proposal.self_connections:
        lines.append(
            f"  {proposal.self_connections} connections of a pod to itself left out (undefined across CNIs)"
        )
    texts = (
        {**_SKIP_TEXT, Skip.PROTOCOL: "not TCP/UDP/SCTP/ICMP (not proposed)"} if reducer.icmp else _SKIP_TEXT
    )
    skipped = [f"{n} {texts[k]}" for k, n in sorted(reducer.skipped.items()) if n]
    if skipped:
        lines.append(f"  {reducer.flows_seen} flows read; skipped: " + "; ".join(skipped))
    return lines


def file_name(namespace: str, name: str, kind: str = "NetworkPolicy") -> str:
    """`<kind>-<namespace>-<name>.yaml`, as `explain --fixes-out` and the TUI name a policy's file."""
    return fix_file_name(kind, namespace, name)


def _write_files(proposal: Proposal, out: str, force: bool) -> list[Path]:
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise CliError(f"--out {_visible(out)}: exists and is not a directory")
    targets = [(root / file_name(p.namespace, p.name, p.kind), p.yaml) for p in proposal.policies]
    existing = [str(path) for path, _ in targets if path.exists()]
    if existing and not force:
        raise CliError(
            f"--out {_visible(out)}: {len(existing)} files exist ({_visible(existing[0])}"
            f"{', ...' if len(existing) > 1 else ''}); nothing written (--force overwrites them)"
        )
    try:
        root.mkdir(parents=True, exist_ok=True)
        for path, text in targets:
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"--out {_visible(out)}: {exc.strerror or exc}") from None
    return [path for path, _ in targets]


# ---------------------------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    prefix = args.cidr_prefix
    if prefix is not None and not 0 <= prefix <= 32:
        raise CliError(f"--cidr-prefix {prefix}: must be between 0 and 32")
    namespaces = tuple(getattr(args, "namespace", None) or ())
    snapshot = _load_cluster(args)
    if args.flows:
        items, source = _capture(str(args.flows), getattr(args, "since", None))
    else:
        items, source = _live(args)
    dialect = Dialect(getattr(args, "dialect", None) or Dialect.NETWORK_POLICY)
    # ICMP is kept for the Cilium dialect (a CNP allows it by type); NetworkPolicy cannot say it
    reducer, bad_lines = _reduce(
        items, source, icmp=dialect == Dialect.CILIUM, local_cluster=local_cluster(snapshot)
    )
    if reducer.flows_seen == 0:
        what = "no flow could be read" if bad_lines else "the capture holds no flow"
        if getattr(source, "flows_read", 0) and getattr(args, "since", None):
            what = f"no flow since {_visible(args.since)} (--since)"
        raise CliError(f"{_visible(args.flows or 'Hubble')}: {what}; nothing to propose")
    if not reducer.counts and not namespaces:
        raise CliError("no FORWARDED connection observed and no -n NS given; nothing to propose")

    options = ProposeOptions(namespaces=namespaces, cidr_prefix=prefix, dialect=dialect)
    proposal = propose(snapshot, reducer, options)
    if proposal.unknown_namespaces:
        raise CliError(
            "-n: no such namespace in the cluster state or the flows: "
            + ", ".join(_visible(n) for n in proposal.unknown_namespaces)
        )
    lines = summary_lines(proposal, reducer)
    if not namespaces and "kube-system" in proposal.namespaces:
        lines.append(
            "  kube-system is proposed because pods there were observed (kube-dns): -n leaves it out"
        )
    for line in lines:
        print(f"netpol-tui: {line}" if not line.startswith("  ") else line, file=sys.stderr)
    if not proposal.ok:
        return 1
    if args.out:
        paths = _write_files(proposal, str(args.out), bool(args.force))
        print(f"netpol-tui: {len(paths)} files written in {_visible(args.out)}", file=sys.stderr)
    else:
        sys.stdout.write(proposal.yaml())
        sys.stdout.flush()
    return 0
