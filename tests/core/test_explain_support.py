"""Helpers shared by the explain/suggest/aggregate tests (no tests here).

Clusters are built from plain dicts through the one parser (`parse_objects`), as every source does; flows are
either `core.Flow` objects built from snapshot pods, or the demo's jsonpb dicts through `convert_json`.
"""

from __future__ import annotations

import random
from functools import cache

import yaml

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.manifests import parse_network_policy, parse_objects
from netpol_tui.core.model import Endpoint, EndpointKind, Flow, PolicyRef, Workload
from netpol_tui.demo import scenario as demo_scenario
from netpol_tui.sources.flows import convert_json

T0 = 1_764_151_200_000_000_000  # 2025-11-26T10:00:00Z


# ---------------------------------------------------------------------------------------------------------------
# Kubernetes objects as dicts
# ---------------------------------------------------------------------------------------------------------------
def ns(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name, **labels}},
    }


def pod(
    namespace: str,
    name: str,
    ip: str,
    labels: dict | None = None,
    ports: list[tuple[int, str, str]] = (),
    host_network: bool = False,
) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels or {})},
        "spec": {
            "hostNetwork": host_network,
            "containers": [
                {
                    "name": "main",
                    "ports": [{"containerPort": p, "name": n, "protocol": proto} for p, n, proto in ports],
                }
            ],
        },
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


def np(namespace: str, name: str, spec: dict) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def snapshot(docs: list[dict], **kwargs) -> ClusterSnapshot:
    parsed = parse_objects(docs)
    assert not parsed.problems, parsed.problems
    return ClusterSnapshot.from_parse(parsed, **kwargs)


def parse_fix_yaml(text: str):
    """The fix's YAML text, re-read by a real YAML parser and then by our one parser: proves the YAML itself."""
    doc = yaml.safe_load(text)
    assert isinstance(doc, dict)
    assert doc["apiVersion"] == "networking.k8s.io/v1" and doc["kind"] == "NetworkPolicy"
    return parse_network_policy(doc)


# ---------------------------------------------------------------------------------------------------------------
# Flows
# ---------------------------------------------------------------------------------------------------------------
def endpoint(snap: ClusterSnapshot, who: str, *, with_name: bool = True) -> Endpoint:
    """`ns/pod` of the snapshot (labels, IP, workload as Hubble would report them), or an external IP."""
    if "/" not in who:
        return Endpoint(ip=who, kind=EndpointKind.WORLD, identity=2, other_labels=("reserved:world",))
    p = snap.pods[who]
    space = snap.namespace(p.namespace)
    return Endpoint(
        ip=p.ip or "",
        kind=EndpointKind.POD,
        identity=12345,
        namespace=p.namespace,
        pod_name=p.name if with_name else "",
        labels={k: v for k, v in p.labels.items() if k != "pod-template-hash"},
        namespace_labels=dict(space.labels) if space else {},
        workload=p.workload or Workload("Deployment", p.name.rsplit("-", 2)[0]),
    )


def drop(
    snap: ClusterSnapshot,
    src: str,
    dst: str,
    port: int,
    protocol: str = "TCP",
    *,
    verdict: str = "DROPPED",
    reason: str = "POLICY_DENIED",
    direction: str = "INGRESS",
    time_ns: int = T0,
    source_port: int = 40000,
    **kwargs,
) -> Flow:
    codes = {"POLICY_DENIED": 133, "POLICY_DENY": 181, "AUTH_REQUIRED": 189, "SERVICE_BACKEND_NOT_FOUND": 158}
    source = kwargs.pop("source", None) or endpoint(snap, src)
    destination = kwargs.pop("destination", None) or endpoint(snap, dst)
    return Flow(
        time_ns=time_ns,
        verdict=verdict,
        drop_reason=reason if verdict == "DROPPED" else "",
        drop_reason_code=codes.get(reason, 0) if verdict == "DROPPED" else 0,
        traffic_direction=direction,
        event_type=1 if verdict == "DROPPED" else 4,
        protocol=protocol,
        source_port=source_port,
        destination_port=port,
        source=source,
        destination=destination,
        flow_type="L3_L4",
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------------------------
# The demo scenario (netpol_tui/demo_scenario.py)
# ---------------------------------------------------------------------------------------------------------------
@cache
def demo_snapshot() -> ClusterSnapshot:
    return snapshot(demo_scenario.cluster_objects())


def demo_entry(src: str, dst: str, port: int) -> tuple:
    for entry in demo_scenario.TRAFFIC:
        if entry[0].startswith(src) and entry[1].startswith(dst) and entry[2] == port:
            return entry
    raise KeyError((src, dst, port))


def demo_jsonpb(entry: tuple, seq: int = 1, **flow_fields) -> dict:
    obj = demo_scenario.make_flow(entry, T0 + seq * 1_000_000, random.Random(seq), seq)
    obj["flow"].update(flow_fields)
    return obj


def demo_flow(src: str, dst: str, port: int, *, override: tuple | None = None, **flow_fields) -> Flow:
    """A demo TRAFFIC entry as Hubble prints it (jsonpb), converted as every capture is."""
    entry = demo_entry(src, dst, port)
    if override is not None:
        entry = (*entry[:4], *override, entry[7])
    flow = convert_json(demo_jsonpb(entry, **flow_fields))
    assert isinstance(flow, Flow)
    return flow


API = "shop/api-7f9b8c6d5-4jz8w"
API2 = "shop/api-7f9b8c6d5-m2n6t"
FRONTEND = "shop/frontend-6d4cf56db6-x7k2p"
WORKER = "shop/worker-5c7d9f8b4-h3k9l"
COREDNS = "kube-system/coredns-5d78c9869d-8fz2x"
PAYMENTS = "payments/payments-84d6b7c9f-t5r2e"
POSTGRES = "payments/postgres-0"
PROMETHEUS = "monitoring/prometheus-0"
NGINX = "ingress-nginx/ingress-nginx-controller-6b8d9c7f5-p2w4q"


def policy_ref(name: str, namespace: str, kind: str = "CiliumNetworkPolicy") -> PolicyRef:
    return PolicyRef(name=name, namespace=namespace, kind=kind)
