"""The GC pacer: survivors of young collections leave the full collections' walk; a timed full collection frees
cyclic garbage that aged before it died."""

from __future__ import annotations

import gc
import weakref

from netpol_tui.ui.gcpacer import GcPacer


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_step_freezes_and_the_timed_full_collection_frees_aged_cycles():
    now = [0.0]
    pacer = GcPacer(full_every=300, clock=lambda: now[0])
    try:
        kept = [Cycle() for _ in range(100)]
        refs = [weakref.ref(c) for c in kept]
        pacer.step()
        assert gc.get_freeze_count() > 0  # out of the full collections' walk
        del kept  # cyclic garbage that aged into the frozen set: a full collection cannot see it
        gc.collect()
        assert all(r() is not None for r in refs)
        now[0] = 299.0
        pacer.step()
        assert all(r() is not None for r in refs)
        now[0] = 301.0
        pacer.step()  # the timed full collection: unfreeze, collect, freeze again
        assert all(r() is None for r in refs)
    finally:
        pacer.stop()
    assert gc.get_freeze_count() == 0
