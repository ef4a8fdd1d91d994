"""`netpol-tui snapshot DIR`: save the cluster's Namespaces, Pods and policies as YAML for `--cluster DIR`.

From the live kube API (kubeconfig / --context / --kube-namespace), or from `--cluster PATH` (normalising files).
What could not be read (RBAC) is said on stderr, one line each; the snapshot still holds what was visible, and
DIR/coverage.yaml records what was refused, so that `--cluster DIR` treats it as unknown exactly as live.
"""

from __future__ import annotations

import argparse
import sys
import time

from netpol_tui.cli import cluster_state
from netpol_tui.cli import wording as words
from netpol_tui.cli.config import cluster_config
from netpol_tui.cli.errors import CliError
from netpol_tui.core import wording
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.sources.kube import errors as kube_text
from netpol_tui.sources.snapshot_io import objects_from_snapshot, write_coverage, write_snapshot


def _warn(text: str) -> None:
    if text:
        print(f"netpol-tui: warning: {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    directory = str(args.dir)
    cluster = cluster_config(args)
    if cluster.path:
        snap: ClusterSnapshot = cluster_state.load(args)  # ClusterUnusable: one line, exit 2
        objects = objects_from_snapshot(snap)
        origin = words.label_files(cluster.path)
    else:
        from netpol_tui.sources.kube import KubeSource

        source = KubeSource(cluster.kubeconfig, cluster.context, cluster.namespace)
        try:
            snap = source.list_once()
            objects = source.raw_objects()
        finally:
            source.close()
        for note in source.notes:  # resources this server does not serve (no Cilium CRDs): skipped
            print(f"netpol-tui: {note}", file=sys.stderr)
        origin = words.label_context(source.conn.context) if source.conn.context else words.LABEL_IN_CLUSTER
        origin = words.label_with_server(origin, source.conn.server)
    for problem in snap.problems:
        _warn(wording.problem_text(problem))
    _warn(kube_text.not_evaluated(snap.coverage.not_evaluated))
    if snap.coverage.namespace_scope:
        _warn(kube_text.namespace_scope(snap.coverage.namespace_scope))
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(snap.taken_at or time.time()))
    header = f"netpol-tui snapshot of {origin} at {stamp}\nload it with: netpol-tui --cluster {directory}"
    try:
        counts = write_snapshot(directory, objects, header)
        write_coverage(directory, snap)  # what could not be read stays unknown when loaded back
    except OSError as exc:
        raise CliError(words.snapshot_cannot_write(directory, exc.strerror or str(exc))) from None
    others = counts.get("ciliumnetworkpolicies", 0) + counts.get("ciliumclusterwidenetworkpolicies", 0)
    print(
        words.snapshot_written(
            directory,
            counts.get("namespaces", 0),
            counts.get("pods", 0),
            counts.get("networkpolicies", 0),
            others,
        )
    )
    return 0
