"""The pieces of one CNP/CCNP rule item (core/cilium/parse.py): CIDR set entries, Service and FQDN peers,
toPorts with their ports and L7 sections, and ICMP fields."""

from __future__ import annotations

from typing import Any

from netpol_tui.core.cilium import icmp
from netpol_tui.core.cilium.model import (
    CIDRPeer,
    CiliumSelector,
    FQDNPeer,
    IcmpFamily,
    IcmpField,
    IPNetwork,
    L4Proto,
    L7Kind,
    PortProtocol,
    PortRule,
    Section,
    ServicePeer,
    Unjudged,
)
from netpol_tui.core.cilium.parse_fields import (
    CiliumBad,
    _list,
    _map,
    _network,
    _str,
    parse_endpoint_selector,
)
from netpol_tui.core.problems import (
    BadEndPort,
    BadPortName,
    CiliumBadIcmpFamily,
    CiliumBadIcmpType,
    CiliumBadPort,
    CiliumBadProtocol,
    CiliumCidrSetEntry,
    CiliumDenyL7,
    CiliumFqdnEntry,
    CiliumServicePeer,
    ExceptOutsideCidr,
    MissingField,
    WrongType,
)
from netpol_tui.core.validation import ascii_number, port_name_fault


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
    given = ascii_number(text)  # ASCII digits only: '٨٠' is not port 80
    if given is not None:
        number = given
        if number > 65535:
            raise CiliumBad(CiliumBadPort(field=f"{path}.port", value=text))
    else:
        # a name, checked as the API server checks a NetworkPolicy's (IANA service name; Cilium lowercases it)
        fault = port_name_fault(text.lower())
        if fault is not None:
            raise CiliumBad(BadPortName(field=f"{path}.port", value=text, fault=fault))
        name = text.lower()
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
    given = ascii_number(text)  # ASCII digits only
    if given is not None:
        number = given
        if number > 255:
            raise CiliumBad(CiliumBadIcmpType(field=f"{path}.type", value=text, family=family.value))
        return IcmpField(index, family, number)
    number_or_none = icmp.type_number(family, text)
    if number_or_none is None:
        raise CiliumBad(CiliumBadIcmpType(field=f"{path}.type", value=text, family=family.value))
    return IcmpField(index, family, number_or_none, type_name=text)
