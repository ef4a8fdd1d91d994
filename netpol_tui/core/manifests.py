"""The one parser for Kubernetes objects: plain dicts in (as YAML/JSON files or the API give them), model out.

Every source hands its objects here: the file loader, the kube watch, the demo and the test fixtures. An object
with a bad field is reported as a `Problem` naming the origin, the object (`kind ns/name`) and the field path, and
is left out; the other objects still load. Unknown kinds are skipped and counted.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from netpol_tui.core.cilium.objects import CiliumObjects
from netpol_tui.core.cilium.parse import handles as cilium_handles
from netpol_tui.core.fields import FieldError, list_field, map_field, str_field
from netpol_tui.core.model import (
    NS_NAME_LABEL,
    ContainerPort,
    Direction,
    Namespace,
    Origin,
    Pod,
    Workload,
)
from netpol_tui.core.policy import (
    EGRESS,
    INGRESS,
    IPBlock,
    NetworkPolicy,
    Peer,
    PortSpec,
    Rule,
    effective_policy_types,
)
from netpol_tui.core.problems import (
    BadCidr,
    BadEndPort,
    BadIp,
    BadLabelKey,
    BadLabelValue,
    BadOperator,
    BadPolicyType,
    BadPort,
    BadPortName,
    BadProtocol,
    EmptyPeer,
    EndPortNeedsNumber,
    ExceptEqualsCidr,
    ExceptOutsideCidr,
    IpBlockWithSelector,
    MissingField,
    NoKind,
    NotAnObject,
    Problem,
    ValuesForbidden,
    ValuesRequired,
    WrongType,
)
from netpol_tui.core.selectors import EQUALS, OPERATORS, LabelSelector, Operator, Requirement
from netpol_tui.core.validation import label_key_fault, label_value_fault, port_name_fault

CILIUM_KINDS = ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")
PROTOCOLS = ("TCP", "UDP", "SCTP")


@dataclass
class ParseResult:
    namespaces: list[Namespace] = field(default_factory=list)
    pods: list[Pod] = field(default_factory=list)
    policies: list[NetworkPolicy] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_kinds: Counter[str] = field(default_factory=Counter)  # kind -> count (unknown kinds)
    not_evaluated: Counter[str] = field(default_factory=Counter)  # kinds read but not judged -> count
    # CNP, CCNP, CiliumCIDRGroup, Node, Service, Endpoints, kube-system/cilium-config (core/cilium/parse.py)
    cilium: CiliumObjects = field(default_factory=CiliumObjects)

    def extend(self, other: ParseResult) -> None:
        self.namespaces += other.namespaces
        self.pods += other.pods
        self.policies += other.policies
        self.problems += other.problems
        self.skipped_kinds.update(other.skipped_kinds)
        self.not_evaluated.update(other.not_evaluated)
        self.cilium.extend(other.cilium)


_map = map_field
_list = list_field
_str = str_field
_Bad = FieldError  # this parser's name for the shared field error


_LIST_ITEM_KINDS = {"NamespaceList": "Namespace", "PodList": "Pod", "NetworkPolicyList": "NetworkPolicy"}


def parse_documents(docs: Iterable[tuple[Any, Origin]]) -> ParseResult:
    """Parse documents (each a decoded YAML/JSON document with where it came from)."""
    result = ParseResult()
    for doc, origin in docs:
        _parse_any(doc, origin, result, implied_kind=None)
    return result


def parse_objects(objects: Iterable[Mapping[str, Any]], origin: Origin = Origin()) -> ParseResult:
    """Parse plain object dicts that all come from one place (the kube source, the demo, tests)."""
    return parse_documents((obj, origin) for obj in objects)


def _parse_any(doc: Any, origin: Origin, result: ParseResult, implied_kind: str | None) -> None:
    if doc is None:
        return  # an empty YAML document
    if not isinstance(doc, Mapping):
        result.problems.append(NotAnObject(origin, type_name=type(doc).__name__))
        return
    kind = doc.get("kind") or implied_kind
    if not isinstance(kind, str) or not kind:
        result.problems.append(NoKind(origin, obj=_describe(doc, "?")))
        return
    if kind == "List" or kind.endswith("List"):
        items = doc.get("items")
        if items is None:
            return
        if not isinstance(items, list):
            result.problems.append(
                WrongType(origin, obj=kind, field="items", want="list", got=type(items).__name__)
            )
            return
        for item in items:
            _parse_any(item, origin, result, implied_kind=_LIST_ITEM_KINDS.get(kind))
        return
    parser = _PARSERS.get(kind)
    if parser is None and cilium_handles(doc, kind):
        found = result.cilium
        seen = len(found.problems), len(found.notes)
        found.parse(doc, origin, kind)
        result.problems += found.problems[seen[0] :] + found.notes[seen[1] :]
        return
    if parser is None:
        if kind in CILIUM_KINDS:
            result.not_evaluated[kind] += 1
        else:
            result.skipped_kinds[kind] += 1
        return
    try:
        obj = parser(doc, origin)
    except _Bad as bad:
        result.problems.append(replace(bad.problem, origin=origin, obj=_describe(doc, kind)))
        return
    if isinstance(obj, Namespace):
        result.namespaces.append(obj)
    elif isinstance(obj, Pod):
        result.pods.append(obj)
    elif isinstance(obj, NetworkPolicy):
        result.policies.append(obj)


def _describe(doc: Mapping[str, Any], kind: str) -> str:
    meta = doc.get("metadata")
    if not isinstance(meta, Mapping):
        return kind
    name = meta.get("name") if isinstance(meta.get("name"), str) else "?"
    ns = meta.get("namespace") if isinstance(meta.get("namespace"), str) else ""
    if kind == "Namespace" or not ns:
        return f"{kind} {name}"
    return f"{kind} {ns}/{name}"


# ---------------------------------------------------------------------------------------------------------------
# typed accessors that raise _Bad with the field path
# ---------------------------------------------------------------------------------------------------------------


def _bool(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _Bad(WrongType(field=path, want="boolean", got=type(value).__name__))
    return value


def _int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(WrongType(field=path, want="integer", got=type(value).__name__))
    return value


def _labels(value: Any, path: str, *, check_keys: bool = True) -> dict[str, str]:
    """A label map (metadata.labels, matchLabels) as the API server accepts it: valid keys and values.
    `check_keys=False`: a list of values keyed by their index (matchExpressions values)."""
    m = _map(value, path)
    out: dict[str, str] = {}
    for k, v in m.items():
        if not isinstance(k, str):
            raise _Bad(WrongType(field=f"{path}", want="string keys", got=type(k).__name__))
        if isinstance(v, bool) or v is None or not isinstance(v, str | int | float):
            raise _Bad(WrongType(field=f"{path}.{k}", want="string", got=type(v).__name__))
        # YAML turns `version: 1` or `enabled: yes`-like values into numbers; the API would reject them, but
        # a person reading the file means the string. Keep the text form.
        text = v if isinstance(v, str) else str(v)
        if check_keys:
            fault = label_key_fault(k)
            if fault is not None:
                raise _Bad(BadLabelKey(field=path, value=k, fault=fault))
        fault = label_value_fault(text)
        if fault is not None:
            raise _Bad(
                BadLabelValue(field=f"{path}.{k}" if check_keys else f"{path}[{k}]", value=text, fault=fault)
            )
        out[k] = text
    return out


def _meta(doc: Mapping[str, Any], *, namespaced: bool) -> tuple[str, str, dict[str, str], Mapping[str, Any]]:
    meta = _map(doc.get("metadata"), "metadata", required=True)
    name = _str(meta.get("name"), "metadata.name", required=True)
    if not name:
        raise _Bad(MissingField(field="metadata.name"))
    ns = _str(meta.get("namespace"), "metadata.namespace") if namespaced else ""
    if namespaced and not ns:
        ns = "default"
    labels = _labels(meta.get("labels"), "metadata.labels")
    return ns, name, labels, meta


# ---------------------------------------------------------------------------------------------------------------
# Namespace, Pod
# ---------------------------------------------------------------------------------------------------------------
def parse_namespace(doc: Mapping[str, Any], origin: Origin = Origin()) -> Namespace:
    _, name, labels, _ = _meta(doc, namespaced=False)
    labels.setdefault(NS_NAME_LABEL, name)
    return Namespace(name=name, labels=labels, origin=origin)


def _workload(meta: Mapping[str, Any], labels: Mapping[str, str], pod_name: str) -> Workload | None:
    owners = _list(meta.get("ownerReferences"), "metadata.ownerReferences") or []
    chosen = None
    for i, ref in enumerate(owners):
        ref = _map(ref, f"metadata.ownerReferences[{i}]")
        if ref.get("controller") is True or chosen is None:
            chosen = ref
    if chosen is None:
        return None
    kind = chosen.get("kind")
    name = chosen.get("name")
    if not isinstance(kind, str) or not isinstance(name, str):
        return None
    if kind == "ReplicaSet":
        # a Deployment's ReplicaSet is named <deployment>-<pod-template-hash>
        hash_ = labels.get("pod-template-hash")
        if hash_ and name.endswith("-" + hash_):
            return Workload("Deployment", name[: -len(hash_) - 1])
    if kind == "Job":
        # a CronJob's Job is named <cronjob>-<scheduled minutes>
        base, _, suffix = name.rpartition("-")
        if base and suffix.isascii() and suffix.isdigit() and len(suffix) >= 8:
            return Workload("CronJob", base)
    return Workload(kind, name)


def _container_ports(spec: Mapping[str, Any]) -> tuple[ContainerPort, ...]:
    out: list[ContainerPort] = []
    for section in ("initContainers", "containers"):
        containers = _list(spec.get(section), f"spec.{section}") or []
        for ci, c in enumerate(containers):
            c = _map(c, f"spec.{section}[{ci}]")
            for pi, p in enumerate(_list(c.get("ports"), f"spec.{section}[{ci}].ports") or []):
                path = f"spec.{section}[{ci}].ports[{pi}]"
                p = _map(p, path)
                number = _int(p.get("containerPort"), f"{path}.containerPort")
                if not 1 <= number <= 65535:
                    raise _Bad(BadPort(field=f"{path}.containerPort", value=str(number)))
                proto = _protocol(p.get("protocol"), f"{path}.protocol")
                port_name = _str(p.get("name"), f"{path}.name")
                if port_name and (fault := port_name_fault(port_name)) is not None:  # what named ports match
                    raise _Bad(BadPortName(field=f"{path}.name", value=port_name, fault=fault))
                out.append(ContainerPort(port=number, protocol=proto, name=port_name))
    return tuple(out)


def parse_pod(doc: Mapping[str, Any], origin: Origin = Origin()) -> Pod:
    ns, name, labels, meta = _meta(doc, namespaced=True)
    spec = _map(doc.get("spec"), "spec")
    status = _map(doc.get("status"), "status")
    ips: list[str] = []
    for i, entry in enumerate(_list(status.get("podIPs"), "status.podIPs") or []):
        entry = _map(entry, f"status.podIPs[{i}]")
        ip = _ip_text(entry.get("ip"), f"status.podIPs[{i}].ip")
        if ip and ip not in ips:
            ips.append(ip)
    primary = _ip_text(status.get("podIP"), "status.podIP")
    if primary and primary not in ips:
        ips.insert(0, primary)
    return Pod(
        namespace=ns,
        name=name,
        labels=labels,
        ips=tuple(ips),
        host_network=_bool(spec.get("hostNetwork"), "spec.hostNetwork"),
        phase=_str(status.get("phase"), "status.phase"),
        ports=_container_ports(spec),
        workload=_workload(meta, labels, name),
        node_name=_str(spec.get("nodeName"), "spec.nodeName"),
        origin=origin,
        service_account=_str(spec.get("serviceAccountName"), "spec.serviceAccountName")
        or _str(spec.get("serviceAccount"), "spec.serviceAccount"),
    )


def _ip_text(value: Any, path: str) -> str:
    text = _str(value, path)
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise _Bad(BadIp(field=path, value=text)) from None


# ---------------------------------------------------------------------------------------------------------------
# NetworkPolicy
# ---------------------------------------------------------------------------------------------------------------
def parse_selector(value: Any, path: str) -> LabelSelector:
    """A LabelSelector dict → LabelSelector; `{}` and null select everything."""
    m = _map(value, path)
    reqs: list[Requirement] = []
    for k, v in _labels(m.get("matchLabels"), f"{path}.matchLabels").items():
        reqs.append(Requirement(k, EQUALS, (v,)))
    for i, expr in enumerate(_list(m.get("matchExpressions"), f"{path}.matchExpressions") or []):
        epath = f"{path}.matchExpressions[{i}]"
        expr = _map(expr, epath)
        key = _str(expr.get("key"), f"{epath}.key", required=True)
        fault = label_key_fault(key)
        if fault is not None:
            raise _Bad(BadLabelKey(field=f"{epath}.key", value=key, fault=fault))
        op = _str(expr.get("operator"), f"{epath}.operator", required=True)
        if op not in OPERATORS:
            raise _Bad(BadOperator(field=f"{epath}.operator", operator=op))
        values = _list(expr.get("values"), f"{epath}.values")
        if op in ("In", "NotIn"):
            if not values:
                raise _Bad(ValuesRequired(field=f"{epath}.values", operator=op))
        elif values:
            raise _Bad(ValuesForbidden(field=f"{epath}.values", operator=op))
        texts = tuple(
            _labels(
                {str(j): v for j, v in enumerate(values or [])}, f"{epath}.values", check_keys=False
            ).values()
        )
        reqs.append(Requirement(key, Operator(op), texts))
    return LabelSelector(tuple(reqs))


def _protocol(value: Any, path: str) -> str:
    if value is None:
        return "TCP"
    text = _str(value, path)
    if text not in PROTOCOLS:
        raise _Bad(BadProtocol(field=path, value=text))
    return text


def _network(text: str, path: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        # host bits are allowed in a policy's CIDR ("10.0.0.5/24" means 10.0.0.0/24)
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise _Bad(BadCidr(field=path, value=text)) from None


def _peer(value: Any, path: str, index: int) -> Peer:
    m = _map(value, path)
    pod_sel = (
        parse_selector(m["podSelector"], f"{path}.podSelector") if m.get("podSelector") is not None else None
    )
    ns_sel = (
        parse_selector(m["namespaceSelector"], f"{path}.namespaceSelector")
        if m.get("namespaceSelector") is not None
        else None
    )
    block = None
    if m.get("ipBlock") is not None:
        if pod_sel is not None or ns_sel is not None:
            raise _Bad(IpBlockWithSelector(field=path))
        b = _map(m["ipBlock"], f"{path}.ipBlock")
        cidr = _str(b.get("cidr"), f"{path}.ipBlock.cidr", required=True)
        net = _network(cidr, f"{path}.ipBlock.cidr")
        excepts = []
        for j, e in enumerate(_list(b.get("except"), f"{path}.ipBlock.except") or []):
            etext = _str(e, f"{path}.ipBlock.except[{j}]")
            enet = _network(etext, f"{path}.ipBlock.except[{j}]")
            if enet.version != net.version or not enet.subnet_of(net):  # type: ignore[arg-type]
                raise _Bad(ExceptOutsideCidr(field=f"{path}.ipBlock.except[{j}]", value=etext, cidr=cidr))
            if enet == net:  # Kubernetes requires a strict subset
                raise _Bad(ExceptEqualsCidr(field=f"{path}.ipBlock.except[{j}]", value=etext, cidr=cidr))
            excepts.append((etext, enet))
        block = IPBlock(cidr=cidr, network=net, excepts=tuple(excepts))
    if pod_sel is None and ns_sel is None and block is None:
        raise _Bad(EmptyPeer(field=path))
    return Peer(index=index, pod_selector=pod_sel, namespace_selector=ns_sel, ip_block=block)


def _port(value: Any, path: str, index: int) -> PortSpec:
    m = _map(value, path)
    proto = _protocol(m.get("protocol"), f"{path}.protocol")
    port = m.get("port")
    end = m.get("endPort")
    if port is not None:
        if isinstance(port, str):
            # a string is a name for the API server (an IntOrString of type string), so "80" is refused too
            fault = port_name_fault(port)
            if fault is not None:
                raise _Bad(BadPortName(field=f"{path}.port", value=port, fault=fault))
        elif isinstance(port, bool) or not isinstance(port, int):
            raise _Bad(WrongType(field=f"{path}.port", want="integer or name", got=type(port).__name__))
        if isinstance(port, int) and not 1 <= port <= 65535:
            raise _Bad(BadPort(field=f"{path}.port", value=str(port)))
    if end is not None:
        end = _int(end, f"{path}.endPort")
        if not isinstance(port, int):
            raise _Bad(EndPortNeedsNumber(field=f"{path}.endPort"))
        if end < port or end > 65535:
            raise _Bad(BadEndPort(field=f"{path}.endPort", value=end, port=port))
    return PortSpec(index=index, protocol=proto, port=port, end_port=end)


def _rules(value: Any, path: str, direction: Direction) -> tuple[Rule, ...]:
    rules = []
    peer_key = "from" if direction == INGRESS else "to"
    for i, r in enumerate(_list(value, path) or []):
        rpath = f"{path}[{i}]"
        r = _map(r, rpath)
        peers = tuple(
            _peer(p, f"{rpath}.{peer_key}[{j}]", j)
            for j, p in enumerate(_list(r.get(peer_key), f"{rpath}.{peer_key}") or [])
        )
        ports = tuple(
            _port(p, f"{rpath}.ports[{j}]", j)
            for j, p in enumerate(_list(r.get("ports"), f"{rpath}.ports") or [])
        )
        rules.append(Rule(index=i, direction=direction, peers=peers, ports=ports))
    return tuple(rules)


def parse_network_policy(doc: Mapping[str, Any], origin: Origin = Origin()) -> NetworkPolicy:
    ns, name, _, _ = _meta(doc, namespaced=True)
    spec = _map(doc.get("spec"), "spec")
    pod_selector = parse_selector(spec.get("podSelector"), "spec.podSelector")
    declared_raw = _list(spec.get("policyTypes"), "spec.policyTypes")
    declared: tuple[str, ...] | None = None
    if declared_raw:  # an empty list is defaulted like an absent one
        for i, t in enumerate(declared_raw):
            if t not in (INGRESS, EGRESS):
                raise _Bad(BadPolicyType(field=f"spec.policyTypes[{i}]", value=str(t)))
        declared = tuple(dict.fromkeys(declared_raw))
    ingress = _rules(spec.get("ingress"), "spec.ingress", INGRESS)
    egress = _rules(spec.get("egress"), "spec.egress", EGRESS)
    types = effective_policy_types(declared, bool(egress))
    return NetworkPolicy(
        namespace=ns,
        name=name,
        pod_selector=pod_selector,
        policy_types=types,
        ingress=ingress,
        egress=egress,
        declared_policy_types=declared,
        # the parser takes ownership of the dicts it is given (every source hands over fresh ones): keep the
        # object itself rather than a copy; other mappings are copied into plain dicts
        raw=doc if type(doc) is dict else _plain(doc),
        origin=origin,
    )


def _plain(value: Any) -> Any:
    """A deep copy in plain dict/list form (so the model never shares mutable state with the caller)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


_PARSERS = {
    "Namespace": parse_namespace,
    "Pod": parse_pod,
    "NetworkPolicy": parse_network_policy,
}
