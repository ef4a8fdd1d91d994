"""The compiled form of the CNP/CCNP rules (core/cilium/engine.py): `RuleCompiler` turns each endpoint rule once
into a `CompiledRule` (effective endpoint selectors with their implicit namespace and cluster terms, CIDR groups
and Services resolved); `_Selection` is the rules that select one pod, grouped by policy per direction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from netpol_tui.core.cilium.matchers import (
    CLUSTER_REQ_KEY,
    NS_REQ_KEY,
    CIDRTarget,
    CompiledItem,
    EndpointPeer,
    ServiceTarget,
)
from netpol_tui.core.cilium.model import (
    NAMESPACE_KEY,
    CIDRGroup,
    CiliumConfig,
    CiliumPolicy,
    CiliumRule,
    CiliumSelector,
    Endpoints,
    PolicyKind,
    RuleItem,
    Section,
    Service,
)
from netpol_tui.core.cilium.parse_fields import split_key
from netpol_tui.core.selectors import EQUALS, LabelSelector, Operator, Requirement


@dataclass(frozen=True, slots=True)
class CompiledRule:
    policy: CiliumPolicy
    rule: CiliumRule
    subject: LabelSelector | None  # None: selects nothing (an invalid selector)
    items: Mapping[Section, tuple[CompiledItem, ...]]


class RuleCompiler:
    """Compiles the rules of one snapshot against its CIDR groups, Services and Endpoints."""

    def __init__(
        self,
        config: CiliumConfig,
        groups: Mapping[str, CIDRGroup],
        services: Mapping[str, Service],
        endpoints: Mapping[str, Endpoints],
    ) -> None:
        self.config = config
        self._groups = groups
        self._services = services
        self._endpoints = endpoints

    def compile_rule(self, pol: CiliumPolicy, rule: CiliumRule, numbers: dict[Section, int]) -> CompiledRule:
        assert rule.endpoint_selector is not None
        items: dict[Section, tuple[CompiledItem, ...]] = {}
        for section in Section:
            out = []
            for item in rule.section(section):
                out.append(self._compile_item(pol, item, numbers[section]))
                numbers[section] += 1
            items[section] = tuple(out)
        return CompiledRule(pol, rule, self._subject(pol, rule.endpoint_selector), items)

    def _subject(self, pol: CiliumPolicy, sel: CiliumSelector) -> LabelSelector | None:
        if sel.invalid:
            return None
        if pol.kind is PolicyKind.CCNP:
            return sel.selector
        reqs = [r for r in sel.selector.requirements if split_key(r.key)[1] != NAMESPACE_KEY]
        reqs.append(Requirement(NS_REQ_KEY, EQUALS, (pol.namespace,)))
        return LabelSelector(tuple(reqs))

    def _peer_selector(self, pol: CiliumPolicy, index: int, sel: CiliumSelector) -> EndpointPeer:
        reqs = list(sel.selector.requirements)
        implicit: set[str] = set()
        if not sel.has_reserved:
            if not sel.names_namespace:
                if pol.kind is PolicyKind.CNP:
                    if not sel.names_namespace_labels:
                        reqs.append(Requirement(NS_REQ_KEY, EQUALS, (pol.namespace,)))
                        implicit.add(NS_REQ_KEY)
                else:
                    reqs.append(Requirement(NS_REQ_KEY, Operator.EXISTS))
                    implicit.add(NS_REQ_KEY)
            if self.config.policy_default_local_cluster and not sel.names_cluster:
                reqs.append(Requirement(CLUSTER_REQ_KEY, EQUALS, (self.config.cluster_name,)))
                implicit.add(CLUSTER_REQ_KEY)
        return EndpointPeer(
            index, LabelSelector(tuple(reqs)), frozenset(implicit), sel.has_reserved, bool(sel.invalid)
        )

    def _compile_item(self, pol: CiliumPolicy, item: RuleItem, number: int) -> CompiledItem:
        endpoints = tuple(self._peer_selector(pol, i, s) for i, s in enumerate(item.endpoints))
        nodes = tuple(
            EndpointPeer(i, s.selector, frozenset(), s.has_reserved, bool(s.invalid))
            for i, s in enumerate(item.nodes)
        )
        cidrs: list[CIDRTarget] = []
        for c in item.cidrs:
            if c.cidr is not None:
                cidrs.append(CIDRTarget(c.index, c.text, (c.cidr,), c.excepts))
            elif c.group_ref:
                group = self._groups.get(c.group_ref)
                nets = tuple(n for _, n in group.cidrs) if group is not None else ()
                cidrs.append(CIDRTarget(c.index, c.group_ref, nets, c.excepts, group_missing=group is None))
            else:
                assert c.group_selector is not None
                gsel = c.group_selector
                chosen = [
                    g for g in self._groups.values() if not gsel.invalid and gsel.selector.matches(g.labels)
                ]
                nets = tuple(n for g in chosen for _, n in g.cidrs)
                text = ",".join(g.name for g in chosen)
                cidrs.append(CIDRTarget(c.index, text, nets, c.excepts))
        services: list[ServiceTarget] = []
        for sp in item.services:
            if sp.selector is None:
                ns = sp.namespace or (pol.namespace if pol.kind is PolicyKind.CNP else "default")
                svc = self._services.get(f"{ns}/{sp.name}")
                chosen_svcs = [svc] if svc is not None else []
                label = f"{ns}/{sp.name}"
            else:
                ns = sp.namespace or (pol.namespace if pol.kind is PolicyKind.CNP else "")
                sel = sp.selector
                chosen_svcs = [
                    s
                    for s in self._services.values()
                    if (not ns or s.namespace == ns) and not sel.invalid and sel.selector.matches(s.labels)
                ]
                label = ",".join(s.key for s in chosen_svcs)
            pod_sels: list[tuple[str, tuple[tuple[str, str], ...]]] = []
            addrs: set[str] = set()
            for s in chosen_svcs:
                if s.selector is not None:
                    pod_sels.append((s.namespace, tuple(sorted(s.selector.items()))))
                else:
                    ep = self._endpoints.get(s.key)
                    if ep is not None:
                        addrs.update(ep.addresses)
            services.append(
                ServiceTarget(sp.index, label, bool(chosen_svcs), tuple(pod_sels), frozenset(addrs))
            )
        return CompiledItem(item, number, endpoints, nodes, tuple(cidrs), tuple(services))


@dataclass(frozen=True, slots=True)
class _Group:
    """The rules of one policy that select a pod, and which of them isolate / were kept open, for one direction."""

    policy: CiliumPolicy
    rules: tuple[CompiledRule, ...]
    isolating: tuple[str, ...]
    kept_open: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Selection:
    rules: tuple[CompiledRule, ...]
    labels: Mapping[str, str]  # the identity labels it was computed for (a rebuilt pod is not the cached one)
    ingress: tuple[_Group, ...]
    egress: tuple[_Group, ...]
    isolated_ingress: bool
    isolated_egress: bool
    dns_visible: bool


_NO_SELECTION = _Selection((), {}, (), (), False, False, False)
