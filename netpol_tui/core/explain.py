"""Explain one flow: which side denies, every policy selecting the pod there, the closest rule and its failing
clause, whether Hubble and the policies agree, findings from the field's known traps, and verified fixes.

Pure: a `Flow` and a `ClusterSnapshot` in, an `Explanation` (data) out. core/wording words it.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

from netpol_tui.core.cilium.attribution import (
    allowing_cilium,
    compare_allowed_by,
    compare_denied_by,
    hubble_identity,
)
from netpol_tui.core.cilium.model import SERVICE_ACCOUNT_KEY, PolicyKind
from netpol_tui.core.cilium.nearmiss import l7_caveats, near_misses
from netpol_tui.core.cilium.versions import VersionAssumption, VersionRule, version_assumptions
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import (
    DirectionResult,
    Note,
    PeerCheck,
    PeerKind,
    RuleResult,
    Subject,
    Verdict,
    ip_subject,
    pod_subject,
)
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult, CiliumEvaluator
from netpol_tui.core.findings import (
    AndOrMistake,
    AuthRequired,
    Cause,
    CiliumDeny,
    CiliumL7,
    CiliumRuleMiss,
    CiliumVersion,
    DirectionDiffers,
    DnsEgress,
    DropReason,
    ExplicitDeny,
    Finding,
    ForbiddenResources,
    HostNetwork,
    HubbleAttribution,
    HubbleDisagreesDropped,
    HubbleDisagreesForwarded,
    HubbleLabels,
    IngressController,
    MetadataAddress,
    NamespaceLabelMissing,
    NamespaceScope,
    NotEvaluatedPolicies,
    PodNotInSnapshot,
    PortUnknown,
    RemoteClusterPod,
    ReplyFlow,
    ServicePortUsed,
)
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.mesh import (
    hubble_meta_label,
    local_cluster,
    peers_scoped_to_local_cluster,
    remote_cluster,
)
from netpol_tui.core.model import (
    NS_NAME_LABEL,
    Direction,
    Endpoint,
    EndpointKind,
    Flow,
    Namespace,
    Pod,
    Workload,
)
from netpol_tui.core.policy import EGRESS, INGRESS
from netpol_tui.core.replies import flow_is_reply, icmp_error_of, icmp_request_of, reply_port
from netpol_tui.core.suggest import Fix, dns_allow_manifest
from netpol_tui.core.suggest_cilium import suggest as suggest_fixes

F = TypeVar("F", bound=Finding)


class Case(StrEnum):
    """How the evaluation compares with what Hubble saw."""

    POLICY_DROP = "policy_drop"  # Hubble dropped it for policy, and the policies we know deny it: explained
    POLICY_DROP_UNEXPLAINED = "policy_drop_but_allowed"  # Hubble dropped it for policy, our policies allow it
    EXPLICIT_DENY = "explicit_deny"  # POLICY_DENY (181): a deny rule (Cilium), named from *_denied_by
    AUTH_REQUIRED = "auth_required"  # AUTH_REQUIRED (189): mutual authentication missing
    NOT_POLICY = "not_a_policy_drop"  # dropped for another reason (no backend, invalid packet, ...)
    AUDIT = "audit"  # policy audit mode: would have been dropped
    ALLOWED = "allowed"  # forwarded, and the policies allow it
    FORWARDED_BUT_DENIED = "forwarded_but_denied"  # Hubble forwarded what our policies deny
    # Hubble forwarded an ICMP error message the policies alone would deny: connection tracking lets it through as
    # related to the connection it reports on (whose port is inside the message, not in the flow)
    RELATED = "related"
    TRACE = "what_if"  # no flow: a `trace` connection


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
PORT_PROTOCOLS = ("TCP", "UDP", "SCTP")  # the protocols whose flows carry a port


@dataclass(frozen=True, slots=True)
class Explanation:
    verdict: Verdict
    case: Case
    flow: Flow | None = None
    findings: tuple[Finding, ...] = ()
    fixes: tuple[Fix, ...] = ()
    reversed: bool = False  # the flow was a reply: the connection evaluated is the other way round

    @property
    def denying(self) -> tuple[DirectionResult, ...]:
        return self.verdict.denying

    def has(self, kind: type[Finding]) -> bool:
        """Is there a finding of this type?"""
        return any(isinstance(f, kind) for f in self.findings)

    def found(self, kind: type[F]) -> list[F]:
        """The findings of this type, in order."""
        return [f for f in self.findings if isinstance(f, kind)]


# ---------------------------------------------------------------------------------------------------------------
# Endpoints of a flow → evaluator subjects
# ---------------------------------------------------------------------------------------------------------------
def _with_ip(subject: Subject, ip: str) -> Subject:
    """Keep the address the flow used (the connection's address family, what the datapath matched)."""
    return replace(subject, ip=ip) if ip and ip != subject.ip else subject


def subject_for_endpoint(ep: Endpoint, snapshot: ClusterSnapshot) -> Subject:
    """The snapshot's pod (by namespace/name, then by IP); else a pod rebuilt from the flow's labels; else an IP.

    A pod of another cluster of the mesh (Hubble names its cluster, cilium-config names ours) is never the
    snapshot's pod of the same name or address: it is rebuilt from the flow's labels, its cluster kept."""
    ev = snapshot.evaluator
    remote = remote_cluster(ep, snapshot)
    if ep.namespace and ep.pod_name and not remote:
        pod = snapshot.pod(f"{ep.namespace}/{ep.pod_name}")
        if pod is not None:
            return _with_ip(ev.subject_for_pod(pod), ep.ip)
    # by IP only when Hubble did not name the pod: a named pod that is gone may have left its IP to another one
    named = bool(ep.namespace and ep.pod_name)
    if ep.ip and not named and not remote and ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN):
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
            # part of its identity, as Hubble reports it (the snapshot has no spec to read it from)
            service_account=hubble_meta_label(ep, SERVICE_ACCOUNT_KEY),
            cluster=remote,
        )
        ns = snapshot.namespace(ep.namespace)
        # another cluster's namespace of the same name: its own labels when Hubble reports them
        if ns is None or (ep.namespace_labels and (remote or ns.labels.keys() == {NS_NAME_LABEL})):
            labels = dict(ep.namespace_labels) or {}
            labels.setdefault(NS_NAME_LABEL, ep.namespace)
            ns = Namespace(ep.namespace, labels)
        return pod_subject(pod, ns, in_snapshot=False)
    if ep.ip:
        pod = (
            snapshot.pod_by_ip(ep.ip)
            if ep.kind == EndpointKind.UNKNOWN and not named and not remote
            else None
        )
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
    reversed_ = flow_is_reply(flow)
    if reversed_:
        # a reply: policies are stateful, the connection to explain is the one it answers (its port; for an ICMP
        # reply, the request type: an echo reply answers an echo request)
        src_ep, dst_ep = dst_ep, src_ep
        port = reply_port(flow)
    protocol = flow.protocol or ""
    # not reported (jsonpb leaves a 0 out): evaluated as port 0, which no numbered port matches (a rule with a
    # protocol only still does); no fix is offered, as any port-specific fix would be a guess and a fix without
    # a port restriction opens every port
    port_unknown = port is None and protocol in PORT_PROTOCOLS
    if port is None:
        port = 0
    src = subject_for_endpoint(src_ep, snapshot)
    dst = subject_for_endpoint(dst_ep, snapshot)
    relabeled: list[HubbleLabels] = []
    ev = snapshot.evaluator
    if isinstance(ev, CiliumEvaluator) and ev.active:
        # Cilium evaluated the identity labels Hubble reports: a snapshot pod whose labels differ is judged with them
        src, src_diff = _hubble_labels(src_ep, src)
        dst, dst_diff = _hubble_labels(dst_ep, dst)
        relabeled = [d for d in (src_diff, dst_diff) if d is not None]
    # the DNS names of the destination (toFQDNs): of the flow's source when the connection is the reply's
    names = flow.source_names if reversed_ else flow.destination_names
    if names:
        dst = replace(dst, names=tuple(names))
    verdict = snapshot.evaluator.evaluate(src, dst, port, protocol)
    case = _case(flow, verdict)
    hubble_dir = {"INGRESS": INGRESS, "EGRESS": EGRESS}.get(flow.traffic_direction)
    findings = _findings(verdict, snapshot, flow, case, hubble_dir)
    if relabeled:
        keys = {r.pod for r in relabeled}
        findings = [
            *relabeled,
            *(f for f in findings if not (isinstance(f, PodNotInSnapshot) and f.pod in keys)),
        ]
    if port_unknown:
        findings.insert(0, PortUnknown(protocol))
    fixes: tuple[Fix, ...] = ()
    if (
        with_fixes
        and not port_unknown
        and (
            case in (Case.POLICY_DROP, Case.AUDIT, Case.FORWARDED_BUT_DENIED)
            # a deny Hubble reports and our evaluation finds too: the fix narrows it
            or (case == Case.EXPLICIT_DENY and any(_cilium_denied(s) for s in verdict.denying))
        )
        and not verdict.allowed
    ):
        fixes = tuple(suggest_fixes(verdict, snapshot))
    return Explanation(verdict, case, flow, tuple(findings), fixes, reversed_)


def _hubble_labels(ep: Endpoint, subject: Subject) -> tuple[Subject, HubbleLabels | None]:
    """A snapshot pod with the identity labels Hubble reports for it, when they differ from the snapshot's."""
    pod = subject.pod
    if pod is None or pod.host_network or not subject.in_snapshot or subject.namespace is None:
        return subject, None
    found = hubble_identity(ep, pod, subject.namespace)
    if found is None:
        return subject, None
    relabeled = replace(subject, pod=found.pod, namespace=found.namespace, in_snapshot=False)
    return relabeled, HubbleLabels(subject.key, found.differences)


def explain_verdict(verdict: Verdict, snapshot: ClusterSnapshot, *, with_fixes: bool = True) -> Explanation:
    """A what-if connection (`trace`): no Hubble observation to compare with."""
    findings = _findings(verdict, snapshot, None, Case.TRACE, None)
    fixes = tuple(suggest_fixes(verdict, snapshot)) if with_fixes and not verdict.allowed else ()
    return Explanation(verdict, Case.TRACE, None, tuple(findings), fixes)


def _case(flow: Flow, verdict: Verdict) -> Case:
    reason = flow.drop_reason
    if flow.verdict == "DROPPED":
        if reason in EXPLICIT_DENY_REASONS:
            return Case.EXPLICIT_DENY
        if reason in AUTH_REASONS:
            return Case.AUTH_REQUIRED
        if reason in POLICY_DROP_REASONS or not reason:
            return Case.POLICY_DROP_UNEXPLAINED if verdict.allowed else Case.POLICY_DROP
        return Case.NOT_POLICY
    if flow.verdict == "AUDIT":
        return Case.AUDIT
    if verdict.allowed:
        return Case.ALLOWED
    return Case.RELATED if icmp_error_of(flow) else Case.FORWARDED_BUT_DENIED


# ---------------------------------------------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------------------------------------------
def _findings(
    verdict: Verdict, snapshot: ClusterSnapshot, flow: Flow | None, case: Case, hubble_dir: Direction | None
) -> list[Finding]:
    out: list[Finding] = []
    src, dst = verdict.source, verdict.destination
    denied_egress = not verdict.egress.allowed
    denied_ingress = not verdict.ingress.allowed

    # what we could not see
    for subj in (src, dst):
        if subj.pod is not None and not subj.in_snapshot:
            if subj.pod.cluster:
                scoped = peers_scoped_to_local_cluster(snapshot)
                out.append(RemoteClusterPod(subj.key, subj.pod.cluster, local_cluster(snapshot), scoped))
            else:
                out.append(PodNotInSnapshot(subj.key))
    cov = snapshot.coverage
    if cov.forbidden:
        out.append(ForbiddenResources(tuple(cov.forbidden)))
    if cov.not_evaluated:
        out.append(NotEvaluatedPolicies(tuple(cov.not_evaluated)))
    if cov.namespace_scope:
        out.append(NamespaceScope(cov.namespace_scope))

    # agreement with Hubble
    if flow is not None:
        if case == Case.EXPLICIT_DENY:
            by = flow.ingress_denied_by + flow.egress_denied_by
            out.append(ExplicitDeny(tuple(p.key + (f" ({p.kind})" if p.kind else "") for p in by)))
        elif case == Case.NOT_POLICY:
            out.append(DropReason(flow.drop_reason, flow.drop_reason_code))
        elif case == Case.AUTH_REQUIRED:
            out.append(AuthRequired())
        elif case == Case.POLICY_DROP_UNEXPLAINED:
            causes = [Cause.STALE_SNAPSHOT]
            if cov.not_evaluated:
                causes.append(Cause.CILIUM_POLICIES)
            if Note.IPBLOCK_POD_IP in verdict.notes:
                causes.append(Cause.IPBLOCK_POD_IP)
            if flow.flow_type == "L7" or flow.l7_summary:
                causes.append(Cause.L7_RULE)
            if cov.forbidden:
                causes.append(Cause.FORBIDDEN)
            out.append(HubbleDisagreesDropped(tuple(causes)))
        elif case == Case.FORWARDED_BUT_DENIED:
            causes = [Cause.ESTABLISHED_BEFORE_POLICY, Cause.STALE_SNAPSHOT]
            if cov.not_evaluated:
                causes.insert(0, Cause.CILIUM_POLICIES)
            causes.append(Cause.NOT_ENFORCED)
            out.append(HubbleDisagreesForwarded(tuple(causes)))
        if hubble_dir is not None and case == Case.POLICY_DROP:
            side = verdict.ingress if hubble_dir == INGRESS else verdict.egress
            if side.allowed:
                out.append(DirectionDiffers(hubble_dir, tuple(d.direction for d in verdict.denying)))
        if flow_is_reply(flow):
            out.append(
                ReplyFlow(flow.is_reply is None, flow.protocol, flow.destination_port, icmp_request_of(flow))
            )

    # the field's known traps
    if denied_egress and verdict.port == DNS_PORT and verdict.protocol in ("UDP", "TCP"):
        ns = src.pod.namespace if src.pod is not None else ""
        manifest = dns_allow_manifest(ns, {p.name for p in snapshot.policies_in(ns)})
        # offered only once the evaluator agrees it opens this flow's egress (a DNS server that is not kube-dns
        # in kube-system is not covered by it)
        verified = bool(ns) and _egress_allowed_with(verdict, snapshot, manifest)
        out.append(DnsEgress(ns, manifest if verified else None))
    for subj in (src, dst):
        if subj.pod is not None and subj.pod.host_network:
            out.append(HostNetwork(subj.key))
    if dst.ip is not None and dst.ip in METADATA_IPS:
        out.append(MetadataAddress(dst.ip))
    if denied_ingress and _is_ingress_controller(src, flow):
        out.append(IngressController(src.key))
    for side in verdict.denying:
        out.extend(_clause_findings(side, verdict))
    out.extend(_cilium_findings(verdict, snapshot, flow))
    # one finding per kind and values
    seen: set[str] = set()
    unique = []
    for f in out:
        key = repr(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _cilium_denied(side: DirectionResult) -> bool:
    return isinstance(side, CiliumDirectionResult) and bool(side.denied_by)


def _cilium_findings(verdict: Verdict, snapshot: ClusterSnapshot, flow: Flow | None) -> list[Finding]:
    """Per side judged with Cilium policies: the deny that decides, the near misses of the isolating CNP/CCNPs,
    the L7 rules not judged, and Hubble's policy names when they differ from ours."""
    ev = snapshot.evaluator
    if not isinstance(ev, CiliumEvaluator):
        return []
    out: list[Finding] = []
    for side in (verdict.egress, verdict.ingress):
        if not isinstance(side, CiliumDirectionResult) or side.cilium is None:
            continue
        cs = side.cilium
        me, other = (
            (verdict.source, verdict.destination)
            if side.direction == EGRESS
            else (verdict.destination, verdict.source)
        )
        if cs.denied_by:
            rules = tuple(
                (d.policy.kind.value, d.policy.key, d.path.rsplit(".", 1)[-1].split("[", 1)[0], d.number)
                for d in cs.denied_by
            )
            out.append(CiliumDeny(side.direction, rules))
        elif not side.allowed:
            me_p = ev.view.party(me)
            other_p = ev.view.party(other, other.names)
            other_id = ev.view.engine.identity(other_p, me_p.node)
            out.extend(CiliumRuleMiss(m) for m in near_misses(cs, other_id, other_p.names))
        else:
            out.extend(CiliumL7(m) for m in l7_caveats(cs))
        knp_allowing = side.allowing
        out.extend(
            CiliumVersion(
                side.direction,
                VersionAssumption(
                    VersionRule.KNP_POLICY_TYPES,
                    PolicyKind.NETWORK_POLICY,
                    p.key,
                    f"spec.{side.direction.lower()}",
                ),
            )
            for p in ev.unlisted(me, side.direction)
        )
        observed_allowed = flow is not None and flow.verdict in ("FORWARDED", "REDIRECTED")
        if verdict.allowed and not observed_allowed:
            # the rules assumed all allow: their version decides only when nothing else denies the connection
            # (and when Hubble saw it pass, the agent's version agrees: nothing to say)
            other_p = ev.view.party(other, other.names)
            assumed = version_assumptions(
                cs, other_p, knp_isolated=bool(side.policies), knp_allows=bool(knp_allowing)
            )
            out.extend(CiliumVersion(side.direction, a) for a in assumed)
        if flow is not None:
            theirs = flow.ingress_denied_by if side.direction == INGRESS else flow.egress_denied_by
            if theirs:
                diff = compare_denied_by(side.direction, theirs, cs)
                if not diff.agrees:
                    out.append(HubbleAttribution(side.direction, True, diff.only_hubble, diff.only_ours))
            allowed_by = flow.ingress_allowed_by if side.direction == INGRESS else flow.egress_allowed_by
            if allowed_by and not cs.denied_by:
                ours = allowing_cilium(cs) + [
                    (p.policy.namespace, p.policy.name, "NetworkPolicy") for p in knp_allowing
                ]
                adiff = compare_allowed_by(side.direction, allowed_by, ours)
                # Hubble names the rules of the one policy-map entry that matched: policies it leaves out may
                # allow too, so only a policy Hubble names that we do not find (or no common one) disagrees
                common = len(adiff.only_ours) < len(ours)
                if adiff.only_hubble or not common:
                    only_ours = () if common else adiff.only_ours
                    out.append(HubbleAttribution(side.direction, False, adiff.only_hubble, only_ours))
    return out


def _egress_allowed_with(verdict: Verdict, snapshot: ClusterSnapshot, manifest: dict[str, Any]) -> bool:
    after = snapshot.with_changes(policies=[parse_network_policy(manifest)])
    again = after.evaluator.evaluate(verdict.source, verdict.destination, verdict.port, verdict.protocol)
    return again.egress.allowed


def _is_ingress_controller(src: Subject, flow: Flow | None) -> bool:
    if src.kind == EndpointKind.INGRESS or (flow is not None and flow.source.kind == EndpointKind.INGRESS):
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


def _clause_findings(side: DirectionResult, verdict: Verdict) -> list[Finding]:
    """Findings read off the closest rules of the policies that deny on this side."""
    out: list[Finding] = []
    other = verdict.source if side.direction == INGRESS else verdict.destination
    for pres in side.policies:
        closest = pres.closest
        if closest is None:
            continue
        pol = pres.policy
        rule_ref = (pol.key, closest.index, side.direction)
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
                out.append(ServicePortUsed(*rule_ref, tuple(rule_ports), verdict.port))
    return out


def _peer_findings(
    best: PeerCheck, closest: RuleResult, rule_ref: tuple[str, int, Direction], other: Subject
) -> list[Finding]:
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
                NamespaceLabelMissing(
                    *rule_ref, other.namespace.name, miss.key, miss.values[0], miss.actual, similar
                )
            )
    # the one-dash mistake: a podSelector standing alone matches the peer's labels but only admits pods
    # of the policy's own namespace
    if best.kind == PeerKind.PODS and best.wrong_namespace and not best.pod_misses:
        sibling_ns = any(
            p.namespace_selector is not None and p.pod_selector is None for p in closest.rule.peers
        )
        out.append(AndOrMistake(*rule_ref, other.pod.namespace if other.pod else "", sibling_ns))
    return out


def _similar_label(key: str, value: str, labels: Mapping[str, str]) -> str:
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
