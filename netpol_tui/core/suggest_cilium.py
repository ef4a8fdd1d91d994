"""Verified fixes for a cluster with Cilium objects, in the dialect of what isolates each side (reference §10).

* A side a matching deny decides (181): the deny narrowed or removed (core/cilium/fixes.py), the whole updated
  CNP/CCNP; never a bare allow. If the side would still be default-denied, the allow rides in the same policy.
* A side a CNP/CCNP isolates (133): one new CiliumNetworkPolicy rule in the endpoint's namespace.
* A side only NetworkPolicies isolate: the NetworkPolicy fix of core/suggest.py.

Every fix is re-judged by the same evaluator with the change applied: each side allowed with its own fix, the
connection allowed with all of them; `opens_other_pairs` counts, over every ordered pair of distinct snapshot pods
other than this flow's own, on this port and protocol, the pairs the fix newly allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from netpol_tui.core.cilium.fixes import CiliumFix, FixKind, allow_policy, deny_fixes, needs_dns_rule
from netpol_tui.core.cilium.identity import PartyKind
from netpol_tui.core.cilium.model import CiliumPolicy, PolicyKind
from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cilium.parse import parse_cilium_object
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import DirectionResult, Evaluator, Verdict
from netpol_tui.core.evaluate_cilium import CiliumDirectionResult, CiliumEvaluator
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.model import Direction, Pod
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy
from netpol_tui.core.suggest import PAIRS_NAMED, Fix, FixAction, FixSide, _candidate, suggest_fixes


@dataclass(frozen=True, slots=True)
class CiliumPolicyFix(Fix):
    """A fix in Cilium YAML (a CNP or CCNP): what it changes (a new allow, or a deny narrowed or removed)."""

    change: FixKind = FixKind.ALLOW


@dataclass(frozen=True, slots=True)
class ClusterwideFix(CiliumPolicyFix):
    """A fix to a CiliumClusterwideNetworkPolicy: its target is its bare name."""

    @property
    def target(self) -> str:
        return self.name


def with_objects(objects: CiliumObjects, manifests: Iterable[dict[str, Any]]) -> CiliumObjects:
    """A copy of `objects` where each parsed manifest replaces the policy of the same kind/namespace/name."""
    new: list[CiliumPolicy] = []
    for m in manifests:
        parsed = parse_cilium_object(m)
        assert isinstance(parsed.obj, CiliumPolicy), parsed.problems
        new.append(parsed.obj)
    keys = {(p.kind, p.namespace, p.name) for p in new}
    out = CiliumObjects(
        policies=[p for p in objects.policies if (p.kind, p.namespace, p.name) not in keys] + new,
        groups=list(objects.groups),
        nodes=list(objects.nodes),
        services=list(objects.services),
        endpoints=list(objects.endpoints),
        config=objects.config,
    )
    return out


@dataclass(frozen=True, slots=True)
class _Proposal:
    direction: Direction
    kind: str  # NetworkPolicy / CiliumNetworkPolicy / CiliumClusterwideNetworkPolicy
    create: bool
    namespace: str
    name: str
    manifest: dict[str, Any]
    change: FixKind = FixKind.ALLOW


def _apply(
    snapshot: ClusterSnapshot, objects: CiliumObjects, proposals: Iterable[_Proposal]
) -> tuple[ClusterSnapshot, CiliumEvaluator]:
    knps: list[NetworkPolicy] = []
    cilium: list[dict[str, Any]] = []
    for p in proposals:
        if p.kind == PolicyKind.NETWORK_POLICY.value:
            knps.append(parse_network_policy(p.manifest))
        else:
            cilium.append(p.manifest)
    snap = snapshot.with_changes(policies=knps) if knps else snapshot
    objs = with_objects(objects, cilium)
    return snap, CiliumEvaluator(snap, objs)


def _side(verdict: Verdict, direction: Direction) -> DirectionResult:
    return verdict.ingress if direction is INGRESS else verdict.egress


def suggest_cilium_fixes(
    verdict: Verdict, snapshot: ClusterSnapshot, evaluator: CiliumEvaluator, *, names: tuple[str, ...] = ()
) -> list[Fix]:
    """One verified fix per denying side (several when several policies' denies matched); [] when none holds."""
    if verdict.allowed:
        return []
    view = evaluator.view
    proposals: list[_Proposal] = []
    taken = {p.name for p in evaluator.objects.policies}
    pending: dict[str, dict[str, Any]] = {}
    for side in verdict.denying:
        if not side.enforced or side.subject.pod is None:
            return []
        me, other = (
            (verdict.source, verdict.destination)
            if side.direction is EGRESS
            else (verdict.destination, verdict.source)
        )
        cs = side.cilium if isinstance(side, CiliumDirectionResult) else None
        me_p = view.party(me)
        other_p = view.party(other, names if side.direction is EGRESS else ())
        other_id = view.engine.identity(other_p, me_p.node)
        cfixes: list[CiliumFix] = []
        if cs is not None and cs.denied_by:
            knp_allows = any(p.allows for p in side.policies)
            cfixes = deny_fixes(
                cs,
                me_p,
                other_p,
                other_id,
                verdict.port,
                verdict.protocol,
                isolated_elsewhere=bool(side.policies),
                allowed_elsewhere=knp_allows,
            )
        elif cs is not None and (
            cs.isolated or not (other_p.kind is PartyKind.POD or other_id.cidr_selectable)
        ):
            # a CNP/CCNP isolates the side, or the peer is a node / reserved identity a NetworkPolicy cannot name
            cfixes = [
                allow_policy(
                    side.direction,
                    me_p,
                    other_p,
                    other_id,
                    verdict.port,
                    verdict.protocol,
                    needs_dns=needs_dns_rule(cs),
                    taken=taken,
                )
            ]
        else:
            action, manifest, name = _candidate(side, verdict, snapshot, pending)
            pending[f"{me_p.namespace}/{name}"] = manifest
            proposals.append(
                _Proposal(
                    side.direction,
                    PolicyKind.NETWORK_POLICY.value,
                    action is FixAction.CREATE,
                    me_p.namespace,
                    name,
                    manifest,
                )
            )
            continue
        for f in cfixes:
            taken.add(f.name)
            proposals.append(
                _Proposal(f.direction, f.policy_kind.value, f.create, f.namespace, f.name, f.manifest, f.kind)
            )
    if not proposals:
        return []
    # verify: the connection allowed with all of them; each side allowed with its own
    _, everything = _apply(snapshot, evaluator.objects, proposals)
    if not everything.evaluate(
        verdict.source, verdict.destination, verdict.port, verdict.protocol, names=names
    ).allowed:
        return []
    fixes: list[Fix] = []
    for direction in dict.fromkeys(p.direction for p in proposals):
        mine = [p for p in proposals if p.direction is direction]
        after_snap, after = _apply(snapshot, evaluator.objects, mine)
        again = after.evaluate(
            verdict.source, verdict.destination, verdict.port, verdict.protocol, names=names
        )
        if not _side(again, direction).allowed:
            return []
        scope = {p.namespace for p in mine}
        opened = _opens_other_pairs(
            evaluator, after, after_snap, verdict, direction, "" if "" in scope else None
        )
        for p in mine:
            fix_side = FixSide.INGRESS if direction is INGRESS else FixSide.EGRESS
            action = FixAction.CREATE if p.create else FixAction.PATCH
            pairs = tuple(opened[:PAIRS_NAMED])
            if p.kind == PolicyKind.NETWORK_POLICY.value:
                fixes.append(
                    Fix(fix_side, action, p.namespace, p.name, p.manifest, len(opened), p.kind, pairs)
                )
                continue
            cls = ClusterwideFix if p.kind == PolicyKind.CCNP.value else CiliumPolicyFix
            fixes.append(
                cls(
                    fix_side,
                    action,
                    p.namespace,
                    p.name,
                    p.manifest,
                    len(opened),
                    p.kind,
                    pairs,
                    change=p.change,
                )
            )
    return fixes


def _opens_other_pairs(
    before: CiliumEvaluator,
    after: CiliumEvaluator,
    snapshot: ClusterSnapshot,
    verdict: Verdict,
    direction: Direction,
    everywhere: str | None,
) -> list[tuple[str, str]]:
    """Ordered pairs of distinct snapshot pods, other than this flow's, on this port/protocol, newly allowed by
    the fixes of `direction`. Only the enforcing end's verdict can change, and a namespaced policy only changes
    the pods of its namespace (`everywhere` is "" when a cluster-wide policy is among the fixes)."""
    me = verdict.source if direction is EGRESS else verdict.destination
    namespace = me.pod.namespace if me.pod is not None else ""
    return newly_allowed_pairs(
        before,
        after,
        snapshot.pods.values(),
        None if everywhere is not None else namespace,
        direction,
        verdict.port,
        verdict.protocol,
        own=(verdict.source.key, verdict.destination.key),
    )


def newly_allowed_pairs(
    before: Evaluator,
    after: Evaluator,
    pods: Iterable[Pod],
    namespace: str | None,
    direction: str,
    port: int,
    protocol: str,
    *,
    own: tuple[str, str] | None = None,
) -> list[tuple[str, str]]:
    """The ordered pairs (source key, destination key) of distinct `pods`, on port/protocol, that `after` allows and
    `before` does not, whose end enforcing `direction` is in `namespace` (None: anywhere); `own` left out. In the
    order of the enforcing end's key, then the other's.

    Only pairs with an end that `changed_pods` names are judged: the verdict of any other pair is the same in both.
    """
    ordered = sorted((p.key, p) for p in pods)
    changed = changed_pods(before, after, (p for _, p in ordered))
    was = {key: before.subject_for_pod(pod) for key, pod in ordered}
    now = {key: after.subject_for_pod(pod) for key, pod in ordered}
    keys = [key for key, _ in ordered]
    touched = keys if changed is None else [key for key in keys if key in changed]
    out: list[tuple[str, str]] = []
    for mine, pod in ordered:
        if namespace is not None and pod.namespace != namespace:
            continue
        for other in keys if changed is None or mine in changed else touched:
            if other == mine:
                continue
            src, dst = (other, mine) if direction == INGRESS else (mine, other)
            if (src, dst) == own:
                continue
            if after.allows(now[src], now[dst], port, protocol) and not before.allows(
                was[src], was[dst], port, protocol
            ):
                out.append((src, dst))
    return out


def changed_pods(before: Evaluator, after: Evaluator, pods: Iterable[Pod]) -> frozenset[str] | None:
    """The keys of the `pods` that a policy differing between `before` and `after` selects, in either (CNP/CCNP
    rules and NetworkPolicies, compared by object: a fix replaces only the policies it changes). A side is judged by the rules selecting its pod, the peer's identity and the configuration,
    and a fix changes neither of the last two: a pair with no end named here is judged the same by both. None when
    that cannot be told (not two active Cilium evaluators on one configuration): every pod may have changed."""
    if not (isinstance(before, CiliumEvaluator) and isinstance(after, CiliumEvaluator)):
        return None
    if not (before.active and after.active) or before.view.config != after.view.config:
        return None
    was = {id(p): p for p in before.objects.policies}
    now = {id(p): p for p in after.objects.policies}
    gone = {i for i in was if i not in now}
    new = {i for i in now if i not in was}
    # the namespaces a changed CNP can touch ("": a changed CCNP touches every one)
    scope = {was[i].namespace for i in gone} | {now[i].namespace for i in new}
    knps: dict[
        str, list[tuple[CiliumEvaluator, NetworkPolicy]]
    ] = {}  # namespace -> its changed NetworkPolicies
    out: set[str] = set()
    for pod in pods:
        ns = pod.namespace
        if ns not in knps:
            b = {id(p): p for p in before.snapshot.policies_in(ns)}
            a = {id(p): p for p in after.snapshot.policies_in(ns)}
            knps[ns] = [(before, p) for i, p in b.items() if i not in a] + [
                (after, p) for i, p in a.items() if i not in b
            ]
        if any(
            p.pod_selector.matches(ev.view.identity_pod(pod, ev.snapshot.namespace(ns), cache=False).labels)
            for ev, p in knps[ns]
        ) or (
            ("" in scope or ns in scope)
            and (
                before.view.engine.selected_by_any(before.view.party(before.subject_for_pod(pod)), gone)
                or after.view.engine.selected_by_any(after.view.party(after.subject_for_pod(pod)), new)
            )
        ):
            out.add(pod.key)
    return frozenset(out)


def suggest(verdict: Verdict, snapshot: ClusterSnapshot, *, names: tuple[str, ...] = ()) -> list[Fix]:
    """The fixes for a verdict: the Cilium way when the snapshot holds Cilium objects, else core/suggest.py."""
    ev = snapshot.evaluator
    if isinstance(ev, CiliumEvaluator) and ev.active:
        return suggest_cilium_fixes(verdict, snapshot, ev, names=names)
    return suggest_fixes(verdict, snapshot)
