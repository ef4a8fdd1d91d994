"""Ordered pairs of distinct pods still allowed without having been observed, counted exactly but not naively.

Pods that no policy can tell apart (same namespace, labels, container ports, hostNetwork, service account, and
the same addresses when some ipBlock contains them) form one class, judged through one representative. An allowed pair needs the
source's egress and the destination's ingress:

1. a source isolated for egress can only reach destinations some peer of its egress rules admits: those
   candidates (namespaces from the peer's namespaceSelector or the policy's own, then the compiled peer matcher on
   each class there; for an ipBlock, the classes whose addresses fall inside it) are judged by `allows`;
2. a source not isolated for egress, towards a destination isolated for ingress: the mirror image, from the
   destination's ingress rules;
3. neither isolated: allowed on every port.

Every candidate is decided by `allows` (the evaluator's, or the same fast path through `rules.RuleIndex`); the candidates only spare it the pairs no rule can admit.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Evaluator
from netpol_tui.core.model import Direction, Pod
from netpol_tui.core.policy import NetworkPolicy, Rule
from netpol_tui.core.selectors import LabelSelector
from netpol_tui.core.subject import Subject

INGRESS = Direction.INGRESS
EGRESS = Direction.EGRESS

Allows = Callable[[Subject, Subject, int, str], bool]  # Evaluator.allows, or the same through a rule index


@dataclass(slots=True)
class _Class:
    index: int
    namespace: str
    members: int
    subject: Subject
    addresses: tuple[Any, ...]  # ip_address objects, only when some ipBlock contains one of them
    mine: bool  # in a proposed namespace


def _ip_networks(snapshot: ClusterSnapshot) -> list[Any]:
    nets: list[Any] = []
    for pol in snapshot.policies:
        for rule in (*pol.ingress, *pol.egress):
            for peer in rule.peers:
                if peer.ip_block is not None:
                    nets.append(peer.ip_block.network)
    return nets


class _Classes:
    def __init__(
        self, snapshot: ClusterSnapshot, ev: Evaluator, proposed: frozenset[str], skip: set[str]
    ) -> None:
        nets = _ip_networks(snapshot)
        # under Cilium a hostNetwork pod is its node: `host` to the pods of that node, `remote-node` to the others
        by_node = snapshot.cilium is not None and any(p.host_network for p in snapshot.pods.values())
        groups: dict[tuple[Any, ...], list[Pod]] = {}
        addrs_of: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        for pod in snapshot.pods.values():
            if pod.key in skip:
                continue
            addrs: tuple[Any, ...] = ()
            if nets:
                parsed = [ipaddress.ip_address(ip) for ip in pod.ips]
                if any(a.version == n.version and a in n for a in parsed for n in nets):
                    addrs = tuple(parsed)
            # the service account is part of a Cilium identity (a CNP may select on it)
            key = (
                pod.namespace,
                frozenset(pod.labels.items()),
                pod.ports,
                pod.host_network,
                addrs,
                pod.service_account,
                pod.node_name if by_node else "",
            )
            groups.setdefault(key, []).append(pod)
            addrs_of[key] = addrs
        self.items: list[_Class] = []
        self.by_ns: dict[str, list[_Class]] = {}
        self.with_addresses: list[_Class] = []
        for key, members in groups.items():
            c = _Class(
                len(self.items),
                members[0].namespace,
                len(members),
                ev.subject_for_pod(members[0]),
                addrs_of[key],
                members[0].namespace in proposed,
            )
            self.items.append(c)
            self.by_ns.setdefault(c.namespace, []).append(c)
            if c.addresses:
                self.with_addresses.append(c)
        self.namespaces = snapshot.namespaces
        self._ns_cache: dict[LabelSelector, list[str]] = {}

    def _namespaces(self, selector: LabelSelector) -> list[str]:
        found = self._ns_cache.get(selector)
        if found is None:
            found = self._ns_cache[selector] = [
                name for name, ns in self.namespaces.items() if selector.matches(ns.labels)
            ]
        return found

    def admitted_by(self, rule: Rule, policy_ns: str) -> Iterable[_Class]:
        """Every class the rule's peer part admits (ports aside), decided by the rule's compiled matchers."""
        if not rule.peers:
            return self.items
        out: dict[int, _Class] = {}
        for peer, matcher in zip(rule.peers, rule.peer_matchers, strict=True):
            if peer.ip_block is not None:
                pool: Iterable[_Class] = self.with_addresses
            elif peer.namespace_selector is not None:
                pool = [c for ns in self._namespaces(peer.namespace_selector) for c in self.by_ns.get(ns, ())]
            else:
                pool = self.by_ns.get(policy_ns, ())
            for c in pool:
                if c.index not in out and matcher.admits(c.subject, policy_ns):
                    out[c.index] = c
        return out.values()


def count_allowed_pairs(
    snapshot: ClusterSnapshot,
    ev: Evaluator,
    allows: Allows,
    proposed: frozenset[str],
    ports: Iterable[tuple[str, int]],
    skip: set[str],
    *,
    exhaustive: bool = False,
) -> int:
    """Ordered pairs of distinct pods (one at least in `proposed`), times (protocol, port), that `allows` allows.

    `exhaustive`: judge every pair of classes (when policies other than NetworkPolicies take part: the candidates
    come from NetworkPolicy rules only)."""
    classes = _Classes(snapshot, ev, proposed, skip)
    port_list = sorted(set(ports))
    isolated: dict[tuple[int, Direction], tuple[NetworkPolicy, ...]] = {}
    for c in classes.items:
        for d in (INGRESS, EGRESS):
            isolated[(c.index, d)] = ev.selecting(c.subject, d) if c.subject.policy_pod else ()

    def judged(a: _Class, b: _Class) -> int:
        if not (a.mine or b.mine):
            return 0
        pairs = a.members * (b.members - 1) if a is b else a.members * b.members
        if not pairs:
            return 0
        return pairs * sum(1 for proto, port in port_list if allows(a.subject, b.subject, port, proto))

    total = 0
    if exhaustive:
        return sum(judged(a, b) for a in classes.items for b in classes.items)
    for a in classes.items:  # 1. sources isolated for egress
        policies = isolated[(a.index, EGRESS)]
        if not policies:
            continue
        cands: dict[int, _Class] = {}
        for pol in policies:
            for rule in pol.egress:
                for b in classes.admitted_by(rule, pol.namespace):
                    cands[b.index] = b
        total += sum(judged(a, b) for b in cands.values())
    for b in classes.items:  # 2. destinations isolated for ingress, sources not isolated for egress
        policies = isolated[(b.index, INGRESS)]
        if not policies:
            continue
        srcs: dict[int, _Class] = {}
        for pol in policies:
            for rule in pol.ingress:
                for a in classes.admitted_by(rule, pol.namespace):
                    if not isolated[(a.index, EGRESS)]:
                        srcs[a.index] = a
        total += sum(judged(a, b) for a in srcs.values())
    open_src = [c for c in classes.items if not isolated[(c.index, EGRESS)]]  # 3. neither isolated
    open_dst = [c for c in classes.items if not isolated[(c.index, INGRESS)]]
    for a in open_src:
        for b in open_dst:
            if a.mine or b.mine:
                pairs = a.members * (b.members - 1) if a is b else a.members * b.members
                total += pairs * len(port_list)
    return total


def count_unobserved_pairs(
    snapshot: ClusterSnapshot,
    ev: Evaluator,
    allows: Allows,
    proposed: frozenset[str],
    observed: Iterable[tuple[str, str, str, int]],
    ports: Iterable[tuple[str, int]],
    skip: set[str],
    pods: Mapping[str, Pod] | None = None,
    *,
    exhaustive: bool = False,
) -> int:
    """`count_allowed_pairs` minus the observed pod pairs (each allowed: the proposal was verified)."""
    pods = pods if pods is not None else snapshot.pods
    seen = {
        (s, d, proto, port)
        for s, d, proto, port in observed
        if s != d
        and s in pods
        and d in pods
        and s not in skip
        and d not in skip
        and (pods[s].namespace in proposed or pods[d].namespace in proposed)
    }
    return count_allowed_pairs(snapshot, ev, allows, proposed, ports, skip, exhaustive=exhaustive) - len(seen)
