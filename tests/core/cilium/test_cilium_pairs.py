"""What a Cilium fix opens besides its own connection (`opens_other_pairs`, `other_pairs`), against brute force.

`newly_allowed_pairs` judges only the pairs with an end that `changed_pods` names (a pod some changed policy
selects, before or after): the others cannot change. Both claims are checked here by judging every pair.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from cilium_kit import EvaluatorWorld, base_cluster, denied_cells
from cilium_sets import MIXED_SETS, SETS

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.merge_fixes import apply_fixes
from netpol_tui.core.suggest import PAIRS_NAMED, Fix
from netpol_tui.core.suggest_cilium import changed_pods
from netpol_tui.demo import scenario

ALL = SETS + MIXED_SETS
CHECKED_PORTS = ((8080, "TCP"), (8080, "UDP"), (53, "UDP"), (80, "TCP"), (443, "TCP"))


def _brute_pairs(before: ClusterSnapshot, fixes: list[Fix], verdict: Any, side: str) -> list[tuple[str, str]]:
    """Every ordered pair of distinct pods, other than the verdict's own, newly allowed with all of `fixes`
    applied, whose enforcing end is in the fixed pod's namespace (anywhere when a CCNP is among them)."""
    after = apply_fixes(before, fixes)
    ev_b, ev_a = before.evaluator, after.evaluator
    me = verdict.source if side == "egress" else verdict.destination
    everywhere = any(f.kind == "CiliumClusterwideNetworkPolicy" for f in fixes)
    own = (verdict.source.key, verdict.destination.key)
    keys = sorted(before.pods)
    out = []
    for a, b in itertools.product(keys, keys):
        if a == b:
            continue
        src, dst = (a, b) if side == "egress" else (b, a)
        enforcing = before.pods[src if side == "egress" else dst]
        if (src, dst) == own or not (everywhere or enforcing.namespace == me.pod.namespace):
            continue
        s, d = before.pods[src], before.pods[dst]
        if ev_a.allows(
            ev_a.subject_for_pod(s), ev_a.subject_for_pod(d), verdict.port, verdict.protocol
        ) and not ev_b.allows(
            ev_b.subject_for_pod(s), ev_b.subject_for_pod(d), verdict.port, verdict.protocol
        ):
            out.append((src, dst))
    return out


def _check_fixes(snapshot: ClusterSnapshot, verdict: Any, fixes: list[Fix]) -> int:
    """Each fix's count and named pairs equal the brute force over its side's fixes; the pairs judged."""
    judged = 0
    for side in dict.fromkeys(f.side for f in fixes):
        mine = [f for f in fixes if f.side == side]
        expected = _brute_pairs(snapshot, mine, verdict, side)
        for fix in mine:
            assert fix.opens_other_pairs == len(expected), (side, fix.yaml, expected)
            assert list(fix.other_pairs) == expected[:PAIRS_NAMED]
        judged += 1
    return judged


@pytest.mark.parametrize("ps", ALL, ids=[s.name for s in ALL])
def test_cilium_fix_pairs_are_the_brute_force_ones(ps: Any) -> None:
    for c in denied_cells(ps):
        if c.verdict.source.pod is None or c.verdict.destination.pod is None:
            continue  # pairs are between pods: the brute force names pods
        _check_fixes(c.world.snapshot, c.verdict, c.fixes)


def test_demo_cluster_fix_pairs_are_the_brute_force_ones() -> None:
    """The demo: three namespaces, NetworkPolicies, CNPs and a CCNP, fixes that open other pairs."""
    from netpol_tui.demo import demo_snapshot

    snapshot = demo_snapshot(cilium=True)
    opened = judged = 0
    seen: set[tuple[Any, ...]] = set()
    for _, obj in scenario.flows(1_764_151_200_000_000_000, count=600, cilium=True):
        from netpol_tui.sources.flows import convert_json

        flow = convert_json(obj)
        if flow is None or flow.verdict != "DROPPED":
            continue
        expl = explain_flow(flow, snapshot)
        v = expl.verdict
        if v.source.pod is None or v.destination.pod is None or not expl.fixes:
            continue
        key = (v.source.key, v.destination.key, v.port, v.protocol)
        if key in seen:
            continue
        seen.add(key)
        judged += _check_fixes(snapshot, v, list(expl.fixes))
        opened += sum(f.opens_other_pairs for f in expl.fixes)
    assert judged >= 5 and opened > 0  # the check saw fixes, some of which open other pairs


@pytest.mark.parametrize("ps", ALL, ids=[s.name for s in ALL])
def test_pairs_without_a_changed_pod_are_judged_the_same(ps: Any) -> None:
    """The pruning's claim: with a fix applied, every pair with no end in `changed_pods` is allowed before
    exactly when after, on every port checked."""
    for c in denied_cells(ps):
        before = c.world.snapshot
        pods = sorted(before.pods.values(), key=lambda p: p.key)
        for fix in c.fixes:
            after = apply_fixes(before, [fix])
            ev_b, ev_a = before.evaluator, after.evaluator
            changed = changed_pods(ev_b, ev_a, pods)
            assert changed is not None
            assert len(changed) < len(pods)  # the fix's own policy does not select every pod here
            for a, b in itertools.product(pods, pods):
                if a.key in changed or b.key in changed:
                    continue
                for port, proto in CHECKED_PORTS:
                    was = ev_b.allows(ev_b.subject_for_pod(a), ev_b.subject_for_pod(b), port, proto)
                    now = ev_a.allows(ev_a.subject_for_pod(a), ev_a.subject_for_pod(b), port, proto)
                    assert was == now, (ps.name, fix.yaml, a.key, b.key, port, proto)


def test_changed_pods_names_the_pods_a_new_policy_selects() -> None:
    """A new CNP selecting one pod changes that pod only; one selecting every pod of the namespace, all of its
    endpoints; a policy whose selector moves, the pods of both; a new NetworkPolicy, the pods it selects; with no
    Cilium evaluator it cannot tell (None)."""
    from cilium_kit import NS

    world = EvaluatorWorld(base_cluster())
    before = world.snapshot
    pods = list(before.pods.values())

    def cnp(name: str, selector: dict[str, Any]) -> Fix:
        manifest = {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"endpointSelector": selector, "ingress": [{"fromEntities": ["cluster"]}]},
        }
        return Fix("ingress", "create", NS, name, manifest, 0, "CiliumNetworkPolicy")

    one = apply_fixes(before, [cnp("one", {"matchLabels": {"name": "echo-same-node"}})])
    assert changed_pods(before.evaluator, one.evaluator, pods) == {f"{NS}/echo-same-node"}
    every = apply_fixes(before, [cnp("every", {})])
    # host-network pods are not endpoints: no CNP selects them, their verdicts do not change
    assert changed_pods(before.evaluator, every.evaluator, pods) == {
        p.key for p in pods if p.namespace == NS and not p.host_network
    }
    # a policy whose selector moves: the pod it selected before changes too
    moved = apply_fixes(one, [cnp("one", {"matchLabels": {"name": "client"}})])
    assert changed_pods(one.evaluator, moved.evaluator, pods) == {f"{NS}/echo-same-node", f"{NS}/client"}
    knp = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "k", "namespace": NS},
        "spec": {"podSelector": {"matchLabels": {"name": "client"}}, "policyTypes": ["Ingress"]},
    }
    with_knp = apply_fixes(before, [Fix("ingress", "create", NS, "k", knp, 0)])
    assert changed_pods(before.evaluator, with_knp.evaluator, pods) == {f"{NS}/client"}
    plain = ClusterSnapshot()
    assert changed_pods(plain.evaluator, plain.evaluator, []) is None
