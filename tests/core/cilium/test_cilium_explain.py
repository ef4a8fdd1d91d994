"""Explaining Hubble flows on a Cilium cluster: Hubble's deny names compared with ours, toFQDNs judged against the
flow's destination names, typed findings and Cilium fixes."""

from __future__ import annotations

import copy

from cilium_kit import EvaluatorWorld, base_cluster
from cilium_sets import SETS

from netpol_tui.core.explain import Case, explain_flow
from netpol_tui.core.findings import CiliumDeny, CiliumRuleMiss, HubbleAttribution
from netpol_tui.core.model import Endpoint, EndpointKind, Flow, PolicyRef

BY_NAME = {s.name: s for s in SETS}


def world(name: str) -> EvaluatorWorld:
    ps = BY_NAME[name]
    return EvaluatorWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))


def pod(name: str, ip: str) -> Endpoint:
    return Endpoint(ip=ip, kind=EndpointKind.POD, namespace="cilium-test", pod_name=name)


def test_explicit_deny_agreeing_with_hubble() -> None:
    w = world("echo-ingress-from-other-client-deny")
    flow = Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENY",
        traffic_direction="INGRESS",
        protocol="TCP",
        destination_port=8080,
        source=pod("client2", "10.0.1.11"),
        destination=pod("echo-same-node", "10.0.1.20"),
        ingress_denied_by=(
            PolicyRef("echo-ingress-from-other-client-deny", "cilium-test", "CiliumNetworkPolicy"),
        ),
    )
    expl = explain_flow(flow, w.snapshot)
    assert expl.case is Case.EXPLICIT_DENY and not expl.verdict.allowed
    (deny,) = expl.found(CiliumDeny)
    assert deny.rules == (
        ("CiliumNetworkPolicy", "cilium-test/echo-ingress-from-other-client-deny", "ingressDeny", 0),
    )
    assert not expl.has(HubbleAttribution)
    (fix,) = expl.fixes
    assert (fix.kind, fix.action) == ("CiliumNetworkPolicy", "patch")


def test_hubble_names_another_deny() -> None:
    w = world("echo-ingress-from-other-client-deny")
    flow = Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENY",
        traffic_direction="INGRESS",
        protocol="TCP",
        destination_port=8080,
        source=pod("client2", "10.0.1.11"),
        destination=pod("echo-same-node", "10.0.1.20"),
        ingress_denied_by=(PolicyRef("old-deny", "cilium-test", "CiliumNetworkPolicy"),),
    )
    (diff,) = explain_flow(flow, w.snapshot).found(HubbleAttribution)
    assert diff.only_hubble == ("CiliumNetworkPolicy cilium-test/old-deny",)
    assert diff.only_ours == ("CiliumNetworkPolicy cilium-test/echo-ingress-from-other-client-deny",)


def test_fqdn_from_the_flow_names() -> None:
    flow = Flow(
        verdict="FORWARDED",
        traffic_direction="EGRESS",
        protocol="TCP",
        destination_port=443,
        source=pod("client", "10.0.1.10"),
        destination=Endpoint(ip="203.0.113.10", kind=EndpointKind.WORLD),
        destination_names=("api.example.com",),
    )
    assert explain_flow(flow, world("to-fqdns").snapshot).case is Case.ALLOWED
    w = world("to-fqdns-without-dns-rule")
    dropped = Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENIED",
        traffic_direction="EGRESS",
        protocol="TCP",
        destination_port=443,
        source=pod("client", "10.0.1.10"),
        destination=Endpoint(ip="203.0.113.10", kind=EndpointKind.WORLD),
        destination_names=("api.example.com",),
    )
    expl = explain_flow(dropped, w.snapshot)
    assert expl.case is Case.POLICY_DROP
    kinds = {f.miss.kind.value for f in expl.found(CiliumRuleMiss)}
    assert "fqdn_no_dns_rule" in kinds
    (fix,) = expl.fixes
    assert "toFQDNs" in fix.yaml and 'matchPattern: "*"' in fix.yaml and "api.example.com" in fix.yaml
