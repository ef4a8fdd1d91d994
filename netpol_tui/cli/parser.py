"""The argparse parser: the flags of design/cli.md, the same ones before and after the command."""

from __future__ import annotations

import argparse
import os
from typing import Any

from netpol_tui import __version__
from netpol_tui.cli import numbers

COMMANDS = ("demo", "replay", "trace", "explain", "snapshot", "propose", "diff")


class _Group:
    """An argument group whose defaults are suppressed in sub-commands.

    The same flags exist before and after the command (`netpol-tui --cluster X trace ...` and
    `netpol-tui trace --cluster X ...`); argparse would let a sub-command's default overwrite a value given
    before the command, so there the defaults are left to the main parser.
    """

    def __init__(self, group: argparse._ActionsContainer, sub: bool) -> None:
        self.group = group
        self.sub = sub

    def add_argument(self, *args: str, **kwargs: Any) -> argparse.Action:
        if self.sub:
            kwargs["default"] = argparse.SUPPRESS
        return self.group.add_argument(*args, **kwargs)


def _add_hubble_flags(p: argparse.ArgumentParser, sub: bool = False) -> None:
    g = _Group(p.add_argument_group("Hubble"), sub)
    g.add_argument(
        "--server",
        default=os.environ.get("HUBBLE_SERVER") or "localhost:4245",
        help="Hubble Relay address, host:port or unix:///path (default $HUBBLE_SERVER, else localhost:4245); "
        "a tls:// prefix turns TLS on",
    )
    g.add_argument(
        "-P",
        "--port-forward",
        action="store_true",
        help="reach kube-system/hubble-relay through the kube API (like `cilium hubble port-forward`)",
    )
    g.add_argument(
        "--port-forward-port",
        type=numbers.local_port,
        default=0,
        help="local port for -P (0 = any free port)",
    )
    g.add_argument("--tls", action="store_true", help="use TLS to reach the server")
    g.add_argument("--tls-ca-cert-files", nargs="+", default=[], metavar="FILE", help="PEM CA files")
    g.add_argument("--tls-client-cert-file", metavar="FILE", help="PEM client certificate (mTLS)")
    g.add_argument("--tls-client-key-file", metavar="FILE", help="PEM client key (mTLS)")
    g.add_argument("--tls-server-name", metavar="NAME", help="name to verify on the server certificate")
    g.add_argument("--tls-allow-insecure", action="store_true", help="do not verify the server certificate")
    g.add_argument(
        "--timeout", type=numbers.seconds, default=5.0, metavar="SECONDS", help="connect timeout (default 5)"
    )


def _add_filter_flags(p: argparse.ArgumentParser, sub: bool = False) -> None:
    g = _Group(p.add_argument_group("flow filters (sent to Hubble when live, applied locally on files)"), sub)
    g.add_argument(
        "--pod",
        action="append",
        default=[],
        metavar="[NS/]POD",
        help="either side; without NS the kubeconfig context's namespace (default with --cluster)",
    )
    g.add_argument("--from-pod", action="append", default=[], metavar="[NS/]POD")
    g.add_argument("--to-pod", action="append", default=[], metavar="[NS/]POD")
    g.add_argument("-n", "--namespace", action="append", default=[], metavar="NS")
    g.add_argument("-l", "--label", action="append", default=[], metavar="KEY=VALUE")
    g.add_argument("--verdict", action="append", default=[], metavar="VERDICT")
    g.add_argument(
        "--port", dest="filter_port", action="append", default=[], metavar="PORT", help="either side"
    )
    g.add_argument("--from-port", action="append", default=[], metavar="PORT", help="source port")
    g.add_argument("--to-port", action="append", default=[], metavar="PORT", help="destination port")
    g.add_argument("--ip", action="append", default=[], metavar="IP|CIDR", help="either side")
    g.add_argument("--from-ip", action="append", default=[], metavar="IP|CIDR", help="source address")
    g.add_argument("--to-ip", action="append", default=[], metavar="IP|CIDR", help="destination address")
    g.add_argument("--protocol", action="append", default=[], metavar="PROTO")
    g.add_argument("--since", metavar="DURATION|TIME", help="e.g. 5m, 1h, or an RFC 3339 time")


def _add_cluster_flags(p: argparse.ArgumentParser, sub: bool = False) -> None:
    g = _Group(p.add_argument_group("cluster state"), sub)
    g.add_argument(
        "--cluster",
        metavar="PATH",
        help="file, directory or - with Namespace/Pod/NetworkPolicy YAML or JSON (no kube API call then)",
    )
    g.add_argument(
        "--kubeconfig", metavar="FILE", help="kubeconfig file (default: $KUBECONFIG, ~/.kube/config)"
    )
    g.add_argument("--context", metavar="NAME", help="kubeconfig context")
    g.add_argument(
        "--kube-namespace",
        dest="kube_namespace",
        metavar="NS",
        help="watch one namespace only (when you lack cluster-wide rights)",
    )


def _add_tui_flags(p: argparse.ArgumentParser, sub: bool = False) -> None:
    _Group(p, sub).add_argument(
        "--buffer",
        type=numbers.buffer_size,
        default=50_000,
        metavar="N",
        help="flows kept in memory (default 50000)",
    )
    _Group(p, sub).add_argument(
        "--with",
        dest="staged",
        metavar="PATH",
        help="staged objects (file, directory or -) on top of the cluster: rows marked would drop / would allow",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netpol-tui",
        # no abbreviations at the top: `trace --from` would be an ambiguous `--from-pod/--from-port/--from-ip`
        allow_abbrev=False,
        description="Why was this flow dropped? Live Hubble flows explained against the cluster's NetworkPolicies.",
    )
    parser.add_argument("--version", action="version", version=f"netpol-tui {__version__}")
    _add_hubble_flags(parser)
    _add_filter_flags(parser)
    _add_cluster_flags(parser)
    _add_tui_flags(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("demo", help="the TUI on a built-in scenario (no cluster, no network)")
    _add_tui_flags(p, sub=True)
    p.add_argument(
        "--rate", type=numbers.rate, default=40.0, help="average flows per second of the demo stream"
    )
    p.add_argument(
        "--export",
        metavar="DIR",
        help="no TUI: write the demo's cluster as DIR/cluster.yaml and a capture of its flows as DIR/flows.json",
    )

    p = sub.add_parser("replay", help="the TUI over a `hubble observe -o jsonpb` capture")
    p.add_argument("file", metavar="FILE|-")
    _add_filter_flags(p, sub=True)
    _add_cluster_flags(p, sub=True)
    _add_tui_flags(p, sub=True)

    p = sub.add_parser("trace", help="one what-if connection, headless")
    p.add_argument("--from", dest="src", required=True, metavar="SRC", help="NAMESPACE/POD or an IP address")
    p.add_argument("--to", dest="dst", required=True, metavar="DST", help="NAMESPACE/POD or an IP address")
    p.add_argument(
        "--port",
        required=True,
        metavar="PORT[/PROTO]",
        help="e.g. 5432, 53/UDP, or 8/ICMP (PORT is then the ICMP type; ICMPv6 too)",
    )
    p.add_argument(
        "--to-fqdn",
        dest="to_fqdn",
        action="append",
        default=[],
        metavar="NAME",
        help="a DNS name the destination address was resolved from (repeatable; for Cilium toFQDNs rules)",
    )
    p.add_argument("--json", action="store_true", help="print the JSON result")
    _add_cluster_flags(p, sub=True)
    _add_hubble_flags(p, sub=True)

    p = sub.add_parser("explain", help="explain every flow of a capture or of a live stream, headless")
    p.add_argument(
        "--flows", metavar="FILE|-", help="a capture (jsonpb lines, .gz accepted); else live Hubble"
    )
    p.add_argument(
        "--last",
        type=numbers.flow_count,
        metavar="N",
        help="live: the last N flows per node (default 20 when neither --since nor --until is given)",
    )
    p.add_argument(
        "--first",
        type=numbers.flow_count,
        metavar="N",
        help="live: the first (oldest) N flows per node; not with --follow",
    )
    p.add_argument("--follow", "-f", action="store_true", help="live: keep streaming")
    p.add_argument(
        "--until", metavar="DURATION|TIME", help="flows up to this time: e.g. 5m (ago) or an RFC 3339 time"
    )
    p.add_argument(
        "--idle-timeout",
        type=numbers.seconds_or_zero,
        default=30.0,
        metavar="SECONDS",
        help="live: when Hubble sends nothing for this long, give up (exit 2), or with --follow say so once "
        "and keep waiting (default 30; 0 waits forever)",
    )
    p.add_argument("--json", action="store_true", help="one JSON object a line")
    p.add_argument(
        "-o",
        "--output",
        choices=("json", "text"),
        help="json: the same as --json (as `hubble observe -o json`); text: the report (the default)",
    )
    p.add_argument("--drops-only", action="store_true", help="only dropped flows")
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when at least one flow is denied by the policies (for CI), else 0",
    )
    p.add_argument(
        "--fixes-out",
        metavar="DIR",
        help="write one merged, verified fix per policy as DIR/<kind>-<namespace>-<name>.yaml (DIR created if "
        "missing)",
    )
    p.add_argument("--force", action="store_true", help="with --fixes-out: overwrite files that exist")
    _add_hubble_flags(p, sub=True)
    _add_filter_flags(p, sub=True)
    _add_cluster_flags(p, sub=True)

    p = sub.add_parser("snapshot", help="save the cluster's Namespaces, Pods and policies as YAML")
    p.add_argument("dir", metavar="DIR")
    _add_cluster_flags(p, sub=True)

    from netpol_tui.cli.commands.propose import add_parser as add_propose

    add_propose(sub, _add_hubble_flags, _add_cluster_flags, _Group)

    from netpol_tui.cli.commands.diff import add_parser as add_diff

    add_diff(sub, _add_cluster_flags)
    _add_debug_flag(parser)
    for command in sub.choices.values():
        _add_debug_flag(command, sub=True)
    from netpol_tui.cli.helptext import describe

    describe(parser, sub.choices)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> argparse.Namespace:
    """`parser.parse_args`, except that a flag the command does not know is reported with that command's usage
    (argparse would show the top-level one)."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        commands: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                commands = action.choices
        command = commands.get(getattr(args, "command", None) or "", parser)
        command.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


def _add_debug_flag(p: argparse.ArgumentParser, sub: bool = False) -> None:
    _Group(p, sub).add_argument(
        "--debug", action="store_true", default=False, help="on an internal error, print the traceback"
    )


__all__ = ["COMMANDS", "build_parser", "parse_args"]
