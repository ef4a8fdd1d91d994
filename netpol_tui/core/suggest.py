"""Minimal fixes for a denied connection, each verified by the same evaluator before it is offered.

For a side that denies, the smallest fix is one rule on the enforcing pod: the pod selected by its stable labels,
the other end as a podSelector on its stable labels (plus a namespaceSelector on `kubernetes.io/metadata.name` in
the same item when it lives in another namespace) or an ipBlock /32 (/128), and the single port/protocol. When a
policy already selects exactly the same pods for that direction, the fix is that policy with the rule added
(`action: "patch"`, the whole updated object). A fix is offered only if the connection's side is allowed once it
is added (and, with both sides denied, the connection once all are added); each carries `opens_other_pairs`.
"""

from __future__ import annotations

import copy
import ipaddress
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netpol_tui.core import yamlout
from netpol_tui.core.cilium.model import CLUSTER_KEY
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.evaluate import DirectionResult, Subject, Verdict, peer_admits
from netpol_tui.core.manifests import parse_network_policy, parse_selector
from netpol_tui.core.model import NS_NAME_LABEL, Pod
from netpol_tui.core.policy import EGRESS, INGRESS, NetworkPolicy, Rule
from netpol_tui.core.validation import label_key_fault, label_value_fault

# Labels that name one instance (or one rollout) rather than the workload: never select on them.
UNSTABLE_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "pod-template-generation",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "job-name",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/job-completion-index",
        "security.istio.io/tlsMode",
        "service.istio.io/canonical-revision",
    }
)
UNSTABLE_PREFIXES = ("io.cilium.", "io.kubernetes.")
PAIRS_NAMED = 20  # a fix names at most this many of the other pod pairs it opens (it counts them all)
NAME_LABELS = ("app.kubernetes.io/name", "app", "k8s-app", "name", "component", "app.kubernetes.io/component")


class FixSide(StrEnum):
    INGRESS = "ingress"
    EGRESS = "egress"


class FixAction(StrEnum):
    CREATE = "create"  # a new policy
    PATCH = "patch"  # an existing policy with the rule added (the whole updated object)


@dataclass(frozen=True, slots=True)
class Fix:
    side: FixSide
    action: FixAction
    namespace: str
    name: str
    manifest: dict[str, Any]
    opens_other_pairs: int
    kind: str = "NetworkPolicy"
    # the first pairs it newly allows, ("ns/pod" source, "ns/pod" destination), at most PAIRS_NAMED of them
    other_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def target(self) -> str:
        return f"{self.namespace}/{self.name}"

    @property
    def yaml(self) -> str:
        return yamlout.dump(self.manifest)

    def to_json(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "kind": self.kind,
            "action": self.action,
            "target": self.target,
            "yaml": self.yaml,
            "opens_other_pairs": self.opens_other_pairs,
        }


def stable_labels(labels: dict[str, Any] | None) -> dict[str, str]:
    """The labels a selector may use: not per-instance ones, and only pairs the API server accepts (labels
    Hubble reported for a pod we do not know are not checked)."""
    return {
        k: v
        for k, v in sorted((labels or {}).items())
        if k not in UNSTABLE_LABELS
        and not k.startswith(UNSTABLE_PREFIXES)
        and isinstance(v, str)
        and label_key_fault(k) is None
        and label_value_fault(v) is None
    }


def short_name(subject: Subject) -> str:
    """A readable word for an endpoint in a policy name: its app label, workload, pod name, or its IP."""
    pod = subject.pod
    if pod is None:
        return (subject.ip or "external").replace(":", "-").replace(".", "-")
    for key in NAME_LABELS:
        if pod.labels.get(key):
            return pod.labels[key]
    if pod.workload is not None:
        return pod.workload.name
    return pod.name


def _dns_name(text: str, limit: int = 63) -> str:
    text = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")
    text = re.sub(r"-{2,}", "-", text)
    return text[:limit].rstrip("-") or "allow"


def _peer_for(other: Subject, policy_ns: str) -> dict[str, Any]:
    if other.pod is None or other.pod.host_network:
        ip = ipaddress.ip_address(other.ip or (other.pod.ip if other.pod else None) or "0.0.0.0")
        return {"ipBlock": {"cidr": f"{ip}/{32 if ip.version == 4 else 128}"}}
    peer: dict[str, Any] = {}
    if other.pod.namespace != policy_ns:
        peer["namespaceSelector"] = {"matchLabels": {NS_NAME_LABEL: other.pod.namespace}}
    labels = stable_labels(dict(other.pod.labels))
    if other.pod.cluster:
        # a pod of another cluster of the mesh: under Cilium a peer that does not name the cluster key selects
        # only the local cluster (policy-default-local-cluster)
        labels[CLUSTER_KEY] = other.pod.cluster
    peer["podSelector"] = {"matchLabels": labels} if labels else {}
    return peer


def _selector_for(pod: Pod) -> dict[str, Any]:
    labels = stable_labels(dict(pod.labels))
    return {"matchLabels": labels} if labels else {}


def _rule_for(side: DirectionResult, verdict: Verdict) -> dict[str, Any]:
    other = verdict.source if side.direction == INGRESS else verdict.destination
    me = side.subject.pod
    assert me is not None  # a fix is proposed only for an enforced side, which is a pod
    peer = _peer_for(other, me.namespace)
    rule: dict[str, Any] = {("from" if side.direction == INGRESS else "to"): [peer]}
    if verdict.protocol in ("TCP", "UDP", "SCTP"):
        rule["ports"] = [{"protocol": verdict.protocol, "port": verdict.port}]
    return rule


def _same_selection(
    snapshot: ClusterSnapshot, a: NetworkPolicy, selector: dict[str, Any], namespace: str
) -> bool:
    """Does policy `a` select exactly the pods `selector` selects in `namespace` (and at least one)?"""

    sel = parse_selector(selector, "podSelector")
    pods = snapshot.pods_in(namespace)
    mine = {p.key for p in pods if sel.matches(p.labels)}
    theirs = {p.key for p in pods if a.pod_selector.matches(p.labels)}
    return bool(mine) and mine == theirs


def _candidate(
    side: DirectionResult,
    verdict: Verdict,
    snapshot: ClusterSnapshot,
    pending: dict[str, dict[str, Any]] | None = None,
) -> tuple[FixAction, dict[str, Any], str]:
    """(action, manifest, name) for one denying side. `pending`: manifests already proposed for the other side
    (by ns/name), so that both sides never write two different versions of one policy name."""
    pending = pending or {}
    me = side.subject
    pod = me.pod
    assert pod is not None
    ns = pod.namespace
    selector = _selector_for(pod)
    rule = _rule_for(side, verdict)
    key = "ingress" if side.direction == INGRESS else "egress"
    # a policy already selecting exactly these pods for this direction: add the rule to it
    for existing in snapshot.policies_in(ns):
        if (
            side.direction in existing.policy_types
            and existing.pod_selector.matches(pod.labels)  # also a pod gone from the snapshot
            and _same_selection(snapshot, existing, selector, ns)
        ):
            if not existing.raw:
                continue
            if existing.key in pending:
                # the other side patches this same policy: add this rule to that version
                updated = copy.deepcopy(pending[existing.key])
                spec = updated["spec"]
                spec[key] = [*(spec.get(key) or []), rule]
                return FixAction.PATCH, updated, existing.name
            updated = patch_base(existing)
            spec = updated["spec"]
            spec[key] = [*(spec.get(key) or []), rule]
            return FixAction.PATCH, updated, existing.name
    other = verdict.source if side.direction == INGRESS else verdict.destination
    me_name, other_name = short_name(me), short_name(other)
    if side.direction == INGRESS:
        name = f"allow-{other_name}-to-{me_name}-{verdict.port}-{verdict.protocol}"
    else:
        name = f"allow-{me_name}-to-{other_name}-{verdict.port}-{verdict.protocol}"
    name = _dns_name(name)
    metadata: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "labels": {"app.kubernetes.io/managed-by": "netpol-tui"},
    }
    manifest: dict[str, Any] = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": {
            "podSelector": selector,
            "policyTypes": [side.direction],
            key: [rule],
        },
    }
    # a name already taken by another policy: make it unique rather than overwrite it
    taken = {p.name for p in snapshot.policies_in(ns)} | {
        k.split("/", 1)[1] for k in pending if k.startswith(f"{ns}/")
    }
    base, n = name, 2
    while metadata["name"] in taken:
        metadata["name"] = _dns_name(f"{base[:58]}-{n}")
        n += 1
    return FixAction.CREATE, manifest, str(metadata["name"])


_SPEC_KEYS = ("podSelector", "policyTypes", "ingress", "egress")


def patch_base(policy: NetworkPolicy) -> dict[str, Any]:
    """The policy as a patch carries it (cli.md): apiVersion, kind, metadata name/namespace/labels, spec.

    Name and namespace come from the parsed model; labels and the spec's four fields (all the parser validated:
    labels are flat strings) are copied as plain data. Annotations, status and every other field of the object
    as read are never copied, so nothing the parser did not read (a YAML alias bomb in an annotation) reaches a
    fix, its YAML or its JSON."""
    raw = policy.raw if isinstance(policy.raw, dict) else {}
    meta = raw.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    metadata: dict[str, Any] = {"name": policy.name, "namespace": policy.namespace}
    if isinstance(labels, dict) and labels:
        metadata["labels"] = {str(k): str(v) for k, v in labels.items()}
    spec_raw = raw.get("spec")
    spec_raw = spec_raw if isinstance(spec_raw, dict) else {}
    spec: dict[str, Any] = {k: copy.deepcopy(spec_raw[k]) for k in _SPEC_KEYS if spec_raw.get(k) is not None}
    spec.setdefault("podSelector", {})
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata,
        "spec": {k: spec[k] for k in _SPEC_KEYS if k in spec},
    }


def _side_of(verdict: Verdict, direction: str) -> DirectionResult:
    return verdict.ingress if direction == INGRESS else verdict.egress


def _peer_candidates(snapshot: ClusterSnapshot, rule: Rule, policy_ns: str) -> list[Pod]:
    """Pods the rule's peers may admit, narrowed by what the peers pin (a /32, a namespace name)."""
    if not rule.peers:
        return list(snapshot.pods.values())
    out: dict[str, Pod] = {}
    for peer in rule.peers:
        if peer.ip_block is not None:
            net = peer.ip_block.network
            if net.num_addresses == 1:
                ip = str(net.network_address)
                pods = [p for p in snapshot.pods.values() if ip in p.ips]  # hostNetwork pods share node IPs
            else:
                pods = list(snapshot.pods.values())
        elif peer.namespace_selector is None:
            pods = snapshot.pods_in(policy_ns)
        else:
            pinned = peer.namespace_selector.equality_labels().get(NS_NAME_LABEL)
            pods = snapshot.pods_in(pinned) if pinned else list(snapshot.pods.values())
        for pod in pods:
            out[pod.key] = pod
    return list(out.values())


def opens_other_pairs(
    before: ClusterSnapshot,
    after: ClusterSnapshot,
    policy: NetworkPolicy,
    direction: str,
    verdict: Verdict,
    added: tuple[Rule, ...] | None = None,
) -> int:
    """How many ordered pairs of distinct snapshot pods, other than this flow's, on this port/protocol, the
    policy newly allows (`opened_pairs` names them)."""
    return len(opened_pairs(before, after, policy, direction, verdict, added))


def opened_pairs(
    before: ClusterSnapshot,
    after: ClusterSnapshot,
    policy: NetworkPolicy,
    direction: str,
    verdict: Verdict,
    added: tuple[Rule, ...] | None = None,
) -> list[tuple[str, str]]:
    """Ordered pairs of distinct snapshot pods, other than this flow's, on this port/protocol, newly allowed.

    A fix only adds allow rules (and at most isolation, which only removes), so a pair it newly allows has its
    enforcing end selected by the policy and its other end admitted, on this port, by one of the rules it adds
    (`added`; all the policy's rules in that direction when not given); only those pairs are evaluated, before
    and after, with the full evaluator.
    """
    ev_before, ev_after = before.evaluator, after.evaluator
    selected = [p for p in after.pods_in(policy.namespace) if policy.pod_selector.matches(p.labels)]
    if not selected:
        return []
    rules = policy.rules(direction) if added is None else added
    # a pair newly allowed on this port is allowed by an added rule that may admit the port (a merged patch
    # adds a rule per port: only those of this one can have opened a pair here)
    rules = tuple(
        r for r in rules if any(pm.may_admit(verdict.port, verdict.protocol) for pm in r.port_matchers)
    )
    if not rules:
        return []
    own = (verdict.source.key, verdict.destination.key)
    subj: dict[str, Subject] = {}

    def subject(pod: Pod) -> Subject:
        found = subj.get(pod.key)
        if found is None:
            found = subj[pod.key] = ev_after.subject_for_pod(pod)
        return found

    admitted: dict[str, Pod] = {}
    for rule in rules:
        for pod in _peer_candidates(after, rule, policy.namespace):
            if pod.key not in admitted and peer_admits(rule, policy.namespace, subject(pod)):
                admitted[pod.key] = pod
    out: list[tuple[str, str]] = []
    for mine in selected:
        for other in admitted.values():
            if other.key == mine.key:
                continue
            src, dst = (other, mine) if direction == INGRESS else (mine, other)
            if (src.key, dst.key) == own:
                continue
            s_sub, d_sub = subject(src), subject(dst)
            if not ev_after.allows(s_sub, d_sub, verdict.port, verdict.protocol):
                continue
            if (
                src.key in before.pods
                and dst.key in before.pods
                and ev_before.allows(
                    ev_before.subject_for_pod(before.pods[src.key]),
                    ev_before.subject_for_pod(before.pods[dst.key]),
                    verdict.port,
                    verdict.protocol,
                )
            ):
                continue
            out.append((src.key, dst.key))
    return out


def _added_rules(snapshot: ClusterSnapshot, policy: NetworkPolicy, direction: str) -> tuple[Rule, ...]:
    """The rules a fix adds in `direction`: all of a new policy's, those beyond the original's for a patch."""
    original = snapshot.policy(policy.namespace, policy.name)
    rules = policy.rules(direction)
    if original is None:
        return rules
    return rules[len(original.rules(direction)) :]


def suggest_fixes(verdict: Verdict, snapshot: ClusterSnapshot) -> list[Fix]:
    """One verified fix per denying side (empty when allowed, or when no policy change can allow it)."""
    if verdict.allowed:
        return []
    if verdict.port == 0 and verdict.protocol in ("TCP", "UDP", "SCTP"):
        # the port is unknown (not reported): a port-specific fix would be a guess, and one without a port
        # restriction would open every port — no fix (a policy port must be 1-65535 anyway)
        return []
    proposals: list[tuple[DirectionResult, FixAction, dict[str, Any], NetworkPolicy]] = []
    pending: dict[str, dict[str, Any]] = {}
    for side in verdict.denying:
        if not side.enforced or side.subject.pod is None:
            return []
        action, manifest, _ = _candidate(side, verdict, snapshot, pending)
        try:
            policy = parse_network_policy(manifest)
        except ValueError:
            return []  # a fix the API server would refuse (the parser's own check): none rather than that
        pending[policy.key] = manifest
        proposals.append((side, action, manifest, policy))
    # both sides patching one policy (peers of one workload): both fixes carry the version with both rules, so
    # that applying them in any order gives the same policy
    proposals = [
        (side, action, pending[policy.key], parse_network_policy(pending[policy.key]))
        for side, action, _, policy in proposals
    ]
    # verify: each side allowed with its fix; the connection allowed with all of them
    everything = snapshot.with_changes(policies=[p for *_, p in proposals])
    if not everything.evaluator.evaluate(
        verdict.source, verdict.destination, verdict.port, verdict.protocol
    ).allowed:
        return []
    fixes = []
    for side, action, manifest, policy in proposals:
        alone = everything if len(proposals) == 1 else snapshot.with_changes(policies=[policy])
        again = alone.evaluator.evaluate(verdict.source, verdict.destination, verdict.port, verdict.protocol)
        if not _side_of(again, side.direction).allowed:
            return []
        pairs = opened_pairs(
            snapshot, alone, policy, side.direction, verdict, _added_rules(snapshot, policy, side.direction)
        )
        fixes.append(
            Fix(
                side=FixSide.INGRESS if side.direction == INGRESS else FixSide.EGRESS,
                action=action,
                namespace=policy.namespace,
                name=policy.name,
                manifest=manifest,
                opens_other_pairs=len(pairs),
                other_pairs=tuple(pairs[:PAIRS_NAMED]),
            )
        )
    return fixes


def dns_allow_manifest(namespace: str, taken: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The namespace-wide DNS allow: every pod of `namespace` may reach kube-dns on UDP and TCP 53.

    `taken`: policy names already used in the namespace (the proposal never overwrites one of them)."""
    name, n = "allow-dns-egress", 2
    while name in taken:
        name = f"allow-dns-egress-{n}"
        n += 1
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/managed-by": "netpol-tui"},
        },
        "spec": {
            "podSelector": {},
            "policyTypes": [EGRESS],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {"matchLabels": {NS_NAME_LABEL: "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        },
    }
