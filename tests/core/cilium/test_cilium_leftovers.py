"""Issue 12 leftovers: Hubble's endpoint labels used for the Cilium identity (and said when they differ from the
snapshot), Hubble's *_allowed_by compared with ours, the Cilium version a deciding rule assumes, audit mode worded
in the Cilium paths, and fix headings naming the real kind."""

from __future__ import annotations

import copy

from cilium_kit import ECHO, EvaluatorWorld, base_cluster, cnp
from cilium_sets import SETS

from netpol_tui.core import wording
from netpol_tui.core.explain import explain_flow
from netpol_tui.core.model import Endpoint, EndpointKind, Flow

BY_NAME = {s.name: s for s in SETS}


def world(name: str) -> EvaluatorWorld:
    ps = BY_NAME[name]
    return EvaluatorWorld(base_cluster(ps.config) + copy.deepcopy(ps.objects))


def pod(name: str, ip: str, labels: dict[str, str] | None = None) -> Endpoint:
    return Endpoint(
        ip=ip, kind=EndpointKind.POD, namespace="cilium-test", pod_name=name, labels=dict(labels or {})
    )


def test_fix_heading_names_the_cilium_kind_and_the_deny_narrowed() -> None:
    w = world("echo-ingress-from-other-client-deny")
    flow = Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENY",
        traffic_direction="INGRESS",
        protocol="TCP",
        destination_port=8080,
        source=pod("client2", "10.0.1.11"),
        destination=pod("echo-same-node", "10.0.1.20"),
    )
    (fix,) = explain_flow(flow, w.snapshot).fixes
    assert wording.fix_heading(fix).startswith(
        "Fix (ingress): narrow a deny rule of CiliumNetworkPolicy cilium-test/echo-ingress-from-other-client-deny"
        " — verified;"
    )


def test_fix_heading_of_a_new_cnp() -> None:
    w = EvaluatorWorld(
        base_cluster() + [cnp("echo-in", {"endpointSelector": ECHO, "ingress": [{"fromEntities": ["host"]}]})]
    )
    flow = Flow(
        verdict="DROPPED",
        drop_reason="POLICY_DENIED",
        traffic_direction="INGRESS",
        protocol="TCP",
        destination_port=8080,
        source=pod("client", "10.0.1.10"),
        destination=pod("echo-same-node", "10.0.1.20"),
    )
    expl = explain_flow(flow, w.snapshot)
    (fix,) = expl.fixes
    heading = wording.fix_heading(fix)
    assert heading.startswith(f"Fix (ingress): create CiliumNetworkPolicy cilium-test/{fix.name} — verified;")
    assert "NetworkPolicy cilium-test" not in heading.replace("CiliumNetworkPolicy", "")
