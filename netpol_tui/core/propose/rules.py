"""Which rules of the policies selecting an end admit the other end: the evaluator's fast path, indexed.

`RuleIndex` asks the policies the evaluator says select a pod (`Evaluator.selecting`) and their compiled rules
(`Rule.admits`), as `Evaluator.allows` does, but looks only at the rules that could admit a peer of the other
end's namespace: a proposal for many namespaces gives a shared service (kube-dns) one rule per client workload,
and a linear walk over them for every connection would be quadratic.
"""

from __future__ import annotations

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Evaluator
from netpol_tui.core.model import Direction
from netpol_tui.core.policy import NetworkPolicy, Rule
from netpol_tui.core.selectors import LabelSelector
from netpol_tui.core.subject import Subject

INGRESS = Direction.INGRESS
EGRESS = Direction.EGRESS

Element = tuple[str, str, int]  # (policy key, direction, rule index)


class RuleIndex:
    """The rules of a policy that could admit a peer of a given namespace: a superset, decided by `Rule.admits`.

    A rule with no peers or with an ipBlock could admit anything; a selector peer only pods of the namespaces its
    namespaceSelector matches (or the policy's own namespace); what is not a policy pod only the former.
    """

    def __init__(self, snapshot: ClusterSnapshot, ev: Evaluator) -> None:
        self._ev = ev
        self._namespaces = snapshot.namespaces
        self._ns_cache: dict[LabelSelector, tuple[str, ...]] = {}
        self._index: dict[tuple[str, str], tuple[dict[str, list[Rule]], list[Rule]]] = {}

    def _matching(self, selector: LabelSelector) -> tuple[str, ...]:
        found = self._ns_cache.get(selector)
        if found is None:
            found = tuple(n for n, ns in self._namespaces.items() if selector.matches(ns.labels))
            self._ns_cache[selector] = found
        return found

    def candidates(self, policy: NetworkPolicy, direction: Direction, other_ns: str | None) -> list[Rule]:
        key = (policy.key, str(direction))
        entry = self._index.get(key)
        if entry is None:
            by_ns: dict[str, list[Rule]] = {}
            anywhere: list[Rule] = []
            for rule in policy.rules(direction):
                if not rule.peers or any(p.ip_block is not None for p in rule.peers):
                    anywhere.append(rule)
                    continue
                names: set[str] = set()
                for p in rule.peers:
                    if p.namespace_selector is not None:
                        names.update(self._matching(p.namespace_selector))
                    else:
                        names.add(policy.namespace)
                for n in names:
                    by_ns.setdefault(n, []).append(rule)
            entry = self._index[key] = (by_ns, anywhere)
        by_ns, anywhere = entry
        if other_ns is None:
            return anywhere
        return [*anywhere, *by_ns.get(other_ns, ())]

    def admitting(
        self, me: Subject, other: Subject, direction: Direction, port: int, protocol: str
    ) -> set[Element] | None:
        """The rules admitting `other` at `me` for `direction`; None when that side is not isolated (or not
        enforced: not a pod, or hostNetwork)."""
        if not me.policy_pod:
            return None
        policies = self._ev.selecting(me, direction)
        if not policies:
            return None
        dst = other if direction == EGRESS else me
        other_ns = other.pod.namespace if other.policy_pod and other.pod is not None else None
        tag = str(direction)
        return {
            (pol.key, tag, rule.index)
            for pol in policies
            for rule in self.candidates(pol, direction, other_ns)
            if rule.admits(other, pol.namespace, port, protocol, dst)
        }

    def side_allows(
        self, me: Subject, other: Subject, direction: Direction, port: int, protocol: str
    ) -> bool:
        if not me.policy_pod:
            return True
        policies = self._ev.selecting(me, direction)
        if not policies:
            return True
        dst = other if direction == EGRESS else me
        other_ns = other.pod.namespace if other.policy_pod and other.pod is not None else None
        for pol in policies:
            for rule in self.candidates(pol, direction, other_ns):
                if rule.admits(other, pol.namespace, port, protocol, dst):
                    return True
        return False

    def allows(self, src: Subject, dst: Subject, port: int, protocol: str) -> bool:
        """`Evaluator.allows`, through the index."""
        return self.side_allows(src, dst, EGRESS, port, protocol) and self.side_allows(
            dst, src, INGRESS, port, protocol
        )
