"""Replay of `hubble observe -o jsonpb` captures: good lines go on, bad lines are counted with line numbers."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from hubble_support import flows_dir

from netpol_tui.core.flowquery import FlowQuery
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


# --------------------------------------------------------------------------------------------------------------
# Issue 11: hostile lines (deep nesting, no end), bad values as line errors; the fast decoder == the general one
# --------------------------------------------------------------------------------------------------------------
def _good_lines(name: str = "hubble-otel__basic-sample-10-flows.json") -> list[str]:
    return (flows_dir() / name).read_text().splitlines()


def test_a_line_nested_100k_deep_is_a_line_error_and_later_lines_go_on(tmp_path) -> None:
    good = _good_lines()
    deep = '{"flow": ' + "[" * 100_000 + "]" * 100_000 + "}"
    deep_obj = '{"flow": {"source": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}}"
    path = tmp_path / "deep.json"
    path.write_text("\n".join([good[0], deep, good[1], deep_obj, good[2]]) + "\n")
    src = ReplaySource(path)
    items = list(src)
    assert len(items) == 3 and all(type(i) is Flow for i in items)
    assert [n for n, _ in src.problems] == [2, 4]
    for _, msg in src.problems:
        assert msg.startswith(f"{path}, line ") and "nested deeper than" in msg


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path) -> None:
    line = json.loads(_good_lines()[0])
    line["flow"]["Summary"] = "[" * 5000 + "{" * 5000
    path = tmp_path / "cap.json"
    path.write_text(json.dumps(line) + "\n")
    src = ReplaySource(path)
    (flow,) = list(src)
    assert src.problems == [] and flow.summary.startswith("[[[")


def test_a_line_with_no_end_is_cut_reported_and_reading_resynchronises(tmp_path) -> None:
    from netpol_tui.sources import replay

    good = _good_lines()
    assert replay.MAX_LINE_BYTES == 16 * 1024 * 1024
    path = tmp_path / "long.json"
    with open(path, "wb") as fh:
        fh.write(good[0].encode() + b"\n")
        fh.write(b"\0" * (replay.MAX_LINE_BYTES + 5_000_000) + b"\n")
        fh.write(good[1].encode() + b"\n")
    src = ReplaySource(path)
    items = list(src)
    assert len(items) == 2 and items[1].time == json.loads(good[1])["flow"]["time"]
    assert [n for n, _ in src.problems] == [2]
    assert "longer than 16 MiB" in src.problems[0][1] and "line 2" in src.problems[0][1]
    assert src.lines_read == 3


def test_the_line_cap_keeps_memory_bounded(tmp_path, monkeypatch) -> None:
    """A stream with no newline at all (like /dev/zero): every chunk read is bounded; the problem is named once."""
    from netpol_tui.sources import replay

    monkeypatch.setattr(replay, "MAX_LINE_BYTES", 1024)

    class Endless(io.RawIOBase):
        def __init__(self, total: int) -> None:
            self.left = total
            self.largest = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            n = min(len(buf), self.left)
            buf[:n] = b"\0" * n
            self.left -= n
            return n

    stream = Endless(50 * 1024 * 1024)
    src = ReplaySource("-", stdin=io.BufferedReader(stream, buffer_size=8192))
    assert list(src) == []
    assert len(src.problems) == 1 and "longer than" in src.problems[0][1]
    assert stream.left == 0


def test_bad_values_are_line_errors_naming_the_field(tmp_path) -> None:
    good = json.loads(_good_lines()[0])

    def variant(**changes) -> str:
        obj = json.loads(json.dumps(good))
        for path, value in changes.items():
            node = obj["flow"]
            *head, last = path.split("__")
            for key in head:
                node = node[key]
            node[last] = value
        return json.dumps(obj)

    lines = [
        variant(l4__TCP__destination_port=-1),
        variant(l4__TCP__destination_port=10**30),
        variant(l4__TCP__source_port=70000),
        variant(IP__source="999.999.1.1"),
        '{"flow": {"verdict": "DROPPED", "drop_reason_desc": "POLICY_DENIED"}}',
        variant(reply="no"),
        _good_lines()[1],
    ]
    path = tmp_path / "bad.json"
    path.write_text("\n".join(lines) + "\n")
    src = ReplaySource(path)
    items = list(src)
    assert len(items) == 1
    msgs = dict(src.problems)
    assert sorted(msgs) == [1, 2, 3, 4, 5, 6]
    assert "flow.l4.TCP.destination_port: -1 is not a port" in msgs[1]
    assert f"flow.l4.TCP.destination_port: {10**30} is not a port" in msgs[2]
    assert "flow.l4.TCP.source_port: 70000 is not a port" in msgs[3]
    assert "flow.IP.source: '999.999.1.1' is not an IP address" in msgs[4]
    assert "no source or destination" in msgs[5]
    assert "flow.reply should be true or false" in msgs[6]


def _camel_all(value):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            head, *rest = k.split("_")
            out[head + "".join(p.title() for p in rest)] = _camel_all(v)
        return out
    if isinstance(value, list):
        return [_camel_all(v) for v in value]
    return value


def test_fast_decoder_equals_the_general_converter_on_every_real_line_and_its_variants() -> None:
    from netpol_tui.sources import flows as conv

    decoder = conv.LineDecoder()
    checked = 0
    for path in sorted(flows_dir().glob("*.json")):
        for line in path.read_bytes().splitlines():
            obj = json.loads(line)
            want = conv.convert_json(obj)
            assert decoder(line) == want
            camel = _camel_all(obj)
            assert decoder(json.dumps(camel).encode()) == want == conv.convert_json(camel)
            # mixed: the flow's own keys proto names, every nested key lowerCamel
            mixed = {**obj, "flow": {k: _camel_all(v) for k, v in obj["flow"].items()}}
            assert decoder(json.dumps(mixed).encode()) == want
            bare = json.dumps(obj["flow"]).encode()
            assert decoder(bare) == conv.convert_json(obj["flow"])
            checked += 1
    assert checked == 1906
    # the typed path took every wrapped line (only the bare legacy lines went the general way)
    assert decoder.fast == 3 * 1906 and decoder.fallbacks == 1906


def test_decoder_errors_match_the_general_sentences() -> None:
    from netpol_tui.sources import flows as conv

    decoder = conv.LineDecoder()
    for line, words in [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"hello": 1}', "not a Hubble flow"),
        (
            b'{"flow": {"l4": {"TCP": {"destination_port": "x"}}}}',
            "flow.l4.TCP.destination_port should be a number",
        ),
        (
            b'{"flow": {"time": "yesterday", "IP": {"source": "10.0.0.1"}}}',
            "flow.time: 'yesterday' is not an RFC 3339 time",
        ),
        (b'{"flow": {"source": {"podName": 5}}}', "pod_name should be a string"),
        (b"\xff\xfe{}", "not valid JSON"),
    ]:
        with pytest.raises(conv.FlowFormatError) as err:
            decoder(line)
        assert words in str(err.value), (line, str(err.value))


def test_deep_lines_are_refused_even_under_a_raised_recursion_limit(tmp_path) -> None:
    """msgspec bounds its recursion by the interpreter's limit; raised, each line is checked before decoding."""
    import sys

    good = _good_lines()
    path = tmp_path / "deep.json"
    path.write_text(
        good[0]
        + "\n"
        + '{"flow": {"IP": {"source": "10.0.0.1"}, "x": '
        + "[" * 200_000
        + "]" * 200_000
        + "}}\n"
        + good[1]
        + "\n"
    )
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000_000)
    try:
        src = ReplaySource(path)
        items = list(src)
    finally:
        sys.setrecursionlimit(old)
    assert len(items) == 2 and [n for n, _ in src.problems] == [2]
    assert "nested deeper than 64 levels" in src.problems[0][1]


def _paths(value, prefix=()):
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from _paths(v, (*prefix, i))


_ODD_VALUES = [
    None,
    0,
    -1,
    70_000,
    2**70,
    1.5,
    True,
    False,
    "",
    "x",
    "80",
    "999.999.1.1",
    [],
    {},
    ["a"],
    {"a": 1},
]


def test_fast_decoder_agrees_with_the_general_converter_on_damaged_lines() -> None:
    """Any line the typed path accepts gives the Flow the general converter gives; else both refuse it."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from netpol_tui.sources import flows as conv

    objs = []
    for name in (
        "hubble-otel__basic-sample-10-flows.json",
        "hubble-otel__basic-sample-348-http-flows.json",
        "hubble-otel__basic-sample-330-dns-flows.json",
    ):
        objs += [json.loads(line) for line in _good_lines(name)[:40]]
    objs += [_camel_all(o) for o in objs[::2]]  # lowerCamel lines too
    decoder = conv.LineDecoder()

    @settings(
        max_examples=400,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def check(data) -> None:
        obj = json.loads(json.dumps(data.draw(st.sampled_from(objs))))
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(list(_paths(obj))))
            node = obj
            for key in path[:-1]:
                node = node[key]
            if data.draw(st.booleans()) and isinstance(node, dict):
                del node[path[-1]]
            else:
                node[path[-1]] = json.loads(json.dumps(data.draw(st.sampled_from(_ODD_VALUES))))  # a copy
            if not obj:
                break
        line = json.dumps(obj).encode()
        try:
            want = conv.decode_general(line)
        except conv.FlowFormatError as exc:
            want = ("error", str(exc))
        try:
            got = decoder.decode(line)
        except conv.FlowFormatError as exc:
            got = ("error", str(exc))
        if got != want and not isinstance(got, tuple) and not isinstance(want, tuple):
            diff = {
                f: (getattr(want, f), getattr(got, f))
                for f in want.__dataclass_fields__
                if getattr(want, f) != getattr(got, f)
            }
            raise AssertionError(f"{line!r}: {diff}")
        assert got == want

    check()


@pytest.mark.parametrize(
    ("l7", "summary"),
    [
        ({"type": 0}, ""),  # proto3's unset: says nothing (it was "L7 UNKNOWN_L7_TYPE" on the general path)
        ({"type": 0, "kafka": {}}, "Kafka"),
        ({"type": 1}, "L7 REQUEST"),
        ({"type": "RESPONSE"}, "L7 RESPONSE"),
        ({"type": 0, "dns": {"query": "db.", "rcode": 3}}, "DNS db. rcode=3"),
        ({"type": 0, "http": {}}, "HTTP"),
        ({"type": 1, "http": {"method": "GET", "url": "http://api:80/x"}}, "HTTP GET http://api:80/x"),
        ({"type": 2, "http": {"code": 503, "method": "GET", "url": "/x"}}, "HTTP GET /x 503"),
        ({"type": 2, "http": {"code": 200, "url": "/x"}}, "HTTP /x 200"),
        ({"type": 2, "http": {"code": 404}}, "HTTP 404"),
        ({}, ""),
    ],
)
def test_l7_summary_is_the_same_on_the_typed_and_the_general_path(l7: dict, summary: str) -> None:
    """The disagreement the damaged-lines property found: `l7.type` 0 with no record."""
    from netpol_tui.sources import flows as conv

    obj = json.loads(_good_lines()[0])
    obj["flow"]["l7"] = l7
    line = json.dumps(obj).encode()
    decoder = conv.LineDecoder()
    typed = decoder.decode(line)
    assert decoder.fast == 1
    general = conv.decode_general(line)
    assert type(typed) is Flow and typed.l7_summary == summary
    assert typed == general


def test_dev_zero_is_reported_at_once_and_reading_stops_on_close() -> None:
    """`--flows /dev/zero`: the endless line is named as soon as it passes the cap; close() ends the reading."""
    import threading
    import time

    src = ReplaySource("/dev/zero")
    done = threading.Event()

    def read() -> None:
        list(src)
        done.set()

    threading.Thread(target=read, daemon=True).start()
    deadline = 20.0
    start = time.monotonic()
    while not src.problems and time.monotonic() - start < deadline:
        time.sleep(0.05)
    assert src.problems and "longer than 16 MiB" in src.problems[0][1] and src.problems[0][0] == 1
    src.close()
    assert done.wait(deadline)


def _one_by_one(lines: list[bytes]) -> list[object]:
    """What each line decodes to on its own (the reference for the chunked reader)."""
    from netpol_tui.sources.flows import LineDecoder

    decode = LineDecoder().decode
    return [decode(line) for line in lines if line.strip()]


def test_lines_across_buffer_boundaries_decode_as_each_line_alone(tmp_path) -> None:
    """The reader hands out slices of a reused 1 MiB buffer: thousands of lines cross its edges, CRLF ends, a
    blank line, and a last line with no newline all give what each line gives alone, with the right numbers."""
    good = [line.encode() for line in _good_lines("hubble-otel__basic-sample-400-tcp-flows.json")]
    lines = [good[i % len(good)] for i in range(3000)]  # ~4 MiB: the buffer is refilled several times
    lines[1234] = b""
    lines[2000] = b"{not json"
    raw = b"".join(line + (b"\r\n" if i % 7 == 0 else b"\n") for i, line in enumerate(lines[:-1])) + lines[-1]
    path = tmp_path / "cap.json"
    path.write_bytes(raw)
    src = ReplaySource(path)
    items = list(src)
    expected = _one_by_one([line for i, line in enumerate(lines) if i != 2000])
    assert items == expected and len(items) == 2998
    assert [n for n, _ in src.problems] == [2001]
    assert src.lines_read == 3000 and src.flows_read == 2998


def test_a_long_line_under_the_cap_grows_the_buffer_and_is_decoded(tmp_path) -> None:
    """A 3 MiB line (a huge l7 summary) is longer than the read buffer but under the cap: it is read whole."""
    good = _good_lines()
    big = json.loads(good[0])
    big["flow"]["Summary"] = "x" * (3 * 1024 * 1024)
    path = tmp_path / "cap.json"
    path.write_text(good[1] + "\n" + json.dumps(big) + "\n" + good[2] + "\n")
    src = ReplaySource(path)
    items = list(src)
    assert src.problems == []
    assert [len(i.summary) for i in items][1] == 3 * 1024 * 1024
    assert (
        items[0].time == json.loads(good[1])["flow"]["time"]
        and items[2].time == json.loads(good[2])["flow"]["time"]
    )


def test_a_pipe_delivering_a_few_bytes_at_a_time_loses_and_doubles_nothing() -> None:
    """Partial reads (a slow pipe) split lines anywhere: every line comes out once, in order."""
    good = [line.encode() for line in _good_lines("hubble-otel__basic-sample-400-tcp-flows.json")[:60]]
    data = b"\n".join(good) + b"\n"

    class Trickle(io.RawIOBase):
        def __init__(self) -> None:
            self.pos = 0
            self.step = 0

        def readable(self) -> bool:
            return True

        def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
            self.step = self.step % 13 + 1  # 1..13 bytes a read
            n = min(len(buf), self.step, len(data) - self.pos)
            buf[:n] = data[self.pos : self.pos + n]
            self.pos += n
            return n

    src = ReplaySource("-", stdin=io.BufferedReader(Trickle(), buffer_size=16))
    items = list(src)
    assert items == _one_by_one(good) and len(items) == 60
    assert src.problems == [] and src.bytes_read == len(data)


def test_the_line_cap_holds_for_a_line_that_ends_inside_the_buffer(tmp_path, monkeypatch) -> None:
    """A line longer than the cap is refused even when its newline was read with it (the buffer is never
    larger than the cap + 1); the lines around it go on."""
    from netpol_tui.sources import replay

    good = _good_lines()
    monkeypatch.setattr(replay, "MAX_LINE_BYTES", 4096)
    long_line = json.loads(good[0])
    long_line["flow"]["Summary"] = "y" * 5000
    path = tmp_path / "cap.json"
    path.write_text("\n".join([good[1], json.dumps(long_line), good[2]]) + "\n")
    src = ReplaySource(path)
    items = list(src)
    assert len(items) == 2 and [n for n, _ in src.problems] == [2]
    assert "longer than 4096 bytes" in src.problems[0][1]


def test_the_reading_loop_gives_what_the_line_decoder_gives_for_every_kind_of_line(tmp_path) -> None:
    """The loop calls the typed path itself (one call less per line) and hands every other line to the decoder:
    real lines from every capture, their lowerCamel and bare forms, lost events, node status, a response without
    a flow, bad values and bad JSON give, line by line, what `LineDecoder.decode` gives, errors at their lines."""
    from netpol_tui.sources.flows import FlowFormatError, LineDecoder

    lines: list[bytes] = []
    real = 0
    for path in sorted(flows_dir().glob("*.json")):
        for raw in path.read_bytes().splitlines()[:25]:
            real += 1
            obj = json.loads(raw)
            lines += [raw, json.dumps(_camel_all(obj)).encode(), json.dumps(obj["flow"]).encode()]
    lines += [
        b'{"lost_events": {"source": "PERF_EVENT_RING_BUFFER", "num_events_lost": "3"}, "node_name": "n1"}',
        b'{"node_status": {"state_change": "NODE_GONE", "node_names": ["n2"]}}',
        b'{"node_name": "n1", "time": "2021-11-10T10:40:56.465597700Z"}',
        b'{"flow": {"l4": {"TCP": {"destination_port": 70000}}, "IP": {"source": "10.0.0.1"}}}',
        b'{"flow": {"time": "2021-11-10T10:40:56.4655977001Z", "IP": {"source": "10.0.0.1"}}}',
        b'{"flow": {"time": "2021-11-10T10:40:56.Z", "IP": {"source": "10.0.0.1"}}}',
        b"{not json",
    ]
    lines = [lines[(i * 7919) % len(lines)] for i in range(len(lines))]  # kinds interleaved
    path = tmp_path / "mixed.json"
    path.write_bytes(b"\n".join(lines) + b"\n")

    decode = LineDecoder().decode
    want: list[object] = []
    bad: list[int] = []
    for number, line in enumerate(lines, 1):
        try:
            want.append(decode(line))
        except FlowFormatError:
            bad.append(number)
    src = ReplaySource(path)
    assert list(src) == want
    assert [n for n, _ in src.problems] == bad and len(bad) == 4  # port, ".Z", no flow, not JSON
    assert any(type(i) is LostEvents for i in want) and any(type(i) is NodeStatus for i in want)
    assert sum(type(i) is Flow for i in want) == 3 * real + 1  # and the time with 10 fraction digits


def test_close_from_the_consumer_ends_the_reading_after_the_current_line() -> None:
    src = ReplaySource(flows_dir() / "hubble-otel__basic-sample-400-tcp-flows.json")
    got = []
    for item in src:
        got.append(item)
        if len(got) == 3:
            src.close()
    assert len(got) == 3 and src.lines_read == 3
