"""Hypothesis properties of explain_flow's fixes on random small clusters.

Random clusters: 2-3 namespaces with random labels, 3-8 pods with random labels (incl. per-instance ones such as
pod-template-hash) and named container ports, 1-5 random policies (matchLabels / matchExpressions / {} selectors,
ipBlocks with except, ports with protocols, endPort, named ports, with or without policyTypes). Random DENIED
connections: pod → pod, pod → external IP, external IP → pod, over TCP/UDP/SCTP.

Every fix is re-read from its YAML text (yaml.safe_load, then our parser) before it is used, so the text itself is
what is proven. Brute force is the reference: every ordered pod pair through `evaluator.allows`.
"""

from __future__ import annotations

import copy

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_explain_support import drop, np, ns, parse_fix_yaml, pod, snapshot

from netpol_tui.core.explain import explain_flow
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.suggest import UNSTABLE_LABELS, UNSTABLE_PREFIXES

SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)

NS_NAMES = ("alpha", "beta", "gamma")
PORTS = (53, 80, 81, 8080, 9000)
PROTOCOLS = ("TCP", "UDP", "SCTP")
CONTAINER_PORTS = (
    (80, "http", "TCP"),
    (53, "dns", "UDP"),
    (8080, "http-alt", "TCP"),
    (9000, "sc", "SCTP"),
    (81, "http", "UDP"),
)
PORT_NAMES = ("http", "dns", "http-alt", "sc", "nope")
EXTERNAL = ("203.0.113.5", "10.1.0.200", "2001:db8::5")
IPBLOCKS = (
    {"cidr": "10.1.0.0/24", "except": ["10.1.0.0/30"]},
    {"cidr": "0.0.0.0/0", "except": ["203.0.113.0/24"]},
    {"cidr": "203.0.113.0/24"},
    {"cidr": "::/0"},
    {"cidr": "10.1.0.4/30"},
)
POD_LABELS = {"app": ("web", "api", "db"), "tier": ("fe", "be"), "version": ("v1", "v2")}
NS_LABELS = {"team": ("x", "y"), "env": ("p", "q")}


def label_dict(pool: dict) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in pool.items()})


def selector(pool: dict) -> st.SearchStrategy[dict]:
    keys = list(pool)
    expr = st.builds(
        lambda key, op, vals: {
            "key": key,
            "operator": op,
            **({"values": vals} if op in ("In", "NotIn") else {}),
        },
        st.sampled_from(keys),
        st.sampled_from(("In", "NotIn", "Exists", "DoesNotExist")),
        st.lists(
            st.sampled_from(("web", "api", "db", "fe", "be", "v1", "v2", "x", "y", "p", "q")),
            min_size=1,
            max_size=2,
            unique=True,
        ),
    )
    return st.one_of(
        st.just({}),
        label_dict(pool).map(lambda d: {"matchLabels": d} if d else {}),
        st.lists(expr, min_size=1, max_size=2).map(lambda e: {"matchExpressions": e}),
    )


peer = st.one_of(
    selector(POD_LABELS).map(lambda s: {"podSelector": s}),
    selector(NS_LABELS | {"kubernetes.io/metadata.name": NS_NAMES}).map(lambda s: {"namespaceSelector": s}),
    st.tuples(selector(NS_LABELS), selector(POD_LABELS)).map(
        lambda t: {"namespaceSelector": t[0], "podSelector": t[1]}
    ),
    st.sampled_from(IPBLOCKS).map(lambda b: {"ipBlock": copy.deepcopy(b)}),
)


@st.composite
def port_spec(draw) -> dict:
    out: dict = {}
    if draw(st.booleans()):
        out["protocol"] = draw(st.sampled_from(PROTOCOLS))
    kind = draw(st.sampled_from(("none", "number", "range", "name")))
    if kind == "number":
        out["port"] = draw(st.sampled_from(PORTS))
    elif kind == "range":
        out["port"] = draw(st.sampled_from(PORTS))
        out["endPort"] = out["port"] + draw(st.sampled_from((0, 1, 100)))
    elif kind == "name":
        out["port"] = draw(st.sampled_from(PORT_NAMES))
    return out


@st.composite
def rule(draw, direction: str) -> dict:
    out: dict = {}
    if draw(st.booleans()):
        out["from" if direction == INGRESS else "to"] = draw(st.lists(peer, min_size=0, max_size=2))
    if draw(st.booleans()):
        out["ports"] = draw(st.lists(port_spec(), min_size=0, max_size=2))
    return out


@st.composite
def policy(draw, namespaces: list[str], index: int) -> dict:
    spec: dict = {"podSelector": draw(selector(POD_LABELS))}
    types = draw(st.sampled_from((None, ["Ingress"], ["Egress"], ["Ingress", "Egress"])))
    if types is not None:
        spec["policyTypes"] = types
    if draw(st.booleans()):
        spec["ingress"] = draw(st.lists(rule(INGRESS), max_size=2))
    if draw(st.booleans()):
        spec["egress"] = draw(st.lists(rule(EGRESS), max_size=2))
    return np(draw(st.sampled_from(namespaces)), f"pol-{index}", spec)


@st.composite
def cluster(draw) -> tuple[list[dict], list[str]]:
    n_ns = draw(st.integers(2, 3))
    names = list(NS_NAMES[:n_ns])
    docs = [ns(n, **draw(label_dict(NS_LABELS))) for n in names]
    pod_keys = []
    for i in range(draw(st.integers(3, 8))):
        space = draw(st.sampled_from(names))
        labels = draw(label_dict(POD_LABELS))
        if draw(st.booleans()):
            labels["pod-template-hash"] = draw(st.sampled_from(("5d8f7", "6b9c4")))
        if draw(st.integers(0, 4)) == 0:
            labels["statefulset.kubernetes.io/pod-name"] = f"p{i}"
            labels["controller-revision-hash"] = "rev-1"
        ports = draw(st.lists(st.sampled_from(CONTAINER_PORTS), max_size=3, unique=True))
        docs.append(pod(space, f"p{i}", f"10.1.0.{i + 1}", labels, ports))
        pod_keys.append(f"{space}/p{i}")
    for j in range(draw(st.integers(1, 5))):
        docs.append(draw(policy(names, j)))
    return docs, pod_keys


@st.composite
def denied_case(draw):
    docs, pods = draw(cluster())
    kind = draw(st.sampled_from(("pod-pod", "pod-ext", "ext-pod")))
    if kind == "pod-pod":
        src, dst = draw(st.lists(st.sampled_from(pods), min_size=2, max_size=2, unique=True))
    elif kind == "pod-ext":
        src, dst = draw(st.sampled_from(pods)), draw(st.sampled_from(EXTERNAL))
    else:
        src, dst = draw(st.sampled_from(EXTERNAL)), draw(st.sampled_from(pods))
    return docs, pods, src, dst, draw(st.sampled_from(PORTS)), draw(st.sampled_from(PROTOCOLS))


def explained(case):
    docs, pods, src, dst, port, proto = case
    snap = snapshot(docs)
    flow = drop(snap, src, dst, port, proto)
    expl = explain_flow(flow, snap)
    assume(not expl.verdict.allowed)
    assert expl.case == "policy_drop"
    return snap, pods, expl


def allows(snap, src_key: str, dst_key: str, port: int, proto: str) -> bool:
    ev = snap.evaluator
    return ev.allows(
        ev.subject_for_pod(snap.pods[src_key]), ev.subject_for_pod(snap.pods[dst_key]), port, proto
    )


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(denied_case())
def test_every_fix_is_verified_from_its_yaml(case) -> None:
    snap, _, expl = explained(case)
    v = expl.verdict
    # one fix per denying side, in the same order
    assert [f.side for f in expl.fixes] == [d.direction.lower() for d in expl.denying]
    parsed = [parse_fix_yaml(f.yaml) for f in expl.fixes]
    for fix, pol in zip(expl.fixes, parsed, strict=True):
        assert pol.key == fix.target
        assert pol.namespace == (v.source if fix.side == "egress" else v.destination).pod.namespace
        alone = snap.with_changes(policies=[pol])
        again = alone.evaluator.evaluate(v.source, v.destination, v.port, v.protocol)
        assert (again.egress if fix.side == "egress" else again.ingress).allowed, fix.yaml
    everything = snap.with_changes(policies=parsed)
    assert everything.evaluator.evaluate(v.source, v.destination, v.port, v.protocol).allowed


@SETTINGS
@given(denied_case())
def test_opens_other_pairs_is_the_brute_force_count(case) -> None:
    snap, pods, expl = explained(case)
    v = expl.verdict
    own = (v.source.key, v.destination.key)
    for fix in expl.fixes:
        after = snap.with_changes(policies=[parse_fix_yaml(fix.yaml)])
        count = sum(
            1
            for a in pods
            for b in pods
            if a != b
            and (a, b) != own
            and allows(after, a, b, v.port, v.protocol)
            and not allows(snap, a, b, v.port, v.protocol)
        )
        assert fix.opens_other_pairs == count, fix.yaml


def _selector_keys(sel: dict | None) -> set[str]:
    if not sel:
        return set()
    return set(sel.get("matchLabels") or {}) | {e["key"] for e in sel.get("matchExpressions") or []}


@SETTINGS
@given(denied_case())
def test_fixes_select_stable_labels_and_patches_keep_every_rule(case) -> None:
    snap, _, expl = explained(case)
    for fix in expl.fixes:
        doc = yaml.safe_load(fix.yaml)
        key = fix.side  # "ingress" / "egress": the spec key
        added = doc["spec"][key][-1]
        used = set()
        for p in added.get("from" if key == "ingress" else "to", []):
            used |= _selector_keys(p.get("podSelector"))
        if fix.action == "create":
            used |= _selector_keys(doc["spec"]["podSelector"])
            assert doc["spec"]["policyTypes"] == [key.capitalize()]
            assert len(doc["spec"][key]) == 1
        for label in used:
            assert label not in UNSTABLE_LABELS and not label.startswith(UNSTABLE_PREFIXES), fix.yaml
        assert len(added.get("ports", [])) <= 1
        if fix.action == "patch":
            original = snap.policy(*fix.target.split("/")).raw
            same_target = [f for f in expl.fixes if f.target == fix.target]
            for k in ("ingress", "egress"):
                before = original["spec"].get(k) or []
                added_here = sum(1 for f in same_target if f.side == k)  # both sides may patch one policy
                assert len(doc["spec"].get(k) or []) == len(before) + added_here
                assert (doc["spec"].get(k) or [])[: len(before)] == before
            rest = {k: v for k, v in doc["spec"].items() if k not in ("ingress", "egress")}
            assert rest == {k: v for k, v in original["spec"].items() if k not in ("ingress", "egress")} | {
                "podSelector": original["spec"].get("podSelector", {})
            }
            assert doc["metadata"]["name"] == original["metadata"]["name"]
            assert doc["metadata"]["namespace"] == original["metadata"]["namespace"]


@SETTINGS
@given(cluster(), st.data())
def test_listed_policies_are_exactly_the_selecting_ones(generated, data) -> None:
    docs, pods = generated
    snap = snapshot(docs)
    src, dst = data.draw(st.lists(st.sampled_from(pods), min_size=2, max_size=2, unique=True))
    port, proto = data.draw(st.sampled_from(PORTS)), data.draw(st.sampled_from(PROTOCOLS))
    expl = explain_flow(drop(snap, src, dst, port, proto), snap, with_fixes=False)
    for side, key in ((expl.verdict.egress, src), (expl.verdict.ingress, dst)):
        p = snap.pods[key]
        expected = {
            pol.key
            for pol in snap.policies
            if pol.namespace == p.namespace
            and side.direction in pol.policy_types
            and pol.pod_selector.matches(p.labels)
        }
        assert {r.policy.key for r in side.policies} == expected
        assert side.isolated == bool(expected)
        assert side.allowed == (not expected or any(r.allows for r in side.policies))
