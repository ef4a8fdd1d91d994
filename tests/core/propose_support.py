"""Builders for the propose tests: pods with owners, flows between them, the proposal parsed back from its YAML."""

from __future__ import annotations

from typing import Any

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Endpoint, EndpointKind, Flow
from netpol_tui.core.policy import NetworkPolicy
from netpol_tui.core.propose import Proposal

DNS_IP = "10.0.9.10"


def ns(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(labels)}}


def pod(
    namespace: str,
    name: str,
    ip: str,
    labels: dict[str, str] | None = None,
    *,
    owner: tuple[str, str] | None = None,
    ports: list[tuple[int, str, str]] | tuple[tuple[int, str, str], ...] = (),
    host_network: bool = False,
    node: str = "",
    service_account: str = "",
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels or {})}
    if owner is not None:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            **({"nodeName": node} if node else {}),
            **({"serviceAccountName": service_account} if service_account else {}),
            "hostNetwork": host_network,
            "containers": [
                {
                    "name": "main",
                    "ports": [{"containerPort": p, "name": n, "protocol": pr} for p, n, pr in ports],
                }
            ],
        },
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def deployment_pods(
    namespace: str, name: str, ips: list[str], labels: dict[str, str], **kw: Any
) -> list[dict[str, Any]]:
    """Pods of a Deployment: owned by its ReplicaSet `<name>-<hash>`, labelled with the template hash."""
    h = "7d9f8c6b5"
    return [
        pod(
            namespace,
            f"{name}-{h}-{i:05d}",
            ip,
            {**labels, "pod-template-hash": h},
            owner=("ReplicaSet", f"{name}-{h}"),
            **kw,
        )
        for i, ip in enumerate(ips)
    ]


def statefulset_pods(
    namespace: str, name: str, ips: list[str], labels: dict[str, str], **kw: Any
) -> list[dict[str, Any]]:
    return [
        pod(
            namespace,
            f"{name}-{i}",
            ip,
            {
                **labels,
                "controller-revision-hash": f"{name}-5b6c7d",
                "statefulset.kubernetes.io/pod-name": f"{name}-{i}",
                "apps.kubernetes.io/pod-index": str(i),
            },
            owner=("StatefulSet", name),
            **kw,
        )
        for i, ip in enumerate(ips)
    ]


def kube_dns() -> list[dict[str, Any]]:
    return [
        ns("kube-system"),
        *deployment_pods(
            "kube-system",
            "coredns",
            [DNS_IP],
            {"k8s-app": "kube-dns"},
            ports=[(53, "dns", "UDP"), (53, "dns-tcp", "TCP")],
        ),
    ]


def np(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def snapshot(docs: list[dict[str, Any]]) -> ClusterSnapshot:
    parsed = parse_objects(docs)
    assert not parsed.problems, parsed.problems
    return ClusterSnapshot.from_parse(parsed)


def endpoint(snap: ClusterSnapshot, who: str) -> Endpoint:
    """`ns/pod` of the snapshot (named, with its labels), or an external IP."""
    p = snap.pod(who)
    if p is None:
        return Endpoint(ip=who, kind=EndpointKind.WORLD)
    return Endpoint(
        ip=p.ip or "",
        kind=EndpointKind.POD,
        namespace=p.namespace,
        pod_name=p.name,
        labels=dict(p.labels),
        workload=p.workload,
    )


def flow(
    snap: ClusterSnapshot,
    src: str,
    dst: str,
    port: int,
    protocol: str = "TCP",
    *,
    verdict: str = "FORWARDED",
    is_reply: bool | None = False,
    source: Endpoint | None = None,
    destination: Endpoint | None = None,
    names: tuple[str, ...] = (),
) -> Flow:
    return Flow(
        verdict=verdict,
        is_reply=is_reply,
        protocol=protocol,
        source_port=40000,
        destination_port=port,
        source=source or endpoint(snap, src),
        destination=destination or endpoint(snap, dst),
        traffic_direction="EGRESS",
        destination_names=names,
    )


def parsed_back(proposal: Proposal) -> list[NetworkPolicy]:
    """The proposal as `kubectl apply -f -` would read it: its YAML text, then our parser."""
    docs = [d for d in yaml.safe_load_all(proposal.yaml()) if d is not None]
    assert len(docs) == len(proposal.policies)
    parsed = parse_objects(docs)
    assert not parsed.problems, parsed.problems
    return parsed.policies


def selectors_in(doc: Any) -> list[dict[str, Any]]:
    """Every podSelector / namespaceSelector dict anywhere in a manifest."""
    out: list[dict[str, Any]] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k in ("podSelector", "namespaceSelector") and isinstance(v, dict):
                out.append(v)
            out.extend(selectors_in(v))
    elif isinstance(doc, list):
        for v in doc:
            out.extend(selectors_in(v))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Cilium
# ---------------------------------------------------------------------------------------------------------------
def cnp(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def ccnp(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def cilium_config(**data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cilium-config", "namespace": "kube-system"},
        "data": {k.replace("_", "-"): v for k, v in data.items()},
    }


def node(name: str, ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
    }


def endpoints(namespace: str, name: str, ips: list[str], port: int = 6443) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": namespace},
        "subsets": [{"addresses": [{"ip": ip} for ip in ips], "ports": [{"port": port, "protocol": "TCP"}]}],
    }


def cilium_docs(proposal: Proposal) -> list[dict[str, Any]]:
    """The proposal's YAML text read back (yaml.safe_load_all), one document per policy."""
    docs = [d for d in yaml.safe_load_all(proposal.yaml()) if d is not None]
    assert len(docs) == len(proposal.policies)
    return docs


def with_cilium_docs(snap: ClusterSnapshot, docs: list[dict[str, Any]]) -> ClusterSnapshot:
    """The snapshot plus these Cilium policies, parsed by the project's Cilium parser (no problem allowed)."""
    from netpol_tui.core.cilium.objects import CiliumObjects, collect

    added = collect(docs)
    assert not added.problems, added.problems
    assert len(added.policies) == len(docs)
    base = snap.cilium or CiliumObjects()
    objs = CiliumObjects(
        policies=[*base.policies, *added.policies],
        groups=list(base.groups),
        nodes=list(base.nodes),
        services=list(base.services),
        endpoints=list(base.endpoints),
        config=base.config,
    )
    return snap.with_changes(cilium=objs)
