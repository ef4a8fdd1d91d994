"""`-P`: resolve kube-system/hubble-relay to a ready pod and forward a local port to it through the API server."""

from __future__ import annotations

import socket
import threading

import pytest
from kube_support import fake_server
from support import fake_apiserver as fa

from netpol_tui.cli import build_parser
from netpol_tui.cli.config import cluster_config, relay
from netpol_tui.sources import kube
from netpol_tui.sources.kube import portforward

RELAY_SELECTOR = {"k8s-app": "hubble-relay"}
RELAY_PORTS = [{"name": "grpc", "port": 80, "protocol": "TCP", "targetPort": "grpc"}]


def relay_pod(name: str = "hubble-relay-5f7", **kw) -> dict:
    return fa.pod("kube-system", name, RELAY_SELECTOR, "10.0.5.5", ports=[(4245, "grpc")], **kw)


@pytest.fixture
def echo_backend():
    """A TCP server standing in for Hubble Relay: answers every read with the bytes upper-cased."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return

            def handle(c=conn):
                with c:
                    while data := c.recv(65536):
                        c.sendall(data.upper())

            threading.Thread(target=handle, daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield srv.getsockname()
    srv.close()


def _conn(srv, tmp_path) -> kube.Connection:
    return kube.connect(srv.write_kubeconfig(str(tmp_path / "kubeconfig")))


def test_forwards_bytes_both_ways(tmp_path, echo_backend):
    with fake_server() as srv:
        srv.put(fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS), relay_pod())
        srv.portforward_targets[("kube-system", "hubble-relay-5f7", 4245)] = echo_backend
        kc = srv.write_kubeconfig(str(tmp_path / "kubeconfig"))
        args = build_parser().parse_args(["-P", "--kubeconfig", kc, "explain"])
        address, fwd = relay(args, cluster_config(args))  # what the commands do with -P
        assert fwd is not None
        try:
            assert fwd.target == portforward.Target("kube-system", "hubble-relay", "hubble-relay-5f7", 4245)
            host, port = address.rsplit(":", 1)
            assert host == "127.0.0.1" and int(port) > 0
            for round_ in range(2):  # one port-forward stream per local connection
                payload = (b"flow-%d " % round_) * 20000
                with socket.create_connection((host, int(port)), timeout=5) as s:
                    s.sendall(payload)
                    got = b""
                    while len(got) < len(payload):
                        chunk = s.recv(65536)
                        assert chunk, "connection closed early"
                        got += chunk
                assert got == payload.upper()
        finally:
            fwd.stop()
        assert fwd.errors == []
        pf_requests = [p for _, p in srv.requests if "/portforward" in p]
        assert len(pf_requests) == 2
        assert pf_requests[0].startswith(
            "/api/v1/namespaces/kube-system/pods/hubble-relay-5f7/portforward?ports=4245"
        )


def test_without_dash_p_the_server_flag_is_used():
    args = build_parser().parse_args(["explain", "--server", "relay:4245"])
    assert relay(args, cluster_config(args)) == ("relay:4245", None)


def test_backend_refusal_is_reported_in_one_line(tmp_path):
    with fake_server() as srv:
        srv.put(fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS), relay_pod())
        errors: list[str] = []
        got = threading.Event()
        fwd = portforward.start_port_forward(
            connection=_conn(srv, tmp_path), on_error=lambda m: (errors.append(m), got.set())
        )
        try:
            host, port = fwd.address.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as s:
                s.sendall(b"hi")
                assert s.recv(10) == b""
            assert got.wait(5)
        finally:
            fwd.stop()
        assert errors == [
            "port-forward to kube-system/hubble-relay-5f7 port 4245 failed: "
            "error forwarding port 4245 to pod hubble-relay-5f7: connection refused"
        ]


@pytest.mark.parametrize(
    ("objects", "message"),
    [
        ([], "service kube-system/hubble-relay not found: is Hubble Relay enabled (cilium hubble enable)?"),
        (
            [fa.service("kube-system", "hubble-relay", None, RELAY_PORTS)],
            "service kube-system/hubble-relay has no pod selector, so there is no pod to port-forward to",
        ),
        (
            [fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS)],
            "no pod backs service kube-system/hubble-relay (selector k8s-app=hubble-relay): is Hubble Relay running?",
        ),
        (
            [
                fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS),
                relay_pod("hubble-relay-a", phase="Pending", ready=False),
                relay_pod("hubble-relay-b", ready=False),
            ],
            "no ready pod backs service kube-system/hubble-relay (hubble-relay-a is Pending; hubble-relay-b is "
            "Running but not Ready): wait for Hubble Relay to become ready",
        ),
        (
            [
                fa.service(
                    "kube-system", "hubble-relay", RELAY_SELECTOR, [{"port": 80, "targetPort": "relay"}]
                ),
                relay_pod(),
            ],
            "pod kube-system/hubble-relay-5f7 has no container port named 'relay'",
        ),
    ],
    ids=["no-service", "no-selector", "no-pods", "not-ready", "named-port"],
)
def test_resolution_errors(tmp_path, objects, message):
    with fake_server() as srv:
        srv.put(fa.pod("kube-system", "other", {"k8s-app": "other"}, "10.0.5.9"))
        if objects:
            srv.put(*objects)
        with pytest.raises(kube.KubeError) as err:
            portforward.start_port_forward(connection=_conn(srv, tmp_path))
        assert str(err.value) == message


def test_numeric_target_port_and_forbidden(tmp_path):
    with fake_server() as srv:
        srv.put(
            fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, [{"port": 80, "targetPort": 4245}]),
            relay_pod("hubble-relay-b"),
            relay_pod("hubble-relay-a", ready=False),
        )
        conn = _conn(srv, tmp_path)
        assert portforward.resolve_target(conn).pod == "hubble-relay-b"
        srv.forbid("get", "services", "kube-system")
        with pytest.raises(kube.KubeError) as err:
            portforward.resolve_target(conn)
        assert str(err.value) == (
            "cannot get services in namespace kube-system: grant get on services in namespace kube-system "
            "(see deploy/rbac.yaml)"
        )


def test_portforward_forbidden_is_reported(tmp_path):
    with fake_server() as srv:
        srv.put(fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS), relay_pod())
        srv.forbid("create", "pods/portforward", "kube-system")
        errors: list[str] = []
        got = threading.Event()
        fwd = portforward.start_port_forward(
            connection=_conn(srv, tmp_path), on_error=lambda m: (errors.append(m), got.set())
        )
        try:
            host, port = fwd.address.rsplit(":", 1)
            with socket.create_connection((host, int(port)), timeout=5) as s:
                assert s.recv(10) == b""
            assert got.wait(5)
        finally:
            fwd.stop()
        assert errors == [
            "cannot create pods/portforward in namespace kube-system: grant create on pods/portforward in namespace "
            "kube-system (see deploy/rbac.yaml)"
        ]


def test_local_port_in_use(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        with fake_server() as srv:
            srv.put(fa.service("kube-system", "hubble-relay", RELAY_SELECTOR, RELAY_PORTS), relay_pod())
            with pytest.raises(kube.KubeError) as err:
                portforward.start_port_forward(connection=_conn(srv, tmp_path), local_port=port)
        assert (
            str(err.value)
            == f"cannot listen on 127.0.0.1:{port} for the port-forward: Address already in use"
        )
    finally:
        busy.close()
