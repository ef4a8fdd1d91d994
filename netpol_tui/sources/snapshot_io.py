"""Write a cluster snapshot as YAML files that `--cluster DIR` loads back unchanged.

One file per resource (`namespaces.yaml`, `pods.yaml`, `networkpolicies.yaml`, and the Cilium policy kinds when
there are any), each a `kind: List` whose items carry their own kind/apiVersion, as `kubectl get -o yaml` prints.
From the live source the slimmed raw objects are written (sources/kube.py `slim`); from files (`--cluster`) the
parsed model is written back in manifest form.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.model import Namespace, Origin, Pod
from netpol_tui.core.problems import KubeForbidden, Problem

try:
    _Dumper: Any = yaml.CSafeDumper
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Dumper = yaml.SafeDumper
    _Loader = yaml.SafeLoader

FILES = {
    "namespaces": "namespaces.yaml",
    "pods": "pods.yaml",
    "networkpolicies": "networkpolicies.yaml",
    "ciliumnetworkpolicies": "ciliumnetworkpolicies.yaml",
    "ciliumclusterwidenetworkpolicies": "ciliumclusterwidenetworkpolicies.yaml",
    "ciliumcidrgroups": "ciliumcidrgroups.yaml",
    "nodes": "nodes.yaml",
    "services": "services.yaml",
    "endpoints": "endpoints.yaml",
    "ciliumconfig": "ciliumconfig.yaml",  # the ConfigMap kube-system/cilium-config
}
CORE_FILES = ("namespaces", "pods", "networkpolicies")  # always written: an empty List says "there were none"


def write_snapshot(
    directory: str | os.PathLike[str], objects: Mapping[str, list[dict[str, Any]]], header: str = ""
) -> dict[str, int]:
    """Write each resource's objects to DIR/<resource>.yaml; returns the count per resource written.

    Namespaces, Pods and NetworkPolicies are always written (an empty List says "there were none"); the Cilium
    kinds, Nodes, Services, Endpoints and cilium-config only when present.
    Raises OSError when the directory cannot be created or a file cannot be written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for plural, filename in FILES.items():
        items = list(objects.get(plural) or [])
        if not items and plural not in CORE_FILES:
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


# What the snapshot could not read, for `--cluster DIR` to treat as unknown exactly as the live source does. An
# empty `List` (which the manifest loader reads as nothing) whose annotations hold the record, so the directory
# still loads with any tool that reads Kubernetes YAML.
COVERAGE_FILE = "coverage.yaml"
FORBIDDEN_ANNOTATION = "netpol-tui.io/forbidden"  # JSON: [{"verb", "resource", "group", "namespace"}, ...]
SCOPE_ANNOTATION = "netpol-tui.io/namespace-scope"  # the one namespace watched, when only one was


@dataclass(frozen=True, slots=True)
class RecordedCoverage:
    """What a snapshot directory says it could not read: `forbidden` resources (plural names), one
    `kube_forbidden` problem each (the live source's sentence), and the namespace scope."""

    forbidden: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    namespace_scope: str = ""


def write_coverage(directory: str | os.PathLike[str], snap: ClusterSnapshot) -> bool:
    """Write DIR/coverage.yaml when `snap` could not read everything (RBAC refusals, one namespace only); remove
    a previous snapshot's file otherwise. True when written."""
    path = Path(directory) / COVERAGE_FILE
    refused = []
    for problem in snap.problems:
        if isinstance(problem, KubeForbidden):
            refused.append(
                {
                    "verb": problem.verb,
                    "resource": problem.resource,
                    "group": problem.group,
                    "namespace": problem.namespace,
                }
            )
    named = {r["resource"] for r in refused}
    refused += [
        {"verb": "list", "resource": r, "group": "", "namespace": ""}
        for r in snap.coverage.forbidden
        if r not in named
    ]
    if not refused and not snap.coverage.namespace_scope:
        if path.exists():
            path.unlink()
        return False
    annotations = {}
    if refused:
        annotations[FORBIDDEN_ANNOTATION] = json.dumps(refused, sort_keys=True)
    if snap.coverage.namespace_scope:
        annotations[SCOPE_ANNOTATION] = snap.coverage.namespace_scope
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"annotations": annotations}, "items": []}
    text = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True)
    tmp = path.with_name(COVERAGE_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("# netpol-tui: what this snapshot could not read; --cluster DIR treats it as unknown\n")
        f.write(text)
    os.replace(tmp, path)
    return True


def read_coverage(directory: str | os.PathLike[str]) -> RecordedCoverage | None:
    """DIR/coverage.yaml as written by `write_coverage`, or None when there is none (or it is not ours)."""
    path = Path(directory) / COVERAGE_FILE
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    meta = doc.get("metadata") if isinstance(doc, dict) else None
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    if not isinstance(annotations, dict):
        return None
    try:
        refused = json.loads(str(annotations.get(FORBIDDEN_ANNOTATION) or "[]"))
    except ValueError:
        refused = []
    forbidden: list[str] = []
    problems: list[Problem] = []
    for entry in refused if isinstance(refused, list) else []:
        if not isinstance(entry, dict) or not entry.get("resource"):
            continue
        resource = str(entry["resource"])
        if resource not in forbidden:
            forbidden.append(resource)
        problems.append(
            KubeForbidden(
                Origin(str(path)),
                obj=resource,
                verb=str(entry.get("verb") or "list"),
                resource=resource,
                group=str(entry.get("group") or ""),
                namespace=str(entry.get("namespace") or ""),
            )
        )
    scope = annotations.get(SCOPE_ANNOTATION)
    return RecordedCoverage(tuple(forbidden), tuple(problems), scope if isinstance(scope, str) else "")


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
    if pod.service_account:
        spec["serviceAccountName"] = pod.service_account
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
    out = {
        "namespaces": [namespace_manifest(snap.namespaces[k]) for k in sorted(snap.namespaces)],
        "pods": [pod_manifest(snap.pods[k]) for k in sorted(snap.pods)],
        "networkpolicies": policies,
    }
    cilium = getattr(snap, "cilium", None)  # the Cilium objects, once the core's snapshot carries them
    if isinstance(cilium, CiliumObjects):
        out.update(cilium_manifests(cilium))
    return out


def cilium_manifests(objs: CiliumObjects) -> dict[str, list[dict[str, Any]]]:
    """The Cilium policies (as read), CIDR groups, Nodes, Services, Endpoints and cilium-config in manifest form,
    by snapshot file (`FILES`): what `--cluster DIR` needs to judge them again."""
    ctx = objs.context()  # one object per kind/namespace/name, the later one winning as in the API
    out: dict[str, list[dict[str, Any]]] = {}
    for pol in sorted(ctx.policies, key=lambda p: (p.kind, p.namespace, p.name)):
        raw = dict(pol.raw)
        raw.setdefault("apiVersion", "cilium.io/v2")
        raw.setdefault("kind", str(pol.kind))
        plural = "ciliumnetworkpolicies" if pol.namespace else "ciliumclusterwidenetworkpolicies"
        out.setdefault(plural, []).append(raw)
    for g in sorted(ctx.groups, key=lambda g: g.name):
        out.setdefault("ciliumcidrgroups", []).append(
            {
                "apiVersion": g.api_version or "cilium.io/v2",
                "kind": "CiliumCIDRGroup",
                "metadata": {"name": g.name, **({"labels": dict(g.labels)} if g.labels else {})},
                "spec": {"externalCIDRs": [text for text, _ in g.cidrs]},
            }
        )
    for n in sorted(ctx.nodes, key=lambda n: n.name):
        out.setdefault("nodes", []).append(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": n.name, **({"labels": dict(n.labels)} if n.labels else {})},
                "status": {"addresses": [{"type": "InternalIP", "address": a} for a in n.addresses]},
            }
        )
    for svc in sorted(ctx.services, key=lambda s: s.key):
        spec: dict[str, Any] = {
            "ports": [
                {
                    "port": p.port,
                    "protocol": p.protocol,
                    **({"name": p.name} if p.name else {}),
                    **({"targetPort": p.target_port} if p.target_port is not None else {}),
                }
                for p in svc.ports
            ]
        }
        if svc.selector is not None:
            spec["selector"] = dict(svc.selector)
        if svc.cluster_ips:
            spec["clusterIP"] = svc.cluster_ips[0]
            spec["clusterIPs"] = list(svc.cluster_ips)
        meta: dict[str, Any] = {"name": svc.name, "namespace": svc.namespace}
        if svc.labels:
            meta["labels"] = dict(svc.labels)
        out.setdefault("services", []).append(
            {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
        )
    for ep in sorted(ctx.endpoints, key=lambda e: e.key):
        out.setdefault("endpoints", []).append(
            {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": ep.name, "namespace": ep.namespace},
                "subsets": [{"addresses": [{"ip": a} for a in ep.addresses]}] if ep.addresses else [],
            }
        )
    if objs.config is not None:
        out["ciliumconfig"] = [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cilium-config", "namespace": "kube-system"},
                "data": dict(objs.config.data),
            }
        ]
    return out
