"""explain_flow scenarios: every case (agreement with Hubble), every finding, and the fixes' shape.

Assertions are on codes, params, cases and fixes (count, side, action, target, valid YAML that our parser reads and
that makes the flow allowed), not on prose (see test_explain_golden.py for the wording).
"""

from __future__ import annotations

from typing import TypeVar

import pytest
import yaml
from test_explain_support import (
    API,
    API2,
    COREDNS,
    FRONTEND,
    NGINX,
    PAYMENTS,
    PROMETHEUS,
    WORKER,
    demo_flow,
    demo_snapshot,
    drop,
    endpoint,
    np,
    ns,
    parse_fix_yaml,
    pod,
    policy_ref,
    snapshot,
)

from netpol_tui.core import wording
from netpol_tui.core.cluster import Coverage
from netpol_tui.core.explain import Explanation, explain_flow
from netpol_tui.core.findings import (
    AndOrMistake,
    DirectionDiffers,
    DnsEgress,
    DropReason,
    ExplicitDeny,
    Finding,
    ForbiddenResources,
    HostNetwork,
    HubbleDisagreesDropped,
    HubbleDisagreesForwarded,
    IngressController,
    MetadataAddress,
    NamespaceLabelMissing,
    NamespaceScope,
    NotEvaluatedPolicies,
    PodNotInSnapshot,
    ReplyFlow,
    ServicePortUsed,
)
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.model import Direction, Endpoint, EndpointKind, Workload
from netpol_tui.core.suggest import UNSTABLE_LABELS
from netpol_tui.demo import scenario as demo_scenario

F = TypeVar("F", bound=Finding)


def codes(expl: Explanation) -> list[str]:
    return [f.code for f in expl.findings]


def finding(expl: Explanation, kind: type[F]) -> F:
    found = expl.found(kind)
    assert len(found) == 1, f"{kind.__name__} not found once in {codes(expl)}"
    return found[0]


def assert_fix_allows(expl, snap) -> None:
    """All fixes of the explanation, re-read from their YAML text, make the connection allowed."""
    pols = [parse_fix_yaml(f.yaml) for f in expl.fixes]
    after = snap.with_changes(policies=pols)
    v = expl.verdict
    assert after.evaluator.evaluate(v.source, v.destination, v.port, v.protocol).allowed


# ---------------------------------------------------------------------------------------------------------------
# The demo's mistakes
# ---------------------------------------------------------------------------------------------------------------
def test_demo_dns_egress() -> None:
    snap = demo_snapshot()
    expl = explain_flow(demo_flow(WORKER, COREDNS, 53), snap)
    assert expl.case == "policy_drop"
    assert [d.direction for d in expl.denying] == ["Egress"]
    f = finding(expl, DnsEgress)
    assert f.namespace == "shop"
    # the namespace-wide DNS allow, as YAML, lets every pod of shop resolve names on UDP and TCP 53
    dns = parse_fix_yaml(render_yaml(f.manifest))
    assert dns.namespace == "shop" and dns.pod_selector.is_empty
    after = snap.with_changes(policies=[dns])
    ev = after.evaluator
    for key in (WORKER, FRONTEND, API):
        for proto in ("UDP", "TCP"):
            assert ev.allows(
                ev.subject_for_pod(after.pods[key]), ev.subject_for_pod(after.pods[COREDNS]), 53, proto
            )
    # the flow's own fix: one egress rule on worker (patching worker-egress, which selects exactly the workers)
    (fix,) = expl.fixes
    assert (fix.side, fix.action, fix.target) == ("egress", "patch", "shop/worker-egress")
    assert_fix_allows(expl, snap)


def test_dns_allow_is_offered_only_when_it_opens_the_flow_and_never_overwrites_a_policy() -> None:
    snap = demo_snapshot()
    # a query to a resolver outside the cluster: the namespace-wide kube-dns allow would not open it
    expl = explain_flow(drop(snap, WORKER, "8.8.8.8", 53, "UDP", direction="EGRESS"), snap)
    f = finding(expl, DnsEgress)
    assert f.manifest is None and "another DNS server" in wording.finding_text(f)
    # a policy already named allow-dns-egress in shop: the proposal takes another name
    taken = snapshot(
        [
            *demo_scenario.cluster_objects(),
            np("shop", "allow-dns-egress", {"podSelector": {"matchLabels": {"app": "x"}}}),
        ]
    )
    f = finding(explain_flow(demo_flow(WORKER, COREDNS, 53), taken), DnsEgress)
    assert f.manifest["metadata"]["name"] == "allow-dns-egress-2"


def render_yaml(manifest: dict) -> str:
    from netpol_tui.core import yamlout

    return yamlout.dump(manifest)


def test_demo_service_port() -> None:
    expl = explain_flow(demo_flow(FRONTEND, API, 8080), demo_snapshot())
    assert expl.case == "policy_drop"
    f = finding(expl, ServicePortUsed)
    assert f.policy == "shop/api-ingress" and f.rule == 0
    assert f.rule_ports == (80,) and f.target_port == 8080
    (fix,) = expl.fixes
    assert (fix.side, fix.action, fix.target) == ("ingress", "patch", "shop/api-ingress")
    # 2 frontends x 2 apis, minus the flow's own pair
    assert fix.opens_other_pairs == 3
    assert_fix_allows(expl, demo_snapshot())


def test_demo_and_or_mistake() -> None:
    expl = explain_flow(demo_flow(PROMETHEUS, API, 9090), demo_snapshot())
    f = finding(expl, AndOrMistake)
    assert f.policy == "shop/allow-metrics"
    assert f.peer_namespace == "monitoring" and f.separate_items is True
    # the namespaceSelector item fails on one clause too (an old-style `name` label): both causes are named
    ns = finding(expl, NamespaceLabelMissing)
    assert (ns.key, ns.similar) == ("name", "kubernetes.io/metadata.name=monitoring")
    (fix,) = expl.fixes
    doc = yaml.safe_load(fix.yaml)
    peer = doc["spec"]["ingress"][-1]["from"]
    # one list item: namespaceSelector AND podSelector, on stable labels only
    assert peer == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": {"app": "prometheus"}},
        }
    ]


def test_demo_namespace_label_typo() -> None:
    expl = explain_flow(demo_flow(API, PAYMENTS, 8443), demo_snapshot())
    f = finding(expl, NamespaceLabelMissing)
    assert f == NamespaceLabelMissing(
        policy="payments/payments-ingress",
        rule=0,
        direction=Direction.INGRESS,
        namespace="shop",
        key="team",
        value="shops",
        actual="shop",
        similar="team=shop",
    )
    (fix,) = expl.fixes
    assert (fix.side, fix.action, fix.target) == ("ingress", "patch", "payments/payments-ingress")
    assert fix.opens_other_pairs == 1  # the other api pod


def test_demo_ingress_controller() -> None:
    expl = explain_flow(demo_flow(NGINX, API2, 8080), demo_snapshot())
    assert finding(expl, IngressController).source == NGINX
    # the closest rule (allow-metrics) fails on its port too: relabelling the namespace would not help
    assert not expl.has(NamespaceLabelMissing)
    (fix,) = expl.fixes
    assert fix.side == "ingress"
    assert_fix_allows(expl, demo_snapshot())


def test_demo_metadata_address() -> None:
    expl = explain_flow(demo_flow(WORKER, "169.254.169.254", 80), demo_snapshot())
    assert finding(expl, MetadataAddress).ip == "169.254.169.254"
    (fix,) = expl.fixes
    doc = yaml.safe_load(fix.yaml)
    assert doc["spec"]["egress"][-1] == {
        "to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
        "ports": [{"protocol": "TCP", "port": 80}],
    }


def test_demo_not_a_policy_drop() -> None:
    expl = explain_flow(demo_flow(API2, "10.96.40.7", 443), demo_snapshot())
    assert expl.case == "not_a_policy_drop"
    f = finding(expl, DropReason)
    assert f.reason == "SERVICE_BACKEND_NOT_FOUND" and f.reason_code == 158
    assert expl.fixes == ()
    assert "outside the cluster" not in wording.explanation_summary(expl)


# ---------------------------------------------------------------------------------------------------------------
# A small cluster for the rest
# ---------------------------------------------------------------------------------------------------------------
BASE = [
    ns("prod", team="prod"),
    ns("web", team="web"),
    ns("kube-system"),
    pod("prod", "api-7d9-a", "10.0.0.1", {"app": "api", "pod-template-hash": "7d9"}, [(8080, "http", "TCP")]),
    pod("prod", "api-7d9-b", "10.0.0.2", {"app": "api", "pod-template-hash": "7d9"}, [(8080, "http", "TCP")]),
    pod(
        "prod",
        "db-0",
        "10.0.0.3",
        {"app": "db", "statefulset.kubernetes.io/pod-name": "db-0", "controller-revision-hash": "db-5"},
        [(5432, "pg", "TCP")],
    ),
    pod("prod", "v6-0", "fd00::3", {"app": "v6"}, [(443, "https", "TCP")]),
    pod("prod", "agent", "192.168.0.10", {"app": "agent"}, host_network=True),
    pod("web", "web-1", "10.0.1.1", {"app": "web"}, [(80, "http", "TCP")]),
    pod("web", "web-2", "10.0.1.2", {"app": "web-v2"}, [(80, "http", "TCP")]),
]
DB_INGRESS = np(
    "prod",
    "db-ingress",
    {
        "podSelector": {"matchLabels": {"app": "db"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 5432}]}],
    },
)
API_EGRESS_DENY = np(
    "prod", "api-egress", {"podSelector": {"matchLabels": {"app": "api"}}, "policyTypes": ["Egress"]}
)
DENY_ALL_INGRESS = np("prod", "deny-all", {"podSelector": {}, "policyTypes": ["Ingress"]})


def test_both_sides_denied_two_fixes() -> None:
    snap = snapshot([*BASE, DB_INGRESS, API_EGRESS_DENY])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap)
    assert expl.case == "policy_drop"
    assert [d.direction for d in expl.denying] == ["Ingress"]  # web-1 is not isolated for egress
    expl = explain_flow(drop(snap, "prod/api-7d9-a", "web/web-1", 80, direction="EGRESS"), snap)
    assert [d.direction for d in expl.denying] == ["Egress"]

    # both: api egress denied (api-egress has no rules), web ingress denied
    web_ingress = np("web", "web-ingress", {"podSelector": {"matchLabels": {"app": "web"}}, "ingress": []})
    snap = snapshot([*BASE, API_EGRESS_DENY, web_ingress])
    expl = explain_flow(drop(snap, "prod/api-7d9-a", "web/web-1", 80, direction="EGRESS"), snap)
    assert [d.direction for d in expl.denying] == ["Egress", "Ingress"]
    assert [(f.side, f.action, f.target) for f in expl.fixes] == [
        ("egress", "patch", "prod/api-egress"),
        ("ingress", "patch", "web/web-ingress"),
    ]
    egress, ingress = (yaml.safe_load(f.yaml) for f in expl.fixes)
    assert egress["spec"]["egress"] == [
        {
            "to": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "web"}},
                    "podSelector": {"matchLabels": {"app": "web"}},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 80}],
        }
    ]
    assert ingress["spec"]["ingress"] == [
        {
            "from": [
                {
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "prod"}},
                    "podSelector": {"matchLabels": {"app": "api"}},
                }
            ],
            "ports": [{"protocol": "TCP", "port": 80}],
        }
    ]
    assert_fix_allows(expl, snap)
    # one fix alone is not enough: each only opens its own side
    only_egress = snap.with_changes(policies=[parse_fix_yaml(expl.fixes[0].yaml)])
    v = expl.verdict
    again = only_egress.evaluator.evaluate(v.source, v.destination, v.port, v.protocol)
    assert again.egress.allowed and not again.ingress.allowed


def test_egress_to_external_ip_ipv4_and_ipv6() -> None:
    snap = snapshot([*BASE, API_EGRESS_DENY])
    expl = explain_flow(drop(snap, "prod/api-7d9-a", "203.0.113.7", 443, direction="EGRESS"), snap)
    assert [d.direction for d in expl.denying] == ["Egress"]
    assert expl.verdict.destination.pod is None
    (fix,) = expl.fixes
    rule = yaml.safe_load(fix.yaml)["spec"]["egress"][-1]
    assert rule == {
        "to": [{"ipBlock": {"cidr": "203.0.113.7/32"}}],
        "ports": [{"protocol": "TCP", "port": 443}],
    }
    assert_fix_allows(expl, snap)
    assert fix.opens_other_pairs == 0  # an ipBlock to an outside address opens no pod pair

    expl = explain_flow(drop(snap, "prod/api-7d9-a", "2001:db8::7", 443, direction="EGRESS"), snap)
    (fix,) = expl.fixes
    rule = yaml.safe_load(fix.yaml)["spec"]["egress"][-1]
    assert rule["to"] == [{"ipBlock": {"cidr": "2001:db8::7/128"}}]
    assert_fix_allows(expl, snap)


def test_ingress_from_external_ip() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    expl = explain_flow(drop(snap, "198.51.100.4", "prod/db-0", 5432), snap)
    assert expl.case == "policy_drop"
    assert not expl.verdict.egress.enforced and expl.verdict.egress.reason == "not_a_pod"
    (fix,) = expl.fixes
    assert (fix.side, fix.action, fix.target) == ("ingress", "patch", "prod/db-ingress")
    rule = yaml.safe_load(fix.yaml)["spec"]["ingress"][-1]
    assert rule == {
        "from": [{"ipBlock": {"cidr": "198.51.100.4/32"}}],
        "ports": [{"protocol": "TCP", "port": 5432}],
    }
    # the destination is selected on stable labels only (the StatefulSet's per-pod labels are dropped)
    doc = yaml.safe_load(fix.yaml)
    assert doc["spec"]["podSelector"] == {"matchLabels": {"app": "db"}}
    assert_fix_allows(expl, snap)


def test_pod_not_in_snapshot_uses_flow_labels() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    gone = Endpoint(
        ip="10.0.0.99",
        kind=EndpointKind.POD,
        namespace="prod",
        pod_name="api-7d9-zzz",
        labels={"app": "api", "pod-template-hash": "7d9"},
        workload=Workload("Deployment", "api"),
    )
    expl = explain_flow(drop(snap, "", "prod/db-0", 5432, source=gone), snap)
    # app=api is admitted by db-ingress: the flow's labels were used
    assert expl.case == "policy_drop_but_allowed"
    assert finding(expl, PodNotInSnapshot).pod == "prod/api-7d9-zzz"
    assert not expl.verdict.source.in_snapshot

    gone_web = Endpoint(
        ip="10.0.0.98", kind=EndpointKind.POD, namespace="prod", pod_name="old-1", labels={"app": "old"}
    )
    expl = explain_flow(drop(snap, "", "prod/db-0", 5432, source=gone_web), snap)
    assert expl.case == "policy_drop" and expl.has(PodNotInSnapshot)
    (fix,) = expl.fixes
    assert yaml.safe_load(fix.yaml)["spec"]["ingress"][-1]["from"] == [
        {"podSelector": {"matchLabels": {"app": "old"}}}
    ]


def test_gone_pod_whose_ip_was_reused_keeps_its_own_labels() -> None:
    """Hubble names a pod that is gone; its IP now belongs to another pod: the flow's pod is the one explained."""
    snap = snapshot([*BASE, DB_INGRESS])
    gone = Endpoint(
        ip="10.0.0.2",  # now prod/api-7d9-b's (same namespace)
        kind=EndpointKind.POD,
        namespace="prod",
        pod_name="batch-old",
        labels={"app": "batch"},
    )
    expl = explain_flow(drop(snap, "", "prod/db-0", 5432, source=gone), snap)
    assert expl.verdict.source.key == "prod/batch-old"
    assert expl.has(PodNotInSnapshot)
    # judged as app=batch (denied), not as the api pod now holding the IP (allowed)
    assert expl.case == "policy_drop"


def test_endpoints_found_by_ip_without_pod_names() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    src = Endpoint(ip="10.0.1.1", kind=EndpointKind.UNKNOWN)
    dst = Endpoint(ip="10.0.0.3", kind=EndpointKind.POD, namespace="prod")
    expl = explain_flow(drop(snap, "", "", 5432, source=src, destination=dst), snap)
    assert expl.verdict.source.key == "web/web-1" and expl.verdict.source.in_snapshot
    assert expl.verdict.destination.key == "prod/db-0"
    assert expl.case == "policy_drop" and not expl.has(PodNotInSnapshot)
    (fix,) = expl.fixes
    assert fix.target == "prod/db-ingress"
    assert_fix_allows(expl, snap)


def test_reply_flow_evaluates_the_original_direction() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    # db-0 answering web-1 (who called db-0:5432): the connection web-1 → db-0:5432 is what policies judged
    reply = drop(snap, "prod/db-0", "web/web-1", 40000, source_port=5432, is_reply=True, direction="EGRESS")
    expl = explain_flow(reply, snap)
    v = expl.verdict
    assert (v.source.key, v.destination.key, v.port, v.protocol) == ("web/web-1", "prod/db-0", 5432, "TCP")
    assert expl.reversed and expl.has(ReplyFlow)
    assert [d.direction for d in expl.denying] == ["Ingress"]
    # and the same reply from an allowed caller: allowed, no fix
    ok = drop(snap, "prod/db-0", "prod/api-7d9-a", 40000, source_port=5432, is_reply=True)
    assert explain_flow(ok, snap).verdict.allowed


def test_closest_rule_fails_on_fewest_clauses() -> None:
    three_rules = np(
        "prod",
        "db-closest",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                # 3 failing clauses: app, tier, and the port
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": "web"}},
                            "podSelector": {"matchLabels": {"app": "x", "tier": "y"}},
                        }
                    ],
                    "ports": [{"port": 1}],
                },
                # 1: the port only
                {"from": [{"namespaceSelector": {"matchLabels": {"team": "web"}}}], "ports": [{"port": 2}]},
                # 2: the namespace label and the pod label
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": "nope"}},
                            "podSelector": {"matchLabels": {"app": "nope"}},
                        }
                    ],
                    "ports": [{"port": 5432}],
                },
            ],
        },
    )
    snap = snapshot([*BASE, three_rules])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap)
    (pres,) = expl.verdict.ingress.policies
    assert [r.failures for r in pres.rules] == [3, 1, 2]
    assert pres.closest.index == 1
    summary = wording.explanation_summary(expl)
    assert "rule #2 of prod/db-closest matches the source but allows port 2/TCP, not 5432/TCP" in summary


def test_policy_without_rules_listed_without_closest_rule() -> None:
    snap = snapshot([*BASE, DENY_ALL_INGRESS])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap)
    (pres,) = expl.verdict.ingress.policies
    assert pres.policy.key == "prod/deny-all" and pres.rules == () and pres.closest is None
    assert "prod/deny-all selects prod/db-0 and has no ingress rules" in wording.explanation_summary(expl)
    (fix,) = expl.fixes
    # deny-all selects every prod pod, db's stable labels select only db-0: a new policy, not a patch
    assert (fix.side, fix.action) == ("ingress", "create")
    doc = yaml.safe_load(fix.yaml)
    assert doc["metadata"]["namespace"] == "prod"
    assert doc["spec"]["podSelector"] == {"matchLabels": {"app": "db"}}
    assert doc["spec"]["policyTypes"] == ["Ingress"]
    assert_fix_allows(expl, snap)


def test_policy_drop_but_allowed_mentions_cilium_policies() -> None:
    docs = [*BASE, DB_INGRESS]
    plain = snapshot(docs)
    covered = snapshot(docs, coverage=Coverage(not_evaluated=(("CiliumNetworkPolicy", 2),)))
    flow = drop(plain, "prod/api-7d9-a", "prod/db-0", 5432)
    expl = explain_flow(flow, plain)
    assert expl.case == "policy_drop_but_allowed" and expl.fixes == ()
    assert "cilium_policies" not in finding(expl, HubbleDisagreesDropped).causes
    expl = explain_flow(flow, covered)
    assert expl.case == "policy_drop_but_allowed"
    causes = finding(expl, HubbleDisagreesDropped).causes
    assert "cilium_policies" in causes and "stale_snapshot" in causes
    assert finding(expl, NotEvaluatedPolicies).kinds == (("CiliumNetworkPolicy", 2),)
    text = " ".join(wording.finding_text(f) for f in expl.findings)
    assert "2 CiliumNetworkPolicies" in text and "CiliumNetworkPolicies or CiliumClusterwide" in text


def test_other_coverage_findings() -> None:
    snap = snapshot(
        [*BASE, DB_INGRESS], coverage=Coverage(forbidden=("networkpolicies",), namespace_scope="prod")
    )
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap)
    assert finding(expl, ForbiddenResources).resources == ("networkpolicies",)
    assert finding(expl, NamespaceScope).namespace == "prod"


def test_patch_or_create() -> None:
    # db-ingress selects app=db = exactly db-0: patch, every original rule kept, the new one last
    snap = snapshot([*BASE, DB_INGRESS])
    (fix,) = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap).fixes
    assert (fix.action, fix.target) == ("patch", "prod/db-ingress")
    doc = yaml.safe_load(fix.yaml)
    assert doc["spec"]["ingress"][:-1] == DB_INGRESS["spec"]["ingress"]
    assert doc["spec"]["podSelector"] == DB_INGRESS["spec"]["podSelector"]

    # a policy selecting more pods (every prod pod) is not patched: that would open the others too
    wide = np("prod", "prod-ingress", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})
    snap = snapshot([*BASE, wide])
    (fix,) = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap).fixes
    assert fix.action == "create" and fix.target == "prod/allow-web-to-db-5432-tcp"
    assert fix.opens_other_pairs == 0

    # an Egress-only policy selecting the same pods is not patched for an ingress fix
    egress_only = np(
        "prod",
        "db-egress",
        {"podSelector": {"matchLabels": {"app": "db"}}, "policyTypes": ["Egress"], "egress": []},
    )
    snap = snapshot([*BASE, DENY_ALL_INGRESS, egress_only])
    (fix,) = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap).fixes
    assert fix.action == "create"


def test_created_policy_name_collision() -> None:
    taken = np(
        "prod",
        "allow-web-to-db-5432-tcp",  # the name the fix would take, but another policy (selecting api)
        {"podSelector": {"matchLabels": {"app": "api"}}, "ingress": [{}]},
    )
    snap = snapshot([*BASE, DENY_ALL_INGRESS, taken])
    (fix,) = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap).fixes
    assert fix.action == "create" and fix.target == "prod/allow-web-to-db-5432-tcp-2"
    after = snap.with_changes(policies=[parse_fix_yaml(fix.yaml)])
    assert after.policy("prod", "allow-web-to-db-5432-tcp") is not None  # not overwritten


def test_fix_selects_stable_labels_only() -> None:
    snap = snapshot([*BASE, DENY_ALL_INGRESS])
    (fix,) = explain_flow(drop(snap, "prod/api-7d9-a", "prod/db-0", 5432), snap).fixes
    text = fix.yaml
    for label in UNSTABLE_LABELS:
        assert label not in text
    doc = yaml.safe_load(text)
    assert doc["spec"]["ingress"][-1]["from"] == [{"podSelector": {"matchLabels": {"app": "api"}}}]
    # both api replicas are admitted: the other one is counted
    assert fix.opens_other_pairs == 1


@pytest.mark.parametrize(
    ("verdict", "reason", "case", "fixes"),
    [
        ("DROPPED", "POLICY_DENY", "explicit_deny", 0),
        ("DROPPED", "AUTH_REQUIRED", "auth_required", 0),
        ("DROPPED", "SERVICE_BACKEND_NOT_FOUND", "not_a_policy_drop", 0),
        ("AUDIT", "", "audit", 1),
        ("FORWARDED", "", "forwarded_but_denied", 1),
        ("DROPPED", "POLICY_DENIED", "policy_drop", 1),
    ],
)
def test_cases_on_a_denied_connection(verdict: str, reason: str, case: str, fixes: int) -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    flow = drop(snap, "web/web-1", "prod/db-0", 5432, verdict=verdict, reason=reason)
    expl = explain_flow(flow, snap)
    assert expl.case == case
    assert not expl.verdict.allowed
    assert len(expl.fixes) == fixes


def test_explicit_deny_names_policies_from_denied_by() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    flow = drop(
        snap,
        "prod/api-7d9-a",
        "prod/db-0",
        5432,
        reason="POLICY_DENY",
        ingress_denied_by=(policy_ref("no-db", "prod"),),
        egress_denied_by=(policy_ref("lockdown", "", "CiliumClusterwideNetworkPolicy"),),
    )
    expl = explain_flow(flow, snap)
    assert expl.case == "explicit_deny" and expl.fixes == ()
    assert finding(expl, ExplicitDeny).policies == (
        "prod/no-db (CiliumNetworkPolicy)",
        "lockdown (CiliumClusterwideNetworkPolicy)",
    )


@pytest.mark.parametrize(
    ("verdict", "case"), [("FORWARDED", "allowed"), ("DROPPED", "policy_drop_but_allowed")]
)
def test_cases_on_an_allowed_connection(verdict: str, case: str) -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    expl = explain_flow(drop(snap, "prod/api-7d9-a", "prod/db-0", 5432, verdict=verdict), snap)
    assert expl.case == case and expl.verdict.allowed and expl.fixes == ()


def test_forwarded_but_denied_causes() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432, verdict="FORWARDED"), snap)
    causes = finding(expl, HubbleDisagreesForwarded).causes
    assert "established_before_policy" in causes and "not_enforced" in causes


def test_host_network_source() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    expl = explain_flow(drop(snap, "prod/agent", "prod/db-0", 5432), snap)
    assert finding(expl, HostNetwork).pod == "prod/agent"
    assert not expl.verdict.egress.enforced and expl.verdict.egress.reason == "host_network"
    assert [d.direction for d in expl.denying] == ["Ingress"]
    # a hostNetwork pod cannot be selected as a peer: the fix admits its IP
    (fix,) = expl.fixes
    assert yaml.safe_load(fix.yaml)["spec"]["ingress"][-1]["from"] == [
        {"ipBlock": {"cidr": "192.168.0.10/32"}}
    ]
    assert_fix_allows(expl, snap)


def test_direction_differs() -> None:
    snap = snapshot([*BASE, DB_INGRESS])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432, direction="EGRESS"), snap)
    f = finding(expl, DirectionDiffers)
    assert f.hubble == "Egress" and f.ours == ("Ingress",)
    # agreeing direction: no such finding
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432, direction="INGRESS"), snap)
    assert not expl.has(DirectionDiffers)


def test_service_port_used_only_when_the_target_port_is_the_pods() -> None:
    svc_port = np(
        "prod",
        "api-ingress",
        {
            "podSelector": {"matchLabels": {"app": "api"}},
            "ingress": [{"from": [{"namespaceSelector": {}}], "ports": [{"port": 80}]}],
        },
    )
    snap = snapshot([*BASE, svc_port])
    expl = explain_flow(drop(snap, "web/web-1", "prod/api-7d9-a", 8080), snap)
    f = finding(expl, ServicePortUsed)
    assert f.rule_ports == (80,) and f.target_port == 8080
    # a port the pod does not listen on: not the Service-port mistake
    expl = explain_flow(drop(snap, "web/web-1", "prod/api-7d9-a", 9999), snap)
    assert not expl.has(ServicePortUsed)


def test_namespace_label_missing_without_typo() -> None:
    pol = np(
        "prod",
        "db-from-frontend",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {
                    "from": [{"namespaceSelector": {"matchLabels": {"tier": "frontend"}}}],
                    "ports": [{"port": 5432}],
                }
            ],
        },
    )
    snap = snapshot([*BASE, pol])
    expl = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap)
    f = finding(expl, NamespaceLabelMissing)
    assert (f.key, f.value, f.actual, f.similar) == (
        "tier",
        "frontend",
        None,
        "",
    )
    assert "namespace web has no label tier" in wording.finding_text(f)


def test_near_miss_names_the_failing_label() -> None:
    pol = np(
        "prod",
        "allow-web",
        {
            "podSelector": {"matchLabels": {"app": "db"}},
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app": "api"}}}], "ports": [{"port": 5432}]},
                {
                    "from": [
                        {
                            "namespaceSelector": {"matchLabels": {"team": "web"}},
                            "podSelector": {"matchLabels": {"app": "web"}},
                        }
                    ],
                    "ports": [{"port": 5432}],
                },
            ],
        },
    )
    snap = snapshot([*BASE, pol])
    expl = explain_flow(drop(snap, "web/web-2", "prod/db-0", 5432), snap)
    assert (
        "closest: rule #2 of prod/allow-web would allow this if the source had app=web; it has app=web-v2"
        in wording.explanation_summary(expl)
    )


def test_fix_yaml_is_what_the_fix_says() -> None:
    snap = snapshot([*BASE, DENY_ALL_INGRESS])
    (fix,) = explain_flow(drop(snap, "web/web-1", "prod/db-0", 5432), snap).fixes
    assert parse_network_policy(fix.manifest).key == parse_fix_yaml(fix.yaml).key == fix.target
    assert fix.to_json()["yaml"] == fix.yaml and fix.to_json()["target"] == fix.target


def test_endpoint_helper_matches_snapshot() -> None:
    snap = snapshot(BASE)
    ep = endpoint(snap, "prod/api-7d9-a")
    assert ep.key == "prod/api-7d9-a" and ep.ip == "10.0.0.1"


# ---------------------------------------------------------------------------------------------------------------
# Both sides in one namespace (found by test_suggest_properties)
# ---------------------------------------------------------------------------------------------------------------
PEERS = [
    ns("data"),
    pod(
        "data",
        "cassandra-0",
        "10.0.2.1",
        {"app": "cassandra", "statefulset.kubernetes.io/pod-name": "cassandra-0"},
    ),
    pod(
        "data",
        "cassandra-1",
        "10.0.2.2",
        {"app": "cassandra", "statefulset.kubernetes.io/pod-name": "cassandra-1"},
    ),
    pod("data", "backup-1", "10.0.2.3", {"app": "backup"}),
]


def test_both_sides_patch_one_policy() -> None:
    """Peers of one workload under one policy for both directions: both fixes patch it, each with both rules."""
    both = np(
        "data",
        "cassandra",
        {"podSelector": {"matchLabels": {"app": "cassandra"}}, "policyTypes": ["Ingress", "Egress"]},
    )
    snap = snapshot([*PEERS, both])
    expl = explain_flow(drop(snap, "data/cassandra-0", "data/cassandra-1", 7000), snap)
    assert [(f.side, f.action, f.target) for f in expl.fixes] == [
        ("egress", "patch", "data/cassandra"),
        ("ingress", "patch", "data/cassandra"),
    ]
    for fix in expl.fixes:
        doc = yaml.safe_load(fix.yaml)
        assert len(doc["spec"]["ingress"]) == 1 and len(doc["spec"]["egress"]) == 1
    # applied in either order, the connection is allowed
    for order in (expl.fixes, expl.fixes[::-1]):
        after = snap
        for fix in order:
            after = after.with_changes(policies=[parse_fix_yaml(fix.yaml)])
        v = expl.verdict
        assert after.evaluator.evaluate(v.source, v.destination, v.port, v.protocol).allowed


def test_both_sides_create_distinct_policies() -> None:
    """Two new policies in one namespace would both be named allow-a-to-b-...: the second gets its own name."""
    deny = np("data", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    snap = snapshot([*PEERS, deny])
    expl = explain_flow(drop(snap, "data/backup-1", "data/cassandra-0", 7000), snap)
    assert [(f.side, f.action, f.target) for f in expl.fixes] == [
        ("egress", "create", "data/allow-backup-to-cassandra-7000-tcp"),
        ("ingress", "create", "data/allow-backup-to-cassandra-7000-tcp-2"),
    ]
    assert_fix_allows(expl, snap)
