"""core/propose, `--dialect cilium`: CiliumNetworkPolicies from observed connections, table cases then a hypothesis
property over random clusters (with Cilium policies of their own) and random observed subsets. Every check reads
the proposal back from its YAML text (yaml.safe_load_all, then the project's Cilium parser) and asks the snapshot's
own (Cilium) evaluator; the kube-apiserver by its Endpoints addresses is checked in both dialects."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from propose_support import (  # noqa: E402
    cilium_config,
    cilium_docs,
    cnp,
    deployment_pods,
    endpoints,
    flow,
    kube_dns,
    node,
    ns,
    pod,
    snapshot,
    statefulset_pods,
    with_cilium_docs,
)

from netpol_tui.core.cluster import ClusterSnapshot  # noqa: E402
from netpol_tui.core.model import Endpoint, EndpointKind  # noqa: E402
from netpol_tui.core.propose import (  # noqa: E402
    ConnectionReducer,
    Dialect,
    Gap,
    PolicyRole,
    Proposal,
    ProposeOptions,
    propose,
)
from netpol_tui.core.propose.observed import Skip  # noqa: E402

CILIUM = ProposeOptions(namespaces=("shop",), dialect=Dialect.CILIUM)
APISERVER = ["172.18.0.10", "172.18.0.11", "172.18.0.12"]
EXAMPLE_IP = "93.184.216.34"


# ---------------------------------------------------------------------------------------------------------------
# A shop on two nodes, running Cilium: web (2 pods) -> api (port http) -> db; api -> the kube-apiserver, a named
# outside host, the kubelet's hostNetwork agent; a node agent on the other node -> api; a proxy of namespace edge -> api
# ---------------------------------------------------------------------------------------------------------------
def shop_docs(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    on1 = {"node": "n1"}
    return [
        cilium_config(),
        node("n1", "172.18.0.2"),
        node("n2", "172.18.0.3"),
        endpoints("default", "kubernetes", APISERVER),
        ns("shop"),
        ns("edge"),
        *kube_dns(),
        # kubernetes.io/os is left out of Cilium identities: never a selector key
        *deployment_pods(
            "shop",
            "web",
            ["10.0.1.1", "10.0.1.2"],
            {"app": "web", "tier": "fe", "kubernetes.io/os": "linux"},
            **on1,
        ),
        *deployment_pods("shop", "api", ["10.0.1.10"], {"app": "api"}, ports=[(8080, "http", "TCP")], **on1),
        *statefulset_pods("shop", "db", ["10.0.1.20"], {"app": "db"}, ports=[(5432, "", "TCP")], **on1),
        pod("shop", "agent-n1", "172.18.0.2", {"app": "agent"}, host_network=True, node="n1"),
        pod("shop", "agent-n2", "172.18.0.3", {"app": "agent"}, host_network=True, node="n2"),
        *deployment_pods("edge", "proxy", ["10.0.2.1"], {"app": "proxy"}, node="n2"),
        *extra,
    ]


WEB1, WEB2 = "shop/web-7d9f8c6b5-00000", "shop/web-7d9f8c6b5-00001"
API = "shop/api-7d9f8c6b5-00000"
DB0 = "shop/db-0"
PROXY = "edge/proxy-7d9f8c6b5-00000"
COREDNS = "kube-system/coredns-7d9f8c6b5-00000"


def reduce(*flows: Any) -> ConnectionReducer:
    r = ConnectionReducer()
    r.add_all(flows)
    return r


def outside(ip: str, kind: EndpointKind = EndpointKind.WORLD) -> Endpoint:
    return Endpoint(ip=ip, kind=kind)


def shop_flows(snap: ClusterSnapshot) -> ConnectionReducer:
    return reduce(
        flow(snap, WEB1, API, 8080),
        flow(snap, WEB2, API, 8080),
        flow(snap, API, DB0, 5432),
        flow(snap, API, "", 6443, destination=outside("172.18.0.11")),
        flow(snap, API, "", 443, destination=outside(EXAMPLE_IP), names=("Example.com.",)),
        flow(snap, WEB2, "", 443, destination=outside("203.0.113.5")),
        flow(snap, API, "shop/agent-n1", 10250),
        flow(snap, "shop/agent-n2", API, 8080),
        flow(snap, "shop/agent-n1", API, 8080),  # the local host: allow-localhost lets it in, no rule
        flow(snap, "", WEB1, 80, source=outside("198.51.100.7")),
        flow(snap, PROXY, API, 8080),
        flow(snap, WEB1, COREDNS, 53, "UDP"),  # the DNS allow covers it
    )


@pytest.fixture
def shop() -> ClusterSnapshot:
    return snapshot(shop_docs())


def by_name(p: Proposal) -> dict[str, dict[str, Any]]:
    return {f"{x.namespace}/{x.name}": dict(x.manifest) for x in p.policies}


def subject(snap: ClusterSnapshot, key: str, names: tuple[str, ...] = ()) -> Any:
    from dataclasses import replace

    ev = snap.evaluator
    pd = snap.pod(key)
    if pd is not None:
        return ev.subject_for_pod(pd)
    s = ev.subject_for_ip(key)
    return replace(s, names=names) if names else s


def allowed(
    snap: ClusterSnapshot, src: str, dst: str, port: int, proto: str = "TCP", names: Any = ()
) -> bool:
    return snap.evaluator.allows(subject(snap, src), subject(snap, dst, tuple(names)), port, proto)


def test_the_shop_in_cilium_dialect(shop: ClusterSnapshot) -> None:
    p = propose(shop, shop_flows(shop), CILIUM)
    assert p.ok and p.dialect == Dialect.CILIUM
    got = by_name(p)
    assert list(got) == [
        "shop/default-deny-all",
        "shop/allow-dns-egress",
        "shop/api-ingress",
        "shop/api-egress",
        "shop/web-ingress",
        "shop/web-egress",
        "shop/db-ingress",
    ]
    assert all(x.kind == "CiliumNetworkPolicy" for x in p.policies)
    assert all(d["apiVersion"] == "cilium.io/v2" for d in got.values())
    assert got["shop/default-deny-all"]["spec"] == {"endpointSelector": {}, "ingress": [{}], "egress": [{}]}
    assert got["shop/allow-dns-egress"]["spec"]["egress"] == [
        {
            "toEndpoints": [
                {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns"}}
            ],
            "toPorts": [
                {
                    "ports": [{"port": "53", "protocol": "UDP"}, {"port": "53", "protocol": "TCP"}],
                    "rules": {"dns": [{"matchPattern": "*"}]},
                }
            ],
        }
    ]
    api_in = got["shop/api-ingress"]["spec"]
    assert api_in["endpointSelector"] == {"matchLabels": {"k8s:app": "api"}}
    http = [{"ports": [{"port": "http", "protocol": "TCP"}]}]
    assert api_in["ingress"] == [
        {"fromEndpoints": [{"matchLabels": {"k8s:app": "proxy", "k8s:io.kubernetes.pod.namespace": "edge"}}],
         "toPorts": http},
        {"fromEndpoints": [{"matchLabels": {"k8s:app": "web", "k8s:tier": "fe"}}], "toPorts": http},
        {"fromEntities": ["remote-node"], "toPorts": http},
    ]  # fmt: skip
    assert got["shop/api-egress"]["spec"]["egress"] == [
        {"toEndpoints": [{"matchLabels": {"k8s:app": "db"}}],
         "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]},
        {"toEntities": ["host"], "toPorts": [{"ports": [{"port": "10250", "protocol": "TCP"}]}]},
        {"toEntities": ["kube-apiserver"], "toPorts": [{"ports": [{"port": "6443", "protocol": "TCP"}]}]},
        {"toFQDNs": [{"matchName": "example.com"}], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]},
    ]  # fmt: skip
    assert got["shop/web-ingress"]["spec"] == {
        "endpointSelector": {"matchLabels": {"k8s:app": "web", "k8s:tier": "fe"}},
        "ingress": [{"fromCIDR": ["198.51.100.7/32"], "toPorts": [{"ports": [{"port": "80", "protocol": "TCP"}]}]}],
    }  # fmt: skip
    assert got["shop/web-egress"]["spec"]["egress"] == [
        {"toEndpoints": [{"matchLabels": {"k8s:app": "api"}}], "toPorts": http},
        {"toCIDR": ["203.0.113.5/32"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]},
    ]  # fmt: skip
    assert p.rules_removed == 2  # web -> kube-dns (the DNS allow) and the local host -> api (allow-localhost)
    assert p.apiserver == tuple(APISERVER)
    # read back from the YAML text: every observed connection allowed, by the Cilium evaluator
    after = with_cilium_docs(shop, cilium_docs(p))
    assert type(after.evaluator).__name__ == "CiliumEvaluator"
    for c in p.connections:
        names = ("example.com",) if c.destination == EXAMPLE_IP else ()
        assert allowed(after, c.source, c.destination, c.port, c.protocol, names), c
    # and not what was not observed
    assert not allowed(after, WEB1, DB0, 5432)
    assert not allowed(after, API, "203.0.113.5", 443)
    assert not allowed(after, API, EXAMPLE_IP, 443)  # the address without the name Hubble saw
    assert not allowed(after, API, EXAMPLE_IP, 443, names=("other.example.org",))


def test_the_dns_rule_is_what_lets_tofqdns_work(shop: ClusterSnapshot) -> None:
    p = propose(shop, shop_flows(shop), CILIUM)
    docs = [d for d in cilium_docs(p) if d["metadata"]["name"] != "allow-dns-egress"]
    without_dns = with_cilium_docs(shop, docs)
    assert not allowed(without_dns, API, EXAMPLE_IP, 443, names=("example.com",))
    assert allowed(with_cilium_docs(shop, cilium_docs(p)), API, EXAMPLE_IP, 443, names=("example.com",))


def test_the_unobserved_pairs_are_counted_with_the_cilium_evaluator(shop: ClusterSnapshot) -> None:
    p = propose(shop, shop_flows(shop), CILIUM)
    after = with_cilium_docs(shop, cilium_docs(p))
    ev = after.evaluator
    seen = {(c.source, c.destination, c.protocol, c.port) for c in p.connections}
    brute = 0
    for a in after.pods.values():
        for b in after.pods.values():
            if a.key == b.key or "shop" not in (a.namespace, b.namespace):
                continue
            for proto, port in p.observed_ports:
                if (a.key, b.key, proto, port) not in seen and ev.allows(
                    ev.subject_for_pod(a), ev.subject_for_pod(b), port, proto
                ):
                    brute += 1
    assert p.unobserved_allowed_pairs == brute > 0


def test_the_kube_apiserver_by_its_endpoints_addresses_in_networkpolicy_dialect() -> None:
    snap = snapshot([d for d in shop_docs() if d["kind"] != "ConfigMap"])  # no Cilium: plain NetworkPolicy
    r = reduce(flow(snap, API, "", 6443, destination=outside("172.18.0.11")))
    p = propose(snap, r, ProposeOptions(namespaces=("shop",), cidr_prefix=24))
    assert p.ok and p.apiserver == tuple(APISERVER)
    assert by_name(p)["shop/api-egress"]["spec"]["egress"] == [
        {
            "to": [{"ipBlock": {"cidr": f"{ip}/32"}} for ip in APISERVER],
            "ports": [{"protocol": "TCP", "port": 6443}],
        }
    ]
    # an address that is not one of them stays itself (here merged by --cidr-prefix)
    r = reduce(flow(snap, API, "", 6443, destination=outside("172.18.5.1")))
    p = propose(snap, r, ProposeOptions(namespaces=("shop",), cidr_prefix=24))
    assert p.apiserver == ()
    assert by_name(p)["shop/api-egress"]["spec"]["egress"][0]["to"] == [
        {"ipBlock": {"cidr": "172.18.5.0/24"}}
    ]


def test_the_kube_apiserver_is_not_named_when_the_cluster_already_allows_it() -> None:
    from propose_support import np

    allow = np("shop", "api-to-apiserver", {"podSelector": {}, "egress": [{"ports": [{"port": 6443}]}]})
    snap = snapshot([d for d in shop_docs(allow) if d["kind"] != "ConfigMap"])
    p = propose(snap, reduce(flow(snap, API, "", 6443, destination=outside("172.18.0.11"))), CILIUM)
    assert p.ok and p.rules_removed == 1 and p.apiserver == ()
    assert "shop/api-egress" not in by_name(p)


def test_the_kube_apiserver_hubble_names_is_the_entity_without_endpoints() -> None:
    snap = snapshot([d for d in shop_docs() if d["kind"] != "Endpoints"])
    api = outside("172.18.0.11", EndpointKind.KUBE_APISERVER)
    p = propose(snap, reduce(flow(snap, API, "", 6443, destination=api)), CILIUM)
    assert p.ok
    assert by_name(p)["shop/api-egress"]["spec"]["egress"] == [
        {"toEntities": ["kube-apiserver"], "toPorts": [{"ports": [{"port": "6443", "protocol": "TCP"}]}]}
    ]


def test_a_cluster_deny_rule_means_no_proposal(shop: ClusterSnapshot) -> None:
    deny = cnp("shop", "no-docs", {"endpointSelector": {}, "egressDeny": [{"toCIDR": ["203.0.113.0/24"]}]})
    snap = snapshot(shop_docs(deny))
    p = propose(snap, shop_flows(snap), CILIUM)
    assert not p.ok
    assert [(u.connection.destination, u.gap) for u in p.uncovered] == [("203.0.113.5", Gap.DENY_RULE)]


def test_names_never_overwrite_a_cilium_policy_of_the_cluster() -> None:
    mine = cnp(
        "shop", "default-deny-all", {"endpointSelector": {"matchLabels": {"app": "db"}}, "ingress": [{}]}
    )
    snap = snapshot(shop_docs(mine))
    p = propose(snap, reduce(flow(snap, WEB1, API, 8080)), CILIUM)
    assert p.ok
    assert [x.name for x in p.policies if x.role == PolicyRole.DENY_ALL] == ["default-deny-all-2"]


def test_existing_cilium_allows_make_rules_unneeded() -> None:
    allow = cnp(
        "shop",
        "web-to-api",
        {
            "endpointSelector": {"matchLabels": {"app": "api"}},
            "ingress": [{"fromEndpoints": [{"matchLabels": {"app": "web"}}]}],
        },
    )
    snap = snapshot(shop_docs(allow))
    p = propose(snap, reduce(flow(snap, WEB1, API, 8080)), CILIUM)
    assert p.ok and p.rules_removed == 1
    assert "shop/api-ingress" not in by_name(p)
    assert by_name(p)["shop/web-egress"]["spec"]["egress"][0]["toEndpoints"] == [
        {"matchLabels": {"k8s:app": "api"}}
    ]


def test_a_selector_narrowed_against_another_workload_uses_k8s_keys() -> None:
    docs = [
        ns("a"),
        *kube_dns(),
        *deployment_pods("a", "client", ["10.0.2.1"], {"app": "client"}),
        *deployment_pods("a", "srv", ["10.0.2.2"], {"app": "srv"}),
        *deployment_pods("a", "srv-canary", ["10.0.2.3"], {"app": "srv", "track": "canary"}),
    ]
    snap = snapshot(docs)
    c, s = "a/client-7d9f8c6b5-00000", "a/srv-7d9f8c6b5-00000"
    p = propose(snap, reduce(flow(snap, c, s, 80)), ProposeOptions(dialect=Dialect.CILIUM))
    assert p.ok
    assert by_name(p)["a/srv-ingress"]["spec"]["endpointSelector"] == {
        "matchLabels": {"k8s:app": "srv"},
        "matchExpressions": [{"key": "k8s:track", "operator": "DoesNotExist"}],
    }
    after = with_cilium_docs(snap, cilium_docs(p))
    assert allowed(after, c, s, 80)
    assert not allowed(after, c, "a/srv-canary-7d9f8c6b5-00000", 80)


def test_cidr_prefix_merges_outside_addresses_in_cilium_dialect(shop: ClusterSnapshot) -> None:
    r = reduce(
        flow(shop, WEB1, "", 443, destination=outside("203.0.113.5")),
        flow(shop, WEB2, "", 443, destination=outside("203.0.113.9")),
    )
    p = propose(shop, r, ProposeOptions(namespaces=("shop",), cidr_prefix=24, dialect=Dialect.CILIUM))
    assert by_name(p)["shop/web-egress"]["spec"]["egress"] == [
        {"toCIDR": ["203.0.113.0/24"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}
    ]


# ---------------------------------------------------------------------------------------------------------------
# Property: random clusters (Cilium policies of their own, nodes, hostNetwork agents, the kube-apiserver), random
# observed subsets; the proposal read back from its YAML text and judged by the snapshot's Cilium evaluator
# ---------------------------------------------------------------------------------------------------------------
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from netpol_tui.core.cilium.identity import Party, PartyKind  # noqa: E402
from netpol_tui.core.cilium.model import NAMESPACE_KEY  # noqa: E402
from netpol_tui.core.model import Direction  # noqa: E402
from netpol_tui.core.propose import workload_of  # noqa: E402
from netpol_tui.core.propose.workloads import (  # noqa: E402
    group_by_workload,
    is_stable_for_cilium,
    select_workloads,
)

NS_POOL = ("alpha", "beta", "gamma")
APPS = ("web", "api", "db")
CONTAINER_PORTS = ((80, "http", "TCP"), (53, "dns", "UDP"), (8080, "", "TCP"), (9000, "sc", "SCTP"))
OBS_PORTS = ((80, "TCP"), (53, "UDP"), (8080, "TCP"), (9000, "SCTP"), (5432, "TCP"), (443, "TCP"))
# outside addresses, with the DNS names Hubble gives them (a function of the address)
OUTSIDE = {
    "203.0.113.5": (),
    "203.0.113.9": ("api.example.com.",),
    "198.51.100.1": ("a.example.org", "b.example.org"),
    "2001:db8::5": (),
    "10.2.7.7": ("legacy.internal",),
    "172.18.0.10": (),  # the kube-apiserver (default/kubernetes Endpoints)
}
CILIUM_EXISTING: tuple[dict[str, Any], ...] = (
    {"endpointSelector": {}, "ingress": [{"fromEntities": ["all"]}]},  # everything in
    {
        "endpointSelector": {"matchLabels": {"app": "web"}},
        "egress": [{"toEntities": ["world"], "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}]}],
    },
    {"endpointSelector": {"matchLabels": {"app": "db"}}, "ingressDeny": [{"fromEntities": ["world"]}]},
    {
        "endpointSelector": {},
        "egress": [
            {"toEndpoints": [{"matchLabels": {"tier": "be"}}], "toPorts": [{"ports": [{"port": "80"}]}]}
        ],
    },
    {"endpointSelector": {"matchLabels": {"app": "api"}}, "egressDeny": [{"toCIDR": ["198.51.100.0/24"]}]},
)
KNP_EXISTING: tuple[dict[str, Any], ...] = (
    {"podSelector": {}, "ingress": [{}]},
    {"podSelector": {"matchLabels": {"app": "web"}}, "policyTypes": ["Ingress"]},
)


@st.composite
def cilium_clusters(draw: Any) -> tuple[list[dict[str, Any]], list[str]]:
    from propose_support import np as knp

    names = draw(st.lists(st.sampled_from(NS_POOL), min_size=1, max_size=3, unique=True))
    docs: list[dict[str, Any]] = [
        *kube_dns(),
        node("n1", "172.18.0.2"),
        node("n2", "172.18.0.3"),
        endpoints("default", "kubernetes", ["172.18.0.10", "172.18.0.20"]),
    ]
    if draw(st.booleans()):
        docs.append(cilium_config())
    ip = iter(range(1, 250))
    keys: list[str] = [COREDNS]
    for n in names:
        docs.append(ns(n, team=draw(st.sampled_from(("x", "y")))))
        for w in range(draw(st.integers(1, 4))):
            labels: dict[str, str] = {}
            if draw(st.booleans()) or w == 0:
                labels["app"] = draw(st.sampled_from(APPS))
            if draw(st.booleans()):
                labels["tier"] = draw(st.sampled_from(("fe", "be")))
            if draw(st.booleans()):  # left out of Cilium identities: never a selector key
                labels["kubernetes.io/os"] = draw(st.sampled_from(("linux", "windows")))
            ports = draw(
                st.lists(st.sampled_from(CONTAINER_PORTS), max_size=2, unique_by=lambda p: (p[0], p[2]))
            )
            count = draw(st.integers(1, 3))
            ips = [f"10.{NS_POOL.index(n) + 1}.0.{next(ip)}" for _ in range(count)]
            kind = draw(st.sampled_from(("Deployment", "StatefulSet", "Pod")))
            extra = {
                "ports": ports,
                "node": draw(st.sampled_from(("n1", "n2", ""))),
                "service_account": draw(st.sampled_from(("", "sa1"))),
            }
            if kind == "Deployment":
                made = deployment_pods(n, f"w{w}", ips, labels, **extra)
            elif kind == "StatefulSet":
                made = statefulset_pods(n, f"w{w}", ips, labels, **extra)
            else:
                made = [pod(n, f"w{w}-bare", ips[0], labels, **extra)]
            docs.extend(made)
            keys.extend(f"{n}/{d['metadata']['name']}" for d in made)
        if draw(st.booleans()):  # a node agent (hostNetwork): the host or a remote node to the pods
            where = draw(st.sampled_from(("n1", "n2")))
            address = "172.18.0.2" if where == "n1" else "172.18.0.3"
            docs.append(pod(n, f"agent-{where}", address, {"app": "agent"}, host_network=True, node=where))
            keys.append(f"{n}/agent-{where}")
        for i, spec in enumerate(draw(st.lists(st.sampled_from(CILIUM_EXISTING), max_size=2))):
            docs.append(cnp(n, f"existing-cnp-{i}", spec))
        for i, spec in enumerate(draw(st.lists(st.sampled_from(KNP_EXISTING), max_size=1))):
            docs.append(knp(n, f"existing-{i}", spec))
    return docs, keys


@st.composite
def cilium_cases(
    draw: Any,
) -> tuple[list[dict[str, Any]], list[tuple[str, str, int, str]], tuple[str, ...], int | None]:
    docs, keys = draw(cilium_clusters())
    ends = st.sampled_from(keys + list(OUTSIDE))
    obs = draw(
        st.lists(st.tuples(ends, ends, st.sampled_from(OBS_PORTS)), min_size=1, max_size=12).map(
            lambda xs: [
                (s, d, p[0], p[1]) for s, d, p in xs if s != d and not (s in OUTSIDE and d in OUTSIDE)
            ]
        )
    )
    ns_in_docs = sorted({d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"} - {"kube-system"})
    chosen = draw(
        st.one_of(st.just(()), st.lists(st.sampled_from(ns_in_docs), min_size=1, unique=True).map(tuple))
    )
    prefix = draw(st.sampled_from((None, None, 24)))
    return docs, obs, chosen, prefix


def _observed_flow(snap: ClusterSnapshot, s: str, d: str, port: int, proto: str) -> Any:
    src = outside(s) if s in OUTSIDE else None
    dst = outside(d) if d in OUTSIDE else None
    return flow(snap, s, d, port, proto, source=src, destination=dst, names=OUTSIDE.get(d, ()))


def _selector_keys(doc: Any) -> list[str]:
    """Every label key of every endpoint selector (endpointSelector, from/toEndpoints) in a manifest."""
    out: list[str] = []
    if isinstance(doc, dict):
        for k, v in doc.items():
            sels = [v] if k == "endpointSelector" else v if k in ("fromEndpoints", "toEndpoints") else []
            for sel in sels:
                out.extend(sel.get("matchLabels", {}))
                out.extend(e["key"] for e in sel.get("matchExpressions", []))
            out.extend(_selector_keys(v))
    elif isinstance(doc, list):
        for v in doc:
            out.extend(_selector_keys(v))
    return out


L3_KEYS = {"fromEndpoints", "toEndpoints", "fromEntities", "toEntities", "fromCIDR", "toCIDR", "toFQDNs"}


def _valid_item(item: dict[str, Any]) -> bool:
    if item == {}:
        return True
    peers = [k for k in item if k in L3_KEYS]
    if len(peers) != 1 or set(item) - L3_KEYS - {"toPorts"}:
        return False
    for tp in item.get("toPorts", []):
        for port in tp["ports"]:
            if not isinstance(port["port"], str) or port["protocol"] not in ("TCP", "UDP", "SCTP"):
                return False
    return True


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(cilium_cases())
def test_property_a_cilium_proposal_never_denies_an_observed_connection_and_has_no_unneeded_rule(
    case: Any,
) -> None:
    docs, obs, chosen, prefix = case
    snap = snapshot(docs)
    r = reduce(*(_observed_flow(snap, s, d, port, proto) for s, d, port, proto in obs))
    options = ProposeOptions(namespaces=chosen, cidr_prefix=prefix, dialect=Dialect.CILIUM)
    p = propose(snap, r, options)
    event("proposal" if p.ok else "no proposal: " + ",".join(sorted({u.gap.value for u in p.uncovered})))
    if not p.ok:
        assert p.uncovered
        for u in p.uncovered:
            if u.gap in (Gap.TARGET_UNSELECTABLE, Gap.PEER_UNSELECTABLE):
                assert u.workload is not None
                groups = group_by_workload(
                    q for q in snap.pods_in(u.workload.namespace) if not q.host_network
                )
                assert select_workloads(groups, is_stable_for_cilium)[u.workload].selector is None
            elif u.gap == Gap.DENY_RULE:
                c = u.connection
                v = snap.evaluator.evaluate(
                    subject(snap, c.source), subject(snap, c.destination, OUTSIDE.get(c.destination, ())),
                    c.port, c.protocol,
                )  # fmt: skip
                side = v.egress if u.direction == Direction.EGRESS else v.ingress
                assert getattr(side, "denied_by", ()), u
            else:
                assert u.gap == Gap.OUTSIDE_PROPOSAL and u.namespace not in p.namespaces
        return
    out = cilium_docs(p)
    # 1. valid CiliumNetworkPolicies of the proposed namespaces, without unstable or identity-dropped labels
    for d in out:
        assert d["apiVersion"] == "cilium.io/v2" and d["kind"] == "CiliumNetworkPolicy"
        assert d["metadata"]["namespace"] in p.namespaces
        for section in ("ingress", "egress"):
            assert all(_valid_item(item) for item in d["spec"].get(section, [])), d
        for key in _selector_keys(d):
            assert key.startswith("k8s:"), key
            plain = key[4:]
            assert plain == NAMESPACE_KEY or is_stable_for_cilium(plain), key
    after = with_cilium_docs(snap, out)
    ev = after.evaluator
    engine = ev.view.engine  # type: ignore[attr-defined]
    in_scope = list(p.connections)
    # 2. every observed connection with an end in a proposed namespace stays allowed
    for c in in_scope:
        assert allowed(after, c.source, c.destination, c.port, c.protocol, OUTSIDE.get(c.destination, ())), c
    # 3. every pod of the proposed namespaces is isolated both ways; each workload policy selects its own pods
    world = Party(PartyKind.WORLD, ip="192.0.2.1")
    for n in p.namespaces:
        for q in after.pods_in(n):
            if q.host_network:
                continue
            party = engine.pod_party(q)
            for direction in (Direction.INGRESS, Direction.EGRESS):
                assert engine.side(direction, party, world, 1, "TCP").isolated, (q.key, direction)
            selecting = {r.policy.name for r in engine.selecting(party) if r.policy.namespace == n}
            for x in p.policies:
                if x.namespace == n and x.workload is not None:
                    assert (x.name in selecting) == (workload_of(q) == x.workload), (x.key, q.key)
    # 4. the unobserved allowed pairs, by brute force over every ordered pair of distinct pods
    seen = {(c.source, c.destination, c.protocol, c.port) for c in in_scope}
    brute = 0
    for a in snap.pods.values():
        for b in snap.pods.values():
            if a.key == b.key or (a.namespace not in p.namespaces and b.namespace not in p.namespaces):
                continue
            for proto, port in p.observed_ports:
                if (a.key, b.key, proto, port) not in seen and ev.allows(
                    ev.subject_for_pod(a), ev.subject_for_pod(b), port, proto
                ):
                    brute += 1
    assert p.unobserved_allowed_pairs == brute
    # 5. no unneeded rule: dropping any one item of a workload policy denies an observed connection
    for i, x in enumerate(p.policies):
        if x.role not in (PolicyRole.INGRESS, PolicyRole.EGRESS):
            continue
        field = "ingress" if x.role == PolicyRole.INGRESS else "egress"
        for j in range(len(x.manifest["spec"][field])):
            fewer = cilium_docs(p)
            del fewer[i]["spec"][field][j]
            if not fewer[i]["spec"][field]:
                del fewer[i]
            trial = with_cilium_docs(snap, fewer)
            assert any(
                not allowed(
                    trial, c.source, c.destination, c.port, c.protocol, OUTSIDE.get(c.destination, ())
                )
                for c in in_scope
            ), f"{x.key} {field} #{j + 1} is not needed"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(cilium_cases())
def test_property_networkpolicies_proposed_for_a_cilium_cluster_are_judged_the_cilium_way(case: Any) -> None:
    """The NetworkPolicy dialect on the same clusters: verified and counted by the Cilium evaluator."""
    from propose_support import parsed_back

    docs, obs, chosen, prefix = case
    snap = snapshot(docs)
    r = reduce(*(_observed_flow(snap, s, d, port, proto) for s, d, port, proto in obs))
    p = propose(snap, r, ProposeOptions(namespaces=chosen, cidr_prefix=prefix))
    event("proposal" if p.ok else "no proposal: " + ",".join(sorted({u.gap.value for u in p.uncovered})))
    if not p.ok:
        # a gap the proposal cannot explain is a proposal that failed its own verification (a selector on a
        # label Cilium leaves out of identities did that)
        assert p.uncovered and all(u.gap != Gap.UNEXPLAINED for u in p.uncovered), p.uncovered
        return
    after = snap.with_changes(policies=parsed_back(p))
    ev = after.evaluator
    for c in p.connections:
        assert allowed(after, c.source, c.destination, c.port, c.protocol, OUTSIDE.get(c.destination, ())), c
    seen = {(c.source, c.destination, c.protocol, c.port) for c in p.connections}
    brute = 0
    for a in snap.pods.values():
        for b in snap.pods.values():
            if a.key == b.key or (a.namespace not in p.namespaces and b.namespace not in p.namespaces):
                continue
            for proto, port in p.observed_ports:
                if (a.key, b.key, proto, port) not in seen and ev.allows(
                    ev.subject_for_pod(a), ev.subject_for_pod(b), port, proto
                ):
                    brute += 1
    assert p.unobserved_allowed_pairs == brute


def test_a_name_that_is_no_plain_dns_name_falls_back_to_the_address(shop: ClusterSnapshot) -> None:
    r = reduce(
        flow(shop, API, "", 443, destination=outside("203.0.113.7"), names=("bad name\x1b", "*.x.io")),
        flow(shop, API, "", 443, destination=outside("203.0.113.8"), names=("\x1b", "Second.Example.org.")),
    )
    p = propose(shop, r, CILIUM)
    assert p.ok
    port = [{"ports": [{"port": "443", "protocol": "TCP"}]}]
    assert by_name(p)["shop/api-egress"]["spec"]["egress"] == [
        {"toFQDNs": [{"matchName": "second.example.org"}], "toPorts": port},
        {"toCIDR": ["203.0.113.7/32"], "toPorts": port},
    ]


# ---------------------------------------------------------------------------------------------------------------
# ICMP: a CiliumNetworkPolicy allows it by type (reference §6, "expecting ping to pass where only L4 rules allow")
# ---------------------------------------------------------------------------------------------------------------
def reduce_icmp(*flows: Any) -> ConnectionReducer:
    r = ConnectionReducer(icmp=True)
    r.add_all(flows)
    return r


def test_observed_pings_are_allowed_by_type_in_an_item_of_their_own(shop: ClusterSnapshot) -> None:
    observed = reduce_icmp(
        flow(shop, WEB1, API, 8080),
        flow(shop, WEB1, API, 8, "ICMPv4"),  # ping
        flow(shop, API, WEB1, 0, "ICMPv4", is_reply=None),  # its echo reply, even unmarked: not a connection
        flow(shop, API, WEB1, 3, "ICMPv4"),  # destination unreachable: related to a connection, not one
        flow(shop, API, DB0, 128, "ICMPv6"),  # ping over IPv6
        flow(shop, API, DB0, 5432),
    )
    assert observed.skipped == {Skip.ICMP_ANSWER: 2}
    p = propose(shop, observed, CILIUM)
    assert p.ok
    got = by_name(p)
    http = [{"ports": [{"port": "http", "protocol": "TCP"}]}]
    assert got["shop/api-ingress"]["spec"]["ingress"] == [
        {"fromEndpoints": [{"matchLabels": {"k8s:app": "web", "k8s:tier": "fe"}}], "toPorts": http},
        {"fromEndpoints": [{"matchLabels": {"k8s:app": "web", "k8s:tier": "fe"}}],
         "icmps": [{"fields": [{"family": "IPv4", "type": 8}]}]},
    ]  # fmt: skip
    assert got["shop/api-egress"]["spec"]["egress"] == [
        {"toEndpoints": [{"matchLabels": {"k8s:app": "db"}}],
         "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]},
        {"toEndpoints": [{"matchLabels": {"k8s:app": "db"}}],
         "icmps": [{"fields": [{"family": "IPv6", "type": 128}]}]},
    ]  # fmt: skip
    after = with_cilium_docs(shop, cilium_docs(p))
    for c in p.connections:
        assert allowed(after, c.source, c.destination, c.port, c.protocol), c
    assert allowed(after, WEB1, API, 8, "ICMPv4")
    assert not allowed(after, WEB1, API, 13, "ICMPv4")  # another type: not observed, not allowed
    assert not allowed(after, API, WEB1, 8, "ICMPv4")  # the other way round
    assert not allowed(after, WEB1, DB0, 128, "ICMPv6")


def test_without_the_icmp_rule_the_ping_is_denied(shop: ClusterSnapshot) -> None:
    """The ICMP item is needed (not removed as unneeded) and is what lets the ping through."""
    p = propose(shop, reduce_icmp(flow(shop, WEB1, API, 8080), flow(shop, WEB1, API, 8, "ICMPv4")), CILIUM)
    docs = cilium_docs(p)
    for d in docs:
        for key in ("ingress", "egress"):
            if key in d["spec"]:
                d["spec"][key] = [i for i in d["spec"][key] if "icmps" not in i]
    assert allowed(with_cilium_docs(shop, cilium_docs(p)), WEB1, API, 8, "ICMPv4")
    assert not allowed(with_cilium_docs(shop, docs), WEB1, API, 8, "ICMPv4")


def test_the_networkpolicy_dialect_still_skips_icmp(shop: ClusterSnapshot) -> None:
    observed = reduce(flow(shop, WEB1, API, 8080), flow(shop, WEB1, API, 8, "ICMPv4"))
    assert observed.skipped == {Skip.PROTOCOL: 1}
    assert all(
        c.protocol == "TCP" for c in propose(shop, observed, ProposeOptions(namespaces=("shop",))).connections
    )


# ---------------------------------------------------------------------------------------------------------------
# Pods of another cluster of the mesh (Hubble names cluster `west`; cilium-config names ours `default`)
# ---------------------------------------------------------------------------------------------------------------
def west_pod(name: str, labels: dict[str, str], ip: str) -> Endpoint:
    return Endpoint(
        ip=ip,
        kind=EndpointKind.POD,
        namespace="shop",
        pod_name=name,
        labels=labels,
        other_labels=(
            "k8s:io.cilium.k8s.policy.cluster=west",
            "k8s:io.cilium.k8s.policy.serviceaccount=default",
        ),
        cluster_name="west",
    )


WEST_API = west_pod("api-5c6d7e8f9-west1", {"app": "api"}, "10.9.0.10")
WEST_DB = west_pod("db-0", {"app": "db"}, "10.9.0.20")  # the same name as this cluster's shop/db-0


def mesh_flows(snap: ClusterSnapshot) -> ConnectionReducer:
    r = ConnectionReducer(local_cluster="default")  # cilium-config without cluster-name: Cilium's default
    r.add_all(
        [
            flow(snap, "", DB0, 5432, source=WEST_API),
            flow(snap, WEB1, "", 5432, destination=WEST_DB),
            flow(snap, WEB1, API, 8080),
        ]
    )
    return r


@pytest.mark.parametrize("dialect", [Dialect.CILIUM, Dialect.NETWORK_POLICY])
def test_pods_of_another_cluster_are_peers_named_with_their_cluster(
    shop: ClusterSnapshot, dialect: Dialect
) -> None:
    from netpol_tui.core.explain import subject_for_endpoint

    p = propose(shop, mesh_flows(shop), ProposeOptions(namespaces=("shop",), dialect=dialect))
    assert p.ok, p.uncovered
    assert p.mesh_pods == ("shop/api-5c6d7e8f9-west1@west", "shop/db-0@west")
    assert {(c.source, c.destination) for c in p.connections} == {
        ("shop/api-5c6d7e8f9-west1@west", DB0),
        (WEB1, "shop/db-0@west"),
        (WEB1, API),
    }
    got = by_name(p)
    # no policy for the pods of west (their own cluster's policies apply); this cluster's db-0 keeps its own
    assert not any("west" in name for name in got)
    if dialect == Dialect.CILIUM:
        assert got["shop/db-ingress"]["spec"]["ingress"] == [
            {"fromEndpoints": [{"matchLabels": {"k8s:app": "api", "k8s:io.cilium.k8s.policy.cluster": "west"}}],
             "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]},
        ]  # fmt: skip
        assert {"toEndpoints": [{"matchLabels": {"k8s:app": "db", "k8s:io.cilium.k8s.policy.cluster": "west"}}],
                "toPorts": [{"ports": [{"port": "5432", "protocol": "TCP"}]}]} in got["shop/web-egress"]["spec"]["egress"]  # fmt: skip
        after = with_cilium_docs(shop, cilium_docs(p))
    else:
        assert got["shop/db-ingress"]["spec"]["ingress"] == [
            {"from": [{"podSelector": {"matchLabels": {"app": "api", "io.cilium.k8s.policy.cluster": "west"}}}],
             "ports": [{"protocol": "TCP", "port": 5432}]},
        ]  # fmt: skip
        from propose_support import parsed_back

        after = shop.with_changes(policies=parsed_back(p))
    ev = after.evaluator
    west_api, west_db = subject_for_endpoint(WEST_API, after), subject_for_endpoint(WEST_DB, after)
    assert west_api.pod is not None and west_api.pod.cluster == "west" and not west_api.in_snapshot
    assert ev.allows(west_api, subject(after, DB0), 5432, "TCP")
    assert ev.allows(subject(after, WEB1), west_db, 5432, "TCP")
    # this cluster's api is not let into db by the rule for west's, nor web to this cluster's db-0
    assert not ev.allows(subject(after, API), subject(after, DB0), 5432, "TCP")
    assert not ev.allows(subject(after, WEB1), subject(after, DB0), 5432, "TCP")


def test_a_pod_of_another_cluster_with_no_stable_label_is_a_gap(shop: ClusterSnapshot) -> None:
    bare = west_pod("job-x", {"pod-template-hash": "abc"}, "10.9.0.30")
    p = propose(shop, reduce(flow(shop, "", DB0, 5432, source=bare)), CILIUM)
    assert not p.ok
    assert [(u.gap, u.namespace) for u in p.uncovered] == [(Gap.MESH_PEER_UNSELECTABLE, "west/shop")]


def test_networkpolicies_for_a_cilium_cluster_select_on_labels_cilium_keeps(shop: ClusterSnapshot) -> None:
    """web's pods carry kubernetes.io/os, which Cilium leaves out of identities: a podSelector on it would select
    nothing under Cilium, so the NetworkPolicy dialect must not use it either when cilium-config is there."""
    from propose_support import parsed_back

    p = propose(
        shop,
        reduce(flow(shop, WEB1, API, 8080), flow(shop, API, DB0, 5432)),
        ProposeOptions(namespaces=("shop",)),
    )
    assert p.ok, p.uncovered
    web = by_name(p)["shop/web-egress"]["spec"]["podSelector"]
    assert web == {"matchLabels": {"app": "web", "tier": "fe"}}
    after = shop.with_changes(policies=parsed_back(p))
    assert allowed(after, WEB1, API, 8080) and allowed(after, API, DB0, 5432)
    assert not allowed(after, WEB1, DB0, 5432)


def test_a_pod_gone_from_the_snapshot_keeps_its_service_account_in_the_proposal(
    shop: ClusterSnapshot,
) -> None:
    """The cluster's own CNP lets only service account `reports` into db: a gone reports job is judged with the
    service account Hubble reported, so the proposal needs no rule of its own for it."""
    gone = Endpoint(
        ip="10.0.1.77",
        kind=EndpointKind.POD,
        namespace="shop",
        pod_name="reports-29-abcde",
        labels={"app": "reports"},
        other_labels=("k8s:io.cilium.k8s.policy.serviceaccount=reports",),
    )
    allow = cnp(
        "shop",
        "db-from-reports",
        {
            "endpointSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {"fromEndpoints": [{"matchLabels": {"io.cilium.k8s.policy.serviceaccount": "reports"}}]}
            ],
        },
    )
    snap = snapshot(shop_docs(allow))
    p = propose(snap, reduce(flow(snap, "", DB0, 5432, source=gone)), CILIUM)
    assert p.ok and p.ghost_pods == ("shop/reports-29-abcde",)
    assert "shop/db-ingress" not in by_name(p)  # the cluster's CNP admits it: no rule proposed


def test_a_node_peer_cannot_be_named_by_a_networkpolicy_under_cilium(shop: ClusterSnapshot) -> None:
    """api -> the kubelet agent on its own node (hostNetwork): an ipBlock does not select a node under Cilium, so
    the NetworkPolicy dialect says why it cannot keep it allowed; the Cilium dialect names the host entity."""
    observed = reduce(flow(shop, API, "shop/agent-n1", 10250))
    p = propose(shop, observed, ProposeOptions(namespaces=("shop",)))
    assert not p.ok
    assert [(u.gap, u.direction) for u in p.uncovered] == [(Gap.NOT_CIDR_SELECTABLE, Direction.EGRESS)]
    assert propose(shop, reduce(flow(shop, API, "shop/agent-n1", 10250)), CILIUM).ok
    # with policy-cidr-match-mode=nodes the ipBlock selects the node: the NetworkPolicy dialect can do it
    nodes = snapshot(
        [d for d in shop_docs() if d["kind"] != "ConfigMap"] + [cilium_config(policy_cidr_match_mode="nodes")]
    )
    assert propose(
        nodes, reduce(flow(nodes, API, "shop/agent-n1", 10250)), ProposeOptions(namespaces=("shop",))
    ).ok
