"""`explain --follow --json` on the live cluster: the policy changes seen while following, and the `changed` object.

`watch_for_changes(args, snapshot)` starts a kube watch (sources/watched_cluster.py) when explain follows live
flows against the live cluster (no `--cluster`, no `--flows`) with `--json`; otherwise None. Each flow is then
explained against the latest snapshot, and `with_changed(line, attribution)` adds to its JSON line the `changed`
object: the policy change (latest relevant one, core/history.py) that made the flow's verdict what it is now.

    "changed": {"namespace": "shop", "name": "api-ingress", "kind": "NetworkPolicy", "change": "modified",
                "time": "2026-11-29T12:00:03.000Z", "resource_version": "4711", "before": true, "side": "ingress"}

`before` is the verdict under the state just before that change; `side` the end whose own verdict differs.
"""

from __future__ import annotations

import argparse
import json

from netpol_tui.cli.config import cluster_config
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.history import Attribution
from netpol_tui.sources.watched_cluster import WatchedCluster

__all__ = ["watch_for_changes", "with_changed"]


def watch_for_changes(args: argparse.Namespace, snapshot: ClusterSnapshot) -> WatchedCluster | None:
    if getattr(args, "flows", None) or not getattr(args, "follow", False) or not getattr(args, "json", False):
        return None
    config = cluster_config(args)
    if config.from_files:
        return None
    return WatchedCluster.for_config(config, initial=snapshot).start()


def with_changed(line: str, attribution: Attribution | None) -> str:
    """The JSON line (one object) with a `changed` key when the flow's verdict is due to a recorded change."""
    if attribution is None:
        return line
    obj = json.loads(line)
    obj["changed"] = attribution.to_json()
    return json.dumps(obj, ensure_ascii=False)
