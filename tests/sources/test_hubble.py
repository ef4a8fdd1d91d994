"""The live source against a real gRPC server on loopback."""

from __future__ import annotations

import argparse
import time
from concurrent import futures

import grpc
import pytest
import trustme
from hubble_support import T0, Collector
from support.hubble_server import Faults, HubbleServer, ServerTLS, make_flow

from netpol_tui._proto.flow import flow_pb2
from netpol_tui.cli import build_parser
from netpol_tui.cli.config import flow_query, hubble_config
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, LostEvents, NodeStatus, StreamState
from netpol_tui.sources.hubble import (
    HubbleConfig,
    HubbleNotHubble,
    HubbleSource,
    HubbleTLSError,
    HubbleUnavailable,
    build_request,
)


def _flows(n: int, start: int = 0, **kw) -> list:
    return [
        make_flow(src=f"shop/cart-{i}", dst="payments/db-0", port=5432, time_ns=T0 + (start + i) * 1000, **kw)
        for i in range(n)
    ]


@pytest.fixture
def server():
    servers = []

    def make(*args, **kw) -> HubbleServer:
        srv = HubbleServer(*args, **kw)
        servers.append(srv)
        return srv

    yield make
    for s in servers:
        s.stop()


def _cfg(srv: HubbleServer, **kw) -> HubbleConfig:
    kw.setdefault("backoff_initial", 0.05)
    kw.setdefault("backoff_max", 0.2)
    return HubbleConfig(server=srv.address, **kw)


def _whitelist(req) -> list[dict]:
    from google.protobuf import json_format

    return [json_format.MessageToDict(f, preserving_proto_field_name=True) for f in req.whitelist]


# ---- filters arrive as the Hubble CLI sends them ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--pod", "shop/api"], [{"source_pod": ["shop/api"]}, {"destination_pod": ["shop/api"]}]),
        (["-n", "shop"], [{"source_pod": ["shop/"]}, {"destination_pod": ["shop/"]}]),
        (["-n", "shop", "--pod", "api"], [{"source_pod": ["shop/api"]}, {"destination_pod": ["shop/api"]}]),
        (
            ["--from-pod", "shop/api", "--to-pod", "payments/db"],
            [{"source_pod": ["shop/api"], "destination_pod": ["payments/db"]}],
        ),
        (["-l", "app=db"], [{"source_label": ["k8s:app=db"]}, {"destination_label": ["k8s:app=db"]}]),
        (  # --port is either side, as in hubble observe; --to-port the destination only
            ["--verdict", "DROPPED", "--port", "5432", "--protocol", "TCP"],
            [
                {"verdict": ["DROPPED"], "source_port": ["5432"], "protocol": ["tcp"]},
                {"verdict": ["DROPPED"], "destination_port": ["5432"], "protocol": ["tcp"]},
            ],
        ),
        (
            ["--verdict", "DROPPED", "--to-port", "5432", "--protocol", "TCP"],
            [{"verdict": ["DROPPED"], "destination_port": ["5432"], "protocol": ["tcp"]}],
        ),
        (["--ip", "10.0.0.0/8"], [{"source_ip": ["10.0.0.0/8"]}, {"destination_ip": ["10.0.0.0/8"]}]),
        (
            ["--pod", "shop/api", "--verdict", "DROPPED", "--verdict", "AUDIT"],
            [
                {"source_pod": ["shop/api"], "verdict": ["DROPPED", "AUDIT"]},
                {"destination_pod": ["shop/api"], "verdict": ["DROPPED", "AUDIT"]},
            ],
        ),
    ],
)
def test_cli_filters_arrive_as_hubble_sends_them(server, argv: list[str], expected: list[dict]) -> None:
    srv = server([])
    args = build_parser().parse_args(["explain", "--server", srv.address, "--last", "7", *argv])
    src = HubbleSource(hubble_config(args, query=flow_query(args), last=args.last, follow=bool(args.follow)))
    assert list(src.flows()) == []
    req = srv.wait_for_request()
    assert req.number == 7 and req.follow is False
    assert _whitelist(req) == expected
    assert not req.blacklist


def test_since_and_drops_default_request(server) -> None:
    srv = server([])
    q = FlowQuery.from_flags(since="5m", now_ns=T0)
    req = build_request(q, follow=True, last=None)
    assert req.since.seconds * 10**9 + req.since.nanos == T0 - 300 * 10**9 and req.number == 0
    src = HubbleSource(_cfg(srv, query=FlowQuery.drops(), follow=False))
    list(src.flows())
    assert _whitelist(srv.wait_for_request()) == [{"verdict": ["DROPPED", "AUDIT"]}]


def test_server_side_filtering_matches_local(server) -> None:
    mixed = (
        _flows(5)
        + _flows(5, start=10, verdict="FORWARDED", drop_reason=None)
        + [make_flow(src="other/x", dst="other/y", time_ns=T0 + 99_000)]
    )
    srv = server(mixed)
    q = FlowQuery.from_flags(namespaces=["shop"], verdicts=["DROPPED"])
    got = list(HubbleSource(_cfg(srv, query=q, follow=False)).flows())
    assert [f.source.pod_name for f in got] == [f"cart-{i}" for i in range(5)]
    local = [
        f
        for f in map(__import__("netpol_tui.sources.flows", fromlist=["x"]).from_pb_flow, mixed)
        if q.matches(f)
    ]
    assert [f.uuid for f in local] == [f.uuid for f in got]


# ---- following across aborts and restarts ----------------------------------------------------------------------
def test_follow_survives_abort_and_restart_without_loss_or_duplicates(server) -> None:
    srv = server(_flows(50), faults=Faults(abort_after=20))
    src = HubbleSource(_cfg(srv, follow=True, last=1000))
    col = Collector(src, max_wait=0.01)
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 50)
    srv.push(*_flows(5, start=100))
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 55)
    srv.stop()
    srv.push(*_flows(5, start=200))  # happen while the server is down: delivered from history after restart
    srv.start()
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 60)
    srv.push(*_flows(5, start=300))
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 65)
    src.close()
    col.thread.join(2)
    flows = col.of(Flow)
    expected = [T0 + k * 1000 for k in [*range(50), *range(100, 105), *range(200, 205), *range(300, 305)]]
    assert [f.time_ns for f in flows] == expected
    assert len({f.uuid for f in flows}) == 65
    assert src.duplicates_dropped >= 1
    states = [s.state for s in col.of(StreamState)]
    assert states[:2] == ["connecting", "connected"] and states.count("reconnecting") >= 2
    resumed = srv.requests[1]
    assert resumed.follow and resumed.number == 0 and resumed.HasField("since")
    # from the newest flow received less the resume window (flow times here are 1 µs apart: the window reaches
    # back before the first flow)
    assert resumed.since.seconds * 10**9 + resumed.since.nanos == max(T0 + 19_000 - 2 * 10**9, 0)
    assert col.error is None


def test_dedupe_without_uuid_uses_time_tuple_and_event_type(server) -> None:
    same_time = [
        make_flow(uuid="", time_ns=T0, event_type="policy-verdict"),
        make_flow(uuid="", time_ns=T0, event_type="drop"),
    ]
    srv = server(same_time + _flows(3, start=5, uuid=""), faults=Faults(abort_after=2))
    src = HubbleSource(_cfg(srv, follow=True, last=100))
    col = Collector(src, max_wait=0.01)
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 5)
    src.close()
    flows = col.of(Flow)
    assert [(f.time_ns, f.event_type) for f in flows] == [(T0, 5), (T0, 1)] + [
        (T0 + k * 1000, 1) for k in (5, 6, 7)
    ]
    assert src.duplicates_dropped == 2


def test_lost_events_and_node_status_become_status_events(server) -> None:
    srv = server(_flows(6), faults=Faults(lost_every=3, lost_count=7, unavailable_nodes=("kind-worker2",)))
    src = HubbleSource(_cfg(srv, follow=False))
    items = [i for b in src.batches() for i in b]
    lost = [i for i in items if type(i) is LostEvents]
    assert [(e.source, e.count) for e in lost] == [("HUBBLE_RING_BUFFER", 7)] * 2
    status = [i for i in items if type(i) is NodeStatus]
    assert status[0].state == "NODE_UNAVAILABLE" and status[0].node_names == ("kind-worker2",)
    st = src.server_status()
    assert st.version == "v1.19.4" and st.header_version == "v1.19.4"
    assert st.connected_nodes == 1 and st.unavailable_nodes == 1 and st.num_flows == 6
    assert "Hubble v1.19.4" in st.text
    assert [n.state for n in src.nodes()] == ["NODE_CONNECTED", "NODE_UNAVAILABLE"]


def test_reopen_switches_filters_and_continues(server) -> None:
    srv = server(_flows(3) + [make_flow(src="other/x", dst="other/y", time_ns=T0 + 50_000)])
    src = HubbleSource(_cfg(srv, follow=True, last=100))
    col = Collector(src, max_wait=0.01)
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 4)
    src.reopen(FlowQuery.from_flags(pods=["other/x"]))
    assert col.wait(lambda items: sum(type(i) is Flow for i in items) >= 5)
    src.close()
    assert _whitelist(srv.requests[-1]) == [{"source_pod": ["other/x"]}, {"destination_pod": ["other/x"]}]
    items = col.items
    marker = next(i for i, it in enumerate(items) if type(it) is StreamState and it.generation == 1)
    after = [it for it in items[marker:] if type(it) is Flow]
    assert [f.source.key for f in after] == ["other/x"]
    assert col.error is None


def test_free_text_is_filtered_locally(server) -> None:
    srv = server(_flows(3))
    q = FlowQuery.from_flags(text=["cart-1"], verdicts=["DROPPED"])
    src = HubbleSource(_cfg(srv, query=q, follow=False))
    assert [f.source.pod_name for f in src.flows()] == ["cart-1"]
    assert src.local_only == ('"cart-1"',)
    assert _whitelist(srv.wait_for_request()) == [{"verdict": ["DROPPED"]}]


def test_close_unblocks_a_waiting_stream_at_once(server) -> None:
    srv = server([])
    src = HubbleSource(_cfg(srv, follow=True))
    col = Collector(src)
    assert srv.wait_for_request() is not None
    assert col.wait(lambda items: any(type(i) is StreamState and i.state == "connected" for i in items))
    t = time.monotonic()
    src.close()
    col.thread.join(2)
    assert not col.thread.is_alive()
    assert time.monotonic() - t < 0.5
    assert col.error is None


# ---- errors are sentences --------------------------------------------------------------------------------------
def test_refused_connection_names_the_address_and_the_fix() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    src = HubbleSource(HubbleConfig(server=f"127.0.0.1:{port}", timeout=3))
    with pytest.raises(HubbleUnavailable) as err:
        list(src.batches())
    msg = str(err.value)
    assert f"127.0.0.1:{port}" in msg and "connection refused" in msg
    assert "cilium hubble port-forward" in msg and "-P" in msg


def test_not_hubble_is_said_plainly() -> None:
    other = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    port = other.add_insecure_port("127.0.0.1:0")
    other.start()
    try:
        with pytest.raises(HubbleNotHubble) as err:
            HubbleSource(HubbleConfig(server=f"127.0.0.1:{port}")).server_status()
        assert "is not Hubble" in str(err.value) and f"127.0.0.1:{port}" in str(err.value)
    finally:
        other.stop(None)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("instance.hubble-relay.cilium.io")
    client_ca = trustme.CA()
    client = client_ca.issue_cert("netpol-tui")
    d = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    client.cert_chain_pems[0].write_to_path(str(d / "client.pem"))
    client.private_key_pem.write_to_path(str(d / "client-key.pem"))
    chain = b"".join(b.bytes() for b in cert.cert_chain_pems)
    return argparse.Namespace(
        dir=d, chain=chain, key=cert.private_key_pem.bytes(), client_ca=client_ca.cert_pem.bytes()
    )


def test_tls_and_mtls(server, pki) -> None:
    srv = server(_flows(2), tls=ServerTLS(pki.chain, pki.key))
    cfg = _cfg(
        srv,
        tls=True,
        tls_ca_cert_files=(str(pki.dir / "ca.pem"),),
        tls_server_name="instance.hubble-relay.cilium.io",
        follow=False,
    )
    assert len(list(HubbleSource(cfg).flows())) == 2
    # tls:// prefix alone turns TLS on
    cfg2 = HubbleConfig(
        server=f"tls://{srv.address}",
        tls_ca_cert_files=(str(pki.dir / "ca.pem"),),
        tls_server_name="instance.hubble-relay.cilium.io",
        follow=False,
    )
    assert len(list(HubbleSource(cfg2).flows())) == 2

    mtls = server(_flows(3), tls=ServerTLS(pki.chain, pki.key, client_ca_pem=pki.client_ca))
    base = dict(
        tls=True,
        tls_ca_cert_files=(str(pki.dir / "ca.pem"),),
        tls_server_name="instance.hubble-relay.cilium.io",
        follow=False,
    )
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(_cfg(mtls, **base)).server_status()
    assert err.value.check == "client_cert" and "--tls-client-cert-file" in str(err.value)
    ok = HubbleSource(
        _cfg(
            mtls,
            **base,
            tls_client_cert_file=str(pki.dir / "client.pem"),
            tls_client_key_file=str(pki.dir / "client-key.pem"),
        )
    )
    assert len(list(ok.flows())) == 3


def test_tls_failures_say_which_check_failed(server, pki) -> None:
    srv = server([], tls=ServerTLS(pki.chain, pki.key))
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(
            _cfg(
                srv,
                tls=True,
                tls_ca_cert_files=(str(pki.dir / "ca.pem"),),
                tls_server_name="wrong.example.com",
            )
        ).server_status()
    assert err.value.check == "hostname"
    assert "not valid for the name 'wrong.example.com'" in str(err.value) and srv.address in str(err.value)
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(_cfg(srv, tls=True, tls_server_name="instance.hubble-relay.cilium.io")).server_status()
    assert err.value.check == "verify" and "--tls-ca-cert-files" in str(err.value)
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(_cfg(srv)).server_status()
    assert err.value.check == "tls_server"
    plain = server([])
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(_cfg(plain, tls=True, tls_ca_cert_files=(str(pki.dir / "ca.pem"),))).server_status()
    assert err.value.check == "plaintext_server"
    with pytest.raises(HubbleTLSError) as err:
        HubbleSource(_cfg(plain, tls=True, tls_ca_cert_files=(str(pki.dir / "missing.pem"),))).server_status()
    assert err.value.check == "files" and "missing.pem" in str(err.value)


def test_allow_insecure_pins_the_presented_certificate(server, pki) -> None:
    srv = server(_flows(1), tls=ServerTLS(pki.chain, pki.key))
    src = HubbleSource(_cfg(srv, tls=True, tls_allow_insecure=True, follow=False))
    assert len(list(src.flows())) == 1
    assert src._pinned_name == "instance.hubble-relay.cilium.io"


def test_unix_socket_server(tmp_path) -> None:
    path = tmp_path / "hubble.sock"
    srv = HubbleServer(_flows(2), start=False)
    srv.host = f"unix://{path}"
    # the server binds unix sockets through the same add_insecure_port call
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    from support.hubble_server import _Servicer

    from netpol_tui._proto.observer import observer_pb2_grpc

    observer_pb2_grpc.add_ObserverServicer_to_server(_Servicer(srv), server)
    server.add_insecure_port(f"unix://{path}")
    server.start()
    try:
        got = list(HubbleSource(HubbleConfig(server=f"unix://{path}", follow=False)).flows())
        assert len(got) == 2
    finally:
        server.stop(None)


def test_event_type_filter_round_trip() -> None:
    from netpol_tui.core.flowquery import FilterSpec
    from netpol_tui.sources.flows import spec_from_pb, spec_to_pb

    spec = FilterSpec(
        event_type=((1, 133), (5, None)),
        drop_reason_desc=("POLICY_DENIED",),
        traffic_direction=("INGRESS",),
        uuid=("u1",),
    )
    pb = spec_to_pb(spec)
    assert list(pb.drop_reason_desc) == [flow_pb2.POLICY_DENIED]
    assert spec_from_pb(pb) == spec


def test_pinned_name_is_read_from_the_certificate_with_cryptography() -> None:
    import ssl

    from netpol_tui.sources.hubble.client import _cert_name

    def der(*names: str) -> bytes:
        pem = trustme.CA().issue_cert(*names).cert_chain_pems[0].bytes().decode()
        return ssl.PEM_cert_to_DER_cert(pem)

    assert _cert_name(der("relay.example", "*.hubble-relay.cilium.io")) == "relay.example"
    assert _cert_name(der("*.hubble-relay.cilium.io")) == "instance.hubble-relay.cilium.io"
    assert _cert_name(b"not a certificate") == ""
