"""The CLI's own words: labels of the sources (TUI status bar, snapshot headers) and the `snapshot` command's lines."""

from __future__ import annotations

LABEL_KUBE_API = "kube API"
LABEL_IN_CLUSTER = "in-cluster config"
LABEL_DEMO_CLUSTER = "demo shop"


def snapshot_written(directory: str, namespaces: int, pods: int, policies: int, others: int = 0) -> str:
    extra = f", {others} Cilium policies" if others else ""
    return (
        f"wrote {namespaces} namespaces, {pods} pods, {policies} NetworkPolicies{extra} to {directory} "
        f"(use it with --cluster {directory})"
    )


def snapshot_cannot_write(directory: str, detail: str) -> str:
    return f"cannot write the snapshot to {directory}: {detail}"


def label_relay(server: str, port_forward: bool = False) -> str:
    return f"relay {server}" + (" (-P)" if port_forward else "")


def label_demo(address: str) -> str:
    return f"demo {address}"


def label_context(context: str) -> str:
    return f"context {context}"


def label_files(path: str) -> str:
    return f"files {path}"


def label_with_server(label: str, server: str) -> str:
    return f"{label} ({server})"
