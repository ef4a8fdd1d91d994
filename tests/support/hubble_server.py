"""Test kit: a Hubble-compatible gRPC server (`observer.Observer`) on loopback with faults, for tests and benchmarks.

(`netpol-tui demo` uses the small one in netpol_tui/sources/hubble/loopback.py; this one stays out of the wheel.)

How to use it::

    from support.hubble_server import HubbleServer, Faults, make_flow, policy_drop

    flows = [*policy_drop(src="shop/cart-1", dst="payments/db-0", port=5432, time_ns=t)]   # pb flow.Flow
    with HubbleServer(flows, faults=Faults(abort_after=10)) as srv:   # started on 127.0.0.1:<free port>
        srv.address                     # "127.0.0.1:40123"
        srv.push(make_flow(...))        # feed followers (and the history) while running
        srv.requests                    # every GetFlowsRequest received, as sent
        srv.restart()                   # stop and start again on the same port
    HubbleServer(stream=lambda: gen())  # each GetFlows call iterates a fresh generator (no history kept)
    HubbleServer(flows, tls=ServerTLS(cert_pem, key_pem, client_ca_pem=ca))   # TLS; mTLS with client_ca_pem

Implements GetFlows (whitelist OR of FlowFilters minus blacklist, using the same FilterSpec semantics as local
filtering; follow; number with first/last; since/until), ServerStatus, GetNodes, GetNamespaces, and empty
GetAgentEvents/GetDebugEvents. Sends the `hubble-server-version` response header. Faults: abort a stream with
UNAVAILABLE after N flows, a lost-events notice every N flows, a delay per flow.

Flows may be given as pb `flow.Flow`, `observer.GetFlowsResponse` (also lost_events/node_status ones) or jsonpb
dicts (converted with json_format: fine for tests and the demo). `make_flow()` builds a pb Flow from a compact
description; `policy_drop()` gives the two events a policy drop produces (policy-verdict type 5, then drop
type 1 sub-type = the reason code), as described in hubble-api.md section 7.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import uuid as _uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent import futures
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # keep gRPC's INFO lines off the terminal (see hubble.py)

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

from netpol_tui._proto.flow import flow_pb2  # noqa: E402
from netpol_tui._proto.observer import observer_pb2, observer_pb2_grpc  # noqa: E402
from netpol_tui._proto.relay import relay_pb2  # noqa: E402
from netpol_tui.sources import flows as conv  # noqa: E402

DEFAULT_VERSION = "v1.19.4"
VERSION_HEADER = "hubble-server-version"


@dataclass(frozen=True, slots=True)
class ServerTLS:
    """PEM bytes. With `client_ca_pem` the server requires a client certificate signed by it (mTLS)."""

    cert_pem: bytes
    key_pem: bytes
    client_ca_pem: bytes | None = None


@dataclass(slots=True)
class Faults:
    """Injected trouble. Change the fields while the server runs; each GetFlows call reads them at start."""

    abort_after: int | None = None  # abort the stream (UNAVAILABLE) after sending this many flows ...
    abort_message: str = "injected fault: stream aborted"  # ... with this detail
    abort_times: int = 1  # ... in this many streams (then streams run normally)
    lost_every: int | None = None  # send a lost_events response after every N flows
    lost_count: int = 10
    delay: float = 0.0  # seconds to wait before each flow
    unavailable_nodes: tuple[
        str, ...
    ] = ()  # reported by ServerStatus / GetNodes / a node_status at stream start


def _as_response(item: Any, node_name: str) -> Any:
    if isinstance(item, observer_pb2.GetFlowsResponse):
        return item
    if isinstance(item, flow_pb2.Flow):
        return observer_pb2.GetFlowsResponse(flow=item, node_name=item.node_name or node_name, time=item.time)
    if isinstance(item, Mapping):
        obj = dict(item)
        if not any(k in obj for k in ("flow", "lost_events", "node_status")):
            obj = {"flow": obj}
        resp = json_format.ParseDict(obj, observer_pb2.GetFlowsResponse(), ignore_unknown_fields=True)
        if resp.HasField("flow") and not resp.HasField("time"):
            resp.time.CopyFrom(resp.flow.time)
        return resp
    raise TypeError(f"cannot serve {type(item).__name__} as a flow")


def _resp_time_ns(resp: Any) -> int:
    t = resp.time if resp.HasField("time") else resp.flow.time
    return t.seconds * 1_000_000_000 + t.nanos


class _Servicer(observer_pb2_grpc.ObserverServicer):
    def __init__(self, owner: HubbleServer) -> None:
        self.o = owner

    # ---- GetFlows --------------------------------------------------------------------------------------------
    def GetFlows(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802 - gRPC method name
        o = self.o
        o._record(request)
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        match = _matcher(request)
        since = _ts(request.since) if request.HasField("since") else None
        until = _ts(request.until) if request.HasField("until") else None
        faults = o.faults
        with o._lock:
            o._streams += 1
            abort_after = faults.abort_after if o._aborted < faults.abort_times else None
            if abort_after is not None:
                o._aborted += 1
        sent = 0
        stop = o._stop_event

        def emit(resp: Any) -> Iterator[Any]:
            nonlocal sent
            if resp.HasField("flow"):
                if abort_after is not None and sent >= abort_after:
                    context.abort(grpc.StatusCode.UNAVAILABLE, faults.abort_message)
                if faults.delay and stop.wait(faults.delay):
                    return
                sent += 1
                yield resp
                if faults.lost_every and sent % faults.lost_every == 0:
                    yield observer_pb2.GetFlowsResponse(
                        lost_events=flow_pb2.LostEvent(
                            source=flow_pb2.HUBBLE_RING_BUFFER, num_events_lost=faults.lost_count
                        ),
                        node_name=o.node_name,
                        time=resp.time,
                    )
            else:
                yield resp

        if faults.unavailable_nodes:
            yield observer_pb2.GetFlowsResponse(
                node_status=relay_pb2.NodeStatusEvent(
                    state_change=relay_pb2.NODE_UNAVAILABLE,
                    node_names=faults.unavailable_nodes,
                    message="connection refused",
                ),
                time=_now_ts(),
            )

        def wanted(resp: Any) -> bool:
            if not resp.HasField("flow"):
                return True
            t = _resp_time_ns(resp)
            if since is not None and t < since:
                return False
            if until is not None and t > until:
                return False
            return match is None or match(resp.flow)

        if o._stream_factory is not None:
            n = 0
            for item in o._stream_factory():
                if not context.is_active() or stop.is_set():
                    return
                resp = _as_response(item, o.node_name)
                if not wanted(resp):
                    continue
                yield from emit(resp)
                n += 1
                if request.number and not request.follow and n >= request.number:
                    return
            return

        with o._cond:
            history = list(o._history)
            cursor = o._pushed
        selected = [r for r in history if wanted(r)]
        if request.number:
            if request.first:
                selected = selected[: request.number]
            else:
                selected = selected[-request.number :]
        elif request.follow and since is None:
            selected = []  # follow without number/since: only what comes next
        for resp in selected:
            if not context.is_active() or stop.is_set():
                return
            yield from emit(resp)
        if not request.follow:
            return
        while context.is_active() and not stop.is_set():
            with o._cond:
                while o._pushed == cursor and context.is_active() and not stop.is_set():
                    o._cond.wait(0.2)
                new = o._live[max(0, len(o._live) - (o._pushed - cursor)) :] if o._pushed > cursor else []
                cursor = o._pushed
            for resp in new:
                if wanted(resp):
                    yield from emit(resp)

    # ---- unary -----------------------------------------------------------------------------------------------
    def ServerStatus(self, request: Any, context: Any) -> Any:  # noqa: N802
        o = self.o
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        with o._cond:
            num = len(o._history)
            seen = o._seen
        resp = observer_pb2.ServerStatusResponse(
            num_flows=num,
            max_flows=o.max_flows,
            seen_flows=seen,
            uptime_ns=time.monotonic_ns() - o._started_ns,
            version=o.version,
            unavailable_nodes=o.faults.unavailable_nodes,
        )
        resp.num_connected_nodes.value = len(o.nodes)
        resp.num_unavailable_nodes.value = len(o.faults.unavailable_nodes)
        return resp

    def GetNodes(self, request: Any, context: Any) -> Any:  # noqa: N802
        o = self.o
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        resp = observer_pb2.GetNodesResponse()
        for name in o.nodes:
            resp.nodes.add(
                name=name,
                version=o.version,
                address=o.address,
                state=relay_pb2.NODE_CONNECTED,
                tls=observer_pb2.TLS(enabled=o.tls is not None),
            )
        for name in o.faults.unavailable_nodes:
            resp.nodes.add(name=name, state=relay_pb2.NODE_UNAVAILABLE)
        return resp

    def GetNamespaces(self, request: Any, context: Any) -> Any:  # noqa: N802
        o = self.o
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        with o._cond:
            seen = sorted(
                {
                    ep.namespace
                    for r in o._history
                    if r.HasField("flow")
                    for ep in (r.flow.source, r.flow.destination)
                    if ep.namespace
                }
            )
        return observer_pb2.GetNamespacesResponse(
            namespaces=[observer_pb2.Namespace(namespace=ns) for ns in seen]
        )

    def GetAgentEvents(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        context.send_initial_metadata(((VERSION_HEADER, self.o.version),))
        return iter(())

    def GetDebugEvents(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802
        context.send_initial_metadata(((VERSION_HEADER, self.o.version),))
        return iter(())


def _ts(ts: Any) -> int:
    return ts.seconds * 1_000_000_000 + ts.nanos


def _now_ts() -> Any:
    now = time.time_ns()
    from google.protobuf.timestamp_pb2 import Timestamp

    return Timestamp(seconds=now // 1_000_000_000, nanos=now % 1_000_000_000)


def _matcher(request: Any) -> Callable[[Any], bool] | None:
    """FlowFilter semantics on pb flows: whitelist (OR) minus blacklist (OR), via core FilterSpec."""
    if not request.whitelist and not request.blacklist:
        return None
    white = [conv.spec_from_pb(ff) for ff in request.whitelist]
    black = [conv.spec_from_pb(ff) for ff in request.blacklist]

    def match(pb_flow: Any) -> bool:
        flow = conv.from_pb_flow(pb_flow)
        if white and not any(s.matches(flow) for s in white):
            return False
        return not any(s.matches(flow) for s in black)

    return match


class HubbleServer:
    """An in-process `observer.Observer` server. Thread-safe; usable as a context manager."""

    def __init__(
        self,
        flows: Iterable[Any] = (),
        *,
        stream: Callable[[], Iterable[Any]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ServerTLS | None = None,
        version: str = DEFAULT_VERSION,
        node_name: str = "netpol-demo-node",
        nodes: Iterable[str] = ("netpol-demo-node",),
        max_flows: int = 4095,
        faults: Faults | None = None,
        max_workers: int = 8,
        start: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.version = version
        self.node_name = node_name
        self.nodes = tuple(nodes)
        self.max_flows = max_flows
        self.faults = faults or Faults()
        self.requests: list[Any] = []
        self.request_received = threading.Event()
        self._max_workers = max_workers
        self._stream_factory = stream
        self._lock = threading.Lock()
        self._cond = threading.Condition()
        self._history: list[Any] = [_as_response(f, node_name) for f in flows]
        self._live: list[Any] = []
        self._pushed = 0
        self._seen = len(self._history)
        self._streams = 0
        self._aborted = 0
        self._server: grpc.Server | None = None
        self._stop_event = threading.Event()
        self._started_ns = time.monotonic_ns()
        if start:
            self.start()

    # ---- lifecycle -------------------------------------------------------------------------------------------
    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def streams_started(self) -> int:
        return self._streams

    def start(self) -> int:
        """Start serving; returns the bound port (the same one again after a stop)."""
        if self._server is not None:
            return self.port
        self._stop_event = threading.Event()
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=self._max_workers, thread_name_prefix="hubble-server"),
            options=[("grpc.so_reuseport", 0)],
        )
        observer_pb2_grpc.add_ObserverServicer_to_server(_Servicer(self), server)
        target = f"{self.host}:{self.port}"
        if self.tls is not None:
            creds = grpc.ssl_server_credentials(
                [(self.tls.key_pem, self.tls.cert_pem)],
                root_certificates=self.tls.client_ca_pem,
                require_client_auth=self.tls.client_ca_pem is not None,
            )
            bound = server.add_secure_port(target, creds)
        else:
            bound = server.add_insecure_port(target)
        if not bound:
            raise OSError(f"cannot listen on {target}")
        self.port = bound
        server.start()
        self._server = server
        self._started_ns = time.monotonic_ns()
        return bound

    def stop(self, grace: float | None = None) -> None:
        """Stop serving: open streams end (clients see UNAVAILABLE or CANCELLED)."""
        server, self._server = self._server, None
        self._stop_event.set()
        with self._cond:
            self._cond.notify_all()
        if server is not None:
            server.stop(grace).wait()

    def restart(self) -> int:
        self.stop()
        return self.start()

    def __enter__(self) -> HubbleServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- feeding ---------------------------------------------------------------------------------------------
    def push(self, *items: Any) -> None:
        """Add flows (or lost_events/node_status responses): kept in the history and sent to followers."""
        resps = [_as_response(i, self.node_name) for i in items]
        with self._cond:
            self._history.extend(resps)
            if len(self._history) > self.max_flows:
                del self._history[: len(self._history) - self.max_flows]
            self._live.extend(resps)
            if len(self._live) > 100_000:
                del self._live[:50_000]
            self._pushed += len(resps)
            self._seen += len(resps)
            self._cond.notify_all()

    def _record(self, request: Any) -> None:
        copy = observer_pb2.GetFlowsRequest()
        copy.CopyFrom(request)
        with self._lock:
            self.requests.append(copy)
        self.request_received.set()

    def wait_for_request(self, count: int = 1, timeout: float = 5.0) -> Any:
        """Block until `count` GetFlows requests arrived; returns the last one (None on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if len(self.requests) >= count:
                    return self.requests[count - 1]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            self.request_received.wait(min(remaining, 0.05))
            self.request_received.clear()


# --------------------------------------------------------------------------------------------------------------
# Building flows from a compact description
# --------------------------------------------------------------------------------------------------------------
_RESERVED_ENDPOINTS = {
    "world": (2, ["reserved:world"]),
    "host": (1, ["reserved:host"]),
    "remote-node": (6, ["reserved:remote-node"]),
    "kube-apiserver": (7, ["reserved:kube-apiserver", "reserved:remote-node"]),
    "health": (4, ["reserved:health"]),
    "ingress": (8, ["reserved:ingress"]),
}


def _identity_for(labels: Iterable[str]) -> int:
    digest = hashlib.sha1("\n".join(sorted(labels)).encode()).digest()
    return 256 + int.from_bytes(digest[:4], "big") % (65535 - 256)


def make_endpoint(
    who: str,
    labels: Mapping[str, str] | None = None,
    *,
    namespace_labels: Mapping[str, str] | None = None,
    workload: tuple[str, str] | None = None,
    identity: int | None = None,
    endpoint_id: int = 0,
    cluster: str = "default",
) -> Any:
    """`ns/pod`, or a reserved name (`world`, `host`, `remote-node`, `kube-apiserver`, `health`, `ingress`),
    or `cidr:1.2.3.4/32` -> a pb `flow.Endpoint` labelled as Cilium labels it."""
    ep = flow_pb2.Endpoint(ID=endpoint_id)
    if who in _RESERVED_ENDPOINTS:
        ident, labs = _RESERVED_ENDPOINTS[who]
        ep.identity = identity if identity is not None else ident
        ep.labels.extend(labs)
        return ep
    if who.startswith("cidr:"):
        ep.identity = identity if identity is not None else (1 << 24) + 1
        ep.labels.extend([who, "reserved:world"])
        return ep
    ns, _, pod = who.partition("/")
    if not pod:
        ns, pod = "default", who
    labs = [f"k8s:{k}={v}" for k, v in sorted((labels or {}).items())]
    nsl = {"kubernetes.io/metadata.name": ns, **(namespace_labels or {})}
    labs += [f"k8s:io.cilium.k8s.namespace.labels.{k}={v}" for k, v in sorted(nsl.items())]
    labs += [
        f"k8s:io.cilium.k8s.policy.cluster={cluster}",
        "k8s:io.cilium.k8s.policy.serviceaccount=default",
        f"k8s:io.kubernetes.pod.namespace={ns}",
    ]
    labs.sort()
    ep.namespace = ns
    ep.pod_name = pod
    ep.labels.extend(labs)
    ep.identity = identity if identity is not None else _identity_for(labs)
    if workload:
        ep.workloads.add(kind=workload[0], name=workload[1])
    return ep


_EVENT_TYPES = {"drop": 1, "trace": 4, "policy-verdict": 5, "l7": 129}


def make_flow(
    *,
    src: str = "default/client",
    dst: str = "default/server",
    src_labels: Mapping[str, str] | None = None,
    dst_labels: Mapping[str, str] | None = None,
    src_ns_labels: Mapping[str, str] | None = None,
    dst_ns_labels: Mapping[str, str] | None = None,
    src_ip: str = "10.0.1.10",
    dst_ip: str = "10.0.2.20",
    port: int = 80,
    sport: int = 40000,
    protocol: str = "TCP",
    verdict: str = "DROPPED",
    drop_reason: str | int | None = "POLICY_DENIED",
    direction: str = "INGRESS",
    event_type: str | int = "drop",
    sub_type: int | None = None,
    time_ns: int | None = None,
    uuid: str | None = None,
    node_name: str = "netpol-demo-node",
    is_reply: bool | None = None,
    src_workload: tuple[str, str] | None = None,
    dst_workload: tuple[str, str] | None = None,
    policy_match_type: int = 0,
    ingress_denied_by: Iterable[tuple[str, str, str]] = (),
    egress_denied_by: Iterable[tuple[str, str, str]] = (),
    ingress_allowed_by: Iterable[tuple[str, str, str]] = (),
    egress_allowed_by: Iterable[tuple[str, str, str]] = (),
    summary: str | None = None,
) -> Any:
    """A pb `flow.Flow` from a compact description. Policies are (namespace, name, kind) triples.

    `event_type`: "drop" (1; sub_type = the drop reason code), "policy-verdict" (5), "trace" (4), "l7" (129) or
    a number. `drop_reason` applies only when verdict is DROPPED. `uuid=None` makes a fresh uuid; "" none.
    """
    et = _EVENT_TYPES.get(event_type, event_type) if isinstance(event_type, str) else event_type
    if not isinstance(et, int):
        raise ValueError(f"unknown event type {event_type!r}")
    t = time.time_ns() if time_ns is None else time_ns
    f = flow_pb2.Flow(
        uuid=str(_uuid.uuid4()) if uuid is None else uuid,
        verdict=flow_pb2.Verdict.Value(verdict),
        traffic_direction=flow_pb2.TrafficDirection.Value(direction),
        Type=flow_pb2.L3_L4,
        node_name=node_name,
        policy_match_type=policy_match_type,
    )
    f.time.seconds, f.time.nanos = divmod(t, 1_000_000_000)
    f.IP.source = src_ip
    f.IP.destination = dst_ip
    f.IP.ipVersion = flow_pb2.IPv6 if ":" in src_ip else flow_pb2.IPv4
    proto = protocol.upper()
    if proto == "TCP":
        f.l4.TCP.source_port, f.l4.TCP.destination_port = sport, port
        f.l4.TCP.flags.SYN = True
    elif proto == "UDP":
        f.l4.UDP.source_port, f.l4.UDP.destination_port = sport, port
    elif proto == "SCTP":
        f.l4.SCTP.source_port, f.l4.SCTP.destination_port = sport, port
    elif proto in ("ICMP", "ICMPV4"):
        f.l4.ICMPv4.type = 8
    else:
        raise ValueError(f"unknown protocol {protocol!r}")
    f.source.CopyFrom(make_endpoint(src, src_labels, namespace_labels=src_ns_labels, workload=src_workload))
    f.destination.CopyFrom(
        make_endpoint(dst, dst_labels, namespace_labels=dst_ns_labels, workload=dst_workload)
    )
    code = 0
    if verdict == "DROPPED" and drop_reason:
        code = drop_reason if isinstance(drop_reason, int) else flow_pb2.DropReason.Value(drop_reason)
        f.drop_reason_desc = code
        f.drop_reason = code
    f.event_type.type = et
    f.event_type.sub_type = sub_type if sub_type is not None else (code if et == 1 else 0)
    if is_reply is not None:
        f.is_reply.value = is_reply
    for field_name, items in (
        ("ingress_denied_by", ingress_denied_by),
        ("egress_denied_by", egress_denied_by),
        ("ingress_allowed_by", ingress_allowed_by),
        ("egress_allowed_by", egress_allowed_by),
    ):
        for ns, name, kind in items:
            getattr(f, field_name).add(
                name=name,
                namespace=ns,
                kind=kind,
                labels=[
                    f"k8s:io.cilium.k8s.policy.derived-from={kind}",
                    f"k8s:io.cilium.k8s.policy.name={name}",
                    f"k8s:io.cilium.k8s.policy.namespace={ns}",
                ],
                revision=1,
            )
    if summary is None:
        summary = "TCP Flags: SYN" if proto == "TCP" else proto
    f.Summary = summary
    return f


def policy_drop(**kw: Any) -> list[Any]:
    """The two events of one policy drop: a policy-verdict (type 5, DROPPED) then the drop (type 1, sub-type =
    reason code), same packet and time, different uuids. Takes make_flow()'s arguments."""
    kw.setdefault("verdict", "DROPPED")
    kw.setdefault("time_ns", time.time_ns())
    verdict_ev = make_flow(**{**kw, "event_type": "policy-verdict"})
    drop_ev = make_flow(
        **{
            **kw,
            "event_type": "drop",
            "policy_match_type": 0,
            "ingress_denied_by": (),
            "egress_denied_by": (),
        }
    )
    return [verdict_ev, drop_ev]


# --------------------------------------------------------------------------------------------------------------
# A server in a process of its own (killed with SIGKILL by the reconnect tests)
# --------------------------------------------------------------------------------------------------------------
NUMBERED_T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def numbered_flow(i: int, *, uuids: bool = True) -> Any:
    """Flow number `i` of the deterministic sequence: two flows per millisecond (the second one a different
    source port), source pod `shop/client-<i>`, uuid `...-<i>` (or none)."""
    return make_flow(
        src=f"shop/client-{i}",
        dst="payments/db-0",
        src_ip=f"10.1.{i // 250}.{i % 250 + 1}",
        port=5432,
        sport=20000 + i,
        time_ns=NUMBERED_T0 + (i // 2) * 1_000_000,
        uuid=f"00000000-0000-4000-8000-{i:012d}" if uuids else "",
    )


def flow_number(pod_name: str) -> int:
    """The `i` of numbered_flow(i), from its source pod name."""
    return int(pod_name.rsplit("-", 1)[1])


def serve_numbered(argv: list[str] | None = None) -> None:
    """`python tests/support/hubble_server.py --port P --count N [--delay S] [--no-uuid]`: serve the numbered
    sequence on 127.0.0.1:P to every GetFlows call (since/until and filters applied), then hold the stream open
    as a follow stream would. Prints `ready <port>` once listening; runs until killed."""
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--count", type=int, default=400)
    p.add_argument("--delay", type=float, default=0.005)
    p.add_argument("--no-uuid", action="store_true")
    p.add_argument("--silent", action="store_true", help="accept GetFlows and send nothing")
    args = p.parse_args(argv)
    flows = [numbered_flow(i, uuids=not args.no_uuid) for i in range(args.count)]
    forever = threading.Event()

    def stream() -> Iterator[Any]:
        if not args.silent:
            yield from flows
        forever.wait()

    srv = HubbleServer(stream=stream, port=args.port, faults=Faults(delay=args.delay), max_workers=64)
    print(f"ready {srv.port}", flush=True)
    forever.wait()


__all__ = [
    "DEFAULT_VERSION",
    "NUMBERED_T0",
    "Faults",
    "HubbleServer",
    "ServerTLS",
    "flow_number",
    "make_endpoint",
    "make_flow",
    "numbered_flow",
    "policy_drop",
    "serve_numbered",
]


if __name__ == "__main__":
    serve_numbered()
