"""Worker results posted to the app (one message per batch, never one per flow)."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from netpol_tui.core.cluster import ClusterSnapshot
from netpol_tui.core.model import Flow, KubeStatus, LostEvents, NodeStatus, StreamState


class FlowsReceived(Message):
    """One batch from the flow worker.

    `flows`: every flow of the batch (in order); `visible`: those matching the view's local query of
    generation `generation` (computed in the worker, so the event loop only appends); `drops`: how many of
    `flows` are DROPPED or AUDIT; `events`: LostEvents / NodeStatus / StreamState / Progress items.
    """

    def __init__(
        self,
        flows: list[Flow],
        visible: list[Flow],
        drops: int,
        events: list[Any],
        generation: int,
        groups_changed: bool,
    ) -> None:
        super().__init__()
        self.flows = flows
        self.visible = visible
        self.drops = drops
        self.events = events
        self.generation = generation
        self.groups_changed = groups_changed


class StreamStatusChanged(Message):
    def __init__(self, state: StreamState | LostEvents | NodeStatus) -> None:
        super().__init__()
        self.state = state


class StreamFailed(Message):
    """The flow worker stopped on an error it cannot retry (a sentence for the user)."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


class ClusterUpdated(Message):
    def __init__(self, snapshot: ClusterSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class KubeStatusChanged(Message):
    def __init__(self, status: KubeStatus) -> None:
        super().__init__()
        self.status = status
