"""Replies Hubble did not mark: an ICMP echo reply (type 0, which jsonpb leaves out: `"ICMPv4": {}`) and a
SYN-ACK are replies, judged as the connection they answer (for ICMP: the echo request, type 8), as one marked
`is_reply` is. Before, a forwarded echo reply of an allowed ping read "Hubble forwarded it, but the policies deny
it" (a marked one too: it was judged as type 0 the other way round). The JSON `is_reply` stays what Hubble said."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sources.hubble_support import flows_dir
from support.explain_files import EAST_SHOP, cnp_yaml, explain_json, pod_yaml

from netpol_tui.core.aggregate import group_key
from netpol_tui.core.model import Endpoint, EndpointKind, Flow
from netpol_tui.core.replies import flow_is_reply, reply_port

CLUSTER = (
    EAST_SHOP
    + pod_yaml("client", "client", "10.1.0.2")
    + pod_yaml("server", "server", "10.1.0.3")
    + cnp_yaml("client-in-deny-all", "client", "  ingress: [{}]\n")
    + cnp_yaml(
        "server-in",
        "server",
        """\
  ingress:
  - {fromEndpoints: [{matchLabels: {app: client}}], icmps: [{fields: [{type: 8, family: IPv4}]}]}
  - {fromEndpoints: [{matchLabels: {app: client}}], toPorts: [{ports: [{port: "80", protocol: TCP}]}]}
""",
    )
)

CLIENT = {"namespace": "shop", "pod_name": "client", "labels": ["k8s:app=client"]}
SERVER = {"namespace": "shop", "pod_name": "server", "labels": ["k8s:app=server"]}


def line(src: dict[str, Any], dst: dict[str, Any], l4: dict[str, Any], *, reply: bool | None = None) -> str:
    ips = {"client": "10.1.0.2", "server": "10.1.0.3"}
    flow: dict[str, Any] = {
        "time": "2026-11-30T06:00:00Z",
        "verdict": "FORWARDED",
        "IP": {"source": ips[src["pod_name"]], "destination": ips[dst["pod_name"]], "ipVersion": "IPv4"},
        "l4": l4,
        "source": src,
        "destination": dst,
        "Type": "L3_L4",
        "event_type": {"type": 4},
    }
    if reply is not None:
        flow["is_reply"] = reply
    return json.dumps({"flow": flow})


@pytest.fixture
def explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    lines = [
        line(CLIENT, SERVER, {"ICMPv4": {"type": 8}}, reply=False),  # the ping
        line(SERVER, CLIENT, {"ICMPv4": {}}, reply=True),  # its reply, marked
        line(SERVER, CLIENT, {"ICMPv4": {}}),  # its reply, unmarked (older agents, and half the capture's)
        line(
            SERVER,
            CLIENT,
            {"TCP": {"source_port": 80, "destination_port": 41000, "flags": {"SYN": True, "ACK": True}}},
        ),
        line(SERVER, CLIENT, {"ICMPv4": {"type": 13}}),  # a timestamp request the other way: not allowed
    ]
    return explain_json(tmp_path, capsys, CLUSTER, lines)


def test_replies_are_judged_as_the_connection_they_answer(explained: list[dict[str, Any]]) -> None:
    ping, marked, unmarked, synack, other = explained
    assert (ping["case"], ping["allowed"]) == ("allowed", True)
    for reply in (marked, unmarked, synack):
        assert (reply["case"], reply["allowed"]) == ("allowed", True), reply["summary"]
        assert reply["summary"].startswith("shop/client → shop/server ")
    assert (
        "8/ICMPv4" in marked["summary"]
        and "8/ICMPv4" in unmarked["summary"]
        and "80/TCP" in synack["summary"]
    )
    # what Hubble said stays in the flow block
    assert (marked["flow"]["is_reply"], unmarked["flow"]["is_reply"], synack["flow"]["is_reply"]) == (
        True,
        None,
        None,
    )
    assert (marked["flow"]["port"], unmarked["flow"]["port"]) == (0, 0)
    texts = {f["code"]: f["text"] for f in unmarked["findings"]}
    assert texts["reply_flow"] == (
        "This flow is an ICMPv4 reply (type 0) to a request of type 8 (Hubble did not mark it; its type says so): "
        "the connection it answers was evaluated instead."
    )
    assert "Hubble did not mark it" not in {f["code"]: f["text"] for f in marked["findings"]}["reply_flow"]
    assert "a SYN-ACK is one" in {f["code"]: f["text"] for f in synack["findings"]}["reply_flow"]
    # a request the other way is judged as it comes: the client's ingress denies it
    assert (other["case"], other["allowed"]) == ("forwarded_but_denied", False)
    assert "reply_flow" not in [f["code"] for f in other["findings"]]


def test_the_unmarked_echo_replies_of_the_real_capture_are_replies() -> None:
    from netpol_tui.sources.replay import ReplaySource

    capture = flows_dir() / "hubble-otel__basic-sample-400-icmpv4-flows.json"  # skips without shared/
    flows = list(ReplaySource(capture).flows())
    replies = [f for f in flows if f.destination_port == 0]
    assert len(flows) == 18 and len(replies) == 7
    assert {f.is_reply for f in replies} == {True, None}  # some marked, some not
    assert all(flow_is_reply(f) and reply_port(f) == 8 for f in replies)
    assert not any(flow_is_reply(f) for f in flows if f.destination_port == 8)


def icmp_drop(protocol: str, type_: int) -> Flow:
    server = Endpoint(ip="10.1.0.3", kind=EndpointKind.POD, namespace="shop", pod_name="server")
    client = Endpoint(ip="10.1.0.2", kind=EndpointKind.POD, namespace="shop", pod_name="client")
    return Flow(
        verdict="DROPPED",
        protocol=protocol,
        destination_port=type_,
        icmp_type=type_,
        source=server,
        destination=client,
    )


def test_reply_groups_are_keyed_by_the_request_type() -> None:
    v6 = icmp_drop("ICMPv6", 129)
    assert flow_is_reply(v6) and reply_port(v6) == 128
    assert group_key(v6)[2] == 128 and group_key(v6)[-1] is True
    error = icmp_drop("ICMPv4", 3)
    assert not flow_is_reply(error)  # an error message is not a reply: judged as it comes


def test_a_forwarded_icmp_error_is_related_not_a_disagreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """server -> client "port unreachable" (type 3): the client's ingress denies every new connection, yet Hubble
    forwards it, as connection tracking lets an error through with the connection it reports on. No "Hubble and
    the policies disagree", no fix; a dropped one is still judged as it comes."""
    unreachable = line(SERVER, CLIENT, {"ICMPv4": {"type": 3, "code": 3}}, reply=False)
    dropped = json.loads(unreachable)
    dropped["flow"].update(verdict="DROPPED", drop_reason_desc="POLICY_DENIED")
    forwarded, drop = explain_json(tmp_path, capsys, CLUSTER, [unreachable, json.dumps(dropped)])
    assert (forwarded["case"], forwarded["allowed"], forwarded["fixes"]) == ("related", False, [])
    assert forwarded["summary"] == (
        "shop/server → shop/client 3/ICMPv4: forwarded — an ICMP destination unreachable message, let through as "
        "related to the connection it reports on (connection tracking); the policies alone would not allow it."
    )
    assert "hubble_disagrees_forwarded" not in [f["code"] for f in forwarded["findings"]]
    assert (drop["case"], drop["allowed"]) == ("policy_drop", False) and drop["fixes"]


async def test_the_tui_explains_an_unmarked_echo_reply_and_an_icmp_error(tmp_path: Path) -> None:
    from ui.conftest import screen_words_after, wait_until

    from netpol_tui.cli.app_factory import app_for_replay
    from netpol_tui.sources.cluster_loader import ClusterConfig
    from netpol_tui.ui.options import TuiOptions

    (tmp_path / "cluster.yaml").write_text(CLUSTER)
    unreachable = line(SERVER, CLIENT, {"ICMPv4": {"type": 3, "code": 3}}, reply=False)
    (tmp_path / "flows.json").write_text(line(SERVER, CLIENT, {"ICMPv4": {}}) + "\n" + unreachable + "\n")
    built = app_for_replay(
        str(tmp_path / "flows.json"),
        ClusterConfig(path=str(tmp_path / "cluster.yaml")),
        TuiOptions(save_dir=tmp_path),
    )
    app = built.app
    async with app.run_test(size=(200, 50)) as pilot:
        await wait_until(pilot, lambda: app.main.total_flows >= 2 and app.main.snapshot is not None)
        text = await screen_words_after(pilot, app, "home")
        assert "reply (type 0) to a request of type 8" in text, text
        assert "DISAGREE" not in text
        text = await screen_words_after(pilot, app, "down")
        assert "let through as related to the connection it reports on" in text, text
        assert "DISAGREE" not in text
