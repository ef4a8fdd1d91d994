"""The one retry policy of every reconnect (Hubble streams, kube watches, the feeds).

Jittered exponential backoff with a cap, started over once the connection has been healthy for a while::

    backoff = Backoff(initial=0.5, maximum=10.0)
    while not stopped:
        try:
            connect()
            backoff.healthy()             # connected: the attempt count restarts once this lasts `healthy_after`
            consume()
        except Broken:
            delay = backoff.next_delay()  # 0.5, 1, 2, 4, 8, 10, 10 ... each within ±jitter, never above maximum
            wait(delay)

`clock` and `rand` are injectable so tests drive it with a fake clock and fixed random numbers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """Delays `initial * multiplier ** (attempt - 1)`, capped at `maximum`, each scaled by a random factor in
    `[1 - jitter, 1 + jitter]` (and capped again). `healthy()` marks the start of a good connection; the next
    failure after at least `healthy_after` seconds of it starts over at `initial`."""

    initial: float = 0.5
    maximum: float = 10.0
    multiplier: float = 2.0
    jitter: float = 0.2
    healthy_after: float = 10.0
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random
    attempt: int = field(default=0, init=False)
    _healthy_since: float | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial:
            raise ValueError("backoff: need 0 < initial <= maximum")
        if self.multiplier < 1:
            raise ValueError("backoff: the multiplier must be at least 1")
        if not 0 <= self.jitter < 1:
            raise ValueError("backoff: jitter must be in [0, 1)")

    def next_delay(self) -> float:
        """A failure: how long to wait before the next attempt (also counts the attempt)."""
        if self._healthy_since is not None:
            if self.clock() - self._healthy_since >= self.healthy_after:
                self.attempt = 0
            self._healthy_since = None
        self.attempt += 1
        base = min(self.maximum, self.initial * self.multiplier ** (self.attempt - 1))
        factor = 1.0 + self.jitter * (2.0 * self.rand() - 1.0)
        return min(self.maximum, base * factor)

    def healthy(self) -> None:
        """The connection works (again): once it has lasted `healthy_after` seconds, the next failure starts
        over. Calling it again while healthy keeps the first time."""
        if self._healthy_since is None:
            self._healthy_since = self.clock()

    def reset(self) -> None:
        """Start over at once (e.g. the user asked for a new stream)."""
        self.attempt = 0
        self._healthy_since = None


__all__ = ["Backoff"]
