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
        cilium = _CiliumCandidates.of(snapshot, ev, classes)
        if cilium is None:
            return sum(judged(a, b) for a in classes.items for b in classes.items)
        return _count_with(classes, cilium.isolated, cilium.candidates, judged, len(port_list))
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


def _count_with(
    classes: _Classes,
    isolated: Callable[[_Class, Direction], bool],
    candidates: Callable[[_Class, Direction], Iterable[_Class]],
    judged: Callable[[_Class, _Class], int],
    n_ports: int,
) -> int:
    """Steps 1-3 of the module docstring with the isolation and the candidates given."""
    total = 0
    for a in classes.items:  # 1. sources isolated for egress
        if isolated(a, EGRESS):
            total += sum(judged(a, b) for b in {b.index: b for b in candidates(a, EGRESS)}.values())
    for b in classes.items:  # 2. destinations isolated for ingress, sources not isolated for egress
        if isolated(b, INGRESS):
            srcs = {a.index: a for a in candidates(b, INGRESS) if not isolated(a, EGRESS)}
            total += sum(judged(a, b) for a in srcs.values())
    open_src = [c for c in classes.items if not isolated(c, EGRESS)]  # 3. neither isolated
    open_dst = [c for c in classes.items if not isolated(c, INGRESS)]
    for a in open_src:
        for b in open_dst:
            if a.mine or b.mine:
                pairs = a.members * (b.members - 1) if a is b else a.members * b.members
                total += pairs * n_ports
    return total


class _CiliumCandidates:
    """Isolation and candidate peers when Cilium policies take part (the Cilium evaluator), for `_count_with`.

    Isolated: a Cilium rule selecting the pod isolates that direction, or a NetworkPolicy selects it (the
    evaluator's `selecting`). Candidates, a superset that `allows` then decides: for each allow item of the
    selecting Cilium rules, the classes of the namespaces its endpoint selectors pin (`io.kubernetes.pod.namespace`
    In/=), every class when a selector pins none, for an item without peer, for `cluster`/`all` entities and for
    Services; only hostNetwork classes (nodes) for other entities, CIDRs, nodes and groups; none for FQDNs (never
    in-cluster); hostNetwork classes always for ingress (allow-localhost). NetworkPolicy rules give the classes of the namespaces their peers can select. Not used (None:
    every pair is judged) when a deny item exists (denies apply where nothing isolates) or enable-policy is not
    `default`.
    """

    def __init__(self, ev: Any, classes: _Classes) -> None:
        self._ev = ev
        self._engine = ev.view.engine
        self._classes = classes
        self._hosts = [c for c in classes.items if c.subject.pod is not None and c.subject.pod.host_network]
        self._iso: dict[tuple[int, Direction], bool] = {}
        self._rules: dict[int, tuple[Any, ...]] = {}

    @classmethod
    def of(cls, snapshot: ClusterSnapshot, ev: Evaluator, classes: _Classes) -> _CiliumCandidates | None:
        from netpol_tui.core.cilium.model import EnablePolicy
        from netpol_tui.core.evaluate_cilium import CiliumEvaluator

        if not isinstance(ev, CiliumEvaluator) or not ev.active:
            return None
        engine = ev.view.engine
        if engine.config.enable_policy is not EnablePolicy.DEFAULT:
            return None
        for pol in engine.context.policies:
            if any(r.ingress_deny or r.egress_deny for r in pol.rules):
                return None
        return cls(ev, classes)

    def _selecting(self, c: _Class) -> tuple[Any, ...]:
        found = self._rules.get(c.index)
        if found is None:
            party = self._ev.view.party(c.subject)
            found = self._rules[c.index] = tuple(self._engine.selecting(party))
        return found

    def isolated(self, c: _Class, d: Direction) -> bool:
        key = (c.index, d)
        found = self._iso.get(key)
        if found is None:
            if not c.subject.policy_pod:
                found = False
            else:
                found = any(self._engine.isolates(r.rule, d) for r in self._selecting(c)) or bool(
                    self._ev.selecting(c.subject, d)
                )
            self._iso[key] = found
        return found

    def candidates(self, c: _Class, d: Direction) -> Iterable[_Class]:
        from netpol_tui.core.cilium.model import Entity, PeerKind, Section
        from netpol_tui.core.cilium.parse_fields import split_key
        from netpol_tui.core.selectors import Operator

        classes = self._classes
        every = classes.items
        section = Section.INGRESS if d == INGRESS else Section.EGRESS
        # allow-localhost: the local host (a hostNetwork pod of the node) reaches the pods of its node anyway
        out: list[_Class] = list(self._hosts) if d == INGRESS else []
        for rule in self._selecting(c):
            for ci in rule.items[section]:
                kind = ci.item.peer_kind
                if kind is PeerKind.NONE:
                    if not ci.item.selects_nothing:
                        return every
                elif kind is PeerKind.ENDPOINTS:
                    for peer in ci.endpoints:
                        pinned: tuple[str, ...] | None = None
                        for req in peer.selector.requirements:
                            if split_key(req.key)[1] == "io.kubernetes.pod.namespace" and req.operator in (
                                Operator.EQUALS,
                                Operator.IN,
                            ):
                                pinned = req.values
                                break
                        if pinned is None:
                            return every
                        for ns in pinned:
                            out.extend(classes.by_ns.get(ns, ()))
                elif kind is PeerKind.ENTITIES:
                    if Entity.CLUSTER in ci.item.entities or Entity.ALL in ci.item.entities:
                        return every
                    out.extend(self._hosts)
                elif kind is PeerKind.SERVICES:
                    return every
                elif kind is not PeerKind.FQDNS:
                    out.extend(self._hosts)
        for pol in self._ev.selecting(c.subject, d):
            for r in pol.rules(d):
                if not r.peers:
                    return every
                for peer in r.peers:
                    if peer.ip_block is not None:
                        return every
                    if peer.namespace_selector is not None:
                        for ns in classes._namespaces(peer.namespace_selector):
                            out.extend(classes.by_ns.get(ns, ()))
                    else:
                        out.extend(classes.by_ns.get(pol.namespace, ()))
        return out


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
