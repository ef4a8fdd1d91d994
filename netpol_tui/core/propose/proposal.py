"""`propose()`: deny-by-default policies plus the allows that keep every observed connection working, verified.

Steps: resolve the ends of the observed connections against the snapshot (a pod gone from it is rebuilt from the
flow's labels); choose the namespaces; select workloads; build one rule per (workload, direction, peer) with the
observed ports; judge every observed connection with the real evaluator under the cluster's policies plus the
proposal; drop every rule that no connection needs (a rule is needed when it is the only one admitting some side
of some connection: policyTypes are kept, so isolation does not change); judge again from the manifests parsed
back by the project's parser; count the pod pairs still allowed without having been observed.

Dialects: NetworkPolicy (build.py) or CiliumNetworkPolicy (cilium.py, `ProposeOptions.dialect`). The Cilium one
is judged by the snapshot's Cilium evaluator with the proposal among the cluster's Cilium objects; the steps are
the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from netpol_tui.core import yamlout
from netpol_tui.core.cilium.model import SERVICE_ACCOUNT_KEY
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import DirectionResult, Evaluator
from netpol_tui.core.manifests import parse_objects
from netpol_tui.core.mesh import hubble_meta_label, remote_cluster
from netpol_tui.core.model import Direction, Endpoint, EndpointKind, Pod
from netpol_tui.core.policy import NetworkPolicy
from netpol_tui.core.propose import build
from netpol_tui.core.propose import cilium as cnp
from netpol_tui.core.propose.build import MeshPods, NameBook, PeerKey
from netpol_tui.core.propose.observed import Connection, ConnectionReducer
from netpol_tui.core.propose.pairs import count_unobserved_pairs
from netpol_tui.core.propose.rules import Element, RuleIndex
from netpol_tui.core.propose.workloads import (
    WorkloadId,
    WorkloadSelection,
    group_by_workload,
    infer_workload,
    is_stable,
    is_stable_for_cilium,
    select_workloads,
    workload_of,
)
from netpol_tui.core.subject import Subject
from netpol_tui.core.validation import label_key_fault, label_value_fault

INGRESS = Direction.INGRESS
EGRESS = Direction.EGRESS


class Dialect(StrEnum):
    NETWORK_POLICY = "networkpolicy"  # networking.k8s.io/v1 NetworkPolicy
    CILIUM = "cilium"  # cilium.io/v2 CiliumNetworkPolicy


@dataclass(frozen=True, slots=True)
class ProposeOptions:
    namespaces: tuple[
        str, ...
    ] = ()  # empty: every namespace of a pod at either end of an observed connection
    cidr_prefix: int | None = None  # merge external IPv4 addresses into networks of this prefix
    count_pairs: bool = True
    dialect: Dialect = Dialect.NETWORK_POLICY


class PolicyRole(StrEnum):
    DENY_ALL = "deny_all"
    DNS = "dns"
    INGRESS = "ingress"
    EGRESS = "egress"


class Gap(StrEnum):
    """Why an observed connection cannot be kept allowed."""

    TARGET_UNSELECTABLE = "target_unselectable"  # its pod's workload has no trustworthy selector
    PEER_UNSELECTABLE = "peer_unselectable"  # the other end's workload has no trustworthy selector
    MESH_PEER_UNSELECTABLE = "mesh_peer_unselectable"  # a pod of another cluster with no stable label
    # NetworkPolicy dialect under Cilium: the peer (a node, its hostNetwork pods, ...) is an identity an ipBlock
    # cannot select (policy-cidr-match-mode without `nodes`): only a CiliumNetworkPolicy entity can name it
    NOT_CIDR_SELECTABLE = "not_cidr_selectable"
    OUTSIDE_PROPOSAL = "outside_proposal"  # denied by current policies at an end the proposal does not cover
    DENY_RULE = "deny_rule"  # a Cilium deny rule of the cluster matches it: no allow can fix that
    UNEXPLAINED = "unexplained"


@dataclass(frozen=True, slots=True)
class End:
    """One end of an observed connection, resolved: a pod (of the snapshot, or rebuilt from the flow), or an IP."""

    key: str
    pod: Pod | None
    ip: str
    kind: EndpointKind
    ghost: bool = False
    names: tuple[str, ...] = ()  # DNS names Hubble gave this address (as a destination)

    @property
    def policy_pod(self) -> bool:
        """A pod this cluster's policies select (not hostNetwork, not a pod of another cluster of the mesh)."""
        return self.pod is not None and not self.pod.host_network and not self.pod.cluster


@dataclass(frozen=True, slots=True)
class ProposedPolicy:
    namespace: str
    name: str
    role: PolicyRole
    manifest: Mapping[str, Any]
    workload: WorkloadId | None = None
    covers: int = 0  # observed connections one of its rules admits

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def kind(self) -> str:
        """NetworkPolicy or CiliumNetworkPolicy."""
        return str(self.manifest.get("kind") or "NetworkPolicy")

    @property
    def yaml(self) -> str:
        return yamlout.dump(self.manifest)


@dataclass(frozen=True, slots=True)
class Uncovered:
    connection: Connection
    gap: Gap
    direction: Direction  # the side that stays denied
    workload: WorkloadId | None = None  # the workload without a selector, or whose namespace is not proposed
    namespace: str = ""


@dataclass(frozen=True, slots=True)
class Proposal:
    namespaces: tuple[str, ...]
    policies: tuple[ProposedPolicy, ...]
    connections: tuple[Connection, ...]  # observed connections with an end in a proposed namespace
    out_of_scope: int  # observed connections with no end in a proposed namespace
    flows: int  # flows behind the connections in scope
    uncovered: tuple[Uncovered, ...] = ()  # non-empty: no proposal keeps every observed connection allowed
    unselectable: tuple[
        WorkloadSelection, ...
    ] = ()  # workloads of the proposed namespaces without a selector
    idle: tuple[
        WorkloadId, ...
    ] = ()  # workloads of the proposed namespaces with no observed connection at all
    unknown_namespaces: tuple[str, ...] = ()  # asked for, but neither in the snapshot nor in the flows
    ghost_pods: tuple[str, ...] = ()  # pods known only from the flows (gone from the snapshot)
    ingress_controllers: tuple[WorkloadId, ...] = ()  # controllers allowed as peers (all their pods)
    self_connections: int = 0  # a pod to itself: undefined across CNIs, left out
    rules_removed: int = (
        0  # rules built then found unneeded (another policy already admits their connections)
    )
    unobserved_allowed_pairs: int | None = None  # None: not counted
    observed_ports: tuple[tuple[str, int], ...] = ()
    dialect: Dialect = Dialect.NETWORK_POLICY
    apiserver: tuple[str, ...] = ()  # kube-apiserver addresses (default/kubernetes Endpoints) a rule names
    mesh_pods: tuple[str, ...] = ()  # pods of other clusters of the mesh at an end of a connection in scope

    @property
    def ok(self) -> bool:
        return not self.uncovered and not self.unknown_namespaces

    def yaml(self) -> str:
        return yamlout.dump_all([dict(p.manifest) for p in self.policies])


@dataclass(slots=True)
class _Judgement:
    denied: list[tuple[int, tuple[DirectionResult, ...]]] = field(default_factory=list)
    sets: list[set[Element]] = field(default_factory=list)  # per isolated side: the rules admitting it
    owner: list[int] = field(default_factory=list)  # per set: the connection index


# ---------------------------------------------------------------------------------------------------------------
# Ends
# ---------------------------------------------------------------------------------------------------------------
def _resolve(key: str, ep: Endpoint, snapshot: ClusterSnapshot, names: tuple[str, ...] = ()) -> End | None:
    # a pod of another cluster of the mesh is never this cluster's pod of that name or address (core/mesh.py)
    remote = remote_cluster(ep, snapshot)
    if ep.namespace and ep.pod_name:
        pod = snapshot.pod(f"{ep.namespace}/{ep.pod_name}") if not remote else None
        if pod is not None:
            return End(pod.key, pod, ep.ip or (pod.ip or ""), EndpointKind.POD)
        if ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN):
            ghost = Pod(
                namespace=ep.namespace,
                name=ep.pod_name,
                labels=dict(ep.labels),
                ips=(ep.ip,) if ep.ip else (),
                workload=ep.workload or infer_workload(ep.pod_name, ep.labels),
                service_account=hubble_meta_label(ep, SERVICE_ACCOUNT_KEY),  # part of its Cilium identity
                cluster=remote,
            )
            # a pod of another cluster is not added to the snapshot (ghost): it is judged as that cluster's
            if remote:  # keyed apart from this cluster's pod of that name (`namespace/pod@cluster`)
                return End(f"{ghost.key}@{remote}", ghost, ep.ip, EndpointKind.POD)
            return End(ghost.key, ghost, ep.ip, EndpointKind.POD, ghost=True)
    if not ep.ip:
        return None
    if ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN) and not remote:
        pod = snapshot.pod_by_ip(ep.ip)
        if pod is not None and (not ep.namespace or pod.namespace == ep.namespace):
            return End(pod.key, pod, ep.ip, EndpointKind.POD)
    kind = EndpointKind.WORLD if ep.kind in (EndpointKind.POD, EndpointKind.UNKNOWN) else ep.kind
    return End(ep.ip, None, ep.ip, kind, names=names)


def _subject(end: End, ev: Evaluator) -> Subject:
    if end.pod is not None:
        if end.pod.cluster:  # another cluster's pod: not in the snapshot, judged with its cluster label
            return replace(ev.subject_for_pod(end.pod), in_snapshot=False)
        return ev.subject_for_pod(end.pod)
    subject = ev.subject_for_ip(end.ip, end.kind)
    return replace(subject, names=end.names) if end.names and subject.pod is None else subject


def _subjects(ends: Mapping[str, End], ev: Evaluator) -> Callable[[str], Subject]:
    """The subject of each end key, made once."""
    made: dict[str, Subject] = {}

    def subject(key: str) -> Subject:
        s = made.get(key)
        if s is None:
            s = made[key] = _subject(ends[key], ev)
        return s

    return subject


# ---------------------------------------------------------------------------------------------------------------
# Judging
# ---------------------------------------------------------------------------------------------------------------
def _judge(
    snapshot: ClusterSnapshot, conns: list[Connection], ends: Mapping[str, End], *, cross_check: bool
) -> tuple[_Judgement, Evaluator, RuleIndex]:
    """Every connection judged; for each isolated side, every rule admitting it.

    The rules are asked through their compiled matchers (`Rule.admits`, the evaluator's own fast path) over the
    policies the evaluator says select that end (`selecting`), narrowed by a per-namespace index. With
    `cross_check`, the evaluator's `allows` judges every connection and its verdict decides; without, it judges
    those the rules deny (a Cilium policy may admit them). A denied connection gets its full verdict
    (`evaluate`), to say why.
    """
    ev = snapshot.evaluator
    index = RuleIndex(snapshot, ev)
    subject = _subjects(ends, ev)

    # a pod of another cluster of the mesh: the rule index matches labels the Kubernetes way, but only the Cilium
    # evaluator knows the local-cluster term of NetworkPolicy peers: its verdict and the rules it found decide
    mesh = {k for k, e in ends.items() if e.pod is not None and e.pod.cluster}
    out = _Judgement()
    for i, c in enumerate(conns):
        src, dst = subject(c.source), subject(c.destination)
        if mesh and (c.source in mesh or c.destination in mesh):
            verdict = ev.evaluate(src, dst, c.port, c.protocol)
            if not verdict.allowed:
                out.denied.append((i, verdict.denying))
                continue
            for side in (verdict.egress, verdict.ingress):
                found = _knp_elements(side)
                if found:
                    out.sets.append(found)
                    out.owner.append(i)
            continue
        sides: list[set[Element]] = []
        denied = False
        for direction, me, other in ((EGRESS, src, dst), (INGRESS, dst, src)):
            admitting = index.admitting(me, other, direction, c.port, c.protocol)
            if admitting is None:
                continue
            denied = denied or not admitting
            sides.append(admitting)
        if cross_check or denied:  # the evaluator's own verdict decides (Cilium policies may admit it too)
            denied = not ev.allows(src, dst, c.port, c.protocol)
            sides = [x for x in sides if x]
        if denied:
            out.denied.append((i, ev.evaluate(src, dst, c.port, c.protocol).denying))
            continue
        for admitting in sides:
            out.sets.append(admitting)
            out.owner.append(i)
    return out, ev, index


def _knp_elements(side: DirectionResult) -> set[Element] | None:
    """`cnp.admitting` in the NetworkPolicy dialect's element keys: a NetworkPolicy rule as (ns/name, direction,
    index), what Cilium policies allow kept apart (`cnp:`)."""
    found = cnp.admitting(side)
    if not found:
        return found
    return {(k[4:] if k.startswith("knp:") else f"cnp:{k}", tag, n) for k, tag, n in found}


def _judge_cilium(
    snapshot: ClusterSnapshot, conns: list[Connection], ends: Mapping[str, End]
) -> tuple[_Judgement, Evaluator]:
    """`_judge` for the Cilium dialect: the snapshot's evaluator gives each connection's full verdict, and each
    isolated side the allow items (and NetworkPolicy rules) that admit it (`cilium.admitting`)."""
    ev = snapshot.evaluator
    subject = _subjects(ends, ev)

    # pods no policy can tell apart give the same verdict: judged once (see `_likeness`)
    by_address = any(
        peer.ip_block is not None
        for pol in snapshot.policies
        for r in (*pol.ingress, *pol.egress)
        for peer in r.peers
    )
    likeness: dict[str, Any] = {}

    def like(key: str) -> Any:
        found = likeness.get(key)
        if found is None:
            found = likeness[key] = _likeness(ends[key], by_address)
        return found

    judged: dict[tuple[Any, Any, int, str], tuple[tuple[DirectionResult, ...], list[set[Element]]]] = {}
    out = _Judgement()
    for i, c in enumerate(conns):
        jkey = (like(c.source), like(c.destination), c.port, c.protocol)
        found = judged.get(jkey)
        if found is None:
            verdict = ev.evaluate(subject(c.source), subject(c.destination), c.port, c.protocol)
            sets: list[set[Element]] = []
            if verdict.allowed:
                for side in (verdict.egress, verdict.ingress):
                    admitting = cnp.admitting(side)
                    if admitting:
                        sets.append(admitting)
            found = judged[jkey] = (() if verdict.allowed else verdict.denying, sets)
        denying, sets = found
        if denying:
            out.denied.append((i, denying))
            continue
        for admitting in sets:
            out.sets.append(admitting)
            out.owner.append(i)
    return out, ev


def _likeness(end: End, by_address: bool) -> Any:
    """What a verdict can depend on for this end: a pod's namespace, labels, service account, node, ports and
    hostNetwork (its addresses too when an ipBlock exists, or when it is a hostNetwork pod); else the address
    with its kind and DNS names."""
    pod = end.pod
    if pod is None:
        return ("address", end.key, end.kind, end.names)
    ips = pod.ips if by_address or pod.host_network else ()
    labels = frozenset(pod.labels.items())
    return (
        "pod",
        pod.cluster,
        pod.namespace,
        labels,
        pod.service_account,
        pod.node_name,
        pod.ports,
        pod.host_network,
        ips,
    )


def _with_proposal(
    work: ClusterSnapshot, policies: Iterable[ProposedPolicy], dialect: Dialect
) -> ClusterSnapshot:
    """The cluster's current objects plus the proposal, read back by the project's parser of its dialect."""
    manifests = [p.manifest for p in policies]
    if dialect == Dialect.CILIUM:
        return cnp.with_policies(work, cnp.parse(manifests))
    return work.with_changes(policies=_parse(manifests))


def _parse(manifests: Iterable[Mapping[str, Any]]) -> list[NetworkPolicy]:
    """The proposal as the cluster would read it: through the project's one parser."""
    docs = [build.copy_tree(m) for m in manifests]
    parsed = parse_objects(docs)
    if parsed.problems or len(parsed.policies) != len(docs):
        raise ValueError(f"a proposed policy does not parse: {parsed.problems[:1]}")
    return parsed.policies


# ---------------------------------------------------------------------------------------------------------------
# The proposal
# ---------------------------------------------------------------------------------------------------------------
def propose(
    snapshot: ClusterSnapshot, observed: ConnectionReducer, options: ProposeOptions = ProposeOptions()
) -> Proposal:
    # --- ends and connections, keyed by the resolved ends -------------------------------------------------
    dialect = Dialect(options.dialect)
    names = observed.names
    raw_ends: dict[str, End | None] = {
        k: _resolve(k, ep, snapshot, names.get(k, ())) for k, ep in observed.endpoints.items()
    }
    ends: dict[str, End] = {}
    counts: dict[Connection, int] = {}
    self_connections = 0
    for (skey, dkey, port, proto), n in observed.counts.items():
        se, de = raw_ends.get(skey), raw_ends.get(dkey)
        if se is None or de is None:
            continue
        if se.key == de.key:
            self_connections += 1
            continue
        ends.setdefault(se.key, se)
        ends.setdefault(de.key, de)
        c = Connection(se.key, de.key, port, proto)
        counts[c] = counts.get(c, 0) + n
    ghosts = sorted({e.pod.key: e.pod for e in ends.values() if e.ghost and e.pod is not None}.items())
    work = snapshot.with_changes(pods=[p for _, p in ghosts]) if ghosts else snapshot

    # --- namespaces ------------------------------------------------------------------------------------------
    observed_ns = sorted({e.pod.namespace for e in ends.values() if e.policy_pod and e.pod is not None})
    namespaces = tuple(dict.fromkeys(options.namespaces)) if options.namespaces else tuple(observed_ns)
    unknown = tuple(ns for ns in namespaces if ns not in work.namespaces)
    proposed = frozenset(namespaces)

    def mine(end: End) -> bool:
        return end.policy_pod and end.pod is not None and end.pod.namespace in proposed

    all_conns = sorted(counts)
    conns = [c for c in all_conns if mine(ends[c.source]) or mine(ends[c.destination])]
    flows = sum(counts[c] for c in conns)
    observed_ports = tuple(sorted({(c.protocol, c.port) for c in conns}))
    base = Proposal(
        namespaces=namespaces,
        policies=(),
        connections=tuple(conns),
        out_of_scope=len(all_conns) - len(conns),
        flows=flows,
        unknown_namespaces=unknown,
        ghost_pods=tuple(k for k, _ in ghosts),
        mesh_pods=tuple(
            sorted(
                {
                    e.key
                    for c in conns
                    for e in (ends[c.source], ends[c.destination])
                    if e.pod is not None and e.pod.cluster
                }
            )
        ),
        self_connections=self_connections,
        observed_ports=observed_ports,
        dialect=dialect,
    )
    if unknown:
        return base

    # --- workloads ---------------------------------------------------------------------------------------------
    needed_ns = set(proposed) | {e.pod.namespace for e in ends.values() if e.policy_pod and e.pod is not None}
    pods_of: dict[WorkloadId, list[Pod]] = {}
    selections: dict[WorkloadId, WorkloadSelection] = {}
    # a cluster running Cilium (cilium-config) matches NetworkPolicy podSelectors against identity labels too:
    # a label Cilium leaves out of identities (kubernetes.io/os, ...) would select nothing, in either dialect
    runs_cilium = work.cilium is not None and work.cilium.config is not None
    stable = is_stable_for_cilium if dialect == Dialect.CILIUM or runs_cilium else is_stable
    for ns in sorted(needed_ns):
        groups = group_by_workload(p for p in work.pods_in(ns) if not p.host_network)
        pods_of.update(groups)
        selections.update(select_workloads(groups, stable))

    apiserver = cnp.apiserver_addresses(work)
    apiserver_set = frozenset(apiserver)
    view = None
    # Cilium: the ends as the Cilium engine derives their identities (with or without Cilium objects)
    if dialect == Dialect.CILIUM:
        from netpol_tui.core.cilium.objects import CiliumObjects
        from netpol_tui.core.evaluate_cilium import CiliumEvaluator

        cev = work.evaluator
        if not isinstance(cev, CiliumEvaluator):
            cev = CiliumEvaluator(work, work.cilium or CiliumObjects())
        view = cev.view
        pre_ev: Evaluator = cev
    else:
        pre_ev = work.evaluator
    used_apiserver = False

    def peer_of(me: End, end: End, direction: Direction) -> PeerKey | None:
        nonlocal used_apiserver
        if end.pod is not None and end.pod.cluster:
            labels = tuple(
                (k, v)
                for k, v in sorted(end.pod.labels.items())
                if stable(k) and label_key_fault(k) is None and label_value_fault(v) is None
            )  # known from the flows only: what the API server would refuse is left out
            if not labels:  # nothing but the cluster and namespace to name it by: too wide, no rule
                return None
            return PeerKey(mesh=MeshPods(end.pod.cluster, end.pod.namespace, labels))
        if end.policy_pod and end.pod is not None:
            wid = workload_of(end.pod)
            return PeerKey(workload=wid) if selections[wid].selector is not None else None
        ip = end.ip or (end.pod.ip if end.pod is not None else "") or ""
        if view is not None and me.pod is not None:
            me_party = view.party(pre_ev.subject_for_pod(me.pod))
            found = cnp.peer_for(view, me_party, _subject(end, pre_ev), direction, options.cidr_prefix)
            used_apiserver = used_apiserver or (found is not None and found.entity == build.KUBE_APISERVER)
            return found
        if ip in apiserver_set:  # the kube-apiserver: every address of its Endpoints, not this one alone
            used_apiserver = True
            return PeerKey(entity=build.KUBE_APISERVER)
        return PeerKey(cidr=build.network_for(ip, options.cidr_prefix)) if ip else None

    needs: dict[tuple[WorkloadId, Direction], dict[PeerKey, set[tuple[str, int]]]] = {}
    controllers: set[WorkloadId] = set()
    for c in conns:
        src, dst = ends[c.source], ends[c.destination]
        for me, other, direction in ((src, dst, EGRESS), (dst, src, INGRESS)):
            if not mine(me) or me.pod is None:
                continue
            wid = workload_of(me.pod)
            peer = peer_of(me, other, direction)
            if selections[wid].selector is None or peer is None:
                continue
            needs.setdefault((wid, direction), {}).setdefault(peer, set()).add((c.protocol, c.port))
            if direction == INGRESS and other.pod is not None and build.is_ingress_controller(other.pod):
                controllers.add(workload_of(other.pod))

    # --- manifests ---------------------------------------------------------------------------------------------
    policies: list[ProposedPolicy] = []
    workload_selectors = {w: s.selector for w, s in selections.items() if s.selector is not None}
    cilium = dialect == Dialect.CILIUM
    for ns in namespaces:
        if cilium:
            objs = work.cilium
            book = NameBook(p.name for p in (objs.policies if objs is not None else ()) if p.namespace == ns)
        else:
            book = NameBook(p.name for p in work.policies_in(ns))
        name = book.claim(build.DENY_ALL_NAME)
        manifest = cnp.deny_all(ns, name) if cilium else build.deny_all(ns, name)
        policies.append(ProposedPolicy(ns, name, PolicyRole.DENY_ALL, manifest))
        name = book.claim(build.DNS_NAME)
        manifest = cnp.dns_allow(ns, name) if cilium else build.dns_allow(ns, name)
        policies.append(ProposedPolicy(ns, name, PolicyRole.DNS, manifest))
        for wid in sorted(w for w in selections if w.namespace == ns):
            selector = selections[wid].selector
            if selector is None:
                continue
            for direction in (INGRESS, EGRESS):
                peers = needs.get((wid, direction))
                if not peers:
                    continue
                rules = []
                for peer in sorted(peers, key=_peer_order):
                    if direction == INGRESS:
                        dst_pods = pods_of[wid]
                    else:
                        dst_pods = pods_of[peer.workload] if peer.workload is not None else []
                    if cilium:
                        rules.extend(
                            cnp.rule_items(direction, peer, ns, workload_selectors, peers[peer], dst_pods)
                        )
                        continue
                    items = build.peer_items(peer, ns, workload_selectors, apiserver)
                    rules.append(build.rule_item(direction, items, build.port_items(peers[peer], dst_pods)))
                suffix = "ingress" if direction == INGRESS else "egress"
                name = book.claim(build.dns_label(f"{wid.name}-{suffix}"))
                role = PolicyRole.INGRESS if direction == INGRESS else PolicyRole.EGRESS
                if cilium:
                    manifest = cnp.workload_policy(ns, name, selector, direction, rules)
                else:
                    manifest = build.workload_policy(ns, name, selector, direction, rules)
                policies.append(ProposedPolicy(ns, name, role, manifest, wid))

    # --- judge, minimise, judge again ----------------------------------------------------------------------
    unselectable = tuple(
        s for w, s in sorted(selections.items()) if w.namespace in proposed and s.selector is None
    )
    # Judge, drop the rules no connection needs, judge again until nothing more goes. A rule is needed when it is
    # the only one admitting some side of some connection; removing one that never is keeps every side admitted.
    final_policies = policies
    removed_total = 0
    index: RuleIndex | None = None
    for round_ in range(8):
        current = _with_proposal(work, final_policies, dialect)
        cross_checked = round_ > 0
        if cilium:
            judged, ev = _judge_cilium(current, conns, ends)
        else:
            judged, ev, index = _judge(current, conns, ends, cross_check=cross_checked)
        if judged.denied:
            gaps = _gaps(judged, conns, ends, proposed, selections, None if cilium else ev)
            return _replace(base, policies=tuple(final_policies), uncovered=gaps, unselectable=unselectable)
        removed = _unneeded(final_policies, judged)
        if not removed:
            if cross_checked:
                break
            continue
        final_policies = _without(final_policies, removed)
        removed_total += len(removed)
    else:  # pragma: no cover - the rounds stop as soon as a judgement removes nothing
        raise AssertionError("minimising the proposal did not settle")
    covers: dict[str, set[int]] = {}
    for admitting, owner in zip(judged.sets, judged.owner, strict=True):
        for pol_key, _, _ in admitting:
            covers.setdefault(pol_key, set()).add(owner)
    final_policies = [_replace_policy(p, covers=len(covers.get(p.key, ()))) for p in final_policies]

    # --- what else stays allowed, who had no traffic ----------------------------------------------------------
    seen_pods = {e.pod.key for e in ends.values() if e.pod is not None}
    idle = tuple(
        w
        for w, s in sorted(selections.items())
        if w.namespace in proposed and not any(k in seen_pods for k in s.pods)
    )
    pairs = None
    if options.count_pairs:
        ghost_keys = {k for k, _ in ghosts}
        observed_pairs = [(c.source, c.destination, c.protocol, c.port) for c in conns]
        # the index walks NetworkPolicy rules the Kubernetes way: with Cilium policies in force (the Cilium
        # dialect, or a cluster running Cilium) the evaluator judges, over Cilium-aware candidates (pairs.py)
        exhaustive = bool(getattr(ev, "active", False)) or index is None
        allows = ev.allows if exhaustive or index is None else index.allows
        pairs = count_unobserved_pairs(
            current, ev, allows, proposed, observed_pairs, observed_ports, ghost_keys, exhaustive=exhaustive
        )
    return _replace(
        base,
        policies=tuple(final_policies),
        unselectable=unselectable,
        idle=idle,
        ingress_controllers=tuple(sorted(controllers)),
        rules_removed=removed_total,
        unobserved_allowed_pairs=pairs,
        apiserver=apiserver if used_apiserver and _names_apiserver(final_policies, apiserver) else (),
    )


def _names_apiserver(policies: Iterable[ProposedPolicy], addresses: tuple[str, ...]) -> bool:
    """Does a rule of the proposal name the kube-apiserver (the entity, or every address of its Endpoints)?"""
    blocks = [{"ipBlock": {"cidr": build.host_network(ip)}} for ip in addresses]
    for p in policies:
        if p.role not in (PolicyRole.INGRESS, PolicyRole.EGRESS):
            continue
        for item in p.manifest["spec"].get(p.role.value, ()):
            if build.KUBE_APISERVER in (*item.get("toEntities", ()), *item.get("fromEntities", ())):
                return True
            if blocks and blocks in (item.get("to"), item.get("from")):
                return True
    return False


def _unneeded(policies: list[ProposedPolicy], judged: _Judgement) -> set[Element]:
    """Rules of the per-workload policies that can go, one at a time, each never the only one admitting a side."""
    removable = [
        (p.key, str(d), i)
        for p in reversed(policies)
        if p.role in (PolicyRole.INGRESS, PolicyRole.EGRESS)
        for d in ((INGRESS,) if p.role == PolicyRole.INGRESS else (EGRESS,))
        for i in range(len(p.manifest["spec"][d.value.lower()]))
    ]
    sets = [set(x) for x in judged.sets]
    by_elem: dict[Element, list[int]] = {}
    for i, admitting in enumerate(sets):
        for e in admitting:
            by_elem.setdefault(e, []).append(i)
    removed: set[Element] = set()
    for e in removable:
        if all(len(sets[i]) >= 2 for i in by_elem.get(e, ())):
            for i in by_elem.get(e, ()):
                sets[i].discard(e)
            removed.add(e)
    return removed


def _peer_order(peer: PeerKey) -> tuple[int, str]:
    return peer.order


def _without(policies: list[ProposedPolicy], removed: set[Element]) -> list[ProposedPolicy]:
    out: list[ProposedPolicy] = []
    for p in policies:
        if p.role not in (PolicyRole.INGRESS, PolicyRole.EGRESS):
            out.append(p)
            continue
        field_name = "ingress" if p.role == PolicyRole.INGRESS else "egress"
        direction = str(INGRESS if p.role == PolicyRole.INGRESS else EGRESS)
        rules = [
            r for i, r in enumerate(p.manifest["spec"][field_name]) if (p.key, direction, i) not in removed
        ]
        if not rules:
            continue
        manifest = build.copy_tree(p.manifest)
        manifest["spec"][field_name] = rules
        out.append(_replace_policy(p, manifest=manifest))
    return out


def _replace_policy(p: ProposedPolicy, **changes: Any) -> ProposedPolicy:
    return replace(p, **changes)


def _replace(p: Proposal, **changes: Any) -> Proposal:
    return replace(p, **changes)


def _gaps(
    judged: _Judgement,
    conns: list[Connection],
    ends: Mapping[str, End],
    proposed: frozenset[str],
    selections: Mapping[WorkloadId, WorkloadSelection],
    knp_ev: Evaluator | None = None,
) -> tuple[Uncovered, ...]:
    """Why each side of a denied connection stays denied. `knp_ev`: the evaluator of the NetworkPolicy dialect's
    judgement (None in the Cilium dialect)."""
    view = getattr(knp_ev, "view", None) if getattr(knp_ev, "active", False) else None
    if view is not None and not view.running:
        view = None
    out: list[Uncovered] = []
    for i, denying in judged.denied:
        c = conns[i]
        for side in denying:
            me_end = ends[c.source] if side.direction == EGRESS else ends[c.destination]
            other = ends[c.destination] if side.direction == EGRESS else ends[c.source]
            pod = me_end.pod
            if pod is None or pod.namespace not in proposed:
                ns = pod.namespace if pod is not None else ""
                wid = workload_of(pod) if pod is not None else None
                out.append(Uncovered(c, Gap.OUTSIDE_PROPOSAL, side.direction, wid, ns))
                continue
            wid = workload_of(pod)
            if getattr(side, "denied_by", ()):
                out.append(Uncovered(c, Gap.DENY_RULE, side.direction, wid, pod.namespace))
            elif selections[wid].selector is None:
                out.append(Uncovered(c, Gap.TARGET_UNSELECTABLE, side.direction, wid, pod.namespace))
            elif (
                view is not None
                and knp_ev is not None
                and not other.policy_pod
                and not (other.pod is not None and other.pod.cluster)
                and not view.cidr_selectable(
                    view.party(_subject(other, knp_ev)), view.party(_subject(me_end, knp_ev)).node
                )
            ):
                out.append(Uncovered(c, Gap.NOT_CIDR_SELECTABLE, side.direction, wid, pod.namespace))
            elif other.pod is not None and other.pod.cluster:
                out.append(
                    Uncovered(
                        c,
                        Gap.MESH_PEER_UNSELECTABLE,
                        side.direction,
                        wid,
                        f"{other.pod.cluster}/{other.pod.namespace}",
                    )
                )
            elif (
                other.policy_pod
                and other.pod is not None
                and selections[workload_of(other.pod)].selector is None
            ):
                owid = workload_of(other.pod)
                out.append(Uncovered(c, Gap.PEER_UNSELECTABLE, side.direction, owid, owid.namespace))
            else:
                out.append(Uncovered(c, Gap.UNEXPLAINED, side.direction, wid, pod.namespace))
    return tuple(out)
