"""core/diff.py: observed connections, policy changes, the verdict diff (table-driven and against a brute-force
oracle that re-judges every connection under both states), and staged objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from diff_support import (
    ALLOW_80_FROM_B,
    DENY_INGRESS,
    NAMESPACES,
    PODS,
    Doc,
    all_pairs,
    base_docs,
    brute_force,
    ccnp,
    cnp,
    ep,
    flow,
    netpol,
    snap,
    summary,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_tui.core.diff import (
    Change,
    Connection,
    PolicyChange,
    PolicyId,
    diff,
    observed_connections,
    policy_changes,
    staged,
)
from netpol_tui.core.model import Endpoint, EndpointKind, Flow


# ---------------------------------------------------------------------------------------------------------------
# Observed connections
# ---------------------------------------------------------------------------------------------------------------
def test_replies_and_duplicates_are_not_connections() -> None:
    flows = [
        flow("x/b", "x/a"),
        flow("x/b", "x/a"),  # duplicate: counted, not a new connection
        flow("x/b", "x/a", reply=True),  # the reply (a -> b): not a connection, not counted
        flow("x/b", "x/a", 81),
        Flow(source=ep("x/c"), destination=ep("x/a"), destination_port=80, protocol="TCP", is_reply=None),
        Flow(
            source=ep("x/a"),
            destination=ep("x/c"),
            source_port=80,
            destination_port=1234,
            protocol="TCP",
            is_reply=True,
        ),
        flow("x/b", "x/a", 80, "UDP"),
    ]
    got = [(oc.connection, oc.flows) for oc in observed_connections(flows)]
    assert got == [
        (Connection("x/b", "x/a", 80, "TCP"), 2),
        (Connection("x/b", "x/a", 81, "TCP"), 1),
        (Connection("x/c", "x/a", 80, "TCP"), 1),
        (Connection("x/b", "x/a", 80, "UDP"), 1),
    ]


def test_external_endpoint_is_written_as_its_ip() -> None:
    got = observed_connections([flow("203.0.113.9", "x/a", 443)])
    assert [oc.connection for oc in got] == [Connection("203.0.113.9", "x/a", 443, "TCP")]


# ---------------------------------------------------------------------------------------------------------------
# Policy changes
# ---------------------------------------------------------------------------------------------------------------
def test_policy_changes_created_deleted_modified_and_metadata_noise() -> None:
    before = snap(
        netpol("x", "stays", DENY_INGRESS, resourceVersion="1", labels={"team": "red"}),
        netpol("x", "goes", DENY_INGRESS),
        netpol("x", "edited", ALLOW_80_FROM_B),
    )
    edited = copy.deepcopy(ALLOW_80_FROM_B)
    edited["ingress"][0]["ports"] = [{"port": 81}]
    after = snap(
        netpol("x", "stays", DENY_INGRESS, resourceVersion="7", labels={"team": "blue"}, uid="u"),
        netpol("x", "edited", edited),
        netpol("y", "new", DENY_INGRESS),
    )
    assert policy_changes(before, after) == (
        PolicyChange(PolicyId("NetworkPolicy", "x", "edited"), Change.MODIFIED),
        PolicyChange(PolicyId("NetworkPolicy", "x", "goes"), Change.DELETED),
        PolicyChange(PolicyId("NetworkPolicy", "y", "new"), Change.CREATED),
    )


def test_defaulted_policy_types_are_not_a_modification() -> None:
    explicit = dict(ALLOW_80_FROM_B, policyTypes=["Ingress"])
    before = snap(netpol("x", "p", explicit))
    after = snap(netpol("x", "p", ALLOW_80_FROM_B))  # policyTypes defaulted to [Ingress]
    assert policy_changes(before, after) == ()
    # `egress: []` without policyTypes does not add Egress: still the same effective spec
    after2 = snap(netpol("x", "p", dict(ALLOW_80_FROM_B, egress=[])))
    assert policy_changes(before, after2) == ()
    # but declaring Egress is a change
    after3 = snap(netpol("x", "p", dict(ALLOW_80_FROM_B, policyTypes=["Ingress", "Egress"])))
    assert [c.change for c in policy_changes(before, after3)] == [Change.MODIFIED]


# ---------------------------------------------------------------------------------------------------------------
# The diff, table-driven
# ---------------------------------------------------------------------------------------------------------------
def _modified(spec: Doc, path: tuple[Any, ...], value: Any) -> Doc:
    out = copy.deepcopy(spec)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


CASES: list[tuple[str, list[Doc], list[Doc], list[Flow], set[tuple[Any, ...]]]] = [
    (
        "created deny: every observed connection to x/a loses on ingress",
        [],
        [netpol("x", "deny", DENY_INGRESS)],
        [flow("x/b", "x/a"), flow("y/c", "x/a", 81), flow("x/a", "x/b"), flow("203.0.113.9", "x/a")],
        {
            ("x/b", "x/a", True, False, "ingress", ("created:x/deny",)),
            ("y/c", "x/a", True, False, "ingress", ("created:x/deny",)),
            ("203.0.113.9", "x/a", True, False, "ingress", ("created:x/deny",)),
        },
    ),
    (
        "deleted deny: access comes back",
        [netpol("x", "deny", DENY_INGRESS)],
        [],
        [flow("x/b", "x/a"), flow("x/b", "x/c")],
        {("x/b", "x/a", False, True, "ingress", ("deleted:x/deny",))},
    ),
    (
        "modified port 80 -> 81",
        [netpol("x", "allow", ALLOW_80_FROM_B)],
        [netpol("x", "allow", _modified(ALLOW_80_FROM_B, ("ingress", 0, "ports"), [{"port": 81}]))],
        [flow("x/b", "x/a", 80), flow("x/b", "x/a", 81), flow("x/c", "x/a", 80)],
        {
            ("x/b", "x/a", True, False, "ingress", ("modified:x/allow",)),
            ("x/b", "x/a", False, True, "ingress", ("modified:x/allow",)),
        },
    ),
    (
        "modified peer selector b -> c",
        [netpol("x", "allow", ALLOW_80_FROM_B)],
        [
            netpol(
                "x",
                "allow",
                _modified(
                    ALLOW_80_FROM_B, ("ingress", 0, "from"), [{"podSelector": {"matchLabels": {"pod": "c"}}}]
                ),
            )
        ],
        [flow("x/b", "x/a"), flow("x/c", "x/a"), flow("y/b", "x/a")],
        {
            ("x/b", "x/a", True, False, "ingress", ("modified:x/allow",)),
            ("x/c", "x/a", False, True, "ingress", ("modified:x/allow",)),
        },
    ),
    (
        "modified podSelector a -> b: both the old and the new target change",
        [netpol("x", "deny", DENY_INGRESS)],
        [netpol("x", "deny", _modified(DENY_INGRESS, ("podSelector",), {"matchLabels": {"pod": "b"}}))],
        [flow("x/c", "x/a"), flow("x/c", "x/b"), flow("x/a", "x/c")],
        {
            ("x/c", "x/a", False, True, "ingress", ("modified:x/deny",)),
            ("x/c", "x/b", True, False, "ingress", ("modified:x/deny",)),
        },
    ),
    (
        "one policy both ways: side both",
        [],
        [netpol("x", "lockdown", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})],
        [flow("x/a", "x/b"), flow("x/a", "y/b"), flow("y/a", "x/b"), flow("y/a", "y/b")],
        {
            ("x/a", "x/b", True, False, "both", ("created:x/lockdown",)),
            ("x/a", "y/b", True, False, "egress", ("created:x/lockdown",)),
            ("y/a", "x/b", True, False, "ingress", ("created:x/lockdown",)),
        },
    ),
    (
        "two changed policies, each names only its own side",
        [],
        [
            netpol(
                "x", "egress-off", {"podSelector": {"matchLabels": {"pod": "a"}}, "policyTypes": ["Egress"]}
            ),
            netpol(
                "y", "ingress-off", {"podSelector": {"matchLabels": {"pod": "b"}}, "policyTypes": ["Ingress"]}
            ),
        ],
        [flow("x/a", "y/b"), flow("x/a", "y/c"), flow("x/b", "y/b")],
        {
            ("x/a", "y/b", True, False, "both", ("created:x/egress-off", "created:y/ingress-off")),
            ("x/a", "y/c", True, False, "egress", ("created:x/egress-off",)),
            ("x/b", "y/b", True, False, "ingress", ("created:y/ingress-off",)),
        },
    ),
    (
        "a changed policy that selects the pod but does not change its verdict is not named",
        [netpol("x", "allow-all", {"podSelector": {}, "ingress": [{}]}), netpol("x", "deny", DENY_INGRESS)],
        [netpol("x", "allow-all", {"podSelector": {}, "ingress": [{}]})],  # deny removed; allow-all kept
        [flow("y/a", "x/a"), flow("y/a", "x/b")],
        set(),
    ),
    (
        "metadata-only changes list nothing",
        [netpol("x", "deny", DENY_INGRESS, resourceVersion="1")],
        [netpol("x", "deny", DENY_INGRESS, resourceVersion="2", annotations={"a": "b"})],
        [flow("x/b", "x/a")],
        set(),
    ),
]


@pytest.mark.parametrize(("title", "before", "after", "flows", "expected"), CASES, ids=[c[0] for c in CASES])
def test_diff_cases(
    title: str, before: list[Doc], after: list[Doc], flows: list[Flow], expected: set[tuple[Any, ...]]
) -> None:
    b, a = snap(*before), snap(*after)
    observed = observed_connections(flows)
    result = diff(observed, b, a)
    assert summary(result.changes) == expected
    assert summary(result.changes) == summary(brute_force(observed, b, a))


def test_connections_untouched_by_the_change_are_not_judged() -> None:
    before = snap()
    after = snap(netpol("x", "deny", DENY_INGRESS))
    observed = observed_connections(all_pairs())
    result = diff(observed, before, after)
    assert {(c.connection.source, c.connection.destination) for c in result.changes} == {
        (f"{ns}/{p}", "x/a") for ns in NAMESPACES for p in PODS if f"{ns}/{p}" != "x/a"
    }
    assert result.rejudged == 8  # only the connections into x/a: the others cannot have changed
    assert result.observed == 72
    assert all(c.loses_access for c in result.changes)
    assert [c.flows for c in result.changes] == [1] * 8


def test_flows_count_and_order() -> None:
    before = snap()
    after = snap(netpol("x", "deny", DENY_INGRESS))
    flows = [flow("y/a", "x/a"), flow("x/b", "x/a"), flow("y/a", "x/a"), flow("y/a", "x/a", reply=True)]
    result = diff(observed_connections(flows), before, after)
    assert [(c.connection.source, c.flows) for c in result.changes] == [("y/a", 2), ("x/b", 1)]


def test_pod_relabelled_between_states_is_rejudged_without_a_policy_change() -> None:
    policy = netpol("x", "deny", DENY_INGRESS)
    before = snap(policy)
    docs = base_docs()
    for d in docs:
        if d["kind"] == "Pod" and d["metadata"]["namespace"] == "x" and d["metadata"]["name"] == "a":
            d["metadata"]["labels"] = {"pod": "renamed"}
    after = snap(policy, docs=docs)
    observed = observed_connections([flow("x/b", "x/a"), flow("x/b", "x/c")])
    result = diff(observed, before, after)
    assert summary(result.changes) == {("x/b", "x/a", False, True, "ingress", ())}
    assert result.policy_changes == ()


def test_unchanged_states_rejudge_nothing() -> None:
    s = snap(netpol("x", "deny", DENY_INGRESS))
    result = diff(observed_connections(all_pairs()), s, snap(netpol("x", "deny", DENY_INGRESS)))
    assert result.changes == () and result.rejudged == 0 and result.policy_changes == ()


# ---------------------------------------------------------------------------------------------------------------
# Staged objects
# ---------------------------------------------------------------------------------------------------------------
def test_staged_replaces_as_a_whole_and_adds() -> None:
    cluster = snap(netpol("x", "allow", ALLOW_80_FROM_B), netpol("x", "deny", DENY_INGRESS))
    new_allow = netpol(
        "x", "allow", {"podSelector": {"matchLabels": {"pod": "a"}}, "ingress": [{"ports": [{"port": 81}]}]}
    )
    added = netpol("y", "deny", {"podSelector": {}, "policyTypes": ["Ingress"]})
    after = staged(cluster, [new_allow, added])
    assert sorted(p.key for p in after.policies) == ["x/allow", "x/deny", "y/deny"]  # nothing deleted
    allow = after.policy("x", "allow")
    assert allow is not None and [r.peers for r in allow.ingress] == [()]  # the old `from` did not survive
    assert {c.policy.name: c.change for c in policy_changes(cluster, after)} == {
        "allow": Change.MODIFIED,
        "deny": Change.CREATED,
    }
    assert cluster.policy("y", "deny") is None  # the cluster itself is untouched


def test_staged_policy_is_defaulted_like_a_new_object() -> None:
    cluster = snap(netpol("x", "p", dict(ALLOW_80_FROM_B, policyTypes=["Ingress"])))
    after = staged(cluster, [netpol("x", "p", copy.deepcopy(ALLOW_80_FROM_B))])  # no policyTypes
    assert policy_changes(cluster, after) == ()
    egress = netpol("x", "p", dict(ALLOW_80_FROM_B, egress=[{"ports": [{"port": 53, "protocol": "UDP"}]}]))
    after2 = staged(cluster, [egress])
    pol = after2.policy("x", "p")
    assert pol is not None and {str(t) for t in pol.policy_types} == {"Ingress", "Egress"}


def test_staged_pod_and_namespace_replace_theirs() -> None:
    cluster = snap(
        netpol(
            "x",
            "from-ns",
            {
                "podSelector": {},
                "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"ok": "yes"}}}]}],
            },
        )
    )
    ns_y = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "y", "labels": {"ok": "yes"}}}
    after = staged(cluster, [ns_y])
    result = diff(observed_connections([flow("y/a", "x/a"), flow("z/a", "x/a")]), cluster, after)
    assert summary(result.changes) == {("y/a", "x/a", False, True, "ingress", ())}


# random clusters and mutations
P_NAMESPACES = ("n1", "n2", "n3")
POD_KEYS = {"app": ["a", "b", "c"], "tier": ["web", "db"]}
NS_KEYS = {"team": ["red", "blue"], "kubernetes.io/metadata.name": list(P_NAMESPACES)}
PROBES = ((80, "TCP"), (81, "TCP"), (53, "UDP"), (9000, "SCTP"))
EXTERNAL = ("203.0.113.7", "10.9.9.9")


@st.composite
def selector(draw: st.DrawFn, keys: dict[str, list[str]]) -> Doc:
    out: Doc = {}
    if draw(st.booleans()):
        key = draw(st.sampled_from(sorted(keys)))
        out["matchLabels"] = {key: draw(st.sampled_from(keys[key]))}
    if draw(st.booleans()) and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(keys)))
        op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
        expr: Doc = {"key": key, "operator": op}
        if op in ("In", "NotIn"):
            expr["values"] = draw(st.lists(st.sampled_from(keys[key]), min_size=1, max_size=2, unique=True))
        out["matchExpressions"] = [expr]
    return out


@st.composite
def peer(draw: st.DrawFn) -> Doc:
    kind = draw(st.sampled_from(["pod", "ns", "both", "ip"]))
    if kind == "ip":
        return {
            "ipBlock": draw(
                st.sampled_from(
                    [
                        {"cidr": "10.1.0.0/16"},
                        {"cidr": "0.0.0.0/0", "except": ["10.1.1.0/24"]},
                        {"cidr": "203.0.113.0/24"},
                    ]
                )
            )
        }
    out: Doc = {}
    if kind in ("pod", "both"):
        out["podSelector"] = draw(selector(POD_KEYS))
    if kind in ("ns", "both"):
        out["namespaceSelector"] = draw(selector(NS_KEYS))
    return out


@st.composite
def rule(draw: st.DrawFn, peer_key: str) -> Doc:
    out: Doc = {}
    if draw(st.booleans()):
        out[peer_key] = draw(st.lists(peer(), max_size=2))
    if draw(st.booleans()):
        out["ports"] = draw(
            st.lists(
                st.sampled_from(
                    [
                        {"port": 80},
                        {"port": 81},
                        {"port": 53, "protocol": "UDP"},
                        {"port": "http"},
                        {"protocol": "SCTP"},
                        {"port": 80, "endPort": 9000},
                    ]
                ),
                max_size=2,
            )
        )
    return out


@st.composite
def policy_doc(draw: st.DrawFn, name: str, namespace: str | None = None) -> Doc:
    spec: Doc = {"podSelector": draw(selector(POD_KEYS))}
    types = draw(st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"]]))
    if types is not None:
        spec["policyTypes"] = types
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        if draw(st.booleans()):
            spec[direction] = draw(st.lists(rule(peer_key), max_size=2))
    ns = namespace if namespace is not None else draw(st.sampled_from(P_NAMESPACES))
    return netpol(ns, name, spec)


@st.composite
def pod_doc(draw: st.DrawFn, i: int) -> Doc:
    ns_i = draw(st.integers(0, 2))
    labels = draw(st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in POD_KEYS.items()}))
    ports = [{"name": "http", "containerPort": draw(st.sampled_from([80, 81]))}]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"p{i}", "namespace": P_NAMESPACES[ns_i], "labels": labels},
        "spec": {
            "hostNetwork": draw(st.sampled_from([False] * 7 + [True])),
            "containers": [{"name": "c", "ports": ports}],
        },
        "status": {"phase": "Running", "podIP": f"10.1.{ns_i + 1}.{i + 1}"},
    }


@st.composite
def cilium_selector(draw: st.DrawFn) -> Doc:
    sel = draw(selector(POD_KEYS))
    if draw(st.booleans()) and draw(st.booleans()):
        sel.setdefault("matchLabels", {})["k8s:io.kubernetes.pod.namespace"] = draw(
            st.sampled_from(P_NAMESPACES)
        )
    return sel


@st.composite
def cilium_item(draw: st.DrawFn, direction: str) -> Doc:
    item: Doc = {}
    peer = draw(st.sampled_from(["endpoints", "entities", "cidr", "none"]))
    prefix = "from" if direction == "ingress" else "to"
    if peer == "endpoints":
        item[f"{prefix}Endpoints"] = draw(st.lists(cilium_selector(), min_size=1, max_size=2))
    elif peer == "entities":
        item[f"{prefix}Entities"] = [draw(st.sampled_from(["world", "cluster", "all"]))]
    elif peer == "cidr":
        item[f"{prefix}CIDR"] = [draw(st.sampled_from(["203.0.113.0/24", "10.9.0.0/16"]))]
    if peer == "none" or draw(st.booleans()):
        ports = draw(
            st.lists(
                st.sampled_from([("80", "TCP"), ("81", "TCP"), ("53", "UDP"), ("9000", "SCTP")]),
                min_size=1,
                max_size=2,
            )
        )
        item["toPorts"] = [{"ports": [{"port": p, "protocol": proto} for p, proto in ports]}]
    return item


@st.composite
def cilium_policy_doc(
    draw: st.DrawFn, name: str, kind: str | None = None, namespace: str | None = None
) -> Doc:
    kind = kind or draw(st.sampled_from(["CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"]))
    spec: Doc = {"endpointSelector": draw(cilium_selector())}
    for section, direction in (
        ("ingress", "ingress"),
        ("egress", "egress"),
        ("ingressDeny", "ingress"),
        ("egressDeny", "egress"),
    ):
        if draw(st.booleans()) and (not section.endswith("Deny") or draw(st.booleans())):
            spec[section] = draw(st.lists(cilium_item(direction), max_size=2))
    if draw(st.booleans()) and draw(st.booleans()):
        spec["enableDefaultDeny"] = {"ingress": draw(st.booleans()), "egress": draw(st.booleans())}
    if kind == "CiliumNetworkPolicy":
        return cnp(namespace or draw(st.sampled_from(P_NAMESPACES)), name, spec)
    return ccnp(name, spec)


@st.composite
def mixed_policy_doc(draw: st.DrawFn, name: str, like: Doc | None = None) -> Doc:
    """A NetworkPolicy, a CNP or a CCNP; `like`: of the same kind and namespace (a modification)."""
    kind = (
        like["kind"]
        if like is not None
        else draw(st.sampled_from(["NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"]))
    )
    namespace = like["metadata"].get("namespace") if like is not None else None
    if kind == "NetworkPolicy":
        return draw(policy_doc(name, namespace))
    return draw(cilium_policy_doc(name, kind, namespace))


@st.composite
def states(draw: st.DrawFn, cilium: bool = False) -> tuple[list[Doc], list[Doc]]:
    """A cluster and a mutation of it: policies created, deleted, modified (spec or metadata only), pods and
    namespaces relabelled. With `cilium`, the policies are of every kind."""
    ns_docs = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": n,
                "labels": draw(
                    st.fixed_dictionaries({}, optional={"team": st.sampled_from(["red", "blue"])})
                ),
            },
        }
        for n in P_NAMESPACES
    ]
    pods = [draw(pod_doc(i)) for i in range(draw(st.integers(2, 6)))]

    def new_policy(name: str, like: Doc | None = None) -> Doc:
        if cilium:
            return draw(mixed_policy_doc(name, like))
        return draw(policy_doc(name, like["metadata"]["namespace"] if like is not None else None))

    policies = [new_policy(f"pol{j}") for j in range(draw(st.integers(1, 5)))]
    mode = draw(st.sampled_from(["policies", "objects", "both"]))  # what the mutation touches
    after_policies: list[Doc] = []
    for pol in policies:
        action = (
            draw(st.sampled_from(["keep", "keep", "delete", "modify", "metadata"]))
            if mode != "objects"
            else "keep"
        )
        if action == "keep":
            after_policies.append(pol)
        elif action == "modify":
            after_policies.append(new_policy(pol["metadata"]["name"], pol))
        elif action == "metadata":
            changed = copy.deepcopy(pol)
            changed["metadata"]["resourceVersion"] = "99"
            after_policies.append(changed)
    for j in range(draw(st.integers(0, 2)) if mode != "objects" else 0):
        after_policies.append(new_policy(f"new{j}"))
    after_ns = copy.deepcopy(ns_docs)
    after_pods = copy.deepcopy(pods)
    if mode != "policies" and draw(st.booleans()):
        target = draw(st.sampled_from(after_ns))
        target["metadata"]["labels"] = {"team": draw(st.sampled_from(["red", "blue", "green"]))}
    if mode != "policies" and draw(st.booleans()):
        target = draw(st.sampled_from(after_pods))
        target["metadata"]["labels"] = draw(
            st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in POD_KEYS.items()})
        )
    return [*ns_docs, *pods, *policies], [*after_ns, *after_pods, *after_policies]


def _flows(docs: list[Doc], extra: list[tuple[int, int, int, bool | None]]) -> list[Flow]:
    """Every ordered pair of ends on every probe, then `extra` flows (duplicates, replies)."""
    ends: list[Endpoint] = [
        Endpoint(
            ip=d["status"]["podIP"],
            kind=EndpointKind.POD,
            namespace=d["metadata"]["namespace"],
            pod_name=d["metadata"]["name"],
            labels=d["metadata"]["labels"],
        )
        for d in docs
        if d["kind"] == "Pod"
    ] + [Endpoint(ip=ip, kind=EndpointKind.WORLD) for ip in EXTERNAL]
    picks: list[tuple[int, int, int, bool | None]] = [
        (s, d, p, None) for s in range(len(ends)) for d in range(len(ends)) for p in range(len(PROBES))
    ]
    out = []
    for s, d, p, reply in [*picks, *extra]:
        port, proto = PROBES[p % len(PROBES)]
        out.append(
            Flow(
                source=ends[s % len(ends)],
                destination=ends[d % len(ends)],
                destination_port=port,
                protocol=proto,
                is_reply=reply,
            )
        )
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    states(),
    st.lists(
        st.tuples(
            st.integers(0, 20), st.integers(0, 20), st.integers(0, 3), st.sampled_from([None, False, True])
        ),
        max_size=10,
    ),
)
def test_fast_diff_equals_brute_force(
    pair: tuple[list[Doc], list[Doc]], picks: list[tuple[int, int, int, bool | None]]
) -> None:
    before_docs, after_docs = pair
    before = snap(docs=before_docs)
    after = snap(docs=after_docs)
    observed = observed_connections(_flows(before_docs, picks))
    fast = diff(observed, before, after)
    oracle = brute_force(observed, before, after)
    assert fast.changes == oracle
    assert fast.rejudged <= len(observed)
    assert sum(oc.flows for oc in observed) == len(picks) + len(observed) - sum(1 for p in picks if p[3])


# ---------------------------------------------------------------------------------------------------------------
# Cilium kinds: the same diff through the evaluator, identities (kind, namespace, name)
# ---------------------------------------------------------------------------------------------------------------
def _ports(*ports: int) -> list[Doc]:
    return [{"ports": [{"port": str(p), "protocol": "TCP"} for p in ports]}]


CNP_ALLOW_B = {
    "endpointSelector": {"matchLabels": {"pod": "a"}},
    "ingress": [{"fromEndpoints": [{"matchLabels": {"pod": "b"}}], "toPorts": _ports(80)}],
}
CNP_DENY_C = {
    "endpointSelector": {"matchLabels": {"pod": "a"}},
    "ingressDeny": [{"fromEndpoints": [{"matchLabels": {"pod": "c"}}]}],
}
CCNP_EGRESS_DNS_ONLY = {
    "endpointSelector": {"matchLabels": {"k8s:io.kubernetes.pod.namespace": "y"}},
    "egress": [{"toEntities": ["world"], "toPorts": _ports(443)}],
}

CILIUM_CASES: list[tuple[str, list[Doc], list[Doc], list[Flow], set[tuple[Any, ...]]]] = [
    (
        "CNP created: isolates x/a, allows b on 80",
        [],
        [cnp("x", "a-in", CNP_ALLOW_B)],
        [flow("x/b", "x/a"), flow("x/b", "x/a", 81), flow("x/c", "x/a"), flow("x/c", "x/b")],
        {
            ("x/b", "x/a", True, False, "ingress", ("created:x/a-in",)),
            ("x/c", "x/a", True, False, "ingress", ("created:x/a-in",)),
        },
    ),
    (
        "CNP modified port 80 -> 81",
        [cnp("x", "a-in", CNP_ALLOW_B)],
        [cnp("x", "a-in", dict(CNP_ALLOW_B, ingress=[dict(CNP_ALLOW_B["ingress"][0], toPorts=_ports(81))]))],
        [flow("x/b", "x/a"), flow("x/b", "x/a", 81)],
        {
            ("x/b", "x/a", True, False, "ingress", ("modified:x/a-in",)),
            ("x/b", "x/a", False, True, "ingress", ("modified:x/a-in",)),
        },
    ),
    (
        "an explicit deny added next to an allow-all NetworkPolicy: the deny wins",
        [netpol("x", "open", {"podSelector": {}, "ingress": [{}]})],
        [netpol("x", "open", {"podSelector": {}, "ingress": [{}]}), cnp("x", "no-c", CNP_DENY_C)],
        [flow("x/c", "x/a"), flow("x/b", "x/a"), flow("x/c", "x/b")],
        {("x/c", "x/a", True, False, "ingress", ("created:x/no-c",))},
    ),
    (
        "CCNP deleted: egress of namespace y back; its namespace is empty",
        [ccnp("y-egress", CCNP_EGRESS_DNS_ONLY)],
        [],
        [flow("y/a", "x/a"), flow("y/b", "203.0.113.9", 443), flow("x/a", "y/a")],
        {("y/a", "x/a", False, True, "egress", ("deleted:/y-egress",))},
    ),
    (
        "a CNP and a NetworkPolicy of the same name are two policies",
        [netpol("x", "same", DENY_INGRESS)],
        [netpol("x", "same", DENY_INGRESS), cnp("x", "same", CNP_ALLOW_B)],
        [flow("x/b", "x/a"), flow("x/c", "x/a")],
        {("x/b", "x/a", False, True, "ingress", ("created:x/same",))},
    ),
]


@pytest.mark.parametrize(
    ("title", "before", "after", "flows", "expected"), CILIUM_CASES, ids=[c[0] for c in CILIUM_CASES]
)
def test_diff_cilium_cases(
    title: str, before: list[Doc], after: list[Doc], flows: list[Flow], expected: set[tuple[Any, ...]]
) -> None:
    b, a = snap(*before), snap(*after)
    observed = observed_connections(flows)
    result = diff(observed, b, a)
    assert summary(result.changes) == expected
    assert summary(result.changes) == summary(brute_force(observed, b, a))


def test_cilium_kinds_in_changed_by() -> None:
    b = snap(ccnp("y-egress", CCNP_EGRESS_DNS_ONLY), cnp("x", "a-in", CNP_ALLOW_B))
    a = snap(cnp("x", "a-in", dict(CNP_DENY_C, ingress=[{"fromEntities": ["all"]}])))
    result = diff(observed_connections([flow("y/a", "x/a"), flow("x/c", "x/a")]), b, a)
    assert summary(result.changes) == {
        ("y/a", "x/a", False, True, "both", ("deleted:/y-egress", "modified:x/a-in"))
    }
    kinds = {
        (p.policy.kind, p.policy.namespace, p.policy.name, p.change)
        for c in result.changes
        for p in c.changed_by
    }
    assert kinds == {
        ("CiliumClusterwideNetworkPolicy", "", "y-egress", Change.DELETED),
        ("CiliumNetworkPolicy", "x", "a-in", Change.MODIFIED),
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(states(cilium=True))
def test_fast_diff_equals_brute_force_with_cilium_kinds(pair: tuple[list[Doc], list[Doc]]) -> None:
    before_docs, after_docs = pair
    before = snap(docs=before_docs)
    after = snap(docs=after_docs)
    observed = observed_connections(_flows(before_docs, []))
    assert diff(observed, before, after).changes == brute_force(observed, before, after)


def test_fqdn_rules_use_the_names_hubble_gave_the_destination() -> None:
    fqdn = cnp(
        "x",
        "a-egress",
        {
            "endpointSelector": {"matchLabels": {"pod": "a"}},
            "egress": [
                {
                    "toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "y"}}],
                    "toPorts": [
                        {
                            "ports": [{"port": "53", "protocol": "ANY"}],
                            "rules": {"dns": [{"matchPattern": "*"}]},
                        }
                    ],
                },
                {"toFQDNs": [{"matchName": "api.example.com"}], "toPorts": _ports(443)},
            ],
        },
    )
    named = Flow(
        source=ep("x/a"),
        destination=Endpoint(ip="203.0.113.9", kind=EndpointKind.WORLD),
        destination_port=443,
        protocol="TCP",
        destination_names=("api.example.com",),
    )
    unnamed = flow("x/a", "198.51.100.1", 443)
    observed = observed_connections([named, unnamed])
    assert observed[0].names == ("api.example.com",)
    before, after = snap(), snap(fqdn)
    result = diff(observed, before, after)
    assert summary(result.changes) == {
        ("x/a", "198.51.100.1", True, False, "egress", ("created:x/a-egress",))
    }
    assert summary(brute_force(observed, before, after)) == summary(result.changes)


def test_staged_cilium_objects_replace_by_kind_namespace_and_name() -> None:
    cluster = snap(
        netpol("x", "same", DENY_INGRESS),
        cnp("x", "same", CNP_ALLOW_B),
        ccnp("y-egress", CCNP_EGRESS_DNS_ONLY),
    )
    if cluster.cilium is None:
        pytest.skip("the snapshot does not carry Cilium objects yet")
    opened = cnp("x", "same", dict(CNP_ALLOW_B, ingress=[{"fromEntities": ["all"]}]))
    after = staged(
        cluster,
        [opened, ccnp("new-wide", {"endpointSelector": {}, "ingressDeny": [{"fromEntities": ["world"]}]})],
    )
    assert {(c.policy.kind, c.policy.name): c.change for c in policy_changes(cluster, after)} == {
        ("CiliumNetworkPolicy", "same"): Change.MODIFIED,
        ("CiliumClusterwideNetworkPolicy", "new-wide"): Change.CREATED,
    }
    assert after.policy("x", "same") is not None  # the NetworkPolicy of the same name stays
    result = diff(observed_connections([flow("x/c", "x/a"), flow("203.0.113.9", "y/b")]), cluster, after)
    # every changed policy that selects the pod for that direction is named, the new CCNP too (its deny of the
    # world does not match x/c, but it selects x/a for ingress)
    assert summary(result.changes) == {
        ("x/c", "x/a", False, True, "ingress", ("created:/new-wide", "modified:x/same")),
        ("203.0.113.9", "y/b", True, False, "ingress", ("created:/new-wide",)),
    }
