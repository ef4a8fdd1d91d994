"""Policy change history, live: which policy change made a connection's verdict what it is now.

A live source replaces its `ClusterSnapshot` on every watch change; `ChangeHistory.observe(snapshot)` compares
each new snapshot with the previous one (core.diff.policy_changes: created / deleted / modified spec, every kind)
and records the changes with their time and resourceVersion, keeping the state just before each change.

`attribute(flow, current)`: the latest recorded change whose policies select the connection's source (egress) or
destination (ingress), before or after; when the verdict under the state just before it differs from the verdict
now, that change is what made it so (e.g. "allowed until shop/api-ingress was modified at 12:00:03").

Bounded memory: at most `max_changes` recorded snapshot transitions (default 32); each keeps the snapshot just
before it. Snapshots share their Pod/Namespace/policy objects with the ones around them, so one kept state costs
its indexes (about 100 bytes per pod and per policy), not a copy of the cluster.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import (
    Change,
    PolicyChange,
    PolicyId,
    Side,
    changed_selecting,
    evaluate,
    policy_changes,
    policy_objects,
)
from netpol_tui.core.explain import subject_for_endpoint
from netpol_tui.core.model import Direction, Endpoint, Flow
from netpol_tui.core.replies import flow_is_reply, reply_port

__all__ = ["DEFAULT_MAX_CHANGES", "Attribution", "ChangeHistory", "PolicyEvent"]

DEFAULT_MAX_CHANGES = 32


@dataclass(frozen=True, slots=True)
class PolicyEvent:
    """One policy change seen live: when (the new snapshot's time, epoch seconds), what, and its resourceVersion
    (of the new object; of the last one seen for a deletion)."""

    time: float
    change: PolicyChange
    resource_version: str = ""

    @property
    def policy(self) -> PolicyId:
        return self.change.policy


@dataclass(frozen=True, slots=True)
class Attribution:
    """The change that made a connection's verdict what it is now."""

    event: PolicyEvent
    before: bool  # allowed under the state just before the change
    now: bool  # allowed now
    side: Side  # which end's own verdict differs
    also: tuple[PolicyEvent, ...] = ()  # other changes of the same transition that select the same ends

    def to_json(self) -> dict[str, object]:
        """The `changed` object of `explain --follow --json` (a policy_ref plus what happened and when)."""
        p = self.event.policy
        return {
            "namespace": p.namespace,
            "name": p.name,
            "kind": p.kind,
            "change": str(self.event.change.change),
            "time": _rfc3339(self.event.time),
            "resource_version": self.event.resource_version,
            "before": self.before,
            "side": str(self.side),
        }


def _rfc3339(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


@dataclass(frozen=True, slots=True)
class _Transition:
    before: ClusterSnapshot
    after: ClusterSnapshot
    events: tuple[PolicyEvent, ...]
    namespaces: frozenset[str]  # of the changed policies
    cluster_wide: bool  # a changed policy of a cluster-wide kind (it may select any pod)


def _may_select(t: _Transition, *ends: Endpoint) -> bool:
    """Could a changed policy of `t` select one of these ends? (its namespace is one of theirs, or unknown)"""
    # an end named with a namespace resolves to a pod of that namespace (core.explain.subject_for_endpoint)
    return any(not ep.namespace or ep.namespace in t.namespaces for ep in ends)


def _resource_version(pol: object) -> str:
    raw = getattr(pol, "raw", None)
    if isinstance(raw, dict):
        meta = raw.get("metadata")
        if isinstance(meta, dict):
            return str(meta.get("resourceVersion") or "")
    return ""


class ChangeHistory:
    """Policy changes between consecutive snapshots of a live source (not thread-safe: one writer)."""

    def __init__(self, max_changes: int = DEFAULT_MAX_CHANGES) -> None:
        self.max_changes = max(1, max_changes)
        self._transitions: deque[_Transition] = deque(maxlen=self.max_changes)
        self._current: ClusterSnapshot | None = None
        # per connection, against the latest snapshot (cleared when a new one is observed)
        self._cache: dict[tuple[str, str, int, str], Attribution | None] = {}

    @property
    def current(self) -> ClusterSnapshot | None:
        return self._current

    @property
    def events(self) -> tuple[PolicyEvent, ...]:
        """Every recorded change still kept, oldest first."""
        return tuple(e for t in self._transitions for e in t.events)

    def states(self, event: PolicyEvent) -> tuple[ClusterSnapshot, ClusterSnapshot] | None:
        """The states just before and just after the recorded change `event` (None once it is no longer kept)."""
        for t in self._transitions:
            if event in t.events:
                return t.before, t.after
        return None

    def observe(self, snapshot: ClusterSnapshot) -> tuple[PolicyEvent, ...]:
        """Take the source's new snapshot; the policy changes since the previous one (recorded when any)."""
        previous, self._current = self._current, snapshot
        if previous is None or previous is snapshot:
            return ()
        self._cache.clear()
        changes = policy_changes(previous, snapshot)
        if not changes:
            return ()
        old = policy_objects(previous)
        new = policy_objects(snapshot)
        events = tuple(
            PolicyEvent(
                snapshot.taken_at,
                c,
                _resource_version(new[c.policy] if c.change is not Change.DELETED else old[c.policy]),
            )
            for c in changes
        )
        namespaces = frozenset(c.policy.namespace for c in changes)
        self._transitions.append(_Transition(previous, snapshot, events, namespaces, "" in namespaces))
        return events

    def attribute(self, flow: Flow, current: ClusterSnapshot | None = None) -> Attribution | None:
        """The latest recorded change that selects an end of this flow's connection, when the verdict under the
        state just before it differs from the verdict under `current` (default: the latest snapshot observed).
        A reply is judged as the connection it answers, as explain does."""
        now_snap = current or self._current
        if now_snap is None or not self._transitions:
            return None
        src_ep, dst_ep, port = flow.source, flow.destination, flow.destination_port
        if flow_is_reply(flow):
            src_ep, dst_ep, port = dst_ep, src_ep, reply_port(flow)
        port = port or 0
        protocol = flow.protocol or ""
        key = (src_ep.key, dst_ep.key, port, protocol)
        if current is None and key in self._cache:
            return self._cache[key]
        found = self._attribute(flow, now_snap, port, protocol)
        if current is None:
            if len(self._cache) >= 100_000:
                self._cache.clear()
            self._cache[key] = found
        return found

    def _attribute(
        self, flow: Flow, now_snap: ClusterSnapshot, port: int, protocol: str
    ) -> Attribution | None:
        src_ep, dst_ep, names = flow.source, flow.destination, flow.destination_names
        if flow_is_reply(flow):
            src_ep, dst_ep, names = dst_ep, src_ep, flow.source_names
        for t in reversed(self._transitions):
            if not t.cluster_wide and not _may_select(t, src_ep, dst_ep):
                continue  # no changed policy lives in either end's namespace
            changed = {e.policy: e for e in t.events}
            b_src, b_dst = subject_for_endpoint(src_ep, t.before), subject_for_endpoint(dst_ep, t.before)
            a_src, a_dst = subject_for_endpoint(src_ep, t.after), subject_for_endpoint(dst_ep, t.after)
            ev_b, ev_a = t.before.evaluator, t.after.evaluator
            eg = changed_selecting(changed, ev_b, b_src, ev_a, a_src, Direction.EGRESS)
            ing = changed_selecting(changed, ev_b, b_dst, ev_a, a_dst, Direction.INGRESS)
            if not (eg or ing):
                continue  # this change does not concern the connection: look further back
            now = evaluate(
                now_snap.evaluator,
                subject_for_endpoint(src_ep, now_snap),
                subject_for_endpoint(dst_ep, now_snap),
                port,
                protocol,
                names,
            )
            was = evaluate(ev_b, b_src, b_dst, port, protocol, names)
            if was.allowed == now.allowed:
                return None
            eg_diff = was.egress.allowed != now.egress.allowed
            in_diff = was.ingress.allowed != now.ingress.allowed
            ids = sorted((eg if eg_diff else set()) | (ing if in_diff else set()))
            if not ids:
                return None  # the side that flipped is not one this change selects
            side = Side.BOTH if eg_diff and in_diff else Side.EGRESS if eg_diff else Side.INGRESS
            events = [changed[i] for i in ids]
            return Attribution(events[0], was.allowed, now.allowed, side, tuple(events[1:]))
        return None
