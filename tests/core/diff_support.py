"""Builders for the diff and history tests: namespaces x, y, z with pods a, b, c (the Kubernetes e2e layout),
flows between them, and the brute-force oracle that re-judges every connection under both states."""

from __future__ import annotations

import copy
from typing import Any

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import (
    ConnectionChange,
    ObservedConnection,
    PolicyId,
    Side,
    evaluate,
    policy_changes,
    policy_id,
)
from netpol_tui.core.explain import subject_for_endpoint
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Endpoint, EndpointKind, Flow

Doc = dict[str, Any]

# ---------------------------------------------------------------------------------------------------------------
# Builders: namespaces x, y, z with pods a, b, c (the Kubernetes e2e layout), ports 80 and 81
# ---------------------------------------------------------------------------------------------------------------
NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")


def _ip(ns: str, pod: str) -> str:
    return f"10.0.{NAMESPACES.index(ns) + 1}.{PODS.index(pod) + 1}"


def base_docs() -> list[Doc]:
    docs: list[Doc] = []
    for ns in NAMESPACES:
        docs.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": {"ns": ns}}})
        for pod in PODS:
            docs.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": pod, "namespace": ns, "labels": {"pod": pod}},
                    "spec": {
                        "containers": [
                            {
                                "name": "c",
                                "ports": [
                                    {"name": "serve-80", "containerPort": 80},
                                    {"name": "serve-81", "containerPort": 81},
                                ],
                            }
                        ]
                    },
                    "status": {"phase": "Running", "podIP": _ip(ns, pod)},
                }
            )
    return docs


def netpol(ns: str, name: str, spec: Doc, **meta: Any) -> Doc:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": spec,
    }


def snap(*policies: Doc, docs: list[Doc] | None = None) -> ClusterSnapshot:
    all_docs = copy.deepcopy([*(docs if docs is not None else base_docs()), *policies])
    if any(str(d.get("apiVersion", "")).startswith("cilium.io/") for d in all_docs):
        return cilium_snap(all_docs)
    parsed = parse_objects(all_docs)
    assert parsed.problems == [], parsed.problems
    return ClusterSnapshot.from_parse(parsed)


def cilium_snap(docs: list[Doc]) -> ClusterSnapshot:
    """A snapshot holding Cilium objects, judged by the Cilium evaluator."""
    from netpol_tui.core.cilium.objects import CiliumObjects
    from netpol_tui.core.evaluate_cilium import CiliumEvaluator

    parsed = parse_objects(copy.deepcopy(docs))
    snapshot = ClusterSnapshot.from_parse(parsed)
    if isinstance(snapshot.evaluator, CiliumEvaluator):  # the snapshot carries its Cilium objects itself
        assert parsed.problems == [], parsed.problems
        return snapshot
    # until the snapshot carries them: the Cilium objects parsed apart, the evaluator built on them
    objs = CiliumObjects()
    k8s = [d for d in copy.deepcopy(docs) if not objs.parse(d)]
    assert objs.problems == [], objs.problems
    parsed = parse_objects(k8s)
    assert parsed.problems == [], parsed.problems
    snapshot = ClusterSnapshot.from_parse(parsed)
    snapshot._evaluator = CiliumEvaluator(snapshot, objs)
    return snapshot


def cnp(ns: str, name: str, spec: Doc, **meta: Any) -> Doc:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": ns, **meta},
        "spec": spec,
    }


def ccnp(name: str, spec: Doc, **meta: Any) -> Doc:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": {"name": name, **meta},
        "spec": spec,
    }


def ep(key: str) -> Endpoint:
    if "/" not in key:
        return Endpoint(ip=key, kind=EndpointKind.WORLD)
    ns, pod = key.split("/")
    return Endpoint(ip=_ip(ns, pod), kind=EndpointKind.POD, namespace=ns, pod_name=pod, labels={"pod": pod})


def flow(src: str, dst: str, port: int = 80, protocol: str = "TCP", *, reply: bool | None = None) -> Flow:
    verdict = "FORWARDED"
    s, d = ep(src), ep(dst)
    if reply:
        s, d = d, s
    return Flow(
        verdict=verdict,
        source=s,
        destination=d,
        source_port=port if reply else 40000,
        destination_port=40000 if reply else port,
        protocol=protocol,
        is_reply=reply,
    )


def all_pairs(port: int = 80, protocol: str = "TCP") -> list[Flow]:
    keys = [f"{ns}/{p}" for ns in NAMESPACES for p in PODS]
    return [flow(s, d, port, protocol) for s in keys for d in keys if s != d]


def summary(
    result_changes: tuple[ConnectionChange, ...],
) -> set[tuple[str, str, bool, bool, str, tuple[str, ...]]]:
    return {
        (
            c.connection.source,
            c.connection.destination,
            c.before,
            c.after,
            str(c.side),
            tuple(f"{p.change}:{p.policy.namespace}/{p.policy.name}" for p in c.changed_by),
        )
        for c in result_changes
    }


DENY_INGRESS = {"podSelector": {"matchLabels": {"pod": "a"}}, "policyTypes": ["Ingress"]}
ALLOW_80_FROM_B = {
    "podSelector": {"matchLabels": {"pod": "a"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"pod": "b"}}}], "ports": [{"port": 80}]}],
}


# ---------------------------------------------------------------------------------------------------------------
# The oracle: every connection re-judged under both states with the evaluator
# ---------------------------------------------------------------------------------------------------------------
def brute_force(
    observed: list[ObservedConnection], before: ClusterSnapshot, after: ClusterSnapshot
) -> tuple[ConnectionChange, ...]:
    changes = {c.policy: c for c in policy_changes(before, after)}
    out = []
    for oc in observed:
        c = oc.connection
        vb = evaluate(
            before.evaluator,
            subject_for_endpoint(oc.source, before),
            subject_for_endpoint(oc.destination, before),
            c.port,
            c.protocol,
            oc.names,
        )
        va = evaluate(
            after.evaluator,
            subject_for_endpoint(oc.source, after),
            subject_for_endpoint(oc.destination, after),
            c.port,
            c.protocol,
            oc.names,
        )
        if vb.allowed == va.allowed:
            continue
        sides = [
            (side_b, side_a)
            for side_b, side_a in ((vb.egress, va.egress), (vb.ingress, va.ingress))
            if side_b.allowed != side_a.allowed
        ]
        ids: set[PolicyId] = set()
        for side_b, side_a in sides:
            for side in (side_b, side_a):
                cilium = getattr(side, "cilium", None)  # the CNP/CCNP part of a side judged with Cilium
                pols = [pr.policy for pr in side.policies] + [
                    ps.policy for ps in getattr(cilium, "policies", ())
                ]
                for pol in pols:
                    pid = policy_id(pol)
                    if pid in changes:
                        ids.add(pid)
        side = Side.BOTH if len(sides) == 2 else Side(str(sides[0][0].direction).lower())
        out.append(
            ConnectionChange(
                c, oc.flows, vb.allowed, va.allowed, side, tuple(changes[p] for p in sorted(ids))
            )
        )
    return tuple(out)
