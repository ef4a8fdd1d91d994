"""The evaluator for a cluster with Cilium objects: NetworkPolicy, CiliumNetworkPolicy and
CiliumClusterwideNetworkPolicy judged together (reference/cilium-policy-semantics.md §4, §7).

`CiliumEvaluator` is the core `Evaluator` with one thing changed per side: the Cilium engine
(core/cilium/engine.py) gives the CNP/CCNP part (isolation, deny items, allow items), NetworkPolicies give theirs
through their compiled matchers, and the side's verdict is Cilium's: a matching deny drops (181) whatever allows;
else a side isolated by any policy of any kind needs one allow of any kind (133 otherwise). When cilium-config is
present the NetworkPolicies are judged the Cilium way: their podSelectors match identity labels and an ipBlock never
selects a pod (nor a node, unless policy-cidr-match-mode=nodes); `enable-k8s-networkpolicy: false` ignores them.
A snapshot without Cilium objects never gets this evaluator, so it evaluates exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netpol_tui.core.cilium.bridge import CiliumView, subject_names
from netpol_tui.core.cilium.engine import CiliumSide, DenyRef, Drop
from netpol_tui.core.cilium.engine import NotEnforced as CiliumNotEnforced
from netpol_tui.core.cilium.identity import Party
from netpol_tui.core.cilium.model import CLUSTER_KEY
from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.evaluate import (
    DirectionResult,
    Evaluator,
    Note,
    NotEnforced,
    PeerCheck,
    PeerKind,
    PeerResult,
    PolicyResult,
    RuleResult,
    SnapshotIndex,
    Subject,
    Verdict,
    check_peers,
    check_ports,
)
from netpol_tui.core.model import Direction, Namespace, Pod
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy, Rule
from netpol_tui.core.selectors import LabelSelector, Operator, SelectorMiss

ICMP_NAMES = {"ICMP": "ICMPv4", "ICMPV4": "ICMPv4", "ICMPV6": "ICMPv6"}


def canonical_protocol(protocol: str) -> str:
    """`TCP`, `UDP`, `SCTP` upper-case; ICMP as Hubble names it (`ICMPv4`, `ICMPv6`)."""
    up = protocol.upper() if protocol else ""
    return ICMP_NAMES.get(up, up)


@dataclass(frozen=True, slots=True)
class CiliumDirectionResult(DirectionResult):
    """A side judged with Cilium policies: the Cilium part, the drop reason, the policies whose deny matched."""

    cilium: CiliumSide | None = None
    drop: Drop = Drop.NONE
    knp_ignored: bool = False  # enable-k8s-networkpolicy: false

    @property
    def denied_by(self) -> tuple[DenyRef, ...]:
        return self.cilium.denied_by if self.cilium is not None else ()


@dataclass(frozen=True, slots=True)
class CiliumIpBlockCheck(PeerCheck):
    """A NetworkPolicy ipBlock under Cilium: it never selects a pod, the host or (by default) a node."""

    endpoint: bool = True


class CiliumEvaluator(Evaluator):
    """`Evaluator` for a snapshot holding Cilium objects (see the module docstring)."""

    def __init__(self, snapshot: SnapshotIndex, objects: CiliumObjects) -> None:
        super().__init__(snapshot)
        pods = snapshot.pods
        namespaces: dict[str, Namespace] = {}
        for pod in pods.values():
            ns = snapshot.namespace(pod.namespace)
            if ns is not None:
                namespaces[ns.name] = ns
        self.objects = objects
        self.view = CiliumView(objects, namespaces, pods.values())
        self._knp_ingress: dict[str, tuple[Pod, tuple[NetworkPolicy, ...]]] = {}
        self._knp_egress: dict[str, tuple[Pod, tuple[NetworkPolicy, ...]]] = {}
        # Nodes, Services or Endpoints alone do not make a Cilium cluster: then this is the plain evaluator
        self.active = objects.is_cilium

    # --- selection (NetworkPolicy, the Cilium way) ---------------------------------------------------------
    def selecting(self, subject: Subject, direction: str) -> tuple[NetworkPolicy, ...]:
        view = self.view
        if not self.active:
            return super().selecting(subject, direction)
        if not view.knp_enabled:
            return ()
        if not view.running:
            return super().selecting(subject, direction)
        pod = subject.pod
        if pod is None or self._of_other_cluster(pod):
            return ()  # another cluster's pod: this cluster's policies do not select it
        cache = self._knp_ingress if direction == INGRESS else self._knp_egress
        if subject.in_snapshot:
            cached = cache.get(pod.key)
            if cached is not None and cached[0] is pod:
                return cached[1]
        cacheable = subject.in_snapshot and self.snapshot.pods.get(pod.key) is pod
        labels = view.identity_pod(pod, subject.namespace, cache=cacheable).labels
        found = tuple(
            p
            for p in self.snapshot.policies_in(pod.namespace)
            if direction in p.policy_types and p.pod_selector.matches(labels)
        )
        if cacheable:
            cache[pod.key] = (pod, found)
        return found

    def unlisted(self, subject: Subject, direction: Direction) -> tuple[NetworkPolicy, ...]:
        """NetworkPolicies selecting the pod (the Cilium way) with rules for `direction` that their policyTypes
        leave out (reference §9, #48703): not applied, but worth saying."""
        pod = subject.pod
        view = self.view
        if pod is None or pod.host_network or not (self.active and view.running and view.knp_enabled):
            return ()
        candidates = [
            p
            for p in self.snapshot.policies_in(pod.namespace)
            if direction not in p.policy_types and (p.ingress if direction is INGRESS else p.egress)
        ]
        if not candidates:
            return ()
        labels = view.identity_subject(subject).pod
        assert labels is not None
        return tuple(p for p in candidates if p.pod_selector.matches(labels.labels))

    # --- evaluation -----------------------------------------------------------------------------------------
    def evaluate(
        self, src: Subject, dst: Subject, port: int, protocol: str = "TCP", *, names: tuple[str, ...] = ()
    ) -> Verdict:
        if not self.active:
            return super().evaluate(src, dst, port, protocol)
        protocol = canonical_protocol(protocol)
        if names and not dst.names:
            dst = replace(dst, names=names)  # the verdict's destination carries the names it was judged with
        names = names or subject_names(dst)
        # each end's party once for both sides (a pod's party does not depend on the names)
        view = self.view
        src_p = view.party(src)
        dst_p = view.party(dst, names)
        egress = self._cside(EGRESS, src, dst, port, protocol, src_p, dst_p)
        ingress = self._cside(INGRESS, dst, src, port, protocol, dst_p, src_p)
        notes: list[Note] = []
        if src.pod is not None and dst.pod is not None and src.pod.key == dst.pod.key:
            notes.append(Note.SELF)
        if (src.pod is not None and src.pod.host_network) or (dst.pod is not None and dst.pod.host_network):
            notes.append(Note.HOST_NETWORK_PEER)
        return Verdict(src, dst, port, protocol, egress, ingress, tuple(notes))

    def allows(
        self, src: Subject, dst: Subject, port: int, protocol: str = "TCP", *, names: tuple[str, ...] = ()
    ) -> bool:
        if not self.active:
            return super().allows(src, dst, port, protocol)
        protocol = canonical_protocol(protocol)
        names = names or subject_names(dst)
        return self._cside_allows(EGRESS, src, dst, port, protocol, names) and self._cside_allows(
            INGRESS, dst, src, port, protocol, ()
        )

    def _side(
        self, direction: Direction, me: Subject, other: Subject, port: int, protocol: str
    ) -> DirectionResult:
        if not self.active:
            return super()._side(direction, me, other, port, protocol)
        me_p, other_p = self._parties(me, other, ())
        return self._cside(direction, me, other, port, canonical_protocol(protocol), me_p, other_p)

    def _side_allows(
        self, direction: Direction, me: Subject, other: Subject, port: int, protocol: str
    ) -> bool:
        if not self.active:
            return super()._side_allows(direction, me, other, port, protocol)
        return self._cside_allows(direction, me, other, port, canonical_protocol(protocol), ())

    def _parties(self, me: Subject, other: Subject, names: tuple[str, ...]) -> tuple[Party, Party]:
        return self.view.party(me), self.view.party(other, names)

    def _cside(
        self,
        direction: Direction,
        me: Subject,
        other: Subject,
        port: int,
        protocol: str,
        me_p: Party,
        other_p: Party,
    ) -> DirectionResult:
        pod = me.pod
        if pod is None:
            return CiliumDirectionResult(direction, me, False, False, True, reason=NotEnforced.NOT_A_POD)
        if pod.host_network:
            return CiliumDirectionResult(direction, me, False, False, True, reason=NotEnforced.HOST_NETWORK)
        if self._of_other_cluster(pod):
            return CiliumDirectionResult(direction, me, False, False, True, reason=NotEnforced.OTHER_CLUSTER)
        view = self.view
        cs = view.engine.side(direction, me_p, other_p, port, protocol)
        if not cs.enforced:
            reason = (
                NotEnforced.HOST_NETWORK
                if cs.reason is CiliumNotEnforced.HOST_NETWORK
                else NotEnforced.NOT_A_POD
            )
            if cs.reason is CiliumNotEnforced.POLICY_NEVER:
                reason = NotEnforced.POLICY_DISABLED
            return CiliumDirectionResult(direction, me, False, False, True, reason=reason, cilium=cs)
        knps = self.selecting(me, direction)
        results: tuple[PolicyResult, ...] = ()
        knp_allows = False
        if knps:
            dst = other if direction is EGRESS else me
            if view.running:
                knp_other = view.identity_subject(other)
                ipblock_ok = view.cidr_selectable(other_p, me_p.node)
            else:
                knp_other, ipblock_ok = other, True
            out = []
            for p in knps:
                r = self._knp_policy(p, direction, knp_other, ipblock_ok, dst, port, protocol)
                knp_allows = knp_allows or r.allows
                out.append(r)
            results = tuple(out)
        allowed, drop = cs.combined(bool(knps), knp_allows)
        return CiliumDirectionResult(
            direction,
            me,
            True,
            bool(knps) or cs.isolated,
            allowed,
            results,
            cilium=cs,
            drop=drop,
            knp_ignored=not view.knp_enabled,
        )

    def _cside_allows(
        self,
        direction: Direction,
        me: Subject,
        other: Subject,
        port: int,
        protocol: str,
        names: tuple[str, ...],
    ) -> bool:
        if me.pod is None or me.pod.host_network:
            return True
        if self._of_other_cluster(me.pod):
            return True  # enforced by its own cluster (see _cside)
        me_p, other_p = self._parties(me, other, names)
        cs = self.view.engine.side(direction, me_p, other_p, port, protocol, detailed=False)
        if not cs.enforced:
            return True
        if cs.denied_by:
            return False
        knps = self.selecting(me, direction)
        if not knps and not cs.isolated:
            return True
        if cs.allow_hit:
            return True
        dst = other if direction == EGRESS else me
        knp_other = self.view.identity_subject(other) if self.view.running else other
        ipblock_ok = not self.view.running or self.view.cidr_selectable(other_p, me_p.node)
        remote = self._remote_for_knp(knp_other)
        for p in knps:
            for rule in p.rules(direction):
                if _rule_admits(rule, p.namespace, knp_other, ipblock_ok, port, protocol, dst) and (
                    not remote or _gated_peer(rule, p.namespace, knp_other, ipblock_ok, remote).ok
                ):
                    return True
        return False

    def _remote_for_knp(self, other: Subject) -> tuple[str, str] | None:
        """(the local cluster, the other end's) when the other end is a pod of another cluster of the mesh and
        Cilium scopes NetworkPolicy selector peers to the local cluster (`policy-default-local-cluster`)."""
        pod = other.pod
        config = self.view.config
        if pod is None or not self.view.running or not config.policy_default_local_cluster:
            return None
        return (config.cluster_name, pod.cluster) if self._of_other_cluster(pod) else None

    def _of_other_cluster(self, pod: Pod) -> bool:
        """A pod of another cluster of the mesh (rebuilt from Hubble's labels, core/mesh.py)."""
        return bool(pod.cluster) and pod.cluster != self.view.config.cluster_name

    # --- NetworkPolicy under Cilium -------------------------------------------------------------------------
    def _knp_policy(
        self,
        policy: NetworkPolicy,
        direction: Direction,
        knp_other: Subject,
        ipblock_ok: bool,
        dst: Subject,
        port: int,
        protocol: str,
    ) -> PolicyResult:
        """A NetworkPolicy's rules checked with the other end as Cilium sees it (`knp_other`: identity labels;
        `ipblock_ok`: whether an ipBlock may select it)."""
        section = policy.ingress if direction is INGRESS else policy.egress
        if not section:
            return _no_rules(policy)
        rules = []
        ns = policy.namespace
        plain = ipblock_ok or not _has_ipblock(policy)
        allows = False
        remote = self._remote_for_knp(knp_other)
        for rule in section:
            peer = check_peers(rule, ns, knp_other) if plain else _check_peers(rule, ns, knp_other)
            if remote and peer.ok:
                peer = _cluster_gated(rule, peer, remote)
            ports = check_ports(rule, port, protocol, dst)
            ok = peer.ok and ports.ok
            allows = allows or ok
            rules.append(RuleResult(rule, ok, peer, ports))
        return PolicyResult(policy, allows, tuple(rules))


_NO_RULES: dict[int, PolicyResult] = {}


def _no_rules(policy: NetworkPolicy) -> PolicyResult:
    """The (shared) result of a policy without rules for the direction: it allows nothing."""
    found = _NO_RULES.get(id(policy))
    if found is None or found.policy is not policy:
        if len(_NO_RULES) > 100_000:
            _NO_RULES.clear()
        found = _NO_RULES[id(policy)] = PolicyResult(policy, False, ())
    return found


_IPBLOCK_MISSES: dict[int, CiliumIpBlockCheck] = {}


def _ipblock_miss(index: int) -> CiliumIpBlockCheck:
    """The (shared) check of an ipBlock item that may not select the other end."""
    found = _IPBLOCK_MISSES.get(index)
    if found is None:
        found = _IPBLOCK_MISSES[index] = CiliumIpBlockCheck(index, False, PeerKind.IPBLOCK, failures=1)
    return found


def _check_peers(rule: Rule, policy_ns: str, other: Subject) -> PeerResult:
    """`check_peers` where an ipBlock may not select the other end."""
    checks = [
        _ipblock_miss(m.index) if m.kind is _IPBLOCK_KIND else m.check(other, policy_ns)
        for m in rule.peer_matchers
    ]
    for c in checks:
        if c.ok:
            return PeerResult(True, tuple(checks))
    return PeerResult(False, tuple(checks))


_IPBLOCK_KIND = PeerKind.IPBLOCK  # module-level: reading an Enum member off its class is slow
_SELECTOR_KINDS = frozenset({PeerKind.PODS, PeerKind.NAMESPACES, PeerKind.PODS_IN_NAMESPACES})


def _names_cluster(selector: LabelSelector | None) -> bool:
    """Does a NetworkPolicy peer's podSelector name the cluster key itself (a matchLabels entry with a value,
    or any expression on it)? Then Cilium adds no local-cluster term to the peer."""
    if selector is None:
        return False
    return any(
        r.key == CLUSTER_KEY and (r.operator is not Operator.EQUALS or r.values != ("",))
        for r in selector.requirements
    )


def _gated_peer(
    rule: Rule, policy_ns: str, other: Subject, ipblock_ok: bool, remote: tuple[str, str]
) -> PeerResult:
    peer = check_peers(rule, policy_ns, other) if ipblock_ok else _check_peers(rule, policy_ns, other)
    return _cluster_gated(rule, peer, remote) if peer.ok else peer


def _cluster_gated(rule: Rule, peer: PeerResult, remote: tuple[str, str]) -> PeerResult:
    """The peer checks of a rule once Cilium's local-cluster term is added to its selector peers
    (`io.cilium.k8s.policy.cluster=<local>` unless the podSelector names the key; pkg/k8s/network_policy.go):
    a selector peer that matched a pod of another cluster only for want of that term fails on it. A rule with
    no peers (every source or destination) and ipBlock peers are left as they are."""
    local, theirs = remote
    checks = list(peer.checks)
    changed = False
    for i, (m, c) in enumerate(zip(rule.peer_matchers, peer.checks, strict=False)):
        if c.ok and m.kind in _SELECTOR_KINDS and not _names_cluster(getattr(m, "pod_selector", None)):
            miss = SelectorMiss(CLUSTER_KEY, Operator.EQUALS, (local,), theirs)
            checks[i] = PeerCheck(c.index, False, c.kind, pod_misses=(miss,), failures=1)
            changed = True
    if not changed:
        return peer
    return PeerResult(any(c.ok for c in checks), tuple(checks))


_IPBLOCK: dict[int, tuple[NetworkPolicy | Rule, bool]] = {}


def _has_ipblock(obj: NetworkPolicy | Rule) -> bool:
    """Does the rule (or any rule of the policy) have an ipBlock peer (memoised per object)?"""
    found = _IPBLOCK.get(id(obj))
    if found is None or found[0] is not obj:
        if len(_IPBLOCK) > 100_000:
            _IPBLOCK.clear()
        rules = (*obj.ingress, *obj.egress) if isinstance(obj, NetworkPolicy) else (obj,)
        found = (obj, any(m.kind is PeerKind.IPBLOCK for r in rules for m in r.peer_matchers))
        _IPBLOCK[id(obj)] = found
    return found[1]


def _rule_admits(
    rule: Rule, policy_ns: str, other: Subject, ipblock_ok: bool, port: int, protocol: str, dst: Subject
) -> bool:
    if ipblock_ok or not _has_ipblock(rule):
        return rule.admits(other, policy_ns, port, protocol, dst)
    for pm in rule.port_matchers:
        if pm.admits(port, protocol, dst):
            break
    else:
        return False
    for m in rule.peer_matchers:
        if m.kind is PeerKind.IPBLOCK:
            continue
        if m.admits(other, policy_ns):
            return True
    return False
