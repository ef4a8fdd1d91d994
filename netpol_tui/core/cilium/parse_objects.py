"""Plain dicts → the non-policy Cilium model objects: CiliumCIDRGroup, Node, Service, Endpoints, EndpointSlice
and the ConfigMap kube-system/cilium-config (dispatched by core/cilium/parse.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from netpol_tui.core.cilium.model import (
    AllowLocalhost,
    CIDRGroup,
    CiliumConfig,
    EnablePolicy,
    Endpoints,
    Node,
    Service,
    ServicePort,
)
from netpol_tui.core.cilium.parse_fields import (
    CiliumBad,
    Notes,
    _ip_text,
    _labels,
    _list,
    _map,
    _meta,
    _network,
    _str,
)
from netpol_tui.core.model import Origin
from netpol_tui.core.problems import (
    BadPort,
    BadPortName,
    CiliumConfigBadValue,
    WrongType,
)
from netpol_tui.core.validation import port_name_fault


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
        if not 1 <= number <= 65535:
            raise CiliumBad(BadPort(field=f"spec.ports[{i}].port", value=str(number)))
        target = p.get("targetPort")
        if target is not None and (isinstance(target, bool) or not isinstance(target, int | str)):
            raise CiliumBad(
                WrongType(
                    field=f"spec.ports[{i}].targetPort", want="integer or name", got=type(target).__name__
                )
            )
        if isinstance(target, int) and not 1 <= target <= 65535:
            raise CiliumBad(BadPort(field=f"spec.ports[{i}].targetPort", value=str(target)))
        if isinstance(target, str) and (fault := port_name_fault(target)) is not None:
            # a string targetPort is a name for the API server, so '8080' and '٨٠' are refused
            raise CiliumBad(BadPortName(field=f"spec.ports[{i}].targetPort", value=target, fault=fault))
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
