"""`-P, --port-forward`: reach kube-system/hubble-relay through the kube API server, as `cilium hubble port-forward`.

Finds the Service, picks a ready pod behind its selector, resolves the Service's targetPort on that pod, listens on
127.0.0.1 (`--port-forward-port`, 0 = any free port) and, for every local connection, opens a port-forward stream
through the API server (`kubernetes.stream.portforward`, a websocket GET on `pods/portforward`) and pumps bytes
both ways. When the pod goes away, the next connection re-resolves the Service. Hand `address` to the Hubble client.

RBAC: get services and list pods in kube-system, and `create` on `pods/portforward` (the only non-read verb this
program needs; it opens a tunnel and changes nothing in the cluster).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from netpol_tui.sources.kube import errors as text
from netpol_tui.sources.kube.config import Connection, connect, describe_error
from netpol_tui.sources.kube.errors import KubeError

RELAY_NAMESPACE = "kube-system"
RELAY_SERVICE = "hubble-relay"


@dataclass(frozen=True, slots=True)
class Target:
    namespace: str
    service: str
    pod: str
    port: int  # the pod's port (the Service's targetPort, resolved)


def _get_json(
    conn: Connection, fn_name: str, *args: Any, api: str = "CoreV1Api", **kwargs: Any
) -> dict[str, Any]:
    import json

    from kubernetes import client

    resp = getattr(getattr(client, api)(conn.api_client), fn_name)(
        *args, _preload_content=False, _request_timeout=(10, 30), **kwargs
    )
    try:
        data: dict[str, Any] = json.loads(resp.data)
        return data
    finally:
        resp.release_conn()


def _pod_ready(pod: Mapping[str, Any]) -> bool:
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    if meta.get("deletionTimestamp") or status.get("phase") != "Running":
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])


def _pod_state(pod: Mapping[str, Any]) -> str:
    name = (pod.get("metadata") or {}).get("name", "?")
    status = pod.get("status") or {}
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        return f"{name} is terminating"
    phase = status.get("phase") or "Unknown"
    return f"{name} is {phase}" if phase != "Running" else f"{name} is Running but not Ready"


def resolve_target(
    conn: Connection,
    namespace: str = RELAY_NAMESPACE,
    service: str = RELAY_SERVICE,
    service_port: int | str | None = None,
) -> Target:
    """The ready pod and port behind a Service. Raises KubeError with one sentence when there is none."""
    try:
        svc = _get_json(conn, "read_namespaced_service", service, namespace)
    except KubeError:
        raise
    except Exception as exc:
        raise _api_error(
            exc, "get", "services", namespace, conn, text.portforward_service_missing(namespace, service)
        ) from None
    spec = svc.get("spec") or {}
    selector = spec.get("selector") or {}
    if not selector:
        raise KubeError(text.portforward_no_selector(namespace, service))
    ports = spec.get("ports") or []
    chosen = None
    for p in ports:
        if service_port is not None and service_port in (p.get("port"), p.get("name")):
            chosen = p
    if chosen is None and service_port is None and ports:
        chosen = next((p for p in ports if p.get("name") == "grpc"), ports[0])
    if chosen is None:
        raise KubeError(text.portforward_no_port(namespace, service, str(service_port or "")))
    target_port = chosen.get("targetPort", chosen.get("port"))
    label_selector = ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
    try:
        pods = (
            _get_json(conn, "list_namespaced_pod", namespace, label_selector=label_selector).get("items")
            or []
        )
    except Exception as exc:
        raise _api_error(exc, "list", "pods", namespace, conn, "") from None
    if not pods:
        raise KubeError(text.portforward_no_pods(namespace, service, label_selector))
    ready = [p for p in pods if _pod_ready(p)]
    if not ready:
        raise KubeError(
            text.portforward_no_ready_pod(namespace, service, "; ".join(_pod_state(p) for p in pods))
        )
    pod = sorted(ready, key=lambda p: p["metadata"]["name"])[0]
    pod_name = pod["metadata"]["name"]
    if isinstance(target_port, str) and not target_port.isdigit():
        number = None
        for c in (pod.get("spec") or {}).get("containers") or []:
            for cp in c.get("ports") or []:
                if cp.get("name") == target_port:
                    number = cp.get("containerPort")
        if not isinstance(number, int):
            raise KubeError(text.portforward_named_port_missing(namespace, pod_name, target_port))
        target_port = number
    return Target(namespace, service, pod_name, int(target_port))


def _api_error(
    exc: BaseException, verb: str, resource: str, namespace: str, conn: Connection, not_found: str
) -> KubeError:
    status = getattr(exc, "status", None)
    if status == 403:
        return KubeError(text.forbidden(verb, resource, "", namespace))
    if status == 404 and not_found:
        return KubeError(not_found)
    if status == 401:
        return KubeError(text.unauthorized(conn.server, conn.context))
    if status:
        return KubeError(text.api_error(verb, resource, status, str(getattr(exc, "reason", ""))))
    return KubeError(text.unreachable(conn.server, describe_error(exc)))


class PortForwarder:
    """Listens on 127.0.0.1:PORT and forwards each connection to the target pod through the API server."""

    def __init__(
        self,
        conn: Connection,
        target: Target,
        local_port: int = 0,
        host: str = "127.0.0.1",
        on_error: Callable[[str], None] | None = None,
    ) -> None:
        self.conn = conn
        self.target = target
        self.host = host
        self.local_port = local_port
        self.on_error = on_error
        self.errors: list[str] = []
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._open: set[Any] = set()
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        assert self._listener is not None, "start() first"
        host, port = self._listener.getsockname()[:2]
        return f"{host}:{port}"

    def start(self) -> str:
        try:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self.local_port))
            listener.listen(16)
        except OSError as exc:
            raise KubeError(
                text.portforward_listen_failed(f"{self.host}:{self.local_port}", exc.strerror or str(exc))
            ) from None
        listener.settimeout(0.2)
        self._listener = listener
        self._thread = threading.Thread(target=self._accept_loop, name="port-forward", daemon=True)
        self._thread.start()
        return self.address

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                local, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            local.settimeout(None)
            threading.Thread(target=self._serve, args=(local,), name="port-forward-conn", daemon=True).start()

    def _open_remote(self) -> tuple[Any, Any]:
        from kubernetes import client
        from kubernetes.stream import portforward

        t = self.target
        core = client.CoreV1Api(self.conn.api_client)
        pf = portforward(core.connect_get_namespaced_pod_portforward, t.pod, t.namespace, ports=str(t.port))
        return pf, pf.socket(t.port)

    def _serve(self, local: socket.socket) -> None:
        try:
            try:
                pf, remote = self._open_remote()
            except Exception:
                # the pod may have been replaced: resolve the Service again and retry once
                self.target = resolve_target(self.conn, self.target.namespace, self.target.service)
                pf, remote = self._open_remote()
        except Exception as exc:
            self._report(exc)
            local.close()
            return
        remote.setblocking(True)
        with self._lock:
            self._open.add(local)
            self._open.add(remote)

        def pump(src: Any, dst: Any) -> None:
            try:
                while True:
                    data = src.recv(65536)
                    if not data:
                        break
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass

        up = threading.Thread(target=pump, args=(local, remote), daemon=True)
        up.start()
        pump(remote, local)
        up.join(timeout=5)
        err = pf.error(self.target.port)
        if err:
            self._report(RuntimeError(err))
        for s in (local, remote):
            with self._lock:
                self._open.discard(s)
            try:
                s.close()
            except OSError:
                pass
        try:
            pf.close()
        except Exception:
            pass

    def _report(self, exc: BaseException) -> None:
        t = self.target
        if isinstance(exc, KubeError):
            message = str(exc)
        elif getattr(exc, "status", None) == 0 and "403" in str(getattr(exc, "reason", "")):
            message = text.forbidden("create", "pods/portforward", "", t.namespace)
        else:
            detail = str(getattr(exc, "reason", "") or "") or describe_error(exc)
            message = text.portforward_connection_failed(
                t.namespace, t.pod, t.port, detail.splitlines()[0][:200]
            )
        self.errors.append(message)
        if self.on_error is not None:
            self.on_error(message)

    def stop(self) -> None:
        self._stop.set()
        if self._listener is not None:
            try:
                self._listener.close()
            except OSError:
                pass
        with self._lock:
            sockets = list(self._open)
        for s in sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def __enter__(self) -> PortForwarder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_port_forward(
    kubeconfig: str | None = None,
    context: str | None = None,
    local_port: int = 0,
    namespace: str = RELAY_NAMESPACE,
    service: str = RELAY_SERVICE,
    *,
    connection: Connection | None = None,
    on_error: Callable[[str], None] | None = None,
) -> PortForwarder:
    """Resolve the Service and start listening; `.address` is "127.0.0.1:PORT". Raises KubeError (one line)."""
    conn = connection or connect(kubeconfig, context)
    target = resolve_target(conn, namespace, service)
    fwd = PortForwarder(conn, target, local_port, on_error=on_error)
    fwd.start()
    return fwd
