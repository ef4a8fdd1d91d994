"""Fixes that combine: several fixes for one policy become one patch, verified to allow every connection.

Each fix from core/suggest.py is computed on its own: a patch is the whole policy with one rule added, so applying
two patches of `shop/api-ingress` one after the other keeps only the second rule. `merge_fixes` gives one fix per
policy (kind, namespace, name) holding what every fix changes on top of the same base — the policy in the
snapshot for a patch, nothing for a policy to create: the rules each fix adds (in order, each once) and the rules
one removes. When the connections are given, the merged fixes are applied together to the snapshot and every
connection is re-evaluated; a connection still denied is fixed again on top of the merged policies (its fix then
builds on the fixes already chosen) and merged in. What no policy change allows is in `MergedFixes.unfixed`.

    merged = merge_fixes(snapshot, [f for e in explanations for f in e.fixes])   # list[Fix], one per policy
    result = merge_verified(snapshot, [(e.verdict, e.fixes) for e in explanations])
    result.fixes, result.unfixed

Fixes of every kind merge: NetworkPolicy, CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy. Identical fixes
collapse to one. Cilium fixes that only append rule items to the lists of one `spec` (ingress, egress, ingressDeny,
egressDeny: the allow a CNP fix adds) combine their items on the same base, like NetworkPolicy fixes. Cilium fixes
that change the policy otherwise (a deny narrowed or removed) stay separate in `merge_fixes`; `merge_verified`
keeps the first of them and fixes the connections still denied again on top of it (the snapshot's own evaluator,
the Cilium one when it has Cilium objects, judges), so its result has one fix per policy. Standard library only.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import Verdict
from netpol_tui.core.manifests import parse_network_policy
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy, Rule
from netpol_tui.core.suggest import PAIRS_NAMED, Fix, FixAction, FixSide, opened_pairs
from netpol_tui.core.suggest_cilium import newly_allowed_pairs, with_objects
from netpol_tui.core.suggest_cilium import suggest as suggest_any

NETWORK_POLICY = "NetworkPolicy"
RULE_LISTS = ("ingress", "egress")
_DIRECTION = {"ingress": INGRESS, "egress": EGRESS}
_TYPE_ORDER = (INGRESS, EGRESS)

MAX_ROUNDS = 20  # re-fixing rounds of merge_verified at most (each settles one more Cilium fix of a policy)

FixKey = tuple[str, str, str]  # kind, namespace, name


def fix_key(fix: Fix) -> FixKey:
    return (fix.kind, fix.namespace, fix.name)


@dataclass(frozen=True, slots=True)
class MergedFixes:
    fixes: tuple[Fix, ...]  # one per policy, in the order the policies first appear
    unfixed: tuple[Verdict, ...] = ()  # connections still denied with every fix applied


def existing_raw(snapshot: ClusterSnapshot, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
    """The snapshot's object of that kind, namespace and name as read (None when there is none)."""
    if kind == NETWORK_POLICY:
        policy = snapshot.policy(namespace, name)
        return policy.raw if policy is not None and isinstance(policy.raw, dict) else None
    for cp in snapshot.cilium.policies if snapshot.cilium is not None else ():
        if (str(cp.kind), cp.namespace, cp.name) == (kind, namespace, name):
            return cp.raw if isinstance(cp.raw, dict) else {}
    return None


def _base_spec(snapshot: ClusterSnapshot, fix: Fix) -> dict[str, Any]:
    """The spec the fix was computed on: the snapshot's policy for a patch, nothing for a policy to create."""
    raw = existing_raw(snapshot, fix.kind, fix.namespace, fix.name)
    if raw is None or fix.action != FixAction.PATCH:
        return {}
    spec = raw.get("spec")
    return spec if isinstance(spec, dict) else {}


def _rules(spec: dict[str, Any], key: str) -> list[Any]:
    rules = spec.get(key)
    return list(rules) if isinstance(rules, list) else []


def _mergeable(first: Fix, other: Fix) -> bool:
    """Two fixes of one policy can be merged when they agree on everything but the rule lists and policyTypes
    (a policy to create is named after its pods, so the same name with another podSelector is another policy)."""
    a, b = first.manifest.get("spec") or {}, other.manifest.get("spec") or {}
    keys = (set(a) | set(b)) - set(RULE_LISTS) - {"policyTypes"}
    return all(a.get(k) == b.get(k) for k in keys)


def _appended(base: dict[str, Any], spec: Any) -> dict[str, list[Any]] | None:
    """What a Cilium fix's spec adds to `base`: the items appended to each list, None when it changes anything
    else (a deny narrowed or removed, another selector, a multi-rule `specs`)."""
    if not isinstance(spec, dict):
        return None
    out: dict[str, list[Any]] = {}
    for key in set(base) | set(spec):
        mine, theirs = spec.get(key), base.get(key)
        if isinstance(mine, list) and (theirs is None or isinstance(theirs, list)):
            before = theirs or []
            if mine[: len(before)] != before:
                return None
            out[key] = mine[len(before) :]
        elif mine != theirs:
            return None
    return out


def _cilium_base(snapshot: ClusterSnapshot, fix: Fix) -> dict[str, Any]:
    """The spec a Cilium fix appends to: the snapshot's for a patch; for a policy to create, the fix's own spec
    without its lists (its selector)."""
    if fix.action != FixAction.CREATE:
        return _base_spec(snapshot, fix)
    spec = fix.manifest.get("spec")
    return {k: v for k, v in spec.items() if not isinstance(v, list)} if isinstance(spec, dict) else {}


def _cilium_mergeable(snapshot: ClusterSnapshot, first: Fix, other: Fix) -> bool:
    """Two Cilium fixes of one policy combine when both only append list items to the same base (for a policy
    to create: the same object but for its lists)."""
    if first.action != other.action or "specs" in first.manifest or "specs" in other.manifest:
        return False
    if {k: v for k, v in first.manifest.items() if k != "spec"} != {
        k: v for k, v in other.manifest.items() if k != "spec"
    }:
        return False
    base = _cilium_base(snapshot, first)
    return (
        _appended(base, first.manifest.get("spec")) is not None
        and _appended(base, other.manifest.get("spec")) is not None
    )


def _merge_cilium(snapshot: ClusterSnapshot, fixes: Sequence[Fix]) -> Fix:
    """One Cilium fix: the base's spec with every item each fix appends, each once, in order."""
    first = fixes[0]
    base = _cilium_base(snapshot, first)
    spec = copy.deepcopy(base)
    for fix in fixes:
        for key, items in (_appended(base, fix.manifest.get("spec")) or {}).items():
            target = spec.setdefault(key, [])
            target.extend(copy.deepcopy(i) for i in items if i not in target)
    manifest = copy.deepcopy(first.manifest)
    manifest["spec"] = spec
    return replace(first, manifest=manifest, opens_other_pairs=sum(f.opens_other_pairs for f in fixes))


def _merge_group(snapshot: ClusterSnapshot, fixes: Sequence[Fix]) -> Fix:
    """One fix for one policy: the base's rules minus those any fix removes, plus those each fix adds."""
    first = fixes[0]
    if first.kind != NETWORK_POLICY:
        return _merge_cilium(snapshot, fixes)
    base = _base_spec(snapshot, first)
    manifest = copy.deepcopy(first.manifest)
    spec = manifest.setdefault("spec", {})
    for key in RULE_LISTS:
        base_rules = _rules(base, key)
        removed: list[Any] = []
        added: list[Any] = []
        for fix in fixes:
            mine = _rules(fix.manifest.get("spec") or {}, key)
            removed.extend(r for r in base_rules if r not in mine and r not in removed)
            added.extend(r for r in mine if r not in base_rules and r not in added)
        merged = [r for r in base_rules if r not in removed] + added
        if merged or key in spec:
            spec[key] = merged
    types: list[str] = []
    for fix in fixes:
        for t in (fix.manifest.get("spec") or {}).get("policyTypes") or []:
            if t not in types:
                types.append(t)
    if types:
        spec["policyTypes"] = sorted(types, key=lambda t: _TYPE_ORDER.index(t) if t in _TYPE_ORDER else 2)
    action = FixAction.PATCH if any(f.action == FixAction.PATCH for f in fixes) else FixAction.CREATE
    return replace(
        first,
        action=action,
        manifest=manifest,
        opens_other_pairs=sum(f.opens_other_pairs for f in fixes),
    )


def _frozen(value: Any) -> Any:
    """A hashable form of a manifest: equal exactly when the manifests are equal (`==`: key order aside)."""
    if isinstance(value, dict):
        return frozenset((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _group(snapshot: ClusterSnapshot, fixes: Iterable[Fix]) -> dict[FixKey, list[list[Fix]]]:
    """Fixes by policy; within a policy, the fixes that can be merged together (usually one bucket)."""
    groups: dict[FixKey, list[list[Fix]]] = {}
    seen: dict[int, set[Any]] = {}  # id(bucket) -> the manifests in it, frozen (hundreds of fixes per policy)
    for fix in fixes:
        buckets = groups.setdefault(fix_key(fix), [])
        frozen = _frozen(fix.manifest)
        for bucket in buckets:
            if frozen in seen[id(bucket)]:
                break  # the same fix again
            if (fix.kind == NETWORK_POLICY and _mergeable(bucket[0], fix)) or (
                fix.kind != NETWORK_POLICY and _cilium_mergeable(snapshot, bucket[0], fix)
            ):
                bucket.append(fix)
                seen[id(bucket)].add(frozen)
                break
        else:
            buckets.append([fix])
            seen[id(buckets[-1])] = {frozen}
    return groups


def merge_fixes(snapshot: ClusterSnapshot, fixes: Sequence[Fix]) -> list[Fix]:
    """One fix per policy, each holding the changes of every given fix for it, on top of the same base.

    Not verified against connections (it has none): use `merge_verified` to re-evaluate them. The result allows at
    least what each fix allowed on its own as long as the fixes only add rules (what core/suggest.py proposes, and
    a Cilium allow). Cilium fixes that change a policy otherwise (a deny narrowed) and differ stay separate: then
    several fixes have the same key. `opens_other_pairs` is the sum of the fixes' counts (an upper bound)."""
    out: list[Fix] = []
    for buckets in _group(snapshot, fixes).values():
        for bucket in buckets:
            out.append(_merge_group(snapshot, bucket) if len(bucket) > 1 else bucket[0])
    return out


def apply_fixes(snapshot: ClusterSnapshot, fixes: Iterable[Fix]) -> ClusterSnapshot:
    """The snapshot with each fix applied (a created or replaced policy; Cilium ones among the Cilium objects)."""
    fixes = list(fixes)
    policies: list[NetworkPolicy] = [
        parse_network_policy(f.manifest) for f in fixes if f.kind == NETWORK_POLICY
    ]
    cilium = [f.manifest for f in fixes if f.kind != NETWORK_POLICY]
    if cilium:
        objects = with_objects(snapshot.cilium or CiliumObjects(), cilium)
        return snapshot.with_changes(policies=policies, cilium=objects)
    return snapshot.with_changes(policies=policies) if policies else snapshot


def _allowed(snapshot: ClusterSnapshot, verdict: Verdict) -> Verdict:
    return snapshot.evaluator.evaluate(verdict.source, verdict.destination, verdict.port, verdict.protocol)


def _allows(snapshot: ClusterSnapshot, verdict: Verdict) -> bool:
    """`_allowed(...).allowed` by the evaluator's fast path (the same answer: one matcher per rule kind), without
    building the explanation: a merged policy can hold hundreds of rules, and every connection is judged again
    after every round."""
    return snapshot.evaluator.allows(verdict.source, verdict.destination, verdict.port, verdict.protocol)


def _recount(
    snapshot: ClusterSnapshot,
    after: ClusterSnapshot,
    fix: Fix,
    fixed: Sequence[Verdict],
    own: set[tuple[str, str, int, str]],
) -> Fix:
    """`opens_other_pairs` and `other_pairs` of a merged fix: the ordered pairs of distinct snapshot pods that are
    allowed with every merged fix applied and were not before, on the port/protocol of each connection it fixes,
    whose end enforcing that direction is one the fix governs (selected by its NetworkPolicy; in its namespace, or
    anywhere for a cluster-wide policy, for a Cilium fix), other than the fixed connections (`own`); each pair
    once. `fixed`: the connections this policy's fixes were computed for, allowed with every merged fix applied."""
    policy = parse_network_policy(fix.manifest) if fix.kind == NETWORK_POLICY else None
    added: dict[str, tuple[Rule, ...]] = {}
    pairs: dict[tuple[str, str], None] = {}
    seen: set[tuple[str, int, str]] = set()
    for verdict in fixed:
        for side in verdict.denying:
            direction = side.direction
            pod = side.subject.pod
            if pod is None or (direction, verdict.port, verdict.protocol) in seen:
                continue
            if policy is not None:
                if (
                    direction not in policy.policy_types
                    or pod.namespace != policy.namespace
                    or not policy.pod_selector.matches(pod.labels)
                ):
                    continue
                seen.add((direction, verdict.port, verdict.protocol))
                if direction not in added:
                    added[direction] = _added(snapshot, fix, policy, direction)
                found = opened_pairs(snapshot, after, policy, direction, verdict, added[direction])
            else:
                if fix.namespace and pod.namespace != fix.namespace:
                    continue
                seen.add((direction, verdict.port, verdict.protocol))
                found = _cilium_opened(snapshot, after, fix.namespace, direction, verdict)
            for src, dst in found:
                if (src, dst, verdict.port, verdict.protocol) not in own:
                    pairs[(src, dst)] = None
    named = tuple(pairs)
    return replace(fix, opens_other_pairs=len(named), other_pairs=named[:PAIRS_NAMED])


def _added(snapshot: ClusterSnapshot, fix: Fix, policy: NetworkPolicy, direction: str) -> tuple[Rule, ...]:
    """The rules a merged NetworkPolicy fix (`policy`, parsed) adds in `direction` to the snapshot's policy (all of
    a new one's)."""
    key = "ingress" if direction == INGRESS else "egress"
    raw = _rules(fix.manifest.get("spec") or {}, key)
    original = existing_raw(snapshot, fix.kind, fix.namespace, fix.name)
    base = _rules(original.get("spec") or {}, key) if original is not None else []
    rules = policy.rules(direction)
    return tuple(rules[i] for i, r in enumerate(raw) if r not in base and i < len(rules))


def _cilium_opened(
    before: ClusterSnapshot, after: ClusterSnapshot, namespace: str, direction: str, verdict: Verdict
) -> list[tuple[str, str]]:
    """The pairs on the verdict's port/protocol allowed in `after` and not in `before`, the end enforcing
    `direction` in `namespace` (anywhere for a cluster-wide policy: namespace "")."""
    return newly_allowed_pairs(
        before.evaluator,
        after.evaluator,
        after.pods.values(),
        namespace or None,
        direction,
        verdict.port,
        verdict.protocol,
    )


def _one_per_policy(fixes: Sequence[Fix]) -> list[Fix]:
    """The first fix of each policy: two whole objects of one policy cannot both be applied (the others' connections
    are fixed again on top of it)."""
    return list({fix_key(f): f for f in reversed(fixes)}.values())[::-1]


def merge_verified(
    snapshot: ClusterSnapshot, chosen: Sequence[tuple[Verdict, Sequence[Fix]]], *, rounds: int | None = None
) -> MergedFixes:
    """Merge the fixes of several denied connections (each with the fixes suggested for it) into one fix per
    policy, verified: with all of them applied every connection is allowed (judged by the snapshot's own evaluator:
    the Cilium one when it has Cilium objects). A connection still denied is fixed again on the snapshot with the
    merged fixes applied (so its fix builds on them), and merged in; so do the Cilium fixes that cannot be combined
    as text (two different narrowings of one deny): the first is kept, the others are computed again on top of it.
    `rounds` bounds the re-fixing (by default one round per connection, at least 3, at most MAX_ROUNDS; a round
    that leaves the same connections denied ends it)."""
    verdicts = [v for v, _ in chosen]
    merged = _one_per_policy(merge_fixes(snapshot, [f for _, fixes in chosen for f in fixes]))
    claims: dict[FixKey, list[Verdict]] = {}  # the connections each policy's fixes were computed for
    for verdict, fixes in chosen:
        for key in dict.fromkeys(fix_key(f) for f in fixes):
            claims.setdefault(key, []).append(verdict)
    denied_before: list[Verdict] | None = None
    for _ in range(rounds if rounds is not None else max(3, min(len(verdicts) + 1, MAX_ROUNDS))):
        after = apply_fixes(snapshot, merged)
        denied = [v for v in verdicts if not _allows(after, v)]
        if not denied or denied == denied_before:
            break
        denied_before = denied
        more: list[Fix] = []
        for verdict in denied:
            found = suggest_any(_allowed(after, verdict), after)
            for key in dict.fromkeys(fix_key(f) for f in found):
                claims.setdefault(key, []).append(verdict)
            more.extend(found)
        if not more:
            break
        # a fix computed on `after` patches the merged version: it replaces it, rules included
        by_key = {fix_key(f): f for f in merged}
        for fix in _one_per_policy(merge_fixes(after, more)):
            previous = by_key.get(fix_key(fix))
            if previous is not None and previous.action == FixAction.PATCH:
                fix = replace(fix, action=FixAction.PATCH)
            elif previous is not None and existing_raw(snapshot, fix.kind, fix.namespace, fix.name) is None:
                fix = replace(fix, action=FixAction.CREATE)  # still a policy to create for the real cluster
            by_key[fix_key(fix)] = fix
        merged = list(by_key.values())
    after = apply_fixes(snapshot, merged)
    unfixed = tuple(v for v in verdicts if not _allows(after, v))
    still = {id(v) for v in unfixed}
    own = {(v.source.key, v.destination.key, v.port, v.protocol) for v in verdicts if id(v) not in still}
    fixes = tuple(
        _recount(snapshot, after, f, [v for v in claims.get(fix_key(f), []) if id(v) not in still], own)
        for f in merged
    )
    return MergedFixes(fixes, unfixed)


def merged_side(fix: Fix) -> FixSide:
    """The side a merged NetworkPolicy fix opens: ingress, egress (the first fix's side when it opens both)."""
    types = (fix.manifest.get("spec") or {}).get("policyTypes") or []
    if types == [EGRESS]:
        return FixSide.EGRESS
    if types == [INGRESS]:
        return FixSide.INGRESS
    return fix.side


__all__ = [
    "MergedFixes",
    "apply_fixes",
    "existing_raw",
    "fix_key",
    "merge_fixes",
    "merge_verified",
    "merged_side",
]
