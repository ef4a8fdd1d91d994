"""Our attribution next to Hubble's: the policies Hubble names in `*_denied_by` / `*_allowed_by` compared with
the deny items and allow items our evaluation found, and the labels Hubble reports for an endpoint compared with
the identity we derive from the snapshot (Hubble's are what the datapath used)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from netpol_tui.core.cilium.engine import CiliumSide
from netpol_tui.core.cilium.identity import identity_relevant
from netpol_tui.core.cilium.model import NAMESPACE_LABELS_PREFIX, SERVICE_ACCOUNT_KEY, Direction
from netpol_tui.core.model import Endpoint, Namespace, Pod, PolicyRef


@dataclass(frozen=True, slots=True)
class AttributionDiff:
    """Policies only Hubble named, and policies only we found, for one direction (empty tuples: they agree)."""

    direction: Direction
    denied: bool  # about *_denied_by (True) or *_allowed_by (False)
    only_hubble: tuple[str, ...]
    only_ours: tuple[str, ...]

    @property
    def agrees(self) -> bool:
        return not self.only_hubble and not self.only_ours


def _key(namespace: str, name: str, kind: str) -> str:
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _hubble_keys(refs: Iterable[PolicyRef]) -> dict[tuple[str, str], str]:
    return {(r.namespace, r.name): _key(r.namespace, r.name, r.kind or "?") for r in refs}


def compare_denied_by(
    direction: Direction, hubble: Iterable[PolicyRef], ours: CiliumSide | None
) -> AttributionDiff:
    theirs = _hubble_keys(hubble)
    mine = {
        (d.policy.namespace, d.policy.name): _key(d.policy.namespace, d.policy.name, d.policy.kind.value)
        for d in (ours.denied_by if ours is not None else ())
    }
    return AttributionDiff(
        direction,
        True,
        tuple(v for k, v in sorted(theirs.items()) if k not in mine),
        tuple(v for k, v in sorted(mine.items()) if k not in theirs),
    )


def compare_allowed_by(
    direction: Direction, hubble: Iterable[PolicyRef], ours: Iterable[tuple[str, str, str]]
) -> AttributionDiff:
    """`ours`: (namespace, name, kind) of every policy with an allow rule (of any kind) admitting the connection."""
    theirs = _hubble_keys(hubble)
    mine = {(ns, name): _key(ns, name, kind) for ns, name, kind in ours}
    return AttributionDiff(
        direction,
        False,
        tuple(v for k, v in sorted(theirs.items()) if k not in mine),
        tuple(v for k, v in sorted(mine.items()) if k not in theirs),
    )


def allowing_cilium(side: CiliumSide | None) -> list[tuple[str, str, str]]:
    if side is None:
        return []
    return [(p.policy.namespace, p.policy.name, p.policy.kind.value) for p in side.policies if p.allowed]


@dataclass(frozen=True, slots=True)
class LabelDiff:
    key: str
    hubble: str | None  # None: Hubble does not report it
    snapshot: str | None  # None: the snapshot's pod does not have it


def label_differences(
    hubble_labels: Mapping[str, str], identity_labels: Mapping[str, str]
) -> tuple[LabelDiff, ...]:
    """Keys whose value differs between Hubble's k8s labels of an endpoint and our identity labels of the pod
    (both without source prefixes; Cilium's own meta keys compared too when Hubble reports them)."""
    out = []
    for key in sorted(set(hubble_labels) | set(identity_labels)):
        h, s = hubble_labels.get(key), identity_labels.get(key)
        if h != s and (h is not None or not key.startswith("io.cilium.k8s.")):
            out.append(LabelDiff(key, h, s))
    return tuple(out)


_SA_LABEL = f"k8s:{SERVICE_ACCOUNT_KEY}="


@dataclass(frozen=True, slots=True)
class HubbleIdentity:
    """A snapshot pod as Cilium evaluated it: its labels, service account and namespace labels as Hubble reports
    them (the labels Cilium leaves out of identities kept from the snapshot), and what differs."""

    pod: Pod
    namespace: Namespace
    differences: tuple[LabelDiff, ...]


def _identity_view(
    pod_labels: Mapping[str, str], service_account: str, ns_labels: Mapping[str, str] | None
) -> dict[str, str]:
    out = {k: v for k, v in pod_labels.items() if identity_relevant(k)}
    if service_account:
        out[SERVICE_ACCOUNT_KEY] = service_account
    for k, v in (ns_labels or {}).items():
        out[NAMESPACE_LABELS_PREFIX + k] = v
    return out


def hubble_identity(ep: Endpoint, pod: Pod, namespace: Namespace) -> HubbleIdentity | None:
    """The pod with the identity labels Hubble reports for this endpoint, when they differ from the snapshot's;
    None when Hubble reports none or they agree. Keys Hubble does not report (its service account or namespace
    labels, in older versions) keep the snapshot's value."""
    if not ep.labels:
        return None
    hubble_sa = ""
    for lab in ep.other_labels:
        if lab.startswith(_SA_LABEL):
            hubble_sa = lab[len(_SA_LABEL) :]
    hubble_ns = dict(ep.namespace_labels) if ep.namespace_labels else None
    ours = _identity_view(
        pod.labels,
        (pod.service_account or "default") if hubble_sa else "",
        namespace.labels if hubble_ns is not None else None,
    )
    theirs = _identity_view(ep.labels, hubble_sa, hubble_ns)
    diffs = label_differences(theirs, ours)
    if not diffs:
        return None
    labels = {k: v for k, v in pod.labels.items() if not identity_relevant(k)}
    labels.update((k, v) for k, v in ep.labels.items() if identity_relevant(k))
    new_pod = replace(pod, labels=labels, service_account=hubble_sa or pod.service_account)
    new_ns = replace(namespace, labels=hubble_ns) if hubble_ns is not None else namespace
    return HubbleIdentity(new_pod, new_ns, diffs)
