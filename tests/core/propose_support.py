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
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": dict(labels or {})}
    if owner is not None:
        meta["ownerReferences"] = [{"kind": owner[0], "name": owner[1], "controller": True}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
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
