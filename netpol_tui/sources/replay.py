"""Flows from a capture: `hubble observe -o jsonpb` / `-o json` lines from a file, a `.gz` file or stdin.

How to use it::

    from netpol_tui.sources.replay import ReplaySource, ReplayError

    src = ReplaySource("capture.json.gz", query=FlowQuery.from_flags(pods=["shop/api"]))   # "-" = stdin; raises ReplayError
    for item in src:                     # core Flow, LostEvents or NodeStatus, in file order
        ...
    for batch in src.batches(max_batch=512, max_wait=0.05): ...   # like HubbleSource.batches()
    src.flows()                          # Flows only
    src.problems                         # [(line_no, sentence)] for every line skipped; reading goes on
    ReplaySource(path, on_problem=lambda line_no, sentence: ...)   # told of each problem in its place
    src.lines_read, src.flows_read

Accepted lines: the GetFlowsResponse wrapper `{"flow": {...}, "node_name": ..., "time": ...}`, the legacy bare Flow
object (`HUBBLE_COMPAT=legacy-json-output`), `{"lost_events": ...}` and `{"node_status": ...}` lines; proto field
names or lowerCamel, at any depth. Compressed input is recognised by its gzip magic bytes (any name, stdin too).
A line that is not JSON, not an object, has a field of the wrong type or value (a port outside 0-65535, an
invalid IP), says nothing about either end, or nests deeper than `flows.MAX_DEPTH` is skipped and recorded with its
line number; so is a line longer than MAX_LINE_BYTES (read on to the next newline, memory stays bounded); a
truncated .gz ends the reading with a problem. Lines are decoded by `flows.LineDecoder` (msgspec typed structs
of only the fields we read; `json.loads` + `convert_json` for what that path cannot take; never `json_format`).
"""

from __future__ import annotations

import collections
import gzip
import io
import os
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from netpol_tui.core.flowquery import FlowQuery
from netpol_tui.core.model import Flow
from netpol_tui.sources import flows as conv
from netpol_tui.sources.errors import SourceError

Item = conv.Item
_GZIP_MAGIC = b"\x1f\x8b"
# A longer line is reported and skipped up to its newline, so memory stays bounded (`--flows /dev/zero`).
MAX_LINE_BYTES = 16 * 1024 * 1024
_SKIP_CHUNK = 1 << 20
_READ_BUFFER = 1 << 20


class ReplayError(SourceError):
    """The capture cannot be read at all (missing file, permission); `str()` is a sentence."""


class ReplaySource:
    def __init__(
        self,
        path: str | os.PathLike[str] = "-",
        *,
        query: FlowQuery | None = None,
        stdin: IO[bytes] | None = None,
        name: str | None = None,
        on_problem: Callable[[int, str], None] | None = None,
    ) -> None:
        self.path = str(path)
        self.name = name or ("stdin" if self.path == "-" else self.path)
        self.query = query if query is not None and not query.is_empty else None
        self.problems: list[tuple[int, str]] = []
        # called with (line number, sentence) as each problem is found, before the items after it are handed out
        self._on_problem = on_problem
        self.lines_read = 0
        self.flows_read = 0
        self._closed = threading.Event()
        self._stop = [False]  # the same as _closed.is_set(), read by the per-line loop without a call
        self._is_pipe = False
        self._compressed: IO[bytes] | None = None  # the gzip input under `_raw` (None: not compressed)
        self._consumed = (
            0  # bytes of `_raw` consumed (uncompressed input), or the last known compressed position
        )
        self._raw = self._open(stdin)

    def _open(self, stdin: IO[bytes] | None) -> IO[bytes]:
        if self.path == "-":
            raw = stdin if stdin is not None else sys.stdin.buffer
            self._is_pipe = True
        else:
            try:
                # a large buffer: one read(2) per ~700 lines instead of ~5 (a third of the per-line cost)
                raw = open(self.path, "rb", buffering=_READ_BUFFER)  # noqa: SIM115 - closed at the end of reading
            except OSError as exc:
                raise ReplayError(_unreadable(self.name, exc.strerror or str(exc))) from None
            if Path(self.path).is_fifo():
                self._is_pipe = True
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
        try:
            head = buffered.peek(2)[:2]
        except (OSError, ValueError) as exc:
            raise ReplayError(_unreadable(self.name, str(exc))) from None
        if head == _GZIP_MAGIC:
            self._compressed = buffered
            return gzip.GzipFile(fileobj=buffered, mode="rb")  # type: ignore[return-value]
        return buffered

    @property
    def bytes_read(self) -> int:
        """Bytes of the input read so far (of the compressed file for a .gz capture): with the file's size,
        the progress of loading it. Safe to read from another thread."""
        return self._position()

    def _position(self) -> int:
        # a file's own position (the compressed one for .gz); bytes counted while reading for a pipe
        where = self._compressed if self._compressed is not None else None if self._is_pipe else self._raw
        if where is not None:
            try:
                self._consumed = where.tell()
            except (OSError, ValueError):  # closed at the end: the last known position
                pass
        return self._consumed

    # ---- reading ---------------------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[Item]:
        return self.items()

    def items(self) -> Iterator[Item]:
        """Every item in file order (filtered by the query); problems are recorded, never raised."""
        decoder = conv.LineDecoder()
        decode = decoder.decode
        # the typed path called from this loop (one call less per line); `decode` for what it cannot take
        typed, to_flow, fall_back = decoder.hot_loop_parts()
        query = self.query
        counted = self._compressed is None and self._is_pipe  # else _position() asks the file
        readline = self._raw.readline
        limit = MAX_LINE_BYTES
        read_max = limit + 1
        stop = self._stop
        line_no = flows = 0
        # The hot loop of every capture: per line only what must be (blank lines are found when they fail to
        # decode; the counters are stored when an item is handed out and at the end)
        try:
            while not stop[0]:
                line = readline(read_max)
                if not line:
                    break
                line_no += 1
                if counted:
                    self._consumed += len(line)
                if len(line) > limit and line[-1:] != b"\n":
                    self._problem(line_no, _line_too_long(limit))  # first: a stream may never end it
                    self._skip_rest_of_line()
                    continue
                try:
                    try:
                        resp = typed(line)
                        fast: Item | None = None if resp.flow is None else to_flow(resp, resp.flow)
                    except fall_back:
                        fast = None
                    item = decode(line) if fast is None else fast
                except conv.FlowFormatError as exc:
                    if line.isspace():
                        continue
                    self._problem(line_no, str(exc))
                    continue
                if type(item) is Flow:
                    flows += 1
                    if query is not None and not query.matches(item):
                        continue
                    self.flows_read = flows
                self.lines_read = line_no
                yield item
        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
            self._record(line_no + 1, _truncated(self.name, line_no, str(exc)))
        except OSError as exc:
            self._record(line_no + 1, _unreadable(self.name, str(exc)))
        finally:
            self.lines_read = line_no
            self.flows_read = flows
            if self.path != "-":
                self._position()  # keep the last position before closing
                self._raw.close()

    def _skip_rest_of_line(self) -> None:
        """Read and drop bytes up to the next newline, a chunk at a time (memory stays bounded)."""
        readline = self._raw.readline
        while not self._closed.is_set():
            chunk = readline(_SKIP_CHUNK)
            if self._compressed is None and self._is_pipe:
                self._consumed += len(chunk)
            if not chunk or chunk[-1:] == b"\n":
                return

    def _problem(self, line_no: int, detail: str) -> None:
        self._record(line_no, _line_problem(self.name, line_no, detail))

    def _record(self, line_no: int, sentence: str) -> None:
        self.problems.append((line_no, sentence))
        if self._on_problem is not None:
            self._on_problem(line_no, sentence)

    def flows(self) -> Iterator[Flow]:
        for item in self.items():
            if type(item) is Flow:
                yield item

    def batches(self, max_batch: int = 512, max_wait: float = 0.05) -> Iterator[list[Item]]:
        """Lists of at most `max_batch` items. From a pipe (stdin), a partial batch waits at most `max_wait`."""
        if not self._is_pipe:
            batch: list[Item] = []
            for item in self.items():
                batch.append(item)
                if len(batch) >= max_batch:
                    yield batch
                    batch = []
            if batch:
                yield batch
            return
        yield from _threaded_batches(self.items(), max_batch, max_wait, self._closed)

    def close(self) -> None:
        """Stop reading (a batches() loop ends after the current line)."""
        self._stop[0] = True
        self._closed.set()

    @property
    def summary(self) -> str:
        return _summary(self.name, self.flows_read, len(self.problems))


# ---- sentences of this module (FlowFormatError's, for the line's own problem, come from flows.py) ----------
def _line_problem(file: str, line_no: int, detail: str) -> str:
    return f"{file}, line {line_no}: {detail}; line skipped"


def _line_too_long(limit: int) -> str:
    size = f"{limit // 2**20} MiB" if limit % 2**20 == 0 else f"{limit} bytes"
    return f"longer than {size} with no newline (read up to the next newline and dropped)"


def _truncated(file: str, line_no: int, detail: str) -> str:
    return f"{file}: the compressed data ends early after line {line_no} ({detail}); the rest is lost"


def _unreadable(file: str, detail: str) -> str:
    return f"cannot read {file}: {detail}"


def _summary(file: str, flows: int, problems: int) -> str:
    bad = f", {problems} line{'s' if problems != 1 else ''} skipped" if problems else ""
    return f"{file}: {flows} flow{'s' if flows != 1 else ''} read{bad}"


_END = object()


def _threaded_batches(
    items: Iterator[Any], max_batch: int, max_wait: float, closed: threading.Event
) -> Iterator[list[Any]]:
    buf: collections.deque[Any] = collections.deque()
    ready = threading.Event()
    failure: list[BaseException] = []

    def pump() -> None:
        try:
            for item in items:
                buf.append(item)
                ready.set()
        except BaseException as exc:  # surfaced in the consumer
            failure.append(exc)
        buf.append(_END)
        ready.set()

    threading.Thread(target=pump, name="replay-reader", daemon=True).start()
    while True:
        if not buf:
            if closed.is_set():
                return
            ready.wait(0.5)
            ready.clear()
            if not buf:
                continue
            deadline = time.monotonic() + max_wait
            while len(buf) < max_batch and _END not in (buf[-1],):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready.wait(left)
                ready.clear()
        batch: list[Any] = []
        end = False
        while buf and len(batch) < max_batch:
            item = buf.popleft()
            if item is _END:
                end = True
                break
            batch.append(item)
        if batch:
            yield batch
        if end:
            if failure:
                raise failure[0]
            return


__all__ = ["ReplayError", "ReplaySource"]
