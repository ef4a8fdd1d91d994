"""`netpol-tui trace --from SRC --to DST --port PORT[/PROTO]`: one what-if connection, headless.

Exit status 0 allowed, 1 denied, 2 bad usage or input, or unknown: the verdict depends on resources the kube API
refused us (403), live or recorded in a snapshot directory.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import sys

from netpol_tui.cli import cluster_state
from netpol_tui.cli import wording as words
from netpol_tui.cli.errors import CliError
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.contract import explanation_json
from netpol_tui.core.evaluate import Subject
from netpol_tui.core.explain import explain_verdict


def parse_port(text: str) -> tuple[int, str]:
    port_text, _, proto = text.partition("/")
    proto = (proto or "TCP").upper()
    number = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5  # not '٨٠', not 10**30
    if not number or not 1 <= int(port_text) <= 65535 or proto not in ("TCP", "UDP", "SCTP"):
        raise CliError(wording.bad_port_text(text))
    return int(port_text), proto


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
    snapshot = cluster_state.load(args)  # ClusterUnusable / KubeError: one line, exit 2
    report_problems(snapshot)
    src = resolve_endpoint(snapshot, "--from", args.src)
    dst = resolve_endpoint(snapshot, "--to", args.dst)
    verdict = snapshot.evaluator.evaluate(src, dst, port, proto)
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
