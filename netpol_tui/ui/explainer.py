"""Thread-safe explanations with an LRU, shared by the flow worker (groups) and the selection worker.

The lock only guards the dictionary; `explain_flow` runs outside it, so a slow fix search (it counts the other
pod pairs a fix opens) never blocks another thread's cache hit.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from netpol_tui.core.aggregate import explanation_key
from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.explain import Explanation, explain_flow
from netpol_tui.core.model import Flow


class Explainer:
    def __init__(self, maxsize: int = 20_000) -> None:
        self.maxsize = maxsize
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[object, bool], Explanation] = OrderedDict()
        self._snapshot: ClusterSnapshot | None = None
        self.hits = 0
        self.misses = 0

    def cached(self, flow: Flow, snapshot: ClusterSnapshot, with_fixes: bool = True) -> Explanation | None:
        key = (explanation_key(flow), with_fixes)
        with self._lock:
            if snapshot is not self._snapshot:
                self._cache.clear()
                self._snapshot = snapshot
                return None
            found = self._cache.get(key)
            if found is None and not with_fixes:
                found = self._cache.get((key[0], True))
            if found is not None:
                self.hits += 1
                if key in self._cache:
                    self._cache.move_to_end(key)
            return found

    def explain(self, flow: Flow, snapshot: ClusterSnapshot, with_fixes: bool = True) -> Explanation:
        found = self.cached(flow, snapshot, with_fixes)
        if found is not None:
            return found
        expl = explain_flow(flow, snapshot, with_fixes=with_fixes)
        key = (explanation_key(flow), with_fixes)
        with self._lock:
            self.misses += 1
            if snapshot is self._snapshot:
                self._cache[key] = expl
                if len(self._cache) > self.maxsize:
                    self._cache.popitem(last=False)
        return expl
