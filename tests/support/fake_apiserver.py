"""An in-process HTTP server that answers like the Kubernetes API server, for tests and benchmarks.

It speaks what the kube source uses: paginated lists (`limit`/`continue`, consistent at the first page's
resourceVersion), chunked watch streams of ADDED/MODIFIED/DELETED/BOOKMARK events (one JSON object a line),
`410 Gone` (as a watch ERROR event or as HTTP 410), `403 Forbidden` Status objects, `/apis` discovery, single
GETs (services, pods), and the websocket port-forward subresource (`v4.channel.k8s.io`) to a local TCP backend.

Faults are injected from Python: `forbid()`, `compact()` (old resourceVersions → 410), `expire_watches()` (active
watches get an ERROR 410), `drop_watches()` (connections cut mid-stream). Every request's method and path is
recorded in `requests`, so tests can assert that nothing but GET was sent.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass
class _Kind:
    plural: str
    kind: str
    group: str
    version: str
    namespaced: bool
    objects: dict[tuple[str, str], tuple[dict[str, Any], bytes]] = field(default_factory=dict)
    log_rvs: list[int] = field(default_factory=list)
    log: list[tuple[int, str, str, bytes]] = field(default_factory=list)  # (rv, namespace, line-bytes)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


KINDS = (
    ("namespaces", "Namespace", "", "v1", False),
    ("pods", "Pod", "", "v1", True),
    ("services", "Service", "", "v1", True),
    ("networkpolicies", "NetworkPolicy", "networking.k8s.io", "v1", True),
    ("ciliumnetworkpolicies", "CiliumNetworkPolicy", "cilium.io", "v2", True),
    ("ciliumclusterwidenetworkpolicies", "CiliumClusterwideNetworkPolicy", "cilium.io", "v2", False),
    ("ciliumcidrgroups", "CiliumCIDRGroup", "cilium.io", "v2", False),
    ("nodes", "Node", "", "v1", False),
    ("endpoints", "Endpoints", "", "v1", True),
    ("configmaps", "ConfigMap", "", "v1", True),
    ("customresourcedefinitions", "CustomResourceDefinition", "apiextensions.k8s.io", "v1", False),
)
_BY_KIND = {k[1]: k[0] for k in KINDS}


def status_body(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


class FakeApiServer:
    """Start with `with FakeApiServer() as srv:`; `srv.url` is `http://127.0.0.1:PORT`."""

    def __init__(
        self,
        *,
        cilium: bool = False,
        gone_as_http: bool = False,
        tokens: Iterable[str] = (),
        cidr_group_version: str = "v2",
        cilium_crds: Iterable[str] | None = None,
    ) -> None:
        self.cilium = cilium
        # cilium.io/v2 in newer Cilium, cilium.io/v2alpha1 before: the one version CiliumCIDRGroups are served at
        self.cidr_group_version = cidr_group_version
        # the cilium.io plurals whose CRD is installed (None: all); the others answer 404 like a missing CRD
        self.cilium_crds = None if cilium_crds is None else set(cilium_crds)
        self.gone_as_http = gone_as_http  # answer a too-old watch with HTTP 410 instead of an ERROR event
        self.tokens = set(tokens)  # when set, other bearer tokens get 401
        self.kinds = {k[0]: _Kind(*k) for k in KINDS}
        self.rv = 100
        self.min_rv = 0  # watches from a resourceVersion below this get 410 Gone
        self.cond = threading.Condition()
        self.requests: list[tuple[str, str]] = []
        self.auth_seen: list[str] = []
        self.forbidden: set[tuple[str, str, str]] = set()  # (verb, plural, namespace or "" for cluster scope)
        self.portforward_targets: dict[tuple[str, str, int], tuple[str, int]] = {}
        self._generation = 0  # bumped by drop_watches / expire_watches
        self._expire_generation = 0
        self._bookmark_generation = 0
        self._snapshots: dict[str, tuple[int, list[bytes]]] = {}
        self._ids = itertools.count(1)
        self.active_watches = 0
        self.watch_starts = 0
        self.list_calls: dict[str, int] = {}
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    # --- life ------------------------------------------------------------------------------------------------
    def start(self) -> FakeApiServer:
        server = self

        class Handler(_Handler):
            srv = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-apiserver", daemon=True)
        self._thread.start()
        return self

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._stopping = True
        with self.cond:
            self._generation += 1
            self.cond.notify_all()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> FakeApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def write_kubeconfig(
        self,
        path: str,
        contexts: Mapping[str, str] | None = None,
        current: str | None = None,
        server: str = "",
    ) -> str:
        """A kubeconfig with one context per (name → bearer token), all pointing at this server."""
        contexts = dict(contexts or {"fake": "token-fake"})
        current = current or next(iter(contexts))
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake-cluster", "cluster": {"server": server or self.url}}],
            "users": [{"name": f"user-{name}", "user": {"token": token}} for name, token in contexts.items()],
            "contexts": [
                {"name": name, "context": {"cluster": "fake-cluster", "user": f"user-{name}"}}
                for name in contexts
            ],
            "current-context": current,
        }
        with open(path, "w", encoding="utf-8") as f:
            json.dump(doc, f)  # JSON is YAML
        return path

    # --- the store -------------------------------------------------------------------------------------------
    def _kind_of(self, obj: Mapping[str, Any]) -> _Kind:
        return self.kinds[_BY_KIND[obj["kind"]]]

    def _event_line(self, etype: str, obj: Mapping[str, Any]) -> bytes:
        return json.dumps({"type": etype, "object": obj}, separators=(",", ":")).encode() + b"\n"

    def put(self, *objs: Mapping[str, Any]) -> int:
        """Create or replace objects (by kind/namespace/name); returns the last resourceVersion."""
        with self.cond:
            for obj in objs:
                kind = self._kind_of(obj)
                obj = json.loads(json.dumps(obj))
                meta = obj.setdefault("metadata", {})
                ns = meta.get("namespace", "") if kind.namespaced else ""
                if kind.namespaced and not ns:
                    ns = meta["namespace"] = "default"
                key = (ns, meta["name"])
                self.rv += 1
                meta["resourceVersion"] = str(self.rv)
                meta.setdefault("uid", f"uid-{kind.plural}-{ns}-{meta['name']}")
                meta.setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
                etype = "MODIFIED" if key in kind.objects else "ADDED"
                item = dict(obj)
                item.pop("kind", None)  # as the API server does: list items carry no kind/apiVersion
                item.pop("apiVersion", None)
                kind.objects[key] = (obj, json.dumps(item, separators=(",", ":")).encode())
                obj.setdefault("apiVersion", kind.api_version)
                kind.log_rvs.append(self.rv)
                kind.log.append((self.rv, ns, etype, self._event_line(etype, obj)))
            self.cond.notify_all()
            return self.rv

    def load(self, objs: Iterable[Mapping[str, Any]]) -> None:
        """Bulk create without watch events (initial state, fast for benchmarks)."""
        with self.cond:
            for obj in objs:
                kind = self._kind_of(obj)
                obj = dict(obj)
                meta = dict(obj.get("metadata") or {})
                obj["metadata"] = meta
                ns = meta.get("namespace", "") if kind.namespaced else ""
                if kind.namespaced and not ns:
                    ns = meta["namespace"] = "default"
                self.rv += 1
                meta["resourceVersion"] = str(self.rv)
                item = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion")}
                kind.objects[(ns, meta["name"])] = (obj, json.dumps(item, separators=(",", ":")).encode())
            self.min_rv = max(self.min_rv, 0)

    def delete(self, plural: str, namespace: str, name: str) -> None:
        with self.cond:
            kind = self.kinds[plural]
            obj, _ = kind.objects.pop((namespace if kind.namespaced else "", name))
            self.rv += 1
            obj = json.loads(json.dumps(obj))
            obj["metadata"]["resourceVersion"] = str(self.rv)
            kind.log_rvs.append(self.rv)
            kind.log.append((self.rv, namespace, "DELETED", self._event_line("DELETED", obj)))
            self.cond.notify_all()

    def get(self, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        kind = self.kinds[plural]
        entry = kind.objects.get((namespace if kind.namespaced else "", name))
        return json.loads(json.dumps(entry[0])) if entry else None

    # --- faults ------------------------------------------------------------------------------------------------
    def forbid(self, verb: str, plural: str, namespace: str = "") -> None:
        self.forbidden.add((verb, plural, namespace))

    def allow(self, verb: str, plural: str, namespace: str = "") -> None:
        self.forbidden.discard((verb, plural, namespace))

    def compact(self) -> None:
        """Forget history: a watch from any resourceVersion up to now gets 410 Gone."""
        with self.cond:
            # open watches keep streaming (as with etcd compaction); only new watches from older versions fail
            self.min_rv = self.rv + 1
            self._snapshots.clear()

    def expire_watches(self) -> None:
        """Compact, and send every open watch an ERROR event with a 410 Status, then end it."""
        with self.cond:
            self.compact()
            self._expire_generation += 1
            self.cond.notify_all()

    def drop_watches(self) -> None:
        """Cut every open watch connection without ending the chunked stream."""
        with self.cond:
            self._generation += 1
            self.cond.notify_all()

    def send_bookmarks(self) -> None:
        with self.cond:
            self._bookmark_generation += 1
            self.cond.notify_all()

    def methods(self) -> set[str]:
        return {m for m, _ in self.requests}

    def wait_watches(self, count: int, timeout: float = 5.0) -> bool:
        """Wait until at least `count` watches are open."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.active_watches < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    # --- answers -------------------------------------------------------------------------------------------------
    def list_body(self, kind: _Kind, namespace: str, query: Mapping[str, str]) -> bytes | tuple[int, dict]:
        limit = int(query.get("limit") or 0)
        cont = query.get("continue") or ""
        selector = _parse_selector(query.get("labelSelector", ""))
        fields = _parse_selector(query.get("fieldSelector", ""))
        with self.cond:
            self.list_calls[kind.plural] = self.list_calls.get(kind.plural, 0) + 1
            if cont:
                try:
                    token, offset_text = base64.urlsafe_b64decode(cont.encode()).decode().split(":")
                    offset = int(offset_text)
                    rv, items = self._snapshots[token]
                except (ValueError, KeyError):
                    return 410, status_body(410, "Expired", "The provided continue parameter is too old")
            else:
                items = [
                    body
                    for (ns, _), (obj, body) in sorted(kind.objects.items())
                    if (not namespace or ns == namespace)
                    and _matches(obj, selector)
                    and _matches_fields(obj, fields)
                ]
                rv, offset, token = self.rv, 0, str(next(self._ids))
                self._snapshots[token] = (rv, items)
        page = items[offset : offset + limit] if limit else items[offset:]
        meta: dict[str, Any] = {"resourceVersion": str(rv)}
        end = offset + len(page)
        if limit and end < len(items):
            meta["continue"] = base64.urlsafe_b64encode(f"{token}:{end}".encode()).decode()
            meta["remainingItemCount"] = len(items) - end
        else:
            self._snapshots.pop(token, None)
        head = {"kind": f"{kind.kind}List", "apiVersion": kind.api_version, "metadata": meta}
        prefix = json.dumps(head, separators=(",", ":"))[:-1].encode()
        return prefix + b',"items":[' + b",".join(page) + b"]}"

    def api_groups(self) -> dict[str, Any]:
        groups = [
            {
                "name": "networking.k8s.io",
                "versions": [{"groupVersion": "networking.k8s.io/v1", "version": "v1"}],
            },
            {
                "name": "apiextensions.k8s.io",
                "versions": [{"groupVersion": "apiextensions.k8s.io/v1", "version": "v1"}],
            },
        ]
        if self.cilium:
            versions = [{"groupVersion": "cilium.io/v2", "version": "v2"}]
            if self.cidr_group_version != "v2":
                versions.append(
                    {
                        "groupVersion": f"cilium.io/{self.cidr_group_version}",
                        "version": self.cidr_group_version,
                    }
                )
            groups.append({"name": "cilium.io", "versions": versions})
        for g in groups:
            g["preferredVersion"] = g["versions"][0]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def _parse_selector(text: str) -> dict[str, str]:
    out = {}
    for part in filter(None, text.split(",")):
        k, _, v = part.partition("=")
        out[k.strip()] = v.strip().lstrip("=")
    return out


def _matches_fields(obj: Mapping[str, Any], fields: Mapping[str, str]) -> bool:
    """fieldSelector: metadata.name / metadata.namespace equality (what the kube source sends)."""
    meta = obj.get("metadata") or {}
    for key, value in fields.items():
        if key in ("metadata.name", "metadata.namespace") and meta.get(key.split(".")[1], "") != value:
            return False
    return True


def _matches(obj: Mapping[str, Any], selector: Mapping[str, str]) -> bool:
    if not selector:
        return True
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(labels.get(k) == v for k, v in selector.items())


class _Handler(BaseHTTPRequestHandler):
    srv: FakeApiServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send_json(self, code: int, body: Any) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> None:
        with self.srv.cond:
            self.srv.requests.append((self.command, self.path))
            self.srv.auth_seen.append(self.headers.get("Authorization", ""))

    def _authorized(self) -> bool:
        if not self.srv.tokens:
            return True
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.srv.tokens:
            return True
        self._send_json(401, status_body(401, "Unauthorized", "Unauthorized"))
        return False

    def do_POST(self) -> None:  # anything but GET is refused (and recorded, so tests catch it)
        self._record()
        self._send_json(405, status_body(405, "MethodNotAllowed", "the fake API server is read-only"))

    do_PUT = do_PATCH = do_DELETE = do_POST

    def do_GET(self) -> None:
        self._record()
        if not self._authorized():
            return
        srv = self.srv
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        segs = [s for s in parts.path.split("/") if s]
        if segs == ["apis"]:
            return self._send_json(200, srv.api_groups())
        if segs == ["api"]:
            return self._send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if len(segs) >= 3 and segs[0] == "api":
            group, version, rest = "", segs[1], segs[2:]
        elif len(segs) >= 4 and segs[0] == "apis":
            group, version, rest = segs[1], segs[2], segs[3:]
        else:
            return self._send_json(
                404, status_body(404, "NotFound", "the server could not find the requested resource")
            )
        namespace = name = sub = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, plural, rest2 = rest[1], rest[2], rest[3:]
        elif rest[0] == "namespaces" and len(rest) == 2:
            plural, rest2 = "namespaces", rest[1:]
        else:
            plural, rest2 = rest[0], rest[1:]
        if rest2:
            name = rest2[0]
            sub = rest2[1] if len(rest2) > 1 else ""
        kind = srv.kinds.get(plural)
        served_version = kind.version if kind is not None else ""
        if plural == "ciliumcidrgroups":
            served_version = srv.cidr_group_version
        if (
            kind is None
            or kind.group != group
            or served_version != version
            or (kind.group == "cilium.io" and not srv.cilium)
            or (kind.group == "cilium.io" and srv.cilium_crds is not None and plural not in srv.cilium_crds)
        ):
            return self._send_json(
                404, status_body(404, "NotFound", "the server could not find the requested resource")
            )
        watch = query.get("watch") in ("true", "1")
        verb = "watch" if watch else ("get" if name else "list")
        if sub == "portforward":
            verb = "create"  # RBAC: pods/portforward needs create (the request itself is a GET upgrade)
        if (
            (verb, plural, namespace) in srv.forbidden
            or (verb, plural, "*") in srv.forbidden
            or (sub and (verb, f"{plural}/{sub}", namespace) in srv.forbidden)
        ):
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            res = f"{plural}/{sub}" if sub else plural
            msg = f'{res} is forbidden: User "tester" cannot {verb} resource "{res}" in API group "{group}" {scope}'
            return self._send_json(403, status_body(403, "Forbidden", msg))
        if sub == "portforward":
            return self._portforward(namespace, name, query)
        if name:
            obj = srv.get(plural, namespace, name)
            if obj is None:
                return self._send_json(404, status_body(404, "NotFound", f'{plural} "{name}" not found'))
            obj.setdefault("apiVersion", kind.api_version)
            obj.setdefault("kind", kind.kind)
            return self._send_json(200, obj)
        if watch:
            return self._watch(kind, namespace, query)
        body = srv.list_body(kind, namespace, query)
        if isinstance(body, tuple):
            return self._send_json(*body)
        return self._send_json(200, body)

    # --- watch -------------------------------------------------------------------------------------------------
    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, kind: _Kind, namespace: str, query: Mapping[str, str]) -> None:
        srv = self.srv
        timeout = float(query.get("timeoutSeconds") or 1800)
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        fields = _parse_selector(query.get("fieldSelector", ""))
        deadline = time.monotonic() + timeout
        with srv.cond:
            start_rv = int(query.get("resourceVersion") or srv.rv)
            gone = start_rv < srv.min_rv
            generation = srv._generation
            expire_generation = srv._expire_generation
            bookmark_generation = srv._bookmark_generation
            pos = bisect.bisect_right(kind.log_rvs, start_rv)
        if gone and srv.gone_as_http:
            return self._send_json(410, status_body(410, "Expired", "too old resource version"))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if gone:
            err = {"type": "ERROR", "object": status_body(410, "Expired", "too old resource version")}
            self._chunk(json.dumps(err).encode() + b"\n")
            self._chunk(b"")
            return
        with srv.cond:
            srv.active_watches += 1
            srv.watch_starts += 1
            srv.cond.notify_all()
        try:
            while True:
                with srv.cond:
                    while (
                        len(kind.log) <= pos
                        and srv._generation == generation
                        and srv._expire_generation == expire_generation
                        and srv._bookmark_generation == bookmark_generation
                        and time.monotonic() < deadline
                    ):
                        srv.cond.wait(min(1.0, max(0.01, deadline - time.monotonic())))
                    if srv._generation != generation:
                        cut = True
                        batch: list[bytes] = []
                    else:
                        cut = False
                        batch = [
                            line
                            for _, ns, _, line in kind.log[pos:]
                            if (not namespace or ns == namespace)
                            and (not fields or _matches_fields(json.loads(line)["object"], fields))
                        ]
                        pos = len(kind.log)
                    expired = srv._expire_generation != expire_generation
                    bookmark = bookmarks and srv._bookmark_generation != bookmark_generation
                    bookmark_generation = srv._bookmark_generation
                    rv = srv.rv
                if cut:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if batch:
                    self._chunk(b"".join(batch))
                if bookmark:
                    ev = {
                        "type": "BOOKMARK",
                        "object": {
                            "kind": kind.kind,
                            "apiVersion": kind.api_version,
                            "metadata": {"resourceVersion": str(rv)},
                        },
                    }
                    self._chunk(json.dumps(ev).encode() + b"\n")
                if expired:
                    err = {"type": "ERROR", "object": status_body(410, "Expired", "too old resource version")}
                    self._chunk(json.dumps(err).encode() + b"\n")
                    self._chunk(b"")
                    return
                if time.monotonic() >= deadline:
                    self._chunk(b"")
                    return
        except (BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            with srv.cond:
                srv.active_watches -= 1
                srv.cond.notify_all()

    # --- port-forward (websocket, v4.channel.k8s.io) -------------------------------------------------------------
    def _portforward(self, namespace: str, pod: str, query: Mapping[str, str]) -> None:
        srv = self.srv
        if srv.get("pods", namespace, pod) is None:
            return self._send_json(404, status_body(404, "NotFound", f'pods "{pod}" not found'))
        key = self.headers.get("Sec-WebSocket-Key")
        if not key or "websocket" not in self.headers.get("Upgrade", "").lower():
            return self._send_json(400, status_body(400, "BadRequest", "upgrade request required"))
        port = int(query.get("ports", "0").split(",")[0])
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        offered = [p.strip() for p in self.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        proto = "v4.channel.k8s.io" if "v4.channel.k8s.io" in offered else offered[0]
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("Sec-WebSocket-Protocol", proto)
        self.end_headers()
        self.close_connection = True
        lock = threading.Lock()

        def send(opcode: int, payload: bytes) -> None:
            n = len(payload)
            if n < 126:
                head = struct.pack("!BB", 0x80 | opcode, n)
            elif n < 65536:
                head = struct.pack("!BBH", 0x80 | opcode, 126, n)
            else:
                head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
            with lock:
                self.wfile.write(head + payload)
                self.wfile.flush()

        port_bytes = struct.pack("<H", port)
        send(2, b"\x00" + port_bytes)
        send(2, b"\x01" + port_bytes)
        target = srv.portforward_targets.get((namespace, pod, port))
        backend = None
        if target is not None:
            try:
                backend = socket.create_connection(target, timeout=5)
                backend.settimeout(None)
            except OSError:
                backend = None
        if backend is None:
            send(2, b"\x01" + f"error forwarding port {port} to pod {pod}: connection refused".encode())
            send(8, struct.pack("!H", 1000))
            return

        def pump_back() -> None:
            try:
                while True:
                    data = backend.recv(65536)
                    if not data:
                        break
                    send(2, b"\x00" + data)
            except (OSError, ValueError):
                pass
            try:
                send(8, struct.pack("!H", 1000))
            except (OSError, ValueError):
                pass

        threading.Thread(target=pump_back, daemon=True).start()
        try:
            while True:
                opcode, payload = self._read_frame()
                if opcode is None or opcode == 8:
                    break
                if opcode == 2 and payload and payload[0] == 0:
                    backend.sendall(payload[1:])
        except OSError:
            pass
        finally:
            try:
                backend.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            backend.close()

    def _read_frame(self) -> tuple[int | None, bytes]:
        head = self.rfile.read(2)
        if len(head) < 2:
            return None, b""
        opcode = head[0] & 0x0F
        masked = head[1] & 0x80
        n = head[1] & 0x7F
        if n == 126:
            n = struct.unpack("!H", self.rfile.read(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self.rfile.read(8))[0]
        mask = self.rfile.read(4) if masked else b""
        data = self.rfile.read(n)
        if masked:
            m = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
            data = (int.from_bytes(data, "big") ^ m).to_bytes(n, "big")
        return opcode, data


# ---------------------------------------------------------------------------------------------------------------
# Object factories (realistic shapes: managedFields, status noise, ownerReferences)
# ---------------------------------------------------------------------------------------------------------------
def namespace(name: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    lab = {"kubernetes.io/metadata.name": name, **(labels or {})}
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": lab},
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def pod(
    ns: str,
    name: str,
    labels: Mapping[str, str] | None = None,
    ip: str = "10.0.0.1",
    *,
    ports: Iterable[tuple[int, str] | tuple[int, str, str]] = ((8080, "http"),),
    phase: str = "Running",
    ready: bool = True,
    node: str = "node-1",
    host_network: bool = False,
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": ns,
        "labels": dict(labels or {}),
        "annotations": {"kubectl.kubernetes.io/last-applied-configuration": '{"big": "' + "x" * 200 + '"}'},
        "managedFields": [
            {
                "manager": "kube-controller-manager",
                "operation": "Update",
                "apiVersion": "v1",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:labels": {}}, "f:spec": {"f:containers": {}}},
            },
        ],
    }
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": "u-" + owner[1],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    container_ports = []
    for p in ports:
        entry: dict[str, Any] = {
            "containerPort": p[0],
            "name": p[1],
            "protocol": p[2] if len(p) > 2 else "TCP",
        }
        container_ports.append(entry)
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": meta,
        "spec": {
            "nodeName": node,
            "hostNetwork": host_network,
            "serviceAccountName": "default",
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example/app:1.0",
                    "ports": container_ports,
                    "env": [{"name": "LOG_LEVEL", "value": "info"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "volumeMounts": [
                        {
                            "name": "kube-api-access",
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                        }
                    ],
                }
            ],
            "volumes": [
                {
                    "name": "kube-api-access",
                    "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]},
                }
            ],
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"}
            ],
        },
        "status": {
            "phase": phase,
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "hostIP": "192.168.0.10",
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False"},
                {"type": "ContainersReady", "status": "True" if ready else "False"},
            ],
            "containerStatuses": [
                {"name": "main", "ready": ready, "restartCount": 0, "image": "registry.example/app:1.0"}
            ],
        },
    }


def network_policy(ns: str, name: str, spec: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": name,
            "namespace": ns,
            "generation": 1,
            "managedFields": [{"manager": "kubectl", "operation": "Apply"}],
        },
        "spec": dict(spec or {"podSelector": {}, "policyTypes": ["Ingress"]}),
    }


def cilium_policy(ns: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"endpointSelector": {}, "ingress": [{"fromEndpoints": [{}]}]},
    }


def cilium_clusterwide_policy(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": {"name": name},
        "spec": {"endpointSelector": {}, "egress": [{"toEntities": ["world"]}]},
    }


def service(
    ns: str, name: str, selector: Mapping[str, str] | None, ports: list[dict[str, Any]]
) -> dict[str, Any]:
    spec: dict[str, Any] = {"ports": ports, "type": "ClusterIP", "clusterIP": "10.96.0.50"}
    if selector is not None:
        spec["selector"] = dict(selector)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns}, "spec": spec}


def node(name: str, internal_ip: str, labels: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": dict(labels or {"kubernetes.io/hostname": name})},
        "spec": {"podCIDR": "10.0.0.0/24"},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": internal_ip},
                {"type": "Hostname", "address": name},
            ],
            "capacity": {"cpu": "4"},
        },
    }


def endpoints(ns: str, name: str, ips: list[str], port: int = 443) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": name, "namespace": ns},
        "subsets": [{"addresses": [{"ip": ip} for ip in ips], "ports": [{"port": port, "protocol": "TCP"}]}],
    }


def config_map(ns: str, name: str, data: Mapping[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": ns},
        "data": dict(data),
    }


def cidr_group(name: str, cidrs: list[str], version: str = "v2") -> dict[str, Any]:
    return {
        "apiVersion": f"cilium.io/{version}",
        "kind": "CiliumCIDRGroup",
        "metadata": {"name": name, "labels": {"team": "net"}},
        "spec": {"externalCIDRs": list(cidrs)},
    }


def cilium_objects() -> list[dict[str, Any]]:
    """A small Cilium cluster's extra objects: two nodes, the apiserver endpoints, cilium-config, a CIDR group."""
    return [
        node("node-a", "192.168.1.10"),
        node("node-b", "192.168.1.11"),
        service("default", "kubernetes", None, [{"port": 443, "targetPort": 6443, "protocol": "TCP"}]),
        endpoints("default", "kubernetes", ["192.168.1.10"], 6443),
        config_map("kube-system", "cilium-config", {"cluster-name": "shop", "enable-policy": "default"}),
        config_map("kube-system", "other-config", {"x": "y"}),
    ]
