"""Workloads, not pods: pods grouped by owner and selected by the stable labels all of them share.

A Deployment's pods (through their ReplicaSet), a StatefulSet's, a DaemonSet's, a Job's or CronJob's are one
workload; a bare pod is its own. A workload is selected by the labels that every one of its pods carries with the
same value, leaving out the labels that name one instance or one rollout (`pod-template-hash` & co). When that
selector would also select pods of another workload of the namespace, `matchExpressions` on stable labels tell
them apart (checked with the project's selector engine); when nothing can, or when the pods share no stable label
at all, the workload gets no selector and is reported instead of being selected by something fragile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from netpol_tui.core.manifests import parse_selector
from netpol_tui.core.model import Pod, Workload
from netpol_tui.core.selectors import LabelSelector

# Labels that name one instance or one rollout of a workload: never selected on.
UNSTABLE_LABELS = frozenset(
    {
        "pod-template-hash",
        "controller-revision-hash",
        "statefulset.kubernetes.io/pod-name",
        "pod-template-generation",
        "controller-uid",
        "batch.kubernetes.io/controller-uid",
        "apps.kubernetes.io/pod-index",
        "job-name",
        "batch.kubernetes.io/job-name",
        "batch.kubernetes.io/job-completion-index",
    }
)
# Labels added by the datapath or the runtime, not by the workload's author.
UNSTABLE_PREFIXES = ("io.cilium.", "io.kubernetes.")

BARE_POD = "Pod"


def is_stable(key: str) -> bool:
    return key not in UNSTABLE_LABELS and not key.startswith(UNSTABLE_PREFIXES)


# Labels Cilium leaves out of a pod's identity (reference §2): a CNP selector on one of them matches nothing
_CILIUM_DROPPED_PREFIXES = ("kubernetes.io", "k8s.io", "beta.kubernetes.io", "annotation.")


def is_stable_for_cilium(key: str) -> bool:
    """Stable, and kept in the pod's Cilium identity (so that an endpointSelector on it selects)."""
    return is_stable(key) and not key.startswith(_CILIUM_DROPPED_PREFIXES)


Stable = Callable[[str], bool]


@dataclass(frozen=True, slots=True, order=True)
class WorkloadId:
    namespace: str
    kind: str  # Deployment, StatefulSet, DaemonSet, Job, CronJob, ReplicaSet, ..., or "Pod" for a bare pod
    name: str

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.kind}/{self.name}"


class SelectorIssue(StrEnum):
    NONE = ""
    NO_STABLE_LABEL = "no_stable_label"  # its pods share no stable label
    INDISTINGUISHABLE = "indistinguishable"  # its stable labels cannot tell it from another workload


@dataclass(frozen=True, slots=True)
class WorkloadSelection:
    workload: WorkloadId
    pods: tuple[str, ...]  # pod keys
    selector: Mapping[str, Any] | None  # a LabelSelector as a dict; None when no selector can be trusted
    issue: SelectorIssue = SelectorIssue.NONE
    others: tuple[WorkloadId, ...] = ()  # INDISTINGUISHABLE: the workloads it cannot be told apart from


def workload_of(pod: Pod) -> WorkloadId:
    """The pod's owning workload (ReplicaSet → Deployment by its template hash); a bare pod is its own."""
    wl = pod.workload
    if wl is None or not wl.name or wl.kind in ("", BARE_POD):
        return WorkloadId(pod.namespace, BARE_POD, pod.name)
    kind, name = wl.kind, wl.name
    if kind == "ReplicaSet":
        hash_ = pod.labels.get("pod-template-hash")
        if hash_ and name.endswith("-" + hash_):
            kind, name = "Deployment", name[: -len(hash_) - 1]
    return WorkloadId(pod.namespace, kind, name)


def infer_workload(pod_name: str, labels: Mapping[str, str]) -> Workload | None:
    """The owner of a pod known only from a flow without workload information, read off its name and labels:
    `<deployment>-<pod-template-hash>-<suffix>`, or a StatefulSet's `<name>-<ordinal>`."""
    hash_ = labels.get("pod-template-hash")
    if hash_ and f"-{hash_}-" in pod_name:
        return Workload("Deployment", pod_name.split(f"-{hash_}-", 1)[0])
    if labels.get("statefulset.kubernetes.io/pod-name") == pod_name:
        base, _, ordinal = pod_name.rpartition("-")
        if base and ordinal.isdigit():
            return Workload("StatefulSet", base)
    return None


def group_by_workload(pods: Iterable[Pod]) -> dict[WorkloadId, list[Pod]]:
    groups: dict[WorkloadId, list[Pod]] = {}
    for pod in pods:
        groups.setdefault(workload_of(pod), []).append(pod)
    return groups


def shared_stable_labels(pods: Iterable[Pod], stable: Stable = is_stable) -> dict[str, str]:
    shared: dict[str, str] | None = None
    for pod in pods:
        mine = {k: v for k, v in pod.labels.items() if stable(k)}
        if shared is None:
            shared = mine
        else:
            shared = {k: v for k, v in shared.items() if mine.get(k) == v}
    return dict(sorted((shared or {}).items()))


def _compiled(selector: Mapping[str, Any]) -> LabelSelector:
    return parse_selector(selector, "podSelector")


def _exclusions(
    own: list[Pod], offenders: list[Pod], stable: Stable = is_stable
) -> list[dict[str, Any]] | None:
    """matchExpressions on stable keys that keep every own pod and drop every offender (None: impossible)."""
    keys = sorted({k for p in (*own, *offenders) for k in p.labels if stable(k)})
    remaining = list(offenders)
    chosen: list[dict[str, Any]] = []
    while remaining:
        best: tuple[int, dict[str, Any], list[Pod]] | None = None
        for key in keys:
            own_values = {q.labels.get(key) for q in own}
            candidates: list[tuple[dict[str, Any], list[Pod]]] = []
            if own_values == {None}:
                candidates.append(
                    ({"key": key, "operator": "DoesNotExist"}, [p for p in remaining if key in p.labels])
                )
            elif None not in own_values:
                candidates.append(
                    ({"key": key, "operator": "Exists"}, [p for p in remaining if key not in p.labels])
                )
            values = {p.labels[key] for p in remaining if key in p.labels} - own_values
            if values:
                expr = {"key": key, "operator": "NotIn", "values": sorted(v for v in values if v is not None)}
                candidates.append((expr, [p for p in remaining if p.labels.get(key) in values]))
            for expr, dropped in candidates:
                if dropped and (best is None or len(dropped) > best[0]):
                    best = (len(dropped), expr, dropped)
        if best is None:
            return None
        chosen.append(best[1])
        gone = {id(p) for p in best[2]}
        remaining = [p for p in remaining if id(p) not in gone]
    return chosen


def select_workloads(
    groups: Mapping[WorkloadId, list[Pod]], stable: Stable = is_stable
) -> dict[WorkloadId, WorkloadSelection]:
    """A selector for every workload of ONE namespace (the groups given are the whole namespace). `stable`: the
    label keys a selector may use (`is_stable_for_cilium` for a CiliumNetworkPolicy)."""
    out: dict[WorkloadId, WorkloadSelection] = {}
    for wid in sorted(groups):
        own = groups[wid]
        pod_keys = tuple(sorted(p.key for p in own))
        labels = shared_stable_labels(own, stable)
        if not labels:
            out[wid] = WorkloadSelection(wid, pod_keys, None, SelectorIssue.NO_STABLE_LABEL)
            continue
        selector: dict[str, Any] = {"matchLabels": labels}
        first = _compiled(selector)
        offenders = [
            p for other, pods in groups.items() if other != wid for p in pods if first.matches(p.labels)
        ]
        if offenders:
            exprs = _exclusions(own, offenders, stable)
            if exprs is None:
                others = tuple(sorted({workload_of(p) for p in offenders}))
                out[wid] = WorkloadSelection(wid, pod_keys, None, SelectorIssue.INDISTINGUISHABLE, others)
                continue
            selector["matchExpressions"] = exprs
        # the selector is checked with the same engine the evaluator uses: all own pods, no other pod
        final = _compiled(selector)
        if not all(final.matches(p.labels) for p in own) or any(
            final.matches(p.labels) for other, pods in groups.items() if other != wid for p in pods
        ):
            others = tuple(sorted(o for o in groups if o != wid))
            out[wid] = WorkloadSelection(wid, pod_keys, None, SelectorIssue.INDISTINGUISHABLE, others)
            continue
        out[wid] = WorkloadSelection(wid, pod_keys, selector)
    return out
