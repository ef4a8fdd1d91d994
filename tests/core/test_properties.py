"""Property tests (hypothesis) of the evaluator on random small clusters.

Clusters are generated as Kubernetes-shaped dicts (namespaces, pods with labels from a small alphabet, policies
with random selectors, peers, ports and policyTypes) and go through the one parser, like every other input.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import check_peers, check_ports, peer_admits
from netpol_tui.core.manifests import parse_objects

SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMESPACES = ("n1", "n2", "n3")
PROBES = ((80, "TCP"), (81, "TCP"), (53, "UDP"), (80, "UDP"), (9000, "SCTP"))
EXTERNAL_IPS = ("203.0.113.7", "10.1.9.9")
CIDRS = (
    {"cidr": "10.1.0.0/16"},
    {"cidr": "10.1.1.0/24", "except": ["10.1.1.2/32"]},
    {"cidr": "203.0.113.0/24"},
    {"cidr": "0.0.0.0/0", "except": ["10.1.0.0/16"]},
)

# ---------------------------------------------------------------------------------------------------------------
# Strategies (everything is a plain dict, as in a manifest)
# ---------------------------------------------------------------------------------------------------------------
POD_LABELS = st.fixed_dictionaries(
    {},
    optional={"app": st.sampled_from(["a", "b", "c"]), "tier": st.sampled_from(["web", "db"])},
)
NS_LABELS = st.fixed_dictionaries(
    {}, optional={"team": st.sampled_from(["red", "blue"]), "env": st.sampled_from(["prod", "dev"])}
)


@st.composite
def selector(draw, keys: dict[str, list[str]]) -> dict:
    out: dict = {}
    labels = draw(st.dictionaries(st.sampled_from(sorted(keys)), st.just(None), max_size=1))
    if labels:
        out["matchLabels"] = {k: draw(st.sampled_from(keys[k])) for k in labels}
    exprs = []
    for _ in range(draw(st.integers(0, 2))):
        key = draw(st.sampled_from(sorted(keys)))
        op = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
        e: dict = {"key": key, "operator": op}
        if op in ("In", "NotIn"):
            e["values"] = draw(st.lists(st.sampled_from(keys[key]), min_size=1, max_size=2, unique=True))
        exprs.append(e)
    if exprs:
        out["matchExpressions"] = exprs
    return out


POD_KEYS = {"app": ["a", "b", "c"], "tier": ["web", "db"]}
NS_KEYS = {"team": ["red", "blue"], "env": ["prod", "dev"], "kubernetes.io/metadata.name": list(NAMESPACES)}


@st.composite
def peer(draw) -> dict:
    kind = draw(st.sampled_from(["pod", "ns", "both", "ip"]))
    if kind == "ip":
        return {"ipBlock": copy.deepcopy(draw(st.sampled_from(CIDRS)))}
    out: dict = {}
    if kind in ("pod", "both"):
        out["podSelector"] = draw(selector(POD_KEYS))
    if kind in ("ns", "both"):
        out["namespaceSelector"] = draw(selector(NS_KEYS))
    return out


@st.composite
def port(draw) -> dict:
    out: dict = {}
    proto = draw(st.sampled_from([None, "TCP", "UDP", "SCTP"]))
    if proto:
        out["protocol"] = proto
    p = draw(st.sampled_from([None, 80, 81, 53, "http", "dns", "metrics", "range"]))
    if p == "range":
        out["port"] = draw(st.sampled_from([53, 80]))
        out["endPort"] = draw(st.sampled_from([81, 9000]))
    elif p is not None:
        out["port"] = p
    return out


@st.composite
def rule(draw, peer_key: str) -> dict:
    out: dict = {}
    peers = draw(st.one_of(st.none(), st.lists(peer(), max_size=3)))
    if peers is not None:
        out[peer_key] = peers
    ports = draw(st.one_of(st.none(), st.lists(port(), max_size=3)))
    if ports is not None:
        out["ports"] = ports
    return out


@st.composite
def policy(draw, name: str) -> dict:
    spec: dict = {"podSelector": draw(selector(POD_KEYS))}
    types = draw(
        st.sampled_from([None, ["Ingress"], ["Egress"], ["Ingress", "Egress"], ["Egress", "Ingress"]])
    )
    if types is not None:
        spec["policyTypes"] = types
    for direction, peer_key in (("ingress", "from"), ("egress", "to")):
        rules = draw(st.one_of(st.none(), st.lists(rule(peer_key), max_size=3)))
        if rules is not None:
            spec[direction] = rules
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": spec,
    }


CONTAINER_PORTS = st.lists(
    st.tuples(
        st.sampled_from([53, 80, 81, 9000]),
        st.sampled_from(["TCP", "UDP", "SCTP"]),
        st.sampled_from(["", "http", "dns", "metrics"]),
    ),
    max_size=4,
)


@st.composite
def cluster(draw) -> list[dict]:
    docs: list[dict] = []
    for ns in NAMESPACES:
        docs.append(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": draw(NS_LABELS)}}
        )
    n_pods = draw(st.integers(1, 6))
    for i in range(n_pods):
        ns_index = draw(st.integers(0, 2))
        host_net = draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans())  # 1 in 8
        ip = f"172.18.0.{i + 1}" if host_net else f"10.1.{ns_index + 1}.{i + 1}"
        ports = [
            {"containerPort": n, "protocol": proto, **({"name": name} if name else {})}
            for n, proto, name in draw(CONTAINER_PORTS)
        ]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": f"p{i}", "namespace": NAMESPACES[ns_index], "labels": draw(POD_LABELS)},
                "spec": {"hostNetwork": host_net, "containers": [{"name": "c", "ports": ports}]},
                "status": {"phase": "Running", "podIP": ip},
            }
        )
    for j in range(draw(st.integers(0, 4))):
        docs.append(draw(policy(f"pol{j}")))
    return docs


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------
def snapshot(docs: list[dict]) -> ClusterSnapshot:
    parsed = parse_objects(copy.deepcopy(docs))
    assert parsed.problems == [], parsed.problems
    return ClusterSnapshot.from_parse(parsed)


def endpoints(snap: ClusterSnapshot) -> list:
    ev = snap.evaluator
    subs = [ev.subject_for_pod(p) for _, p in sorted(snap.pods.items())]
    return subs + [ev.subject_for_ip(ip) for ip in EXTERNAL_IPS]


def connections(snap: ClusterSnapshot):
    subs = endpoints(snap)
    for s in subs:
        for d in subs:
            for port_, proto in PROBES:
                yield s, d, port_, proto


def fingerprint(snap: ClusterSnapshot) -> dict:
    """Per connection: the verdict, per side (isolated, allowed, the allowing policies' keys)."""
    ev = snap.evaluator
    out = {}
    for s, d, port_, proto in connections(snap):
        v = ev.evaluate(s, d, port_, proto)
        out[(s.key, d.key, port_, proto)] = (
            v.allowed,
            tuple(
                (
                    side.isolated,
                    side.allowed,
                    frozenset(p.policy.key for p in side.allowing),
                    frozenset(p.policy.key for p in side.policies),
                )
                for side in (v.egress, v.ingress)
            ),
        )
    return out


def selected_pods(snap: ClusterSnapshot, pol_doc: dict) -> set[str]:
    pol = parse_objects([copy.deepcopy(pol_doc)]).policies[0]
    return {p.key for p in snap.pods_in(pol.namespace) if pol.pod_selector.matches(p.labels)}


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------
@SETTINGS
@given(docs=cluster(), extra=policy("added"))
def test_allow_policy_on_isolated_pods_never_removes_a_connection(docs: list[dict], extra: dict) -> None:
    """(a) An extra policy whose selected pods are already isolated for its directions only adds connections."""
    base = snapshot(docs)
    parsed_extra = parse_objects([copy.deepcopy(extra)]).policies[0]
    types = sorted(parsed_extra.policy_types)
    # make sure every pod the extra policy selects is already isolated for those directions: if one is not,
    # isolate it first with a deny-all of the same selector and types (then measure from there)
    selected = [base.pod(k) for k in selected_pods(base, extra)]
    ev = base.evaluator
    if any(not ev.selecting(ev.subject_for_pod(p), t) for p in selected for t in types):
        docs = docs + [
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": "isolate", "namespace": extra["metadata"]["namespace"]},
                "spec": {"podSelector": copy.deepcopy(extra["spec"]["podSelector"]), "policyTypes": types},
            }
        ]
        base = snapshot(docs)
    before = base.evaluator
    after = snapshot(docs + [extra]).evaluator
    for s, d, port_, proto in connections(base):
        if before.allows(s, d, port_, proto):
            s2 = after.subject_for_pod(s.pod) if s.pod else after.subject_for_ip(s.ip)
            d2 = after.subject_for_pod(d.pod) if d.pod else after.subject_for_ip(d.ip)
            assert after.allows(s2, d2, port_, proto), (s.key, d.key, port_, proto)


@SETTINGS
@given(docs=cluster(), rnd=st.randoms(use_true_random=False))
def test_order_of_policies_rules_peers_and_ports_does_not_matter(docs: list[dict], rnd) -> None:
    """(b) Shuffling policies, rules, peers and ports changes no verdict."""
    shuffled = copy.deepcopy(docs)
    for doc in shuffled:
        if doc["kind"] != "NetworkPolicy":
            continue
        spec = doc["spec"]
        for direction, peer_key in (("ingress", "from"), ("egress", "to")):
            rules = spec.get(direction)
            if not rules:
                continue
            rnd.shuffle(rules)
            for r in rules:
                for key in (peer_key, "ports"):
                    if r.get(key):
                        rnd.shuffle(r[key])
    rnd.shuffle(shuffled)
    assert fingerprint(snapshot(docs)) == fingerprint(snapshot(shuffled))


@SETTINGS
@given(docs=cluster())
def test_allows_equals_evaluate(docs: list[dict]) -> None:
    """(c) The fast path and the explaining path always agree."""
    snap = snapshot(docs)
    ev = snap.evaluator
    for s, d, port_, proto in connections(snap):
        v = ev.evaluate(s, d, port_, proto)
        assert ev.allows(s, d, port_, proto) == v.allowed, (s.key, d.key, port_, proto)
        # and the verdict is consistent with itself
        assert v.allowed == (v.egress.allowed and v.ingress.allowed)
        for side in (v.egress, v.ingress):
            assert side.isolated == bool(side.policies)
            if side.isolated:
                assert side.allowed == any(p.allows for p in side.policies)
                for p in side.policies:
                    assert p.allows == any(r.allows for r in p.rules)
                    for r in p.rules:
                        assert r.allows == (r.peer.ok and r.port.ok)
                        assert (r.failures == 0) == r.allows
            if not side.enforced:
                assert (side.isolated, side.allowed) == (False, True) and side.reason


@SETTINGS
@given(docs=cluster())
def test_every_matcher_check_agrees_with_its_fast_answer(docs: list[dict]) -> None:
    """(c') Per compiled matcher: `check(...).ok` is `admits(...)`, and a rule's fast `admits` is its peer AND
    port results; a failing check names at least one failed clause; a port `may_admit` whatever it admits."""
    snap = snapshot(docs)
    subs = endpoints(snap)
    for pol in snap.policies:
        for rule in (*pol.ingress, *pol.egress):
            for other in subs:
                for m in rule.peer_matchers:
                    c = m.check(other, pol.namespace)
                    assert c.ok == m.admits(other, pol.namespace), (pol.key, rule.index, m, other.key)
                    assert c.index == m.index and c.kind == m.kind and (c.ok or c.failures >= 1)
                peer = check_peers(rule, pol.namespace, other)
                assert peer.ok == peer_admits(rule, pol.namespace, other)
                for dst in subs:
                    for port_, proto in PROBES:
                        for pm in rule.port_matchers:
                            pc = pm.check(port_, proto, dst)
                            assert pc.ok == pm.admits(port_, proto, dst), (
                                pol.key,
                                rule.index,
                                pm,
                                port_,
                                proto,
                            )
                            assert pc.ok or not (pc.protocol_ok and pc.port_ok)
                            # what no destination can admit is never admitted (opened_pairs relies on it)
                            assert pm.may_admit(port_, proto) or not pc.ok
                        ports = check_ports(rule, port_, proto, dst)
                        fast = rule.admits(other, pol.namespace, port_, proto, dst)
                        assert fast == (peer.ok and ports.ok)


@SETTINGS
@given(docs=cluster(), extra=policy("added"))
def test_added_policy_does_not_change_ingress_of_pods_it_does_not_select(
    docs: list[dict], extra: dict
) -> None:
    """(d) Adding a policy never turns an allowed ingress into denied for a pod it does not select
    (in fact the ingress verdict of such a pod does not change at all)."""
    base = snapshot(docs)
    untouched = {p.key for p in base.pods.values()} - selected_pods(base, extra)
    before = base.evaluator
    after = snapshot(docs + [extra]).evaluator
    for s, d, port_, proto in connections(base):
        if d.pod is None or d.pod.key not in untouched:
            continue
        was = before.evaluate(s, d, port_, proto).ingress.allowed
        s2 = after.subject_for_pod(s.pod) if s.pod else after.subject_for_ip(s.ip)
        now = after.evaluate(s2, after.subject_for_pod(d.pod), port_, proto).ingress.allowed
        assert now == was, (s.key, d.key, port_, proto)
