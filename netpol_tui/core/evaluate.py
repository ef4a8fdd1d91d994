"""Is a connection allowed? Kubernetes NetworkPolicy semantics, returned as data.

`Evaluator(snapshot).evaluate(src, dst, port, protocol)` gives a `Verdict`: for egress (at the source) and ingress
(at the destination) whether the side is enforced and isolated, every policy selecting that pod for that
direction, and for every rule whether its peer part and its port part matched, with the clauses that failed.
Nothing here writes prose (see core/wording/). The rules followed are those of reference/netpol-semantics.md:

* isolation per direction from the effective policyTypes of the policies in the pod's namespace selecting it;
* rules are a union; inside a rule peers OR, ports OR, and peer AND port;
* a missing/empty `from`/`to`/`ports` matches everything; `[]` rules allow nothing;
* podSelector alone = the policy's namespace; namespaceSelector alone = every pod there; both in one item = AND;
* ipBlock cidr minus except, matched against pod IPs too (the Kubernetes way; flagged, CNIs differ);
* ports: protocol default TCP, endPort ranges, named ports resolved on the destination pod (name + protocol);
* a side is enforced only for a known pod not on hostNetwork.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from netpol_tui.core.matchers import (
    ANY_PEER,
    ANY_PORT,
    IpFailure,
    PeerCheck,
    PeerKind,
    PortCheck,
    resolve_named_port,
)
from netpol_tui.core.matchers.base import CheckResult
from netpol_tui.core.model import Direction, EndpointKind, Namespace, Pod
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy, Rule
from netpol_tui.core.subject import Subject, ip_subject, pod_subject

__all__ = [
    "DirectionResult",
    "Evaluator",
    "IpFailure",
    "Note",
    "NotEnforced",
    "PeerCheck",
    "PeerKind",
    "PeerResult",
    "PolicyResult",
    "PortCheck",
    "PortResult",
    "RuleResult",
    "SnapshotIndex",
    "Subject",
    "Verdict",
    "check_peers",
    "check_ports",
    "ip_subject",
    "peer_admits",
    "pod_subject",
    "resolve_named_port",
]


class NotEnforced(StrEnum):
    """Why a side is not enforced ("" when it is)."""

    ENFORCED = ""
    NOT_A_POD = "not_a_pod"
    HOST_NETWORK = "host_network"
    POLICY_DISABLED = "policy_disabled"  # Cilium's enable-policy=never
    OTHER_CLUSTER = "other_cluster"  # a pod of another cluster of the mesh: its own cluster's policies decide


class Note(StrEnum):
    """Notes attached to a verdict (core/wording words them)."""

    IPBLOCK_POD_IP = (
        "ipblock_matched_pod_ip"  # allowed only because an ipBlock matched a pod IP (CNI-dependent)
    )
    SELF = "self_traffic"  # a pod talking to itself through its own IP: undefined across CNIs
    HOST_NETWORK_PEER = "host_network_peer"  # the other end is a hostNetwork pod: its traffic is the node's
    NAMED_PORT_UNKNOWN = "named_port_unresolvable"  # destination pod's container ports are unknown


class SnapshotIndex(Protocol):
    """What the evaluator reads from a snapshot (core.cluster.ClusterSnapshot provides it)."""

    @property
    def pods(self) -> Mapping[str, Pod]: ...

    def namespace(self, name: str) -> Namespace | None: ...

    def pod_by_ip(self, ip: str) -> Pod | None: ...

    def policies_in(self, namespace: str) -> list[NetworkPolicy]: ...


# ---------------------------------------------------------------------------------------------------------------
# Result data
# ---------------------------------------------------------------------------------------------------------------
class PeerResult(CheckResult[PeerCheck]):
    """Every peer item of a rule checked (`ok`, `checks`, `best`)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class PortResult:
    ok: bool
    checks: tuple[PortCheck, ...]

    @property
    def best(self) -> PortCheck:
        for c in self.checks:
            if c.ok:
                return c
        for c in self.checks:
            if c.protocol_ok:
                return c
        return self.checks[0]


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    allows: bool
    peer: PeerResult
    port: PortResult

    @property
    def index(self) -> int:
        return self.rule.index

    @property
    def failures(self) -> int:
        """Failed clauses: those of the closest peer item, plus one when no port item matches."""
        return (0 if self.peer.ok else self.peer.best.failures) + (0 if self.port.ok else 1)


@dataclass(frozen=True, slots=True)
class PolicyResult:
    policy: NetworkPolicy
    allows: bool
    rules: tuple[RuleResult, ...]

    @property
    def closest(self) -> RuleResult | None:
        """The rule that allows, else the one failing on the fewest clauses (None: the policy has no rules)."""
        if not self.rules:
            return None
        for r in self.rules:
            if r.allows:
                return r
        return min(self.rules, key=lambda r: r.failures)


@dataclass(frozen=True, slots=True)
class DirectionResult:
    direction: Direction  # Egress (checked at the source) / Ingress (at the destination)
    subject: Subject  # the end this side is enforced on
    enforced: bool
    isolated: bool
    allowed: bool
    policies: tuple[PolicyResult, ...] = ()
    reason: NotEnforced = NotEnforced.ENFORCED  # why not enforced

    @property
    def allowing(self) -> tuple[PolicyResult, ...]:
        return tuple(p for p in self.policies if p.allows)

    @property
    def closest(self) -> PolicyResult | None:
        """The policy whose closest rule fails on the fewest clauses (first on ties; policies without rules
        count as failing on many), None when no policy selects the pod."""
        best: PolicyResult | None = None
        best_score = 0
        for pres in self.policies:
            rr = pres.closest
            score = rr.failures if rr is not None else 1_000
            if best is None or score < best_score:
                best, best_score = pres, score
        return best


@dataclass(frozen=True, slots=True)
class Verdict:
    source: Subject
    destination: Subject
    port: int
    protocol: str
    egress: DirectionResult
    ingress: DirectionResult
    notes: tuple[Note, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed

    @property
    def denying(self) -> tuple[DirectionResult, ...]:
        return tuple(d for d in (self.egress, self.ingress) if not d.allowed)


# ---------------------------------------------------------------------------------------------------------------
# The evaluator: walks the compiled rules (core/matchers), never the raw peers and ports
# ---------------------------------------------------------------------------------------------------------------
class Evaluator:
    """Compiled once per snapshot (see `ClusterSnapshot.evaluator`); thread-safe for reads."""

    def __init__(self, snapshot: SnapshotIndex) -> None:
        self.snapshot = snapshot
        self._selecting: dict[tuple[str, str], tuple[NetworkPolicy, ...]] = {}

    # --- subjects ----------------------------------------------------------------------------------------
    def subject_for_pod(self, pod: Pod, *, in_snapshot: bool = True) -> Subject:
        return pod_subject(pod, self.snapshot.namespace(pod.namespace), in_snapshot=in_snapshot)

    def subject_for_ip(self, ip: str, kind: EndpointKind = EndpointKind.WORLD) -> Subject:
        """The pod owning this IP (keeping the IP: the connection's address), else the bare IP."""
        pod = self.snapshot.pod_by_ip(ip)
        if pod is not None:
            subject = self.subject_for_pod(pod)
            return subject if subject.ip == ip else replace(subject, ip=ip)
        return ip_subject(ip, kind)

    # --- selection ---------------------------------------------------------------------------------------
    def selecting(self, subject: Subject, direction: str) -> tuple[NetworkPolicy, ...]:
        """Every policy in the pod's namespace that selects it and has `direction` among its policyTypes.

        This is THE "policies selecting this endpoint (per direction)" query: the explanation, the fixes and
        the UI's pod pane all use it. Empty for what is not a pod. Cached per snapshot pod.
        """
        pod = subject.pod
        if pod is None:
            return ()
        cache_key: tuple[str, str] | None = None
        if subject.in_snapshot and self.snapshot.pods.get(pod.key) is pod:
            cache_key = (pod.key, direction)
            cached = self._selecting.get(cache_key)
            if cached is not None:
                return cached
        # else: a pod rebuilt from a flow: not cached under the real pod's key
        found = tuple(
            p
            for p in self.snapshot.policies_in(pod.namespace)
            if direction in p.policy_types and p.pod_selector.matches(pod.labels)
        )
        if cache_key is not None:
            self._selecting[cache_key] = found
        return found

    def selecting_pod(self, pod: Pod, direction: str) -> tuple[NetworkPolicy, ...]:
        """`selecting` for a snapshot pod."""
        return self.selecting(self.subject_for_pod(pod), direction)

    # --- evaluation --------------------------------------------------------------------------------------
    def evaluate(self, src: Subject, dst: Subject, port: int, protocol: str = "TCP") -> Verdict:
        protocol = protocol.upper() if protocol else ""
        egress = self._side(EGRESS, src, dst, port, protocol)
        ingress = self._side(INGRESS, dst, src, port, protocol)
        notes: list[Note] = []
        for side in (egress, ingress):
            if (
                side.enforced
                and side.isolated
                and side.allowed
                and all(_only_via_pod_ip(p) for p in side.allowing)
            ):
                notes.append(Note.IPBLOCK_POD_IP)
                break
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key:
            notes.append(Note.SELF)
        if (src.pod is not None and src.pod.host_network) or (dst.pod is not None and dst.pod.host_network):
            notes.append(Note.HOST_NETWORK_PEER)
        if dst.pod is not None and not dst.in_snapshot and _uses_named_port(egress, ingress):
            notes.append(Note.NAMED_PORT_UNKNOWN)
        return Verdict(src, dst, port, protocol, egress, ingress, tuple(notes))

    def allows(self, src: Subject, dst: Subject, port: int, protocol: str = "TCP") -> bool:
        """Only the verdict, without building the explanation (for counting pairs)."""
        protocol = protocol.upper()
        return self._side_allows(EGRESS, src, dst, port, protocol) and self._side_allows(
            INGRESS, dst, src, port, protocol
        )

    def _side(
        self, direction: Direction, me: Subject, other: Subject, port: int, protocol: str
    ) -> DirectionResult:
        if me.pod is None:
            return DirectionResult(direction, me, False, False, True, reason=NotEnforced.NOT_A_POD)
        if me.pod.host_network:
            return DirectionResult(direction, me, False, False, True, reason=NotEnforced.HOST_NETWORK)
        policies = self.selecting(me, direction)
        if not policies:
            return DirectionResult(direction, me, True, False, True)
        dst = other if direction == EGRESS else me
        results = tuple(_policy(p, direction, other, dst, port, protocol) for p in policies)
        allowed = any(r.allows for r in results)
        return DirectionResult(direction, me, True, True, allowed, results)

    def _side_allows(
        self, direction: Direction, me: Subject, other: Subject, port: int, protocol: str
    ) -> bool:
        if me.pod is None or me.pod.host_network:
            return True
        policies = self.selecting(me, direction)
        if not policies:
            return True
        dst = other if direction == EGRESS else me
        ingress = direction == INGRESS
        for p in policies:
            ns = p.namespace
            for rule in p.ingress if ingress else p.egress:
                # Rule.admits, inlined on this hot path: some port item AND some peer item
                for pm in rule.port_matchers:
                    if pm.admits(port, protocol, dst):
                        for peer in rule.peer_matchers:
                            if peer.admits(other, ns):
                                return True
                        break
        return False


def _policy(
    policy: NetworkPolicy, direction: Direction, other: Subject, dst: Subject, port: int, protocol: str
) -> PolicyResult:
    rules = []
    for rule in policy.rules(direction):
        peer = check_peers(rule, policy.namespace, other)
        ports = check_ports(rule, port, protocol, dst)
        rules.append(RuleResult(rule, peer.ok and ports.ok, peer, ports))
    return PolicyResult(policy, any(r.allows for r in rules), tuple(rules))


def _only_via_pod_ip(result: PolicyResult) -> bool:
    allowing = [r for r in result.rules if r.allows]
    return bool(allowing) and all(r.peer.best.via_pod_ip for r in allowing)


def _uses_named_port(*sides: DirectionResult) -> bool:
    for side in sides:
        for p in side.policies:
            for r in p.rules:
                if any(isinstance(ps.port, str) for ps in r.rule.ports):
                    return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# Rules: peers and ports, through the rule's compiled matchers
# ---------------------------------------------------------------------------------------------------------------
_ANY_PEER_RESULT = PeerResult(True, (ANY_PEER.check(Subject(), ""),))
_ANY_PORT_RESULT = PortResult(True, (ANY_PORT.check(0, "", Subject()),))


def check_peers(rule: Rule, policy_ns: str, other: Subject) -> PeerResult:
    """Every peer item of the rule checked against `other` (OR)."""
    matchers = rule.peer_matchers
    if matchers[0] is ANY_PEER:
        return _ANY_PEER_RESULT
    checks = tuple(m.check(other, policy_ns) for m in matchers)
    return PeerResult(any(c.ok for c in checks), checks)


def check_ports(rule: Rule, port: int, protocol: str, dst: Subject) -> PortResult:
    """Every port item of the rule checked against (port, protocol) on `dst` (OR)."""
    matchers = rule.port_matchers
    if matchers[0] is ANY_PORT:
        return _ANY_PORT_RESULT
    checks = tuple(m.check(port, protocol, dst) for m in matchers)
    return PortResult(any(c.ok for c in checks), checks)


def peer_admits(rule: Rule, policy_ns: str, other: Subject) -> bool:
    """Does the rule's peer part admit `other` (ports aside)?"""
    for m in rule.peer_matchers:
        if m.admits(other, policy_ns):
            return True
    return False
