"""The demo's Cilium mistakes (issue 12 point 9): each one a Hubble-shaped drop (133 POLICY_DENIED or 181
POLICY_DENY, destination_names for the FQDN case, *_denied_by for the denies) whose explanation by the core names
the right policy and the failing clause; the shop's older drops stay as they were."""

from __future__ import annotations

import pytest

from netpol_tui.core.cilium.matchers import PeerMiss
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.model import Flow
from netpol_tui.demo import demo_flows, demo_snapshot, scenario

COUNT = scenario.CILIUM_FROM + len(scenario.CILIUM_TRAFFIC)


@pytest.fixture(scope="module")
def shop():
    return demo_snapshot(cilium=True), demo_flows(COUNT, cilium=True)


def _flow(flows: list[Flow], src_pod: str, dst: str) -> Flow:
    for f in flows:
        if (
            f.verdict == "DROPPED"
            and f.source.pod_name == src_pod
            and dst in (f.destination.pod_name, f.destination.ip)
        ):
            return f
    raise AssertionError(f"no demo drop {src_pod} -> {dst}")


def _side(flow: Flow, shop) -> CiliumDirectionResult:
    snap, _ = shop
    verdict = explain_flow(flow, snap).verdict
    assert verdict.allowed is False
    side = verdict.egress if flow.traffic_direction == "EGRESS" else verdict.ingress
    assert isinstance(side, CiliumDirectionResult) and side.cilium is not None and side.allowed is False
    return side


def test_every_cilium_mistake_comes_once_first_after_the_older_flows(shop):
    _, flows = shop
    first = flows[scenario.CILIUM_FROM : COUNT]
    assert [(f.source.pod_name or f.source.ip, f.drop_reason) for f in first] == [
        ("mailer-8e6f9a7b5-v3w5x", "POLICY_DENIED"),
        ("storefront-5b7c9d8f6-k2m4n", "POLICY_DENY"),
        ("storefront-5b7c9d8f6-k2m4n", "POLICY_DENIED"),
        ("coredns-5d78c9869d-8fz2x", "POLICY_DENY"),
        ("batch-9f7a6b8c4-y6z9a", "POLICY_DENIED"),
    ]
    raw = [o["flow"] for _, o in scenario.flows(0, count=COUNT, cilium=True)][scenario.CILIUM_FROM :]
    assert [(r["drop_reason"], r["event_type"]) for r in raw] == [
        (133, {"type": 1, "sub_type": 133}),
        (181, {"type": 1, "sub_type": 181}),
        (133, {"type": 1, "sub_type": 133}),
        (181, {"type": 1, "sub_type": 181}),
        (133, {"type": 1, "sub_type": 133}),
    ]
    # the flows before them are exactly the ones the demo always sent (same seed, same order)
    older = demo_flows(scenario.CILIUM_FROM, cilium=False)
    assert [(f.source.ip, f.destination.ip, f.time_ns) for f in older] == [
        (f.source.ip, f.destination.ip, f.time_ns) for f in flows[: scenario.CILIUM_FROM]
    ]


def test_fqdn_egress_without_the_dns_rule(shop):
    snap, flows = shop
    flow = _flow(flows, "mailer-8e6f9a7b5-v3w5x", "34.111.12.7")
    assert flow.destination_names == ("smtp.mailgun.org",)
    side = _side(flow, shop)
    assert [p.policy.key for p in side.cilium.isolating] == ["orders/mailer-egress"]
    # judged with the names Hubble reported: the name matches, the DNS proxy never saw the lookup
    ev = snap.evaluator
    src = ev.subject_for_ip(flow.source.ip)
    dst = ev.subject_for_ip(flow.destination.ip)
    verdict = ev.evaluate(src, dst, 587, "TCP", names=flow.destination_names)
    egress = verdict.egress
    assert isinstance(egress, CiliumDirectionResult) and egress.allowed is False and egress.cilium is not None
    (pol,) = egress.cilium.isolating
    closest = pol.closest
    assert closest is not None and closest.number == 0 and closest.port.ok
    assert (
        closest.peer.best.miss is PeerMiss.FQDN_NO_DNS_RULE and closest.peer.best.value == "smtp.mailgun.org"
    )


def test_deny_shadows_an_allow(shop):
    _, flows = shop
    flow = _flow(flows, "storefront-5b7c9d8f6-k2m4n", "orders-api-6c8d7e9f5-p4q7r")
    assert [(p.name, p.namespace, p.kind) for p in flow.ingress_denied_by] == [
        ("block-plaintext", "orders", "CiliumNetworkPolicy")
    ]
    side = _side(flow, shop)
    assert [(d.policy.key, d.path) for d in side.denied_by] == [
        ("orders/block-plaintext", "spec.ingressDeny[0]")
    ]
    allows = {p.policy.key: p.allowed for p in side.cilium.policies}
    assert allows["orders/orders-api-ingress"] is True  # the allow that the deny shadows


def test_ingress_list_of_one_empty_rule_allows_nothing(shop):
    _, flows = shop
    side = _side(_flow(flows, "storefront-5b7c9d8f6-k2m4n", "reports-7d9e8f6a4-s8t2u"), shop)
    (pol,) = side.cilium.isolating
    assert pol.policy.key == "orders/reports-allow-all" and pol.isolating_rules
    closest = pol.closest
    assert closest is not None and closest.number == 0
    assert closest.peer.best.miss is PeerMiss.NOTHING
    assert side.denied_by == ()


def test_clusterwide_empty_selector_catches_kube_system(shop):
    _, flows = shop
    flow = _flow(flows, "coredns-5d78c9869d-8fz2x", "1.1.1.1")
    assert [(p.name, p.namespace, p.kind) for p in flow.egress_denied_by] == [
        ("no-external-dns", "", "CiliumClusterwideNetworkPolicy")
    ]
    side = _side(flow, shop)
    assert [(d.policy.kind, d.policy.namespace, d.policy.name, d.path) for d in side.denied_by] == [
        ("CiliumClusterwideNetworkPolicy", "", "no-external-dns", "spec.egressDeny[0]")
    ]
    assert side.cilium.isolating == ()  # enableDefaultDeny: false — only the deny decides


def test_world_entity_where_cluster_was_meant(shop):
    _, flows = shop
    side = _side(_flow(flows, "batch-9f7a6b8c4-y6z9a", "ledger-0"), shop)
    (pol,) = side.cilium.isolating
    assert pol.policy.key == "orders/batch-egress"
    closest = pol.closest
    assert closest is not None and closest.number == 0 and closest.port.ok
    assert (closest.peer.best.miss, closest.peer.best.value) == (PeerMiss.ENTITY, "world")


def test_the_older_drops_keep_their_verdicts(shop):
    snap, flows = shop
    for flow in flows[: len(scenario.TRAFFIC)]:
        verdict = explain_flow(flow, snap).verdict
        if flow.verdict == "DROPPED" and flow.drop_reason == "POLICY_DENIED":
            assert verdict.allowed is False, flow
        else:
            assert verdict.allowed is True, flow
        for side in (verdict.egress, verdict.ingress):
            assert isinstance(side, CiliumDirectionResult) and side.denied_by == ()


def test_with_cilium_on_the_older_stream_is_unchanged_between_the_new_flows():
    def key(obj: dict) -> tuple:
        f = obj["flow"]
        return (f["IP"]["source"], f["IP"]["destination"], json_l4(f), f["verdict"])

    def json_l4(f: dict) -> tuple:
        ((proto, l4),) = f["l4"].items()
        return proto, l4["source_port"], l4["destination_port"]

    cilium_ips = {"10.244.3.", "34.111.12.7", "1.1.1.1"}
    mixed = [key(o) for _, o in scenario.flows(0, count=600, cilium=True)]
    plain = [key(o) for _, o in scenario.flows(0, count=600, cilium=False)]
    kept = [k for k in mixed if not any(k[0].startswith(p) or k[1].startswith(p) for p in cilium_ips)]
    assert len(mixed) - len(kept) >= len(scenario.CILIUM_TRAFFIC)  # the first round, then now and then
    assert kept == plain[: len(kept)]
