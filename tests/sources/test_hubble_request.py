"""What `explain` asks a live Hubble for (issue 11, point 12): `--since`/`--until` as given, the number from
`--last`/`--first`, the default of 20 only when neither bound is given and not following; and the Relay's node
events reported on stderr with the node names (made inert)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hubble_support import Collector
from support.hubble_server import NUMBERED_T0, Faults, HubbleServer, numbered_flow

from netpol_tui._proto.observer import observer_pb2
from netpol_tui._proto.relay import relay_pb2
from netpol_tui.cli import main
from netpol_tui.core.model import Flow
from netpol_tui.sources.hubble import HubbleConfig, HubbleSource

MS = 1_000_000


def rfc3339(ns: int) -> str:
    secs, frac = divmod(ns, 1_000_000_000)
    return datetime.fromtimestamp(secs, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{frac:09d}Z"


def _ns(ts) -> int:  # type: ignore[no-untyped-def]
    return ts.seconds * 1_000_000_000 + ts.nanos


@pytest.fixture
def cluster(tmp_path: Path) -> str:
    path = tmp_path / "cluster.yaml"
    path.write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    return str(path)


@pytest.fixture
def srv():
    server = HubbleServer([numbered_flow(i) for i in range(40)])  # times T0 + (i // 2) ms
    yield server
    server.stop()


def _explain(
    capsys, srv: HubbleServer, cluster: str, *argv: str
) -> tuple[int, str, str, observer_pb2.GetFlowsRequest]:
    code = main(["explain", "--server", srv.address, "--cluster", cluster, "--json", *argv])
    out, err = capsys.readouterr()
    return code, out, err, srv.wait_for_request(timeout=1.0)


def test_last_with_since_sends_both(capsys, srv, cluster) -> None:
    since = rfc3339(NUMBERED_T0 + 5 * MS)
    code, out, _, req = _explain(capsys, srv, cluster, "--last", "5", "--since", since)
    assert code == 0
    assert req.number == 5 and not req.first and not req.follow
    assert _ns(req.since) == NUMBERED_T0 + 5 * MS and not req.HasField("until")
    assert len(out.splitlines()) == 5


def test_since_and_until_without_a_number_send_no_default(capsys, srv, cluster) -> None:
    code, out, _, req = _explain(
        capsys,
        srv,
        cluster,
        "--since",
        rfc3339(NUMBERED_T0 + 2 * MS),
        "--until",
        rfc3339(NUMBERED_T0 + 5 * MS),
    )
    assert code == 0
    assert (
        req.number == 0 and _ns(req.since) == NUMBERED_T0 + 2 * MS and _ns(req.until) == NUMBERED_T0 + 5 * MS
    )
    assert len(out.splitlines()) == 8  # ms 2, 3, 4, 5: two flows each


def test_until_alone_sends_no_default(capsys, srv, cluster) -> None:
    code, out, _, req = _explain(capsys, srv, cluster, "--until", rfc3339(NUMBERED_T0 + 14 * MS))
    assert (
        code == 0
        and req.number == 0
        and not req.HasField("since")
        and _ns(req.until) == NUMBERED_T0 + 14 * MS
    )
    assert len(out.splitlines()) == 30


def test_first_sends_first_and_number(capsys, srv, cluster) -> None:
    code, out, _, req = _explain(capsys, srv, cluster, "--first", "3")
    assert code == 0 and req.first and req.number == 3
    assert [line.split('"source": "')[1].split('"')[0] for line in out.splitlines()] == [
        "shop/client-0",
        "shop/client-1",
        "shop/client-2",
    ]


def test_the_default_of_20_only_without_bounds(capsys, srv, cluster) -> None:
    code, out, _, req = _explain(capsys, srv, cluster)
    assert code == 0 and req.number == 20 and not req.first and not req.HasField("since")
    assert len(out.splitlines()) == 20


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--first", "3", "--last", "3"], ["--first", "--last"]),
        (["--first", "3", "--follow"], ["--first", "--follow"]),
    ],
)
def test_first_does_not_combine(capsys, srv, cluster, argv: list[str], words: list[str]) -> None:
    code = main(["explain", "--server", srv.address, "--cluster", cluster, *argv])
    _, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and all(w in err for w in words)
    assert not srv.requests


def test_until_filters_a_capture_locally(capsys, tmp_path, cluster) -> None:
    from google.protobuf import json_format

    lines = ['{"flow": ' + json_format.MessageToJson(numbered_flow(i), indent=None) + "}" for i in range(10)]
    path = tmp_path / "flows.json"
    path.write_text("\n".join(lines) + "\n")
    code = main(
        [
            "explain",
            "--flows",
            str(path),
            "--cluster",
            cluster,
            "--json",
            "--until",
            rfc3339(NUMBERED_T0 + 2 * MS),
        ]
    )
    out, _ = capsys.readouterr()
    assert code == 0 and len(out.splitlines()) == 6


def test_bad_until_names_the_flag(capsys, srv, cluster) -> None:
    code = main(["explain", "--server", srv.address, "--cluster", cluster, "--until", "yesterday-ish"])
    _, err = capsys.readouterr()
    assert code == 2 and "--until yesterday-ish" in err and not srv.requests


# ---- Relay node events -----------------------------------------------------------------------------------------
def test_node_events_are_reported_on_stderr_with_the_names(capsys, cluster) -> None:
    flows = [numbered_flow(i) for i in range(4)]
    gone = observer_pb2.GetFlowsResponse(
        node_status=relay_pb2.NodeStatusEvent(
            state_change=relay_pb2.NODE_ERROR, node_names=["kind-worker3"], message="dial tcp: i/o timeout"
        )
    )
    back = observer_pb2.GetFlowsResponse(
        node_status=relay_pb2.NodeStatusEvent(
            state_change=relay_pb2.NODE_CONNECTED, node_names=["kind-worker2"]
        )
    )
    server = HubbleServer(
        [flows[0], flows[1], gone, flows[2], back, flows[3]],
        faults=Faults(unavailable_nodes=("kind-worker2", "evil\x1b]52;c;aGk=\x07node")),
    )
    try:
        code = main(["explain", "--server", server.address, "--cluster", cluster, "--json", "--last", "10"])
    finally:
        server.stop()
    out, err = capsys.readouterr()
    assert code == 0 and len(out.splitlines()) == 4
    lines = [line for line in err.splitlines() if "Hubble Relay" in line]
    assert len(lines) == 3, err
    assert "kind-worker2" in lines[0] and "unavailable" in lines[0]
    assert "evil\\x1b]52;c;aGk=\\x07node" in lines[0] and "\x1b" not in err and "\x07" not in err
    assert "kind-worker3" in lines[1] and "i/o timeout" in lines[1]
    assert "kind-worker2" in lines[2] and "connected" in lines[2]


# ---- a server that accepts GetFlows and sends nothing (point 3) ------------------------------------------------
def _main_within(argv: list[str], seconds: float = 10.0) -> int:
    """main(argv) in a thread: a hang fails the test instead of stopping the run."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, f"explain still running after {seconds} s"
    return int(result[0])


@pytest.fixture
def silent_server():
    release = threading.Event()

    def stream() -> Iterator[Any]:
        release.wait(30)
        yield from ()

    server = HubbleServer(stream=stream)
    yield server
    release.set()
    server.stop()


def test_last_against_a_silent_server_times_out_with_one_line(capsys, silent_server, cluster) -> None:
    started = time.monotonic()
    code = _main_within(
        [
            "explain",
            "--server",
            silent_server.address,
            "--cluster",
            cluster,
            "--last",
            "5",
            "--idle-timeout",
            "0.5",
        ]
    )
    took = time.monotonic() - started
    _, err = capsys.readouterr()
    assert code == 2 and took < 5
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert silent_server.address in lines[0] and "0.5 s" in lines[0] and "--idle-timeout" in lines[0]
    assert "Traceback" not in err


def test_a_stream_that_stalls_after_some_flows_says_how_many_came(capsys, cluster) -> None:
    release = threading.Event()

    def stream() -> Iterator[Any]:
        yield numbered_flow(0)
        yield numbered_flow(1)
        release.wait(30)

    server = HubbleServer(stream=stream)
    try:
        code = _main_within(
            ["explain", "--server", server.address, "--cluster", cluster, "--json", "--idle-timeout", "0.4"]
        )
    finally:
        release.set()
        server.stop()
    out, err = capsys.readouterr()
    assert code == 2 and len(out.splitlines()) == 2  # what came is printed
    assert len(err.strip().splitlines()) == 1 and "2 flows" in err and "0.4 s" in err


def test_idle_timeout_default_is_documented_and_negative_refused(capsys, cluster) -> None:
    from netpol_tui.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["explain"].format_help()  # type: ignore[union-attr]
    assert "--idle-timeout" in text and "default 30" in text
    with pytest.raises(SystemExit) as exc:  # refused by the parser: a usage error naming the flag
        main(["explain", "--server", "127.0.0.1:1", "--cluster", cluster, "--idle-timeout", "-1"])
    assert exc.value.code == 2
    _, err = capsys.readouterr()
    assert "--idle-timeout" in err and "Traceback" not in err


def test_follow_keeps_waiting_and_says_so_once() -> None:
    server = HubbleServer([])  # follow without number: only what comes next
    said: list[str] = []
    src = HubbleSource(
        HubbleConfig(server=server.address, follow=True, idle_timeout=0.2), on_idle=said.append
    )
    c = Collector(src, max_batch=16, max_wait=0.01)
    try:
        deadline = time.monotonic() + 5
        while not said and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.8)  # four more idle periods: still one notice
        assert len(said) == 1 and server.address in said[0] and "0.2 s" in said[0] and "waiting" in said[0]
        server.push(numbered_flow(7))
        assert c.wait(lambda items: any(type(i) is Flow for i in items))
        assert c.error is None
    finally:
        src.close()
        server.stop()
    c.thread.join(5)
    assert c.error is None and len(said) == 1
