"""What `--help` says beyond the flags: each command's description, examples and exit statuses.

The examples run as written after `netpol-tui demo --export demo-files` (the demo's cluster and flows as files).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Mapping

_FILES = "--cluster demo-files/cluster.yaml"
_FLOWS = "--flows demo-files/flows.json"
FRONTEND = "shop/frontend-6d4cf56db6-x7k2p"
API = "shop/api-7f9b8c6d5-4jz8w"

MAIN_DESCRIPTION = (
    "Why was this flow dropped? Hubble flows explained against the cluster's NetworkPolicies and Cilium "
    "policies, with a verified fix.\n"
    "Without a COMMAND: the TUI, live (flows from Hubble, cluster state from the current kubeconfig context)."
)
MAIN_EPILOG = f"""examples:
  netpol-tui demo                              the TUI on a built-in shop (no cluster, no network)
  netpol-tui demo --export demo-files          the same shop as files, for the examples of every command
  netpol-tui explain {_FLOWS} {_FILES}
  netpol-tui -P                                live: Hubble Relay through the kube API

`netpol-tui COMMAND --help` shows each command's flags, examples and exit statuses."""


def _epilog(examples: list[str], exits: list[tuple[str, str]]) -> str:
    lines = ["examples:"] + [f"  {e}" for e in examples] + ["", "exit status:"]
    lines += [f"  {code}  {meaning}" for code, meaning in exits]
    return "\n".join(lines)


_BAD = ("2", "bad usage or input (one line on stderr, no traceback)")

COMMAND_HELP: Mapping[str, tuple[str, str]] = {
    "demo": (
        "The TUI on a built-in shop with real policy mistakes (missing DNS egress, wrong port, wrong namespace "
        "label ...), streamed through an in-process Hubble server on loopback. No cluster, no network.\n"
        "With --export DIR: no TUI; the shop's cluster is written as DIR/cluster.yaml and a capture of its flows "
        "as DIR/flows.json (jsonpb lines), so that every example of every command runs offline.",
        _epilog(
            ["netpol-tui demo", "netpol-tui demo --rate 200", "netpol-tui demo --export demo-files"],
            [("0", "the TUI was quit (ctrl+c, ctrl+q), or the files were written"), _BAD],
        ),
    ),
    "replay": (
        "The TUI over a capture: `hubble observe -o jsonpb` (or -o json) output, one object a line, .gz accepted, "
        "- for stdin. Without --cluster the cluster state comes from the current kubeconfig context.",
        _epilog(
            [
                f"netpol-tui replay demo-files/flows.json {_FILES}",
                f"netpol-tui replay demo-files/flows.json {_FILES} --verdict DROPPED --pod shop/api",
                "hubble observe -o jsonpb --last 1000 | netpol-tui replay -",
            ],
            [("0", "the TUI was quit"), _BAD],
        ),
    ),
    "trace": (
        "One what-if connection, headless: would the policies let SRC reach DST on PORT? Prints the verdict of "
        "each side, the policies and rules that decide it, and a verified fix when denied.",
        _epilog(
            [
                f"netpol-tui trace {_FILES} --from {FRONTEND} --to {API} --port 8080",
                f"netpol-tui trace {_FILES} --from {FRONTEND} --to {API} --port 8080 --json",
                "netpol-tui trace --from prod/api-7d9 --to 10.0.3.4 --port 53/UDP      (live cluster state)",
            ],
            [("0", "allowed"), ("1", "denied"), ("2", "bad usage or input, or the verdict is unknown")],
        ),
    ),
    "explain": (
        "Explain every flow of a capture (--flows) or of a live Hubble stream, headless. Without --json: a report, "
        "drop groups by count, each with its explanation, and one merged, verified fix per policy. With --json "
        "(or -o json): one JSON object a line, one per flow, in input order.",
        _epilog(
            [
                f"netpol-tui explain {_FLOWS} {_FILES}",
                f"netpol-tui explain {_FLOWS} {_FILES} --json --drops-only",
                f"netpol-tui explain {_FLOWS} {_FILES} --to-port 8080 --exit-code",
                f"netpol-tui explain {_FLOWS} {_FILES} --fixes-out demo-files/fixes",
                "netpol-tui explain -P --last 500                       (live, through the kube API)",
                "netpol-tui explain --server localhost:4245 --follow --pod shop/api",
            ],
            [
                ("0", "done (with --exit-code: no flow is denied by the policies)"),
                ("1", "with --exit-code: at least one flow is denied by the policies"),
                ("2", "nothing could be read, --cluster is unusable, or bad usage"),
            ],
        ),
    ),
    "snapshot": (
        "Save the cluster's Namespaces, Pods and policies as YAML in DIR (created if missing), for offline use "
        "with --cluster DIR. From the current kubeconfig context, or from --cluster files (normalised).",
        _epilog(
            [
                "netpol-tui snapshot ./cluster-state                  (live cluster)",
                f"netpol-tui snapshot demo-files/snapshot {_FILES}",
            ],
            [("0", "written"), _BAD],
        ),
    ),
    "propose": (
        "From observed flows (FORWARDED only), write deny-by-default policies plus the allows that keep every "
        "observed connection working, verified before anything is written: a YAML stream on stdout, or one file "
        "per policy with --out DIR.",
        _epilog(
            [
                f"netpol-tui propose {_FLOWS} {_FILES} -n shop",
                f"netpol-tui propose {_FLOWS} {_FILES} -n shop --out demo-files/proposed",
                f"netpol-tui propose {_FLOWS} {_FILES} -n shop --dialect cilium",
                "netpol-tui propose -P --last 2000 -n shop | kubectl apply -f -     (live)",
            ],
            [
                ("0", "written"),
                ("1", "no proposal keeps every observed connection allowed (nothing written)"),
                _BAD,
            ],
        ),
    ),
    "diff": (
        "Re-judge observed flows under two policy sets (before/after: --against, or the cluster plus staged "
        "objects: --with) and list every connection whose verdict changes, with the policy change that causes it.",
        _epilog(
            [
                f"netpol-tui diff {_FLOWS} {_FILES} --with demo-files/proposed",
                f"netpol-tui diff {_FLOWS} {_FILES} --against demo-files/cluster.yaml --json",
            ],
            [
                ("0", "no observed connection loses access"),
                ("1", "at least one allowed connection becomes denied"),
                _BAD,
            ],
        ),
    ),
}


def _wrap(text: str) -> str:
    """Paragraphs filled to 79 columns (the raw formatter keeps the examples' lines as written)."""
    return "\n".join(textwrap.fill(paragraph, 79) for paragraph in text.split("\n"))


def describe(parser: argparse.ArgumentParser, commands: Mapping[str, argparse.ArgumentParser]) -> None:
    """Description, examples and exit statuses on the main parser and on each command's parser."""
    parser.description = _wrap(MAIN_DESCRIPTION)
    parser.epilog = MAIN_EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    for name, (description, epilog) in COMMAND_HELP.items():
        command = commands.get(name)
        if command is None:
            continue
        command.description = _wrap(description)
        command.epilog = epilog
        command.formatter_class = argparse.RawDescriptionHelpFormatter


__all__ = ["COMMAND_HELP", "describe"]
