"""Explain one flow: which side denies, every policy selecting the pod there, the closest rule and its failing
clause, whether Hubble and the policies agree, findings from the field's known traps, and verified fixes.

Pure: a `Flow` and a `ClusterSnapshot` in, an `Explanation` (data) out. render.py words it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, replace

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import (
    NOTE_IPBLOCK_POD_IP,
    DirectionResult,
    PeerCheck,
    Subject,
    Verdict,
    ip_subject,
    pod_subject,
)
from netpol_tui.core.model import NS_NAME_LABEL, Endpoint, EndpointKind, Flow, Namespace, Pod, Workload
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.suggest import Fix, dns_allow_manifest, suggest_fixes

# --- cases: how the evaluation compares with what Hubble saw -----------------------------------------------------
CASE_POLICY_DROP = "policy_drop"  # Hubble dropped it for policy, and the policies we know deny it: explained
CASE_POLICY_DROP_UNEXPLAINED = (
    "policy_drop_but_allowed"  # Hubble dropped it for policy, our policies allow it
)
CASE_EXPLICIT_DENY = "explicit_deny"  # POLICY_DENY (181): a deny rule (Cilium), named from *_denied_by
CASE_AUTH_REQUIRED = "auth_required"  # AUTH_REQUIRED (189): mutual authentication missing
CASE_NOT_POLICY = "not_a_policy_drop"  # dropped for another reason (no backend, invalid packet, ...)
CASE_AUDIT = "audit"  # policy audit mode: would have been dropped
CASE_ALLOWED = "allowed"  # forwarded, and the policies allow it
CASE_FORWARDED_BUT_DENIED = "forwarded_but_denied"  # Hubble forwarded what our policies deny
CASE_TRACE = "what_if"  # no flow: a `trace` connection

POLICY_DROP_REASONS = {"POLICY_DENIED", "133"}
EXPLICIT_DENY_REASONS = {"POLICY_DENY", "181"}
AUTH_REASONS = {"AUTH_REQUIRED", "189"}

METADATA_IPS = {"169.254.169.254", "fd00:ec2::254"}
INGRESS_CONTROLLER_NAMES = {
    "ingress-nginx",
    "nginx-ingress",
    "traefik",
    "haproxy-ingress",
    "contour",
    "envoy",
    "kong",
    "istio-ingressgateway",
    "emissary-ingress",
    "ambassador",
    "skipper-ingress",
}
DNS_PORT = 53


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    params: tuple[tuple[str, object], ...] = ()

    def param(self, name: str, default: object = None) -> object:
        for k, v in self.params:
            if k == name:
                return v
        return default


@dataclass(frozen=True, slots=True)
class Explanation:
    verdict: Verdict
    case: str
    flow: Flow | None = None
    findings: tuple[Finding, ...] = ()
    fixes: tuple[Fix, ...] = ()
    hubble_direction: str = ""  # Ingress / Egress as Hubble reported it ("" unknown)
    reversed: bool = False  # the flow was a reply: the connection evaluated is the other way round

    @property
    def denying(self) -> tuple[DirectionResult, ...]:
        return self.verdict.denying

    def has(self, code: str) -> bool:
        return any(f.code == code for f in self.findings)


# ---------------------------------------------------------------------------------------------------------------
# Endpoints of a flow → evaluator subjects
# ---------------------------------------------------------------------------------------------------------------
def _with_ip(subject: Subject, ip: str) -> Subject:
    """Keep the address the flow used (the connection's address family, what the datapath matched)."""
    return replace(subject, ip=ip) if ip and ip != subject.ip else subject


def subject_for_endpoint(ep: Endpoint, snapshot: ClusterSnapshot) -> Subject:
    """The snapshot's pod (by namespace/name, then by IP); else a pod rebuilt from the flow's labels; else an IP."""
    ev = snapshot.evaluator
    if ep.namespace and ep.pod_name:
        pod = snapshot.pod(f"{ep.namespace}/{ep.pod_name}")
        if pod is not None:
            return _with_ip(ev.subject_for_pod(pod), ep.ip)
    # by IP only when Hubble did not name the pod: a named pod that is gone may have left its IP to another one
    named = bool(ep.namespace and ep.pod_name)
    if ep.ip and not named and ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN):
        pod = snapshot.pod_by_ip(ep.ip)
        if pod is not None and (not ep.namespace or pod.namespace == ep.namespace):
            return _with_ip(ev.subject_for_pod(pod), ep.ip)
    if ep.kind == EndpointKind.POD and ep.namespace:
        # gone from the snapshot (or never seen): Hubble's labels are what the datapath used
        name = ep.pod_name or (ep.workload.name if ep.workload else "") or "?"
        pod = Pod(
            namespace=ep.namespace,
            name=name,
            labels=dict(ep.labels),
            ips=(ep.ip,) if ep.ip else (),
            workload=ep.workload if isinstance(ep.workload, Workload) else None,
        )
        ns = snapshot.namespace(ep.namespace)
        if ns is None or (ep.namespace_labels and ns.labels.keys() == {NS_NAME_LABEL}):
            labels = dict(ep.namespace_labels) or {}
            labels.setdefault(NS_NAME_LABEL, ep.namespace)
            ns = Namespace(ep.namespace, labels)
        return pod_subject(pod, ns, in_snapshot=False)
    if ep.ip:
        pod = snapshot.pod_by_ip(ep.ip) if ep.kind == EndpointKind.UNKNOWN and not named else None
        if pod is not None:
            return ev.subject_for_pod(pod)
        return ip_subject(ep.ip, ep.kind if ep.kind != EndpointKind.POD else EndpointKind.WORLD)
    return Subject(kind=ep.kind if ep.kind != EndpointKind.POD else EndpointKind.UNKNOWN)


# ---------------------------------------------------------------------------------------------------------------
# Explanations
# ---------------------------------------------------------------------------------------------------------------
def explain_flow(flow: Flow, snapshot: ClusterSnapshot, *, with_fixes: bool = True) -> Explanation:
    src_ep, dst_ep = flow.source, flow.destination
    port = flow.destination_port
    reversed_ = flow.is_reply is True
    if reversed_:
        # a reply: policies are stateful, the connection to explain is the one it answers
        src_ep, dst_ep = dst_ep, src_ep
        port = flow.source_port
    src = subject_for_endpoint(src_ep, snapshot)
    dst = subject_for_endpoint(dst_ep, snapshot)
    protocol = flow.protocol or ""
    verdict = snapshot.evaluator.evaluate(src, dst, port, protocol)
    case = _case(flow, verdict)
    hubble_dir = {"INGRESS": INGRESS, "EGRESS": EGRESS}.get(flow.traffic_direction, "")
    findings = _findings(verdict, snapshot, flow, case, hubble_dir)
    fixes: tuple[Fix, ...] = ()
    if (
        with_fixes
        and case in (CASE_POLICY_DROP, CASE_AUDIT, CASE_FORWARDED_BUT_DENIED)
        and not verdict.allowed
    ):
        fixes = tuple(suggest_fixes(verdict, snapshot))
    return Explanation(verdict, case, flow, tuple(findings), fixes, hubble_dir, reversed_)


def explain_verdict(verdict: Verdict, snapshot: ClusterSnapshot, *, with_fixes: bool = True) -> Explanation:
    """A what-if connection (`trace`): no Hubble observation to compare with."""
    findings = _findings(verdict, snapshot, None, CASE_TRACE, "")
    fixes = tuple(suggest_fixes(verdict, snapshot)) if with_fixes and not verdict.allowed else ()
    return Explanation(verdict, CASE_TRACE, None, tuple(findings), fixes)


def _case(flow: Flow, verdict: Verdict) -> str:
    reason = flow.drop_reason
    if flow.verdict == "DROPPED":
        if reason in EXPLICIT_DENY_REASONS:
            return CASE_EXPLICIT_DENY
        if reason in AUTH_REASONS:
            return CASE_AUTH_REQUIRED
        if reason in POLICY_DROP_REASONS or not reason:
            return CASE_POLICY_DROP_UNEXPLAINED if verdict.allowed else CASE_POLICY_DROP
        return CASE_NOT_POLICY
    if flow.verdict == "AUDIT":
        return CASE_AUDIT
    return CASE_FORWARDED_BUT_DENIED if not verdict.allowed else CASE_ALLOWED


# ---------------------------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------------------------
def _findings(
    verdict: Verdict, snapshot: ClusterSnapshot, flow: Flow | None, case: str, hubble_dir: str
) -> list[Finding]:
    out: list[Finding] = []
    src, dst = verdict.source, verdict.destination
    denied_egress = not verdict.egress.allowed
    denied_ingress = not verdict.ingress.allowed

    # what we could not see
    for subj in (src, dst):
        if subj.pod is not None and not subj.in_snapshot:
            out.append(Finding("pod_not_in_snapshot", (("pod", subj.key),)))
    cov = snapshot.coverage
    if cov.forbidden:
        out.append(Finding("forbidden_resources", (("resources", tuple(cov.forbidden)),)))
    if cov.not_evaluated:
        out.append(Finding("not_evaluated_policies", (("kinds", tuple(cov.not_evaluated)),)))
    if cov.namespace_scope:
        out.append(Finding("namespace_scope", (("namespace", cov.namespace_scope),)))

    # agreement with Hubble
    if flow is not None:
        if case == CASE_EXPLICIT_DENY:
            by = flow.ingress_denied_by + flow.egress_denied_by
            out.append(
                Finding(
                    "explicit_deny",
                    (("policies", tuple(p.key + (f" ({p.kind})" if p.kind else "") for p in by)),),
                )
            )
        elif case == CASE_NOT_POLICY:
            out.append(
                Finding("drop_reason", (("reason", flow.drop_reason), ("code", flow.drop_reason_code)))
            )
        elif case == CASE_AUTH_REQUIRED:
            out.append(Finding("auth_required"))
        elif case == CASE_POLICY_DROP_UNEXPLAINED:
            causes = ["stale_snapshot"]
            if cov.not_evaluated:
                causes.append("cilium_policies")
            if NOTE_IPBLOCK_POD_IP in verdict.notes:
                causes.append("ipblock_pod_ip")
            if flow.flow_type == "L7" or flow.l7_summary:
                causes.append("l7_rule")
            if cov.forbidden:
                causes.append("forbidden")
            out.append(Finding("hubble_disagrees_dropped", (("causes", tuple(causes)),)))
        elif case == CASE_FORWARDED_BUT_DENIED:
            causes = ["established_before_policy", "stale_snapshot"]
            if cov.not_evaluated:
                causes.insert(0, "cilium_policies")
            causes.append("not_enforced")
            out.append(Finding("hubble_disagrees_forwarded", (("causes", tuple(causes)),)))
        if hubble_dir and case == CASE_POLICY_DROP:
            side = verdict.ingress if hubble_dir == INGRESS else verdict.egress
            if side.allowed:
                out.append(
                    Finding(
                        "direction_differs",
                        (("hubble", hubble_dir), ("ours", ",".join(d.direction for d in verdict.denying))),
                    )
                )
        if flow.is_reply is True:
            out.append(Finding("reply_flow"))

    # the field's known traps
    if denied_egress and verdict.port == DNS_PORT and verdict.protocol in ("UDP", "TCP"):
        ns = src.pod.namespace if src.pod is not None else ""
        params: tuple = (("namespace", ns),)
        manifest = dns_allow_manifest(ns, {p.name for p in snapshot.policies_in(ns)})
        # offered only once the evaluator agrees it opens this flow's egress (a DNS server that is not kube-dns
        # in kube-system is not covered by it)
        if ns and _egress_allowed_with(verdict, snapshot, manifest):
            params += (("manifest", manifest),)
        out.append(Finding("dns_egress", params))
    for subj in (src, dst):
        if subj.pod is not None and subj.pod.host_network:
            out.append(Finding("host_network", (("pod", subj.key),)))
    if (dst.ip in METADATA_IPS) or (dst.pod is None and dst.ip in METADATA_IPS):
        out.append(Finding("metadata_address", (("ip", dst.ip),)))
    if denied_ingress and _is_ingress_controller(src, flow):
        out.append(Finding("ingress_controller", (("source", src.key),)))
    for side in verdict.denying:
        out.extend(_clause_findings(side, verdict, snapshot))
    # one finding per (code, params)
    seen: set = set()
    unique = []
    for f in out:
        key = (f.code, repr(f.params))
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _egress_allowed_with(verdict: Verdict, snapshot: ClusterSnapshot, manifest: dict) -> bool:
    from netpol_tui.core.manifests import parse_network_policy

    after = snapshot.with_changes(policies=[parse_network_policy(manifest)])
    again = after.evaluator.evaluate(verdict.source, verdict.destination, verdict.port, verdict.protocol)
    return again.egress.allowed


def _is_ingress_controller(src: Subject, flow: Flow | None) -> bool:
    if src.kind == "ingress" or (flow is not None and flow.source.kind == EndpointKind.INGRESS):
        return True
    pod = src.pod
    if pod is None:
        return False
    names = {
        pod.labels.get(k, "")
        for k in ("app.kubernetes.io/name", "app", "k8s-app", "app.kubernetes.io/component")
    }
    if (
        names & INGRESS_CONTROLLER_NAMES
        or "ingress-controller" in names
        or "controller" in names
        and pod.namespace in INGRESS_CONTROLLER_NAMES
    ):
        return True
    return pod.namespace in INGRESS_CONTROLLER_NAMES


def _clause_findings(side: DirectionResult, verdict: Verdict, snapshot: ClusterSnapshot) -> list[Finding]:
    """Findings read off the closest rules of the policies that deny on this side."""
    out: list[Finding] = []
    other = verdict.source if side.direction == INGRESS else verdict.destination
    for pres in side.policies:
        closest = pres.closest
        if closest is None:
            continue
        pol = pres.policy
        rule_ref = (("policy", pol.key), ("rule", closest.index), ("direction", side.direction))
        # a peer-only finding is the cause only when the rule's ports match (else fixing the peer is not enough)
        if not closest.peer.ok and closest.port.ok:
            # every peer item that comes closest (ties too: two items failing one clause each are two causes)
            fewest = closest.peer.best.failures
            for best in closest.peer.checks:
                if best.failures == fewest:
                    out.extend(_peer_findings(best, closest, rule_ref, other))
        if closest.peer.ok and not closest.port.ok:
            dst = verdict.destination
            container_ports = {cp.port for cp in dst.pod.ports} if dst.pod is not None else set()
            rule_ports = [ps.port for ps in closest.rule.ports if isinstance(ps.port, int)]
            if (
                dst.pod is not None
                and rule_ports
                and verdict.port in container_ports
                and not any(p in container_ports for p in rule_ports)
            ):
                out.append(
                    Finding(
                        "service_port_used",
                        (*rule_ref, ("rule_ports", tuple(rule_ports)), ("target_port", verdict.port)),
                    )
                )
    return out


def _peer_findings(best: PeerCheck, closest, rule_ref: tuple, other: Subject) -> list[Finding]:
    """Findings of one peer item of a closest rule whose ports match."""
    out: list[Finding] = []
    # a namespace label the namespace lacks (or has with another value), maybe a typo
    if best.namespace_misses and not best.pod_misses and other.namespace is not None:
        for miss in best.namespace_misses:
            if miss.operator not in ("=", "In"):
                continue
            labels = other.namespace.labels
            similar = _similar_label(miss.key, miss.values[0], labels)
            out.append(
                Finding(
                    "namespace_label_missing",
                    (
                        *rule_ref,
                        ("namespace", other.namespace.name),
                        ("key", miss.key),
                        ("value", miss.values[0]),
                        ("actual", miss.actual),
                        ("similar", similar),
                    ),
                )
            )
    # the one-dash mistake: a podSelector standing alone matches the peer's labels but only admits pods
    # of the policy's own namespace
    if best.kind == "pods" and best.wrong_namespace and not best.pod_misses:
        sibling_ns = any(
            p.namespace_selector is not None and p.pod_selector is None for p in closest.rule.peers
        )
        out.append(
            Finding(
                "and_or_mistake",
                (
                    *rule_ref,
                    ("peer_namespace", other.pod.namespace if other.pod else ""),
                    ("separate_items", sibling_ns),
                ),
            )
        )
    return out


def _similar_label(key: str, value: str, labels) -> str:
    """A label of the namespace that looks like a typo of key=value ("" when none)."""
    if key in labels:
        close = difflib.get_close_matches(value, [labels[key]], n=1, cutoff=0.6)
        return f"{key}={close[0]}" if close else ""
    keys = difflib.get_close_matches(key, list(labels), n=1, cutoff=0.7)
    if keys:
        return f"{keys[0]}={labels[keys[0]]}"
    for k, v in labels.items():
        if v == value:
            return f"{k}={v}"
    return ""
