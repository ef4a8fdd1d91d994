"""Verdicts under two policy sets: which observed connections change, on which side, and which policy changes did it.

Pure: observed connections (from flows) and two `ClusterSnapshot`s in, a `DiffResult` (data) out.

* `observed_connections(flows)`: the distinct (source, destination, port, protocol) of the flows, forwarded and
  dropped alike; a reply (`is_reply` true) is not a connection; each connection counts its flows, duplicates
  included. Source and destination are written as in the JSON contract (`NAMESPACE/POD`, else the IP).
* `policy_changes(before, after)`: the policies created, deleted or modified, of every kind the snapshot holds; a
  policy's identity is (kind, namespace, name) and "modified" compares the parsed spec, never metadata.
* `diff(observed, before, after)`: the connections whose verdict differs. Fast: a changed policy re-judges only
  the connections at whose ends it selects a pod (before or after) for its direction; a connection whose ends
  resolve to different pods or namespace labels in the two states is re-judged too. Everything else keeps its
  verdict without evaluation. When state the evaluator reads beyond pods, namespaces and policies differs (Cilium
  nodes, CIDR groups, services, cilium-config), every connection is re-judged.
* `staged(snapshot, objects)`: staged objects on top of a snapshot; each replaces the object of the same
  kind/namespace/name as a whole, or is added, and is parsed (defaulted) like a new object.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from netpol_tui.core.cilium.engine import CiliumContext
from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Evaluator, Verdict
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.explain import subject_for_endpoint
from netpol_tui.core.manifests import ParseResult, parse_objects
from netpol_tui.core.model import Direction, Endpoint, Flow, Namespace, Pod
from netpol_tui.core.subject import Subject

__all__ = [
    "Change",
    "Connection",
    "ConnectionChange",
    "DiffResult",
    "ObservedConnection",
    "PolicyChange",
    "PolicyId",
    "Side",
    "changed_selecting",
    "diff",
    "evaluate",
    "observed_connections",
    "policy_changes",
    "policy_id",
    "policy_objects",
    "selecting",
    "staged",
]


class Side(StrEnum):
    """Which end's own verdict differs: the source's egress, the destination's ingress, or both."""

    EGRESS = "egress"
    INGRESS = "ingress"
    BOTH = "both"


class Change(StrEnum):
    CREATED = "created"
    DELETED = "deleted"
    MODIFIED = "modified"


@dataclass(frozen=True, slots=True, order=True)
class PolicyId:
    """A policy's identity: (kind, namespace, name); namespace is "" for a cluster-wide kind."""

    kind: str
    namespace: str
    name: str


@dataclass(frozen=True, slots=True, order=True)
class PolicyChange:
    policy: PolicyId
    change: Change


@dataclass(frozen=True, slots=True)
class Connection:
    """One observed connection: the first packet's direction (replies are not connections)."""

    source: str
    destination: str
    port: int
    protocol: str


@dataclass(frozen=True, slots=True, eq=False)
class ObservedConnection:
    """A connection with how many flows showed it and the endpoints of its first flow (to resolve its pods)."""

    connection: Connection
    flows: int
    source: Endpoint
    destination: Endpoint
    names: tuple[str, ...] = ()  # the DNS names Hubble gave the destination (for toFQDNs rules)


@dataclass(frozen=True, slots=True)
class ConnectionChange:
    connection: Connection
    flows: int
    before: bool
    after: bool
    side: Side
    changed_by: tuple[PolicyChange, ...]

    @property
    def loses_access(self) -> bool:
        return self.before and not self.after


@dataclass(frozen=True, slots=True)
class DiffResult:
    changes: tuple[ConnectionChange, ...]  # in the order the connections were observed
    policy_changes: tuple[PolicyChange, ...]
    observed: int  # connections compared
    rejudged: int  # connections evaluated under both states (the others cannot have changed)
    full: bool = False  # every connection re-judged (state beyond pods, namespaces and policies differs)

    @property
    def lost(self) -> tuple[ConnectionChange, ...]:
        return tuple(c for c in self.changes if c.loses_access)

    @property
    def gained(self) -> tuple[ConnectionChange, ...]:
        return tuple(c for c in self.changes if not c.loses_access)


# ---------------------------------------------------------------------------------------------------------------
# Observed connections
# ---------------------------------------------------------------------------------------------------------------
@contextmanager
def _bulk() -> Iterator[None]:
    """No cyclic GC while building many small acyclic objects: its passes over every live object (the flows)
    would cost more than the work itself."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _endpoint_key(ep: Endpoint) -> tuple[str, str, str, str]:
    return (ep.namespace, ep.pod_name, ep.ip, ep.kind)


def observed_connections(flows: Iterable[Flow]) -> list[ObservedConnection]:
    """Distinct (source, destination, port, protocol) of the flows, replies excluded, in first-seen order."""
    seen: dict[tuple[str, str, int, str], list[Any]] = {}  # key -> [flows, source, destination]
    endpoints: dict[tuple[str, str, str, str], Endpoint] = {}  # one object per endpoint: resolved once
    with _bulk():
        for flow in flows:
            if flow.is_reply is True:
                continue
            src = flow.source
            dst = flow.destination
            key = (src.key, dst.key, flow.destination_port or 0, flow.protocol or "")
            entry = seen.get(key)
            if entry is not None:
                entry[0] += 1
                continue
            seen[key] = [
                1,
                endpoints.setdefault(_endpoint_key(src), src),
                endpoints.setdefault(_endpoint_key(dst), dst),
                flow.destination_names,
            ]
        return [
            ObservedConnection(Connection(*key), n, s, d, names) for key, (n, s, d, names) in seen.items()
        ]


# ---------------------------------------------------------------------------------------------------------------
# Policies of every kind, generically
# ---------------------------------------------------------------------------------------------------------------
class PolicyLike(Protocol):
    @property
    def namespace(self) -> str: ...

    @property
    def name(self) -> str: ...


# metadata and bookkeeping: never part of "the spec changed"
_NOT_SPEC = frozenset({"raw", "origin", "labels", "annotations", "resource_version", "declared_policy_types"})


def policy_id(policy: PolicyLike) -> PolicyId:
    kind = getattr(policy, "kind", "NetworkPolicy")
    return PolicyId(str(kind), policy.namespace, policy.name)


def policy_objects(snapshot: ClusterSnapshot) -> dict[PolicyId, PolicyLike]:
    """Every policy of the snapshot, of every kind its evaluator judges, by identity."""
    out: dict[PolicyId, PolicyLike] = {}
    for pol in snapshot.policies:
        out[policy_id(pol)] = pol
    ctx = _cilium_context(snapshot.evaluator)
    if ctx is not None:
        for cpol in ctx.policies:
            out[policy_id(cpol)] = cpol
    return out


def _cilium_context(ev: object) -> CiliumContext | None:
    return ev.view.engine.context if isinstance(ev, CiliumEvaluator) else None


def _spec(obj: object) -> object:
    """The parsed spec of a policy (dataclass fields minus metadata), for equality only."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return tuple(
            (f.name, getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.name not in _NOT_SPEC and f.compare
        )
    raw = getattr(obj, "raw", None)
    if isinstance(raw, Mapping):
        return {k: v for k, v in raw.items() if k not in ("metadata", "status")}
    return obj


def policy_changes(before: ClusterSnapshot, after: ClusterSnapshot) -> tuple[PolicyChange, ...]:
    """Policies created, deleted or modified (parsed spec) between the two states, sorted by identity."""
    b = policy_objects(before)
    a = policy_objects(after)
    out: list[PolicyChange] = []
    for pid, pol in b.items():
        other = a.get(pid)
        if other is None:
            out.append(PolicyChange(pid, Change.DELETED))
        elif other is not pol and _spec(other) != _spec(pol):
            out.append(PolicyChange(pid, Change.MODIFIED))
    for pid in a:
        if pid not in b:
            out.append(PolicyChange(pid, Change.CREATED))
    return tuple(sorted(out))


def _context_same(before: ClusterSnapshot, after: ClusterSnapshot) -> bool:
    """Is everything the evaluators read besides pods, namespaces and policies the same? (the evaluator kind, and
    for Cilium: CIDR groups, nodes, services, endpoints, cilium-config)"""
    ev_b, ev_a = before.evaluator, after.evaluator
    if type(ev_b) is not type(ev_a):
        return False
    if isinstance(ev_b, CiliumEvaluator) and isinstance(ev_a, CiliumEvaluator):
        if ev_b.view.running != ev_a.view.running or ev_b.view.knp_enabled != ev_a.view.knp_enabled:
            return False
        cb, ca = ev_b.view.engine.context, ev_a.view.engine.context
        for attr in ("groups", "nodes", "services", "endpoints", "config"):
            if _plain_state(getattr(cb, attr)) != _plain_state(getattr(ca, attr)):
                return False
    return True


def _plain_state(value: object) -> object:
    """A comparable form of snapshot state: where an object was read from, and in which order, does not count."""
    if isinstance(value, Mapping):
        return {k: _plain_state(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return sorted((_plain_state(v) for v in value), key=repr)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return tuple(
            (f.name, getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "origin"
        )
    return value


# ---------------------------------------------------------------------------------------------------------------
# Subjects: did an end change between the two states?
# ---------------------------------------------------------------------------------------------------------------
def _pod_same(a: Pod | None, b: Pod | None) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return all(
        getattr(a, f.name) == getattr(b, f.name)
        for f in dataclasses.fields(a)
        if f.name not in ("origin", "key")
    )


def _ns_same(a: Namespace | None, b: Namespace | None) -> bool:
    if a is b:
        return True
    if a is None or b is None:
        return False
    return a.name == b.name and dict(a.labels) == dict(b.labels)


def _subject_same(a: Subject, b: Subject) -> bool:
    return (
        a.kind == b.kind
        and a.ip == b.ip
        and a.in_snapshot == b.in_snapshot
        and _pod_same(a.pod, b.pod)
        and _ns_same(a.namespace, b.namespace)
    )


def _subject_ns(s: Subject) -> str | None:
    return s.pod.namespace if s.pod is not None else None


# ---------------------------------------------------------------------------------------------------------------
# The diff
# ---------------------------------------------------------------------------------------------------------------
def evaluate(
    ev: Evaluator, src: Subject, dst: Subject, port: int, protocol: str, names: tuple[str, ...] = ()
) -> Verdict:
    """The evaluator's verdict; the destination's DNS names go to an evaluator that judges toFQDNs rules."""
    if names and isinstance(ev, CiliumEvaluator):
        return ev.evaluate(src, dst, port, protocol, names=names)
    return ev.evaluate(src, dst, port, protocol)


class Selecting(Protocol):
    def selecting(self, subject: Subject, direction: str) -> Sequence[Any]: ...


def changed_selecting(
    changed: Mapping[PolicyId, object],
    ev_before: Selecting,
    before: Subject,
    ev_after: Selecting,
    after: Subject,
    direction: Direction,
) -> set[PolicyId]:
    """The changed policies that select this end for `direction`, before (in the old state) or after."""
    ids: set[PolicyId] = set()
    for ev, subject in ((ev_before, before), (ev_after, after)):
        for pol in selecting(ev, subject, direction):
            pid = policy_id(pol)
            if pid in changed:
                ids.add(pid)
    return ids


def selecting(ev: Selecting, subject: Subject, direction: Direction) -> list[PolicyLike]:
    """The policies of every kind that select this end for `direction`: the evaluator's NetworkPolicies (whose
    policyTypes name it), and with Cilium the CNP/CCNP with a rule selecting the pod that has allow or deny items
    for that direction or sets its default deny."""
    found: list[PolicyLike] = list(ev.selecting(subject, direction))
    if isinstance(ev, CiliumEvaluator) and subject.pod is not None and not subject.pod.host_network:
        engine = ev.view.engine
        seen: set[int] = set()
        for compiled in engine.selecting(ev.view.party(subject)):
            rule = compiled.rule
            if id(compiled.policy) in seen:
                continue
            if rule.allows(direction) or rule.denies(direction) or engine.isolates(rule, direction):
                seen.add(id(compiled.policy))
                found.append(compiled.policy)
    return found


class _Ends:
    """Every distinct end of the observed connections, resolved once in each state."""

    def __init__(
        self, observed: Sequence[ObservedConnection], before: ClusterSnapshot, after: ClusterSnapshot
    ) -> None:
        self.index: dict[int, int] = {}
        self.before: list[Subject] = []
        self.after: list[Subject] = []
        for oc in observed:
            for ep in (oc.source, oc.destination):
                if id(ep) in self.index:
                    continue
                self.index[id(ep)] = len(self.before)
                self.before.append(subject_for_endpoint(ep, before))
                self.after.append(subject_for_endpoint(ep, after))
        self.by_namespace: dict[str, list[int]] = {}
        for i, (sb, sa) in enumerate(zip(self.before, self.after, strict=True)):
            for ns in {_subject_ns(sb), _subject_ns(sa)}:
                if ns is not None:
                    self.by_namespace.setdefault(ns, []).append(i)

    def __len__(self) -> int:
        return len(self.before)


def diff(
    observed: Sequence[ObservedConnection], before: ClusterSnapshot, after: ClusterSnapshot
) -> DiffResult:
    """The observed connections whose verdict differs between `before` and `after`, with side and cause."""
    with _bulk():
        return _diff(observed, before, after)


def _diff(
    observed: Sequence[ObservedConnection], before: ClusterSnapshot, after: ClusterSnapshot
) -> DiffResult:
    changes = policy_changes(before, after)
    change_of = {c.policy: c for c in changes}
    ends = _Ends(observed, before, after)
    ev_b, ev_a = before.evaluator, after.evaluator
    full = not _context_same(before, after)

    # the ends at which a changed policy selects a pod (before or after), per direction
    touched: dict[tuple[int, Direction], set[PolicyId]] = {}
    if changes:
        namespaces = {c.policy.namespace for c in changes}
        if "" in namespaces:  # a cluster-wide kind may select any pod
            candidates: Iterable[int] = range(len(ends))
        else:
            found: set[int] = set()
            for ns in namespaces:
                found.update(ends.by_namespace.get(ns, ()))
            candidates = sorted(found)
        for i in candidates:
            for direction in (Direction.EGRESS, Direction.INGRESS):
                ids = changed_selecting(change_of, ev_b, ends.before[i], ev_a, ends.after[i], direction)
                if ids:
                    touched[(i, direction)] = ids
    moved = {i for i in range(len(ends)) if not _subject_same(ends.before[i], ends.after[i])}

    out: list[ConnectionChange] = []
    rejudged = 0
    none: set[PolicyId] = set()
    for oc in observed:
        s = ends.index[id(oc.source)]
        d = ends.index[id(oc.destination)]
        eg = touched.get((s, Direction.EGRESS), none)
        ing = touched.get((d, Direction.INGRESS), none)
        if not (full or eg or ing or s in moved or d in moved):
            continue
        rejudged += 1
        conn = oc.connection
        vb = evaluate(ev_b, ends.before[s], ends.before[d], conn.port, conn.protocol, oc.names)
        va = evaluate(ev_a, ends.after[s], ends.after[d], conn.port, conn.protocol, oc.names)
        if vb.allowed == va.allowed:
            continue
        eg_diff = vb.egress.allowed != va.egress.allowed
        in_diff = vb.ingress.allowed != va.ingress.allowed
        side = Side.BOTH if eg_diff and in_diff else Side.EGRESS if eg_diff else Side.INGRESS
        by: set[PolicyId] = set()
        if eg_diff:
            by |= eg
        if in_diff:
            by |= ing
        out.append(
            ConnectionChange(
                conn, oc.flows, vb.allowed, va.allowed, side, tuple(change_of[p] for p in sorted(by))
            )
        )
    return DiffResult(tuple(out), changes, len(observed), rejudged, full)


# ---------------------------------------------------------------------------------------------------------------
# Staged objects
# ---------------------------------------------------------------------------------------------------------------
def staged(snapshot: ClusterSnapshot, objects: ParseResult | Iterable[Mapping[str, Any]]) -> ClusterSnapshot:
    """`snapshot` with staged objects on top: each replaces the object of the same kind/namespace/name as a whole,
    or is added. Objects are parsed like new ones (effective policyTypes defaulted); their problems are added to
    the new snapshot's. A deletion cannot be staged."""
    parsed = objects if isinstance(objects, ParseResult) else parse_objects(objects)
    extra: dict[str, Any] = {}
    staged_cilium: CiliumObjects | None = getattr(parsed, "cilium", None)
    if staged_cilium is not None and _has_objects(staged_cilium):
        # Cilium objects: a later one replaces an earlier one of the same kind/namespace/name
        # (CiliumObjects.context()), so the snapshot's own followed by the staged ones is the staged state
        merged = CiliumObjects()
        base: CiliumObjects | None = getattr(snapshot, "cilium", None)
        if base is not None:
            merged.extend(base)
        merged.extend(staged_cilium)
        extra["cilium"] = merged
    return snapshot.with_changes(
        namespaces=parsed.namespaces,
        pods=parsed.pods,
        policies=parsed.policies,
        problems=(*snapshot.problems, *parsed.problems),
        **extra,
    )


def _has_objects(objs: CiliumObjects) -> bool:
    return bool(
        objs.policies
        or objs.groups
        or objs.nodes
        or objs.services
        or objs.endpoints
        or objs.config is not None
    )
