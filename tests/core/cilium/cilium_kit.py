"""The cilium-cli connectivity-test world as data, and a matrix runner.

Cluster (cluster-name `c1`): nodes node1 (172.18.0.2) and node2 (172.18.0.3); namespace `cilium-test` with
`client` and `client2` (node1), `echo-same-node` (node1) and `echo-other-node` (node2), both serving 8080/TCP
named `http`; host-network pods `host-netns-1` / `host-netns-2` on each node; `kube-dns` in `kube-system` on
node2 (53 UDP/TCP). Outside: 1.1.1.1 and 1.0.0.1 (`one.one.one.one`), 203.0.113.10 (`api.example.com`, also
the address of the selector-less Service `cilium-test/external-api`), 203.0.113.11 (`a.b.example.com`),
192.0.2.1 (the kube-apiserver: `default/kubernetes` endpoints), world clients 198.51.100.7 and 198.51.100.8.

A matrix has one row per source and one column per probe. Cells: `.` allowed, `x` dropped by default deny (133),
`D` dropped by an explicit deny (181), `-` not probed (e.g. a world source to a world destination).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

NS = "cilium-test"


def _pod(
    name: str,
    ip: str,
    node: str,
    labels: dict[str, str],
    *,
    ns: str = NS,
    host: bool = False,
    ports: Sequence[tuple[int, str, str]] = (),
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels},
        "spec": {
            "nodeName": node,
            "hostNetwork": host,
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": p, "protocol": proto, "name": n} for p, proto, n in ports],
                }
            ],
        },
        "status": {"phase": "Running", "podIP": ip},
    }


def _node(name: str, ip: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
        "status": {
            "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]
        },
    }


ECHO_PORTS = ((8080, "TCP", "http"),)


def base_cluster(config: dict[str, str] | None = None) -> list[dict[str, Any]]:
    data = {"cluster-name": "c1"}
    data.update(config or {})
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "kube-system"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}},
        _node("node1", "172.18.0.2"),
        _node("node2", "172.18.0.3"),
        _pod(
            "client", "10.0.1.10", "node1", {"kind": "client", "name": "client", "pod-template-hash": "abc12"}
        ),
        _pod("client2", "10.0.1.11", "node1", {"kind": "client", "name": "client2", "other": "client"}),
        _pod(
            "echo-same-node",
            "10.0.1.20",
            "node1",
            {"kind": "echo", "name": "echo-same-node", "other": "echo"},
            ports=ECHO_PORTS,
        ),
        _pod(
            "echo-other-node",
            "10.0.2.20",
            "node2",
            {"kind": "echo", "name": "echo-other-node"},
            ports=ECHO_PORTS,
        ),
        _pod("host-netns-1", "172.18.0.2", "node1", {"kind": "host-netns"}, host=True),
        _pod("host-netns-2", "172.18.0.3", "node2", {"kind": "host-netns"}, host=True),
        _pod(
            "kube-dns",
            "10.0.2.53",
            "node2",
            {"k8s-app": "kube-dns"},
            ns="kube-system",
            ports=((53, "UDP", "dns"), (53, "TCP", "dns-tcp")),
        ),
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "echo-same-node", "namespace": NS, "labels": {"kind": "echo"}},
            "spec": {
                "selector": {"name": "echo-same-node"},
                "ports": [{"port": 8080, "targetPort": 8080}],
                "clusterIP": "10.96.0.20",
            },
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "external-api", "namespace": NS, "labels": {"kind": "external"}},
            "spec": {"ports": [{"port": 443}], "clusterIP": "10.96.0.30"},
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "external-api", "namespace": NS},
            "subsets": [{"addresses": [{"ip": "203.0.113.10"}], "ports": [{"port": 443}]}],
        },
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [{"addresses": [{"ip": "192.0.2.1"}], "ports": [{"port": 6443}]}],
        },
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cilium-config", "namespace": "kube-system"},
            "data": data,
        },
    ]


# ---------------------------------------------------------------------------------------------------------------
# Sources and probes
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class End:
    """A source or destination: a pod key, or an IP with the DNS names it was resolved from."""

    pod: str = ""
    ip: str = ""
    names: tuple[str, ...] = ()


SOURCES: dict[str, End] = {
    "client": End(pod=f"{NS}/client"),
    "client2": End(pod=f"{NS}/client2"),
    "hn1": End(pod=f"{NS}/host-netns-1"),
    "hn2": End(pod=f"{NS}/host-netns-2"),
    "w1": End(ip="198.51.100.7"),
    "w2": End(ip="198.51.100.8"),
}


@dataclass(frozen=True)
class Probe:
    dst: End
    port: int
    protocol: str


PROBES: dict[str, Probe] = {
    "es": Probe(End(pod=f"{NS}/echo-same-node"), 8080, "TCP"),
    "eo": Probe(End(pod=f"{NS}/echo-other-node"), 8080, "TCP"),
    "eu": Probe(End(pod=f"{NS}/echo-same-node"), 8080, "UDP"),
    "ep": Probe(End(pod=f"{NS}/echo-same-node"), 8, "ICMPv4"),
    "dns": Probe(End(pod="kube-system/kube-dns"), 53, "UDP"),
    "one": Probe(End(ip="1.1.1.1", names=("one.one.one.one",)), 443, "TCP"),
    "alt": Probe(End(ip="1.0.0.1", names=("one.one.one.one.",)), 80, "TCP"),
    "ext": Probe(End(ip="203.0.113.10", names=("api.example.com",)), 443, "TCP"),
    "deep": Probe(End(ip="203.0.113.11", names=("a.b.example.com",)), 443, "TCP"),
    "n2": Probe(End(ip="172.18.0.3"), 10250, "TCP"),
    "api": Probe(End(ip="192.0.2.1"), 6443, "TCP"),
}
POD_PROBES = ("es", "eo", "eu", "ep", "dns")


@dataclass(frozen=True)
class PolicySet:
    name: str
    objects: list[dict[str, Any]]
    expect: str
    config: dict[str, str] = field(default_factory=dict)
    note: str = ""


def parse_matrix(text: str) -> tuple[list[str], dict[tuple[str, str], str]]:
    lines = [ln.split() for ln in text.strip().splitlines() if ln.strip()]
    header = lines[0]
    for col in header:
        assert col in PROBES, f"unknown probe {col}"
    out: dict[tuple[str, str], str] = {}
    for row in lines[1:]:
        assert row[0] in SOURCES, f"unknown source {row[0]}"
        assert len(row) == len(header) + 1, f"row {row[0]} has {len(row) - 1} cells, header {len(header)}"
        for col, cell in zip(header, row[1:], strict=True):
            assert cell in (".", "x", "D", "-"), f"cell {cell!r}"
            if cell != "-":
                out[(row[0], col)] = cell
    return header, out


# a judge is built once per cluster (the docs) and then asked for one cell at a time
Judge = Callable[[list[dict[str, Any]]], Callable[[End, Probe], str]]


def run_matrix(ps: PolicySet, judge: Judge) -> tuple[dict[tuple[str, str], str], dict[tuple[str, str], str]]:
    """(expected, actual) cells of a policy set."""
    docs = base_cluster(ps.config) + copy.deepcopy(ps.objects)
    _, expected = parse_matrix(ps.expect)
    cell_of = judge(docs)
    actual = {cell: cell_of(SOURCES[cell[0]], PROBES[cell[1]]) for cell in expected}
    return expected, actual


def render(header: list[str], cells: dict[tuple[str, str], str]) -> str:
    rows = sorted({r for r, _ in cells}, key=list(SOURCES).index)
    out = ["         " + " ".join(f"{c:>4}" for c in header)]
    for r in rows:
        out.append(f"{r:<8} " + " ".join(f"{cells.get((r, c), '-'):>4}" for c in header))
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------------
# Policy builders (plain dicts, as in the YAML)
# ---------------------------------------------------------------------------------------------------------------
def cnp(
    name: str, spec: dict[str, Any] | None = None, *, specs: list[dict[str, Any]] | None = None, ns: str = NS
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
    }
    if spec is not None:
        doc["spec"] = spec
    if specs is not None:
        doc["specs"] = specs
    return doc


def ccnp(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": {"name": name},
        "spec": spec,
    }


def knp(name: str, spec: dict[str, Any], ns: str = NS) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


DNS_EGRESS = {
    "toEndpoints": [
        {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}
    ],
    "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
}
CLIENT = {"matchLabels": {"kind": "client"}}
ECHO = {"matchLabels": {"kind": "echo"}}
PORT_8080 = [{"ports": [{"port": "8080", "protocol": "TCP"}]}]


# ---------------------------------------------------------------------------------------------------------------
# Judge: the Cilium engine alone (Cilium objects only; NetworkPolicies are joined by the core evaluator)
# ---------------------------------------------------------------------------------------------------------------
class EngineWorld:
    """The docs parsed once: the Cilium engine, the pods, and parties for sources and probes."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        from netpol_tui.core.cilium.engine import CiliumEngine
        from netpol_tui.core.cilium.objects import CiliumObjects
        from netpol_tui.core.manifests import parse_objects

        self.docs = docs
        objs = CiliumObjects()
        k8s = [d for d in docs if not objs.parse(d)]
        assert objs.problems == [], objs.problems
        parsed = parse_objects(k8s)
        assert parsed.problems == [], parsed.problems
        self.objs = objs
        self.pods = {p.key: p for p in parsed.pods}
        self.engine = CiliumEngine(objs.context(), {n.name: n for n in parsed.namespaces}, parsed.pods)

    def party(self, end: End) -> Any:
        if end.pod:
            return self.engine.pod_party(self.pods[end.pod])
        return self.engine.ip_party(end.ip, end.names)

    def with_objects(self, manifests: list[dict[str, Any]]) -> EngineWorld:
        """A new world where each manifest replaces the object of the same kind/namespace/name, or is added."""

        def key(d: dict[str, Any]) -> tuple[str, str, str]:
            meta = d.get("metadata") or {}
            return (str(d.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))

        replaced = {key(m) for m in manifests}
        docs = [d for d in self.docs if key(d) not in replaced] + copy.deepcopy(manifests)
        return EngineWorld(docs)

    def sides(self, src: End, probe: Probe) -> tuple[Any, Any]:
        from netpol_tui.core.cilium.model import Direction

        s, d = self.party(src), self.party(probe.dst)
        eg = self.engine.side(Direction.EGRESS, s, d, probe.port, probe.protocol)
        ing = self.engine.side(Direction.INGRESS, d, s, probe.port, probe.protocol)
        return eg, ing

    def cell(self, src: End, probe: Probe) -> str:
        from netpol_tui.core.cilium.engine import Drop
        from netpol_tui.core.cilium.model import Direction

        s, d = self.party(src), self.party(probe.dst)
        eg, ing = self.sides(src, probe)
        fast = (
            self.engine.side(Direction.EGRESS, s, d, probe.port, probe.protocol, detailed=False).allowed
            and self.engine.side(Direction.INGRESS, d, s, probe.port, probe.protocol, detailed=False).allowed
        )
        for side in (eg, ing):
            ok, drop = side.combined(False, False)
            if not ok:
                assert not fast, "fast path disagrees"
                return "D" if drop is Drop.POLICY_DENY else "x"
        assert fast, "fast path disagrees"
        return "."


def engine_judge(docs: list[dict[str, Any]]) -> Callable[[End, Probe], str]:
    return EngineWorld(docs).cell


# ---------------------------------------------------------------------------------------------------------------
# Judge: the full evaluator (NetworkPolicy + CNP + CCNP), with the fast path checked against the verdict
# ---------------------------------------------------------------------------------------------------------------
class EvaluatorWorld:
    """The docs through the one parser into a ClusterSnapshot whose evaluator is the Cilium one."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        from netpol_tui.core.cluster import ClusterSnapshot
        from netpol_tui.core.evaluate_cilium import CiliumEvaluator
        from netpol_tui.core.manifests import parse_objects

        parsed = parse_objects(copy.deepcopy(docs))
        assert parsed.problems == [], parsed.problems
        self.snapshot = ClusterSnapshot.from_parse(parsed)
        evaluator = self.snapshot.evaluator
        assert isinstance(evaluator, CiliumEvaluator) and evaluator.active, type(evaluator)
        self.evaluator = evaluator

    def subject(self, end: End) -> Any:
        ev = self.evaluator
        if end.pod:
            return ev.subject_for_pod(self.snapshot.pods[end.pod])
        return ev.subject_for_ip(end.ip)

    def verdict(self, src: End, probe: Probe) -> Any:
        return self.evaluator.evaluate(
            self.subject(src), self.subject(probe.dst), probe.port, probe.protocol, names=probe.dst.names
        )

    def cell(self, src: End, probe: Probe) -> str:
        v = self.verdict(src, probe)
        fast = self.evaluator.allows(
            self.subject(src), self.subject(probe.dst), probe.port, probe.protocol, names=probe.dst.names
        )
        assert fast == v.allowed, "fast path disagrees"
        for side in (v.egress, v.ingress):
            if not side.allowed:
                return "D" if side.drop.value == "POLICY_DENY" else "x"
        return "."


def evaluator_judge(docs: list[dict[str, Any]]) -> Callable[[End, Probe], str]:
    return EvaluatorWorld(docs).cell


@dataclass(frozen=True)
class DeniedCell:
    """A cell of a set that is not allowed, with the fixes `suggest_cilium_fixes` proposes for it."""

    world: EvaluatorWorld
    source: str
    probe: str
    cell: str
    verdict: Any
    fixes: list[Any]


def denied_cells(ps: Any) -> Iterator[DeniedCell]:
    """Every not-allowed cell of a policy set (in matrix order) on the Cilium evaluator, with its fixes."""
    from netpol_tui.core.suggest_cilium import suggest_cilium_fixes

    world = EvaluatorWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))
    for (src, probe), cell in sorted(parse_matrix(ps.expect)[1].items()):
        if cell == ".":
            continue
        pr = PROBES[probe]
        verdict = world.verdict(SOURCES[src], pr)
        fixes = suggest_cilium_fixes(verdict, world.snapshot, world.evaluator, names=pr.dst.names)
        yield DeniedCell(world, src, probe, cell, verdict, fixes)
