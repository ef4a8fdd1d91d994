"""Live flows from Hubble Relay (or a cilium-agent's Hubble server) over gRPC: `observer.Observer/GetFlows`.

How to use it::

    from netpol_tui.sources.hubble import HubbleConfig, HubbleSource, HubbleError

    cfg = HubbleConfig(server="localhost:4245", query=FlowQuery(), follow=True)   # the CLI builds it from flags
    src = HubbleSource(cfg, on_idle=print)        # nothing happens until iterated
    status = src.server_status()                  # HubbleStatus (version, flows, nodes); raises HubbleError
    for batch in src.batches(max_batch=512, max_wait=0.05):   # blocking; run it in a thread worker
        for item in batch:                        # core Flow, LostEvents, NodeStatus or StreamState
            ...
    src.reopen(FlowQuery.from_flags(pods=["shop/api"]))   # from any thread: new server-side filters; the
                                                  # batches iterator goes on (a StreamState with generation+1
                                                  # marks where the new filter's items start)
    src.close()                                   # from any thread: cancels the call, batches() ends at once
    for flow in src.flows(): ...                  # core Flows only (convenience for `explain`)

Errors are `HubbleError` subclasses (errors.py) whose `str()` is a sentence; `map_grpc_error()` is the one place
gRPC status codes become them. With `follow`, a broken stream is retried with the one backoff (sources/backoff.py:
0.5 s doubling up to 10 s, jittered) on a fresh channel, resuming from the newest flow's time less
`resume_window` (`since`) and dropping the overlap's flows already received (by uuid, else by time + 5-tuple +
event type). Only the first connection failure
is fatal, unless `retry_until_connected` (the TUI's live feed): then every failure is shown as a "failed"
StreamState carrying the attempt and the delay, and retried by this same loop. TLS hints are for the first
connection only: once the server has answered (ServerStatus, or any GetFlows message), "Socket closed" or
"Connection reset by peer" is a broken connection, retried like any other.

Idle streams: a stream that gives no message for `idle_timeout` seconds (default 30) is given up without `follow`
(a HubbleStreamError naming the server and the wait), and reported once through `on_idle` with `follow`.

TLS: `--tls` or a `tls://` prefix; CA files, client certificate/key (mTLS), server name override. gRPC Python
cannot turn certificate verification off, so `--tls-allow-insecure` fetches the certificate the server presents
(without verifying it) and pins it as the only trusted root for this connection; the name check uses a name from
that certificate (read with `cryptography`). A server whose certificate changes later is refused.
"""

from __future__ import annotations

import collections
import os
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

# gRPC's C core logs on stderr ("Got goaway", handshake errors), which would scribble over the TUI; every
# failure reaches the user through our own exceptions instead.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")

import grpc  # noqa: E402
from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402

from netpol_tui._proto.observer import observer_pb2, observer_pb2_grpc  # noqa: E402
from netpol_tui.core.flowquery import FlowQuery  # noqa: E402
from netpol_tui.core.model import Flow, LostEvents, NodeStatus, StreamPhase, StreamState  # noqa: E402
from netpol_tui.sources import flows as conv  # noqa: E402
from netpol_tui.sources.backoff import Backoff  # noqa: E402
from netpol_tui.sources.hubble.errors import (  # noqa: E402
    FATAL,
    HubbleError,
    HubbleStreamError,
    HubbleTLSError,
    idle_text,
    map_grpc_error,
    server_status_text,
    still_waiting_text,
    tls_error_text,
)

DEFAULT_SERVER = "localhost:4245"
DEFAULT_PORT = 4245
BACKOFF_INITIAL = 0.5
BACKOFF_MAX = 10.0
IDLE_TIMEOUT = 30.0
_RECENT_MAX = 500_000  # flow identities kept for the resume overlap, at most

Item = Flow | LostEvents | NodeStatus | StreamState


# --------------------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class HubbleConfig:
    server: str = DEFAULT_SERVER
    tls: bool = False
    tls_ca_cert_files: tuple[str, ...] = ()
    tls_client_cert_file: str | None = None
    tls_client_key_file: str | None = None
    tls_server_name: str | None = None
    tls_allow_insecure: bool = False
    timeout: float = 5.0  # connect (first ServerStatus) deadline, seconds
    # a GetFlows stream silent this long (seconds; 0 = wait forever): without follow, give up (HubbleStreamError);
    # with follow, say so once through HubbleSource's `on_idle` and keep waiting
    idle_timeout: float = IDLE_TIMEOUT
    request_timeout: float = 12.0  # unary calls
    query: FlowQuery = field(default_factory=FlowQuery)
    follow: bool = True
    last: int | None = None  # GetFlowsRequest.number (per node through Relay)
    first: bool = False
    reconnect: bool = True  # follow only: retry a broken stream
    backoff_initial: float = BACKOFF_INITIAL
    backoff_max: float = BACKOFF_MAX
    keepalive_s: float = 30.0
    max_buffer: int = 200_000  # items held for a slow consumer before the stream is paused
    healthy_after: float = 10.0  # a stream up this long starts the backoff over
    # a resumed stream starts this far (flow time, seconds) before the newest flow received: Relay merges the
    # nodes' flows in time order only within its sort buffer, so a flow a little older than the newest one may
    # still have been on its way; the overlap's flows already received are dropped by identity
    resume_window: float = 2.0
    retry_until_connected: bool = False  # True: no failure is fatal; each one is a "failed" state, retried

    @property
    def target(self) -> str:
        """The gRPC target: `host:port` (4245 added when missing) or `unix:///path`."""
        s = self.server.strip()
        if s.startswith("tls://"):
            s = s[len("tls://") :]
        if s.startswith("unix:"):
            return s
        if s.startswith("[") and "]:" in s:
            return s
        if s.count(":") == 0:
            return f"{s}:{DEFAULT_PORT}"
        return s

    @property
    def use_tls(self) -> bool:
        return (
            self.tls
            or self.server.strip().startswith("tls://")
            or bool(self.tls_client_cert_file)
            or bool(self.tls_ca_cert_files)
            or self.tls_allow_insecure
        )


@dataclass(frozen=True, slots=True)
class HubbleStatus:
    version: str = ""
    num_flows: int = 0
    max_flows: int = 0
    seen_flows: int = 0
    uptime_ns: int = 0
    connected_nodes: int | None = None
    unavailable_nodes: int | None = None
    unavailable_node_names: tuple[str, ...] = ()
    flows_rate: float = 0.0
    header_version: str = ""  # the `hubble-server-version` response header

    @property
    def text(self) -> str:
        return server_status_text(
            self.version or self.header_version,
            self.num_flows,
            self.max_flows,
            self.connected_nodes,
            self.unavailable_nodes,
            self.unavailable_node_names,
        )


@dataclass(frozen=True, slots=True)
class HubbleNode:
    name: str
    state: str
    version: str = ""
    address: str = ""
    tls: bool = False


def build_request(query: FlowQuery, *, follow: bool, last: int | None, first: bool = False) -> Any:
    """A FlowQuery -> `observer.GetFlowsRequest` as `hubble observe` sends it (free text stays local): since and
    until as given, `number` from `last` (with `first`: the oldest `last` flows instead of the newest). Choosing
    a default number (hubble's 20) is the caller's business."""
    req = observer_pb2.GetFlowsRequest(follow=follow)
    if first:
        req.first = True
    if last:
        req.number = last
    if query.since_ns is not None:
        req.since.CopyFrom(_timestamp(query.since_ns))
    if query.until_ns is not None:
        req.until.CopyFrom(_timestamp(query.until_ns))
    for spec in query.whitelist:
        req.whitelist.append(conv.spec_to_pb(spec))
    for spec in query.blacklist:
        req.blacklist.append(conv.spec_to_pb(spec))
    return req


def _timestamp(time_ns: int) -> Timestamp:
    return Timestamp(seconds=time_ns // 1_000_000_000, nanos=time_ns % 1_000_000_000)


# --------------------------------------------------------------------------------------------------------------
# The source
# --------------------------------------------------------------------------------------------------------------
class _Failure:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


class HubbleSource:
    """One GetFlows stream (reopened on demand, resumed after breaks). See the module docstring."""

    def __init__(self, config: HubbleConfig, on_idle: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.on_idle = on_idle  # called once (from a watchdog thread) when a follow stream stays silent
        self.address = config.server
        self._query = config.query
        self._generation = 0
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reopen_requested = False
        self._channel: grpc.Channel | None = None
        self._stub: Any = None
        self._call: Any = None
        self._pinned_name = ""
        self._status: HubbleStatus | None = None
        # the server has answered on this source (ServerStatus, or a GetFlows message)
        self._connected = False
        self._creds: grpc.ChannelCredentials | None = None  # kept once connected (a pinned certificate too)
        self._channel_creds: grpc.ChannelCredentials | None = None  # the current channel's
        self._thread: threading.Thread | None = None
        self._buf: collections.deque[Any] = collections.deque()
        self._ready = threading.Event()  # set when _buf goes from empty to non-empty
        self._full = threading.Event()  # set when _buf holds a whole batch
        self._batch_hint = 512
        self._space = threading.Event()  # set when _buf has room
        self._space.set()
        # resume state: the newest flow time, the identities of the flows of the last `resume_window` (flow
        # time) with the order they came in, and the `since` of the resumed request
        self._max_time_ns = 0
        self._recent: dict[Any, int] = {}
        self._recent_order: collections.deque[tuple[int, Any]] = collections.deque()
        self._resume_since = 0
        self.flows_received = 0
        self.duplicates_dropped = 0
        self._stream_flows = 0
        # the idle watchdog: the call being read, how many messages it gave, and what ended it
        self._reading: Any = None
        self._messages = 0
        self._idle_error: HubbleError | None = None

    # ---- public ----------------------------------------------------------------------------------------------
    @property
    def query(self) -> FlowQuery:
        return self._query

    @property
    def local_only(self) -> tuple[str, ...]:
        """Parts of the current query Hubble cannot apply; this source filters them itself."""
        return self._query.local_only

    def server_status(self) -> HubbleStatus:
        """ServerStatus (connects if needed). Raises HubbleError."""
        self._ensure_channel()
        try:
            resp, call = self._stub.ServerStatus.with_call(
                observer_pb2.ServerStatusRequest(), timeout=self.config.timeout
            )
        except grpc.RpcError as exc:
            raise self._map(exc) from None
        header = ""
        for key, value in call.initial_metadata() or ():
            if key == "hubble-server-version":
                header = value
        status = HubbleStatus(
            version=resp.version,
            num_flows=resp.num_flows,
            max_flows=resp.max_flows,
            seen_flows=resp.seen_flows,
            uptime_ns=resp.uptime_ns,
            connected_nodes=resp.num_connected_nodes.value if resp.HasField("num_connected_nodes") else None,
            unavailable_nodes=resp.num_unavailable_nodes.value
            if resp.HasField("num_unavailable_nodes")
            else None,
            unavailable_node_names=tuple(resp.unavailable_nodes),
            flows_rate=resp.flows_rate,
            header_version=header,
        )
        self._status = status
        self._connected = True
        return status

    def nodes(self) -> list[HubbleNode]:
        """GetNodes (meaningful on Relay). Raises HubbleError."""
        self._ensure_channel()
        try:
            resp = self._stub.GetNodes(observer_pb2.GetNodesRequest(), timeout=self.config.request_timeout)
        except grpc.RpcError as exc:
            raise self._map(exc) from None
        return [
            HubbleNode(
                n.name, conv._NODE_STATE.get(n.state, str(n.state)), n.version, n.address, n.tls.enabled
            )
            for n in resp.nodes
        ]

    def reopen(self, query: FlowQuery | None = None) -> None:
        """Switch the stream to `query` (None: same query, fresh stream). Safe from any thread."""
        with self._lock:
            if query is not None:
                self._query = query
            self._reopen_requested = True
            call = self._call
        if call is not None:
            call.cancel()

    set_filters = reopen

    def close(self) -> None:
        """Stop: cancels the call; a blocked batches() returns at once. Safe from any thread, idempotent."""
        self._closed.set()
        with self._lock:
            call = self._call
        if call is not None:
            call.cancel()
        self._ready.set()
        self._full.set()
        self._space.set()
        ch, self._channel = self._channel, None
        if ch is not None and (self._thread is None or not self._thread.is_alive()):
            ch.close()

    def __enter__(self) -> HubbleSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batches(self, max_batch: int = 512, max_wait: float = 0.05) -> Iterator[list[Item]]:
        """Lists of items, at most `max_batch` long, delivered at least every `max_wait` s while items come.

        Raises HubbleError when the first connection fails or the stream fails for good (not when closed).
        """
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="hubble-stream", daemon=True)
            self._thread.start()
            if self.config.idle_timeout > 0:
                threading.Thread(target=self._watch_idle, name="hubble-idle", daemon=True).start()
        buf = self._buf
        self._batch_hint = max_batch
        while True:
            if not buf:
                if self._closed.is_set():
                    return
                self._ready.wait(0.5)
                self._ready.clear()
                if not buf:
                    continue
                if len(buf) < max_batch and max_wait > 0 and not self._closed.is_set():
                    # let a burst fill the batch (the reader signals "full"), but hold items at most max_wait
                    self._full.wait(max_wait)
            self._full.clear()
            batch: list[Item] = []
            end = False
            failure = None
            while buf and len(batch) < max_batch:
                item = buf.popleft()
                if item is _END:
                    end = True
                    break
                if type(item) is _Failure:
                    failure = item
                    break
                batch.append(item)
            if len(buf) < self.config.max_buffer // 2:
                self._space.set()
            if batch:
                yield batch
            if failure is not None:
                raise failure.exc
            if end:
                return

    def flows(self) -> Iterator[Flow]:
        """Only the flows (status events dropped). Raises HubbleError like batches()."""
        for batch in self.batches():
            for item in batch:
                if type(item) is Flow:
                    yield item

    # ---- connection ------------------------------------------------------------------------------------------
    def _map(self, exc: grpc.RpcError) -> HubbleError:
        cfg = self.config
        return map_grpc_error(
            exc,
            self.address,
            tls=cfg.use_tls,
            server_name=cfg.tls_server_name or self._pinned_name or cfg.target.rsplit(":", 1)[0],
            timeout=cfg.timeout,
            connected=self._connected,
        )

    def _options(self) -> list[tuple[str, Any]]:
        cfg = self.config
        opts: list[tuple[str, Any]] = [
            ("grpc.keepalive_time_ms", int(cfg.keepalive_s * 1000)),
            ("grpc.keepalive_timeout_ms", 10_000),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_receive_message_length", 64 * 1024 * 1024),
            ("grpc.initial_reconnect_backoff_ms", int(cfg.backoff_initial * 1000)),
            ("grpc.max_reconnect_backoff_ms", int(cfg.backoff_max * 1000)),
            ("grpc.enable_retries", 0),
        ]
        name = cfg.tls_server_name or self._pinned_name
        if cfg.use_tls and name:
            opts.append(("grpc.ssl_target_name_override", name))
        return opts

    def _credentials(self) -> grpc.ChannelCredentials:
        cfg = self.config

        def read(path: str) -> bytes:
            try:
                with open(path, "rb") as fh:
                    return fh.read()
            except OSError as exc:
                raise HubbleTLSError(
                    tls_error_text(self.address, "files", detail=f"{path}: {exc.strerror or exc}"),
                    self.address,
                    "",
                    "files",
                ) from None

        if bool(cfg.tls_client_cert_file) != bool(cfg.tls_client_key_file):
            raise HubbleTLSError(
                tls_error_text(
                    self.address,
                    "files",
                    detail="--tls-client-cert-file and --tls-client-key-file go together",
                ),
                self.address,
                "",
                "files",
            )
        cert = read(cfg.tls_client_cert_file) if cfg.tls_client_cert_file else None
        key = read(cfg.tls_client_key_file) if cfg.tls_client_key_file else None
        if cfg.tls_allow_insecure:
            roots: bytes | None = self._fetch_server_cert()
        elif cfg.tls_ca_cert_files:
            roots = b"\n".join(read(p) for p in cfg.tls_ca_cert_files)
        else:
            roots = None  # the system trust store
        return grpc.ssl_channel_credentials(root_certificates=roots, private_key=key, certificate_chain=cert)

    def _fetch_server_cert(self) -> bytes:
        """--tls-allow-insecure: take the certificate the server presents, unverified, and pin it."""
        target = self.config.target
        host, _, port = target.rpartition(":")
        host = host.strip("[]")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        cfg = self.config
        if cfg.tls_client_cert_file and cfg.tls_client_key_file:
            try:
                ctx.load_cert_chain(cfg.tls_client_cert_file, cfg.tls_client_key_file)
            except (OSError, ssl.SSLError):
                pass
        try:
            import socket

            with (
                socket.create_connection((host, int(port)), timeout=cfg.timeout) as sock,
                ctx.wrap_socket(sock, server_hostname=cfg.tls_server_name or host) as tls_sock,
            ):
                der = tls_sock.getpeercert(binary_form=True)
        except (OSError, ValueError) as exc:
            raise HubbleTLSError(
                tls_error_text(self.address, "fetch", detail=str(exc)), self.address, "", "fetch"
            ) from None
        if not der:
            raise HubbleTLSError(
                tls_error_text(self.address, "fetch", detail="no certificate"),
                self.address,
                "",
                "fetch",
            )
        pem = ssl.DER_cert_to_PEM_cert(der).encode()
        if not cfg.tls_server_name:
            self._pinned_name = _cert_name(der) or host
        return pem

    def _ensure_channel(self) -> None:
        if self._channel is not None:
            return
        cfg = self.config
        if cfg.use_tls:
            creds = self._creds if self._creds is not None else self._credentials()
            self._channel_creds = creds
            channel = grpc.secure_channel(cfg.target, creds, options=self._options())
        else:
            channel = grpc.insecure_channel(cfg.target, options=self._options())
        self._channel = channel
        self._stub = observer_pb2_grpc.ObserverStub(channel)

    # ---- the stream thread -----------------------------------------------------------------------------------
    def _put(self, item: Any) -> None:
        self._buf.append(item)
        self._ready.set()
        self._full.set()  # status changes and the end are delivered without waiting for a full batch

    def _state(self, state: str, message: str = "", attempt: int = 0, retry_in: float = 0.0) -> None:
        st = self._status
        self._put(
            StreamState(
                state=StreamPhase(state),
                address=self.address,
                message=message,
                attempt=attempt,
                retry_in=retry_in,
                server_version=(st.version or st.header_version) if st else "",
                time_ns=time.time_ns(),
                generation=self._generation,
            )
        )

    def _request(self, resume: bool) -> Any:
        cfg = self.config
        q = self._query.server_part()
        if resume and self._max_time_ns:
            # resume: everything from a little before the newest flow we have (the flows of that overlap
            # already received are dropped), never before the user's own --since
            since = max(self._max_time_ns - int(cfg.resume_window * 1e9), q.since_ns or 0, 0)
            self._resume_since = since
            return build_request(replace(q, since_ns=since), follow=True, last=None)
        return build_request(q, follow=cfg.follow, last=cfg.last, first=cfg.first)

    def _backoff(self) -> Backoff:
        cfg = self.config
        return Backoff(
            initial=cfg.backoff_initial,
            maximum=max(cfg.backoff_max, cfg.backoff_initial),
            healthy_after=cfg.healthy_after,
        )

    def _drop_channel(self) -> None:
        """The next attempt builds a fresh channel: one that connects at once instead of waiting out gRPC's own
        reconnect backoff on top of ours. Before the first connection it reads the TLS files again; after it,
        the credentials (and a pinned certificate) are kept."""
        self._creds = self._channel_creds if self._connected else None
        ch, self._channel = self._channel, None
        self._stub = None
        if ch is not None:
            ch.close()

    def _run(self) -> None:
        """The one reconnect loop of this stream."""
        cfg = self.config
        backoff = self._backoff()
        ever_connected = False
        resume = False
        try:
            while not self._closed.is_set():
                if backoff.attempt == 0:
                    self._state("connecting")
                err: HubbleError | None = None
                from_call = True  # the failure came from the stream (a reopen cancels it), not from setup
                try:
                    self._ensure_channel()
                    if not ever_connected or backoff.attempt:
                        self.server_status()
                    with self._lock:
                        self._reopen_requested = False
                        req = self._request(resume)
                        call = self._stub.GetFlows(req)
                        self._call = call
                    ever_connected = True
                    backoff.healthy()
                    self._state("connected")
                    self._stream_flows = 0
                    self._reading = call
                    try:
                        self._consume(call, dedupe=resume)
                    finally:
                        self._reading = None
                    if not cfg.follow:
                        break
                    # a follow stream that ends by itself: the server went away; resume
                    raise _StreamEnded()
                except _StreamEnded:
                    pass
                except grpc.RpcError as exc:
                    err = self._idle_error or self._map(exc)
                except HubbleError as exc:  # raised by server_status() / credentials
                    err = exc
                    from_call = False
                if self._closed.is_set():
                    break
                with self._lock:
                    reopen = self._reopen_requested
                if reopen and from_call:
                    # the user asked for another subscription: a fresh stream at once
                    self._generation += 1
                    self._max_time_ns = 0
                    self._recent.clear()
                    self._recent_order.clear()
                    resume = False
                    backoff.reset()
                    continue
                keep_going = cfg.follow and cfg.reconnect
                fatal = err is not None and (not ever_connected or isinstance(err, FATAL))
                if cfg.retry_until_connected and err is not None:
                    fatal = False
                    keep_going = True
                if err is not None and (fatal or not keep_going):
                    self._state("failed", message=str(err))
                    self._put(_Failure(err))
                    return
                if not keep_going:
                    break
                if self._stream_flows:  # the stream delivered: a working connection, start the backoff over
                    backoff.reset()
                    self._stream_flows = 0
                delay = backoff.next_delay()
                if not ever_connected:
                    # nothing ever answered (TUI feed): say what failed and when we try again
                    self._drop_channel()
                    self._state(
                        "failed", message=str(err) if err else "", attempt=backoff.attempt, retry_in=delay
                    )
                    if self._closed.wait(delay):
                        break
                    self._state("connecting", attempt=backoff.attempt)
                    continue
                self._state(
                    "reconnecting", message=str(err) if err else "", attempt=backoff.attempt, retry_in=delay
                )
                resume = True
                self._drop_channel()
                if self._closed.wait(delay):
                    break
        except BaseException as exc:  # never die silently in the thread
            self._put(_Failure(exc))
            return
        finally:
            with self._lock:
                self._call = None
            if self._closed.is_set() and self._channel is not None:
                ch, self._channel = self._channel, None
                ch.close()
        self._state("closed")
        self._put(_END)

    def _consume(self, call: Any, dedupe: bool) -> int:
        """Read one GetFlows call into the buffer; returns how many flows it delivered."""
        convert = conv.convert_response
        buf = self._buf
        ready = self._ready
        full = self._full
        space = self._space
        limit = self.config.max_buffer
        local = self._query if self._query.text else None
        recent = self._recent
        order = self._recent_order
        window = int(self.config.resume_window * 1e9)
        top = self._max_time_ns if dedupe else -1  # a resumed stream overlaps what we have up to here ...
        start = self._resume_since  # ... from here on (the since it asked for)
        got = 0
        for resp in call:
            self._connected = True
            self._messages += 1
            item = convert(resp)
            if item is None:
                continue
            if type(item) is Flow:
                t = item.time_ns
                key = _flow_key(item)
                if t <= top and (t < start or key in recent):
                    self.duplicates_dropped += 1
                    continue
                recent[key] = t
                order.append((t, key))
                if len(order) > _RECENT_MAX:  # flows without a time never age out: bounded anyway
                    recent.pop(order.popleft()[1], None)
                if t > self._max_time_ns:
                    self._max_time_ns = t
                    cutoff = t - window
                    while order[0][0] < cutoff:
                        recent.pop(order.popleft()[1], None)
                got += 1
                self._stream_flows += 1
                self.flows_received += 1
                if local is not None and not local.matches(item):
                    continue
            buf.append(item)
            n = len(buf)
            if n == 1:
                ready.set()  # only on empty -> non-empty: no wake-up per item
            elif n >= self._batch_hint and not full.is_set():
                full.set()
            if n >= limit:
                ready.set()
                space.clear()
                while len(buf) >= limit // 2 and not self._closed.is_set():
                    space.wait(0.5)
        return got

    def _watch_idle(self) -> None:
        """The idle watchdog: a stream being read that gives no message for `idle_timeout` seconds is given up
        (no follow: the stream thread then fails with the idle sentence) or reported once (follow)."""
        cfg = self.config
        idle = cfg.idle_timeout
        step = min(0.25, idle / 4)
        said = False
        seen_call: Any = None
        seen_messages = -1
        quiet_since = time.monotonic()
        while not self._closed.wait(step):
            call, messages, now = self._reading, self._messages, time.monotonic()
            if call is None or call is not seen_call or messages != seen_messages:
                seen_call, seen_messages, quiet_since = call, messages, now
                continue
            if now - quiet_since < idle:
                continue
            if not cfg.follow:
                self._idle_error = HubbleStreamError(
                    idle_text(self.address, idle, self._stream_flows), self.address, "IDLE"
                )
                call.cancel()
                return
            if not said:
                said = True
                if self.on_idle is not None:
                    self.on_idle(still_waiting_text(self.address, idle))


class _StreamEnded(Exception):
    pass


def _flow_key(flow: Flow) -> Any:
    if flow.uuid:
        return flow.uuid
    return (
        flow.time_ns,
        flow.source.ip,
        flow.destination.ip,
        flow.source_port,
        flow.destination_port,
        flow.protocol,
        flow.event_type,
        flow.event_sub_type,
    )


def _cert_name(der: bytes) -> str:
    """A DNS name (first SAN, else CN) from a DER certificate, for the pinned connection's name check."""
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:  # not a certificate we can read: fall back to the host name
        return ""
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns = names.get_values_for_type(x509.DNSName)
    except (x509.ExtensionNotFound, ValueError):
        dns = []
    for value in dns:
        if "*" not in value:
            return value
    for value in dns:
        return value.replace("*", "instance", 1)
    try:
        for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            return str(attr.value)
    except ValueError:
        pass
    return ""


__all__ = [
    "DEFAULT_PORT",
    "DEFAULT_SERVER",
    "HubbleConfig",
    "HubbleNode",
    "HubbleSource",
    "HubbleStatus",
    "build_request",
]
