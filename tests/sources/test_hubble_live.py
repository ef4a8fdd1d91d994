"""Live streams that survive a Relay killed mid-stream (issue 11, point 2): the server runs in a process of its own
(tests/support/hubble_server.py as a script), is killed with SIGKILL and started again on the same port; every
flow arrives exactly once, and a broken connection is never taken for a TLS problem."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import grpc
import pytest
import support.hubble_server as hs
from hubble_support import Collector
from support.hubble_server import Faults, HubbleServer, ServerTLS, flow_number, numbered_flow

from netpol_tui.cli.feeds import HubbleFeed
from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow, StreamState
from netpol_tui.core.wording.inert import inert
from netpol_tui.sources.hubble import (
    HubbleConfig,
    HubbleSource,
    HubbleTLSError,
    HubbleUnavailable,
    map_grpc_error,
)

SERVER_SCRIPT = Path(hs.__file__)
REPO = SERVER_SCRIPT.parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """The numbered-flow server in a child process, on a fixed port."""

    def __init__(self, port: int, *extra: str) -> None:
        self.port = port
        self.extra = extra
        self.proc: subprocess.Popen[str] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        deadline = time.monotonic() + 10
        while True:
            proc = subprocess.Popen(
                [sys.executable, str(SERVER_SCRIPT), "--port", str(self.port), *self.extra],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stdout is not None
            line = proc.stdout.readline()
            if line.startswith("ready"):
                self.proc = proc
                return
            proc.kill()
            proc.wait()
            assert time.monotonic() < deadline, f"the server did not start: {line!r}"
            time.sleep(0.1)  # the port may still be held by the killed process for an instant

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.kill()


@pytest.fixture
def relay_process():
    made: list[ServerProcess] = []

    def make(*extra: str) -> ServerProcess:
        p = ServerProcess(free_port(), *extra)
        p.start()
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def _numbers(flows: list[Flow]) -> list[int]:
    return [flow_number(f.source.pod_name) for f in flows]


# ---- mapping: after a connection has worked, a broken one is never a TLS problem ----------------------------------
class _Err(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details


@pytest.mark.parametrize(
    "detail", ["Socket closed", "Connection reset by peer", "recvmsg:Connection reset by peer"]
)
def test_a_reset_on_a_working_connection_is_not_tls(detail: str) -> None:
    exc = _Err(grpc.StatusCode.UNAVAILABLE, detail)
    first = map_grpc_error(exc, "relay:4245", tls=False)
    assert isinstance(first, HubbleTLSError) and "expects TLS" in str(first)  # the first connection: a hint
    later = map_grpc_error(exc, "relay:4245", tls=False, connected=True)
    assert isinstance(later, HubbleUnavailable) and "TLS" not in str(later)
    assert "relay:4245" in str(later) and detail.split(":")[-1] in str(later)
    tls_later = map_grpc_error(exc, "relay:4245", tls=True, connected=True)
    assert isinstance(tls_later, HubbleUnavailable) and "TLS" not in str(tls_later)


def test_server_details_are_made_inert_in_error_sentences() -> None:
    exc = _Err(grpc.StatusCode.INTERNAL, "boom \x1b]0;owned\x07 \x1b[2J")
    text = str(map_grpc_error(exc, "relay:4245"))
    assert "\x1b" not in text and "\x07" not in text and "\\x1b]0;owned\\x07" in text


def test_inert_escapes_control_characters_visibly() -> None:
    assert inert("kube-system/coredns-1 ü") == "kube-system/coredns-1 ü"
    assert inert("a\x1b[2Jb\x07\n\u202ec") == "a\\x1b[2Jb\\x07\\x0a\\u202ec"


# ---- in process: UNAVAILABLE "Connection reset by peer" mid-stream ----------------------------------------------
def test_follow_goes_on_after_connection_reset_by_peer() -> None:
    flows = [numbered_flow(i) for i in range(60)]
    srv = HubbleServer(
        flows, faults=Faults(abort_after=25, abort_times=2, abort_message="Connection reset by peer")
    )
    src = HubbleSource(
        HubbleConfig(server=srv.address, follow=True, last=1000, backoff_initial=0.05, backoff_max=0.2)
    )
    c = Collector(src, max_batch=16, max_wait=0.01)
    try:
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= 60)
        assert c.error is None
        assert _numbers(c.of(Flow)) == list(range(60))
        recon = [s for s in c.of(StreamState) if s.state == "reconnecting"]
        assert len(recon) == 2 and all("TLS" not in s.message for s in recon)
        assert "Connection reset by peer" in recon[0].message
    finally:
        src.close()
        srv.stop()
    c.thread.join(5)
    assert c.error is None


# ---- a separate process killed with SIGKILL and started again on the same port ---------------------------------
def _kill_and_restart(srv: ServerProcess, c: Collector, at: int) -> None:
    assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= at, timeout=20)
    srv.kill()
    assert c.wait(lambda items: any(getattr(i, "state", "") == "reconnecting" for i in items), timeout=10)
    srv.start()


@pytest.mark.parametrize("uuids", [True, False], ids=["uuid", "no-uuid"])
def test_source_gets_every_flow_once_across_sigkill_and_restart(relay_process, uuids: bool) -> None:
    count = 300
    srv = relay_process("--count", str(count), "--delay", "0.004", *(() if uuids else ("--no-uuid",)))
    src = HubbleSource(
        HubbleConfig(server=srv.address, follow=True, timeout=2.0, backoff_initial=0.05, backoff_max=0.3)
    )
    c = Collector(src, max_batch=64, max_wait=0.01)
    try:
        _kill_and_restart(srv, c, 101)  # an odd count: the kill may fall between the two flows of one time
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= count, timeout=30)
        time.sleep(0.2)  # nothing more may come: the server holds the stream open after the last flow
        assert c.error is None
        got = _numbers(c.of(Flow))
        assert got == list(range(count)), (
            f"lost {sorted(set(range(count)) - set(got))[:10]}, doubled {len(got) - len(set(got))}"
        )
        recon = [s for s in c.of(StreamState) if s.state == "reconnecting"]
        assert recon and all("TLS" not in s.message for s in recon)
    finally:
        src.close()
    c.thread.join(5)
    assert not c.thread.is_alive() and c.error is None


def test_tui_feed_gets_every_flow_once_across_sigkill_and_restart(relay_process) -> None:
    count = 240
    srv = relay_process("--count", str(count), "--delay", "0.004")
    feed = HubbleFeed(
        HubbleConfig(server=srv.address, timeout=2.0, backoff_initial=0.05), "relay", retry_max=0.3
    )

    class FeedSource:
        def batches(self, **_: object) -> Any:
            return feed.stream(FlowQuery())

    c = Collector(FeedSource())
    try:
        _kill_and_restart(srv, c, 80)
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= count, timeout=30)
        time.sleep(0.2)
        assert _numbers(c.of(Flow)) == list(range(count))
        assert all("TLS" not in s.message for s in c.of(StreamState))
    finally:
        feed.close()
    c.thread.join(5)
    assert c.error is None


def _cluster(tmp_path: Path) -> Path:
    path = tmp_path / "cluster.yaml"
    path.write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {kubernetes.io/metadata.name: shop}}\n"
    )
    return path


def test_explain_follow_json_gets_every_flow_once_across_sigkill_and_restart(relay_process, tmp_path) -> None:
    count = 240
    srv = relay_process("--count", str(count), "--delay", "0.004")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netpol_tui",
            "explain",
            "--server",
            srv.address,
            "--follow",
            "--json",
            "--cluster",
            str(_cluster(tmp_path)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    lines: list[dict[str, Any]] = []
    done = threading.Event()
    enough = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(json.loads(line))
            if len(lines) >= 90:
                enough.set()
            if len(lines) >= count:
                break
        done.set()
        enough.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert enough.wait(30), "explain printed too little before the kill"
        srv.kill()
        time.sleep(0.5)  # explain retries meanwhile (connection refused)
        assert proc.poll() is None, f"explain stopped: {proc.stderr.read() if proc.stderr else ''}"
        srv.start()
        assert done.wait(30), f"only {len(lines)} lines"
        time.sleep(0.3)
        assert proc.poll() is None  # still following
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    got = [flow_number(line["flow"]["source"]) for line in lines]
    assert got == list(range(count))
    assert "TLS" not in err
    assert proc.returncode == 0, err
    said = err.strip().splitlines()
    assert len([line for line in said if "reconnecting" in line]) == 1, err
    assert len([line for line in said if "reconnected to Hubble at " + srv.address in line]) == 1, err


def test_explain_follow_on_a_silent_server_says_so_once_and_keeps_waiting(relay_process, tmp_path) -> None:
    srv = relay_process("--silent")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netpol_tui",
            "explain",
            "--server",
            srv.address,
            "--follow",
            "--idle-timeout",
            "0.3",
            "--cluster",
            str(_cluster(tmp_path)),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until explain says something
        assert "still waiting" in first and srv.address in first and "0.3 s" in first
        time.sleep(1.5)  # five more idle periods
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, rest = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, rest = proc.communicate()
    assert "still waiting" not in rest and proc.returncode == 0


def test_tls_stream_reset_reconnects_with_the_pinned_certificate(tmp_path) -> None:
    import trustme

    def server_tls(ca: trustme.CA) -> ServerTLS:
        cert = ca.issue_cert("instance.hubble-relay.cilium.io")
        chain = b"".join(b.bytes() for b in cert.cert_chain_pems)
        return ServerTLS(chain, cert.private_key_pem.bytes())

    flows = [numbered_flow(i) for i in range(40)]
    srv = HubbleServer(
        flows, tls=server_tls(trustme.CA()), faults=Faults(abort_after=15, abort_message="Socket closed")
    )
    src = HubbleSource(
        HubbleConfig(
            server=srv.address,
            tls=True,
            tls_allow_insecure=True,
            follow=True,
            last=1000,
            backoff_initial=0.05,
            backoff_max=0.2,
        )
    )
    c = Collector(src, max_batch=16, max_wait=0.01)
    try:
        # "Socket closed" on a TLS stream that worked is not a client-certificate problem: resumed, all once
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= 40)
        assert _numbers(c.of(Flow)) == list(range(40)) and c.error is None
        # the server comes back with another certificate: the pinned one is kept, so it is refused (retried)
        srv.stop()
        srv.tls = server_tls(trustme.CA())
        srv.start()
        srv.push(numbered_flow(40))
        assert c.wait(lambda items: sum(1 for i in items if getattr(i, "state", "") == "reconnecting") >= 4)
        assert len(c.of(Flow)) == 40 and c.error is None
    finally:
        src.close()
        srv.stop()
    c.thread.join(5)
    assert c.error is None


def test_a_flow_older_than_the_newest_still_on_its_way_is_not_lost() -> None:
    """Relay merges the nodes' flows in time order only within its sort buffer: a flow slightly older than the
    newest one received can come after it. A stream broken just then resumes a little earlier and gets it."""
    ms = 1_000_000
    order = [0, 1, 2, 5, 3, 4, 6, 7]  # times in ms, in the order the server sends them
    flows = [numbered_flow(i) for i in range(8)]
    for f, t in zip(flows, order, strict=True):
        f.time.seconds, f.time.nanos = divmod(hs.NUMBERED_T0 + t * ms, 1_000_000_000)
    srv = HubbleServer(flows, faults=Faults(abort_after=4))  # broken right after the flow of 5 ms
    src = HubbleSource(
        HubbleConfig(server=srv.address, follow=True, last=1000, backoff_initial=0.05, backoff_max=0.2)
    )
    c = Collector(src, max_batch=16, max_wait=0.01)
    try:
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= 8)
        time.sleep(0.2)
        assert sorted(_numbers(c.of(Flow))) == list(range(8)) and len(c.of(Flow)) == 8
        assert src.duplicates_dropped == 4  # the overlap's flows already received
        resumed = srv.requests[1]
        assert resumed.since.seconds * 10**9 + resumed.since.nanos == hs.NUMBERED_T0 + 5 * ms - 2 * 10**9
    finally:
        src.close()
        srv.stop()
    c.thread.join(5)
    assert c.error is None


def test_a_resumed_stream_never_asks_before_the_users_since() -> None:
    since = hs.NUMBERED_T0 + 3 * 1_000_000
    flows = [numbered_flow(i) for i in range(20)]  # 2 a ms
    srv = HubbleServer(flows, faults=Faults(abort_after=5))
    src = HubbleSource(
        HubbleConfig(
            server=srv.address,
            follow=True,
            query=FlowQuery(since_ns=since),
            backoff_initial=0.05,
            backoff_max=0.2,
        )
    )
    c = Collector(src, max_batch=16, max_wait=0.01)
    try:
        assert c.wait(lambda items: sum(1 for i in items if type(i) is Flow) >= 14)
        time.sleep(0.2)
        assert _numbers(c.of(Flow)) == list(range(6, 20))
        resumed = srv.requests[1]
        assert resumed.since.seconds * 10**9 + resumed.since.nanos == since
    finally:
        src.close()
        srv.stop()
    c.thread.join(5)
    assert c.error is None
