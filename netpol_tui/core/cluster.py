"""ClusterSnapshot: one immutable view of Namespaces, Pods and NetworkPolicies, with its indexes.

A snapshot is never edited: a change in the cluster makes a new one (`with_changes`, or `build` again). Sources
build it from the parser's output; the evaluator (`core.evaluate.Evaluator`) is made once per snapshot and cached
on it. The dependency goes one way: evaluate.py knows a snapshot only as the `SnapshotIndex` protocol.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.evaluate import Evaluator
from netpol_tui.core.evaluate_cilium import CiliumEvaluator
from netpol_tui.core.manifests import ParseResult
from netpol_tui.core.model import NS_NAME_LABEL, Namespace, Pod
from netpol_tui.core.policy import NetworkPolicy
from netpol_tui.core.problems import Problem


def has_cilium_objects(objs: CiliumObjects) -> bool:
    return bool(
        objs.policies
        or objs.groups
        or objs.nodes
        or objs.services
        or objs.endpoints
        or objs.config is not None
    )


@dataclass(frozen=True, slots=True)
class Coverage:
    """What the snapshot could not see: resources we were refused, policy kinds we do not evaluate."""

    forbidden: tuple[str, ...] = ()  # resources the source was not allowed to list, e.g. "networkpolicies"
    not_evaluated: tuple[tuple[str, int], ...] = ()  # (kind, count), e.g. ("CiliumNetworkPolicy", 3)
    namespace_scope: str = ""  # set when only one namespace is watched

    @property
    def complete(self) -> bool:
        return not self.forbidden and not self.not_evaluated and not self.namespace_scope


class ClusterSnapshot:
    """Namespaces, Pods and NetworkPolicies at one moment, indexed for lookups. Treat as read-only."""

    __slots__ = (
        "namespaces",
        "pods",
        "policies",
        "problems",
        "skipped_kinds",
        "coverage",
        "source",
        "taken_at",
        "revision",
        "cilium",
        "_by_ip",
        "_by_ns",
        "_policies_by_ns",
        "_evaluator",
    )

    def __init__(
        self,
        namespaces: Iterable[Namespace] = (),
        pods: Iterable[Pod] = (),
        policies: Iterable[NetworkPolicy] = (),
        *,
        problems: Iterable[Problem] = (),
        skipped_kinds: Mapping[str, int] | None = None,
        coverage: Coverage = Coverage(),
        source: str = "",
        taken_at: float = 0.0,
        revision: int = 0,
        cilium: CiliumObjects | None = None,
    ) -> None:
        self.namespaces: dict[str, Namespace] = {}
        for ns in namespaces:
            self.namespaces[ns.name] = ns
        self.pods: dict[str, Pod] = {}
        for pod in pods:
            self.pods[pod.key] = pod
        # a pod whose namespace object we do not have (e.g. namespaces not listed): the API server always labels
        # a namespace with its name, so that one label is known for sure
        for pod in self.pods.values():
            if pod.namespace not in self.namespaces:
                self.namespaces[pod.namespace] = Namespace(pod.namespace, {NS_NAME_LABEL: pod.namespace})
        pols: dict[str, NetworkPolicy] = {}
        for pol in policies:
            pols[pol.key] = pol  # a later object with the same name replaces the earlier one, as in the API
        self.policies: tuple[NetworkPolicy, ...] = tuple(pols.values())
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.skipped_kinds: dict[str, int] = dict(skipped_kinds or {})
        self.coverage = coverage
        self.source = source
        self.taken_at = taken_at
        self.revision = revision
        # Cilium's objects (policies, CIDR groups, nodes, services, cilium-config); None when there are none
        self.cilium = cilium if cilium is not None and has_cilium_objects(cilium) else None
        self._by_ip: dict[str, Pod] | None = None
        self._by_ns: dict[str, list[Pod]] | None = None
        self._policies_by_ns: dict[str, list[NetworkPolicy]] | None = None
        self._evaluator: Evaluator | None = None

    @classmethod
    def from_parse(cls, parsed: ParseResult, **kwargs: Any) -> ClusterSnapshot:
        coverage = kwargs.pop("coverage", None) or Coverage(
            not_evaluated=tuple(sorted(parsed.not_evaluated.items()))
        )
        return cls(
            parsed.namespaces,
            parsed.pods,
            parsed.policies,
            problems=parsed.problems,
            skipped_kinds=Counter(parsed.skipped_kinds),
            coverage=coverage,
            **{"cilium": parsed.cilium, **kwargs},
        )

    # --- lookups -------------------------------------------------------------------------------------------
    def pod(self, key: str) -> Pod | None:
        return self.pods.get(key)

    def namespace(self, name: str) -> Namespace | None:
        return self.namespaces.get(name)

    def pod_by_ip(self, ip: str) -> Pod | None:
        """The running pod with this IP (hostNetwork pods share the node's IP and are never returned here)."""
        if self._by_ip is None:
            index: dict[str, Pod] = {}
            for pod in self.pods.values():
                if pod.host_network:
                    continue
                for addr in pod.ips:
                    # prefer a Running pod when a finished one left its IP behind
                    current = index.get(addr)
                    if current is None or (current.phase != "Running" and pod.phase == "Running"):
                        index[addr] = pod
            self._by_ip = index
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            return None
        return self._by_ip.get(ip)

    def pods_in(self, namespace: str) -> list[Pod]:
        if self._by_ns is None:
            by_ns: dict[str, list[Pod]] = {}
            for pod in self.pods.values():
                by_ns.setdefault(pod.namespace, []).append(pod)
            self._by_ns = by_ns
        return self._by_ns.get(namespace, [])

    def policies_in(self, namespace: str) -> list[NetworkPolicy]:
        if self._policies_by_ns is None:
            by_ns: dict[str, list[NetworkPolicy]] = {}
            for pol in self.policies:
                by_ns.setdefault(pol.namespace, []).append(pol)
            self._policies_by_ns = by_ns
        return self._policies_by_ns.get(namespace, [])

    def policy(self, namespace: str, name: str) -> NetworkPolicy | None:
        for pol in self.policies_in(namespace):
            if pol.name == name:
                return pol
        return None

    @property
    def evaluator(self) -> Evaluator:
        """The compiled evaluator of this snapshot (built on first use, then reused)."""
        if self._evaluator is None:
            # with Cilium objects: NetworkPolicy, CNP and CCNP judged together (core/evaluate_cilium.py)
            self._evaluator = Evaluator(self) if self.cilium is None else CiliumEvaluator(self, self.cilium)
        return self._evaluator

    # --- derived snapshots ----------------------------------------------------------------------------------
    def with_changes(
        self,
        *,
        namespaces: Iterable[Namespace] = (),
        pods: Iterable[Pod] = (),
        policies: Iterable[NetworkPolicy] = (),
        remove_pods: Iterable[str] = (),
        remove_policies: Iterable[str] = (),
        **kwargs: Any,
    ) -> ClusterSnapshot:
        """A new snapshot with objects added or replaced (by key) and others removed."""
        ns = dict(self.namespaces)
        for n in namespaces:
            ns[n.name] = n
        pod_map = dict(self.pods)
        for key in remove_pods:
            pod_map.pop(key, None)
        for pod in pods:
            pod_map[pod.key] = pod
        pol_map = {p.key: p for p in self.policies}
        for key in remove_policies:
            pol_map.pop(key, None)
        for pol in policies:
            pol_map[pol.key] = pol
        args: dict[str, Any] = dict(
            problems=self.problems,
            skipped_kinds=self.skipped_kinds,
            coverage=self.coverage,
            source=self.source,
            taken_at=self.taken_at,
            revision=self.revision + 1,
            cilium=self.cilium,
        )
        args.update(kwargs)
        return ClusterSnapshot(ns.values(), pod_map.values(), pol_map.values(), **args)

    def counts(self) -> dict[str, int]:
        return {"namespaces": len(self.namespaces), "pods": len(self.pods), "policies": len(self.policies)}

    def __repr__(self) -> str:
        c = self.counts()
        return f"<ClusterSnapshot {c['namespaces']} ns, {c['pods']} pods, {c['policies']} policies>"
