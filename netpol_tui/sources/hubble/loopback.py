"""A small Hubble-compatible gRPC server on loopback: `GetFlows` with `follow` and `ServerStatus`, nothing else.

It serves what it is given with `push()` (jsonpb dicts, `hubble observe -o jsonpb` lines) to every follower, with
the server-side filters (whitelist/blacklist) a real Relay applies. `netpol-tui demo` streams its scenario through
it, so the demo takes the same gRPC path, converter and reconnect loop as a live Relay.

    server = LoopbackHubble(node_name="demo-worker")
    address = server.start()              # "127.0.0.1:PORT"
    server.request_received.wait()        # a client subscribed
    server.push({"flow": {...}, "node_name": ..., "time": ...})
    server.stop()
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent import futures
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # see client.py

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402

from netpol_tui._proto.observer import observer_pb2, observer_pb2_grpc  # noqa: E402
from netpol_tui.sources import flows as conv  # noqa: E402

VERSION = "v1.19.4"
VERSION_HEADER = "hubble-server-version"
KEEP = 4096  # pushed responses kept for followers that are between two reads


def _response(obj: Mapping[str, Any]) -> Any:
    data = dict(obj)
    if not any(k in data for k in ("flow", "lost_events", "node_status")):
        data = {"flow": data}
    resp = json_format.ParseDict(data, observer_pb2.GetFlowsResponse(), ignore_unknown_fields=True)
    if resp.HasField("flow") and not resp.HasField("time"):
        resp.time.CopyFrom(resp.flow.time)
    return resp


def _matcher(request: Any) -> Callable[[Any], bool] | None:
    """The request's FlowFilters (whitelist OR, minus blacklist OR), with the same semantics as local filtering."""
    if not request.whitelist and not request.blacklist:
        return None
    white = [conv.spec_from_pb(ff) for ff in request.whitelist]
    black = [conv.spec_from_pb(ff) for ff in request.blacklist]

    def match(resp: Any) -> bool:
        if not resp.HasField("flow"):
            return True
        flow = conv.from_pb_flow(resp.flow)
        if white and not any(s.matches(flow) for s in white):
            return False
        return not any(s.matches(flow) for s in black)

    return match


class _Observer(observer_pb2_grpc.ObserverServicer):  # type: ignore[misc]  # generated, untyped base
    def __init__(self, owner: LoopbackHubble) -> None:
        self.owner = owner

    def GetFlows(self, request: Any, context: Any) -> Iterator[Any]:  # noqa: N802 - gRPC method name
        o = self.owner
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        o.request_received.set()
        if not request.follow:
            return  # no history kept: a one-shot request gets nothing
        match = _matcher(request)
        with o._cond:
            cursor = o._pushed
            o._followers += 1  # from here on every push reaches this stream
            o._cond.notify_all()
        try:
            while context.is_active() and not o._stopped.is_set():
                with o._cond:
                    while o._pushed == cursor and context.is_active() and not o._stopped.is_set():
                        o._cond.wait(0.2)
                    missed = o._pushed - cursor
                    new = o._recent[-missed:] if 0 < missed <= len(o._recent) else list(o._recent)
                    cursor = o._pushed
                for resp in new:
                    if match is None or match(resp):
                        yield resp
        finally:
            with o._cond:
                o._followers -= 1

    def ServerStatus(self, request: Any, context: Any) -> Any:  # noqa: N802
        o = self.owner
        context.send_initial_metadata(((VERSION_HEADER, o.version),))
        with o._cond:
            seen = o._pushed
        resp = observer_pb2.ServerStatusResponse(
            num_flows=min(seen, KEEP),
            max_flows=KEEP,
            seen_flows=seen,
            uptime_ns=time.monotonic_ns() - o._started_ns,
            version=o.version,
        )
        resp.num_connected_nodes.value = 1
        resp.num_unavailable_nodes.value = 0
        return resp


class LoopbackHubble:
    """An in-process `observer.Observer` (follow + ServerStatus) on 127.0.0.1. Thread-safe."""

    def __init__(self, *, node_name: str = "", version: str = VERSION, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.node_name = node_name
        self.version = version
        self.request_received = threading.Event()
        self._cond = threading.Condition()
        self._recent: list[Any] = []
        self._pushed = 0
        self._followers = 0  # follow streams being served
        self._stopped = threading.Event()
        self._server: grpc.Server | None = None
        self._started_ns = time.monotonic_ns()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> str:
        """Listen on a free loopback port; returns the address."""
        if self._server is not None:
            return self.address
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="hubble-loopback"))
        observer_pb2_grpc.add_ObserverServicer_to_server(_Observer(self), server)
        bound = server.add_insecure_port(f"{self.host}:0")
        if not bound:
            raise OSError(f"cannot listen on {self.host}")
        self.port = bound
        server.start()
        self._server = server
        self._started_ns = time.monotonic_ns()
        return self.address

    def wait_for_followers(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until `count` follow streams are being served (a client may say it is connected before the server
        has taken its request: what is pushed before that does not reach it). False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._followers < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def push(self, *objects: Mapping[str, Any]) -> None:
        """Send jsonpb objects (`{"flow": {...}, "node_name", "time"}`, or a bare flow) to every follower."""
        resps = [_response(obj) for obj in objects]
        if self.node_name:
            for r in resps:
                if not r.node_name:
                    r.node_name = self.node_name
        with self._cond:
            self._recent.extend(resps)
            if len(self._recent) > KEEP:
                del self._recent[: len(self._recent) - KEEP]
            self._pushed += len(resps)
            self._cond.notify_all()

    def stop(self) -> None:
        self._stopped.set()
        with self._cond:
            self._cond.notify_all()
        server, self._server = self._server, None
        if server is not None:
            server.stop(None).wait()


__all__ = ["LoopbackHubble"]
