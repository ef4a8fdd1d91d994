"""argv's namespace -> the typed values the layers below take. The only place that knows a flag's `dest`.

flow_query(args)      -> core FlowQuery (the filter flags; raises FilterError)
filter_words(args)    -> the same flags as the TUI's `/` filter words
hubble_config(args)   -> sources HubbleConfig (server, TLS, timeout; query/follow/last given by the command)
cluster_config(args)  -> sources ClusterConfig (--cluster, --kubeconfig, --context, --kube-namespace)
tui_options(args)     -> ui TuiOptions (--buffer and the filter words)
relay(args, cluster)  -> the Hubble address to use, starting the -P port-forward when asked (stop it after)
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netpol_tui.core.flowquery import FlowQuery, parse_since
from netpol_tui.sources.cluster_loader import ClusterConfig
from netpol_tui.ui.options import TuiOptions

if TYPE_CHECKING:  # grpc and the kubernetes client load only for the commands that talk to them
    from netpol_tui.sources.hubble.client import HubbleConfig
    from netpol_tui.sources.kube.portforward import PortForwarder

DEFAULT_SERVER = "localhost:4245"


def _list(args: argparse.Namespace, dest: str) -> list[str]:
    value = getattr(args, dest, None)
    return [str(v) for v in value] if value else []


def _opt(args: argparse.Namespace, dest: str) -> str | None:
    value = getattr(args, dest, None)
    return str(value) if value else None


def pod_namespace(args: argparse.Namespace) -> str:
    """The namespace of a pod written without one (`--pod api`), as `hubble observe` reads it: the kubeconfig
    context's namespace, else `default`; with `--cluster` files, `default`."""
    if _opt(args, "cluster"):
        return "default"
    from netpol_tui.sources.kube.namespace import context_namespace

    return context_namespace(_opt(args, "kubeconfig"), _opt(args, "context"))


def qualified_pods(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(as given, as read) for each `--pod`/`--from-pod`/`--to-pod` written without a namespace (none with -n:
    then the namespace flag qualifies them, as in Hubble)."""
    if _list(args, "namespace"):
        return []
    bare = [v for dest in ("pod", "from_pod", "to_pod") for v in _list(args, dest) if v and "/" not in v]
    if not bare:
        return []
    ns = pod_namespace(args)
    return [(v, f"{ns}/{v}") for v in bare]


def _pods(args: argparse.Namespace, dest: str) -> list[str]:
    names = dict(qualified_pods(args))
    return [names.get(v, v) for v in _list(args, dest)]


def flow_query(args: argparse.Namespace, now_ns: int | None = None) -> FlowQuery:
    """The filter flags (`--pod`, `--from-pod`, `--to-pod`, `-n`, `-l`, `--verdict`, `--port`, `--from-port`,
    `--to-port`, `--ip`, `--from-ip`, `--to-ip`, `--protocol`, `--since`, `--until`) as Hubble would apply them.
    Raises FilterError naming the bad flag."""
    query = FlowQuery.from_flags(
        pods=_pods(args, "pod"),
        from_pods=_pods(args, "from_pod"),
        to_pods=_pods(args, "to_pod"),
        namespaces=_list(args, "namespace"),
        labels=_list(args, "label"),
        verdicts=_list(args, "verdict"),
        ports=_list(args, "filter_port"),
        from_ports=_list(args, "from_port"),
        to_ports=_list(args, "to_port"),
        ips=_list(args, "ip"),
        from_ips=_list(args, "from_ip"),
        to_ips=_list(args, "to_ip"),
        protocols=_list(args, "protocol"),
        since=_opt(args, "since"),
        now_ns=now_ns,
    )
    until = _opt(args, "until")
    if until:
        query = replace(query, until_ns=parse_since(until, now_ns, "--until"))
    return query


def _quote(value: str) -> str:
    return f'"{value}"' if any(c.isspace() for c in value) else value


_WORDS: Sequence[tuple[str, str]] = (
    ("pod", "pod"),
    ("from_pod", "from-pod"),
    ("to_pod", "to-pod"),
    ("namespace", "ns"),
    ("label", "label"),
    ("verdict", "verdict"),
    ("filter_port", "port"),
    ("from_port", "from-port"),
    ("to_port", "to-port"),
    ("ip", "ip"),
    ("from_ip", "from-ip"),
    ("to_ip", "to-ip"),
    ("protocol", "proto"),
)

_POD_DESTS = ("pod", "from_pod", "to_pod")


def filter_words(args: argparse.Namespace) -> str:
    """The filter flags as `/` filter words, so the TUI user sees and edits them in one place."""
    words = [
        f"{key}:{_quote(v)}"
        for dest, key in _WORDS
        for v in (_pods(args, dest) if dest in _POD_DESTS else _list(args, dest))
    ]
    since = _opt(args, "since")
    if since:
        words.append(f"since:{since}")
    return " ".join(words)


def hubble_config(args: argparse.Namespace, **fields: Any) -> HubbleConfig:
    """The Hubble flags; `fields` (query, follow, last, server ...) are what the command decides."""
    from netpol_tui.sources.hubble.client import HubbleConfig

    values: dict[str, Any] = {
        "server": getattr(args, "server", None) or os.environ.get("HUBBLE_SERVER") or DEFAULT_SERVER,
        "tls": bool(getattr(args, "tls", False)),
        "tls_ca_cert_files": tuple(_list(args, "tls_ca_cert_files")),
        "tls_client_cert_file": _opt(args, "tls_client_cert_file"),
        "tls_client_key_file": _opt(args, "tls_client_key_file"),
        "tls_server_name": _opt(args, "tls_server_name"),
        "tls_allow_insecure": bool(getattr(args, "tls_allow_insecure", False)),
        "timeout": float(getattr(args, "timeout", 5.0) or 5.0),
    }
    values.update(fields)
    return HubbleConfig(**values)


def cluster_config(args: argparse.Namespace) -> ClusterConfig:
    return ClusterConfig(
        path=_opt(args, "cluster"),
        kubeconfig=_opt(args, "kubeconfig"),
        context=_opt(args, "context"),
        namespace=_opt(args, "kube_namespace"),
    )


def tui_options(args: argparse.Namespace, **fields: Any) -> TuiOptions:
    """`--buffer` and the filter flags as words; `fields` are what the command decides (demo, replay)."""
    values: dict[str, Any] = {"words": filter_words(args)}
    buffer = getattr(args, "buffer", None)
    if buffer is not None:
        values["buffer"] = int(buffer)
    staged = getattr(args, "staged", None)
    if staged:
        # the loader of `diff --with`: CliError when unusable, its problems said on stderr
        from netpol_tui.cli.commands.diff import _load_staged

        values["staged"] = _load_staged(str(staged))
        values["staged_label"] = f"--with {staged}"
    values.update(fields)
    return TuiOptions(**values)


def relay(args: argparse.Namespace, cluster: ClusterConfig) -> tuple[str, PortForwarder | None]:
    """`--server` as given, or with `-P` a running port-forward's local address (the caller stops it).
    Raises KubeError (one line) when the port-forward cannot start."""
    server = getattr(args, "server", None) or os.environ.get("HUBBLE_SERVER") or DEFAULT_SERVER
    if not getattr(args, "port_forward", False):
        return server, None
    from netpol_tui.sources.kube.portforward import start_port_forward

    fwd = start_port_forward(
        cluster.kubeconfig, cluster.context, int(getattr(args, "port_forward_port", 0) or 0)
    )
    return fwd.address, fwd


__all__ = [
    "cluster_config",
    "filter_words",
    "flow_query",
    "hubble_config",
    "pod_namespace",
    "qualified_pods",
    "relay",
    "tui_options",
]
