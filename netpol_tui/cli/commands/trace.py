"""`netpol-tui trace --from SRC --to DST --port PORT[/PROTO]`: one what-if connection, headless.

Exit status 0 allowed, 1 denied, 2 bad usage or input, or unknown: the verdict depends on resources the kube API
refused us (403), live or recorded in a snapshot directory.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys

from netpol_tui.cli import cluster_state
from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.contract import explanation_json
from netpol_tui.core.evaluate import Subject
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.explain import explain_verdict

# PROTO as written (upper-cased) -> the protocol as the core and Hubble name it; ICMP alone is ICMPv4
_ICMP = {"ICMP": "ICMPv4", "ICMPV4": "ICMPv4", "ICMPV6": "ICMPv6"}
_FQDN = re.compile(r"^(?=.{1,254}$)[A-Za-z0-9_][A-Za-z0-9_-]{0,62}(\.[A-Za-z0-9_-]{1,63})*\.?$")


def parse_port(text: str) -> tuple[int, str]:
    """`PORT[/PROTO]` -> (port, protocol): TCP by default; for `TYPE/ICMP` (ICMPv4) and `TYPE/ICMPv6` the number
    is the ICMP type (0-255) and the protocol is named as Hubble names it."""
    port_text, _, proto = text.partition("/")
    proto = (proto or "TCP").upper()
    number = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5  # not '٨٠', not 10**30
    icmp = _ICMP.get(proto)
    if icmp is not None:
        if not number or not 0 <= int(port_text) <= 255:
            raise CliError(words.bad_trace_port(text))
        return int(port_text), icmp
    if not number or not 1 <= int(port_text) <= 65535 or proto not in ("TCP", "UDP", "SCTP"):
        raise CliError(words.bad_trace_port(text))
    return int(port_text), proto


def parse_names(names: list[str]) -> tuple[str, ...]:
    """`--to-fqdn NAME`s, as Hubble's destination_names carries them (any final dot dropped), each once."""
    out: list[str] = []
    for name in names:
        if not _FQDN.match(name):
            raise CliError(words.bad_fqdn(name))
        name = name.rstrip(".")
        if name not in out:
            out.append(name)
    return tuple(out)


def resolve_endpoint(snapshot: ClusterSnapshot, flag: str, text: str) -> Subject:
    ev = snapshot.evaluator
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return ev.subject_for_ip(text)
    ns, sep, name = text.partition("/")
    if not sep or not ns or not name or "/" in name:
        raise CliError(wording.bad_endpoint_text(flag, text))
    pod = snapshot.pod(text)
    if pod is None:
        raise CliError(wording.unknown_pod_text(flag, text, sorted(p.name for p in snapshot.pods_in(ns))))
    return ev.subject_for_pod(pod)


def report_problems(snapshot: ClusterSnapshot) -> None:
    for problem in snapshot.problems:
        print(f"netpol-tui: {wording.problem_text(problem)}", file=sys.stderr)
    if snapshot.skipped_kinds:
        print(f"netpol-tui: {wording.skipped_kinds_text(snapshot.skipped_kinds)}", file=sys.stderr)


def coverage_notes(snapshot: ClusterSnapshot) -> list[str]:
    notes: list[str] = []
    if snapshot.coverage.not_evaluated:
        notes.append(wording.not_evaluated_text(snapshot.coverage.not_evaluated))
    return notes


def run(args: argparse.Namespace) -> int:
    port, proto = parse_port(args.port)
    names = parse_names(list(getattr(args, "to_fqdn", None) or []))
    snapshot = cluster_state.load(args)  # ClusterUnusable / KubeError: one line, exit 2
    report_problems(snapshot)
    src = resolve_endpoint(snapshot, "--from", args.src)
    dst = resolve_endpoint(snapshot, "--to", args.dst)
    evaluator = snapshot.evaluator
    if isinstance(evaluator, CiliumEvaluator):  # toFQDNs rules judge the destination by its DNS names
        verdict = evaluator.evaluate(src, dst, port, proto, names=names)
    else:  # no Cilium policy: names decide nothing (NetworkPolicy has no DNS peers)
        verdict = evaluator.evaluate(src, dst, port, proto)
    notes = coverage_notes(snapshot)
    expl = explain_verdict(verdict, snapshot)
    if args.json:
        out = explanation_json(expl)
        if notes:
            out["notes"] = out["notes"] + notes
        json.dump(out, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        from netpol_tui.cli.console import report_console
        from netpol_tui.ui.richtext import print_explanation

        print_explanation(expl, console=report_console(), notes=notes)  # to a pipe: not wrapped at 80
    unread = cluster_state.unread_dependencies(snapshot, verdict)
    if unread:  # a verdict that depends on what we could not read is no verdict
        print(f"netpol-tui: {words.verdict_unknown(unread)}", file=sys.stderr)
        return 2
    return 0 if verdict.allowed else 1
