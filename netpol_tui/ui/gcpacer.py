"""Short garbage-collector pauses while flows stream through the app (pure Python, no Textual).

At 20,000 flows/s the flow ring turns over every few seconds, so CPython's full (generation 2) collections come
every second or so and each one walks every live flow: 60-100 ms with the GIL held, which stalls the event loop
(keys, repaints) whichever thread triggers it. Flows are acyclic (reference counting frees them), so the pacer
moves the survivors of each young collection into the permanent generation (`gc.freeze()`), where full
collections do not walk them; a freed frozen object leaves it as usual. What the frozen set could keep alive is
cyclic garbage that aged before it died: a deliberate full collection every `full_every` seconds frees it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class GcPacer:
    def __init__(self, full_every: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.full_every = full_every
        self.clock = clock
        self._last_full = clock()
        self.active = False

    def step(self) -> None:
        """Call periodically (the app's 0.5 s tick)."""
        self.active = True
        now = self.clock()
        if now - self._last_full >= self.full_every:
            self._last_full = now
            gc.unfreeze()
            gc.collect()
        gc.collect(1)
        gc.freeze()

    def stop(self) -> None:
        """Give every object back to the collector (the app is closing)."""
        if self.active:
            self.active = False
            gc.unfreeze()
