"""Issue 12 leftovers: Hubble's endpoint labels used for the Cilium identity (and said when they differ from the
snapshot), Hubble's *_allowed_by compared with ours, the Cilium version a deciding rule assumes, audit mode worded
in the Cilium paths, and fix headings naming the real kind."""

from __future__ import annotations

import copy
from dataclasses import replace

from cilium_kit import CLIENT, ECHO, PORT_8080, PROBES, SOURCES, EvaluatorWorld, base_cluster, cnp
from cilium_sets import SETS

from netpol_tui.core import wording
from netpol_tui.core.cilium.attribution import LabelDiff
from netpol_tui.core.cilium.versions import VersionRule
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.explain import Case, Explanation, explain_flow, explain_verdict
from netpol_tui.core.findings import CiliumVersion, HubbleAttribution, HubbleLabels, PodNotInSnapshot
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.model import Direction, Endpoint, EndpointKind, Flow, PolicyRef

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


# --- Hubble's endpoint labels are what Cilium evaluated ----------------------------------------------------------
ECHO_FROM_CLIENTS = cnp(
    "echo-in",
    {"endpointSelector": ECHO, "ingress": [{"fromEndpoints": [CLIENT], "toPorts": PORT_8080}]},
)


def _to_echo(source: Endpoint, **kw: object) -> Flow:
    return Flow(
        verdict=str(kw.pop("verdict", "DROPPED")),
        drop_reason=str(kw.pop("drop_reason", "POLICY_DENIED")),
        traffic_direction="INGRESS",
        protocol="TCP",
        destination_port=8080,
        source=source,
        destination=pod(
            "echo-same-node", "10.0.1.20", {"kind": "echo", "name": "echo-same-node", "other": "echo"}
        ),
        **kw,  # type: ignore[arg-type]
    )


def test_hubble_labels_decide_the_cilium_verdict_and_are_named() -> None:
    w = EvaluatorWorld(base_cluster() + [ECHO_FROM_CLIENTS])
    # the snapshot says client2 is kind=client (allowed); Hubble reports kind=batch: Cilium dropped it
    flow = _to_echo(pod("client2", "10.0.1.11", {"kind": "batch", "name": "client2", "other": "client"}))
    expl = explain_flow(flow, w.snapshot)
    assert not expl.verdict.allowed and not expl.verdict.ingress.allowed
    assert expl.case is Case.POLICY_DROP
    (found,) = expl.found(HubbleLabels)
    assert found.pod == "cilium-test/client2"
    assert found.differences == (LabelDiff("kind", "batch", "client"),)
    assert not expl.has(PodNotInSnapshot)  # it is in the snapshot, only relabeled
    text = wording.finding_text(found)
    assert "kind=batch (the snapshot has client)" in text and "Hubble reports" in text
    # the fix selects the peer by the labels Cilium sees
    assert expl.fixes and "batch" in expl.fixes[0].yaml
    # the same flow with the snapshot's labels: allowed, nothing said
    same = explain_flow(
        _to_echo(pod("client2", "10.0.1.11", {"kind": "client", "name": "client2", "other": "client"})),
        w.snapshot,
    )
    assert same.verdict.allowed and not same.has(HubbleLabels)


def test_hubble_labels_only_identity_keys_and_service_account_compared() -> None:
    w = EvaluatorWorld(base_cluster() + [ECHO_FROM_CLIENTS])
    # pod-template-hash is left out of identities: Hubble not reporting it is no difference
    src = Endpoint(
        ip="10.0.1.10",
        kind=EndpointKind.POD,
        namespace="cilium-test",
        pod_name="client",
        labels={"kind": "client", "name": "client"},
        other_labels=("k8s:io.cilium.k8s.policy.serviceaccount=robot",),
    )
    expl = explain_flow(_to_echo(src, verdict="FORWARDED", drop_reason=""), w.snapshot)
    (found,) = expl.found(HubbleLabels)
    assert found.differences == (LabelDiff("io.cilium.k8s.policy.serviceaccount", "robot", "default"),)
    assert "service account robot (the snapshot has default)" in wording.finding_text(found)
    assert expl.verdict.allowed


def test_hubble_labels_ignored_without_cilium_objects() -> None:
    docs = [d for d in base_cluster() if d["kind"] in ("Namespace", "Pod")]
    snap = ClusterSnapshot.from_parse(parse_objects(docs))
    assert not isinstance(snap.evaluator, CiliumEvaluator)
    flow = _to_echo(pod("client2", "10.0.1.11", {"kind": "batch"}))
    before = explain_flow(replace(flow, source=replace(flow.source, labels={})), snap)
    after = explain_flow(flow, snap)
    assert not after.has(HubbleLabels)
    assert after.verdict == before.verdict and after.findings == before.findings


# --- Hubble's *_allowed_by next to ours ----------------------------------------------------------------------------
def test_allowed_by_agreeing_and_disagreeing() -> None:
    w = EvaluatorWorld(base_cluster() + [ECHO_FROM_CLIENTS])
    client = pod("client", "10.0.1.10")
    ours = PolicyRef("echo-in", "cilium-test", "CiliumNetworkPolicy")
    ok = explain_flow(
        _to_echo(client, verdict="FORWARDED", drop_reason="", ingress_allowed_by=(ours,)), w.snapshot
    )
    assert ok.verdict.allowed and not ok.has(HubbleAttribution)
    other = PolicyRef("allow-all-in", "cilium-test", "CiliumNetworkPolicy")
    bad = explain_flow(
        _to_echo(client, verdict="FORWARDED", drop_reason="", ingress_allowed_by=(other,)), w.snapshot
    )
    (attr,) = bad.found(HubbleAttribution)
    assert (attr.direction, attr.denied) == (Direction.INGRESS, False)
    assert attr.only_hubble == ("CiliumNetworkPolicy cilium-test/allow-all-in",)
    assert attr.only_ours == ("CiliumNetworkPolicy cilium-test/echo-in",)
    assert "as the allow at ingress" in wording.finding_text(attr)
    # Hubble names one of the policies that allow (the matching policy-map entry's): no disagreement
    w2 = EvaluatorWorld(
        base_cluster()
        + [
            ECHO_FROM_CLIENTS,
            cnp("echo-in-2", {"endpointSelector": ECHO, "ingress": [{"fromEntities": ["cluster"]}]}),
        ]
    )
    two = explain_flow(
        _to_echo(client, verdict="FORWARDED", drop_reason="", ingress_allowed_by=(ours,)), w2.snapshot
    )
    assert not two.has(HubbleAttribution)


# --- the Cilium version a deciding rule assumes --------------------------------------------------------------------
def _trace(w: EvaluatorWorld, src: str, probe: str) -> Explanation:
    return explain_verdict(w.verdict(SOURCES[src], PROBES[probe]), w.snapshot, with_fixes=False)


def test_version_default_deny_false() -> None:
    w = world("deny-only-default-deny-off")
    expl = _trace(w, "client", "es")
    assert expl.verdict.allowed
    (v,) = expl.found(CiliumVersion)
    assert v.assumption.rule is VersionRule.DEFAULT_DENY_FALSE and v.assumption.since == "1.16"
    assert v.assumption.policy == "cilium-test/echo-ingress-deny-world"
    assert "Assumes Cilium 1.16 or later" in wording.finding_text(v)
    # denied by the deny: the field does not decide
    assert not _trace(w, "w1", "es").has(CiliumVersion)


def test_version_fqdn_double_star_only_for_deeper_names() -> None:
    w = world("to-fqdns-double-star")
    deep = _trace(w, "client", "deep")  # a.b.example.com: `*.example.com` would not match
    assert deep.verdict.allowed
    (v,) = deep.found(CiliumVersion)
    assert (v.assumption.rule, v.assumption.value, v.assumption.since) == (
        VersionRule.FQDN_DOUBLE_STAR,
        "**.example.com",
        "1.19",
    )
    shallow = _trace(w, "client", "ext")  # api.example.com: matched in every release
    assert shallow.verdict.allowed and not shallow.has(CiliumVersion)


def test_version_to_services_selector() -> None:
    w = world("to-services")
    expl = _trace(w, "client", "es")
    assert expl.verdict.allowed
    (v,) = expl.found(CiliumVersion)
    assert v.assumption.rule is VersionRule.SERVICES_SELECTOR and v.assumption.since == "1.17"
    # the selector-less Service's address: every release
    ext = _trace(w, "client", "ext")
    assert ext.verdict.allowed and not ext.has(CiliumVersion)


# --- policy audit mode ---------------------------------------------------------------------------------------------
def test_audit_flow_worded_as_would_be_dropped_when_enforced() -> None:
    w = EvaluatorWorld(base_cluster() + [ECHO_FROM_CLIENTS])
    flow = _to_echo(pod("client", "10.0.1.10"), verdict="AUDIT", drop_reason="")
    flow = replace(flow, destination_port=9090)
    expl = explain_flow(flow, w.snapshot)
    assert expl.case is Case.AUDIT and not expl.verdict.allowed
    assert "would be dropped when enforced" in wording.explanation_summary(expl)


def test_audit_mode_config_words_cilium_denies_and_traces() -> None:
    ps = BY_NAME["echo-ingress-from-other-client-deny"]
    w = EvaluatorWorld(base_cluster({"policy-audit-mode": "true"}) + copy.deepcopy(ps.objects))
    expl = _trace(w, "client2", "es")
    assert not expl.verdict.allowed
    summary = wording.explanation_summary(expl)
    assert "would be dropped when enforced" in summary
    assert (
        "would be explicitly denied by CiliumNetworkPolicy cilium-test/echo-ingress-from-other-client-deny"
        in summary
    )
    # without audit mode: plainly denied
    plain = _trace(world("echo-ingress-from-other-client-deny"), "client2", "es")
    assert "when enforced" not in wording.explanation_summary(plain)


def test_new_findings_in_the_json_contract() -> None:
    import json
    from pathlib import Path

    import jsonschema

    from netpol_tui.core.contract import explanation_json

    repo_schema = Path(__file__).resolve().parents[3] / "docs" / "result.schema.json"
    path = repo_schema if repo_schema.exists() else Path("/work/shared/design/result.schema.json")
    validator = jsonschema.Draft202012Validator(json.loads(path.read_text()))
    w = EvaluatorWorld(base_cluster() + [ECHO_FROM_CLIENTS])
    flow = _to_echo(
        pod("client2", "10.0.1.11", {"kind": "batch", "name": "client2", "other": "client"}),
        ingress_allowed_by=(PolicyRef("gone", "cilium-test", "CiliumNetworkPolicy"),),
    )
    out = explanation_json(explain_flow(flow, w.snapshot))
    validator.validate(out)
    codes = [f["code"] for f in out["findings"]]
    assert "hubble_labels" in codes and "hubble_attribution" in codes
    versioned = explanation_json(_trace(world("to-fqdns-double-star"), "client", "deep"))
    validator.validate(versioned)
    assert [f["code"] for f in versioned["findings"]] == ["cilium_version"]


def test_knp_rules_for_a_direction_its_policy_types_leave_out_are_named() -> None:
    from cilium_kit import knp

    egress_only = knp(
        "echo-egress-only",
        {
            "podSelector": {"matchLabels": {"kind": "echo"}},
            "policyTypes": ["Egress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"kind": "nobody"}}}]}],
            "egress": [{}],
        },
    )
    w = EvaluatorWorld(base_cluster() + [egress_only])
    expl = _trace(w, "client", "es")
    assert expl.verdict.allowed  # the ingress rules are ignored, as the API says
    (v,) = expl.found(CiliumVersion)
    assert v.direction is Direction.INGRESS
    assert (v.assumption.rule, v.assumption.policy) == (
        VersionRule.KNP_POLICY_TYPES,
        "cilium-test/echo-egress-only",
    )
    assert "#48703" in wording.finding_text(v) and "policyTypes leave ingress out" in wording.finding_text(v)


def test_version_not_said_when_hubble_saw_it_pass() -> None:
    w = world("deny-only-default-deny-off")
    flow = _to_echo(pod("client", "10.0.1.10"), verdict="FORWARDED", drop_reason="")
    expl = explain_flow(flow, w.snapshot)
    assert expl.verdict.allowed and not expl.has(CiliumVersion)
    # dropped for policy while we allow it: the version assumed may be why
    dropped = explain_flow(_to_echo(pod("client", "10.0.1.10")), w.snapshot)
    assert dropped.case is Case.POLICY_DROP_UNEXPLAINED
    assert [v.assumption.rule for v in dropped.found(CiliumVersion)] == [VersionRule.DEFAULT_DENY_FALSE]
