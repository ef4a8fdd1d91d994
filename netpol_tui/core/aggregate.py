"""Drops grouped by (source workload, destination workload, port/protocol, direction, reason), and explanations
cached by the identity of their inputs, so a storm of identical drops costs one explanation.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import Explanation, explain_flow
from netpol_tui.core.model import Endpoint, Flow
from netpol_tui.core.replies import flow_is_reply, reply_port


def workload_key(ep: Endpoint) -> str:
    """`ns/workload` for a pod (its workload's name, else the pod's), else the IP or the reserved kind."""
    if ep.namespace:
        name = ep.workload.name if ep.workload is not None else (ep.pod_name or "?")
        return f"{ep.namespace}/{name}"
    if ep.ip:
        return ep.ip
    return ep.kind.value


GroupKey = tuple[
    str, str, int | None, str, str, str, bool
]  # source, destination, port, protocol, direction, reason, reply


def group_key(flow: Flow) -> GroupKey:
    """The drop group of a flow. A request is keyed by its destination port (the server's); a reply by its source
    port — the server's too: a reply's destination port is the client's ephemeral one, different for every
    connection — and the reply mark, so the replies of one service pair make one group, apart from its requests."""
    return _group_key(flow, workload_key(flow.source), workload_key(flow.destination))


def _group_key(flow: Flow, source: str, destination: str) -> GroupKey:
    """group_key() with the two workload keys already known."""
    reply = flow_is_reply(flow)
    return (
        source,
        destination,
        reply_port(flow) if reply else flow.destination_port,
        flow.protocol,
        flow.traffic_direction,
        # policy audit mode (would be dropped when enforced) is grouped apart from real drops of the same reason
        (
            f"AUDIT {flow.drop_reason}".strip()
            if flow.verdict == "AUDIT"
            else flow.drop_reason or flow.verdict
        ),
        reply,
    )


def explanation_key(flow: Flow) -> tuple[object, ...]:
    """Everything explain_flow reads from a flow (the snapshot is keyed separately)."""
    s, d = flow.source, flow.destination
    reply = flow_is_reply(flow)
    return (
        s.namespace,
        s.pod_name,
        s.ip if not s.pod_name else "",
        s.kind,
        d.namespace,
        d.pod_name,
        d.ip if not d.pod_name else "",
        d.kind,
        flow.destination_port,
        flow.source_port if reply else 0,
        flow.protocol,
        flow.verdict,
        flow.drop_reason,
        flow.traffic_direction,
        flow.is_reply,
        reply,
        flow.flow_type,
        # pods gone from the snapshot are explained with the labels the flow carries (Cilium's own keys too:
        # service account, cluster of the mesh)
        tuple(sorted(s.labels.items())) if s.pod_name else (),
        tuple(sorted(d.labels.items())) if d.pod_name else (),
        (s.other_labels, s.cluster_name) if s.pod_name else (),
        (d.other_labels, d.cluster_name) if d.pod_name else (),
        tuple(p.key for p in flow.ingress_denied_by + flow.egress_denied_by),
    )


class ExplanationCache:
    """`explain_flow` behind an LRU keyed by (flow identity, with_fixes), for one snapshot at a time; thread-safe.

    The one explanation cache of the program: the CLI's aggregator and the TUI's workers share its API. A new
    snapshot (by identity) empties it. The lock only guards the dictionary: `explain_flow` runs outside it, so a
    slow fix search never blocks another thread's cache hit (two threads may then compute the same explanation
    once each; the later one is kept).
    """

    def __init__(self, maxsize: int = 20_000) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[tuple[object, ...], bool], Explanation] = OrderedDict()
        self._snapshot: ClusterSnapshot | None = None
        self.hits = 0
        self.misses = 0

    def cached(self, flow: Flow, snapshot: ClusterSnapshot, with_fixes: bool = True) -> Explanation | None:
        """The cached explanation, or None (without computing it). An explanation with fixes also answers a
        request without them."""
        key = (explanation_key(flow), with_fixes)
        with self._lock:
            if snapshot is not self._snapshot:
                self._cache.clear()
                self._snapshot = snapshot
                return None
            found = self._cache.get(key)
            if found is None and not with_fixes:
                found = self._cache.get((key[0], True))
            if found is not None:
                self.hits += 1
                if key in self._cache:
                    self._cache.move_to_end(key)
            return found

    def explain(self, flow: Flow, snapshot: ClusterSnapshot, with_fixes: bool = True) -> Explanation:
        found = self.cached(flow, snapshot, with_fixes)
        if found is not None:
            return found
        expl = explain_flow(flow, snapshot, with_fixes=with_fixes)
        key = (explanation_key(flow), with_fixes)
        with self._lock:
            self.misses += 1
            if snapshot is self._snapshot:
                self._cache[key] = expl
                if len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return expl

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._snapshot = None


@dataclass
class DropGroup:
    key: GroupKey
    count: int = 0
    first_ns: int = 0
    last_ns: int = 0
    sample: Flow | None = None  # the most recent flow of the group
    explanation: Explanation | None = None
    explained_with: ClusterSnapshot | None = field(default=None, repr=False)  # the snapshot it was made with
    pods: set[tuple[str, str]] = field(
        default_factory=set
    )  # distinct (source pod, destination pod) seen, bounded

    @property
    def source(self) -> str:
        return self.key[0]

    @property
    def destination(self) -> str:
        return self.key[1]

    @property
    def port(self) -> int | None:
        """The server's port: the destination port of requests, the source port of a reply group."""
        return self.key[2]

    @property
    def is_reply(self) -> bool:
        """A group of replies (from the server `source`, port `port`, to the client `destination`)."""
        return self.key[6]

    @property
    def protocol(self) -> str:
        return self.key[3]

    @property
    def direction(self) -> str:
        return self.key[4]

    @property
    def reason(self) -> str:
        return self.key[5]

    @property
    def is_audit(self) -> bool:
        """Flows of policy audit mode (AUDIT): let through, would be dropped when enforced."""
        return self.key[5].startswith("AUDIT")

    def involves(self, namespace: str, pod: str = "") -> bool:
        """The pod `namespace/pod` (or, `pod` empty, any endpoint of `namespace`) is on either side."""
        s = self.sample
        if s is None:
            return False
        if not pod:
            return namespace in (s.source.namespace, s.destination.namespace)
        key = f"{namespace}/{pod}"
        return key in (s.source.key, s.destination.key) or any(key in pair for pair in self.pods)


_SIDES_KEPT = 4096


class DropAggregator:
    """Groups dropped (and audited) flows; bounded by an LRU on distinct keys."""

    def __init__(self, max_groups: int = 5_000, cache: ExplanationCache | None = None) -> None:
        self.max_groups = max_groups
        self.groups: OrderedDict[GroupKey, DropGroup] = OrderedDict()
        self.cache = cache or ExplanationCache()
        self.total = 0
        self.evicted = 0
        # (id(source), id(destination)) -> (source, destination, their workload keys, their pod keys)
        self._sides: dict[tuple[int, int], tuple[Endpoint, Endpoint, str, str, tuple[str, str]]] = {}

    def add(self, flow: Flow, snapshot: ClusterSnapshot | None) -> DropGroup | None:
        if flow.verdict not in ("DROPPED", "AUDIT"):
            return None
        # a storm of drops between the same two endpoints: their keys are made once (decoders share Endpoints)
        src, dst = flow.source, flow.destination
        sides = self._sides.get((id(src), id(dst)))
        if sides is None or sides[0] is not src or sides[1] is not dst:  # held, so an id is never reused
            if len(self._sides) >= _SIDES_KEPT:
                self._sides.clear()
            sides = (src, dst, workload_key(src), workload_key(dst), (src.key, dst.key))
            self._sides[(id(src), id(dst))] = sides
        key = _group_key(flow, sides[2], sides[3])
        group = self.groups.get(key)
        if group is None:
            group = DropGroup(key, first_ns=flow.time_ns)
            self.groups[key] = group
            if len(self.groups) > self.max_groups:
                self.groups.popitem(last=False)
                self.evicted += 1
        else:
            self.groups.move_to_end(key)
        group.count += 1
        self.total += 1
        if flow.time_ns >= group.last_ns:
            group.last_ns = flow.time_ns
        if group.first_ns == 0 or (flow.time_ns and flow.time_ns < group.first_ns):
            group.first_ns = flow.time_ns
        group.sample = flow
        if len(group.pods) < 64:
            group.pods.add(sides[4])
        if snapshot is not None and (group.explanation is None or group.explained_with is not snapshot):
            # one explanation per group and snapshot: the pods of one workload pair share it
            group.explanation = self.cache.explain(flow, snapshot)
            group.explained_with = snapshot
        return group

    def refresh(self, snapshot: ClusterSnapshot) -> None:
        """Re-explain every group against a new snapshot (after the cluster changed)."""
        for group in self.groups.values():
            if group.sample is not None:
                group.explanation = self.cache.explain(group.sample, snapshot)
                group.explained_with = snapshot

    def by_count(self) -> list[DropGroup]:
        return sorted(self.groups.values(), key=lambda g: (-g.count, -g.last_ns))

    def clear(self) -> None:
        self.groups.clear()
        self.total = 0
