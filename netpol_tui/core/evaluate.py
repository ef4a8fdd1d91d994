"""Is a connection allowed? Kubernetes NetworkPolicy semantics, returned as data.

`Evaluator(snapshot).evaluate(src, dst, port, protocol)` gives a `Verdict`: for egress (at the source) and ingress
(at the destination) whether the side is enforced and isolated, every policy selecting that pod for that
direction, and for every rule whether its peer part and its port part matched, with the clauses that failed.
Nothing here writes prose (see render.py). The rules followed are those of reference/netpol-semantics.md:

* isolation per direction from the effective policyTypes of the policies in the pod's namespace selecting it;
* rules are a union; inside a rule peers OR, ports OR, and peer AND port;
* a missing/empty `from`/`to`/`ports` matches everything; `[]` rules allow nothing;
* podSelector alone = the policy's namespace; namespaceSelector alone = every pod there; both in one item = AND;
* ipBlock cidr minus except, matched against pod IPs too (the Kubernetes way; flagged, CNIs differ);
* ports: protocol default TCP, endPort ranges, named ports resolved on the destination pod (name + protocol);
* a side is enforced only for a known pod not on hostNetwork.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, replace
from functools import lru_cache

from netpol_tui.core.model import NS_NAME_LABEL, Namespace, Pod
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy, Peer, PortSpec, Rule
from netpol_tui.core.selectors import SelectorMiss

# Why a side is not enforced
NOT_A_POD = "not_a_pod"
HOST_NETWORK = "host_network"

# Notes attached to a verdict (render.py words them)
NOTE_IPBLOCK_POD_IP = (
    "ipblock_matched_pod_ip"  # allowed only because an ipBlock matched a pod IP (CNI-dependent)
)
NOTE_SELF = "self_traffic"  # a pod talking to itself through its own IP: undefined across CNIs
NOTE_HOST_NETWORK_PEER = "host_network_peer"  # the other end is a hostNetwork pod: its traffic is the node's
NOTE_NAMED_PORT_UNKNOWN = "named_port_unresolvable"  # destination pod's container ports are unknown


@dataclass(frozen=True, slots=True)
class Subject:
    """One end of a connection as the evaluator sees it: a pod (with its namespace), or just an IP."""

    pod: Pod | None = None
    namespace: Namespace | None = None
    ip: str | None = None
    kind: str = "pod"  # pod, or an EndpointKind value for what is not a pod (world, host, remote-node, ...)
    in_snapshot: bool = (
        True  # False when the pod was rebuilt from a flow's labels (no longer in the snapshot)
    )

    @property
    def key(self) -> str:
        if self.pod is not None:
            return self.pod.key
        return self.ip or "?"

    @property
    def is_pod(self) -> bool:
        return self.pod is not None

    @property
    def policy_pod(self) -> bool:
        """A pod that NetworkPolicies apply to (not hostNetwork)."""
        return self.pod is not None and not self.pod.host_network


def pod_subject(pod: Pod, namespace: Namespace | None, *, in_snapshot: bool = True) -> Subject:
    ns = namespace or Namespace(pod.namespace, {NS_NAME_LABEL: pod.namespace})
    return Subject(pod=pod, namespace=ns, ip=pod.ip, kind="pod", in_snapshot=in_snapshot)


def ip_subject(ip: str, kind: str = "world") -> Subject:
    return Subject(ip=ip, kind=kind)


# ---------------------------------------------------------------------------------------------------------------
# Result data
# ---------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class PeerCheck:
    """One `from`/`to` item checked against the other end. index -1: the rule has no peers (matches all)."""

    index: int
    ok: bool
    kind: str  # any, pods, namespaces, pods_in_namespaces, ipblock
    namespace_misses: tuple[SelectorMiss, ...] = ()
    wrong_namespace: str = (
        ""  # podSelector alone: the namespace required (the policy's own) when the peer is elsewhere
    )
    pod_misses: tuple[SelectorMiss, ...] = ()
    not_pod: bool = False  # a selector peer and the other end is not a (policy) pod
    host_network: bool = False  # ... because it is a hostNetwork pod (its traffic is the node's)
    ip_failure: str = ""  # ipblock: "outside", "excepted", "no_ip"
    ip_except: str = ""  # the except entry that removed the IP
    via_pod_ip: bool = False  # ipblock matched the IP of a pod
    failures: int = 0  # how many clauses failed (for "closest")


@dataclass(frozen=True, slots=True)
class PortCheck:
    """One `ports` item checked against the connection. index -1: the rule has no ports (matches all)."""

    index: int
    ok: bool
    protocol_ok: bool = True
    port_ok: bool = True
    resolved: int | None = None  # a named port resolved on the destination pod
    unresolved_name: bool = False  # a named port the destination does not define (for that protocol)


@dataclass(frozen=True, slots=True)
class PeerResult:
    ok: bool
    checks: tuple[PeerCheck, ...]

    @property
    def best(self) -> PeerCheck:
        """The matching check, else the one failing on the fewest clauses (first on ties)."""
        for c in self.checks:
            if c.ok:
                return c
        return min(self.checks, key=lambda c: c.failures)


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
    direction: str  # Egress (checked at the source) / Ingress (at the destination)
    subject: Subject  # the end this side is enforced on
    enforced: bool
    isolated: bool
    allowed: bool
    policies: tuple[PolicyResult, ...] = ()
    reason: str = ""  # why not enforced: not_a_pod, host_network

    @property
    def allowing(self) -> tuple[PolicyResult, ...]:
        return tuple(p for p in self.policies if p.allows)


@dataclass(frozen=True, slots=True)
class Verdict:
    source: Subject
    destination: Subject
    port: int
    protocol: str
    egress: DirectionResult
    ingress: DirectionResult
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed

    @property
    def denying(self) -> tuple[DirectionResult, ...]:
        return tuple(d for d in (self.egress, self.ingress) if not d.allowed)


# ---------------------------------------------------------------------------------------------------------------
# The evaluator
# ---------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


class Evaluator:
    """Compiled once per snapshot (see `ClusterSnapshot.evaluator`); thread-safe for reads."""

    def __init__(self, snapshot) -> None:  # snapshot: ClusterSnapshot (not imported: avoids a cycle)
        self.snapshot = snapshot
        self._selecting: dict[tuple[str, str], tuple[NetworkPolicy, ...]] = {}

    # --- subjects ----------------------------------------------------------------------------------------
    def subject_for_pod(self, pod: Pod, *, in_snapshot: bool = True) -> Subject:
        return pod_subject(pod, self.snapshot.namespace(pod.namespace), in_snapshot=in_snapshot)

    def subject_for_ip(self, ip: str, kind: str = "world") -> Subject:
        """The pod owning this IP (keeping the IP: the connection's address), else the bare IP."""
        pod = self.snapshot.pod_by_ip(ip)
        if pod is not None:
            subject = self.subject_for_pod(pod)
            return subject if subject.ip == ip else replace(subject, ip=ip)
        return ip_subject(ip, kind)

    # --- selection ---------------------------------------------------------------------------------------
    def selecting(self, subject: Subject, direction: str) -> tuple[NetworkPolicy, ...]:
        """Every policy in the pod's namespace that selects it and has `direction` among its policyTypes."""
        pod = subject.pod
        if pod is None:
            return ()
        cache_key = (pod.key, direction)
        if subject.in_snapshot and self.snapshot.pods.get(pod.key) is pod:
            cached = self._selecting.get(cache_key)
            if cached is not None:
                return cached
        else:
            cache_key = None  # a pod rebuilt from a flow: do not cache under the real pod's key
        found = tuple(
            p
            for p in self.snapshot.policies_in(pod.namespace)
            if direction in p.policy_types and p.pod_selector.matches(pod.labels)
        )
        if cache_key is not None:
            self._selecting[cache_key] = found
        return found

    # --- evaluation --------------------------------------------------------------------------------------
    def evaluate(self, src: Subject, dst: Subject, port: int, protocol: str = "TCP") -> Verdict:
        protocol = protocol.upper() if protocol else ""
        egress = self._side(EGRESS, src, dst, port, protocol)
        ingress = self._side(INGRESS, dst, src, port, protocol)
        notes: list[str] = []
        for side in (egress, ingress):
            if (
                side.enforced
                and side.isolated
                and side.allowed
                and all(_only_via_pod_ip(p) for p in side.allowing)
            ):
                notes.append(NOTE_IPBLOCK_POD_IP)
                break
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key:
            notes.append(NOTE_SELF)
        if (src.pod is not None and src.pod.host_network) or (dst.pod is not None and dst.pod.host_network):
            notes.append(NOTE_HOST_NETWORK_PEER)
        if dst.pod is not None and not dst.in_snapshot and _uses_named_port(egress, ingress):
            notes.append(NOTE_NAMED_PORT_UNKNOWN)
        return Verdict(src, dst, port, protocol, egress, ingress, tuple(notes))

    def allows(self, src: Subject, dst: Subject, port: int, protocol: str = "TCP") -> bool:
        """Only the verdict, without building the explanation (for counting pairs)."""
        protocol = protocol.upper()
        return self._side_allows(EGRESS, src, dst, port, protocol) and self._side_allows(
            INGRESS, dst, src, port, protocol
        )

    def _side(self, direction: str, me: Subject, other: Subject, port: int, protocol: str) -> DirectionResult:
        if me.pod is None:
            return DirectionResult(direction, me, False, False, True, reason=NOT_A_POD)
        if me.pod.host_network:
            return DirectionResult(direction, me, False, False, True, reason=HOST_NETWORK)
        policies = self.selecting(me, direction)
        if not policies:
            return DirectionResult(direction, me, True, False, True)
        dst = other if direction == EGRESS else me
        results = tuple(self._policy(p, direction, other, dst, port, protocol) for p in policies)
        allowed = any(r.allows for r in results)
        return DirectionResult(direction, me, True, True, allowed, results)

    def _side_allows(self, direction: str, me: Subject, other: Subject, port: int, protocol: str) -> bool:
        if me.pod is None or me.pod.host_network:
            return True
        policies = self.selecting(me, direction)
        if not policies:
            return True
        dst = other if direction == EGRESS else me
        for p in policies:
            for rule in p.rules(direction):
                if _port_ok(rule.ports, port, protocol, dst) and _peer_ok(rule.peers, p.namespace, other):
                    return True
        return False

    def _policy(
        self, policy: NetworkPolicy, direction: str, other: Subject, dst: Subject, port: int, protocol: str
    ) -> PolicyResult:
        rules = []
        for rule in policy.rules(direction):
            peer = check_peers(rule.peers, policy.namespace, other)
            ports = check_ports(rule.ports, port, protocol, dst)
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
# Peers
# ---------------------------------------------------------------------------------------------------------------
ANY_PEER = PeerResult(True, (PeerCheck(-1, True, "any"),))


def check_peers(peers: tuple[Peer, ...], policy_ns: str, other: Subject) -> PeerResult:
    if not peers:
        return ANY_PEER
    checks = tuple(check_peer(p, policy_ns, other) for p in peers)
    return PeerResult(any(c.ok for c in checks), checks)


def check_peer(peer: Peer, policy_ns: str, other: Subject) -> PeerCheck:
    if peer.ip_block is not None:
        return _check_ipblock(peer, other)
    kind = (
        "pods_in_namespaces"
        if peer.pod_selector is not None and peer.namespace_selector is not None
        else "namespaces"
        if peer.namespace_selector is not None
        else "pods"
    )
    if not other.policy_pod:
        host = other.pod is not None and other.pod.host_network
        return PeerCheck(peer.index, False, kind, not_pod=True, host_network=host, failures=1)
    pod = other.pod
    ns = other.namespace
    ns_misses: tuple[SelectorMiss, ...] = ()
    wrong_ns = ""
    if peer.namespace_selector is not None:
        ns_labels = ns.labels if ns is not None else {NS_NAME_LABEL: pod.namespace}
        if not peer.namespace_selector.matches(ns_labels):
            ns_misses = peer.namespace_selector.why_not(ns_labels)
    elif pod.namespace != policy_ns:
        wrong_ns = policy_ns
    pod_misses: tuple[SelectorMiss, ...] = ()
    if peer.pod_selector is not None and not peer.pod_selector.matches(pod.labels):
        pod_misses = peer.pod_selector.why_not(pod.labels)
    failures = len(ns_misses) + len(pod_misses) + (1 if wrong_ns else 0)
    return PeerCheck(
        peer.index,
        failures == 0,
        kind,
        namespace_misses=ns_misses,
        wrong_namespace=wrong_ns,
        pod_misses=pod_misses,
        failures=failures,
    )


def _check_ipblock(peer: Peer, other: Subject) -> PeerCheck:
    block = peer.ip_block
    assert block is not None
    # the address the connection uses (a dual-stack pod's other family is not this connection's), else the pod's
    texts = (other.ip,) if other.ip else (other.pod.ips if other.pod is not None else ())
    addrs = [a for a in (_ip(t) for t in texts) if a is not None]
    if not addrs:
        return PeerCheck(peer.index, False, "ipblock", ip_failure="no_ip", failures=1)
    via_pod = other.pod is not None and not other.pod.host_network
    except_hit = ""
    for addr in addrs:
        if block.contains(addr):
            return PeerCheck(peer.index, True, "ipblock", via_pod_ip=via_pod)
        if addr.version == block.network.version and addr in block.network:
            except_hit = except_hit or (block.excepted_by(addr) or "")
    if except_hit:
        return PeerCheck(
            peer.index, False, "ipblock", ip_failure="excepted", ip_except=except_hit, failures=1
        )
    return PeerCheck(peer.index, False, "ipblock", ip_failure="outside", failures=1)


def peer_admits(rule: Rule, policy_ns: str, other: Subject) -> bool:
    """Does the rule's peer part admit `other` (ports aside)?"""
    return _peer_ok(rule.peers, policy_ns, other)


def _peer_ok(peers: tuple[Peer, ...], policy_ns: str, other: Subject) -> bool:
    if not peers:
        return True
    for p in peers:
        if p.ip_block is not None:
            if _check_ipblock(p, other).ok:
                return True
            continue
        if not other.policy_pod:
            continue
        pod = other.pod
        if p.namespace_selector is not None:
            ns_labels = (
                other.namespace.labels if other.namespace is not None else {NS_NAME_LABEL: pod.namespace}
            )
            if not p.namespace_selector.matches(ns_labels):
                continue
        elif pod.namespace != policy_ns:
            continue
        if p.pod_selector is not None and not p.pod_selector.matches(pod.labels):
            continue
        return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------------------------------------------
ANY_PORT = PortResult(True, (PortCheck(-1, True),))


def resolve_named_port(dst: Subject, name: str, protocol: str) -> int | None:
    """A named port on the destination pod's containers (the name and the protocol must both match)."""
    if dst.pod is None:
        return None
    for cp in dst.pod.ports:
        if cp.name == name and cp.protocol == protocol:
            return cp.port
    return None


def check_ports(ports: tuple[PortSpec, ...], port: int, protocol: str, dst: Subject) -> PortResult:
    if not ports:
        return ANY_PORT
    checks = tuple(check_port(ps, port, protocol, dst) for ps in ports)
    return PortResult(any(c.ok for c in checks), checks)


def check_port(ps: PortSpec, port: int, protocol: str, dst: Subject) -> PortCheck:
    proto_ok = ps.protocol == protocol
    if ps.port is None:
        return PortCheck(ps.index, proto_ok, protocol_ok=proto_ok, port_ok=True)
    if isinstance(ps.port, str):
        resolved = resolve_named_port(dst, ps.port, ps.protocol)
        if resolved is None:
            return PortCheck(ps.index, False, protocol_ok=proto_ok, port_ok=False, unresolved_name=True)
        port_ok = resolved == port
        return PortCheck(
            ps.index, proto_ok and port_ok, protocol_ok=proto_ok, port_ok=port_ok, resolved=resolved
        )
    if ps.end_port is not None:
        port_ok = ps.port <= port <= ps.end_port
    else:
        port_ok = ps.port == port
    return PortCheck(ps.index, proto_ok and port_ok, protocol_ok=proto_ok, port_ok=port_ok)


def _port_ok(ports: tuple[PortSpec, ...], port: int, protocol: str, dst: Subject) -> bool:
    if not ports:
        return True
    for ps in ports:
        if ps.protocol != protocol:
            continue
        if ps.port is None:
            return True
        if isinstance(ps.port, str):
            if resolve_named_port(dst, ps.port, ps.protocol) == port:
                return True
            continue
        if ps.end_port is not None:
            if ps.port <= port <= ps.end_port:
                return True
        elif ps.port == port:
            return True
    return False
