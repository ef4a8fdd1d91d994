"""pb and jsonpb flows become the same core.Flow; every real capture line converts."""

from __future__ import annotations

import json

import pytest
from google.protobuf import json_format
from hubble_support import T0, flows_dir
from support.hubble_server import make_flow, policy_drop

from netpol_tui._proto.observer import observer_pb2
from netpol_tui.core.model import EndpointKind, Flow, LostEvents, NodeStatus, PolicyRef
from netpol_tui.core.timefmt import parse_time_ns
from netpol_tui.sources import flows as conv


def _all_lines():
    out = []
    for path in sorted(flows_dir().glob("*.json")):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                out.append((path.name, n, line))
    return out


def test_every_real_capture_line_converts_and_matches_the_json() -> None:
    lines = _all_lines()
    assert len(lines) == 1906
    kinds = set()
    for name, n, line in lines:
        obj = json.loads(line)
        flow = conv.convert_json(obj)
        assert type(flow) is Flow, (name, n)
        raw = obj["flow"]
        assert flow.verdict == raw["verdict"]
        assert flow.time == raw["time"] and flow.time_ns == parse_time_ns(raw["time"])
        assert flow.node_name == raw["node_name"]
        for side in ("source", "destination"):
            ep = getattr(flow, side)
            r = raw[side]
            assert ep.pod_name == r.get("pod_name", "")
            assert ep.identity == r.get("identity", 0)
            own = {
                lab[4:].split("=", 1)[0]: lab.split("=", 1)[1] if "=" in lab else ""
                for lab in r.get("labels", [])
                if lab.startswith("k8s:") and not lab.startswith("k8s:io.")
            }
            assert dict(ep.labels) == own
            if r.get("namespace"):
                assert ep.namespace == r["namespace"]
            kinds.add(ep.kind)
        l4 = raw.get("l4", {})
        for proto in ("TCP", "UDP"):
            if proto in l4:
                assert flow.protocol == proto
                assert flow.destination_port == l4[proto].get("destination_port", 0)
                assert flow.source_port == l4[proto].get("source_port", 0)
    assert {EndpointKind.POD, EndpointKind.WORLD, EndpointKind.HOST, EndpointKind.REMOTE_NODE} <= kinds


def test_spot_checked_real_flow() -> None:
    path = flows_dir() / "hubble-otel__basic-sample-400-tcp-flows.json"
    flow = conv.convert_json(json.loads(path.read_text().splitlines()[0]))
    assert flow.time == "2021-11-10T10:40:56.465597700Z"
    assert flow.time_ns == 1636540856465597700
    assert flow.verdict == "FORWARDED" and flow.drop_reason == ""
    assert flow.protocol == "TCP" and flow.source_port == 35128 and flow.destination_port == 9080
    assert flow.tcp_flags == ("ACK",)
    assert flow.traffic_direction == "EGRESS" and flow.event_type == 4 and flow.event_sub_type == 1
    assert flow.trace_observation_point == "TO_PROXY" and flow.is_reply is False
    src = flow.source
    assert (src.namespace, src.pod_name, src.ip) == (
        "bookinfo",
        "productpage-v1-6b746f74dc-9rcxx",
        "10.244.0.177",
    )
    assert src.kind is EndpointKind.POD
    assert dict(src.labels) == {
        "app": "productpage",
        "version": "v1",
        "sidecar.opentelemetry.io/injected": "bookinfo.otelcol-bookinfo",
    }
    assert dict(src.namespace_labels) == {"kubernetes.io/metadata.name": "bookinfo"}
    assert "k8s:io.cilium.k8s.policy.serviceaccount=bookinfo-productpage" in src.other_labels
    assert flow.destination.key == "bookinfo/reviews-v2-7bf8c9648f-r7bs2"


def test_namespace_from_label_when_the_field_is_missing() -> None:
    for _name, _n, line in _all_lines():
        obj = json.loads(line)
        src = obj["flow"]["source"]
        if not src.get("namespace") and "k8s:io.kubernetes.pod.namespace=bookinfo" in src.get("labels", []):
            flow = conv.convert_json(obj)
            assert flow.source.namespace == "bookinfo" and flow.source.kind is EndpointKind.POD
            return
    pytest.fail("expected a capture line with a label-only pod endpoint")


@pytest.mark.parametrize("camel", [False, True])
def test_pb_and_jsonpb_give_equal_flows(camel: bool) -> None:
    pbs = [
        *policy_drop(
            src="shop/cart-1",
            dst="payments/db-0",
            port=5432,
            time_ns=T0 + 123_456_789,
            src_labels={"app": "cart"},
            dst_labels={"app": "db"},
            src_workload=("Deployment", "cart"),
        ),
        make_flow(
            src="shop/cart-1",
            dst="world",
            dst_ip="1.1.1.1",
            port=53,
            protocol="UDP",
            direction="EGRESS",
            verdict="DROPPED",
            drop_reason="POLICY_DENY",
            event_type="policy-verdict",
            time_ns=T0,
            egress_denied_by=[("shop", "deny-dns", "CiliumNetworkPolicy")],
            policy_match_type=1,
        ),
        make_flow(
            verdict="FORWARDED",
            drop_reason=None,
            event_type="trace",
            is_reply=True,
            time_ns=T0 + 5_000_000,
            ingress_allowed_by=[("default", "allow-web", "NetworkPolicy")],
            uuid="",
        ),
        make_flow(src="cidr:8.8.8.0/24", dst="host", protocol="ICMP", time_ns=T0 + 1000),
    ]
    for pb in pbs:
        resp = observer_pb2.GetFlowsResponse(flow=pb, node_name="kind-worker", time=pb.time)
        text = json_format.MessageToJson(resp, preserving_proto_field_name=not camel, indent=None)
        from_pb = conv.convert_response(resp)
        from_json = conv.convert_json(json.loads(text))
        assert from_pb == from_json


def test_policy_drop_fields() -> None:
    verdict_ev, drop_ev = policy_drop(
        src="shop/cart-1",
        dst="payments/db-0",
        port=5432,
        time_ns=T0,
        ingress_denied_by=[("payments", "deny-all", "CiliumNetworkPolicy")],
    )
    v = conv.from_pb_flow(verdict_ev)
    d = conv.from_pb_flow(drop_ev)
    assert (v.event_type, v.event_sub_type, d.event_type, d.event_sub_type) == (5, 0, 1, 133)
    assert v.is_policy_verdict and not d.is_policy_verdict
    assert d.is_drop and d.drop_reason == "POLICY_DENIED" and d.drop_reason_code == 133
    assert v.ingress_denied_by == (PolicyRef("deny-all", "payments", "CiliumNetworkPolicy"),)
    assert d.destination.namespace_labels["kubernetes.io/metadata.name"] == "payments"
    assert d.is_reply is None and d.destination_port == 5432 and d.protocol == "TCP"
    assert v.uuid != d.uuid and v.time_ns == d.time_ns == T0


def test_numeric_drop_reason_and_policy_from_labels() -> None:
    obj = {
        "flow": {
            "IP": {"source": "10.0.0.1", "destination": "10.0.0.2"},
            "verdict": "DROPPED",
            "drop_reason": 181,
            "ingress_denied_by": [
                {
                    "labels": [
                        "k8s:io.cilium.k8s.policy.name=deny-db",
                        "k8s:io.cilium.k8s.policy.namespace=prod",
                        "k8s:io.cilium.k8s.policy.derived-from=CiliumNetworkPolicy",
                    ],
                    "revision": "6",
                }
            ],
        }
    }
    flow = conv.convert_json(obj)
    assert (flow.drop_reason, flow.drop_reason_code) == ("POLICY_DENY", 181)
    assert flow.ingress_denied_by == (PolicyRef("deny-db", "prod", "CiliumNetworkPolicy"),)
    ip = {"source": "10.0.0.1"}
    assert (
        conv.convert_json({"flow": {"IP": ip, "verdict": "DROPPED", "drop_reason": 159}}).drop_reason == "159"
    )


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [
        ({"identity": 1, "labels": ["reserved:host"]}, EndpointKind.HOST),
        ({"identity": 2, "labels": ["reserved:world"]}, EndpointKind.WORLD),
        ({"identity": 9}, EndpointKind.WORLD),
        ({"identity": 6, "labels": ["reserved:remote-node"]}, EndpointKind.REMOTE_NODE),
        (
            {"identity": 7, "labels": ["reserved:kube-apiserver", "reserved:remote-node"]},
            EndpointKind.KUBE_APISERVER,
        ),
        ({"identity": 4}, EndpointKind.HEALTH),
        ({"identity": 8}, EndpointKind.INGRESS),
        ({"identity": 5}, EndpointKind.INIT),
        ({"identity": 3}, EndpointKind.UNMANAGED),
        ({"identity": 16777217, "labels": ["reserved:kube-apiserver", "reserved:world"]}, EndpointKind.WORLD),
        ({"identity": 16777300, "labels": ["cidr:1.2.3.4/32", "reserved:world"]}, EndpointKind.WORLD),
        ({"labels": ["reserved:health"]}, EndpointKind.HEALTH),
        ({"identity": 4242, "namespace": "a", "pod_name": "p"}, EndpointKind.POD),
        ({}, EndpointKind.UNKNOWN),
    ],
)
def test_endpoint_kinds(endpoint: dict, kind: EndpointKind) -> None:
    flow = conv.convert_json(
        {"flow": {"source": endpoint, "verdict": "FORWARDED", "IP": {"destination": "10.0.0.2"}}}
    )
    assert flow.source.kind is kind
    if "cidr:1.2.3.4/32" in endpoint.get("labels", []):
        assert flow.source.other_labels == ("cidr:1.2.3.4/32", "reserved:world") and not flow.source.labels


def test_lost_events_node_status_and_bare_flow() -> None:
    lost = conv.convert_json(
        {
            "lost_events": {"source": "HUBBLE_RING_BUFFER", "num_events_lost": "42"},
            "node_name": "n1",
            "time": "2026-01-01T00:00:01Z",
        }
    )
    assert lost == LostEvents("HUBBLE_RING_BUFFER", 42, "n1", T0 + 1_000_000_000)
    status = conv.convert_json(
        {"node_status": {"state_change": "NODE_UNAVAILABLE", "node_names": ["a", "b"], "message": "down"}}
    )
    assert status == NodeStatus("NODE_UNAVAILABLE", ("a", "b"), "down", 0)
    bare = conv.convert_json(
        {
            "time": "2026-01-01T00:00:00.5Z",
            "verdict": "DROPPED",
            "drop_reason_desc": "POLICY_DENIED",
            "IP": {"source": "10.0.0.1"},
        }
    )
    assert (
        bare.time_ns == T0 + 500_000_000
        and bare.drop_reason == "POLICY_DENIED"
        and bare.source.ip == "10.0.0.1"
    )
    assert conv.convert_json({"hello": 1}) is None


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("2021-11-10T10:40:56.465597700Z", 1636540856465597700),
        ("2021-11-10T10:40:56Z", 1636540856000000000),
        ("2021-11-10T10:40:56.4Z", 1636540856400000000),
        ("2021-11-10T11:40:56.123456+01:00", 1636540856123456000),
        ("2021-11-10T10:40:56.123456789123Z", 1636540856123456789),
    ],
)
def test_time_parsing(text: str, ns: int) -> None:
    assert parse_time_ns(text) == ns
    assert parse_time_ns(text) == ns  # cached second


def test_time_formatting_round_trips() -> None:
    from netpol_tui.core.timefmt import format_time_ns

    for ns in (T0, T0 + 120_000_000, T0 + 120_500_000, T0 + 1):
        assert parse_time_ns(format_time_ns(ns)) == ns
    assert format_time_ns(T0 + 567_800_000) == "2026-01-01T00:00:00.567800Z"


# --------------------------------------------------------------------------------------------------------------
# Issue 11: fields that were lost, ports that are unknown or out of range, invalid IPs, empty objects
# --------------------------------------------------------------------------------------------------------------
def _ten_flows() -> list[dict]:
    path = flows_dir() / "hubble-otel__basic-sample-10-flows.json"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_legacy_reply_field_is_read_when_is_reply_is_absent() -> None:
    objs = _ten_flows()
    with_reply = [o for o in objs if "reply" in o["flow"]]
    assert len(with_reply) == 5 and all("is_reply" not in o["flow"] for o in with_reply)
    for obj in objs:
        raw = obj["flow"]
        want = raw["is_reply"] if "is_reply" in raw else raw.get("reply")
        assert conv.convert_json(obj).is_reply is want
    assert [conv.convert_json(o).is_reply for o in with_reply] == [True] * 5
    # is_reply wins over the legacy field; neither -> None
    base = {"IP": {"source": "10.0.0.1", "destination": "10.0.0.2"}}
    assert conv.convert_json({"flow": {**base, "reply": True, "is_reply": False}}).is_reply is False
    assert conv.convert_json({"flow": base}).is_reply is None
    with pytest.raises(conv.FlowFormatError, match=r"flow\.reply should be true or false"):
        conv.convert_json({"flow": {**base, "reply": "yes"}})
    # protobuf: the same rule
    pb = make_flow(time_ns=T0)
    pb.reply = True
    assert conv.from_pb_flow(pb).is_reply is True
    pb.is_reply.value = False
    assert conv.from_pb_flow(pb).is_reply is False
    assert conv.from_pb_flow(make_flow(time_ns=T0)).is_reply is None


def _camel_inner(value: object, depth: int = 0) -> object:
    """lowerCamel keys below the flow's top level only (the top keys stay proto names)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            key = k
            if depth >= 2:
                head, *rest = k.split("_")
                key = head + "".join(p.title() for p in rest)
            out[key] = _camel_inner(v, depth + 1)
        return out
    if isinstance(value, list):
        return [_camel_inner(v, depth + 1) for v in value]
    return value


def test_nested_lower_camel_keys_without_a_camel_key_at_the_top() -> None:
    lines = _all_lines()
    changed = 0
    for name, n, line in lines[::7]:
        obj = json.loads(line)
        camel = {**obj, "flow": {k: _camel_inner(v, 2) for k, v in obj["flow"].items()}}
        assert camel["flow"].keys() == obj["flow"].keys()
        changed += camel != obj
        assert conv.convert_json(camel) == conv.convert_json(obj), (name, n)
    assert changed > 200
    obj = {
        "flow": {
            "IP": {"source": "10.0.0.1", "destination": "10.0.0.2"},
            "l4": {"UDP": {"sourcePort": 5353, "destinationPort": 53}},
            "source": {"podName": "cart-1", "namespace": "shop", "clusterName": "c1"},
            "event_type": {"type": 1, "subType": 133},
        }
    }
    flow = conv.convert_json(obj)
    assert (flow.source_port, flow.destination_port, flow.event_sub_type) == (5353, 53, 133)
    assert (flow.source.pod_name, flow.source.cluster_name) == ("cart-1", "c1")


def test_missing_flow_time_falls_back_to_the_response_time() -> None:
    obj = {"flow": {"IP": {"source": "10.0.0.1", "destination": "10.0.0.2"}}, "time": "2026-01-01T00:00:01Z"}
    flow = conv.convert_json(obj)
    assert (flow.time, flow.time_ns) == ("2026-01-01T00:00:01Z", T0 + 1_000_000_000)
    pb = make_flow(time_ns=T0)
    pb.ClearField("time")
    resp = observer_pb2.GetFlowsResponse(flow=pb)
    resp.time.seconds = T0 // 1_000_000_000 + 2
    assert conv.convert_response(resp).time_ns == T0 + 2_000_000_000


def test_icmp_type_and_code_are_carried() -> None:
    path = flows_dir() / "hubble-otel__basic-sample-400-icmpv4-flows.json"
    seen = set()
    for line in path.read_text().splitlines():
        obj = json.loads(line)
        flow = conv.convert_json(obj)
        icmp = obj["flow"]["l4"]["ICMPv4"]
        assert flow.protocol == "ICMPv4"
        assert (flow.icmp_type, flow.icmp_code) == (icmp.get("type", 0), icmp.get("code", 0))
        assert flow.destination_port == flow.icmp_type and flow.source_port is None
        seen.add(flow.icmp_type)
    assert seen == {0, 8}
    v6 = conv.convert_json(
        {
            "flow": {
                "IP": {"source": "fd00::1", "destination": "fd00::2"},
                "l4": {"ICMPv6": {"type": 1, "code": 4}},
            }
        }
    )
    assert (v6.protocol, v6.icmp_type, v6.icmp_code, v6.destination_port) == ("ICMPv6", 1, 4, 1)
    pb = make_flow(time_ns=T0, protocol="ICMP")
    pb.l4.ICMPv6.type, pb.l4.ICMPv6.code = 128, 0
    f = conv.from_pb_flow(pb)
    assert (f.protocol, f.icmp_type, f.icmp_code, f.destination_port, f.source_port) == (
        "ICMPv6",
        128,
        0,
        128,
        None,
    )
    with pytest.raises(conv.FlowFormatError, match=r"flow\.l4\.ICMPv4\.type"):
        conv.convert_json({"flow": {"IP": {"source": "10.0.0.1"}, "l4": {"ICMPv4": {"type": 256}}}})


def test_no_endpoints_and_no_ips_is_an_error_not_an_unknown_flow() -> None:
    for obj in (
        {"flow": {"verdict": "DROPPED", "drop_reason_desc": "POLICY_DENIED"}},
        {"flow": {"verdict": "DROPPED", "source": {}, "destination": {}, "IP": {}}},
        {"verdict": "DROPPED", "Summary": "TCP Flags: SYN"},
    ):
        with pytest.raises(conv.FlowFormatError, match="no source or destination"):
            conv.convert_json(obj)
    # one side known is enough
    assert conv.convert_json({"flow": {"source": {"identity": 2}}}).source.kind is EndpointKind.WORLD
    assert conv.convert_json({"flow": {"IP": {"destination": "10.0.0.2"}}}).destination.ip == "10.0.0.2"


def test_a_missing_destination_port_is_unknown_not_zero() -> None:
    ip = {"source": "10.0.0.1", "destination": "10.0.0.2"}
    for l4 in (
        {"TCP": {"source_port": 4000, "flags": {"SYN": True}}},
        {"UDP": {"source_port": 4000}},
        {"SCTP": {"source_port": 4000}},
    ):
        flow = conv.convert_json({"flow": {"IP": ip, "verdict": "DROPPED", "l4": l4}})
        assert flow.destination_port is None and flow.source_port == 4000
    flow = conv.convert_json({"flow": {"IP": ip, "l4": {"TCP": {"destination_port": 0}}}})
    assert (flow.destination_port, flow.source_port) == (None, None)
    assert conv.convert_json({"flow": {"IP": ip}}).destination_port is None  # no L4 at all
    pb = make_flow(time_ns=T0, port=0)
    assert conv.from_pb_flow(pb).destination_port is None


@pytest.mark.parametrize("port", [-1, 65536, 10**30])
@pytest.mark.parametrize("side", ["source_port", "destination_port"])
def test_out_of_range_ports_are_errors_naming_the_field(port: int, side: str) -> None:
    obj = {"flow": {"IP": {"source": "10.0.0.1"}, "l4": {"UDP": {side: port}}}}
    with pytest.raises(conv.FlowFormatError, match=rf"flow\.l4\.UDP\.{side}: {port} is not a port"):
        conv.convert_json(obj)


@pytest.mark.parametrize(
    ("ip", "field"),
    [({"source": "999.999.1.1"}, "flow.IP.source"), ({"destination": "10.0.0"}, "flow.IP.destination")],
)
def test_invalid_ips_are_errors_naming_the_field(ip: dict, field: str) -> None:
    with pytest.raises(conv.FlowFormatError, match=rf"{field.replace('.', '[.]')}: .* is not an IP address"):
        conv.convert_json({"flow": {"IP": ip, "verdict": "FORWARDED"}})
    ok = conv.convert_json({"flow": {"IP": {"source": "fd00::1", "destination": "10.0.0.1"}}})
    assert (ok.source.ip, ok.destination.ip) == ("fd00::1", "10.0.0.1")


def test_tcp_flags_written_false_do_not_poison_later_flows() -> None:
    ip = {"source": "10.0.0.1", "destination": "10.0.0.2"}

    def flags(value: dict) -> tuple[str, ...]:
        return conv.convert_json({"flow": {"IP": ip, "l4": {"TCP": {"flags": value}}}}).tcp_flags

    assert flags({"SYN": False, "ACK": True}) == ("ACK",)
    assert flags({"SYN": True, "ACK": True}) == ("SYN", "ACK")
    assert flags({"SYN": False}) == ()
    assert flags({"SYN": True}) == ("SYN",)
