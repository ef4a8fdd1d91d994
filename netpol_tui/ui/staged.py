"""Staged policies in the TUI (`--with PATH`): every observed connection judged again under the cluster plus the
staged objects (core.diff.staged); a connection the two judge differently is marked "would drop" or "would
allow". The judging happens in worker threads (the flow worker for new connections, the cluster worker when a
new snapshot arrives); the UI thread only reads the marks (one dict lookup per painted row).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from enum import StrEnum

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.diff import Connection, ObservedConnection, diff, observed_connections, staged
from netpol_tui.core.manifests import ParseResult
from netpol_tui.core.model import Flow

DEFAULT_MAX_CONNECTIONS = 100_000


class StagedMark(StrEnum):
    WOULD_DROP = "would_drop"  # allowed by the cluster, denied with the staged objects
    WOULD_ALLOW = "would_allow"  # denied by the cluster, allowed with the staged objects


def connection_of(flow: Flow) -> Connection | None:
    """The connection a flow belongs to (as core.diff counts them); None for a reply."""
    if flow.is_reply is True:
        return None
    return Connection(flow.source.key, flow.destination.key, flow.destination_port or 0, flow.protocol or "")


class StagedJudge:
    """The staged verdicts of the connections seen so far (bounded: the oldest are forgotten first)."""

    def __init__(
        self, objects: ParseResult, label: str = "--with", max_connections: int = DEFAULT_MAX_CONNECTIONS
    ) -> None:
        self.objects = objects
        self.label = label  # the file named in the explanation ("--with staged.yaml")
        self.max_connections = max_connections
        self._lock = threading.Lock()
        self._base: ClusterSnapshot | None = None
        self._staged: ClusterSnapshot | None = None
        self._observed: dict[Connection, ObservedConnection] = {}
        # read without the lock by the UI thread (single dict lookups); written by workers under the lock
        self.marks: dict[Connection, StagedMark] = {}

    def judge(
        self, flows: Sequence[Flow], snapshot: ClusterSnapshot | None = None, *, replace: bool = True
    ) -> int:
        """Judge the new connections of `flows`; returns how many connections were judged.

        `snapshot` is a new cluster state: every known connection is judged again under it. Without one the new
        connections are judged under the last state given (the flow worker's way: the cluster worker gives the
        states, and the screen's own copy may lag behind it), or remembered until a state comes. With
        `replace=False` a state is taken only if none was given yet (a judge just staged: the screen's state
        must not undo a newer one the cluster worker already gave)."""
        with self._lock:
            todo: list[ObservedConnection] = []
            for oc in observed_connections(flows):  # remembered even before the cluster is known
                if oc.connection not in self._observed:
                    self._observed[oc.connection] = oc
                    todo.append(oc)
            if snapshot is None or (not replace and self._base is not None):
                snapshot = self._base
            if snapshot is None:
                return 0
            if snapshot is not self._base:
                self._base = snapshot
                self._staged = staged(snapshot, self.objects)
                todo = list(self._observed.values())
            while len(self._observed) > self.max_connections:
                old = next(iter(self._observed))
                del self._observed[old]
                self.marks.pop(old, None)
            if not todo or self._staged is None:
                return 0
            result = diff(todo, snapshot, self._staged)
            changed = {c.connection: c for c in result.changes}
            for oc in todo:
                ch = changed.get(oc.connection)
                if ch is None:
                    self.marks.pop(oc.connection, None)
                else:
                    self.marks[oc.connection] = StagedMark.WOULD_ALLOW if ch.after else StagedMark.WOULD_DROP
            return len(todo)

    def mark(self, flow: Flow) -> StagedMark | None:
        conn = connection_of(flow)
        return self.marks.get(conn) if conn is not None else None


__all__ = ["StagedJudge", "StagedMark", "connection_of"]
