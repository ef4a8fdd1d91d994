"""Bounded buffers and counters for the TUI (pure Python, no Textual): a ring of flows and per-second rates.

`FlowRing` keeps the last `capacity` items with O(1) append and O(1) random access by position (0 = oldest), and
numbers every item it ever received (`first_seq` .. `total - 1`), so a widget can keep a selection by sequence
number while the ring moves on. `RateSeries` counts events per second of a clock and gives rates and a history.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")


class FlowRing(Generic[T]):
    """The last `capacity` items. Position 0 is the oldest kept; `seq` numbers items since creation."""

    __slots__ = ("capacity", "_buf", "total")

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._buf: list[T | None] = [None] * capacity  # item number `seq` lives at seq % capacity
        self.total = 0  # items ever appended

    def __len__(self) -> int:
        return min(self.total, self.capacity)

    @property
    def first_seq(self) -> int:
        """Sequence number of position 0."""
        return self.total - len(self)

    def append(self, item: T) -> None:
        self._buf[self.total % self.capacity] = item
        self.total += 1

    def extend(self, items: Sequence[T]) -> None:
        n = len(items)
        if n == 0:
            return
        cap = self.capacity
        if n > cap:
            self.total += n - cap
            items = items[n - cap :]
            n = cap
        start = self.total % cap
        end = start + n
        if end <= cap:
            self._buf[start:end] = items
        else:
            split = cap - start
            self._buf[start:] = items[:split]
            self._buf[: n - split] = items[split:]
        self.total += n

    def __getitem__(self, pos: int) -> T:
        n = len(self)
        if pos < 0:
            pos += n
        if not 0 <= pos < n:
            raise IndexError(pos)
        return self._buf[(self.total - n + pos) % self.capacity]  # type: ignore[return-value]

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self)):
            yield self[i]

    def clear(self) -> None:
        self._buf = [None] * self.capacity
        self.total = 0

    def reset(self, items: Iterable[T]) -> None:
        """Replace the content (sequence numbers start again at 0)."""
        self.clear()
        self.extend(list(items))


class RateSeries:
    """Events per whole second of a clock, kept for `keep` seconds (for rates and sparklines)."""

    __slots__ = ("keep", "_counts", "_start")

    def __init__(self, keep: int = 600) -> None:
        self.keep = keep
        self._counts: dict[int, int] = {}
        self._start: int | None = None

    def add(self, now: float, n: int = 1) -> None:
        sec = int(now)
        if self._start is None:
            self._start = sec
        self._counts[sec] = self._counts.get(sec, 0) + n
        if len(self._counts) > self.keep + 5:
            cut = sec - self.keep
            for k in [k for k in self._counts if k < cut]:
                del self._counts[k]

    def rate(self, now: float, window: int = 5) -> float:
        """Average per second over the last `window` complete seconds (fewer at the start)."""
        sec = int(now)
        if self._start is None:
            return 0.0
        span = max(1, min(window, sec - self._start))
        return sum(self._counts.get(s, 0) for s in range(sec - span, sec)) / span

    def history(self, now: float, buckets: int, bucket_seconds: int) -> list[int]:
        """Counts per bucket, oldest first, the last bucket ending with the current second."""
        sec = int(now)
        out = []
        for b in range(buckets - 1, -1, -1):
            end = sec - b * bucket_seconds
            out.append(sum(self._counts.get(s, 0) for s in range(end - bucket_seconds + 1, end + 1)))
        return out


SPARK = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[int]) -> str:
    """Block characters scaled to the largest value (a space for zero)."""
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    out = []
    for v in values:
        if v <= 0:
            out.append(" ")
        else:
            out.append(SPARK[min(len(SPARK) - 1, int(v * (len(SPARK) - 1) / top + 0.5))])
    return "".join(out)
