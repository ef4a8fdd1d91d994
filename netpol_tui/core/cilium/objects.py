"""A collection of parsed Cilium objects (what a snapshot carries besides Namespaces, Pods and NetworkPolicies)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netpol_tui.core.cilium.engine import CiliumContext
from netpol_tui.core.cilium.model import (
    CIDRGroup,
    CiliumConfig,
    CiliumObject,
    CiliumPolicy,
    Endpoints,
    Node,
    Service,
)
from netpol_tui.core.cilium.parse import handles, parse_cilium_object
from netpol_tui.core.model import Origin
from netpol_tui.core.problems import Problem


@dataclass
class CiliumObjects:
    policies: list[CiliumPolicy] = field(default_factory=list)
    groups: list[CIDRGroup] = field(default_factory=list)
    nodes: list[Node] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    endpoints: list[Endpoints] = field(default_factory=list)
    config: CiliumConfig | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)

    def add(self, obj: CiliumObject) -> None:
        if isinstance(obj, CiliumPolicy):
            self.policies.append(obj)
        elif isinstance(obj, CIDRGroup):
            self.groups.append(obj)
        elif isinstance(obj, Node):
            self.nodes.append(obj)
        elif isinstance(obj, Service):
            self.services.append(obj)
        elif isinstance(obj, Endpoints):
            self.endpoints.append(obj)
        else:
            self.config = obj

    def parse(self, doc: Mapping[str, Any], origin: Origin = Origin(), kind: str = "") -> bool:
        """Parse one object if it is of a Cilium-related kind; False when it is not ours. `kind`: the kind a
        List implies for an item that has none."""
        if not handles(doc, kind):
            return False
        result = parse_cilium_object(doc, origin, kind)
        if result.obj is not None:
            self.add(result.obj)
        self.problems += result.problems
        self.notes += result.notes
        return True

    def extend(self, other: CiliumObjects) -> None:
        self.policies += other.policies
        self.groups += other.groups
        self.nodes += other.nodes
        self.services += other.services
        self.endpoints += other.endpoints
        self.config = other.config or self.config
        self.problems += other.problems
        self.notes += other.notes

    @property
    def is_cilium(self) -> bool:
        """The cluster runs Cilium as far as we can tell: cilium-config is present, or Cilium policies are."""
        return self.config is not None or bool(self.policies) or bool(self.groups)

    def context(self) -> CiliumContext:
        # a later object with the same key replaces an earlier one, as in the API
        pols = {(p.kind, p.namespace, p.name): p for p in self.policies}
        return CiliumContext(
            policies=tuple(pols.values()),
            groups=tuple({g.name: g for g in self.groups}.values()),
            nodes=tuple({n.name: n for n in self.nodes}.values()),
            services=tuple({s.key: s for s in self.services}.values()),
            endpoints=tuple({e.key: e for e in self.endpoints}.values()),
            config=self.config or CiliumConfig(),
        )


def collect(docs: Iterable[Mapping[str, Any]], origin: Origin = Origin()) -> CiliumObjects:
    out = CiliumObjects()
    for doc in docs:
        out.parse(doc, origin)
    return out
