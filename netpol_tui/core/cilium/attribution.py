"""Our attribution next to Hubble's: the policies Hubble names in `*_denied_by` / `*_allowed_by` compared with
the deny items and allow items our evaluation found, and the labels Hubble reports for an endpoint compared with
the identity we derive from the snapshot (Hubble's are what the datapath used)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from netpol_tui.core.cilium.engine import CiliumSide
from netpol_tui.core.cilium.model import Direction
from netpol_tui.core.model import PolicyRef


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
