"""Plain dicts → the Cilium model (core/cilium/model.py), with problems that name the object and the field path.

`parse_cilium_object(doc, origin)` handles CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumCIDRGroup,
Node, Service, Endpoints, EndpointSlice and the ConfigMap kube-system/cilium-config. A bad field makes the object
a `Problem` (core/problems.py: one type per kind, with origin, `kind ns/name`, dotted field path) and the object is left
out, as core/manifests.py does for NetworkPolicy. Things that are valid but not judged (host policies, a selector
that selects nothing, a bad cilium-config value that falls back to its default) become notes: Problems of their
own types (`skips_object` False) that do not drop the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netpol_tui.core.cilium.model import (
    CIDRPeer,
    CiliumObject,
    CiliumPolicy,
    CiliumRule,
    CiliumSelector,
    Entity,
    FQDNPeer,
    IcmpField,
    PeerKind,
    PolicyKind,
    RuleItem,
    Section,
    ServicePeer,
    Unjudged,
)
from netpol_tui.core.cilium.parse_fields import (
    CiliumBad,
    Notes,
    _list,
    _map,
    _meta,
    _network,
    _opt_bool,
    _plain,
    _str,
    parse_endpoint_selector,
)
from netpol_tui.core.cilium.parse_objects import (
    _cidr_group,
    _config,
    _endpoint_slice,
    _endpoints,
    _node,
    _service,
)
from netpol_tui.core.cilium.parse_peers import _cidr_set_entry, _fqdn, _icmp_field, _port_rule, _service_peer
from netpol_tui.core.model import Origin
from netpol_tui.core.problems import (
    CiliumBadEntity,
    CiliumDenyFqdns,
    CiliumHostRuleSkipped,
    CiliumIcmpsWithPorts,
    CiliumMixedPeers,
    CiliumNodeSelectorInCnp,
    CiliumNoSpec,
    CiliumRequiresIgnored,
    CiliumSelectorSelectsNothing,
    CiliumSelectorXor,
    NoKind,
    Problem,
)

KINDS = (
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
    "CiliumCIDRGroup",
    "Node",
    "Service",
    "Endpoints",
    "EndpointSlice",
)
CONFIG_NAMESPACE = "kube-system"
CONFIG_NAME = "cilium-config"


@dataclass
class CiliumParse:
    """What one object gave: the object (None when it was refused), its problems and notes."""

    obj: CiliumObject | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


def is_cilium_config(doc: Mapping[str, Any], kind: str = "") -> bool:
    if (kind or doc.get("kind")) != "ConfigMap":
        return False
    meta = doc.get("metadata")
    return (
        isinstance(meta, Mapping)
        and meta.get("name") == CONFIG_NAME
        and meta.get("namespace") == CONFIG_NAMESPACE
    )


def handles(doc: Mapping[str, Any], kind: str = "") -> bool:
    """Is this an object this parser reads? (`kind`: the kind a List implies for an item without one)"""
    return (kind or doc.get("kind")) in KINDS or is_cilium_config(doc, kind)


def parse_cilium_object(doc: Mapping[str, Any], origin: Origin = Origin(), kind: str = "") -> CiliumParse:
    kind = kind or str(doc.get("kind") or "")
    out = CiliumParse()
    notes: Notes = []
    try:
        if kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
            out.obj = _policy(doc, origin, PolicyKind(kind), notes)
        elif kind == "CiliumCIDRGroup":
            out.obj = _cidr_group(doc, origin)
        elif kind == "Node":
            out.obj = _node(doc, origin)
        elif kind == "Service":
            out.obj = _service(doc, origin)
        elif kind == "Endpoints":
            out.obj = _endpoints(doc, origin)
        elif kind == "EndpointSlice":
            out.obj = _endpoint_slice(doc, origin)
        elif is_cilium_config(doc, kind):
            out.obj = _config(doc, origin, notes)
        else:
            out.problems.append(NoKind(origin, obj=describe(doc, kind or "?")))
    except CiliumBad as bad:
        out.problems.append(replace(bad.problem, origin=origin, obj=describe(doc, kind)))
        out.obj = None
        return out
    out.notes = [replace(note, origin=origin, obj=describe(doc, kind)) for note in notes]
    return out


def describe(doc: Mapping[str, Any], kind: str) -> str:
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping):
        return kind
    name = meta.get("name") if isinstance(meta.get("name"), str) else "?"
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
    if kind in ("CiliumClusterwideNetworkPolicy", "CiliumCIDRGroup", "Node") or not ns:
        return f"{kind} {name}"
    return f"{kind} {ns}/{name}"


# ---------------------------------------------------------------------------------------------------------------
# CNP / CCNP
# ---------------------------------------------------------------------------------------------------------------

_PEER_KEYS: dict[str, tuple[tuple[str, PeerKind], ...]] = {
    "from": (
        ("fromEndpoints", PeerKind.ENDPOINTS),
        ("fromEntities", PeerKind.ENTITIES),
        ("fromCIDR", PeerKind.CIDR),
        ("fromCIDRSet", PeerKind.CIDR),
        ("fromNodes", PeerKind.NODES),
        ("fromGroups", PeerKind.GROUPS),
    ),
    "to": (
        ("toEndpoints", PeerKind.ENDPOINTS),
        ("toEntities", PeerKind.ENTITIES),
        ("toCIDR", PeerKind.CIDR),
        ("toCIDRSet", PeerKind.CIDR),
        ("toServices", PeerKind.SERVICES),
        ("toFQDNs", PeerKind.FQDNS),
        ("toNodes", PeerKind.NODES),
        ("toGroups", PeerKind.GROUPS),
    ),
}
_ENTITIES = {e.value: e for e in Entity}


def _policy(doc: Mapping[str, Any], origin: Origin, kind: PolicyKind, notes: Notes) -> CiliumPolicy:
    ns, name, labels = _meta(doc, namespaced=kind is PolicyKind.CNP)
    rules: list[CiliumRule] = []
    raw_specs: list[tuple[str, Any]] = []
    if doc.get("spec") is not None:
        raw_specs.append(("spec", doc.get("spec")))
    for i, s in enumerate(_list(doc.get("specs"), "specs") or []):
        raw_specs.append((f"specs[{i}]", s))
    if not raw_specs:
        raise CiliumBad(CiliumNoSpec(field="spec"))
    for index, (path, value) in enumerate(raw_specs):
        rule = _rule(value, path, index, kind, notes)
        if rule.is_host_rule:
            notes.append(CiliumHostRuleSkipped(field=f"{path}.nodeSelector"))
        rules.append(rule)
    return CiliumPolicy(
        kind=kind,
        namespace=ns,
        name=name,
        rules=tuple(rules),
        labels=labels,
        raw=doc if type(doc) is dict else _plain(doc),
        origin=origin,
    )


def _rule(value: Any, path: str, index: int, kind: PolicyKind, notes: Notes) -> CiliumRule:
    m = _map(value, path, required=True)
    has_ep = m.get("endpointSelector") is not None
    has_node = m.get("nodeSelector") is not None
    if has_ep == has_node:
        raise CiliumBad(CiliumSelectorXor(field=path))
    if has_node and kind is PolicyKind.CNP:
        raise CiliumBad(CiliumNodeSelectorInCnp(field=f"{path}.nodeSelector"))
    ep: CiliumSelector | None = None
    if has_ep:
        ep = parse_endpoint_selector(m.get("endpointSelector"), f"{path}.endpointSelector")
        if ep.invalid:
            notes.append(CiliumSelectorSelectsNothing(field=f"{path}.endpointSelector", reason=ep.invalid))
    else:
        parse_endpoint_selector(m.get("nodeSelector"), f"{path}.nodeSelector")  # still validated
    sections: dict[Section, tuple[RuleItem, ...]] = {}
    for section in Section:
        items = _list(m.get(section.value), f"{path}.{section.value}") or []
        sections[section] = tuple(
            _item(it, f"{path}.{section.value}[{i}]", i, section, notes) for i, it in enumerate(items)
        )
    edd = _map(m.get("enableDefaultDeny"), f"{path}.enableDefaultDeny")
    log = _map(m.get("log"), f"{path}.log")
    return CiliumRule(
        index=index,
        path=path,
        endpoint_selector=ep,
        ingress=sections[Section.INGRESS],
        ingress_deny=sections[Section.INGRESS_DENY],
        egress=sections[Section.EGRESS],
        egress_deny=sections[Section.EGRESS_DENY],
        default_deny_ingress=_opt_bool(edd.get("ingress"), f"{path}.enableDefaultDeny.ingress"),
        default_deny_egress=_opt_bool(edd.get("egress"), f"{path}.enableDefaultDeny.egress"),
        description=_str(m.get("description"), f"{path}.description"),
        log_value=_str(log.get("value"), f"{path}.log.value"),
    )


def _item(value: Any, path: str, index: int, section: Section, notes: Notes) -> RuleItem:
    m = _map(value, path)
    side = "from" if section.direction.value == "Ingress" else "to"
    present = [(key, pk) for key, pk in _PEER_KEYS[side] if m.get(key) is not None]
    kinds = {pk for _, pk in present}
    if len(kinds) > 1:
        raise CiliumBad(CiliumMixedPeers(field=path, keys=tuple(k for k, _ in present)))
    peer_kind = present[0][1] if present else PeerKind.NONE
    unjudged: list[Unjudged] = []
    endpoints: list[CiliumSelector] = []
    entities: list[Entity] = []
    cidrs: list[CIDRPeer] = []
    services: list[ServicePeer] = []
    fqdns: list[FQDNPeer] = []
    nodes: list[CiliumSelector] = []
    for key, pk in present:
        kpath = f"{path}.{key}"
        entries = _list(m.get(key), kpath) or []
        if pk is PeerKind.ENDPOINTS or pk is PeerKind.NODES:
            for j, e in enumerate(entries):
                sel = parse_endpoint_selector(e, f"{kpath}[{j}]")
                if sel.invalid:
                    notes.append(CiliumSelectorSelectsNothing(field=f"{kpath}[{j}]", reason=sel.invalid))
                (endpoints if pk is PeerKind.ENDPOINTS else nodes).append(sel)
        elif pk is PeerKind.ENTITIES:
            for j, e in enumerate(entries):
                text = _str(e, f"{kpath}[{j}]")
                if text not in _ENTITIES:
                    raise CiliumBad(CiliumBadEntity(field=f"{kpath}[{j}]", value=text))
                entities.append(_ENTITIES[text])
        elif pk is PeerKind.CIDR:
            offset = len(cidrs)
            for j, e in enumerate(entries):
                epath = f"{kpath}[{j}]"
                if key.endswith("CIDR"):
                    text = _str(e, epath, required=True)
                    cidrs.append(CIDRPeer(offset + j, cidr=_network(text, epath), text=text))
                else:
                    cidrs.append(_cidr_set_entry(e, epath, offset + j))
        elif pk is PeerKind.SERVICES:
            for j, e in enumerate(entries):
                services.append(_service_peer(e, f"{kpath}[{j}]", j))
        elif pk is PeerKind.FQDNS:
            if section.is_deny:
                raise CiliumBad(CiliumDenyFqdns(field=kpath))
            for j, e in enumerate(entries):
                fqdns.append(_fqdn(e, f"{kpath}[{j}]", j))
        elif pk is PeerKind.GROUPS:
            unjudged.append(Unjudged.GROUPS)
    for key in (f"{side}Requires",):
        if m.get(key) is not None:
            unjudged.append(Unjudged.REQUIRES)
            notes.append(CiliumRequiresIgnored(field=f"{path}.{key}"))
    to_ports = tuple(
        _port_rule(p, f"{path}.toPorts[{j}]", j, section)
        for j, p in enumerate(_list(m.get("toPorts"), f"{path}.toPorts") or [])
    )
    icmps: list[IcmpField] = []
    for j, ic in enumerate(_list(m.get("icmps"), f"{path}.icmps") or []):
        ipath = f"{path}.icmps[{j}]"
        for k, f in enumerate(_list(_map(ic, ipath).get("fields"), f"{ipath}.fields") or []):
            icmps.append(_icmp_field(f, f"{ipath}.fields[{k}]", len(icmps)))
    if icmps and to_ports:
        raise CiliumBad(CiliumIcmpsWithPorts(field=path))
    auth = _map(m.get("authentication"), f"{path}.authentication")
    if auth.get("mode") == "required":
        unjudged.append(Unjudged.AUTH)
    for pr in to_ports:
        unjudged.extend(u for u in pr.unjudged if u not in unjudged)
    return RuleItem(
        index=index,
        section=section,
        path=path,
        peer_kind=peer_kind,
        endpoints=tuple(endpoints),
        entities=tuple(entities),
        cidrs=tuple(cidrs),
        services=tuple(services),
        fqdns=tuple(fqdns),
        nodes=tuple(nodes),
        to_ports=to_ports,
        icmps=tuple(icmps),
        unjudged=tuple(dict.fromkeys(unjudged)),
    )
