"""Shared helpers for the Hubble source tests (not a test module)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FLOWS_DIR = (REPO / ".." / "shared" / "data" / "flows").resolve()
T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z


def flows_dir() -> Path:
    if not FLOWS_DIR.is_dir():
        pytest.skip(f"the real Hubble captures are not at {FLOWS_DIR} (shared/ is expected beside the repo)")
    return FLOWS_DIR


class Collector:
    """Runs source.batches() in a thread and collects the items; wait on conditions, not on time."""

    def __init__(self, source: Any, **kw: Any) -> None:
        self.source = source
        self.items: list[Any] = []
        self.error: BaseException | None = None
        self.batches = 0
        self._cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, args=(kw,), daemon=True)
        self.thread.start()

    def _run(self, kw: dict[str, Any]) -> None:
        try:
            for batch in self.source.batches(**kw):
                with self._cond:
                    self.items.extend(batch)
                    self.batches += 1
                    self._cond.notify_all()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            self.error = exc
        with self._cond:
            self._cond.notify_all()

    def wait(self, pred: Callable[[list[Any]], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not pred(self.items):
                left = deadline - time.monotonic()
                if left <= 0 or (self.error is not None) or not self.thread.is_alive():
                    return pred(self.items)
                self._cond.wait(left)
        return True

    def of(self, cls: type) -> list[Any]:
        with self._cond:
            return [i for i in self.items if type(i) is cls]
