"""Write a cluster snapshot as YAML files that `--cluster DIR` loads back unchanged.

One file per resource (`namespaces.yaml`, `pods.yaml`, `networkpolicies.yaml`, and the Cilium policy kinds when
there are any), each a `kind: List` whose items carry their own kind/apiVersion, as `kubectl get -o yaml` prints.
From the live source the slimmed raw objects are written (sources/kube.py `slim`); from files (`--cluster`) the
parsed model is written back in manifest form.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.model import Namespace, Pod

try:
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Dumper = yaml.SafeDumper

FILES = {
    "namespaces": "namespaces.yaml",
    "pods": "pods.yaml",
    "networkpolicies": "networkpolicies.yaml",
    "ciliumnetworkpolicies": "ciliumnetworkpolicies.yaml",
    "ciliumclusterwidenetworkpolicies": "ciliumclusterwidenetworkpolicies.yaml",
}


def write_snapshot(
    directory: str | os.PathLike[str], objects: Mapping[str, list[dict[str, Any]]], header: str = ""
) -> dict[str, int]:
    """Write each resource's objects to DIR/<resource>.yaml; returns the count per resource written.

    Core resources are always written (an empty List says "there were none"); Cilium kinds only when present.
    Raises OSError when the directory cannot be created or a file cannot be written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for plural, filename in FILES.items():
        items = list(objects.get(plural) or [])
        if not items and plural.startswith("cilium"):
            path = out / filename
            if path.exists():  # a previous snapshot's file would bring back policies that are gone
                path.unlink()
            continue
        doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}
        text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
        tmp = out / (filename + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            if header:
                f.write("".join(f"# {line}\n" for line in header.splitlines()))
            f.write(text)
        os.replace(tmp, out / filename)
        counts[plural] = len(items)
    return counts


def namespace_manifest(ns: Namespace) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": dict(ns.labels)}}


def pod_manifest(pod: Pod) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": pod.name, "namespace": pod.namespace}
    if pod.labels:
        meta["labels"] = dict(pod.labels)
    if pod.workload is not None:
        meta["ownerReferences"] = [{"kind": pod.workload.kind, "name": pod.workload.name, "controller": True}]
    ports = [
        {"containerPort": p.port, "protocol": p.protocol, **({"name": p.name} if p.name else {})}
        for p in pod.ports
    ]
    spec: dict[str, Any] = {"containers": [{"name": "main", **({"ports": ports} if ports else {})}]}
    if pod.node_name:
        spec["nodeName"] = pod.node_name
    if pod.host_network:
        spec["hostNetwork"] = True
    status: dict[str, Any] = {}
    if pod.phase:
        status["phase"] = pod.phase
    if pod.ips:
        status["podIP"] = pod.ips[0]
        status["podIPs"] = [{"ip": ip} for ip in pod.ips]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def objects_from_snapshot(snap: ClusterSnapshot) -> dict[str, list[dict[str, Any]]]:
    """Manifests for a snapshot that came from files (the model back in Kubernetes form; policies as read)."""
    policies = []
    for pol in sorted(snap.policies, key=lambda p: (p.namespace, p.name)):
        raw = dict(pol.raw)
        raw.setdefault("apiVersion", "networking.k8s.io/v1")
        raw.setdefault("kind", "NetworkPolicy")
        policies.append(raw)
    return {
        "namespaces": [namespace_manifest(snap.namespaces[k]) for k in sorted(snap.namespaces)],
        "pods": [pod_manifest(snap.pods[k]) for k in sorted(snap.pods)],
        "networkpolicies": policies,
    }
