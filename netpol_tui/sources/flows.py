"""Hubble flows -> `core.model.Flow`: the one converter, for protobuf (live gRPC) and jsonpb dicts (files).

How to use it::

    from netpol_tui.sources import flows

    item = flows.convert_response(pb_resp)    # observer.GetFlowsResponse -> Flow | LostEvents | NodeStatus | None
    item = flows.convert_json(obj)            # json.loads() of one `hubble observe -o jsonpb` line, same result
    flow = flows.from_pb_flow(pb_flow)        # flow.Flow -> Flow
    flow = flows.from_json_flow(obj["flow"])  # the jsonpb dict of a Flow -> Flow
    flows.json_problem(obj)                   # why a dict is not a valid flow line (a sentence), or None

Both inputs go through the same builders (`_endpoint`, `_policies`, `_drop_reason`, `_l7_summary`) fed with
already-extracted primitives, so a pb Flow and its jsonpb form give equal `core.Flow`s. Replay never goes through
`google.protobuf.json_format` (25x slower than `json.loads`); malformed dicts raise `FlowFormatError`.

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
* `time`: the RFC 3339 string as printed (for pb: formatted as Hubble's JSON does), `time_ns` the Unix ns.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from netpol_tui._proto.flow import flow_pb2
from netpol_tui._proto.observer import observer_pb2
from netpol_tui._proto.relay import relay_pb2
from netpol_tui.core import render
from netpol_tui.core.filters import FilterSpec, format_time_ns, parse_time_ns
from netpol_tui.core.model import (
    Endpoint,
    EndpointKind,
    Flow,
    LostEvents,
    NodeStatus,
    PolicyRef,
    Workload,
)

__all__ = [
    "FlowFormatError",
    "convert_json",
    "convert_response",
    "from_json_flow",
    "from_pb_flow",
    "json_problem",
    "DROP_REASONS",
    "spec_from_pb",
    "spec_to_pb",
]


class FlowFormatError(ValueError):
    """A jsonpb dict that is not a Hubble flow; `str()` is a sentence naming the field."""


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
def _compile_flow_maker() -> Any:
    """`Flow(**kw)` costs ~40 frozen-dataclass `object.__setattr__` calls (a third of the conversion time).

    This builds an equivalent constructor that fills the slots through their member descriptors, with every
    default applied. Used only when Flow is a plain slotted frozen dataclass without __post_init__ (else Flow).
    """
    fields = dataclasses.fields(Flow)
    if hasattr(Flow, "__post_init__") or not hasattr(Flow, "__slots__"):
        return Flow
    env: dict[str, Any] = {"_new": object.__new__, "_cls": Flow}
    params, body = [], []
    for i, fd in enumerate(fields):
        if fd.default is not dataclasses.MISSING:
            env[f"_d{i}"] = fd.default
            params.append(f"{fd.name}=_d{i}")
        elif fd.default_factory is not dataclasses.MISSING:
            return Flow  # a mutable default would need a factory call: keep the real __init__
        else:
            params.append(fd.name)
        env[f"_s{i}"] = getattr(Flow, fd.name).__set__
        body.append(f"    _s{i}(o, {fd.name})")
    src = f"def make(*, {', '.join(params)}):\n    o = _new(_cls)\n" + "\n".join(body) + "\n    return o\n"
    exec(src, env)  # noqa: S102 - generated from the dataclass' own field list
    return env["make"]


_make_flow = _compile_flow_maker()


# --------------------------------------------------------------------------------------------------------------
# Shared builders (primitives in, model out)
# --------------------------------------------------------------------------------------------------------------
_label_cache: dict[
    tuple[str, ...], tuple[dict[str, str], dict[str, str], tuple[str, ...], frozenset[str]]
] = {}


def _split_labels(
    labels: tuple[str, ...],
) -> tuple[dict[str, str], dict[str, str], tuple[str, ...], frozenset[str]]:
    """("k8s:app=db", ...) -> (pod labels, namespace labels, other labels, reserved names)."""
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
            raise FlowFormatError(render.replay_wrong_type("labels[]", "a string", _found(lab)))
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
    result = (own, ns_labels, tuple(other), frozenset(reserved), pod_ns)
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
            raise FlowFormatError(
                render.replay_wrong_type(name, "a string" if want is str else "a number", _found(value))
            )
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
    if http is not None:
        code, method, url = http
        return " ".join(p for p in ("HTTP", method, url, str(code) if code else "") if p)
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


def from_pb_flow(pb_flow: Any, node_name: str = "") -> Flow:
    """A `flow.Flow` message -> core Flow. `node_name` is used when the flow itself has none."""
    t = pb_flow.time
    time_ns = t.seconds * 1_000_000_000 + t.nanos
    ip = pb_flow.IP
    src_ip = ip.source
    dst_ip = ip.destination
    l4 = pb_flow.l4
    proto = l4.WhichOneof("protocol") or ""
    sport = dport = 0
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
    return _make_flow(
        time_ns=time_ns,
        time=format_time_ns(time_ns) if time_ns else "",
        uuid=pb_flow.uuid,
        verdict=_VERDICT.get(pb_flow.verdict, str(pb_flow.verdict)),
        drop_reason=reason,
        drop_reason_code=code,
        traffic_direction=_DIRECTION.get(pb_flow.traffic_direction, str(pb_flow.traffic_direction)),
        event_type=et.type,
        event_sub_type=et.sub_type,
        is_reply=pb_flow.is_reply.value if pb_flow.HasField("is_reply") else None,
        ip_version=_IP_VERSION.get(ip.ipVersion, "") if ip.ipVersion else "",
        protocol=proto,
        source_port=sport,
        destination_port=dport,
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
    )


def _ts_ns(ts: Any) -> int:
    return ts.seconds * 1_000_000_000 + ts.nanos


def convert_response(pb_resp: Any) -> Flow | LostEvents | NodeStatus | None:
    """An `observer.GetFlowsResponse` -> Flow, LostEvents or NodeStatus (None for an empty/unknown response)."""
    which = pb_resp.WhichOneof("response_types")
    if which == "flow":
        return from_pb_flow(pb_resp.flow, pb_resp.node_name)
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
# jsonpb dicts
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
    raise FlowFormatError(render.replay_wrong_type(path, "an enum name", _found(value)))


def _uint(value: Any, path: str) -> int:
    if type(value) is int:
        return value
    if value is None:
        return 0
    if type(value) is str and value.isdigit():
        return int(value)
    raise FlowFormatError(render.replay_wrong_type(path, "a number", _found(value)))


def _str_list(value: Any, path: str) -> tuple[str, ...]:
    if not value:
        return ()
    if type(value) is not list:
        raise FlowFormatError(render.replay_wrong_type(path, "a list", _found(value)))
    return tuple(value)


def _json_endpoint(ep: Any, ip: str, svc: Any, path: str) -> Endpoint:
    if not ep:
        ep = _EMPTY
    elif type(ep) is not dict:
        raise FlowFormatError(render.replay_wrong_type(path, "an object", _found(ep)))
    g = ep.get
    wls = g("workloads")
    workloads: tuple[tuple[str, str], ...] = ()
    if wls:
        if type(wls) is not list or not all(type(w) is dict for w in wls):
            raise FlowFormatError(
                render.replay_wrong_type(f"{path}.workloads", "a list of objects", _found(wls))
            )
        workloads = tuple((w.get("kind", ""), w.get("name", "")) for w in wls)
    service = ""
    if svc:
        if type(svc) is not dict:
            raise FlowFormatError(render.replay_wrong_type(f"{path}_service", "an object", _found(svc)))
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
        raise FlowFormatError(render.replay_wrong_type(path, "a list", _found(items)))
    out = []
    for p in items:
        if type(p) is not dict:
            raise FlowFormatError(render.replay_wrong_type(f"{path}[]", "an object", _found(p)))
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
        raise FlowFormatError(render.replay_wrong_type(path, "an object", _found(value)))
    return value


def from_json_flow(f: dict[str, Any], node_name: str = "") -> Flow:
    """The jsonpb dict of a `flow.Flow` (proto field names, as `hubble observe -o jsonpb` prints) -> core Flow.

    lowerCamel keys (`dropReasonDesc`, from other protobuf JSON printers) are accepted too.
    Raises FlowFormatError (a sentence) when a field has the wrong type.
    """
    # Hot path for file replay: common fields are read inline, rare ones only when present.
    if not f.keys().isdisjoint(_CAMEL_FLOW_KEYS):
        f = _snake_keys(f)
    g = f.get
    t = g("time")
    if t:
        if type(t) is not str:
            raise FlowFormatError(render.replay_wrong_type("flow.time", "an RFC 3339 time", _found(t)))
        try:
            time_ns = parse_time_ns(t)
        except ValueError:
            raise FlowFormatError(
                render.replay_bad_value("flow.time", f"{t!r} is not an RFC 3339 time")
            ) from None
    else:
        t, time_ns = "", 0
    ip = g("IP") or _EMPTY
    if type(ip) is not dict:
        raise FlowFormatError(render.replay_wrong_type("flow.IP", "an object", _found(ip)))
    src_ip = ip.get("source", "")
    dst_ip = ip.get("destination", "")
    ipv = ip.get("ipVersion")
    ip_version = (
        "" if ipv is None else ipv if type(ipv) is str else _enum(_IP_VERSION, ipv, "flow.IP.ipVersion", "")
    )
    l4 = g("l4")
    proto = ""
    sport = dport = 0
    flags: tuple[str, ...] = ()
    if l4:
        if type(l4) is not dict:
            raise FlowFormatError(render.replay_wrong_type("flow.l4", "an object", _found(l4)))
        for name, m in l4.items():
            if name not in _L4_SET:
                continue
            proto = name
            if name in _PORTED:
                m = _obj(m, f"flow.l4.{name}")
                sport = m.get("source_port", 0)
                dport = m.get("destination_port", 0)
                if type(sport) is not int:
                    sport = _uint(sport, f"flow.l4.{name}.source_port")
                if type(dport) is not int:
                    dport = _uint(dport, f"flow.l4.{name}.destination_port")
                fl = m.get("flags")
                if fl:
                    flags = _json_flags(fl)
            break
    verdict = g("verdict", "VERDICT_UNKNOWN")
    if type(verdict) is not str:
        verdict = _enum(_VERDICT, verdict, "flow.verdict", "VERDICT_UNKNOWN")
    direction = g("traffic_direction", "TRAFFIC_DIRECTION_UNKNOWN")
    if type(direction) is not str:
        direction = _enum(_DIRECTION, direction, "flow.traffic_direction", "TRAFFIC_DIRECTION_UNKNOWN")
    flow_type = g("Type", "")
    if type(flow_type) is not str:
        flow_type = _enum(_FLOW_TYPE, flow_type, "flow.Type", "")
    et = g("event_type") or _EMPTY
    if type(et) is not dict:
        raise FlowFormatError(render.replay_wrong_type("flow.event_type", "an object", _found(et)))
    etype = et.get("type", 0)
    esub = et.get("sub_type", 0)
    if type(etype) is not int or type(esub) is not int:
        etype = _uint(etype, "flow.event_type.type")
        esub = _uint(esub, "flow.event_type.sub_type")
    is_reply = g("is_reply")
    if is_reply is not None and type(is_reply) is not bool:
        raise FlowFormatError(render.replay_wrong_type("flow.is_reply", "true or false", _found(is_reply)))
    summary = g("Summary", "")
    uuid = g("uuid", "")
    fnode = g("node_name", "")
    for path, v in (("flow.Summary", summary), ("flow.uuid", uuid), ("flow.node_name", fnode)):
        if type(v) is not str:
            raise FlowFormatError(render.replay_wrong_type(path, "a string", _found(v)))

    reason, code, extra = "", 0, _EMPTY
    if len(f) > _COMMON_LEN or not _RARE_KEYS.isdisjoint(f.keys()):
        if "drop_reason_desc" in f or "drop_reason" in f:
            reason, code = _json_drop_reason(g("drop_reason_desc"), g("drop_reason"))
        extra = _json_rare(f)
    src = g("source")
    dst = g("destination")
    source = _json_endpoint(src, src_ip, g("source_service"), "flow.source")
    destination = _json_endpoint(dst, dst_ip, g("destination_service"), "flow.destination")
    return _make_flow(
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
        **extra,
    )


_L4_SET = frozenset(_L4_NAMES)
_json_flag_cache: dict[tuple[str, ...], tuple[str, ...]] = {}


def _json_flags(fl: Any) -> tuple[str, ...]:
    fl = _obj(fl, "flow.l4.TCP.flags")
    key = tuple(fl)
    hit = _json_flag_cache.get(key)
    if hit is None or not all(fl.values()):
        hit = tuple(n for n in _TCP_FLAGS if fl.get(n))
        if len(_json_flag_cache) < 1024:
            _json_flag_cache[key] = hit
    return hit


# Fields most flows do not have; read by _json_rare() only when one of them is present.
_RARE_KEYS = frozenset(
    (
        "drop_reason_desc",
        "drop_reason",
        "l7",
        "interface",
        "file",
        "auth_type",
        "policy_match_type",
        "trace_observation_point",
        "source_names",
        "destination_names",
        "policy_log",
        "egress_allowed_by",
        "ingress_allowed_by",
        "egress_denied_by",
        "ingress_denied_by",
    )
)
_COMMON_LEN = 64  # more keys than this cannot all be common ones: take the slow path


def _json_drop_reason(desc: Any, numeric: Any) -> tuple[str, int]:
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
    raise FlowFormatError(render.replay_wrong_type("flow.drop_reason_desc", "an enum name", _found(desc)))


def _json_rare(f: dict[str, Any]) -> dict[str, Any]:
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
        out["l7_summary"] = _l7_summary(kind, _enum(_L7_TYPE, l7.get("type"), "flow.l7.type", ""), http, dns)
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
    object (`HUBBLE_COMPAT=legacy-json-output`), `lost_events` and `node_status` lines. Returns None for an
    object that is none of these; raises FlowFormatError for wrong types.
    """
    if type(obj) is not dict:
        raise FlowFormatError(render.replay_not_object(_found(obj)))
    f = obj.get("flow")
    if f is not None:
        if type(f) is not dict:
            raise FlowFormatError(render.replay_wrong_type("flow", "an object", _found(f)))
        node = obj.get("node_name", "") or obj.get("nodeName", "")
        return from_json_flow(f, node if type(node) is str else "")
    le = obj.get("lost_events", obj.get("lostEvents"))
    if le is not None:
        le = _obj(le, "lost_events")
        if not le.keys().isdisjoint(_CAMEL_KEYS):
            le = _snake_keys(le)
        return LostEvents(
            source=_enum(_LOST_SOURCE, le.get("source"), "lost_events.source", "UNKNOWN_LOST_EVENT_SOURCE"),
            count=_uint(le.get("num_events_lost"), "lost_events.num_events_lost"),
            node_name=_top_str(obj, "node_name", "nodeName"),
            time_ns=_top_time(obj, le),
        )
    ns = obj.get("node_status", obj.get("nodeStatus"))
    if ns is not None:
        ns = _obj(ns, "node_status")
        if not ns.keys().isdisjoint(_CAMEL_KEYS):
            ns = _snake_keys(ns)
        return NodeStatus(
            state=_enum(
                _NODE_STATE, ns.get("state_change"), "node_status.state_change", "UNKNOWN_NODE_STATE"
            ),
            node_names=_str_list(ns.get("node_names"), "node_status.node_names"),
            message=ns.get("message", "") if type(ns.get("message", "")) is str else "",
            time_ns=_top_time(obj, _EMPTY),
        )
    if _looks_like_bare_flow(obj):
        return from_json_flow(obj)
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
        "eventType",
        "Type",
        "uuid",
        "traffic_direction",
        "trafficDirection",
        "drop_reason_desc",
        "dropReasonDesc",
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
            try:
                return parse_time_ns(v)
            except ValueError:
                raise FlowFormatError(
                    render.replay_bad_value("time", f"{v!r} is not an RFC 3339 time")
                ) from None
    return 0


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
_CAMEL_FLOW_KEYS = frozenset(
    k for k in _CAMEL_KEYS if k in {fd.json_name for fd in flow_pb2.Flow.DESCRIPTOR.fields}
)


def _snake_keys(value: Any) -> Any:
    if type(value) is dict:
        return {_CAMEL_KEYS.get(k, k): _snake_keys(v) for k, v in value.items()}
    if type(value) is list:
        return [_snake_keys(v) for v in value]
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
                return render.replay_wrong_type(path, "an RFC 3339 time", _found(v))
            try:
                parse_time_ns(v)
            except ValueError:
                return render.replay_bad_value(path, f"{v!r} is not an RFC 3339 time")
            return None
        if full in _WRAPPERS:
            ok = type(v) in _WRAPPERS[full]
            return (
                None
                if ok
                else render.replay_wrong_type(
                    path, "true or false" if full.endswith("BoolValue") else "a number", _found(v)
                )
            )
        if full.startswith("google.protobuf."):
            return None
        if type(v) is not dict:
            return render.replay_wrong_type(path, "an object", _found(v))
        return _check_message(fd.message_type, v, path)
    if t == FieldDescriptor.TYPE_ENUM:
        return None if type(v) in (str, int) else render.replay_wrong_type(path, "an enum name", _found(v))
    if t == FieldDescriptor.TYPE_STRING:
        return None if type(v) is str else render.replay_wrong_type(path, "a string", _found(v))
    if t == FieldDescriptor.TYPE_BOOL:
        return None if type(v) is bool else render.replay_wrong_type(path, "true or false", _found(v))
    if t in _INT_TYPES:
        return None if type(v) is int else render.replay_wrong_type(path, "a number", _found(v))
    if t in _INT64_TYPES:
        ok = type(v) is int or (type(v) is str and v.lstrip("-").isdigit())
        return None if ok else render.replay_wrong_type(path, "a number", _found(v))
    if t in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        ok = type(v) in (int, float) or v in ("NaN", "Infinity", "-Infinity")
        return None if ok else render.replay_wrong_type(path, "a number", _found(v))
    return None


def _check_message(desc: Descriptor, obj: dict[str, Any], path: str) -> str | None:
    for key, v in obj.items():
        fd = desc.fields_by_name.get(key) or desc.fields_by_name.get(_CAMEL_KEYS.get(key, ""))
        if fd is None or v is None:
            continue
        p = f"{path}.{key}" if path else key
        if fd.is_repeated:
            if type(v) is not list:
                return render.replay_wrong_type(p, "a list", _found(v))
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
        return render.replay_not_object(_found(obj))
    if any(k in obj for k in ("flow", "lost_events", "lostEvents", "node_status", "nodeStatus")):
        return _check_message(observer_pb2.GetFlowsResponse.DESCRIPTOR, obj, "")
    if _looks_like_bare_flow(obj):
        return _check_message(flow_pb2.Flow.DESCRIPTOR, obj, "flow")
    return render.replay_not_flow()


# --------------------------------------------------------------------------------------------------------------
# Filters: core.filters.FilterSpec <-> flow.FlowFilter (one mapping for the client and the test/demo server)
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
        verdict=[_VERDICT_CODE[v] for v in spec.verdict],
        drop_reason_desc=[_DROP_CODE[r] for r in spec.drop_reason_desc if r in _DROP_CODE],
        source_port=spec.source_port,
        destination_port=spec.destination_port,
        protocol=spec.protocol,
        traffic_direction=[_DIRECTION_CODE[d] for d in spec.traffic_direction],
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
