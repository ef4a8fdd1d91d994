"""Hubble flows -> `core.model.Flow`: the one converter, for protobuf (live gRPC) and jsonpb dicts (files).

How to use it::

    from netpol_tui.sources import flows

    item = flows.convert_response(pb_resp)    # observer.GetFlowsResponse -> Flow | LostEvents | NodeStatus | None
    item = flows.convert_json(obj)            # json.loads() of one `hubble observe -o jsonpb` line, same result
    flow = flows.from_pb_flow(pb_flow)        # flow.Flow -> Flow
    flow = flows.from_json_flow(obj["flow"])  # the jsonpb dict of a Flow -> Flow
    flows.json_problem(obj)                   # why a dict is not a valid flow line (a sentence), or None
    decode = flows.LineDecoder()              # bytes of one jsonpb line -> Flow | LostEvents | NodeStatus
    item = decode(line)                       # raises FlowFormatError (a sentence) for a line that is not one

Both inputs go through the same builders (`_endpoint`, `_policies`, `_drop_reason`, `_l7_summary`) fed with
already-extracted primitives, so a pb Flow and its jsonpb form give equal `core.Flow`s. Replay never goes through
`google.protobuf.json_format` (25x slower than `json.loads`); malformed input raises `FlowFormatError`.
`LineDecoder` decodes a line with msgspec into typed structs holding only the fields read here (both spellings
declared, so proto names and lowerCamel mix freely at any depth); whatever that path cannot take goes through
`json.loads` + `convert_json`, which also words every error.

What the conversion decides:
* `drop_reason`: the `drop_reason_desc` name, else the name of the numeric `drop_reason` (same code table), else
  the number as a string; `drop_reason_code` keeps the number.
* `Endpoint.labels`: the pod's own `k8s:` labels with the prefix removed; Cilium's meta keys are taken out
  (`io.kubernetes.pod.namespace` is `namespace`; `io.cilium.k8s.namespace.labels.*` go to `namespace_labels`;
  other `io.cilium.k8s.*` keys such as the service account stay in `other_labels` as `k8s:key=value`).
  `other_labels` also keeps every non-k8s label (`reserved:world`, `cidr:1.2.3.4/32`, `fqdn:...`).
* `Endpoint.kind`: reserved identities by number (1 host, 2/9/10 world, 3 unmanaged, 4 health, 5 init,
  6 remote-node, 7 kube-apiserver, 8 ingress), else POD when there is a pod name or k8s labels with a namespace,
  else by `reserved:` labels, else WORLD for CIDR/FQDN identities (>= 1<<24) and `cidr:`/`fqdn:`/world labels.
* `time`: the RFC 3339 string as printed (for pb: formatted as Hubble's JSON does), `time_ns` the Unix ns; the
  GetFlowsResponse's `time` when the flow has none.
* `is_reply`: `is_reply` when present, else the deprecated `reply` (field 16), else None.
* ports: None when the flow does not say (jsonpb omits a 0 port; no L4); for ICMPv4/ICMPv6 `icmp_type` and
  `icmp_code`, and the destination port is the ICMP type (as in the JSON contract). A port outside 0-65535, an
  invalid IP, and a flow with no IP and no endpoint on either side are errors naming the field.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from google.protobuf.descriptor import Descriptor, FieldDescriptor

from netpol_tui._proto.flow import flow_pb2
from netpol_tui._proto.observer import observer_pb2
from netpol_tui._proto.relay import relay_pb2
from netpol_tui.core.flowquery import FilterSpec
from netpol_tui.core.model import (
    Endpoint,
    EndpointKind,
    Flow,
    LostEvents,
    NodeStatus,
    PolicyRef,
    Workload,
)
from netpol_tui.core.timefmt import format_time_ns, parse_time_ns

__all__ = [
    "MAX_DEPTH",
    "FlowFormatError",
    "Item",
    "LineDecoder",
    "convert_json",
    "decode_general",
    "convert_response",
    "from_json_flow",
    "from_pb_flow",
    "json_problem",
    "nesting_exceeds",
    "DROP_REASONS",
    "spec_from_pb",
    "spec_to_pb",
]


class FlowFormatError(ValueError):
    """A jsonpb line or dict that is not a Hubble flow; `str()` is a sentence naming the field (its sentences are
    the `_wrong_type`, `_bad_value`, ... functions below)."""


Item = Flow | LostEvents | NodeStatus


def _names(enum: Any) -> dict[int, str]:
    return {v.number: v.name for v in enum.DESCRIPTOR.values}


_VERDICT = _names(flow_pb2.Verdict)
_DIRECTION = _names(flow_pb2.TrafficDirection)
_FLOW_TYPE = _names(flow_pb2.FlowType)
_IP_VERSION = _names(flow_pb2.IPVersion)
_OBS_POINT = _names(flow_pb2.TraceObservationPoint)
_AUTH = _names(flow_pb2.AuthType)
_L7_TYPE = _names(flow_pb2.L7FlowType)
_LOST_SOURCE = _names(flow_pb2.LostEventSource)
_NODE_STATE = _names(relay_pb2.NodeState)
DROP_REASONS: dict[int, str] = _names(flow_pb2.DropReason)
_DROP_CODE = {name: num for num, name in DROP_REASONS.items()}
_TCP_FLAGS = ("FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "NS")
_L4_NAMES = ("TCP", "UDP", "SCTP", "ICMPv4", "ICMPv6", "VRRP", "IGMP")
_PORTED = ("TCP", "UDP", "SCTP")
_ICMP = ("ICMPv4", "ICMPv6")

_NS_LABEL_PREFIX = "io.cilium.k8s.namespace.labels."
_CILIUM_META_PREFIX = "io.cilium.k8s."
_POD_NS_KEY = "io.kubernetes.pod.namespace"
_POLICY_NAME_KEY = "io.cilium.k8s.policy.name"
_POLICY_NS_KEY = "io.cilium.k8s.policy.namespace"
_POLICY_KIND_KEY = "io.cilium.k8s.policy.derived-from"

_RESERVED_IDS = {
    1: EndpointKind.HOST,
    2: EndpointKind.WORLD,
    3: EndpointKind.UNMANAGED,
    4: EndpointKind.HEALTH,
    5: EndpointKind.INIT,
    6: EndpointKind.REMOTE_NODE,
    7: EndpointKind.KUBE_APISERVER,
    8: EndpointKind.INGRESS,
    9: EndpointKind.WORLD,
    10: EndpointKind.WORLD,
}
# Precedence when only labels say it (the local host may also carry kube-apiserver, a node remote-node, ...).
_RESERVED_LABELS = (
    ("host", EndpointKind.HOST),
    ("kube-apiserver", EndpointKind.KUBE_APISERVER),
    ("remote-node", EndpointKind.REMOTE_NODE),
    ("health", EndpointKind.HEALTH),
    ("ingress", EndpointKind.INGRESS),
    ("init", EndpointKind.INIT),
    ("unmanaged", EndpointKind.UNMANAGED),
    ("world", EndpointKind.WORLD),
    ("world-ipv4", EndpointKind.WORLD),
    ("world-ipv6", EndpointKind.WORLD),
)
_LOCAL_SCOPE_ID = 1 << 24

_EMPTY: dict[str, Any] = {}
_CACHE_MAX = 8192


# --------------------------------------------------------------------------------------------------------------
# A fast Flow constructor
# --------------------------------------------------------------------------------------------------------------
def _compile_flow_maker(positional: tuple[str, ...] = ()) -> Any:
    """`Flow(**kw)` costs ~35 frozen-dataclass `object.__setattr__` calls (a third of the conversion time).

    This builds an equivalent constructor: a plain class with Flow's exact slots (same names, same order, so the
    same memory layout) is filled with ordinary attribute stores, then the object becomes a Flow by `__class__`
    assignment, which CPython allows only between layout-compatible classes. Every default is applied.
    Without `positional` the maker takes every field by keyword; with it, exactly those fields by position (in
    that order; assigned by name, so a reordered Flow cannot shift them) and defaults for the others. Checked
    once at import against `Flow()`; anything unusual (a __post_init__, a default factory, no slots, a field
    gone, a refused class swap) falls back to the dataclass' own __init__.
    """
    fields = dataclasses.fields(Flow)
    names = tuple(fd.name for fd in fields)
    slots = getattr(Flow, "__slots__", None)
    fallback: Any = Flow
    if positional:

        def fallback(*args: Any) -> Flow:
            return Flow(**dict(zip(positional, args, strict=True)))

    if hasattr(Flow, "__post_init__") or slots != names or not set(positional) <= set(names):
        return fallback
    env: dict[str, Any] = {"_slots": slots, "_flow": Flow, "_new": object.__new__}
    params, body = [], []
    for i, fd in enumerate(fields):
        if fd.default is dataclasses.MISSING:
            return fallback  # a required field or a default factory: keep the real __init__
        env[f"_d{i}"] = fd.default
        if positional:
            body.append(f"    o.{fd.name} = {fd.name if fd.name in positional else f'_d{i}'}")
        else:
            params.append(f"{fd.name}=_d{i}")
            body.append(f"    o.{fd.name} = {fd.name}")
    signature = ", ".join(positional) if positional else f"*, {', '.join(params)}"
    src = (
        "class _Filler:\n    __slots__ = _slots\n\n\n"
        f"def make({signature}):\n    o = _new(_Filler)\n" + "\n".join(body) + "\n"
        "    o.__class__ = _flow\n    return o\n"
    )
    exec(src, env)  # noqa: S102 - generated from the dataclass' own field list
    make = env["make"]
    try:
        probe = make(*(getattr(Flow(), n) for n in positional)) if positional else make()
        if probe != Flow() or type(probe) is not Flow:
            return fallback
    except TypeError:  # layouts differ after all
        return fallback
    return make


_make_flow = _compile_flow_maker()


# --------------------------------------------------------------------------------------------------------------
# Shared builders (primitives in, model out)
# --------------------------------------------------------------------------------------------------------------
_SplitLabels = tuple[dict[str, str], dict[str, str], tuple[str, ...], frozenset[str], str]
_label_cache: dict[tuple[str, ...], _SplitLabels] = {}


def _split_labels(labels: tuple[str, ...]) -> _SplitLabels:
    """("k8s:app=db", ...) -> (pod labels, namespace labels, other labels, reserved names, pod namespace)."""
    hit = _label_cache.get(labels)
    if hit is not None:
        return hit
    own: dict[str, str] = {}
    ns_labels: dict[str, str] = {}
    other: list[str] = []
    reserved: set[str] = set()
    pod_ns = ""
    for lab in labels:
        if type(lab) is not str:
            raise FlowFormatError(_wrong_type("labels[]", "a string", _found(lab)))
        source, sep, rest = lab.partition(":")
        if not sep:
            source, rest = "", lab
        key, _, value = rest.partition("=")
        if source == "k8s":
            if key.startswith(_NS_LABEL_PREFIX):
                ns_labels[key[len(_NS_LABEL_PREFIX) :]] = value
            elif key == _POD_NS_KEY:
                pod_ns = value
            elif key.startswith(_CILIUM_META_PREFIX):
                other.append(lab)
            else:
                own[key] = value
        else:
            if source == "reserved":
                reserved.add(key)
            other.append(lab)
    result: _SplitLabels = (own, ns_labels, tuple(other), frozenset(reserved), pod_ns)
    if len(_label_cache) > _CACHE_MAX:
        _label_cache.clear()
    _label_cache[labels] = result
    return result


def _kind(
    identity: int,
    namespace: str,
    pod_name: str,
    has_k8s: bool,
    reserved: frozenset[str],
    other: tuple[str, ...],
) -> EndpointKind:
    kind = _RESERVED_IDS.get(identity)
    if kind is not None:
        return kind
    if pod_name or (has_k8s and namespace):
        return EndpointKind.POD
    for name, k in _RESERVED_LABELS:
        if name in reserved:
            if identity >= _LOCAL_SCOPE_ID and "world" in reserved:
                return EndpointKind.WORLD
            return k
    if identity >= _LOCAL_SCOPE_ID or any(o.startswith(("cidr:", "fqdn:", "cidrgroup:")) for o in other):
        return EndpointKind.WORLD
    return EndpointKind.UNKNOWN


_ep_cache: dict[tuple[Any, ...], Endpoint] = {}


def _endpoint(
    ip: str,
    identity: int,
    namespace: str,
    pod_name: str,
    labels: tuple[str, ...],
    workloads: tuple[tuple[str, str], ...],
    cluster_name: str,
    service: str,
) -> Endpoint:
    key = (ip, identity, namespace, pod_name, labels, workloads, cluster_name, service)
    ep = _ep_cache.get(key)
    if ep is not None:
        return ep
    for name, value, want in (
        ("IP", ip, str),
        ("identity", identity, int),
        ("namespace", namespace, str),
        ("pod_name", pod_name, str),
        ("cluster_name", cluster_name, str),
    ):
        if type(value) is not want:
            raise FlowFormatError(_wrong_type(name, "a string" if want is str else "a number", _found(value)))
    own, ns_labels, other, reserved, pod_ns = _split_labels(labels)
    if not namespace and pod_ns:  # remote endpoints may carry the namespace only as a label
        namespace = pod_ns
    wl = None
    if workloads:
        wkind, wname = workloads[0]
        wl = Workload(kind=wkind, name=wname)
    ep = Endpoint(
        ip=ip,
        kind=_kind(identity, namespace, pod_name, bool(own or ns_labels), reserved, other),
        identity=identity,
        namespace=namespace,
        pod_name=pod_name,
        labels=own,
        namespace_labels=ns_labels,
        other_labels=other,
        workload=wl,
        cluster_name=cluster_name,
        service=service,
    )
    if len(_ep_cache) > _CACHE_MAX:
        _ep_cache.clear()
    _ep_cache[key] = ep
    return ep


def _policy(name: str, namespace: str, kind: str, labels: tuple[str, ...]) -> PolicyRef:
    if not (name and kind and namespace) and labels:
        for lab in labels:
            _, _, rest = lab.partition(":")
            key, _, value = rest.partition("=")
            if key == _POLICY_NAME_KEY and not name:
                name = value
            elif key == _POLICY_NS_KEY and not namespace:
                namespace = value
            elif key == _POLICY_KIND_KEY and not kind:
                kind = value
    return PolicyRef(name=name, namespace=namespace, kind=kind)


def _drop_reason(desc: int, numeric: int) -> tuple[str, int]:
    """(name, code): drop_reason_desc first, else the deprecated numeric drop_reason."""
    code = desc or numeric
    if not code:
        return "", 0
    return DROP_REASONS.get(code, str(code)), code


def _l7_summary(
    kind: str, l7_type: str, http: tuple[int, str, str] | None, dns: tuple[str, int] | None
) -> str:
    if http is not None:  # "HTTP GET http://api/x 200", leaving out what the flow does not say
        code, method, url = http
        text = "HTTP"
        if method:
            text += " " + method
        if url:
            text += " " + url
        return f"{text} {code}" if code else text
    if dns is not None:
        query, rcode = dns
        return f"DNS {query}" + (f" rcode={rcode}" if rcode else "")
    if kind:
        return kind
    return f"L7 {l7_type}" if l7_type else ""


def _service(namespace: str, name: str) -> str:
    if not name:
        return ""
    return f"{namespace}/{name}" if namespace else name


# --------------------------------------------------------------------------------------------------------------
# Protobuf
# --------------------------------------------------------------------------------------------------------------
_pb_ep_cache: dict[tuple[bytes, str, str], Endpoint] = {}
_flag_cache: dict[bytes, tuple[str, ...]] = {}


def _pb_endpoint(pb_ep: Any, ip: str, pb_svc: Any) -> Endpoint:
    raw = pb_ep.SerializeToString()
    svc = _service(pb_svc.namespace, pb_svc.name) if pb_svc.name else ""
    key = (raw, ip, svc)
    ep = _pb_ep_cache.get(key)
    if ep is not None:
        return ep
    ep = _endpoint(
        ip,
        pb_ep.identity,
        pb_ep.namespace,
        pb_ep.pod_name,
        tuple(pb_ep.labels),
        tuple((w.kind, w.name) for w in pb_ep.workloads),
        pb_ep.cluster_name,
        svc,
    )
    if len(_pb_ep_cache) > _CACHE_MAX:
        _pb_ep_cache.clear()
    _pb_ep_cache[key] = ep
    return ep


def _pb_flags(pb_flags: Any) -> tuple[str, ...]:
    raw = pb_flags.SerializeToString()
    hit = _flag_cache.get(raw)
    if hit is None:
        hit = tuple(n for n in _TCP_FLAGS if getattr(pb_flags, n))
        _flag_cache[raw] = hit
    return hit


def _pb_policies(items: Any) -> tuple[PolicyRef, ...]:
    return tuple(_policy(p.name, p.namespace, p.kind, tuple(p.labels)) for p in items)


def from_pb_flow(pb_flow: Any, node_name: str = "", response_time_ns: int = 0) -> Flow:
    """A `flow.Flow` message -> core Flow. `node_name` and `response_time_ns` (the GetFlowsResponse's) are used
    when the flow itself has none."""
    if pb_flow.HasField("time"):
        t = pb_flow.time
        time_ns = t.seconds * 1_000_000_000 + t.nanos
    else:
        time_ns = response_time_ns
    ip = pb_flow.IP
    src_ip = ip.source
    dst_ip = ip.destination
    l4 = pb_flow.l4
    proto = l4.WhichOneof("protocol") or ""
    sport = dport = 0
    icmp_type: int | None = None
    icmp_code: int | None = None
    flags: tuple[str, ...] = ()
    if proto == "TCP":
        m = l4.TCP
        sport, dport = m.source_port, m.destination_port
        if m.HasField("flags"):
            flags = _pb_flags(m.flags)
    elif proto == "UDP":
        m = l4.UDP
        sport, dport = m.source_port, m.destination_port
    elif proto == "SCTP":
        m = l4.SCTP
        sport, dport = m.source_port, m.destination_port
    elif proto == "ICMPv4" or proto == "ICMPv6":
        icmp = l4.ICMPv4 if proto == "ICMPv4" else l4.ICMPv6
        icmp_type = dport = icmp.type
        icmp_code = icmp.code
    reason, code = _drop_reason(pb_flow.drop_reason_desc, pb_flow.drop_reason)
    et = pb_flow.event_type
    l7_summary = ""
    if pb_flow.HasField("l7"):
        l7 = pb_flow.l7
        rec = l7.WhichOneof("record")
        http = dns = None
        if rec == "http":
            h = l7.http
            http = (h.code, h.method, h.url)
        elif rec == "dns":
            d = l7.dns
            dns = (d.query, d.rcode)
        l7_summary = _l7_summary("", _L7_TYPE.get(l7.type, "") if l7.type else "", http, dns)
    iface = pb_flow.interface
    file = pb_flow.file
    return _make_flow(  # type: ignore[no-any-return]
        time_ns=time_ns,
        time=format_time_ns(time_ns) if time_ns else "",
        uuid=pb_flow.uuid,
        verdict=_VERDICT.get(pb_flow.verdict, str(pb_flow.verdict)),
        drop_reason=reason,
        drop_reason_code=code,
        traffic_direction=_DIRECTION.get(pb_flow.traffic_direction, str(pb_flow.traffic_direction)),
        event_type=et.type,
        event_sub_type=et.sub_type,
        is_reply=pb_flow.is_reply.value
        if pb_flow.HasField("is_reply")
        else (True if pb_flow.reply else None),
        ip_version=_IP_VERSION.get(ip.ipVersion, "") if ip.ipVersion else "",
        protocol=proto,
        source_port=sport or None,  # proto3 cannot tell 0 from unset: port 0 is "unknown"
        destination_port=dport if icmp_type is not None else dport or None,
        tcp_flags=flags,
        source=_pb_endpoint(pb_flow.source, src_ip, pb_flow.source_service),
        destination=_pb_endpoint(pb_flow.destination, dst_ip, pb_flow.destination_service),
        flow_type=_FLOW_TYPE.get(pb_flow.Type, "") if pb_flow.Type else "",
        l7_summary=l7_summary,
        policy_match_type=pb_flow.policy_match_type,
        egress_allowed_by=_pb_policies(pb_flow.egress_allowed_by) if len(pb_flow.egress_allowed_by) else (),
        ingress_allowed_by=_pb_policies(pb_flow.ingress_allowed_by)
        if len(pb_flow.ingress_allowed_by)
        else (),
        egress_denied_by=_pb_policies(pb_flow.egress_denied_by) if len(pb_flow.egress_denied_by) else (),
        ingress_denied_by=_pb_policies(pb_flow.ingress_denied_by) if len(pb_flow.ingress_denied_by) else (),
        node_name=pb_flow.node_name or node_name,
        summary=pb_flow.Summary,
        interface=iface.name or (str(iface.index) if iface.index else ""),
        trace_observation_point=_OBS_POINT.get(pb_flow.trace_observation_point, "")
        if pb_flow.trace_observation_point
        else "",
        source_names=tuple(pb_flow.source_names) if len(pb_flow.source_names) else (),
        destination_names=tuple(pb_flow.destination_names) if len(pb_flow.destination_names) else (),
        drop_file=f"{file.name}:{file.line}" if file.name else "",
        auth_type=_AUTH.get(pb_flow.auth_type, str(pb_flow.auth_type)) if pb_flow.auth_type else "",
        policy_log=tuple(pb_flow.policy_log) if len(pb_flow.policy_log) else (),
        icmp_type=icmp_type,
        icmp_code=icmp_code,
    )


def _ts_ns(ts: Any) -> int:
    return int(ts.seconds) * 1_000_000_000 + int(ts.nanos)


def convert_response(pb_resp: Any) -> Flow | LostEvents | NodeStatus | None:
    """An `observer.GetFlowsResponse` -> Flow, LostEvents or NodeStatus (None for an empty/unknown response)."""
    which = pb_resp.WhichOneof("response_types")
    if which == "flow":
        return from_pb_flow(
            pb_resp.flow, pb_resp.node_name, _ts_ns(pb_resp.time) if pb_resp.HasField("time") else 0
        )
    if which == "lost_events":
        le = pb_resp.lost_events
        t = (
            _ts_ns(pb_resp.time)
            if pb_resp.HasField("time")
            else (_ts_ns(le.last) if le.HasField("last") else 0)
        )
        return LostEvents(
            source=_LOST_SOURCE.get(le.source, str(le.source)),
            count=le.num_events_lost,
            node_name=pb_resp.node_name,
            time_ns=t,
        )
    if which == "node_status":
        ns = pb_resp.node_status
        return NodeStatus(
            state=_NODE_STATE.get(ns.state_change, str(ns.state_change)),
            node_names=tuple(ns.node_names),
            message=ns.message,
            time_ns=_ts_ns(pb_resp.time) if pb_resp.HasField("time") else 0,
        )
    return None


# --------------------------------------------------------------------------------------------------------------
# Sentences of FlowFormatError (what is wrong with one line; replay.py adds the file and the line number)
# --------------------------------------------------------------------------------------------------------------
def _wrong_type(path: str, expected: str, found: str) -> str:
    return f"{path} should be {expected}, found {found}"


def _bad_value(path: str, detail: str) -> str:
    return f"{path}: {detail}"


def _bad_time(path: str, value: str) -> str:
    return _bad_value(path, f"{value!r} is not an RFC 3339 time")


def _bad_port(path: str, value: int) -> str:
    return _bad_value(path, f"{value} is not a port (0-65535)")


def _bad_icmp(path: str, value: int) -> str:
    return _bad_value(path, f"{value} is not an ICMP {path.rsplit('.', 1)[-1]} (0-255)")


def _bad_ip(path: str, value: str) -> str:
    return _bad_value(path, f"{value[:60]!r} is not an IP address")


def _not_object(found: str) -> str:
    return f"expected a JSON object (a `hubble observe -o jsonpb` line), found {found}"


def _not_flow() -> str:
    return "a JSON object but not a Hubble flow (no flow, lost_events or node_status)"


def _no_endpoints() -> str:
    return "the flow has no source or destination (no IP address and no endpoint on either side)"


def _bad_json(detail: str) -> str:
    return f"not valid JSON ({detail})"


def _too_deep(limit: int) -> str:
    return f"nested deeper than {limit} levels (a Hubble flow is a few levels deep)"


# --------------------------------------------------------------------------------------------------------------
# jsonpb dicts: the general converter (any valid line; names the field when a line is not valid)
# --------------------------------------------------------------------------------------------------------------
def _found(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _enum(table: dict[int, str], value: Any, path: str, default: str) -> str:
    if value is None:
        return default
    if type(value) is str:
        return value
    if type(value) is int:
        return table.get(value, str(value))
    raise FlowFormatError(_wrong_type(path, "an enum name", _found(value)))


def _uint(value: Any, path: str) -> int:
    if type(value) is int:
        return value
    if value is None:
        return 0
    if type(value) is str and value.isdigit() and value.isascii():
        return int(value)
    raise FlowFormatError(_wrong_type(path, "a number", _found(value)))


def _port(value: Any, path: str) -> int | None:
    """A TCP/UDP/SCTP port: None when absent or 0 (jsonpb omits a 0: the flow does not say)."""
    if value is None:
        return None
    port = _uint(value, path)
    if not 0 <= port <= 65535:
        raise FlowFormatError(_bad_port(path, port))
    return port or None


def _icmp_field(value: Any, path: str) -> int:
    """An ICMP type or code: 0 when absent (proto3 omits zero, and 0 is a real type: echo reply)."""
    number = _uint(value, path)
    if not 0 <= number <= 255:
        raise FlowFormatError(_bad_icmp(path, number))
    return number


_ip_ok: set[str] = set()


def _check_ip(value: Any, path: str) -> str:
    if type(value) is not str:
        raise FlowFormatError(_wrong_type(path, "a string", _found(value)))
    if value and value not in _ip_ok:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise FlowFormatError(_bad_ip(path, value)) from None
        if len(_ip_ok) > _CACHE_MAX:
            _ip_ok.clear()
        _ip_ok.add(value)
    return value


def _str_list(value: Any, path: str) -> tuple[str, ...]:
    if not value:
        return ()
    if type(value) is not list:
        raise FlowFormatError(_wrong_type(path, "a list", _found(value)))
    return tuple(value)


def _json_endpoint(ep: Any, ip: str, svc: Any, path: str) -> Endpoint:
    if not ep:
        ep = _EMPTY
    elif type(ep) is not dict:
        raise FlowFormatError(_wrong_type(path, "an object", _found(ep)))
    g = ep.get
    wls = g("workloads")
    workloads: tuple[tuple[str, str], ...] = ()
    if wls:
        if type(wls) is not list or not all(type(w) is dict for w in wls):
            raise FlowFormatError(_wrong_type(f"{path}.workloads", "a list of objects", _found(wls)))
        workloads = tuple((w.get("kind", ""), w.get("name", "")) for w in wls)
    service = ""
    if svc:
        if type(svc) is not dict:
            raise FlowFormatError(_wrong_type(f"{path}_service", "an object", _found(svc)))
        service = _service(svc.get("namespace", ""), svc.get("name", ""))
    return _endpoint(
        ip,
        g("identity", 0),
        g("namespace", ""),
        g("pod_name", ""),
        _str_list(g("labels"), f"{path}.labels"),
        workloads,
        g("cluster_name", ""),
        service,
    )


def _json_policies(items: Any, path: str) -> tuple[PolicyRef, ...]:
    if not items:
        return ()
    if type(items) is not list:
        raise FlowFormatError(_wrong_type(path, "a list", _found(items)))
    out = []
    for p in items:
        if type(p) is not dict:
            raise FlowFormatError(_wrong_type(f"{path}[]", "an object", _found(p)))
        out.append(
            _policy(
                p.get("name", ""),
                p.get("namespace", ""),
                p.get("kind", ""),
                _str_list(p.get("labels"), f"{path}[].labels"),
            )
        )
    return tuple(out)


def _obj(value: Any, path: str) -> dict[str, Any]:
    if not value:
        return _EMPTY
    if type(value) is not dict:
        raise FlowFormatError(_wrong_type(path, "an object", _found(value)))
    return value


def _time(t: Any, path: str) -> tuple[str, int]:
    if not t:
        return "", 0
    if type(t) is not str:
        raise FlowFormatError(_wrong_type(path, "an RFC 3339 time", _found(t)))
    try:
        return t, parse_time_ns(t)
    except ValueError:
        raise FlowFormatError(_bad_time(path, t)) from None


def _bool_or_none(value: Any, path: str) -> bool | None:
    if value is not None and type(value) is not bool:
        raise FlowFormatError(_wrong_type(path, "true or false", _found(value)))
    return value


def _blank(ep: Endpoint) -> bool:
    """An endpoint that says nothing (no IP, identity, pod, namespace, labels, service)."""
    return not (
        ep.ip
        or ep.identity
        or ep.namespace
        or ep.pod_name
        or ep.labels
        or ep.namespace_labels
        or ep.other_labels
        or ep.workload
        or ep.service
    )


def from_json_flow(f: dict[str, Any], node_name: str = "", response_time: str = "") -> Flow:
    """The jsonpb dict of a `flow.Flow` (proto field names, as `hubble observe -o jsonpb` prints) -> core Flow.

    lowerCamel keys (`dropReasonDesc`, from other protobuf JSON printers) are accepted too, at any depth.
    `node_name` and `response_time` come from the GetFlowsResponse around it (used when the flow has none).
    Raises FlowFormatError (a sentence naming the field) when a field has the wrong type or value.
    """
    return _from_snake_flow(_snake_keys(f), node_name, response_time)


def _from_snake_flow(f: dict[str, Any], node_name: str, response_time: Any) -> Flow:
    g = f.get
    t, time_ns = _time(g("time"), "flow.time")
    if not t:
        t, time_ns = _time(response_time, "time")
    ip = g("IP") or _EMPTY
    if type(ip) is not dict:
        raise FlowFormatError(_wrong_type("flow.IP", "an object", _found(ip)))
    src_ip = _check_ip(ip.get("source", ""), "flow.IP.source")
    dst_ip = _check_ip(ip.get("destination", ""), "flow.IP.destination")
    ipv = ip.get("ipVersion")
    ip_version = "" if ipv is None else _enum(_IP_VERSION, ipv, "flow.IP.ipVersion", "")
    l4 = _obj(g("l4"), "flow.l4")
    proto = ""
    sport: int | None = None
    dport: int | None = None
    icmp_type: int | None = None
    icmp_code: int | None = None
    flags: tuple[str, ...] = ()
    for name in _L4_NAMES:  # a oneof: the first one set (in declaration order) is the protocol
        m = l4.get(name)
        if m is None:
            continue
        proto = name
        if name in _PORTED:
            m = _obj(m, f"flow.l4.{name}")
            sport = _port(m.get("source_port"), f"flow.l4.{name}.source_port")
            dport = _port(m.get("destination_port"), f"flow.l4.{name}.destination_port")
            fl = m.get("flags")
            if fl:
                flags = _json_flags(fl)
        elif name in _ICMP:
            m = _obj(m, f"flow.l4.{name}")
            icmp_type = _icmp_field(m.get("type"), f"flow.l4.{name}.type")
            icmp_code = _icmp_field(m.get("code"), f"flow.l4.{name}.code")
            dport = icmp_type
        break
    verdict = _enum(_VERDICT, g("verdict"), "flow.verdict", "VERDICT_UNKNOWN")
    direction = _enum(
        _DIRECTION, g("traffic_direction"), "flow.traffic_direction", "TRAFFIC_DIRECTION_UNKNOWN"
    )
    flow_type = _enum(_FLOW_TYPE, g("Type"), "flow.Type", "")
    et = _obj(g("event_type"), "flow.event_type")
    etype = _uint(et.get("type", 0), "flow.event_type.type")
    esub = _uint(et.get("sub_type", 0), "flow.event_type.sub_type")
    is_reply = _bool_or_none(g("is_reply"), "flow.is_reply")
    if is_reply is None:
        is_reply = _bool_or_none(g("reply"), "flow.reply")
    summary = g("Summary", "")
    uuid = g("uuid", "")
    fnode = g("node_name", "")
    for path, v in (("flow.Summary", summary), ("flow.uuid", uuid), ("flow.node_name", fnode)):
        if type(v) is not str:
            raise FlowFormatError(_wrong_type(path, "a string", _found(v)))
    reason, code = _json_drop_reason(g("drop_reason_desc"), g("drop_reason"))
    extra = _json_rare(f)
    source = _json_endpoint(g("source"), src_ip, g("source_service"), "flow.source")
    destination = _json_endpoint(g("destination"), dst_ip, g("destination_service"), "flow.destination")
    if not src_ip and not dst_ip and _blank(source) and _blank(destination):
        raise FlowFormatError(_no_endpoints())
    return _make_flow(  # type: ignore[no-any-return]
        time_ns=time_ns,
        time=t,
        uuid=uuid,
        verdict=verdict,
        drop_reason=reason,
        drop_reason_code=code,
        traffic_direction=direction,
        event_type=etype,
        event_sub_type=esub,
        is_reply=is_reply,
        ip_version=ip_version,
        protocol=proto,
        source_port=sport,
        destination_port=dport,
        tcp_flags=flags,
        source=source,
        destination=destination,
        flow_type=flow_type,
        node_name=fnode or node_name,
        summary=summary,
        icmp_type=icmp_type,
        icmp_code=icmp_code,
        **extra,
    )


_json_flag_cache: dict[tuple[str, ...], tuple[str, ...]] = {}


def _json_flags(fl: Any) -> tuple[str, ...]:
    fl = _obj(fl, "flow.l4.TCP.flags")
    values = fl.values()
    if all(v is True for v in values):  # as Hubble prints them (only the true ones): cached by their names
        key = tuple(fl)
        hit = _json_flag_cache.get(key)
        if hit is None:
            hit = tuple(n for n in _TCP_FLAGS if n in fl)
            if len(_json_flag_cache) < 1024:
                _json_flag_cache[key] = hit
        return hit
    return tuple(n for n in _TCP_FLAGS if fl.get(n))


def _json_drop_reason(desc: Any, numeric: Any) -> tuple[str, int]:
    if desc is None and numeric is None:
        return "", 0
    numeric = _uint(numeric, "flow.drop_reason")
    if desc is None:
        return _drop_reason(0, numeric)
    if type(desc) is str:
        desc_code = _DROP_CODE.get(desc)
        if desc_code is None:  # a name from a newer Cilium: keep it as printed
            return desc, numeric
        return _drop_reason(desc_code, numeric)
    if type(desc) is int:
        return _drop_reason(desc, numeric)
    raise FlowFormatError(_wrong_type("flow.drop_reason_desc", "an enum name", _found(desc)))


def _json_rare(f: dict[str, Any]) -> dict[str, Any]:
    """Fields most flows do not have (snake_case keys), as keyword arguments for the Flow."""
    g = f.get
    out: dict[str, Any] = {}
    l7 = g("l7")
    if l7:
        l7 = _obj(l7, "flow.l7")
        http = dns = None
        h = l7.get("http")
        d = l7.get("dns")
        if h is not None:
            h = _obj(h, "flow.l7.http")
            http = (_uint(h.get("code"), "flow.l7.http.code"), h.get("method", ""), h.get("url", ""))
        elif d is not None:
            d = _obj(d, "flow.l7.dns")
            dns = (d.get("query", ""), _uint(d.get("rcode"), "flow.l7.dns.rcode"))
        kind = "Kafka" if l7.get("kafka") is not None else ""
        l7_type = l7.get("type")
        # 0 is proto3's unset (UNKNOWN_L7_TYPE): says nothing, as in the pb and the typed path
        name = "" if l7_type == 0 and type(l7_type) is int else _enum(_L7_TYPE, l7_type, "flow.l7.type", "")
        out["l7_summary"] = _l7_summary(kind, name, http, dns)
    iface = g("interface")
    if iface:
        iface = _obj(iface, "flow.interface")
        out["interface"] = iface.get("name") or (str(iface["index"]) if iface.get("index") else "")
    file = g("file")
    if file:
        file = _obj(file, "flow.file")
        if file.get("name"):
            out["drop_file"] = f"{file['name']}:{file.get('line', 0)}"
    auth = g("auth_type")
    if auth and auth != "DISABLED":
        out["auth_type"] = _enum(_AUTH, auth, "flow.auth_type", "")
    obs = g("trace_observation_point")
    if obs:
        out["trace_observation_point"] = _enum(_OBS_POINT, obs, "flow.trace_observation_point", "")
    if "policy_match_type" in f:
        out["policy_match_type"] = _uint(g("policy_match_type"), "flow.policy_match_type")
    for key in ("source_names", "destination_names", "policy_log"):
        v = g(key)
        if v:
            out[key] = _str_list(v, f"flow.{key}")
    for key in ("egress_allowed_by", "ingress_allowed_by", "egress_denied_by", "ingress_denied_by"):
        v = g(key)
        if v:
            out[key] = _json_policies(v, f"flow.{key}")
    return out


def convert_json(obj: Any) -> Flow | LostEvents | NodeStatus | None:
    """One parsed jsonpb line -> Flow, LostEvents or NodeStatus.

    Accepts the GetFlowsResponse wrapper (`{"flow": {...}, "node_name": ..., "time": ...}`), the legacy bare Flow
    object (`HUBBLE_COMPAT=legacy-json-output`), `lost_events` and `node_status` lines, with proto field names or
    lowerCamel names at any depth. Returns None for an object that is none of these; raises FlowFormatError for
    wrong types and values.
    """
    if type(obj) is not dict:
        raise FlowFormatError(_not_object(_found(obj)))
    obj = _snake_keys(obj)
    f = obj.get("flow")
    if f is not None:
        if type(f) is not dict:
            raise FlowFormatError(_wrong_type("flow", "an object", _found(f)))
        node = obj.get("node_name", "")
        return _from_snake_flow(f, node if type(node) is str else "", obj.get("time"))
    le = obj.get("lost_events")
    if le is not None:
        le = _obj(le, "lost_events")
        return LostEvents(
            source=_enum(_LOST_SOURCE, le.get("source"), "lost_events.source", "UNKNOWN_LOST_EVENT_SOURCE"),
            count=_uint(le.get("num_events_lost"), "lost_events.num_events_lost"),
            node_name=_top_str(obj, "node_name"),
            time_ns=_top_time(obj, le),
        )
    ns = obj.get("node_status")
    if ns is not None:
        ns = _obj(ns, "node_status")
        return NodeStatus(
            state=_enum(
                _NODE_STATE, ns.get("state_change"), "node_status.state_change", "UNKNOWN_NODE_STATE"
            ),
            node_names=_str_list(ns.get("node_names"), "node_status.node_names"),
            message=ns.get("message", "") if type(ns.get("message", "")) is str else "",
            time_ns=_top_time(obj, _EMPTY),
        )
    if _looks_like_bare_flow(obj):
        return _from_snake_flow(obj, "", "")
    return None


_BARE_FLOW_KEYS = frozenset(
    (
        "time",
        "verdict",
        "IP",
        "l4",
        "source",
        "destination",
        "event_type",
        "Type",
        "uuid",
        "traffic_direction",
        "drop_reason_desc",
        "Summary",
    )
)


def _looks_like_bare_flow(obj: dict[str, Any]) -> bool:
    return len(_BARE_FLOW_KEYS.intersection(obj.keys())) >= 2


def _top_str(obj: dict[str, Any], *keys: str) -> str:
    for k in keys:
        v = obj.get(k)
        if type(v) is str:
            return v
    return ""


def _top_time(obj: dict[str, Any], inner: dict[str, Any]) -> int:
    for v in (obj.get("time"), inner.get("last"), inner.get("first")):
        if type(v) is str and v:
            return _time(v, "time")[1]
    return 0


def decode_general(line: bytes | str) -> Item:
    """One jsonpb line through `json.loads` + `convert_json`; FlowFormatError (a sentence) when it is not a flow.

    A line nested deeper than MAX_DEPTH is refused before anything recurses into it.
    """
    if nesting_exceeds(line.encode("utf-8", "surrogatepass") if isinstance(line, str) else line):
        raise FlowFormatError(_too_deep(MAX_DEPTH))
    try:
        obj = json.loads(line)
    except RecursionError:
        raise FlowFormatError(_too_deep(MAX_DEPTH)) from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
        raise FlowFormatError(_bad_json(_json_msg(exc))) from None
    try:
        item = convert_json(obj)
    except FlowFormatError:
        raise
    except (AttributeError, TypeError, ValueError, KeyError) as exc:
        raise FlowFormatError(json_problem(obj) or str(exc)) from None
    if item is None:
        raise FlowFormatError(_not_flow())
    return item


def _json_msg(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at column {exc.colno}"
    return str(exc)


# --------------------------------------------------------------------------------------------------------------
# Nesting depth, checked before any decoder recurses
# --------------------------------------------------------------------------------------------------------------
MAX_DEPTH = 64  # a Hubble line is ~6 levels deep (response > flow > l7 > http > headers > item)
_TRUSTED_RECURSION_LIMIT = 3000
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def nesting_exceeds(line: bytes, limit: int = MAX_DEPTH) -> bool:
    """Does this JSON text nest objects/arrays deeper than `limit`? (Brackets inside strings do not count.)

    Cheap for ordinary lines: the number of opening brackets bounds the depth, and only a line with more of them
    than `limit` is scanned (at C speed, strings skipped whole; it stops as soon as the limit is passed).
    """
    if line.count(b"{") + line.count(b"[") <= limit:
        return False
    depth = 0
    for m in _JSON_TOKEN.finditer(line):
        tok = m.group()
        if tok == b"{" or tok == b"[":
            depth += 1
            if depth > limit:
                return True
        elif tok == b"}" or tok == b"]":
            depth -= 1
    return False


# --------------------------------------------------------------------------------------------------------------
# jsonpb lines: the typed fast path (msgspec decodes only the fields we read; unknown fields are skipped)
# --------------------------------------------------------------------------------------------------------------
# Both spellings of every field we read are declared (proto name, and lowerCamel under a `_c` attribute), so a
# line mixing them at any depth decodes in one pass. A value of the wrong type or out of range fails validation
# and the line goes to the general converter, which names the field.
_Port = Annotated[int, msgspec.Meta(ge=0, le=65535)]
_Byte = Annotated[int, msgspec.Meta(ge=0, le=255)]
_Enum = str | int | None


def _camel(default: Any, name: str) -> Any:
    return msgspec.field(default=default, name=name)


class _JFlags(msgspec.Struct, frozen=True, gc=False):
    FIN: bool = False
    SYN: bool = False
    RST: bool = False
    PSH: bool = False
    ACK: bool = False
    URG: bool = False
    ECE: bool = False
    CWR: bool = False
    NS: bool = False


class _JPorted(msgspec.Struct, gc=False):
    source_port: _Port | None = None
    destination_port: _Port | None = None
    flags: msgspec.Raw = msgspec.Raw(b"")  # _JFlags | None, converted once per distinct text (_tcp_flags)
    source_port_c: _Port | None = _camel(None, "sourcePort")
    destination_port_c: _Port | None = _camel(None, "destinationPort")


class _JIcmp(msgspec.Struct, gc=False):
    type: _Byte = 0
    code: _Byte = 0


class _JL4(msgspec.Struct, gc=False):
    TCP: _JPorted | None = None
    UDP: _JPorted | None = None
    SCTP: _JPorted | None = None
    ICMPv4: _JIcmp | None = None
    ICMPv6: _JIcmp | None = None
    VRRP: dict[str, Any] | None = None
    IGMP: dict[str, Any] | None = None


class _JIP(msgspec.Struct, gc=False):
    source: str = ""
    destination: str = ""
    ipVersion: _Enum = None  # noqa: N815 - the proto field name


class _JEventType(msgspec.Struct, gc=False):
    type: int = 0
    sub_type: int | None = None
    sub_type_c: int = _camel(0, "subType")


class _JWorkload(msgspec.Struct, gc=False):
    name: str = ""
    kind: str = ""


class _JEndpoint(msgspec.Struct, gc=False):
    identity: int = 0
    cluster_name: str | msgspec.UnsetType = msgspec.UNSET
    namespace: str = ""
    labels: tuple[str, ...] = ()
    pod_name: str | msgspec.UnsetType = msgspec.UNSET  # UNSET, not None: null is refused, as by convert_json
    workloads: tuple[_JWorkload, ...] = ()
    cluster_name_c: str = _camel("", "clusterName")
    pod_name_c: str = _camel("", "podName")


class _JHttp(msgspec.Struct, gc=False):
    code: int = 0
    method: str = ""
    url: str = ""


class _JDns(msgspec.Struct, gc=False):
    query: str = ""
    rcode: int = 0


class _JL7(msgspec.Struct, gc=False):
    type: _Enum = None
    http: _JHttp | None = None
    dns: _JDns | None = None
    kafka: Any = None


class _JInterface(msgspec.Struct, gc=False):
    index: int = 0
    name: str = ""


class _JService(msgspec.Struct, gc=False):
    name: str = ""
    namespace: str = ""


class _JFlow(msgspec.Struct, gc=False):
    # In the order Hubble prints them (the proto's declaration order): msgspec looks the next key up first at the
    # field after the last one matched, so ordered keys cost one comparison each. lowerCamel spellings last.
    time: str = ""
    uuid: str = ""
    verdict: _Enum = None
    drop_reason: int | None = None
    auth_type: Any = None
    # not read: declared so that its key (on most lines) is found at once instead of searched for among them all
    ethernet: msgspec.Raw = msgspec.Raw(b"")
    IP: msgspec.Raw = msgspec.Raw(b"")  # _JIP | None, decoded by _ip_fields once per distinct text
    l4: _JL4 | None = None
    source: msgspec.Raw = msgspec.Raw(b"")
    destination: msgspec.Raw = msgspec.Raw(b"")
    Type: _Enum = None
    node_name: str | msgspec.UnsetType = msgspec.UNSET
    source_names: Any = None
    destination_names: Any = None
    l7: _JL7 | None = None
    reply: bool | None = None
    event_type: _JEventType | None = None
    source_service: _JService | None = None
    destination_service: _JService | None = None
    traffic_direction: _Enum = None
    policy_match_type: int | None = None
    trace_observation_point: _Enum = None
    # read through _json_rare() (dicts, snake_cased), only when one of them is present
    file: Any = None
    drop_reason_desc: _Enum = None
    is_reply: bool | None = None
    interface: _JInterface | None = None
    Summary: str = ""
    egress_allowed_by: Any = None
    ingress_allowed_by: Any = None
    egress_denied_by: Any = None
    ingress_denied_by: Any = None
    policy_log: Any = None
    # the lowerCamel spellings (other protobuf JSON printers), in the same order
    drop_reason_c: int | None = _camel(None, "dropReason")
    auth_type_c: Any = _camel(None, "authType")
    node_name_c: str = _camel("", "nodeName")
    source_names_c: Any = _camel(None, "sourceNames")
    destination_names_c: Any = _camel(None, "destinationNames")
    event_type_c: _JEventType | None = _camel(None, "eventType")
    source_service_c: _JService | None = _camel(None, "sourceService")
    destination_service_c: _JService | None = _camel(None, "destinationService")
    traffic_direction_c: _Enum = _camel(None, "trafficDirection")
    policy_match_type_c: int | None = _camel(None, "policyMatchType")
    trace_observation_point_c: _Enum = _camel(None, "traceObservationPoint")
    drop_reason_desc_c: _Enum = _camel(None, "dropReasonDesc")
    is_reply_c: bool | None = _camel(None, "isReply")
    egress_allowed_by_c: Any = _camel(None, "egressAllowedBy")
    ingress_allowed_by_c: Any = _camel(None, "ingressAllowedBy")
    egress_denied_by_c: Any = _camel(None, "egressDeniedBy")
    ingress_denied_by_c: Any = _camel(None, "ingressDeniedBy")
    policy_log_c: Any = _camel(None, "policyLog")


class _JResponse(msgspec.Struct, gc=False):
    flow: _JFlow | None = None
    node_name: str | None = None
    time: str = ""
    node_name_c: str = _camel("", "nodeName")


_RESPONSE_DECODER = msgspec.json.Decoder(_JResponse)
_ENDPOINT_DECODER = msgspec.json.Decoder(_JEndpoint)
_IP_DECODER = msgspec.json.Decoder(_JIP | None)
_FLAGS_DECODER = msgspec.json.Decoder(_JFlags | None)
# (proto name, attribute of the proto spelling, attribute of the lowerCamel spelling)
_RARE_FIELDS = tuple(
    (name, name, f"{name}_c" if f"{name}_c" in _JFlow.__struct_fields__ else name)
    for name in (
        "file",
        "auth_type",
        "source_names",
        "destination_names",
        "policy_log",
        "egress_allowed_by",
        "ingress_allowed_by",
        "egress_denied_by",
        "ingress_denied_by",
    )
)


class _Fallback(Exception):
    """The typed path cannot take this line: the general converter decides (and names what is wrong)."""


_raw_ep_cache: dict[tuple[bytes, str, str], Endpoint] = {}


def _struct_endpoint(raw: msgspec.Raw, ip: str, svc: _JService | None) -> Endpoint:
    service = _service(svc.namespace, svc.name) if svc is not None else ""
    key = (bytes(raw), ip, service)
    ep = _raw_ep_cache.get(key)
    if ep is not None:
        return ep
    if key[0] in (b"", b"{}"):
        ep = _endpoint(ip, 0, "", "", (), (), "", service)
    else:
        try:
            e = _ENDPOINT_DECODER.decode(raw)
        except msgspec.MsgspecError:
            raise _Fallback from None
        ep = _endpoint(
            ip,
            e.identity,
            e.namespace,
            e.pod_name if e.pod_name is not msgspec.UNSET else e.pod_name_c,
            e.labels,
            tuple((w.kind, w.name) for w in e.workloads),
            e.cluster_name if e.cluster_name is not msgspec.UNSET else e.cluster_name_c,
            service,
        )
    if len(_raw_ep_cache) > _CACHE_MAX:
        _raw_ep_cache.clear()
    _raw_ep_cache[key] = ep
    return ep


# IP -> (raw endpoint, its Endpoint, the few other (raw, Endpoint) pairs seen at that IP lately)
_IpEntry = tuple[msgspec.Raw, Endpoint, tuple[tuple[msgspec.Raw, Endpoint], ...]]
_ip_ep_cache: dict[str, _IpEntry] = {}
_IP_ALTERNATES = 4  # an IP is seen with a few endpoints (a pod, and host/world/remote-node around a restart)


def _ip_endpoint(raw: msgspec.Raw, ip: str, entry: _IpEntry | None) -> _IpEntry:
    """The entry of `ip` (no service) once `raw` is the endpoint last seen there (`entry`: the one before)."""
    others = () if entry is None else ((entry[0], entry[1]), *entry[2])
    ep: Endpoint | None = None
    for i, (seen, known) in enumerate(others):
        if seen == raw:
            raw, ep = seen, known
            others = others[:i] + others[i + 1 :]
            break
    if ep is None:
        raw = raw.copy()  # a copy: not a view keeping the whole line alive
        ep = _struct_endpoint(raw, ip, None)
        others = others[: _IP_ALTERNATES - 1]
    if len(_ip_ep_cache) > _CACHE_MAX:
        _ip_ep_cache.clear()
    got = _ip_ep_cache[ip] = (raw, ep, others)
    return got


# source, destination, ip_version, then the endpoints last seen with this pair: source raw text and Endpoint,
# destination raw text and Endpoint (None: none yet)
_IpFields = list[Any]
_ip_cache: dict[bytes, _IpFields] = {}
_flags_cache: dict[bytes, tuple[str, ...]] = {b"": ()}


def _ip_fields(text: bytes) -> _IpFields:
    """The text of a flow's `IP` -> (source, destination, ip_version), checked; remembered."""
    try:
        ip = _IP_DECODER.decode(text) if text else None
    except msgspec.MsgspecError:
        raise _Fallback from None
    if ip is None:
        got: _IpFields = ["", "", "", None, None, None, None]
    else:
        ipv = ip.ipVersion
        got = [
            _check_ip(ip.source, "flow.IP.source"),
            _check_ip(ip.destination, "flow.IP.destination"),
            "" if ipv is None else ipv if isinstance(ipv, str) else _IP_VERSION.get(ipv, str(ipv)),
            None,
            None,
            None,
            None,
        ]
    if len(_ip_cache) > _CACHE_MAX:
        _ip_cache.clear()
    _ip_cache[text] = got
    return got


def _tcp_flags(text: bytes) -> tuple[str, ...]:
    """The text of `l4.TCP.flags` -> the names of the flags set, checked; remembered (a few distinct texts)."""
    try:
        fl = _FLAGS_DECODER.decode(text) if text else None
    except msgspec.MsgspecError:
        raise _Fallback from None
    got = () if fl is None else tuple(n for n in _TCP_FLAGS if getattr(fl, n))
    if len(_flags_cache) < 1024:
        _flags_cache[text] = got
    return got


_second_ns: dict[
    str, int
] = {}  # "2021-11-10T10:40:56" -> its Unix time in ns (flows of a capture share seconds)


_FRACTION_SCALE = tuple(10 ** (9 - n) if n else 0 for n in range(10))  # digits of a fraction -> ns per unit


def _time_ns(t: str) -> int:
    """RFC 3339 -> Unix ns; Hubble's own shape (UTC, 9 fraction digits) without a call into the general parser
    once its second is known. ValueError for a bad time."""
    if 21 < len(t) < 31 and t[-1] == "Z" and t[19] == ".":
        base = _second_ns.get(t[:19])
        frac = t[20:-1]
        if base is not None and frac.isdigit() and frac.isascii():
            return base + int(frac) * _FRACTION_SCALE[len(frac)]
        ns = parse_time_ns(t)
        if len(_second_ns) > _CACHE_MAX:
            _second_ns.clear()
        _second_ns[t[:19]] = ns - ns % 1_000_000_000
        return ns
    return parse_time_ns(t)


def _fast_flow(resp: _JResponse, f: _JFlow) -> Flow:
    # The hot path of file replay, written out flat (every call and attribute costs on 1M lines); ValueError,
    # FlowFormatError and _Fallback send the line to the general converter, which names what is wrong.
    t = f.time or resp.time
    # Hubble's own shape (UTC, a fraction of 1-9 digits) in a second already seen: no call into the parser. A
    # known second means t[:19] is a checked date and time; frac is not empty only when t[19] exists.
    base = _second_ns.get(t[:19])
    frac = t[20:-1]
    if (
        base is not None
        and frac.isdigit()
        and len(frac) < 10
        and t[-1] == "Z"
        and t[19] == "."
        and t.isascii()
    ):
        time_ns = base + int(frac) * _FRACTION_SCALE[len(frac)]
    else:
        time_ns = _time_ns(t) if t else 0
    # IP and l4 repeat across flows (an IP pair, a connection's ports): converted once per distinct text
    key = bytes(f.IP)
    pair = _ip_cache.get(key)
    if pair is None:
        pair = _ip_fields(key)
    o = _new_twin(_FlowTwin)  # filled field by field, then made a Flow (see _FlowTwin)
    o.time_ns = time_ns
    o.time = t
    o.uuid = f.uuid
    v = f.verdict
    o.verdict = v if type(v) is str else _enum(_VERDICT, v, "flow.verdict", "VERDICT_UNKNOWN")
    desc = f.drop_reason_desc if f.drop_reason_desc is not None else f.drop_reason_desc_c
    num = f.drop_reason if f.drop_reason is not None else f.drop_reason_c
    o.drop_reason, o.drop_reason_code = (
        _NO_DROP if desc is None and num is None else _json_drop_reason(desc, num)
    )
    v = f.traffic_direction if f.traffic_direction is not None else f.traffic_direction_c
    o.traffic_direction = v if type(v) is str else _enum(_DIRECTION, v, "", "TRAFFIC_DIRECTION_UNKNOWN")
    et = f.event_type if f.event_type is not None else f.event_type_c
    if et is not None:
        o.event_type = et.type
        o.event_sub_type = et.sub_type if et.sub_type is not None else et.sub_type_c
    else:
        o.event_type = o.event_sub_type = 0
    is_reply = f.is_reply if f.is_reply is not None else f.is_reply_c
    o.is_reply = f.reply if is_reply is None else is_reply
    src_ip = pair[0]
    dst_ip = pair[1]
    o.ip_version = pair[2]
    l4 = f.l4
    if l4 is None:
        o.protocol = ""
        o.source_port = o.destination_port = o.icmp_type = o.icmp_code = None
        o.tcp_flags = ()
    else:  # a oneof: the first one set, in the proto's order
        m = l4.TCP
        if m is not None:
            o.protocol = "TCP"
            key = bytes(m.flags)
            flags = _flags_cache.get(key)
            o.tcp_flags = _tcp_flags(key) if flags is None else flags
        else:
            o.tcp_flags = ()
            m = l4.UDP
            if m is not None:
                o.protocol = "UDP"
            else:
                m = l4.SCTP
                o.protocol = "SCTP"
        if m is not None:
            v = m.source_port
            o.source_port = (m.source_port_c if v is None else v) or None  # 0: jsonpb omits it, unknown
            v = m.destination_port
            o.destination_port = (m.destination_port_c if v is None else v) or None
            o.icmp_type = o.icmp_code = None
        else:
            o.source_port = None
            icmp = l4.ICMPv4
            o.protocol = "ICMPv4"
            if icmp is None:
                icmp = l4.ICMPv6
                o.protocol = "ICMPv6"
            if icmp is not None:
                o.icmp_type = o.destination_port = icmp.type
                o.icmp_code = icmp.code
            else:
                o.icmp_type = o.icmp_code = o.destination_port = None
                o.protocol = "VRRP" if l4.VRRP is not None else "IGMP" if l4.IGMP is not None else ""
    # The endpoints: the pair's entry remembers the last ones seen (compared by their raw text, no hashing)
    raw = f.source
    if f.source_service is not None or f.source_service_c is not None:
        svc = f.source_service if f.source_service is not None else f.source_service_c
        o.source = source = _struct_endpoint(raw, src_ip, svc)
    elif pair[3] == raw:
        o.source = source = pair[4]
    else:
        hit = _ip_ep_cache.get(src_ip)
        if hit is None or hit[0] != raw:
            hit = _ip_endpoint(raw, src_ip, hit)
        pair[3] = hit[0]
        o.source = pair[4] = source = hit[1]
    raw = f.destination
    if f.destination_service is not None or f.destination_service_c is not None:
        svc = f.destination_service if f.destination_service is not None else f.destination_service_c
        o.destination = destination = _struct_endpoint(raw, dst_ip, svc)
    elif pair[5] == raw:
        o.destination = destination = pair[6]
    else:
        hit = _ip_ep_cache.get(dst_ip)
        if hit is None or hit[0] != raw:
            hit = _ip_endpoint(raw, dst_ip, hit)
        pair[5] = hit[0]
        o.destination = pair[6] = destination = hit[1]
    if not src_ip and not dst_ip and _blank(source) and _blank(destination):
        raise _Fallback
    v = f.Type
    o.flow_type = v if type(v) is str else _enum(_FLOW_TYPE, v, "", "")
    l7 = f.l7
    if l7 is not None:
        v = l7.type
        h, d = l7.http, l7.dns
        o.l7_summary = _l7_summary(
            "Kafka" if l7.kafka is not None else "",
            v if type(v) is str else _enum(_L7_TYPE, v, "", "") if v else "",
            None if h is None else (h.code, h.method, h.url),
            None if h is not None or d is None else (d.query, d.rcode),
        )
    else:
        o.l7_summary = ""
    pmt = f.policy_match_type if f.policy_match_type is not None else f.policy_match_type_c
    o.policy_match_type = pmt or 0
    node = f.node_name if f.node_name is not msgspec.UNSET else f.node_name_c
    if not node:
        node = resp.node_name if resp.node_name is not None else resp.node_name_c
    o.node_name = node
    o.summary = f.Summary
    iface = f.interface
    o.interface = "" if iface is None else iface.name or (str(iface.index) if iface.index else "")
    v = f.trace_observation_point if f.trace_observation_point is not None else f.trace_observation_point_c
    o.trace_observation_point = v if type(v) is str else _enum(_OBS_POINT, v, "", "") if v else ""
    o.egress_allowed_by = o.ingress_allowed_by = o.egress_denied_by = o.ingress_denied_by = ()
    o.source_names = o.destination_names = o.policy_log = ()
    o.drop_file = o.auth_type = ""
    if (
        f.file is not None
        or f.auth_type is not None
        or f.source_names is not None
        or f.destination_names is not None
        or f.policy_log is not None
        or f.egress_allowed_by is not None
        or f.ingress_allowed_by is not None
        or f.egress_denied_by is not None
        or f.ingress_denied_by is not None
        or f.auth_type_c is not None
        or f.source_names_c is not None
        or f.destination_names_c is not None
        or f.policy_log_c is not None
        or f.egress_allowed_by_c is not None
        or f.ingress_allowed_by_c is not None
        or f.egress_denied_by_c is not None
        or f.ingress_denied_by_c is not None
    ):
        for name, value in _json_rare(_struct_rare(f)).items():
            setattr(o, name, value)
    if _TWIN_IS_FLOW:
        o.__class__ = Flow
        return o  # type: ignore[no-any-return]
    return _twin_to_flow(o)


def _twin_class() -> tuple[Any, bool]:
    """`Flow(...)` costs ~35 frozen-dataclass `object.__setattr__` calls (a third of the conversion time).

    _fast_flow fills a plain class with Flow's exact slots (same names, same order, so the same memory layout)
    by ordinary attribute stores, then makes the object a Flow by `__class__` assignment, which CPython allows
    only between layout-compatible classes. Checked once at import against `Flow()`: anything unusual (a field
    _fast_flow does not fill, a __post_init__, a refused class swap) gives a twin with _fast_flow's own slots,
    turned into a Flow through its __init__ (`_twin_to_flow`).
    """
    filled = (*_FAST_FIELDS, *_FAST_DEFAULTED)
    names = tuple(fd.name for fd in dataclasses.fields(Flow))
    if getattr(Flow, "__slots__", None) == names and set(names) == set(filled):
        twin = type("_FlowTwin", (), {"__slots__": names})
        try:
            probe: Any = object.__new__(twin)
            for fd in dataclasses.fields(Flow):
                setattr(probe, fd.name, fd.default)
            probe.__class__ = Flow
            if probe == Flow() and not hasattr(Flow, "__post_init__"):
                return twin, True
        except TypeError:  # layouts differ after all
            pass
    return type("_FlowTwin", (), {"__slots__": filled}), False


def _twin_to_flow(o: Any) -> Flow:
    fields = {fd.name for fd in dataclasses.fields(Flow)}
    return Flow(**{name: getattr(o, name) for name in type(o).__slots__ if name in fields})


_NO_DROP = ("", 0)
# every Flow field _fast_flow fills from the line; and the ones it sets to their default (rare fields)
_FAST_FIELDS = (
    "time_ns",
    "time",
    "uuid",
    "verdict",
    "drop_reason",
    "drop_reason_code",
    "traffic_direction",
    "event_type",
    "event_sub_type",
    "is_reply",
    "ip_version",
    "protocol",
    "source_port",
    "destination_port",
    "tcp_flags",
    "icmp_type",
    "icmp_code",
    "source",
    "destination",
    "flow_type",
    "l7_summary",
    "policy_match_type",
    "node_name",
    "summary",
    "interface",
    "trace_observation_point",
)
_FAST_DEFAULTED = (
    "egress_allowed_by",
    "ingress_allowed_by",
    "egress_denied_by",
    "ingress_denied_by",
    "source_names",
    "destination_names",
    "policy_log",
    "drop_file",
    "auth_type",
)
_FlowTwin, _TWIN_IS_FLOW = _twin_class()
_new_twin = object.__new__


def _struct_rare(f: _JFlow) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, attr, camel in _RARE_FIELDS:
        v = getattr(f, attr)
        if v is None:
            v = getattr(f, camel)
        if v is not None:
            out[name] = _snake_keys(v)
    return out


# What the typed path raises for a line it cannot take (the general path then decides and words the error).
# RecursionError: msgspec's own guard on nesting (skipped fields too); the general path checks the line against
# MAX_DEPTH before decoding and names the problem.
_FAST_PATH_ERRORS = (msgspec.MsgspecError, _Fallback, FlowFormatError, ValueError, RecursionError)


def _refuse_typed(line: bytes) -> Any:
    raise _Fallback


class LineDecoder:
    """One jsonpb line (bytes, without or with its newline) -> Flow, LostEvents or NodeStatus.

    Raises FlowFormatError (a sentence naming the field) for a line that is not one. Lines holding a flow are
    decoded by msgspec into typed structs of only the fields we read; anything that path cannot take (lost
    events, node status, legacy bare flows, a wrong type, a value out of range) goes through `json.loads` and
    `convert_json`, so both give the same Flow and the same errors. `fast`/`fallbacks` count the two paths.
    """

    def __init__(self) -> None:
        self.fast = 0
        self.fallbacks = 0
        self._decode = _RESPONSE_DECODER.decode
        # msgspec stops at the interpreter's recursion limit (RecursionError, then the general path names the
        # line). That is a safe bound at the default limit; if someone raised it, check every line first.
        self._precheck = sys.getrecursionlimit() > _TRUSTED_RECURSION_LIMIT

    def __call__(self, line: bytes) -> Item:
        return self.decode(line)

    def hot_loop_parts(
        self,
    ) -> tuple[Callable[[bytes], Any], Callable[[Any, Any], Flow], tuple[type[BaseException], ...]]:
        """For a caller's own per-line loop (file replay): the typed path without a method call per line, as
        (typed decode of a line -> response, (response, response.flow) -> Flow, the exceptions that send a line
        to `decode`). A line whose response has no flow, or that raises one of those, goes to `decode`, which
        words any error. With the nesting pre-check on, the typed decode sends every line to `decode`. Lines
        decoded this way are not counted in `fast`."""
        if self._precheck:
            return _refuse_typed, _fast_flow, _FAST_PATH_ERRORS
        return self._decode, _fast_flow, _FAST_PATH_ERRORS

    def decode(self, line: bytes) -> Item:
        """The same as calling the decoder (a plain method: cheaper to call in a loop)."""
        if self._precheck and nesting_exceeds(line):
            raise FlowFormatError(_too_deep(MAX_DEPTH))
        try:
            resp = self._decode(line)
            f = resp.flow
            if f is not None:
                flow = _fast_flow(resp, f)
                self.fast += 1
                return flow
        except _FAST_PATH_ERRORS:
            pass
        self.fallbacks += 1
        return decode_general(line)


# --------------------------------------------------------------------------------------------------------------
# lowerCamel JSON and the slow-path validator (finds the field to name when the fast path failed)
# --------------------------------------------------------------------------------------------------------------
def _collect_camel(desc: Descriptor, out: dict[str, str], seen: set[str]) -> None:
    if desc.full_name in seen:
        return
    seen.add(desc.full_name)
    for fd in desc.fields:
        if fd.json_name != fd.name:
            out[fd.json_name] = fd.name
        if fd.message_type is not None:
            _collect_camel(fd.message_type, out, seen)


_CAMEL_KEYS: dict[str, str] = {}
_collect_camel(observer_pb2.GetFlowsResponse.DESCRIPTOR, _CAMEL_KEYS, set())


def _snake_keys(value: Any, depth: int = 0) -> Any:
    """The same value with every lowerCamel key (of the Hubble protos) renamed to its proto name, at any depth."""
    if type(value) is dict:
        if depth > MAX_DEPTH:
            raise FlowFormatError(_too_deep(MAX_DEPTH))
        return {_CAMEL_KEYS.get(k, k): _snake_keys(v, depth + 1) for k, v in value.items()}
    if type(value) is list:
        if depth > MAX_DEPTH:
            raise FlowFormatError(_too_deep(MAX_DEPTH))
        return [_snake_keys(v, depth + 1) for v in value]
    return value


_INT_TYPES = {
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_SFIXED32,
}
_INT64_TYPES = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}
_WRAPPERS = {
    "google.protobuf.BoolValue": (bool,),
    "google.protobuf.Int32Value": (int,),
    "google.protobuf.UInt32Value": (int,),
}


def _check_value(fd: FieldDescriptor, v: Any, path: str) -> str | None:
    t = fd.type
    if t == FieldDescriptor.TYPE_MESSAGE:
        full = fd.message_type.full_name
        if full == "google.protobuf.Timestamp":
            if type(v) is not str:
                return _wrong_type(path, "an RFC 3339 time", _found(v))
            try:
                parse_time_ns(v)
            except ValueError:
                return _bad_value(path, f"{v!r} is not an RFC 3339 time")
            return None
        if full in _WRAPPERS:
            ok = type(v) in _WRAPPERS[full]
            return (
                None
                if ok
                else _wrong_type(
                    path, "true or false" if full.endswith("BoolValue") else "a number", _found(v)
                )
            )
        if full.startswith("google.protobuf."):
            return None
        if type(v) is not dict:
            return _wrong_type(path, "an object", _found(v))
        return _check_message(fd.message_type, v, path)
    if t == FieldDescriptor.TYPE_ENUM:
        return None if type(v) in (str, int) else _wrong_type(path, "an enum name", _found(v))
    if t == FieldDescriptor.TYPE_STRING:
        return None if type(v) is str else _wrong_type(path, "a string", _found(v))
    if t == FieldDescriptor.TYPE_BOOL:
        return None if type(v) is bool else _wrong_type(path, "true or false", _found(v))
    if t in _INT_TYPES:
        return None if type(v) is int else _wrong_type(path, "a number", _found(v))
    if t in _INT64_TYPES:
        ok = type(v) is int or (type(v) is str and v.lstrip("-").isdigit())
        return None if ok else _wrong_type(path, "a number", _found(v))
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        ok = type(v) in (int, float) or v in ("NaN", "Infinity", "-Infinity")
        return None if ok else _wrong_type(path, "a number", _found(v))
    return None


def _check_message(desc: Descriptor, obj: dict[str, Any], path: str) -> str | None:
    for key, v in obj.items():
        fd = desc.fields_by_name.get(key) or desc.fields_by_name.get(_CAMEL_KEYS.get(key, ""))
        if fd is None or v is None:
            continue
        p = f"{path}.{key}" if path else key
        if fd.is_repeated:
            if type(v) is not list:
                return _wrong_type(p, "a list", _found(v))
            for item in v:
                problem = _check_value(fd, item, f"{p}[]")
                if problem:
                    return problem
        else:
            problem = _check_value(fd, v, p)
            if problem:
                return problem
    return None


def json_problem(obj: Any) -> str | None:
    """Why `obj` is not a valid jsonpb flow line, as a sentence naming the field; None when it is fine."""
    if type(obj) is not dict:
        return _not_object(_found(obj))
    if any(k in obj for k in ("flow", "lost_events", "lostEvents", "node_status", "nodeStatus")):
        return _check_message(observer_pb2.GetFlowsResponse.DESCRIPTOR, obj, "")
    if _looks_like_bare_flow(obj):
        return _check_message(flow_pb2.Flow.DESCRIPTOR, obj, "flow")
    return _not_flow()


# --------------------------------------------------------------------------------------------------------------
# Filters: core.flowquery.FilterSpec <-> flow.FlowFilter (one mapping for the client and the test/demo server)
# --------------------------------------------------------------------------------------------------------------
_VERDICT_CODE = {name: num for num, name in _VERDICT.items()}
_DIRECTION_CODE = {name: num for num, name in _DIRECTION.items()}


def spec_to_pb(spec: FilterSpec) -> Any:
    """A FilterSpec -> `flow.FlowFilter`, as the Hubble CLI would send it."""
    ff = flow_pb2.FlowFilter(
        source_pod=spec.source_pod,
        destination_pod=spec.destination_pod,
        source_label=spec.source_label,
        destination_label=spec.destination_label,
        source_ip=spec.source_ip,
        destination_ip=spec.destination_ip,
        verdict=[_VERDICT_CODE[v] for v in spec.verdict],  # type: ignore[misc]  # the stubs want enum values
        drop_reason_desc=[_DROP_CODE[r] for r in spec.drop_reason_desc if r in _DROP_CODE],  # type: ignore[misc]
        source_port=spec.source_port,
        destination_port=spec.destination_port,
        protocol=spec.protocol,
        traffic_direction=[_DIRECTION_CODE[d] for d in spec.traffic_direction],  # type: ignore[misc]
        uuid=spec.uuid,
    )
    for etype, sub in spec.event_type:
        ff.event_type.add(type=etype, match_sub_type=sub is not None, sub_type=sub or 0)
    return ff


# FlowFilter fields spec_from_pb() understands; a request using others is matched on these only.
SUPPORTED_FILTER_FIELDS = frozenset(
    (
        "source_pod",
        "destination_pod",
        "source_label",
        "destination_label",
        "source_ip",
        "destination_ip",
        "verdict",
        "drop_reason_desc",
        "source_port",
        "destination_port",
        "protocol",
        "traffic_direction",
        "event_type",
        "uuid",
    )
)


def spec_from_pb(ff: Any) -> FilterSpec:
    """A `flow.FlowFilter` -> FilterSpec (the fields in SUPPORTED_FILTER_FIELDS)."""
    return FilterSpec(
        source_pod=tuple(ff.source_pod),
        destination_pod=tuple(ff.destination_pod),
        source_label=tuple(ff.source_label),
        destination_label=tuple(ff.destination_label),
        source_ip=tuple(ff.source_ip),
        destination_ip=tuple(ff.destination_ip),
        verdict=tuple(_VERDICT.get(v, str(v)) for v in ff.verdict),
        drop_reason_desc=tuple(DROP_REASONS.get(v, str(v)) for v in ff.drop_reason_desc),
        source_port=tuple(ff.source_port),
        destination_port=tuple(ff.destination_port),
        protocol=tuple(ff.protocol),
        traffic_direction=tuple(_DIRECTION.get(v, str(v)) for v in ff.traffic_direction),
        event_type=tuple((e.type, e.sub_type if e.match_sub_type else None) for e in ff.event_type),
        uuid=tuple(ff.uuid),
    )


def unsupported_filter_fields(ff: Any) -> list[str]:
    """Names of FlowFilter fields set in `ff` that spec_from_pb() ignores."""
    return [fd.name for fd, _ in ff.ListFields() if fd.name not in SUPPORTED_FILTER_FIELDS]
