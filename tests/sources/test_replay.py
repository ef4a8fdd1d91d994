"""Replay of `hubble observe -o jsonpb` captures: good lines go on, bad lines are counted with line numbers."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from hubble_support import flows_dir

from netpol_tui.core.filters import FlowQuery
from netpol_tui.core.model import Flow, LostEvents, NodeStatus
from netpol_tui.sources.replay import ReplayError, ReplaySource


def test_every_capture_replays_without_problems() -> None:
    total = 0
    for path in sorted(flows_dir().glob("*.json")):
        src = ReplaySource(path)
        items = list(src)
        assert src.problems == []
        assert all(type(i) is Flow for i in items)
        total += len(items)
        assert src.flows_read == len(items)
    assert total == 1906


def test_malformed_lines_are_counted_not_fatal(tmp_path) -> None:
    good = (flows_dir() / "hubble-otel__basic-sample-10-flows.json").read_text().splitlines()
    lines = [
        good[0],
        "{not json",
        good[1],
        "[1, 2]",
        '{"flow": {"source": "abc"}}',
        '{"flow": {"l4": {"TCP": {"destination_port": "x"}}}}',
        '{"flow": {"time": 5}}',
        '{"hello": 1}',
        "",
        '{"flow": {"verdict": ["DROPPED"]}}',
        '{"lost_events": {"source": "PERF_EVENT_RING_BUFFER", "num_events_lost": "3"}, "node_name": "n1"}',
        '{"node_status": {"state_change": "NODE_GONE", "node_names": ["n2"]}}',
        good[2],
    ]
    path = tmp_path / "cap.json"
    path.write_text("\n".join(lines) + "\n")
    src = ReplaySource(path)
    items = list(src)
    assert [type(i) for i in items] == [Flow, Flow, LostEvents, NodeStatus, Flow]
    assert [n for n, _ in src.problems] == [2, 4, 5, 6, 7, 8, 10]
    msgs = dict(src.problems)
    assert msgs[2].startswith(f"{path}, line 2: not valid JSON")
    assert "flow.source should be an object" in msgs[5]
    assert "flow.l4.TCP.destination_port should be a number" in msgs[6]
    assert "flow.time should be an RFC 3339 time" in msgs[7]
    assert "not a Hubble flow" in msgs[8]
    assert "flow.verdict" in msgs[10]
    assert items[2] == LostEvents("PERF_EVENT_RING_BUFFER", 3, "n1", 0)
    assert "7 lines skipped" in src.summary


def test_gzip_and_truncated_gzip(tmp_path) -> None:
    text = (flows_dir() / "hubble-otel__basic-sample-400-udp-flows.json").read_bytes()
    gz = tmp_path / "cap.json.gz"
    gz.write_bytes(gzip.compress(text))
    assert len(list(ReplaySource(gz))) == 400
    data = gzip.compress(text)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(data[: len(data) // 2])
    src = ReplaySource(cut)
    items = list(src)
    assert 0 < len(items) < 400
    assert len(src.problems) == 1 and "ends early" in src.problems[0][1] and str(cut) in src.problems[0][1]


def test_stdin_legacy_bare_flows_and_filters() -> None:
    line = json.loads(
        (flows_dir() / "hubble-otel__basic-sample-400-tcp-flows.json").read_text().splitlines()[0]
    )
    bare = json.dumps(line["flow"])
    wrapped = json.dumps(line)
    stdin = io.BytesIO(f"{bare}\n{wrapped}\n".encode())
    src = ReplaySource("-", stdin=stdin)
    flows = list(src.flows())
    assert len(flows) == 2 and flows[0] == flows[1] and src.name == "stdin"
    q = FlowQuery.from_flags(pods=["bookinfo/reviews-v2"], ports=["9080"])
    stdin = io.BytesIO(f"{bare}\n{wrapped}\n".encode())
    assert len(list(ReplaySource("-", stdin=stdin, query=q))) == 2
    q = FlowQuery.from_flags(pods=["bookinfo/ratings"])
    stdin = io.BytesIO(f"{bare}\n".encode())
    assert list(ReplaySource("-", stdin=stdin, query=q)) == []


def test_batches_from_file_and_pipe(tmp_path) -> None:
    path = flows_dir() / "hubble-otel__basic-sample-330-dns-flows.json"
    batches = list(ReplaySource(path).batches(max_batch=100))
    assert [len(b) for b in batches] == [100, 100, 100, 30]
    src = ReplaySource("-", stdin=io.BytesIO(path.read_bytes()))
    src._is_pipe = True  # as for a real pipe: a reader thread, max_wait honoured
    assert sum(len(b) for b in src.batches(max_batch=64, max_wait=0.01)) == 330


def test_missing_file_is_a_sentence(tmp_path) -> None:
    with pytest.raises(ReplayError) as err:
        ReplaySource(tmp_path / "nope.json")
    assert str(err.value).startswith(f"cannot read {tmp_path / 'nope.json'}")


def test_bytes_read_reaches_the_file_size_plain_and_gzip(tmp_path) -> None:
    src_path = flows_dir() / "hubble-otel__basic-sample-10-flows.json"
    data = src_path.read_bytes()
    gz = tmp_path / "capture.json.gz"
    gz.write_bytes(gzip.compress(data * 50))
    for path in (src_path, gz):
        src = ReplaySource(path)
        assert src.bytes_read == 0
        seen = []
        for _ in src.batches(max_batch=2):
            seen.append(src.bytes_read)
        size = path.stat().st_size
        assert seen == sorted(seen) and 0 < seen[0] <= size  # grows while reading
        assert src.bytes_read == size  # the whole file, after the end (and the close)
