"""Plain dicts → the Cilium model (core/cilium/model.py), with problems that name the object and the field path.

`parse_cilium_object(doc, origin)` handles CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy, CiliumCIDRGroup,
Node, Service, Endpoints, EndpointSlice and the ConfigMap kube-system/cilium-config. A bad field makes the object
a `Problem` (core/problems.py: one type per kind, with origin, `kind ns/name`, dotted field path) and the object is left
out, as core/manifests.py does for NetworkPolicy. Things that are valid but not judged (host policies, a selector
that selects nothing, a bad cilium-config value that falls back to its default) become notes: Problems of their
own types (`skips_object` False) that do not drop the object.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netpol_tui.core.cilium import icmp
from netpol_tui.core.cilium.model import (
    CLUSTER_KEY,
    NAMESPACE_KEY,
    NAMESPACE_LABELS_PREFIX,
    AllowLocalhost,
    CIDRGroup,
    CIDRPeer,
    CiliumConfig,
    CiliumObject,
    CiliumPolicy,
    CiliumRule,
    CiliumSelector,
    EnablePolicy,
    Endpoints,
    Entity,
    FQDNPeer,
    IcmpFamily,
    IcmpField,
    IPNetwork,
    L4Proto,
    L7Kind,
    Node,
    PeerKind,
    PolicyKind,
    PortProtocol,
    PortRule,
    RuleItem,
    Section,
    Service,
    ServicePeer,
    ServicePort,
    Unjudged,
)
from netpol_tui.core.model import Origin
from netpol_tui.core.problems import (
    BadCidr,
    BadEndPort,
    BadIp,
    CiliumBadEntity,
    CiliumBadIcmpFamily,
    CiliumBadIcmpType,
    CiliumBadPort,
    CiliumBadProtocol,
    CiliumCidrSetEntry,
    CiliumConfigBadValue,
    CiliumDenyFqdns,
    CiliumDenyL7,
    CiliumFqdnEntry,
    CiliumHostRuleSkipped,
    CiliumIcmpsWithPorts,
    CiliumMixedPeers,
    CiliumNodeSelectorInCnp,
    CiliumNoSpec,
    CiliumRequiresIgnored,
    CiliumSelectorSelectsNothing,
    CiliumSelectorXor,
    CiliumServicePeer,
    ExceptOutsideCidr,
    MissingField,
    NoKind,
    Problem,
    WrongType,
)
from netpol_tui.core.selectors import EQUALS, OPERATORS, LabelSelector, Operator, Requirement

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
SOURCES = ("any", "k8s", "reserved", "cidr", "fqdn", "cidrgroup", "node", "container", "unspec")


@dataclass
class CiliumParse:
    """What one object gave: the object (None when it was refused), its problems and notes."""

    obj: CiliumObject | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)


class CiliumBad(Exception):
    """A field problem inside one object: the problem with its `field`; the object and origin are filled in
    where the object is known."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.code)
        self.problem = problem


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
# typed accessors
# ---------------------------------------------------------------------------------------------------------------
def _map(value: Any, path: str, *, required: bool = False) -> Mapping[str, Any]:
    if value is None:
        if required:
            raise CiliumBad(MissingField(field=path))
        return {}
    if not isinstance(value, Mapping):
        raise CiliumBad(WrongType(field=path, want="object", got=type(value).__name__))
    return value


def _list(value: Any, path: str) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise CiliumBad(WrongType(field=path, want="list", got=type(value).__name__))
    return value


def _str(value: Any, path: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise CiliumBad(MissingField(field=path))
        return ""
    if not isinstance(value, str):
        raise CiliumBad(WrongType(field=path, want="string", got=type(value).__name__))
    return value


def _opt_bool(value: Any, path: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise CiliumBad(WrongType(field=path, want="boolean", got=type(value).__name__))
    return value


def _labels(value: Any, path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in _map(value, path).items():
        if not isinstance(k, str):
            raise CiliumBad(WrongType(field=path, want="string keys", got=type(k).__name__))
        if isinstance(v, bool) or v is None or not isinstance(v, str | int | float):
            raise CiliumBad(WrongType(field=f"{path}.{k}", want="string", got=type(v).__name__))
        out[k] = v if isinstance(v, str) else str(v)
    return out


def _network(text: str, path: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise CiliumBad(BadCidr(field=path, value=text)) from None


def _ip_text(value: Any, path: str) -> str:
    text = _str(value, path)
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise CiliumBad(BadIp(field=path, value=text)) from None


def _meta(doc: Mapping[str, Any], *, namespaced: bool) -> tuple[str, str, dict[str, str]]:
    meta = _map(doc.get("metadata"), "metadata", required=True)
    name = _str(meta.get("name"), "metadata.name", required=True)
    if not name:
        raise CiliumBad(MissingField(field="metadata.name"))
    ns = (_str(meta.get("namespace"), "metadata.namespace") or "default") if namespaced else ""
    return ns, name, _labels(meta.get("labels"), "metadata.labels")


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------------
# selectors
# ---------------------------------------------------------------------------------------------------------------
def split_key(key: str) -> tuple[str, str]:
    """`k8s:app` → ("k8s", "app"); `app` → ("any", "app") (pkg/labels GetExtendedKeyFrom)."""
    source, sep, rest = key.partition(":")
    if sep and source in SOURCES:
        return source, rest
    return "any", key


def extended_key(key: str) -> str:
    source, rest = split_key(key)
    return f"{source}:{rest}"


def parse_endpoint_selector(value: Any, path: str, *, extended: bool = True) -> CiliumSelector:
    """A Cilium endpoint selector. `extended`: keys become `source:key` (identity labels); False for selectors
    over plain object labels (cidrGroupSelector, k8sServiceSelector)."""
    m = _map(value, path)
    reqs: list[Requirement] = []
    invalid = ""
    for k, v in _labels(m.get("matchLabels"), f"{path}.matchLabels").items():
        reqs.append(Requirement(extended_key(k) if extended else k, EQUALS, (v,)))
    for i, expr in enumerate(_list(m.get("matchExpressions"), f"{path}.matchExpressions") or []):
        epath = f"{path}.matchExpressions[{i}]"
        expr = _map(expr, epath)
        key = _str(expr.get("key"), f"{epath}.key", required=True)
        op = _str(expr.get("operator"), f"{epath}.operator", required=True)
        values = _list(expr.get("values"), f"{epath}.values") or []
        texts = tuple(_labels({str(j): v for j, v in enumerate(values)}, f"{epath}.values").values())
        if op not in OPERATORS:
            invalid = invalid or "bad_operator"
            continue  # the selector selects nothing anyway
        if op in ("In", "NotIn") and not texts:
            invalid = invalid or "values_required"
        elif op in ("Exists", "DoesNotExist") and texts:
            invalid = invalid or "values_forbidden"
        reqs.append(Requirement(extended_key(key) if extended else key, Operator(op), texts))
    bare = [split_key(r.key) for r in reqs] if extended else []
    return CiliumSelector(
        selector=LabelSelector(tuple(reqs)),
        raw=_plain(m),
        names_namespace=any(k == NAMESPACE_KEY for _, k in bare),
        names_cluster=any(k == CLUSTER_KEY for _, k in bare),
        has_reserved=any(s == "reserved" for s, _ in bare),
        names_namespace_labels=any(k.startswith(NAMESPACE_LABELS_PREFIX) for _, k in bare),
        invalid=invalid,
    )


# ---------------------------------------------------------------------------------------------------------------
# CNP / CCNP
# ---------------------------------------------------------------------------------------------------------------
Notes = list[Problem]  # notes with their `field`; the object and origin are filled in by parse_cilium_object

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
_PORT_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$")


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


def _cidr_set_entry(value: Any, path: str, index: int) -> CIDRPeer:
    m = _map(value, path)
    given = [k for k in ("cidr", "cidrGroupRef", "cidrGroupSelector") if m.get(k) is not None]
    if len(given) != 1:
        raise CiliumBad(CiliumCidrSetEntry(field=path))
    cidr: IPNetwork | None = None
    text = ""
    group_ref = ""
    group_selector: CiliumSelector | None = None
    if given[0] == "cidr":
        text = _str(m.get("cidr"), f"{path}.cidr", required=True)
        cidr = _network(text, f"{path}.cidr")
    elif given[0] == "cidrGroupRef":
        group_ref = _str(m.get("cidrGroupRef"), f"{path}.cidrGroupRef", required=True)
    else:
        group_selector = parse_endpoint_selector(
            m.get("cidrGroupSelector"), f"{path}.cidrGroupSelector", extended=False
        )
    excepts: list[tuple[str, IPNetwork]] = []
    for j, e in enumerate(_list(m.get("except"), f"{path}.except") or []):
        etext = _str(e, f"{path}.except[{j}]", required=True)
        enet = _network(etext, f"{path}.except[{j}]")
        if cidr is not None and (enet.version != cidr.version or not enet.subnet_of(cidr)):  # type: ignore[arg-type]
            raise CiliumBad(ExceptOutsideCidr(field=f"{path}.except[{j}]", value=etext, cidr=text))
        excepts.append((etext, enet))
    return CIDRPeer(
        index,
        cidr=cidr,
        text=text,
        group_ref=group_ref,
        group_selector=group_selector,
        excepts=tuple(excepts),
    )


def _service_peer(value: Any, path: str, index: int) -> ServicePeer:
    m = _map(value, path)
    if m.get("k8sService") is not None:
        s = _map(m.get("k8sService"), f"{path}.k8sService")
        name = _str(s.get("serviceName"), f"{path}.k8sService.serviceName", required=True)
        return ServicePeer(
            index, name=name, namespace=_str(s.get("namespace"), f"{path}.k8sService.namespace")
        )
    if m.get("k8sServiceSelector") is not None:
        s = _map(m.get("k8sServiceSelector"), f"{path}.k8sServiceSelector")
        sel = parse_endpoint_selector(
            _map(s.get("selector"), f"{path}.k8sServiceSelector.selector", required=True),
            f"{path}.k8sServiceSelector.selector",
            extended=False,
        )
        return ServicePeer(
            index, namespace=_str(s.get("namespace"), f"{path}.k8sServiceSelector.namespace"), selector=sel
        )
    raise CiliumBad(CiliumServicePeer(field=path))


def _fqdn(value: Any, path: str, index: int) -> FQDNPeer:
    m = _map(value, path)
    name = _str(m.get("matchName"), f"{path}.matchName")
    pattern = _str(m.get("matchPattern"), f"{path}.matchPattern")
    if bool(name) == bool(pattern):
        raise CiliumBad(CiliumFqdnEntry(field=path))
    return FQDNPeer(index, match_name=name, match_pattern=pattern)


def _port_rule(value: Any, path: str, index: int, section: Section) -> PortRule:
    m = _map(value, path)
    ports = tuple(
        _port(p, f"{path}.ports[{j}]", j) for j, p in enumerate(_list(m.get("ports"), f"{path}.ports") or [])
    )
    l7: list[L7Kind] = []
    unjudged: list[Unjudged] = []
    rules = _map(m.get("rules"), f"{path}.rules")
    for kind in L7Kind:
        key = "l7" if kind is L7Kind.L7PROTO and rules.get("l7") is not None else kind.value
        if rules.get(key) is not None:
            l7.append(kind)
    if l7:
        if section.is_deny:
            raise CiliumBad(CiliumDenyL7(field=f"{path}.rules"))
        unjudged.append(Unjudged.L7)
    if m.get("serverNames") is not None:
        unjudged.append(Unjudged.SERVER_NAMES)
    if m.get("terminatingTLS") is not None or m.get("originatingTLS") is not None:
        unjudged.append(Unjudged.TLS)
    if m.get("listener") is not None:
        unjudged.append(Unjudged.LISTENER)
    return PortRule(index, ports=ports, l7=tuple(l7), unjudged=tuple(unjudged))


def _port(value: Any, path: str, index: int) -> PortProtocol:
    m = _map(value, path)
    proto_text = _str(m.get("protocol"), f"{path}.protocol") or "ANY"
    try:
        proto = L4Proto(proto_text.upper())
    except ValueError:
        raise CiliumBad(CiliumBadProtocol(field=f"{path}.protocol", value=proto_text)) from None
    raw = m.get("port")
    if raw is None:
        raise CiliumBad(MissingField(field=f"{path}.port"))
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise CiliumBad(WrongType(field=f"{path}.port", want="string", got=type(raw).__name__))
    text = str(raw)
    number = 0
    name = ""
    if text.isdigit():
        number = int(text)
        if number > 65535:
            raise CiliumBad(CiliumBadPort(field=f"{path}.port", value=text))
    elif _PORT_NAME.match(text.lower()) and any(c.isalpha() for c in text):
        name = text.lower()
    else:
        raise CiliumBad(CiliumBadPort(field=f"{path}.port", value=text))
    end: int | None = None
    if m.get("endPort") is not None and not name:
        e = m.get("endPort")
        if isinstance(e, bool) or not isinstance(e, int):
            raise CiliumBad(WrongType(field=f"{path}.endPort", want="integer", got=type(e).__name__))
        if e > 65535 or (number and e < number):
            raise CiliumBad(BadEndPort(field=f"{path}.endPort", value=e, port=number))
        end = e if number else None
    return PortProtocol(index, port=number, name=name, end_port=end, protocol=proto)


def _icmp_field(value: Any, path: str, index: int) -> IcmpField:
    m = _map(value, path)
    fam_text = _str(m.get("family"), f"{path}.family") or "IPv4"
    try:
        family = IcmpFamily(fam_text)
    except ValueError:
        raise CiliumBad(CiliumBadIcmpFamily(field=f"{path}.family", value=fam_text)) from None
    raw = m.get("type")
    if raw is None:
        raise CiliumBad(MissingField(field=f"{path}.type"))
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise CiliumBad(WrongType(field=f"{path}.type", want="integer or name", got=type(raw).__name__))
    text = str(raw)
    if text.isdigit():
        number = int(text)
        if number > 255:
            raise CiliumBad(CiliumBadIcmpType(field=f"{path}.type", value=text, family=family.value))
        return IcmpField(index, family, number)
    number_or_none = icmp.type_number(family, text)
    if number_or_none is None:
        raise CiliumBad(CiliumBadIcmpType(field=f"{path}.type", value=text, family=family.value))
    return IcmpField(index, family, number_or_none, type_name=text)


# ---------------------------------------------------------------------------------------------------------------
# CiliumCIDRGroup, Node, Service, Endpoints, EndpointSlice, cilium-config
# ---------------------------------------------------------------------------------------------------------------
def _cidr_group(doc: Mapping[str, Any], origin: Origin) -> CIDRGroup:
    _, name, labels = _meta(doc, namespaced=False)
    spec = _map(doc.get("spec"), "spec")
    cidrs = []
    for i, c in enumerate(_list(spec.get("externalCIDRs"), "spec.externalCIDRs") or []):
        text = _str(c, f"spec.externalCIDRs[{i}]", required=True)
        cidrs.append((text, _network(text, f"spec.externalCIDRs[{i}]")))
    return CIDRGroup(name, tuple(cidrs), labels, str(doc.get("apiVersion") or ""), origin)


def _node(doc: Mapping[str, Any], origin: Origin) -> Node:
    _, name, labels = _meta(doc, namespaced=False)
    status = _map(doc.get("status"), "status")
    addrs: list[str] = []
    for i, a in enumerate(_list(status.get("addresses"), "status.addresses") or []):
        a = _map(a, f"status.addresses[{i}]")
        if a.get("type") in ("InternalIP", "ExternalIP"):
            ip = _ip_text(a.get("address"), f"status.addresses[{i}].address")
            if ip and ip not in addrs:
                addrs.append(ip)
    meta = _map(doc.get("metadata"), "metadata")
    annotations = _map(meta.get("annotations"), "metadata.annotations")
    for key in ("network.cilium.io/ipv4-cilium-host", "network.cilium.io/ipv6-cilium-host"):
        value = annotations.get(key)
        if isinstance(value, str):
            try:
                ip = str(ipaddress.ip_address(value))
            except ValueError:
                continue
            if ip not in addrs:
                addrs.append(ip)
    return Node(name, labels, tuple(addrs), origin)


def _service(doc: Mapping[str, Any], origin: Origin) -> Service:
    ns, name, labels = _meta(doc, namespaced=True)
    spec = _map(doc.get("spec"), "spec")
    selector = _labels(spec.get("selector"), "spec.selector") if spec.get("selector") is not None else None
    ports: list[ServicePort] = []
    for i, p in enumerate(_list(spec.get("ports"), "spec.ports") or []):
        p = _map(p, f"spec.ports[{i}]")
        number = p.get("port")
        if isinstance(number, bool) or not isinstance(number, int):
            raise CiliumBad(
                WrongType(field=f"spec.ports[{i}].port", want="integer", got=type(number).__name__)
            )
        target = p.get("targetPort")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | str)):
            raise CiliumBad(
                WrongType(
                    field=f"spec.ports[{i}].targetPort", want="integer or name", got=type(target).__name__
                )
            )
        ports.append(
            ServicePort(
                number,
                _str(p.get("protocol"), f"spec.ports[{i}].protocol") or "TCP",
                _str(p.get("name"), f"spec.ports[{i}].name"),
                target,
            )
        )
    ips: list[str] = []
    for i, ip in enumerate(_list(spec.get("clusterIPs"), "spec.clusterIPs") or []):
        t = _str(ip, f"spec.clusterIPs[{i}]")
        if t and t != "None" and t not in ips:
            ips.append(t)
    primary = _str(spec.get("clusterIP"), "spec.clusterIP")
    if primary and primary != "None" and primary not in ips:
        ips.insert(0, primary)
    return Service(ns, name, selector, tuple(ports), tuple(ips), labels, origin)


def _endpoints(doc: Mapping[str, Any], origin: Origin) -> Endpoints:
    ns, name, _ = _meta(doc, namespaced=True)
    addrs: list[str] = []
    for i, subset in enumerate(_list(doc.get("subsets"), "subsets") or []):
        subset = _map(subset, f"subsets[{i}]")
        for key in ("addresses", "notReadyAddresses"):
            for j, a in enumerate(_list(subset.get(key), f"subsets[{i}].{key}") or []):
                ip = _ip_text(_map(a, f"subsets[{i}].{key}[{j}]").get("ip"), f"subsets[{i}].{key}[{j}].ip")
                if ip and ip not in addrs:
                    addrs.append(ip)
    return Endpoints(ns, name, tuple(addrs), origin)


def _endpoint_slice(doc: Mapping[str, Any], origin: Origin) -> Endpoints:
    """An EndpointSlice, folded into the Endpoints of its Service (label kubernetes.io/service-name)."""
    ns, name, labels = _meta(doc, namespaced=True)
    service = labels.get("kubernetes.io/service-name") or name
    addrs: list[str] = []
    for i, ep in enumerate(_list(doc.get("endpoints"), "endpoints") or []):
        for j, a in enumerate(
            _list(_map(ep, f"endpoints[{i}]").get("addresses"), f"endpoints[{i}].addresses") or []
        ):
            ip = _ip_text(a, f"endpoints[{i}].addresses[{j}]")
            if ip and ip not in addrs:
                addrs.append(ip)
    return Endpoints(ns, service, tuple(addrs), origin)


_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off", "")


def _config(doc: Mapping[str, Any], origin: Origin, notes: Notes) -> CiliumConfig:
    data_raw = _map(doc.get("data"), "data")
    data: dict[str, str] = {}
    for k, v in data_raw.items():
        if isinstance(k, str) and isinstance(v, str | int | float | bool):
            data[k] = str(v).lower() if isinstance(v, bool) else str(v)

    def flag(key: str, default: bool) -> bool:
        if key not in data:
            return default
        text = data[key].strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        notes.append(CiliumConfigBadValue(field=f"data.{key}", value=data[key]))
        return default

    enable_policy = EnablePolicy.DEFAULT
    if "enable-policy" in data:
        try:
            enable_policy = EnablePolicy(data["enable-policy"].strip().lower())
        except ValueError:
            notes.append(CiliumConfigBadValue(field="data.enable-policy", value=data["enable-policy"]))
    allow_localhost = AllowLocalhost.AUTO
    if "allow-localhost" in data:
        try:
            allow_localhost = AllowLocalhost(data["allow-localhost"].strip().lower())
        except ValueError:
            notes.append(CiliumConfigBadValue(field="data.allow-localhost", value=data["allow-localhost"]))
    modes = data.get("policy-cidr-match-mode", "").replace(",", " ").split()
    return CiliumConfig(
        cluster_name=data.get("cluster-name", "").strip() or "default",
        enable_policy=enable_policy,
        policy_audit_mode=flag("policy-audit-mode", False),
        allow_localhost=allow_localhost,
        enable_k8s_networkpolicy=flag("enable-k8s-networkpolicy", True),
        enable_non_default_deny_policies=flag("enable-non-default-deny-policies", True),
        policy_default_local_cluster=flag("policy-default-local-cluster", True),
        policy_cidr_match_nodes="nodes" in modes,
        enable_node_selector_labels=flag("enable-node-selector-labels", False),
        enable_l7_proxy=flag("enable-l7-proxy", True),
        data=data,
        origin=origin,
    )
