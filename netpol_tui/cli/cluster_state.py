"""Cluster state for the headless commands: loaded once, with what the user must know said on stderr.

`load(args)` -> the snapshot (files or the kube API). A `--cluster` path that cannot be used raises
ClusterUnusable (cli.main: one line naming the path, exit 2); one that holds no objects is a warning.
`unread_dependencies(snapshot, verdict)` names the resources we could not read (403) that a verdict depends on:
`trace` then answers "unknown" (exit 2) instead of a verdict that may be false.
"""

from __future__ import annotations

import argparse
import sys

from netpol_tui.cli.config import cluster_config
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.sources.cluster_loader import empty_text, is_empty, load_snapshot


def warn(text: str) -> None:
    print(f"netpol-tui: warning: {text}", file=sys.stderr)


def load(args: argparse.Namespace) -> ClusterSnapshot:
    config = cluster_config(args)
    snapshot = load_snapshot(config)
    if config.path and is_empty(snapshot):
        warn(empty_text(config.path))
    return snapshot


def unread_dependencies(snapshot: ClusterSnapshot, verdict: Verdict) -> tuple[str, ...]:
    """The forbidden resources this verdict depends on (empty when it depends on none).

    Pods unread: any address may be a pod we cannot see, so every verdict depends on them. Otherwise the
    policies and namespaces we could not read matter only when a side is enforced (an end is a known pod): no
    policy applies between two addresses that are not pods.
    """
    forbidden = snapshot.coverage.forbidden
    if not forbidden:
        return ()
    if "pods" in forbidden or verdict.egress.enforced or verdict.ingress.enforced:
        return tuple(forbidden)
    return ()


__all__ = ["load", "unread_dependencies", "warn"]
